"""Pointing: SXI aim points, the three-axis attitude law, distances to the fields of view and exclusions.

SMILE is three-axis stabilised; its SXI points at the nose of the magnetopause and its UVI at the
northern aurora (:cite:`branduardiraymont2022`, sections 4.1 and 4.4). This module builds that attitude
along a :class:`~smilekit.mission.orbit.Track`.

Aim points (GSE, RE)
--------------------
* :func:`subsolar_aim_points`: the subsolar magnetopause, ``(r0, 0, 0)`` GSE, with r0 the stand-off of a
  magnetopause model (default Shue et al. 1998, :cite:`shue1998`) for the solar wind at each time. The models'
  symmetry axis is the GSM X axis, which is also the GSE X axis (the solar-wind aberration of ~4 deg is
  ignored, as in :mod:`smilekit.geospace.boundaries`).
* :func:`limb_offset_aim_points`: the SXI team's rule "FOV centre 20.3 deg from the Earth's limb, aim point
  on the GSE x-axis" (the default ``limb=20.3`` of the SXI team's CMEM_Image code, :cite:`wharton2025`).
  Interpretation used here: the boresight lies in the
  plane that contains the spacecraft and the GSE X axis (that plane holds the Earth centre too); the angle
  between the boresight and the direction to the Earth's centre is the Earth's angular radius
  ``asin(1 RE / r)`` plus the offset (so the boresight is the offset away from the limb, on the sunward
  side of the Earth); the aim point is where the boresight crosses the +X axis. With the spacecraft at
  distance r and angle theta from +X (seen from the Earth's centre), the triangle Earth-spacecraft-aim
  point gives (law of sines) ``a = r sin(beta) / sin(theta + beta)`` with ``beta = asin(1/r) + offset``;
  there is a crossing of the +X axis only when ``theta + beta < 180 deg`` (none for a spacecraft near the
  -X axis, behind the Earth as seen from the Sun). Check: for a reference geometry of the SXI simulation
  studies (its publication not traced), spacecraft at (5.9, 6.7, 17.7) RE aiming at (7.8, 0, 0) RE, this
  reading gives 7.85 RE.

Attitude law (:func:`attitude`)
-------------------------------
Body axes: +Z is the SXI boresight, from the spacecraft to the aim point. +X is the SXI's long (27 deg)
field-of-view axis and +Y = Z x X its short (16 deg) axis. The long axis is, by default
(``long_axis="earth"``), the component of the direction to the Earth's centre perpendicular to the boresight:
the long axis lies in the plane of the boresight and the Earth centre, so the 27 deg span runs from near the
Earth's limb outwards across the magnetosheath, and the Earth lies beyond the FOV edge on the +X side. The
mission description (:cite:`branduardiraymont2022`) does not give the roll about the boresight; this choice is
ours. It uses the long axis for the radial extent of the sheath and keeps the FOV's Earth-side edge at a fixed
angle from the limb (with the 20.3 deg rule: 20.3 - 13.5 = 6.8 deg). The alternative ``long_axis="gse_z"``
puts the long axis along the projection of GSE +Z onto the image plane. Where the chosen reference is parallel
to the boresight the other one is used (then GSE +X, then +Y).

UVI is modelled as pointing its boresight at the centre of the northern auroral oval,
:func:`smilekit.geospace.aurora.oval_centre` (120 km altitude, SM colatitude 4 deg towards magnetic
midnight; the sources are in :mod:`smilekit.geospace.aurora`). On SMILE the UVI is fixed on the payload
module with SXI; :attr:`Attitude.sxi_uvi_angle` and :func:`uvi_mount_error` report how far a fixed mount
departs from this ideal pointing.

Fields of view: the instruments' fields of view and frames are in :mod:`smilekit.mission.fov` (SXI
27 x 16 deg in the body frame, UVI 10 x 10 deg about its own boresight). Each FOV is the rectangle of a
flat focal plane, i.e. a gnomonic rectangle ``|x/z| <= tan(a/2)``, ``|y/z| <= tan(b/2)`` in the instrument
frame, whose edges are great circles; angular distances to it are computed exactly on the sphere.
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial.transform import Rotation

from smilekit._validation import as_rotation, as_value, as_vector
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix, transform, unit_vectors
from smilekit.geospace.aurora import AURORA_ALTITUDE, oval_centre
from smilekit.geospace.boundaries import model_kernel, resolve_model, standoff
from smilekit.mission.ephemeris import moon_position, sun_position
from smilekit.mission.fov import SXI, InstrumentMount, instrument_mount
from smilekit.solarwind.drivers import drivers_at
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM

__all__ = [
    "AIM_RULES",
    "ATTITUDE_GRID_S",
    "LIMB_OFFSET",
    "MOON_RADIUS_KM",
    "Attitude",
    "angle_values",
    "attitude",
    "attitude_at",
    "attitude_values",
    "body_to_gse_values",
    "exclusions",
    "fov_distance",
    "fov_distance_values",
    "fov_edge_directions_values",
    "fov_edge_rays",
    "fov_footprint",
    "in_fov",
    "limb_offset_aim_points",
    "limb_offset_aim_values",
    "slerp_values",
    "subsolar_aim_points",
    "uvi_mount_error",
    "view_angles",
]

#: Spacing (s) of the grid on which an attitude is interpolated exactly (:func:`slerp_values`) before the
#: matrices are interpolated linearly to the samples (:func:`body_to_gse_values`).
ATTITUDE_GRID_S = 0.25

#: The SXI team's pointing constraint: FOV centre this far from the Earth's limb (:cite:`wharton2025`).
LIMB_OFFSET = 20.3 * u.deg
#: The SXI aim rules: the subsolar magnetopause for the solar wind (:func:`subsolar_aim_points`) or the SXI
#: team's 20.3 deg limb rule (:func:`limb_offset_aim_points`, :cite:`wharton2025`).
AIM_RULES = ("subsolar", "limb")

#: Mean radius of the Moon, km (IAU WGCCRE, Archinal et al. 2018, Celest. Mech. Dyn. Astr. 130, 22,
#: :cite:`archinal2018`).
MOON_RADIUS_KM = 1737.4

_Z = np.array([0.0, 0.0, 1.0])


# ---------------------------------------------------------------------------------------------------
# Kernels (plain float64, RE and radians)
# ---------------------------------------------------------------------------------------------------
def angle_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (rad) between vectors along the last axis (atan2 form, accurate at all angles)."""
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    return np.arctan2(cross, np.sum(a * b, axis=-1))


