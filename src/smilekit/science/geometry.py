"""The viewing geometry of an SXI level-2 image: where the spacecraft is and where each pixel looks.

Every retrieval in :mod:`smilekit.science` starts here. An L2 dataset
(:func:`~smilekit.instruments.sxi.l2.make_l2` or :func:`~smilekit.products.sxi_fits.read_l2`) carries the
spacecraft position (GSE, RE) and the body axes in GSE (``long_axis_gse`` = body +X, the 27 deg axis;
``boresight_gse`` = body +Z); body +Y = Z x X. A pixel at tangent-plane coordinates (xi, eta) in degrees
looks along ``normalise((pi/180) xi X + (pi/180) eta Y + Z)`` (gnomonic projection,
:mod:`~smilekit.instruments.sxi.l2`). The geospace models live in GSM, so the geometry also carries the
GSE -> GSM rotation at the middle of the time bin (:func:`smilekit.frames.rotation_matrix`).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.imaging.gnomonic import tangent_plane_directions_values
from smilekit.times import as_datetime64

__all__ = ["ImageGeometry", "image_geometry", "pixel_directions_values"]

_REQUIRED = ("sc_position_gse_re", "boresight_gse", "long_axis_gse")


class ImageGeometry(NamedTuple):
    """The geometry of one L2 time bin (plain floats: RE, degrees, unit vectors)."""

    time: np.datetime64  #: middle of the time bin (UTC)
    sc_gse: np.ndarray  #: spacecraft position, GSE, RE, (3,)
    rotation: np.ndarray  #: body -> GSE rotation, columns the body X, Y, Z axes, (3, 3)
    gse_to_gsm: np.ndarray  #: GSE -> GSM rotation at ``time``, (3, 3), read-only (one per time, shared)
    xi_deg: np.ndarray  #: tangent-plane coordinate along body +X of the pixel columns (deg), (nu,)
    eta_deg: np.ndarray  #: tangent-plane coordinate along body +Y of the pixel rows (deg), (nv,)

    @property
    def sc_gsm(self) -> np.ndarray:
        """Spacecraft position in GSM (RE), (3,)."""
        return self.gse_to_gsm @ self.sc_gse

    @property
    def body_to_gsm(self) -> np.ndarray:
        """Body -> GSM rotation (3, 3)."""
        return self.gse_to_gsm @ self.rotation

    def directions(self, frame: str = "GSM") -> np.ndarray:
        """Unit vectors of the pixel centres, (nv, nu, 3), in ``frame`` ("GSM" or "GSE")."""
        rot = {"GSM": self.body_to_gsm, "GSE": self.rotation}.get(frame.upper())
        if rot is None:
            raise InputError(f"frame must be 'GSM' or 'GSE', got {frame!r}")
        return pixel_directions_values(self.xi_deg, self.eta_deg, rot)


def pixel_directions_values(xi_deg, eta_deg, rotation) -> np.ndarray:
    """Kernel: unit vectors (nv, nu, 3) of tangent-plane pixel centres (deg) through a body rotation."""
    eta, xi = np.meshgrid(np.asarray(eta_deg, dtype=np.float64), np.asarray(xi_deg, dtype=np.float64),
                          indexing="ij")  # fmt: skip
    return tangent_plane_directions_values(xi, eta, rotation)


def image_geometry(l2: xr.Dataset, time_index: int = 0) -> ImageGeometry:
    """The :class:`ImageGeometry` of time bin ``time_index`` of an L2 dataset.

    Raises
    ------
    InputError
        If ``l2`` is not an L2 dataset with its pointing attributes, or ``time_index`` is out of range.
    """
    if not isinstance(l2, xr.Dataset) or "counts" not in l2 or "xi" not in l2.coords:
        raise InputError("l2 must be an SXI L2 Dataset (make_l2 or read_l2)")
    missing = [k for k in _REQUIRED if k not in l2.attrs]
    if missing:
        raise InputError(f"the L2 dataset lacks its pointing attributes {missing}")
    n_t = l2.sizes["time"]
    if not -n_t <= int(time_index) < n_t:
        raise InputError(f"time_index must lie in [0, {n_t}), got {time_index}")
    t0 = l2["time"].values[time_index]
    t1 = l2["time_end"].values[time_index]
    mid = t0 + (t1 - t0) / 2
    sc = np.asarray(l2.attrs["sc_position_gse_re"], dtype=np.float64)
    z = np.asarray(l2.attrs["boresight_gse"], dtype=np.float64)
    x = np.asarray(l2.attrs["long_axis_gse"], dtype=np.float64)
    z = z / np.linalg.norm(z)
    x = x - np.dot(x, z) * z
    x = x / np.linalg.norm(x)
    rotation = np.column_stack([x, np.cross(z, x), z])
    return ImageGeometry(
        time=mid,
        sc_gse=sc,
        rotation=rotation,
        gse_to_gsm=_gse_to_gsm(as_datetime64(mid)[()]),
        xi_deg=np.asarray(l2["xi"].values, dtype=np.float64),
        eta_deg=np.asarray(l2["eta"].values, dtype=np.float64),
    )


@functools.lru_cache(maxsize=64)
def _gse_to_gsm(time: np.datetime64) -> np.ndarray:
    """The GSE -> GSM rotation at a time (UTC, as :func:`~smilekit.times.as_datetime64` checked it),
    read-only and shared: every method run on an image asks for its geometry, most more than once (the
    rotation was a third of the time it took)."""
    matrix = rotation_matrix(time, "GSE", "GSM")
    matrix.flags.writeable = False
    return matrix
