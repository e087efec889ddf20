"""What UVI sees: the auroral emission layer projected into its 10 x 10 deg field, pixel by pixel.

**Pixels.** The field of view (:data:`smilekit.mission.fov.UVI`, 10 x 10 deg about the UVI boresight) is an
``n x n`` grid of a flat focal plane (gnomonic projection): pixel centres at equal steps of the tangent-plane
("standard") coordinates ``(xi, eta)``, given in degrees as in the FITS ``TAN`` projection, so that a pixel
looks along ``normalise((pi/180) xi X + (pi/180) eta Y + Z)`` in the UVI frame (X, Y, Z) of
:meth:`smilekit.mission.fov.InstrumentMount.frame_values` (+Z the boresight). The field's edges are at
``xi, eta = +-(180/pi) tan(5 deg)`` = +-5.013 deg; the pixel pitch is ``2 (180/pi) tan(5 deg) / n``
(0.0196 deg for the detector's ``n`` = 512). This is the detector's grid, one definition
(:func:`smilekit.instruments.uvi.detector.tangent_edges_values`): by default the sky is made with the
:class:`~smilekit.instruments.uvi.config.UVIConfig`'s pixels and field, so that :func:`model_sky` gives the
map :func:`~smilekit.instruments.uvi.simulate.simulate_image` takes as it is. These are the conventions of
the SXI level-2 images (:mod:`smilekit.science.geometry`), so the same WCS serves both.

**The emission shell.** The layer is a sphere of radius ``RE + h`` about the Earth's centre (``RE`` = 6371
km, ``h`` the emission altitude, 90-300 km, :func:`smilekit.geospace.fuv_emission.check_emission_altitude`;
default 120 km, :data:`smilekit.geospace.aurora.AURORA_ALTITUDE`). Each pixel's line of sight from the
spacecraft is cut with it: the nearest intersection (the side facing the spacecraft) is the point the pixel
sees. A line of sight that misses the shell sees space (NaN everywhere). A pixel whose line of sight reaches
the solid Earth (``RE``) "sees the disc"; a pixel that cuts the shell but passes above the surface looks
through the layer at the limb. Seen from a distance ``r`` the shell fills a cone of half-angle
``asin((RE + h) / r)`` about the direction to the Earth's centre (the limb).

The sphere is geocentric, the AACGM-v2 conversion (:func:`smilekit.magnetic.position_to_mlat_mlt`) is
geodetic: a point of the 120 km shell lies 113 km (equator) to 134 km (poles) above the WGS84 ellipsoid,
and its AACGM coordinates are taken at that height. ``geo_lat`` here is the *geocentric* latitude of the
point (what :func:`smilekit.geospace.fuv_emission.solar_zenith_angle` takes).

**Slant-path brightening** (:func:`slant_factor_values`). The brightness of an optically thin emitting layer
is the volume emission integrated along the line of sight; the emission models give the vertical column
(brightness at nadir). A line of sight crossing a thin plane layer at view zenith angle ``theta`` has a path
``1 / cos(theta)`` times longer, so the layer looks ``1 / cos(theta)`` times brighter: the van Rhijn effect
(van Rhijn 1921, :cite:`vanrhijn1921`; Roach and Gordon 1973, :cite:`roach1973`, for the airglow). It
diverges at the limb; a layer of finite thickness ``dz`` (from ``RE + h - dz/2`` to ``RE + h + dz/2``)
caps it at the length of the chord through the layer. With ``p`` the line of sight's closest distance to the
Earth's centre (``p = (RE + h) sin(theta)``), ``r1, r2`` the layer's inner and outer radii, the chord is
(derived here; spherical geometry only)::

    L = sqrt(r2^2 - p^2) - sqrt(r1^2 - p^2)      p <= r1 (the line of sight reaches the layer's floor)
    L = 2 sqrt(r2^2 - p^2)                       r1 < p <= r2 (it passes through the layer and out again)

and the factor is ``L / dz``, which tends to ``1 / cos(theta)`` for ``dz << (RE + h) cos^2(theta)`` and
peaks at ``2 sqrt(2 (RE + h) dz) / dz`` near the limb (41.6 for ``dz`` = 30 km at 120 km, reached at the
layer's floor, ``p = r1``). Lines of sight that pass above ``RE + h`` but below ``r2`` (the top half of the
layer beyond the limb) are counted as space: the image's limb edge is the shell's. The whole chord is
assigned to the nearest intersection (for a limb pixel its two halves lie up to a few degrees apart on the
shell). The default ``dz`` = 30 km (:data:`LAYER_THICKNESS`) is an assumption of the order of the width of
the LBH volume emission profile of keV electrons (the energy-deposition profiles of Rees 1963,
:cite:`rees1963`); it matters only within about a degree of the limb.

**The model sky** (:func:`model_sky`) multiplies the emission model's vertical-column brightness at each
point (``emission(mlat, mlt, geo_lat, geo_lon, view_zenith)``) by the slant factor. The night side and the
terminator come from the emission model (the dayglow's solar-zenith-angle dependence in
:mod:`smilekit.geospace.fuv_emission`).

The kernels (``*_values``) take plain float64 (RE, rad, deg where named) and are vectorised over pixels.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_rotation, as_value, as_vector
from smilekit.errors import InputError, ModelDomainError
from smilekit.frames import rotation_matrix
from smilekit.geospace.aurora import AURORA_ALTITUDE
from smilekit.geospace.fuv_emission import (
    ENERGY_FLUX_UNIT,
    MAX_MEAN_ENERGY,
    check_emission_altitude,
    dayglow_brightness,
    lbh_brightness,
    solar_zenith_angle,
)
from smilekit.imaging.gnomonic import tangent_plane_directions_values
from smilekit.instruments.uvi.config import MAX_PIXELS, UVIConfig
from smilekit.instruments.uvi.detector import tangent_centres_deg_values
from smilekit.magnetic import position_to_mlat_mlt
from smilekit.mission.fov import UVI
from smilekit.mission.pointing import Attitude
from smilekit.times import as_datetime64
from smilekit.units import RAYLEIGH, RE, RE_KM

__all__ = [
    "LAYER_THICKNESS",
    "LBH_POPULATIONS",
    "N_PIXELS",
    "model_sky",
    "pixel_centres_values",
    "precipitation_emission",
    "shell_geometry",
    "shell_intersection_values",
    "slant_factor_values",
]

#: Default number of pixels along each axis of the model image: the detector's (``UVIConfig().pixels``).
N_PIXELS = 512

#: Default thickness of the emitting layer for the slant-path cap (an assumption; see the module docstring).
LAYER_THICKNESS = 30.0 * u.km


# ---------------------------------------------------------------------------------------------------
# Kernels (plain float64: RE, rad; tangent-plane coordinates in deg)
# ---------------------------------------------------------------------------------------------------
def pixel_centres_values(n: int, full_deg: float) -> np.ndarray:
    """Kernel: tangent-plane coordinates (deg, FITS ``TAN``) of ``n`` pixel centres across a full angle.

    The detector's grid (:func:`smilekit.instruments.uvi.detector.tangent_edges_values`), in degrees.
    """
    return tangent_centres_deg_values(n, full_deg)


def _directions(xi_deg: np.ndarray, eta_deg: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """The gnomonic pixel rays (:mod:`smilekit.imaging.gnomonic`) on the meshgrid (eta, xi)."""
    eta, xi = np.meshgrid(eta_deg, xi_deg, indexing="ij")
    return tangent_plane_directions_values(xi, eta, frame)


def shell_intersection_values(origin: np.ndarray, rays: np.ndarray, radius: float):
    """Kernel: nearest intersections of unit rays from ``origin`` with a sphere of ``radius`` (RE).

    Returns
    -------
    point : numpy.ndarray
        Intersection points (..., 3), RE; NaN where the ray misses the sphere or it lies behind.
    distance : numpy.ndarray
        Distance from the origin to the point (RE), NaN likewise.
    impact : numpy.ndarray
        The ray's closest distance to the centre (RE), for every ray (where it lies ahead of the origin;
        ``|origin|`` for a ray pointing away).
    """
    o = np.asarray(origin, dtype=np.float64)
    b = np.sum(rays * o, axis=-1)  # origin . ray
    c = float(o @ o)
    closest = np.where(b < 0.0, c - b * b, c)  # squared distance of closest approach ahead
    disc = radius * radius - (c - b * b)
    with np.errstate(invalid="ignore"):
        s = -b - np.sqrt(disc)
    hit = (disc >= 0.0) & (s > 0.0)
    s = np.where(hit, s, np.nan)
    return o + s[..., None] * rays, s, np.sqrt(np.maximum(closest, 0.0))


def slant_factor_values(impact, radius: float, thickness: float) -> np.ndarray:
    """Kernel: slant-path factor ``L / dz`` of a spherical layer ``radius +- thickness / 2`` (RE).

    The chord ``L`` through the layer of a line of sight whose closest distance to the centre is ``impact``
    (module docstring); ``1 / cos(theta)`` for a thin layer, finite at the limb, NaN above the outer radius.
    """
    p2 = np.asarray(impact, dtype=np.float64) ** 2
    r1, r2 = radius - 0.5 * thickness, radius + 0.5 * thickness
    with np.errstate(invalid="ignore"):
        outer = np.sqrt(r2 * r2 - p2)
        inner = np.sqrt(r1 * r1 - p2)
        # (r2^2 - r1^2) / (outer + inner): the difference without cancellation
        through_floor = 2.0 * radius * thickness / (outer + inner)
    chord = np.where(p2 <= r1 * r1, through_floor, 2.0 * outer)
    return np.where(p2 <= r2 * r2, chord / thickness, np.nan)


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------
def _pointing(position, attitude, time, index: int):
    """(spacecraft GSE RE (3,), UVI frame -> GSE (3, 3), time datetime64[ns]) from the public arguments."""
    if isinstance(attitude, Attitude):
        n = len(attitude)
        if not -n <= int(index) < n:
            raise InputError(f"index must lie in [0, {n}) for an attitude of {n} samples, got {index}")
        att = attitude.select(int(index))
        if not att.valid[0] or not np.isfinite(att.uvi_boresight_gse).all():
            raise InputError(f"the attitude is undefined (NaN) at sample {index} ({att.time[0]})")
        frame = UVI.frame_values(att.rotation, att.uvi_boresight_gse)[0]
        t_att = att.time[0]
        if time is None:
            time = t_att
        if position is None:
            position = att.position_gse[0]
    else:
        if attitude is None:
            raise InputError("give attitude: a smilekit.mission.pointing.Attitude or a UVI -> GSE rotation")
        frame = as_rotation(attitude, "attitude")
        t_att = None
    if time is None:
        raise InputError("give time (UTC) with a rotation matrix attitude")
    t = np.ravel(as_datetime64(time))
    if t.size != 1:
        raise InputError(f"time must be one time, got {t.size}")
    t = t[0]
    if t_att is not None and abs((t - t_att) / np.timedelta64(1, "s")) > 1.0:
        raise InputError(f"time {t} differs from the attitude's sample time {t_att} by more than 1 s")
    if position is None:
        raise InputError("give position (GSE, length, shape (3,)) with a rotation matrix attitude")
    p = as_vector(position, RE, "position")
    if p.shape != (3,):
        raise InputError(f"position must be one GSE position of shape (3,), got shape {p.shape}")
    return p, frame, t


def shell_geometry(
    position,
    attitude,
    time=None,
    *,
    altitude=AURORA_ALTITUDE,
    n_pixels: int | None = None,
    layer_thickness=LAYER_THICKNESS,
    index: int = 0,
    on_miss: str = "raise",
    config: UVIConfig | None = None,
) -> xr.Dataset:
    """Where each UVI pixel's line of sight meets the emission shell, and its magnetic coordinates there.

    Parameters
    ----------
    position : Quantity or None
        Spacecraft position (GSE, length, shape (3,)), outside the shell; None to take it from ``attitude``.
    attitude : Attitude or array_like
        A :class:`smilekit.mission.pointing.Attitude` (sample ``index``; the UVI frame of
        :data:`smilekit.mission.fov.UVI` about its boresight), or a UVI -> GSE rotation matrix (3 x 3,
        columns the UVI X, Y and Z = boresight axes in GSE).
    time : time-like, optional
        UTC of the frame (default: the attitude's sample time; required with a matrix).
    altitude : Quantity
        Emission altitude, 90-300 km (default 120 km).
    n_pixels : int, optional
        Pixels along each axis (default: the detector's, ``config.pixels``, 512); a smaller number gives a
        coarser map of the same field (for quick looks and tests), not one ``simulate_image`` takes.
    layer_thickness : Quantity
        Thickness of the emitting layer for the slant factor (default 30 km; 1 to 200 km).
    index : int
        The attitude sample to use.
    on_miss : {"raise", "flag"}
        When no pixel meets the shell (the field misses the Earth): raise a ModelDomainError, or return
        the all-NaN geometry with ``attrs["flag"]`` giving the reason.
    config : UVIConfig, optional
        The instrument whose pixel grid and field are used (default ``UVIConfig()``).

    Returns
    -------
    xarray.Dataset
        Dims ``(eta, xi)`` (tangent-plane coordinates, deg) and ``component``. Variables: ``point_gse``,
        ``point_gsm``, ``point_geo`` (RE, NaN off the shell), ``mlat`` (deg, AACGM-v2), ``mlt`` (h),
        ``geo_lat`` (geocentric, deg), ``geo_lon`` (east, deg), ``view_zenith`` (deg, the angle at the
        point between the local vertical and the direction to the spacecraft), ``slant_factor`` (1),
        ``range`` (spacecraft to point, km), ``tangent_altitude`` (km: the line of sight's closest distance
        to the Earth's centre less RE; negative on the disc), ``on_shell`` and ``sees_disc`` (bool). Attrs:
        ``time``, ``altitude_km``, ``layer_thickness_km``, ``sc_position_gse_re``, ``boresight_gse``,
        ``x_axis_gse``, ``pixel_deg``, ``fov_deg``, ``limb_angle_deg`` (``asin((RE + h) / r)``),
        ``earth_centre_angle_deg`` (boresight to the Earth's centre), ``flag`` ("" when good).

    Raises
    ------
    InputError
        Bad units or shapes, an altitude outside 90-300 km, a spacecraft inside the shell, a time outside
        AACGM-v2 (before 2030), an undefined attitude.
    ModelDomainError
        No pixel meets the shell (with ``on_miss="raise"``).

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from smilekit.units import RE
    >>> down = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])  # boresight -Z GSE: nadir from above
    >>> g = shell_geometry([0, 0, 15] * RE, down, "2026-03-20T00:00", n_pixels=64)
    >>> round(g.attrs["limb_angle_deg"], 2), round(float(g["on_shell"].mean()), 2)  # the shell's limb inside
    (3.89, 0.48)
    """
    p, frame, t = _pointing(position, attitude, time, index)
    cfg = UVIConfig.resolve(config)
    if n_pixels is None:
        n_pixels = cfg.values.pixels
    h_km = float(check_emission_altitude(altitude))
    dz_km = float(as_value(layer_thickness, u.km, "layer_thickness", positive=True))
    if not 1.0 <= dz_km <= 200.0:
        raise InputError(f"layer_thickness must lie in 1-200 km, got {dz_km:g} km")
    if (
        isinstance(n_pixels, bool)
        or not isinstance(n_pixels, (int, np.integer))
        or not 1 <= n_pixels <= MAX_PIXELS
    ):
        raise InputError(f"n_pixels must be an integer in 1-{MAX_PIXELS}, got {n_pixels!r}")
    if on_miss not in ("raise", "flag"):
        raise InputError(f"on_miss must be 'raise' or 'flag', got {on_miss!r}")
    radius = 1.0 + h_km / RE_KM
    r = float(np.linalg.norm(p))
    if r <= radius + 0.5 * dz_km / RE_KM:
        raise InputError(
            f"position must lie above the emission layer (r > {radius * RE_KM + 0.5 * dz_km:.0f} km), "
            f"got r = {r * RE_KM:.0f} km"
        )
    full = cfg.values.fov_deg
    xi = pixel_centres_values(int(n_pixels), full)
    eta = xi.copy()
    rays = _directions(xi, eta, frame)
    point, dist, impact = shell_intersection_values(p, rays, radius)
    on_shell = np.isfinite(dist)
    up = point / radius
    cos_zen = np.clip(-np.sum(up * rays, axis=-1), 0.0, 1.0)
    slant = np.where(on_shell, slant_factor_values(impact, radius, dz_km / RE_KM), np.nan)
    ang = {
        "limb_angle_deg": math.degrees(math.asin(radius / r)),
        "earth_centre_angle_deg": math.degrees(math.acos(float(np.clip(-p @ frame[:, 2] / r, -1, 1)))),
    }
    flag = ""
    if not on_shell.any():
        diagonal = math.degrees(math.atan(math.sqrt(2) * math.tan(math.radians(full / 2))))
        reason = (
            f"the UVI field misses the Earth: its boresight is {ang['earth_centre_angle_deg']:.2f} deg from "
            f"the Earth's centre, the {h_km:g} km shell's limb {ang['limb_angle_deg']:.2f} deg and the "
            f"field's half-diagonal {diagonal:.2f} deg"
        )
        if on_miss == "raise":
            raise ModelDomainError(reason + "; no pixel sees the emission layer")
        flag = reason
    geo = point @ rotation_matrix(t, "GSE", "GEO").T
    gsm = point @ rotation_matrix(t, "GSE", "GSM").T
    mlat = np.full(on_shell.shape, np.nan)
    mlt = np.full(on_shell.shape, np.nan)
    if on_shell.any():
        m_lat, m_lt = position_to_mlat_mlt(geo[on_shell] * RE, t, "GEO")
        mlat[on_shell], mlt[on_shell] = m_lat.to_value(u.deg), m_lt.to_value(u.h)
    geo_lat = np.degrees(np.arcsin(np.clip(geo[..., 2] / radius, -1.0, 1.0)))
    geo_lon = np.degrees(np.arctan2(geo[..., 1], geo[..., 0]))
    pixel = float(xi[1] - xi[0]) if n_pixels > 1 else 2.0 * math.degrees(math.tan(math.radians(full / 2)))
    dims = ("eta", "xi")
    vec = (*dims, "component")
    return xr.Dataset(
        {
            "point_gse": (vec, point, {"units": "RE", "frame": "GSE"}),
            "point_gsm": (vec, gsm, {"units": "RE", "frame": "GSM"}),
            "point_geo": (vec, geo, {"units": "RE", "frame": "GEO"}),
            "mlat": (dims, mlat, {"units": "deg", "long_name": "AACGM-v2 magnetic latitude"}),
            "mlt": (dims, mlt, {"units": "h", "long_name": "AACGM-v2 magnetic local time"}),
            "geo_lat": (dims, geo_lat, {"units": "deg", "long_name": "geocentric latitude", "frame": "GEO"}),
            "geo_lon": (dims, geo_lon, {"units": "deg", "long_name": "east longitude", "frame": "GEO"}),
            "view_zenith": (
                dims,
                np.where(on_shell, np.degrees(np.arccos(cos_zen)), np.nan),
                {"units": "deg"},
            ),
            "slant_factor": (dims, slant, {"units": "1", "long_name": "slant-path (van Rhijn) factor"}),
            "range": (dims, dist * RE_KM, {"units": "km"}),
            "tangent_altitude": (dims, impact * RE_KM - RE_KM, {"units": "km"}),
            "on_shell": (dims, on_shell),
            "sees_disc": (dims, impact < 1.0),
        },
        coords={
            "eta": ("eta", eta, {"units": "deg", "long_name": "tangent-plane coordinate along UVI +Y"}),
            "xi": ("xi", xi, {"units": "deg", "long_name": "tangent-plane coordinate along UVI +X"}),
            "component": ["x", "y", "z"],
        },
        attrs={
            "instrument": "UVI",
            "time": str(np.datetime_as_string(t, unit="ms")),
            "altitude_km": h_km,
            "layer_thickness_km": dz_km,
            "sc_position_gse_re": p.tolist(),
            "boresight_gse": frame[:, 2].tolist(),
            "x_axis_gse": frame[:, 0].tolist(),
            "pixel_deg": pixel,
            "fov_deg": [full, full],
            "n_pixels": int(n_pixels),
            "projection": "gnomonic (TAN): direction = normalise(xi X + eta Y + Z), xi, eta in rad",
            **ang,
            "flag": flag,
        },
    )


def model_sky(
    position,
    attitude,
    time,
    emission,
    *,
    altitude=AURORA_ALTITUDE,
    n_pixels: int | None = None,
    layer_thickness=LAYER_THICKNESS,
    index: int = 0,
    on_miss: str = "raise",
    config: UVIConfig | None = None,
    geometry: xr.Dataset | None = None,
) -> xr.DataArray:
    """The model FUV image in rayleighs over the UVI field for one pointing.

    Each pixel's brightness is ``emission(...)`` at the point its line of sight meets the emission shell
    times the slant factor (:func:`slant_factor_values`, the van Rhijn effect capped at the limb,
    :cite:`vanrhijn1921`); zero where the line of sight misses the shell (space: the FUV sky background is
    not modelled here). Geometry and arguments as :func:`shell_geometry`.

    Parameters
    ----------
    position, attitude, time :
        See :func:`shell_geometry` (``time`` may be None with an Attitude).
    emission : callable
        ``emission(mlat, mlt, geo_lat, geo_lon, view_zenith)`` -> vertical-column brightness (a Quantity
        convertible to rayleighs, finite and >= 0), called once with 1-d Quantities (deg, h, deg, deg, deg)
        over the pixels on the shell. ``view_zenith`` is for the emission's own absorption (e.g.
        :func:`smilekit.geospace.fuv_emission.lbh_brightness`); the slant factor is applied here.
    altitude, n_pixels, layer_thickness, index, on_miss, config :
        See :func:`shell_geometry`.
    geometry : xarray.Dataset, optional
        A :func:`shell_geometry` already made for this frame (then the pointing arguments are ignored and
        may be None): the processing (:func:`~smilekit.instruments.uvi.l2.make_l2`) uses the same one.

    Returns
    -------
    xarray.DataArray
        ``brightness`` (R) on dims ``(eta, xi)``, with the 2-d coordinates ``mlat``, ``mlt``, ``geo_lat``,
        ``geo_lon``, ``view_zenith``, ``slant_factor``, ``on_shell``, ``sees_disc`` (the pixel -> (MLAT,
        MLT) map and the geometry) and the attrs of :func:`shell_geometry` plus ``units`` ("R").

    Raises
    ------
    InputError
        As :func:`shell_geometry`; ``emission`` not callable, or returning the wrong shape, a non-brightness
        unit, negative or non-finite values.
    ModelDomainError
        The field misses the Earth (``on_miss="raise"``).

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from smilekit.units import RE, RAYLEIGH
    >>> down = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])
    >>> def oval(mlat, mlt, lat, lon, zenith):  # a 1 kR ring at 65-75 deg MLAT
    ...     return np.where(np.abs(mlat.to_value(u.deg) - 70) < 5, 1000.0, 0.0) * RAYLEIGH
    >>> sky = model_sky([0, 0, 15] * RE, down, "2026-03-20T00:00", oval, n_pixels=64)
    >>> sky.attrs["units"], bool(sky.max() > 1000)  # brighter than 1 kR where seen obliquely
    ('R', True)
    """
    if not callable(emission):
        raise InputError(
            f"emission must be a callable (mlat, mlt, geo_lat, geo_lon, view_zenith), got {emission!r:.60}"
        )
    if geometry is not None:
        if not isinstance(geometry, xr.Dataset):
            raise InputError(f"geometry must be the Dataset of shell_geometry, got {type(geometry).__name__}")
        missing = sorted(_GEOMETRY_VARS - set(geometry.variables))
        if missing or "flag" not in geometry.attrs:
            lacks = missing or ["the 'flag' attribute"]
            raise InputError(f"geometry must be the Dataset of shell_geometry; it lacks {lacks}")
        g = geometry
    else:
        g = shell_geometry(
            position,
            attitude,
            time,
            altitude=altitude,
            n_pixels=n_pixels,
            layer_thickness=layer_thickness,
            index=index,
            on_miss=on_miss,
            config=config,
        )
    on = g["on_shell"].values
    image = np.zeros(on.shape)
    if on.any():
        args = (
            g["mlat"].values[on] * u.deg,
            g["mlt"].values[on] * u.h,
            g["geo_lat"].values[on] * u.deg,
            g["geo_lon"].values[on] * u.deg,
            g["view_zenith"].values[on] * u.deg,
        )
        values = emission(*args)
        b = as_value(values, RAYLEIGH, "emission(...)", nonnegative=True)
        b = np.broadcast_to(b, (int(on.sum()),)) if b.ndim == 0 else b
        if b.shape != (int(on.sum()),):
            raise InputError(
                f"emission(...) must return one brightness per pixel ({int(on.sum())}), got shape {b.shape}"
            )
        image[on] = b * g["slant_factor"].values[on]
    if g.attrs["flag"]:
        image[:] = np.nan
    coords = {name: g[name] for name in ("mlat", "mlt", "geo_lat", "geo_lon", "view_zenith", "slant_factor",
                                          "on_shell", "sees_disc")}  # fmt: skip
    return xr.DataArray(
        image,
        dims=("eta", "xi"),
        coords={"eta": g["eta"], "xi": g["xi"], **coords},
        attrs={**g.attrs, "units": "R", "long_name": "FUV brightness (160-180 nm)"},
        name="brightness",
    )


#: What :func:`model_sky` reads of a given ``geometry``.
_GEOMETRY_VARS = {"on_shell", "sees_disc", "mlat", "mlt", "geo_lat", "geo_lon", "view_zenith", "slant_factor"}

_KEV_PER_ERG = 6.241509074e8


def _bilinear_values(
    field: np.ndarray, lat0: float, dlat: float, lt0: float, dlt: float, mlat, mlt
) -> np.ndarray:
    """Kernel: bilinear interpolation of ``field`` (nmlat, nmlt) on regular bin centres (the first at
    ``lat0``, ``lt0``), periodic in MLT (the ``nmlt`` centres span the 24 h).

    Zero beyond half a bin outside the latitude grid (and where ``mlat`` or ``mlt`` is NaN); the nearest
    row within that half bin.
    """
    nlat, nlt = field.shape
    fi = (mlat - lat0) / dlat
    inside = (fi >= -0.5) & (fi <= nlat - 0.5) & np.isfinite(mlt)  # NaN (no AACGM value) is outside
    fi = np.where(inside, np.clip(fi, 0.0, nlat - 1.0), 0.0)
    mlt = np.where(inside, mlt, 0.0)
    i0 = np.minimum(np.floor(fi).astype(np.int64), nlat - 2)
    wi = fi - i0
    fj = np.mod(mlt - lt0, 24.0) / dlt
    j0 = np.floor(fj).astype(np.int64)
    wj = fj - j0
    j0 %= nlt
    j1 = (j0 + 1) % nlt
    out = (
        (1 - wi) * (1 - wj) * field[i0, j0]
        + (1 - wi) * wj * field[i0, j1]
        + wi * (1 - wj) * field[i0 + 1, j0]
        + wi * wj * field[i0 + 1, j1]
    )
    return np.where(inside, out, 0.0)


#: The precipitating populations that make the LBH oval: the electrons of OVATION Prime 2010
#: (:meth:`smilekit.geospace.ovation.OvationPrime2010.precipitation`'s ``populations``); the ions emit little
#: LBH and :func:`precipitation_emission` leaves them out.
LBH_POPULATIONS = ("diffuse", "monoenergetic", "broadband")


def precipitation_emission(precipitation: xr.Dataset, time, *, dayglow: bool = True):
    """An ``emission`` callable for :func:`model_sky` from a precipitation model's fluxes at one time.

    The electron energy flux ``Q`` and number flux (the sum of the ``*_energy_flux`` and
    ``*_number_flux`` variables other than the ions', as :func:`smilekit.science.aurora.model_boundaries`
    sums them) are interpolated bilinearly in (MLAT, MLT) to each point (zero poleward of nothing: zero
    beyond half a bin outside the grid); the mean energy is their ratio. Where that ratio exceeds
    :data:`~smilekit.geospace.fuv_emission.MAX_MEAN_ENERGY` (69.7 keV, whose LBH peak lies at the 90 km floor
    of the emission layer, :func:`~smilekit.geospace.fuv_emission.lbh_brightness` refuses more) the point is
    taken to emit no LBH seen from above: OVATION caps its energy and number fluxes separately, and where the
    number flux is tiny their ratio is no mean energy (up to 2e5 keV, in 0.2 % of the bins holding both
    fluxes at 85 times through 2000 driven by OMNI, measured here), and a peak below 90 km is absorbed by O2
    (19 % of the unabsorbed LBH gets out from the 90 km floor itself, at nadir). The brightness is
    :func:`~smilekit.geospace.fuv_emission.lbh_brightness` (LBH-long, :cite:`germany1997`) plus, with
    ``dayglow``, :func:`~smilekit.geospace.fuv_emission.dayglow_brightness` at the point's solar zenith
    angle.

    Parameters
    ----------
    precipitation : xarray.Dataset
        E.g. :meth:`smilekit.geospace.ovation.OvationPrime2010.precipitation` (northern hemisphere), with
        dims ``mlat`` (deg) and ``mlt`` (h) on regular bin centres and, if present, ``time`` of length 1
        or holding ``time``.
    time : time-like
        The frame's UTC (for the dayglow, and to pick the precipitation's time).
    dayglow : bool
        Add the sunlit dayglow (default True).

    Returns
    -------
    callable
        ``emission(mlat, mlt, geo_lat, geo_lon, view_zenith)`` -> Quantity (R).

    Raises
    ------
    InputError
        ``precipitation`` not a Dataset on ``(mlat, mlt)``, no electron energy or number flux in it, fluxes
        negative, NaN or infinite, or ``time`` not among its times (a one-time precipitation too: the
        precipitation of another time is never used for a frame).
    """
    ds = precipitation
    if not isinstance(ds, xr.Dataset) or not {"mlat", "mlt"} <= set(ds.dims):
        raise InputError(
            "precipitation_emission: precipitation must be an xarray.Dataset on dims ('mlat', 'mlt') (e.g. "
            f"OvationPrime2010().precipitation(...)), got {type(ds).__name__}"
        )
    t = np.datetime64(np.ravel(as_datetime64(time))[0], "ns")
    if "time" in ds.dims:
        hit = np.flatnonzero(ds["time"].values == t)
        if hit.size == 0:
            held = ds["time"].values
            raise InputError(
                f"precipitation_emission: {t} is not among the precipitation's {held.size} time(s) "
                f"({held[0]} to {held[-1]}); give the precipitation at the frame's time"
            )
        ds = ds.isel(time=int(hit[0]))
    q_names = [n for n in ds.data_vars if str(n).endswith("_energy_flux") and not str(n).startswith("ion")]
    n_names = [n for n in ds.data_vars if str(n).endswith("_number_flux") and not str(n).startswith("ion")]
    if not q_names or not n_names:
        raise InputError("precipitation_emission: need electron *_energy_flux and *_number_flux variables")
    for name in (*q_names, *n_names):
        values = ds[name].values
        if not np.isfinite(values).all() or (values < 0).any():
            bad = int((~np.isfinite(values) | (values < 0)).sum())
            raise InputError(
                f"precipitation_emission: {name} holds {bad} negative, NaN or infinite value(s) of "
                f"{values.size}; fluxes must be finite and >= 0 (0 where nothing precipitates)"
            )
    q = sum(ds[n].transpose("mlat", "mlt").values for n in q_names)
    nf = sum(ds[n].transpose("mlat", "mlt").values for n in n_names)
    lat_c, lt_c = ds["mlat"].values.astype(float), ds["mlt"].values.astype(float)
    lat0, dlat = float(lat_c[0]), float(lat_c[1] - lat_c[0])
    lt0, dlt = float(lt_c[0]), float(lt_c[1] - lt_c[0])
    if not math.isclose(dlt * lt_c.size, 24.0, rel_tol=1e-9):
        raise InputError(
            f"precipitation_emission: the {lt_c.size} MLT bins of {dlt:g} h span {dlt * lt_c.size:g} h; the "
            "grid must cover the 24 h of MLT in regular bins"
        )
    e_max = float(MAX_MEAN_ENERGY.to_value(u.keV))

    def emission(mlat, mlt, geo_lat, geo_lon, view_zenith):
        m = as_value(mlat, u.deg, "mlat", allow_nan=True)
        h = as_value(mlt, u.h, "mlt", allow_nan=True)
        qq = np.maximum(_bilinear_values(q, lat0, dlat, lt0, dlt, m, h), 0.0)
        nn = _bilinear_values(nf, lat0, dlat, lt0, dlt, m, h)
        with np.errstate(invalid="ignore", divide="ignore"):
            e_kev = np.where((qq > 0) & (nn > 0), qq / nn * _KEV_PER_ERG, np.nan)
        usable = np.isfinite(e_kev) & (e_kev <= e_max)
        qq = np.where(usable, qq, 0.0)
        e_kev = np.where(usable, e_kev, np.nan)
        b = lbh_brightness(
            qq * ENERGY_FLUX_UNIT, e_kev * u.keV, view_zenith=np.minimum(view_zenith, 89.9 * u.deg)
        )
        if dayglow:
            b = b + dayglow_brightness(solar_zenith_angle(time, geo_lat, geo_lon))
        return b

    return emission