def limb_offset_aim_values(position_re: np.ndarray, offset_rad: float) -> np.ndarray:
    """Kernel: x (RE) of the limb-offset aim point on the +X GSE axis; NaN where there is none.

    ``a = r sin(beta) / sin(theta + beta)``, ``beta = asin(1/r) + offset``, theta the angle of the
    spacecraft from +X (see the module docstring). NaN when ``theta + beta >= 180 deg`` (the boresight
    does not cross the +X axis) or the spacecraft is on the X axis (the plane is undefined).
    """
    p = np.asarray(position_re, dtype=np.float64)
    r = np.linalg.norm(p, axis=-1)
    theta = np.arctan2(np.hypot(p[..., 1], p[..., 2]), p[..., 0])
    beta = np.arcsin(np.clip(1.0 / r, -1.0, 1.0)) + offset_rad
    total = theta + beta
    off_axis = np.hypot(p[..., 1], p[..., 2]) > 1e-9 * r
    ok = (total < np.pi - 1e-12) & off_axis
    with np.errstate(invalid="ignore", divide="ignore"):
        a = r * np.sin(beta) / np.sin(total)
    return np.where(ok, a, np.nan)


def attitude_values(
    position_re: np.ndarray, aim_re: np.ndarray, uvi_target_re: np.ndarray, long_axis: str = "earth"
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: body -> GSE rotation matrices (N, 3, 3) and UVI boresights (N, 3) from GSE points (RE).

    Columns of the matrix are the body X (SXI long axis), Y (short axis) and Z (boresight) in GSE. NaN
    aim points give NaN matrices. The long axis is the part of the reference direction (the Earth's centre,
    or GSE +Z) perpendicular to the boresight; where that vanishes (the reference along the boresight), the
    other reference, then GSE +X, then +Y, is used.
    """
    p = np.asarray(position_re, dtype=np.float64)
    boresight = unit_vectors(np.asarray(aim_re, dtype=np.float64) - p)
    earth = unit_vectors(-p)
    gse_z = np.broadcast_to(_Z, boresight.shape)
    first, second = (earth, gse_z) if long_axis == "earth" else (gse_z, earth)

    x_axis = np.full_like(boresight, np.nan)
    pending = np.ones(boresight.shape[:-1], dtype=bool)
    for ref in (first, second, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])):
        v = ref - np.sum(ref * boresight, axis=-1, keepdims=True) * boresight
        norm = np.linalg.norm(v, axis=-1)
        use = pending & (norm > 1e-6)
        with np.errstate(invalid="ignore", divide="ignore"):
            x_axis = np.where(use[..., None], v / norm[..., None], x_axis)
        pending &= ~use
    # one more Gram-Schmidt step: exact orthogonality even for a nearly parallel reference
    x_axis = unit_vectors(x_axis - np.sum(x_axis * boresight, axis=-1, keepdims=True) * boresight)
    y_axis = np.cross(boresight, x_axis)
    rotation = np.stack([x_axis, y_axis, boresight], axis=-1)
    uvi = unit_vectors(np.asarray(uvi_target_re, dtype=np.float64) - p)
    return rotation, uvi


def fov_edge_directions_values(full_x_deg: float, full_y_deg: float, n: int) -> np.ndarray:
    """Kernel: unit directions (4 n + 1, 3) around a gnomonic FOV rectangle, instrument frame, closed.

    Starts at the (+x, +y) corner and runs through (-x, +y), (-x, -y), (+x, -y), ``n`` steps per side.
    """
    tx, ty = np.tan(np.radians(0.5 * full_x_deg)), np.tan(np.radians(0.5 * full_y_deg))
    s = np.linspace(1.0, -1.0, n, endpoint=False)
    sides = [
        np.stack([s * tx, np.full(n, ty)], axis=-1),
        np.stack([np.full(n, -tx), s * ty], axis=-1),
        np.stack([-s * tx, np.full(n, -ty)], axis=-1),
        np.stack([np.full(n, tx), -s * ty], axis=-1),
    ]
    xy = np.concatenate([*sides, [[tx, ty]]])
    return unit_vectors(np.concatenate([xy, np.ones((xy.shape[0], 1))], axis=-1))


def fov_distance_values(direction_inst: np.ndarray, full_x_deg: float, full_y_deg: float) -> np.ndarray:
    """Kernel: signed angular distance (rad) from unit directions (instrument frame) to a gnomonic FOV.

    Negative inside (minus the distance to the nearest edge), positive outside (the distance to the nearest
    point of the FOV boundary, edges being great-circle arcs between the corners). NaN in, NaN out.
    """
    d = unit_vectors(np.asarray(direction_inst, dtype=np.float64))
    tx, ty = np.tan(np.radians(0.5 * full_x_deg)), np.tan(np.radians(0.5 * full_y_deg))
    corners = unit_vectors(np.array([[tx, ty, 1.0], [-tx, ty, 1.0], [-tx, -ty, 1.0], [tx, -ty, 1.0]]))
    # inward normals of the four edge planes: x <= tx z, y <= ty z, -x <= tx z, -y <= ty z
    normals = unit_vectors(np.array([[-1.0, 0.0, tx], [0.0, -1.0, ty], [1.0, 0.0, tx], [0.0, 1.0, ty]]))
    edges = [
        (corners[3], corners[0]),
        (corners[0], corners[1]),
        (corners[1], corners[2]),
        (corners[2], corners[3]),
    ]
    heights = d @ normals.T  # sin of the angle above each edge's great circle (inside: all >= 0)
    inside = np.all(heights >= 0.0, axis=-1)
    depth = -np.arcsin(np.clip(np.min(heights, axis=-1), -1.0, 1.0))
    outside = np.full(d.shape[:-1], np.inf)
    for k, (a, b) in enumerate(edges):
        n = normals[k]
        h = heights[..., k]
        foot = unit_vectors(d - h[..., None] * n)  # nearest point of the great circle
        # the foot lies on the arc from a to b when a x foot and foot x b point along a x b, which is
        # along the inward normal n for the corner order used here
        on_arc = (np.cross(a, foot) @ n >= -1e-15) & (np.cross(foot, b) @ n >= -1e-15)
        to_circle = np.abs(np.arcsin(np.clip(h, -1.0, 1.0)))
        to_ends = np.minimum(angle_values(d, a), angle_values(d, b))
        outside = np.minimum(outside, np.where(on_arc, to_circle, to_ends))
    out = np.where(inside, depth, outside)
    return np.where(np.isnan(d).any(axis=-1), np.nan, out)


def _ray_sphere(origin: np.ndarray, direction: np.ndarray, radius: float) -> np.ndarray:
    """Kernel: the first intersection (RE) of rays with a sphere about the origin; NaN where they miss."""
    b = np.sum(origin * direction, axis=-1)
    c = np.sum(origin * origin, axis=-1) - radius**2
    disc = b * b - c
    with np.errstate(invalid="ignore"):
        s = -b - np.sqrt(disc)
    hit = (disc >= 0.0) & (s > 0.0)
    return np.where(hit[..., None], origin + s[..., None] * direction, np.nan)


# ---------------------------------------------------------------------------------------------------
# Aim points and targets
# ---------------------------------------------------------------------------------------------------
def subsolar_aim_points(time, solar_wind, *, model="shue1998") -> u.Quantity:
    """The subsolar magnetopause on the GSE X axis: ``(r0, 0, 0)`` at each time.

    Parameters
    ----------
    time : time-like
        One time or an array of N times.
    solar_wind : SolarWind, SolarWindState or Quantity
        The upstream conditions (a series is interpolated to ``time``), or the stand-off distance itself
        (a length, scalar or shape (N,)).
    model : str or callable
        Magnetopause model for :func:`smilekit.geospace.boundaries.standoff` (default Shue et al. 1998,
        JGR 103, 17691).

    Returns
    -------
    Quantity
        GSE positions in RE, shape (N, 3).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind import SolarWindState
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, 0] * u.nT)
    >>> subsolar_aim_points("2026-03-20", sw).round(2)
    <Quantity [[10.6,  0. ,  0. ]] RE>
    """
    t = np.atleast_1d(as_datetime64(time))
    if isinstance(solar_wind, u.Quantity):
        r0 = np.broadcast_to(as_value(solar_wind, RE, "r0", positive=True), t.shape)
    else:
        drivers = drivers_at(solar_wind, t)
        names = model_kernel(resolve_model(model))[1]
        r0 = standoff(model, warn=False, **{name: drivers[name] for name in names}).to_value(RE)
        r0 = np.broadcast_to(r0, t.shape)
    out = np.zeros((*t.shape, 3))
    out[..., 0] = r0
    return out * RE


def limb_offset_aim_points(position_gse, offset=LIMB_OFFSET, *, errors: str = "raise") -> u.Quantity:
    """Aim points on the +X GSE axis with the boresight ``offset`` from the Earth's limb.

    The SXI team's rule (:cite:`wharton2025`): the FOV centre 20.3 deg from the Earth's limb, the aim point on
    the GSE x-axis. The boresight lies in the plane of the spacecraft and the X axis, at ``asin(1 RE / r) +
    offset`` from the direction to the Earth's centre, on the sunward side; see the module docstring for
    the geometry (law of sines).

    Parameters
    ----------
    position_gse : Quantity
        Spacecraft positions (length), shape (3,) or (N, 3), GSE, outside the Earth.
    offset : Quantity
        Angle between the boresight and the limb (default 20.3 deg), in [0, 180) deg.
    errors : {"raise", "nan"}
        Where no aim point exists (the boresight would not cross the +X axis: the spacecraft lies within
        about ``offset + asin(1/r)`` of the -X axis, behind the Earth as seen from the Sun, or on the X
        axis), raise an InputError or return NaN rows.

    Returns
    -------
    Quantity
        GSE aim points in RE, shape (N, 3).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> limb_offset_aim_points([0, 0, 20] * RE).round(3)  # over the pole: a = 20 tan(asin(1/20) + 20.3 deg)
    <Quantity [[8.558, 0.   , 0.   ]] RE>
    """
    p = np.atleast_2d(as_vector(position_gse, RE, "position_gse"))
    offset_v = float(as_value(offset, u.rad, "offset", nonnegative=True))
    if offset_v >= np.pi:
        raise InputError(f"offset must be below 180 deg, got {np.degrees(offset_v):g} deg")
    if errors not in ("raise", "nan"):
        raise InputError(f"errors must be 'raise' or 'nan', got {errors!r}")
    r = np.linalg.norm(p, axis=-1)
    if (r <= 1.0).any():
        raise InputError(f"position_gse must lie outside the Earth (r > 1 RE), got r = {r.min():g} RE")
    a = limb_offset_aim_values(p, offset_v)
    bad = np.isnan(a)
    if bad.any() and errors == "raise":
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"no aim point on the +X GSE axis {np.degrees(offset_v):g} deg from the limb for "
            f"{int(bad.sum())} of {a.size} positions, e.g. {np.round(p[k], 3).tolist()} RE: the boresight "
            "would not cross the +X axis (spacecraft near the -X axis behind the Earth, or on the X axis); "
            "pass errors='nan' to flag them"
        )
    out = np.zeros_like(p)
    out[:, 0] = a
    out[bad] = np.nan
    return out * RE


# ---------------------------------------------------------------------------------------------------
# The attitude
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attitude:
    """The three-axis attitude along a track (see the module docstring for the law).

    Attributes
    ----------
    time : numpy.ndarray
        ``datetime64[ns]``, shape (N,).
    rotation : numpy.ndarray
        Body -> GSE rotation matrices, shape (N, 3, 3); columns are the body X (SXI 27 deg axis), Y (SXI
        16 deg axis) and Z (SXI boresight) unit vectors in GSE. NaN where no aim point exists.
    sxi_boresight_gse, sxi_long_axis_gse, uvi_boresight_gse : numpy.ndarray
        Unit vectors in GSE, shape (N, 3).
    position_gse, aim_point_gse, uvi_target_gse : Quantity
        The spacecraft, the SXI aim point and the UVI target (GSE, RE), shape (N, 3).
    long_axis : str
        The rule used for the long axis ("earth" or "gse_z").
    """

    time: np.ndarray
    rotation: np.ndarray
    sxi_boresight_gse: np.ndarray
    sxi_long_axis_gse: np.ndarray
    uvi_boresight_gse: np.ndarray
    position_gse: u.Quantity
    aim_point_gse: u.Quantity
    uvi_target_gse: u.Quantity
    long_axis: str = "earth"

    def __len__(self) -> int:
        return self.time.shape[0]

    @property
    def valid(self) -> np.ndarray:
        """True where the attitude is defined (an aim point existed)."""
        return np.isfinite(self.rotation).all(axis=(-2, -1))

    @property
    def sxi_uvi_angle(self) -> u.Quantity:
        """Angle between the SXI and UVI boresights (deg): how far off a co-aligned UVI would point."""
        return np.degrees(angle_values(self.sxi_boresight_gse, self.uvi_boresight_gse)) * u.deg

    def to_body(self, vectors_gse) -> np.ndarray:
        """Plain array: GSE components (N, 3) or (N, M, 3) expressed in the body frame."""
        v = np.asarray(vectors_gse, dtype=np.float64)
        if v.ndim == 2:
            return np.einsum("nji,nj->ni", self.rotation, v)
        return np.einsum("nji,nmj->nmi", self.rotation, v)

    def select(self, index) -> Attitude:
        """The attitude at the samples ``index`` (an integer array, slice or boolean mask)."""
        idx = np.arange(len(self))[index]
        idx = np.atleast_1d(idx)
        return Attitude(
            self.time[idx],
            self.rotation[idx],
            self.sxi_boresight_gse[idx],
            self.sxi_long_axis_gse[idx],
            self.uvi_boresight_gse[idx],
            self.position_gse[idx],
            self.aim_point_gse[idx],
            self.uvi_target_gse[idx],
            self.long_axis,
        )


def _points(value, name: str, n: int) -> np.ndarray:
    v = as_vector(value, RE, name, allow_nan=True)
    if v.ndim == 1:
        v = np.broadcast_to(v, (n, 3))
    if v.shape != (n, 3):
        raise InputError(f"{name} must have shape (3,) or ({n}, 3) to match the track, got {v.shape}")
    return np.array(v, dtype=np.float64)


def attitude(track, aim_points_gse, *, long_axis: str = "earth", uvi_target=None) -> Attitude:
    """The three-axis attitude: SXI boresight to the aim points, long axis by rule, UVI to its target.

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
        The spacecraft track (N samples).
    aim_points_gse : Quantity
        SXI aim points (GSE, length), shape (3,) or (N, 3), e.g. from :func:`subsolar_aim_points` or
        :func:`limb_offset_aim_points`; NaN rows give an undefined (NaN) attitude there.
    long_axis : {"earth", "gse_z"}
        The SXI 27 deg axis: towards the Earth's centre projected on the image plane (default), or along
        projected GSE +Z. See the module docstring.
    uvi_target : Quantity, optional
        UVI target points (GSE, length), shape (3,) or (N, 3); default
        :func:`smilekit.geospace.aurora.oval_centre` at the track times.

    Returns
    -------
    Attitude

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission import kepler_track, sample_times, science_orbit
    >>> times = sample_times("2026-03-20", "2026-03-20T02:00", 3600 * u.s)
    >>> track = kepler_track(science_orbit("2026-03-20"), times)
    >>> att = attitude(track, [10, 0, 0] * RE)
    >>> att.rotation.shape, bool(np.allclose(att.rotation[0] @ att.rotation[0].T, np.eye(3)))
    ((3, 3, 3), True)
    """
    return attitude_at(
        track.time, track.position("GSE"), aim_points_gse, long_axis=long_axis, uvi_target=uvi_target
    )


def attitude_at(time, position_gse, aim_points_gse, *, long_axis: str = "earth", uvi_target=None) -> Attitude:
    """The attitude of :func:`attitude` at spacecraft positions and times given without a track.

    ``time`` is N UTC times, ``position_gse`` the spacecraft (GSE, length, shape (N, 3)); the other
    arguments as :func:`attitude` takes them (the evaluation cases of :mod:`smilekit.campaign` hold a
    position and an aim point, not a track).
    """
    if long_axis not in ("earth", "gse_z"):
        raise InputError(f"long_axis must be 'earth' or 'gse_z', got {long_axis!r}")
    time = np.atleast_1d(as_datetime64(time))
    n = time.shape[0]
    position = _points(position_gse, "position_gse", n)
    aim = _points(aim_points_gse, "aim_points_gse", n)
    target = oval_centre(time).to_value(RE) if uvi_target is None else _points(uvi_target, "uvi_target", n)
    rotation, uvi = attitude_values(position, aim, target, long_axis)
    return Attitude(
        time=time,
        rotation=rotation,
        sxi_boresight_gse=rotation[..., 2].copy(),
        sxi_long_axis_gse=rotation[..., 0].copy(),
        uvi_boresight_gse=uvi,
        position_gse=position * RE,
        aim_point_gse=aim * RE,
        uvi_target_gse=target * RE,
        long_axis=long_axis,
    )


def uvi_mount_error(att: Attitude, mount_body=None) -> u.Quantity:
    """Angle between the ideal UVI boresight and a UVI fixed in the body frame, per sample (deg).

    Parameters
    ----------
    att : Attitude
    mount_body : array_like, shape (3,), optional
        The fixed mount direction in body axes (X: SXI long axis, Z: SXI boresight). Default: the best
        fixed mount for these samples, the normalised mean of the ideal body-frame UVI directions over the
        valid samples. A co-aligned UVI is ``mount_body=[0, 0, 1]`` (its error is
        :attr:`Attitude.sxi_uvi_angle`).
    """
    body = att.to_body(att.uvi_boresight_gse)
    if mount_body is None:
        ok = np.isfinite(body).all(axis=-1)
        if not ok.any():
            raise InputError("the attitude has no valid sample to fit a fixed UVI mount to")
        mount = unit_vectors(body[ok].mean(axis=0))
    else:
        mount = unit_vectors(np.asarray(mount_body, dtype=np.float64))
        if mount.shape != (3,) or not np.isfinite(mount).all():
            raise InputError(f"mount_body must be a non-zero direction of shape (3,), got {mount_body!r}")
    return np.degrees(angle_values(body, np.broadcast_to(mount, body.shape))) * u.deg


# ---------------------------------------------------------------------------------------------------
# Fields of view
# ---------------------------------------------------------------------------------------------------
def _directions_to(att: Attitude, targets_gse) -> np.ndarray:
    """Unit directions (GSE) from the spacecraft to target points (RE), (N, 3) or (N, M, 3)."""
    p = att.position_gse.to_value(RE)
    t = np.asarray(targets_gse, dtype=np.float64)
    if t.ndim == 3:
        return unit_vectors(t - p[:, None, :])
    return unit_vectors(np.broadcast_to(t, p.shape) - p)


def _instrument_frame(att: Attitude, mount: InstrumentMount) -> np.ndarray:
    """Instrument -> GSE rotations (N, 3, 3) of ``mount`` on this attitude (UVI about its own boresight)."""
    return mount.frame_values(att.rotation, att.uvi_boresight_gse)


def _to_instrument(att: Attitude, directions_gse: np.ndarray, mount: InstrumentMount) -> np.ndarray:
    frame = _instrument_frame(att, mount)
    if directions_gse.ndim == 2:
        return np.einsum("nji,nj->ni", frame, directions_gse)
    return np.einsum("nji,nmj->nmi", frame, directions_gse)


def fov_distance(att: Attitude, targets_gse, instrument: str = "SXI") -> u.Quantity:
    """Signed angular distance from target points to an instrument's FOV (deg; negative inside).

    Parameters
    ----------
    att : Attitude
    targets_gse : Quantity
        Target positions (GSE, length), shape (3,), (N, 3) or (N, M, 3).
    instrument : {"SXI", "UVI"}

    Returns
    -------
    Quantity
        Shape (N,) or (N, M): negative inside the FOV (minus the angle to the nearest edge), positive
        outside (the angle to the nearest point of the FOV).
    """
    mount = instrument_mount(instrument)
    t = as_vector(targets_gse, RE, "targets_gse", allow_nan=True)
    d = _to_instrument(att, _directions_to(att, t), mount)
    return np.degrees(fov_distance_values(d, *mount.fov_deg)) * u.deg


def in_fov(att: Attitude, targets_gse, instrument: str = "SXI") -> np.ndarray:
    """Boolean: target points (GSE, length; (3,), (N, 3) or (N, M, 3)) inside an instrument's FOV."""
    return fov_distance(att, targets_gse, instrument).value <= 0.0


