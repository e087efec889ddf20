"""Instrument fields of view: each imager's mount on the spacecraft and its field of view, one record each.

Fields of view (full angles, along the instrument frame's X, along its Y), from the ESA SMILE Definition
Study Report ("Red Book", ESA/SCI(2018)1, :cite:`branduardiraymont2018`, the SXI and UVI parameter tables;
the same numbers in :cite:`branduardiraymont2022`, Table 1):

* :data:`SXI`: 27 x 16 deg (also quoted 26.5 x 15.5 deg). Its frame *is* the spacecraft body frame of
  :mod:`smilekit.mission.pointing`: +Z the boresight, +X the long (27 deg) axis, +Y = Z x X the short
  (16 deg) axis.
* :data:`UVI`: 10 x 10 deg. It has its own boresight (in the model of :mod:`smilekit.mission.pointing`,
  aimed at the centre of the northern auroral oval); its frame has +Z along that boresight, +X along the
  part of the body X axis perpendicular to it (the part of body Y where that vanishes) and +Y = Z x X.

Each FOV is the rectangle of a flat focal plane, a gnomonic rectangle ``|x/z| <= tan(a/2)``,
``|y/z| <= tan(b/2)`` in the instrument frame (the kernels are in :mod:`smilekit.mission.pointing`).
:func:`instrument_mount` looks a record up by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.frames import unit_vectors

__all__ = ["INSTRUMENTS", "SXI", "UVI", "InstrumentMount", "instrument_mount"]

#: The frame rules of :class:`InstrumentMount`.
_FRAMES = ("body", "boresight")


@dataclass(frozen=True, eq=False)
class InstrumentMount:
    """An imager on the spacecraft: its name, its full field of view and how its frame sits in the body.

    Attributes
    ----------
    name : str
        The instrument's name, upper case ("SXI", "UVI").
    fov : Quantity
        Full field of view, shape (2,): along the instrument frame's X, along its Y (angles).
    frame : {"body", "boresight"}
        ``"body"``: the instrument frame is the body frame (SXI). ``"boresight"``: +Z along the
        instrument's own boresight, +X along the part of the body X axis perpendicular to it (the part of
        body Y where that vanishes), +Y = Z x X (UVI).

    Examples
    --------
    >>> SXI.fov_deg, UVI.frame
    ((27.0, 16.0), 'boresight')
    """

    name: str
    fov: u.Quantity
    frame: str = "body"

    def __post_init__(self):
        if self.frame not in _FRAMES:
            raise InputError(f"frame must be one of {list(_FRAMES)}, got {self.frame!r}")
        fov = u.Quantity(self.fov, copy=True)
        fov.flags.writeable = False  # a shared constant: callers take copies
        object.__setattr__(self, "fov", fov)

    @property
    def fov_deg(self) -> tuple[float, float]:
        """The full field of view in deg as plain floats (along X, along Y), for the kernels."""
        return tuple(float(v) for v in self.fov.to_value(u.deg))

    def frame_values(self, rotation: np.ndarray, boresight_gse: np.ndarray) -> np.ndarray:
        """Kernel: instrument -> GSE rotation matrices (N, 3, 3), columns the instrument X, Y, Z in GSE.

        Parameters
        ----------
        rotation : numpy.ndarray
            Body -> GSE rotation matrices, shape (N, 3, 3)
            (:attr:`smilekit.mission.pointing.Attitude.rotation`).
        boresight_gse : numpy.ndarray
            The instrument's own boresight (unit vectors, GSE), shape (N, 3); used only by a
            ``"boresight"`` mount (UVI: :attr:`smilekit.mission.pointing.Attitude.uvi_boresight_gse`).
        """
        if self.frame == "body":
            return rotation
        z = boresight_gse
        x = rotation[..., 0]
        v = x - np.sum(x * z, axis=-1, keepdims=True) * z
        fallback = rotation[..., 1] - np.sum(rotation[..., 1] * z, axis=-1, keepdims=True) * z
        v = np.where((np.linalg.norm(v, axis=-1) > 1e-9)[..., None], v, fallback)
        x = unit_vectors(v)
        return np.stack([x, np.cross(z, x), z], axis=-1)


#: The Soft X-ray Imager: 27 x 16 deg, the body frame.
SXI = InstrumentMount("SXI", [27.0, 16.0] * u.deg, "body")

#: The UltraViolet Imager: 10 x 10 deg, about its own boresight.
UVI = InstrumentMount("UVI", [10.0, 10.0] * u.deg, "boresight")

#: The imagers by name.
INSTRUMENTS: dict[str, InstrumentMount] = {mount.name: mount for mount in (SXI, UVI)}


def instrument_mount(name) -> InstrumentMount:
    """The :class:`InstrumentMount` of an imager by name (case-insensitive).

    Raises
    ------
    InputError
        For a name that is not a string or not one of :data:`INSTRUMENTS`.

    Examples
    --------
    >>> instrument_mount("uvi").fov
    <Quantity [10., 10.] deg>
    """
    if not isinstance(name, str) or name.upper() not in INSTRUMENTS:
        raise InputError(f"instrument must be one of {sorted(INSTRUMENTS)}, got {name!r}")
    return INSTRUMENTS[name.upper()]
