"""What SXI sees of the sky: the soft X-ray intensity image over its field of view for one pointing.

:func:`intensity_map` lays the SXI pixel map over the field of view (27 x 16 deg by default, the field
of :class:`~smilekit.instruments.sxi.config.SXIConfig`): pixel centres on a regular grid of angular
coordinates (u, v) about the boresight, u along the body +X axis (the 27 deg axis) and v along body +Y
(the 16 deg axis). A pixel's ray is normalise(tan(u) X + tan(v) Y + Z), the gnomonic (focal-plane)
projection, so a CCD position is focal length * tan(angle). The body axes come from the attitude law
(:func:`smilekit.mission.pointing.attitude_values`) or a given rotation. Each ray is integrated by
:func:`smilekit.imaging.los.los_intensity` (the scheme, its accuracy and its limits are in the notes of
:mod:`smilekit.imaging.los`).

With a time, the image records the Sun's angle from the boresight and whether the Sun lies in the field
of view (the Sun's direction of :func:`smilekit.frames.sun_direction`, Hapgood 1992, :cite:`hapgood1992`):
such a frame is flagged; its intensity does not include the Sun.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_rotation, as_value, as_vector
from smilekit.constants import AU_KM
from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.imaging.los import check_origin, distance_value, los_intensity, step_value
from smilekit.mission.fov import SXI
from smilekit.mission.pointing import attitude_values, fov_distance_values
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM, SXI_INTENSITY

__all__ = ["intensity_map"]


def _angles_deg(value, name: str) -> tuple[float, float]:
    v = np.atleast_1d(as_value(value, u.deg, name, positive=True))
    if v.ndim != 1 or v.size not in (1, 2):
        raise InputError(f"{name} must be one angle or a pair (along u, along v), got shape {v.shape}")
    return (float(v[0]), float(v[-1]))


def intensity_map(
    source,
    sc_position,
    aim_point,
    *,
    pixel=0.1 * u.deg,
    fov=SXI.fov,
    long_axis: str = "earth",
    time=None,
    rotation=None,
    step=None,
    max_distance=80.0 * RE,
) -> xr.DataArray:
    """The soft X-ray intensity image over the SXI field of view for one pointing.

    Pixel centres lie on a regular grid of angular coordinates (u, v) about the boresight: u along the
    body +X axis (the 27 deg axis), v along body +Y (the 16 deg axis), ``(i - (n - 1) / 2) * pixel`` with
    ``n = round(fov / pixel)`` per axis. The pixel's ray is normalise(tan(u) X + tan(v) Y + Z), the
    gnomonic (focal-plane) projection, so a CCD position is focal length * tan(angle). The body axes come
    from :func:`smilekit.mission.pointing.attitude_values` (+Z to the aim point, +X the part of the
    direction to the Earth's centre, or of GSE +Z with ``long_axis="gse_z"``, perpendicular to it), or
    from ``rotation``.

    Parameters
    ----------
    source : EmissivityModel
        See :func:`~smilekit.imaging.los.los_intensity`.
    sc_position : Quantity
        Spacecraft position (GSE, length, shape (3,)), outside the Earth.
    aim_point : Quantity or None
        The SXI aim point (GSE, length, shape (3,)), not at the spacecraft. May be None when ``rotation``
        is given; if both are given the boresight must point at the aim point (within 0.01 deg).
    pixel : Quantity
        Pixel size (angle), one value or (along u, along v); default 0.1 deg.
    fov : Quantity
        Full field of view (along u, along v), default SXI's (:data:`smilekit.mission.fov.SXI`, 27 x 16 deg).
    long_axis : {"earth", "gse_z"}
        Roll rule of :func:`smilekit.mission.pointing.attitude_values`.
    time : time-like, optional
        Rotate rays GSE -> GSM for the source (see :func:`~smilekit.imaging.los.los_intensity`); also
        recorded in the attrs and used to flag the Sun in the field of view.
    rotation : array_like, optional
        Body -> GSE rotation matrix (3 x 3, columns the body X, Y, Z axes in GSE), instead of the
        attitude law.
    step, max_distance : Quantity
        See :func:`~smilekit.imaging.los.los_intensity`.

    Returns
    -------
    xarray.DataArray
        Intensity (keV cm^-2 s^-1 sr^-1) with dims ("v", "u"), coordinates in deg; attrs ``units``,
        ``frame`` ("GSE"), ``sc_position_gse_re``, ``aim_point_gse_re``, ``boresight_gse``,
        ``long_axis_gse``, ``pixel_deg``, ``fov_deg``, ``max_distance_re``, ``step_re`` (NaN for the
        adaptive scheme), ``source_frame``, ``source``, and with a time ``time`` (ISO),
        ``sun_angle_deg`` (Sun to boresight) and ``sun_in_fov`` (1 when the Sun lies in the field of
        view: the frame is flagged, its intensity does not include the Sun).

    Raises
    ------
    InputError
        Spacecraft inside the Earth, aim point at the spacecraft, a bad rotation, pixel or fov, and the
        errors of :func:`~smilekit.imaging.los.los_intensity`.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> from smilekit.geospace.emissivity import Jorgensen2019
    >>> model = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)
    >>> image = intensity_map(model, [3.5, -2.3, 17.1] * RE, [3.5, -2.3, 0] * RE, pixel=1 * u.deg)
    >>> image.dims, image.shape, image.attrs["units"]
    (('v', 'u'), (16, 27), 'keV cm-2 s-1 sr-1')
    """
    p = as_vector(sc_position, RE, "sc_position")
    if p.shape != (3,):
        raise InputError(f"sc_position must be one position of shape (3,), got shape {p.shape}")
    check_origin(p, "sc_position")
    if long_axis not in ("earth", "gse_z"):
        raise InputError(f"long_axis must be 'earth' or 'gse_z', got {long_axis!r}")
    aim = None
    if aim_point is not None:
        aim = as_vector(aim_point, RE, "aim_point")
        if aim.shape != (3,):
            raise InputError(f"aim_point must be one position of shape (3,), got shape {aim.shape}")
        if np.linalg.norm(aim - p) < 1e-9 * max(1.0, float(np.linalg.norm(p))):
            raise InputError(
                f"aim_point {aim.tolist()} RE coincides with the spacecraft: the boresight is undefined"
            )
    if rotation is not None:
        rot = as_rotation(rotation)
        if aim is not None:
            to_aim = (aim - p) / np.linalg.norm(aim - p)
            off = math.degrees(math.acos(min(1.0, max(-1.0, float(to_aim @ rot[:, 2])))))
            if off > 0.01:
                raise InputError(
                    f"rotation's boresight (its third column) is {off:.3g} deg from the direction to "
                    "aim_point; give one or the other, or a consistent pair"
                )
    elif aim is None:
        raise InputError("give aim_point (a GSE position) or rotation (a body -> GSE matrix)")
    else:
        rot = attitude_values(p[None], aim[None], np.zeros((1, 3)), long_axis)[0][0]
    pu, pv = _angles_deg(pixel, "pixel")
    fu, fv = _angles_deg(fov, "fov")
    if fu >= 180.0 or fv >= 180.0:
        raise InputError(f"fov must be below 180 deg per axis, got {fu:g} x {fv:g} deg")
    nu, nv = max(1, round(fu / pu)), max(1, round(fv / pv))
    cu = (np.arange(nu) - 0.5 * (nu - 1)) * pu
    cv = (np.arange(nv) - 0.5 * (nv - 1)) * pv
    tv, tu = np.meshgrid(np.tan(np.radians(cv)), np.tan(np.radians(cu)), indexing="ij")
    body = np.stack([tu, tv, np.ones_like(tu)], axis=-1)
    body /= np.linalg.norm(body, axis=-1, keepdims=True)
    rays = body @ rot.T
    values = los_intensity(source, p * RE, rays, step=step, max_distance=max_distance, time=time).to_value(
        SXI_INTENSITY
    )
    step_v = step_value(step)
    attrs = {
        "units": "keV cm-2 s-1 sr-1",
        "long_name": "soft X-ray intensity",
        "frame": "GSE",
        "sc_position_gse_re": p.tolist(),
        "aim_point_gse_re": aim.tolist() if aim is not None else [math.nan] * 3,
        "boresight_gse": rot[:, 2].tolist(),
        "long_axis_gse": rot[:, 0].tolist(),
        "long_axis_rule": long_axis if rotation is None else "rotation",
        "pixel_deg": [pu, pv],
        "fov_deg": [fu, fv],
        "max_distance_re": distance_value(max_distance),
        "step_re": math.nan if step_v is None else step_v,
        "source": type(source).__name__,
        "source_frame": "GSM" if time is not None else "GSE (source taken in the rays' frame)",
        "projection": "gnomonic: direction = normalise(tan(u) X + tan(v) Y + Z), body frame",
    }
    if time is not None:
        attrs.update(_sun_attrs(time, p, rot, fu, fv))
    return xr.DataArray(
        values,
        dims=("v", "u"),
        coords={"v": ("v", cv, {"units": "deg"}), "u": ("u", cu, {"units": "deg"})},
        attrs=attrs,
        name="intensity",
    )


def _sun_attrs(time, p, rot, fu, fv) -> dict:
    """time (ISO), the Sun's angle from the boresight and whether it lies in the FOV (Hapgood direction)."""
    t = np.ravel(as_datetime64(time))[0]
    sun = sun_direction(t, "GSE") * (AU_KM / RE_KM) - p
    sun /= np.linalg.norm(sun)
    angle = math.degrees(math.acos(min(1.0, max(-1.0, float(sun @ rot[:, 2])))))
    inside = float(fov_distance_values((sun @ rot)[None], fu, fv)[0]) <= 0.0
    return {
        "time": str(np.datetime_as_string(t, unit="ms")),
        "sun_angle_deg": angle,
        "sun_in_fov": int(inside),
    }