def view_angles(att: Attitude, directions_gse) -> u.Quantity:
    """Directions as seen from the spacecraft, in angular coordinates about the SXI boresight (deg).

    An azimuthal equidistant projection about the boresight: a direction at angle ``t`` from the
    boresight and azimuth ``phi`` (from body +X towards body +Y) maps to ``(t sin phi, -t cos phi)``, so
    the horizontal axis runs along the SXI short (16 deg) axis and the vertical axis along its long
    (27 deg) axis, upwards away from the Earth (with ``long_axis="earth"``).

    Parameters
    ----------
    att : Attitude
    directions_gse : array_like
        GSE direction vectors (any length), shape (N, 3) or (N, M, 3).

    Returns
    -------
    Quantity
        Shape (..., 2) in deg: (horizontal, vertical).
    """
    d = unit_vectors(np.asarray(directions_gse, dtype=np.float64))
    b = att.to_body(d)
    t = np.arccos(np.clip(b[..., 2], -1.0, 1.0))
    rho = np.hypot(b[..., 0], b[..., 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(rho > 0, t * b[..., 1] / rho, 0.0)
        v = np.where(rho > 0, -t * b[..., 0] / rho, 0.0)
    return np.degrees(np.stack([h, v], axis=-1)) * u.deg


def fov_edge_rays(att: Attitude, instrument: str = "SXI", n: int = 8) -> np.ndarray:
    """Unit directions (GSE) around an instrument's FOV outline along the attitude, shape (N, 4 n + 1, 3).

    ``n`` rays per side, closed, starting at the (+x, +y) corner of the instrument frame
    (:func:`fov_edge_directions_values`, the frame of :mod:`smilekit.mission.fov`).
    """
    mount = instrument_mount(instrument)
    if int(n) < 1:
        raise InputError(f"n must be >= 1, got {n}")
    edges = fov_edge_directions_values(*mount.fov_deg, int(n))
    return np.einsum("nij,mj->nmi", _instrument_frame(att, mount), edges)


def fov_footprint(
    att: Attitude, instrument: str = "SXI", n: int = 8, *, altitude=AURORA_ALTITUDE
) -> xr.Dataset:
    """The FOV edge rays in GSE and where they meet the shell at ``altitude`` above the Earth.

    Parameters
    ----------
    att : Attitude
    instrument : {"SXI", "UVI"}
    n : int
        Rays per FOV side (the outline has 4 n + 1 rays, closed, starting at a corner).
    altitude : Quantity
        Altitude of the shell (default 120 km, the auroral emission for UVI).

    Returns
    -------
    xarray.Dataset
        On dimensions (time, ray, component): ``ray_gse`` (unit vectors), ``footprint_gse`` (RE, NaN where
        the ray misses the shell), ``footprint_lat`` and ``footprint_lon`` (GEO latitude and east
        longitude of the footprint, deg).
    """
    mount = instrument_mount(instrument)
    rays = fov_edge_rays(att, instrument, n)
    r_shell = 1.0 + float(as_value(altitude, RE, "altitude", nonnegative=True))
    p = att.position_gse.to_value(RE)
    foot = _ray_sphere(p[:, None, :], rays, r_shell)
    gse_to_geo = rotation_matrix(att.time, "GSE", "GEO")
    geo = np.einsum("nij,nmj->nmi", gse_to_geo, foot)
    lat = np.degrees(np.arcsin(np.clip(geo[..., 2] / r_shell, -1.0, 1.0)))
    lon = np.degrees(np.arctan2(geo[..., 1], geo[..., 0]))
    dims = ("time", "ray")
    return xr.Dataset(
        {
            "ray_gse": ((*dims, "component"), rays, {"units": "1", "frame": "GSE"}),
            "footprint_gse": ((*dims, "component"), foot, {"units": "RE", "frame": "GSE"}),
            "footprint_lat": (dims, lat, {"units": "deg", "frame": "GEO"}),
            "footprint_lon": (dims, lon, {"units": "deg", "frame": "GEO"}),
        },
        coords={"time": att.time, "component": ["x", "y", "z"]},
        attrs={
            "instrument": mount.name,
            "fov_deg": f"{mount.fov_deg[0]:g} x {mount.fov_deg[1]:g}",
            "shell_altitude_km": r_shell * RE_KM - RE_KM,
        },
    )


# ---------------------------------------------------------------------------------------------------
# Exclusions
# ---------------------------------------------------------------------------------------------------
def _sun_gse_re(t: np.ndarray) -> np.ndarray:
    """The Sun's geocentric position in GSE (RE), from :func:`smilekit.mission.ephemeris.sun_position`."""
    return transform(sun_position(t).to_value(u.km) / RE_KM, t, "GEI", "GSE")


def _moon_gse_re(t: np.ndarray) -> np.ndarray:
    """The Moon's geocentric position in GSE (RE), from :func:`smilekit.mission.ephemeris.moon_position`."""
    return transform(moon_position(t).to_value(u.km) / RE_KM, t, "GEI", "GSE")


def _check_same_times(track, att: Attitude) -> None:
    if len(track) != len(att) or not np.array_equal(track.time, att.time):
        raise InputError(
            f"the track ({len(track)} samples) and the attitude ({len(att)} samples) must share their times"
        )


def exclusions(
    track, att: Attitude, *, sun_angle=30.0 * u.deg, limb_margin=0.0 * u.deg, moon_angle=0.0 * u.deg
) -> pd.DataFrame:
    """Sun, Earth-limb and Moon exclusion checks for the SXI, per sample.

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
    att : Attitude
        The attitude on the same times.
    sun_angle : Quantity
        Half-angle of the Sun-avoidance cone about the SXI boresight. Default 30 deg, an *assumption*: no
        value is published for SXI (the Leicester orbit simulator behind Fig. 15 of
        :cite:`branduardiraymont2022` uses a "Sun avoidance angle" without stating it); 30 deg keeps the Sun
        about 14 deg beyond the FOV corners (half-diagonal 15.6 deg).
    limb_margin : Quantity
        The Earth counts as in the FOV when its disc (angular radius ``asin(1 RE / r)``) comes within this
        angle of the SXI FOV (default 0: the disc overlaps the FOV).
    moon_angle : Quantity or None
        The same margin for the Moon's disc (radius :data:`MOON_RADIUS_KM`, parallax from the spacecraft
        included). The Moon comes from ``smilekit.mission.ephemeris.moon_position``; None leaves it out.

    Returns
    -------
    pandas.DataFrame
        Indexed by time: ``sun_angle_deg`` (Sun to SXI boresight), ``sun_excluded``; ``uvi_sun_angle_deg``
        (Sun to UVI boresight, for information); ``earth_radius_deg``, ``earth_fov_distance_deg`` (Earth's
        limb to the SXI FOV, negative when the limb is inside), ``earth_in_fov``; ``moon_fov_distance_deg``
        and ``moon_in_fov`` (when the Moon is checked); ``pointing_valid``; ``excluded`` (any of the flags,
        or no valid pointing).
    """
    _check_same_times(track, att)
    sun_lim = float(as_value(sun_angle, u.deg, "sun_angle", nonnegative=True))
    limb = float(as_value(limb_margin, u.deg, "limb_margin"))
    t = att.time
    p = att.position_gse.to_value(RE)
    valid = att.valid
    sun_dir = unit_vectors(_sun_gse_re(t) - p)
    sun_sxi = np.degrees(angle_values(sun_dir, att.sxi_boresight_gse))
    sun_uvi = np.degrees(angle_values(sun_dir, att.uvi_boresight_gse))
    r = np.linalg.norm(p, axis=-1)
    earth_radius = np.degrees(np.arcsin(np.clip(1.0 / r, -1.0, 1.0)))
    earth_dist = np.degrees(fov_distance_values(_to_instrument(att, unit_vectors(-p), SXI), *SXI.fov_deg))
    earth_limb = earth_dist - earth_radius
    columns = {
        "sun_angle_deg": sun_sxi,
        "sun_excluded": valid & (sun_sxi < sun_lim),
        "uvi_sun_angle_deg": sun_uvi,
        "earth_radius_deg": earth_radius,
        "earth_fov_distance_deg": earth_limb,
        "earth_in_fov": valid & (earth_limb < limb),
    }
    flags = columns["sun_excluded"] | columns["earth_in_fov"]
    if moon_angle is not None:
        moon_lim = float(as_value(moon_angle, u.deg, "moon_angle"))
        moon = _moon_gse_re(t) - p
        moon_radius = np.degrees(
            np.arcsin(np.clip((MOON_RADIUS_KM / RE_KM) / np.linalg.norm(moon, axis=-1), -1, 1))
        )
        moon_dist = np.degrees(
            fov_distance_values(_to_instrument(att, unit_vectors(moon), SXI), *SXI.fov_deg)
        )
        columns["moon_fov_distance_deg"] = moon_dist - moon_radius
        columns["moon_in_fov"] = valid & (columns["moon_fov_distance_deg"] < moon_lim)
        flags = flags | columns["moon_in_fov"]
    columns["pointing_valid"] = valid
    columns["excluded"] = flags | ~valid
    frame = pd.DataFrame(columns, index=pd.DatetimeIndex(t, name="time"))
    frame.attrs.update(
        {
            "sun_angle_deg": sun_lim,
            "limb_margin_deg": limb,
            "moon_angle_deg": None
            if moon_angle is None
            else float(as_value(moon_angle, u.deg, "moon_angle")),
        }
    )
    return frame


def body_to_gse_values(attitude, time_ns: np.ndarray) -> np.ndarray:
    """Body -> GSE rotation matrices (N, 3, 3) at the sample times ``time_ns`` (datetime64[ns]).

    Parameters
    ----------
    attitude : smilekit.mission.pointing.Attitude or array_like
        An attitude with at least two samples covering the times, or one fixed 3 x 3 body -> GSE rotation.
        The attitude is interpolated by spherical linear interpolation (:func:`slerp_values`) every
        :data:`ATTITUDE_GRID_S` (0.25 s) and the matrices linearly between those: the linear blend of two
        rotations ``d`` apart departs from the rotation by at most ``d^2 / 8``, 2.4e-6 rad for a turn of
        1 deg/s (far faster than the pointing law's), 0.03 nT at 12 800 nT. With fewer than four samples
        per grid step, every sample is interpolated exactly.

    Raises
    ------
    InputError
        For times outside the attitude's span, an undefined (NaN) attitude next to a sample, or an
        attitude that is neither an Attitude nor a rotation matrix.
    """
    n = time_ns.shape[0]
    if not isinstance(attitude, Attitude):
        m = as_rotation(attitude, "attitude")
        return np.broadcast_to(m, (n, 3, 3))
    t_att = np.asarray(attitude.time, dtype="datetime64[ns]")
    if t_att.shape[0] < 2:
        raise InputError("attitude must hold at least two samples (or give one fixed 3 x 3 rotation)")
    if time_ns[0] < t_att[0] or time_ns[-1] > t_att[-1]:
        raise InputError(
            f"the samples ({time_ns[0]} to {time_ns[-1]}) reach outside the attitude's span "
            f"({t_att[0]} to {t_att[-1]}); give an attitude that covers them"
        )
    x_att = (t_att - t_att[0]).astype(np.int64) * 1e-9
    x = (time_ns - t_att[0]).astype(np.int64) * 1e-9
    finite = np.isfinite(attitude.rotation).all(axis=(-2, -1))
    if not finite.all():
        after = np.clip(np.searchsorted(x_att, x, side="right"), 1, x_att.size - 1)
        bad = ~(finite[after] & finite[after - 1])
        if bad.any():
            first = np.flatnonzero(bad)[0]
            raise InputError(
                f"the attitude is undefined (NaN) next to the sample at {time_ns[first]} "
                f"({int(bad.sum())} samples); an attitude with aim points at all the sample times is needed"
            )
    x_att, rotations = x_att[finite], attitude.rotation[finite]
    quat = Rotation.from_matrix(rotations).as_quat()
    grid = np.arange(x[0], x[-1], ATTITUDE_GRID_S)
    if x.size < 2 or grid.size * 4 > x.size:  # one or few samples: interpolate at each
        return slerp_values(x_att, quat, x)
    grid = np.append(grid, x[-1])
    m = slerp_values(x_att, quat, grid).reshape(-1, 9)
    k = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    f = ((x - grid[k]) / (grid[k + 1] - grid[k]))[:, None]
    return (m[k] + f * (m[k + 1] - m[k])).reshape(-1, 3, 3)


def slerp_values(x_knots: np.ndarray, quat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Kernel: rotation matrices (N, 3, 3) at ``x`` by spherical linear interpolation of knot quaternions.

    ``quat`` (K, 4), scalar last (scipy's order), at increasing ``x_knots``; ``x`` within them. Between
    knots ``q = (sin((1 - f) w) q_k + sin(f w) q_k+1) / sin(w)``, ``cos(w) = q_k . q_k+1`` with the sign of
    ``q_k+1`` chosen for the shorter arc (Shoemake 1985, Computer Graphics 19, 245); the same interpolation as
    :class:`scipy.spatial.transform.Slerp` (tests/instruments/mag/test_frames.py compares them), written
    out here because scipy's composes a Rotation per sample, four times slower on a day at 32 Hz.
    """
    q = np.array(quat, dtype=np.float64)
    for k in range(1, q.shape[0]):  # the shorter arc: consecutive quaternions in the same hemisphere
        if q[k] @ q[k - 1] < 0.0:
            q[k] = -q[k]
    k = np.clip(np.searchsorted(x_knots, x, side="right") - 1, 0, x_knots.size - 2)
    f = ((x - x_knots[k]) / (x_knots[k + 1] - x_knots[k]))[:, None]
    q0, q1 = q[k], q[k + 1]
    cos_w = np.clip(np.sum(q0 * q1, axis=1, keepdims=True), -1.0, 1.0)
    w = np.arccos(cos_w)
    sin_w = np.sin(w)
    small = sin_w < 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(small, 1.0 - f, np.sin((1.0 - f) * w) / sin_w)
        b = np.where(small, f, np.sin(f * w) / sin_w)
    qi = a * q0 + b * q1
    qi /= np.linalg.norm(qi, axis=1, keepdims=True)
    x_, y_, z_, w_ = qi.T
    out = np.empty((x.size, 3, 3))
    out[:, 0, 0] = 1 - 2 * (y_ * y_ + z_ * z_)
    out[:, 0, 1] = 2 * (x_ * y_ - z_ * w_)
    out[:, 0, 2] = 2 * (x_ * z_ + y_ * w_)
    out[:, 1, 0] = 2 * (x_ * y_ + z_ * w_)
    out[:, 1, 1] = 1 - 2 * (x_ * x_ + z_ * z_)
    out[:, 1, 2] = 2 * (y_ * z_ - x_ * w_)
    out[:, 2, 0] = 2 * (x_ * z_ - y_ * w_)
    out[:, 2, 1] = 2 * (y_ * z_ + x_ * w_)
    out[:, 2, 2] = 1 - 2 * (x_ * x_ + y_ * y_)
    return out
