"""Magnetic coordinates: AACGM-v2 latitude and longitude, and magnetic local time (MLT).

Altitude-adjusted corrected geomagnetic coordinates, version 2 (AACGM-v2; Shepherd 2014,
:cite:`shepherd2014`; after Baker and Wing 1989, :cite:`baker1989`), computed by the maintained ``aacgmv2``
package (the AACGM-v2 C library with its Python wrapper, :cite:`aacgmv2`). The package ships its
coefficients (IGRF-14 based, 1590-2030), so nothing is downloaded. aacgmv2 is preferred to apexpy here
because the auroral models and the observed ovals smilekit is compared with (OVATION Prime, DMSP and IMAGE
boundaries) are given in AACGM coordinates; apex coordinates differ from them by up to a few degrees.

Definitions and limits, as enforced here:

* Geographic coordinates are geodetic (WGS84) latitude and longitude with the altitude above the ellipsoid
  (what aacgmv2 takes by default). AACGM-v2 latitude and longitude are in degrees, the longitude in
  [-180, 180).
* The coefficients are fitted from 0 to 2000 km altitude (Shepherd 2014, sect. 3). Above 2000 km the only
  method is field-line tracing, which AACGM-v2 allows up to 6378 km (1 Earth radius); pass ``trace=True``
  to use it (it is about a thousand times slower). Altitudes below 0 km, above 2000 km without ``trace``
  and above 6378 km are refused with an :class:`~smilekit.errors.InputError`.
* AACGM-v2 is undefined near the magnetic equator: where the field line through a point does not reach
  the altitude of the point in the reference dipole (for the inverse, ``|mlat| < acos(sqrt(RE / (RE + h)))``,
  12.3 deg at 300 km; for the forward conversion a band a few tens of degrees wide about the dip equator
  that depends on the real field). Those points come back as **NaN** (the flag of an undefined
  coordinate, stated in every function here), never as a number. NaN inputs (e.g. the pixels of an image
  that miss the Earth) are passed through as NaN.
* Times must lie before 2030-01-01 (the end of IGRF-14's predictive secular variation, and of aacgmv2's
  coefficients); earlier than 1678 cannot be held by ``datetime64[ns]``. aacgmv2 takes whole seconds: the
  fraction of a second is dropped (it moves MLT by less than 0.0003 h).
* Magnetic local time is AACGM-v2's (Shepherd 2014, sect. 6; the aacgmv2 ``convert_mlt`` function):
  ``MLT = 12 h + (mlon - mlon_subsolar) / 15 deg/h`` (mod 24 h), with ``mlon_subsolar`` the AACGM-v2
  longitude of the subsolar point. aacgmv2 is asked for ``mlon_subsolar`` once per distinct time and the
  linear relation is applied here to every point, which is what makes MLT vectorised over many times.

The aacgmv2 C library keeps its date in a global state, so calls into it are serialised by a lock (safe
with Dask's threaded workers). The AACGM-v2 array functions take one time per call: the public functions
here group their points by time (whole seconds) and call aacgmv2 once per distinct time.
"""

from __future__ import annotations

import threading

import aacgmv2
import astropy.units as u
import numpy as np

from smilekit._validation import as_value, check_broadcast, check_range
from smilekit.errors import InputError
from smilekit.frames import frame_name, transform
from smilekit.geodesy import geo_to_geodetic_values, geodetic_to_geo_values
from smilekit.times import as_datetime64, check_time_range
from smilekit.units import RE, RE_KM

__all__ = [
    "AACGM_MAX_ALTITUDE_KM",
    "AACGM_MAX_TRACE_ALTITUDE_KM",
    "AACGM_VALID_TO",
    "aacgm_to_geographic",
    "geographic_to_aacgm",
    "mlat_mlt_to_position",
    "mlon_from_mlt",
    "mlt_from_mlon",
    "position_to_mlat_mlt",
]

#: The highest altitude (km) of the AACGM-v2 coefficients (Shepherd 2014; ``aacgmv2.high_alt_coeff``).
AACGM_MAX_ALTITUDE_KM = float(aacgmv2.high_alt_coeff)
#: The highest altitude (km) at which AACGM-v2 field-line tracing is allowed (``aacgmv2.high_alt_trace``).
AACGM_MAX_TRACE_ALTITUDE_KM = float(aacgmv2.high_alt_trace)
#: The first time AACGM-v2 refuses (its coefficients end with IGRF-14's secular variation, 2025-2030).
AACGM_VALID_TO = np.datetime64("2030-01-01T00:00:00", "ns")
#: The earliest time: aacgmv2 goes back to 1590, but smilekit's datetime64[ns] times start in 1678.
_VALID_FROM = np.datetime64("1678-01-01T00:00:00", "ns")

_LOCK = threading.Lock()

#: Latitudes (deg) are kept this far inside the poles before aacgmv2 sees them: within 1e-7 deg of a
#: geographic pole the AACGM-v2 C library (G2A) returns NaN for about a quarter of the altitudes (e.g. 90 N
#: at 141.6676857548207 km on 2020-01-01; measured here over 20 000 random altitudes: 4974 NaN at 90 deg,
#: none at 90 - 1e-6 deg), a rounding in its pole handling. 1e-5 deg is 1 m on the ground.
_POLE_MARGIN_DEG = 1e-5


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64 arrays (deg, km, h), 1-D, times as datetime64[s]; trust their callers
# ---------------------------------------------------------------------------------------------------
def _group_by_time(t_s: np.ndarray):
    """Distinct times (as ``datetime.datetime``) and, for each, the indices of its points."""
    unique, inverse = np.unique(t_s, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    return [(unique[k].item(), order[bounds[k] : bounds[k + 1]]) for k in range(len(unique))]


def _convert_values(a, b, alt_km, t_s, code: str) -> tuple[np.ndarray, np.ndarray]:
    """aacgmv2.convert_latlon_arr over points at many times; non-finite inputs and undefined points -> NaN."""
    out_a = np.full(a.shape, np.nan)
    out_b = np.full(a.shape, np.nan)
    good = np.isfinite(a) & np.isfinite(b) & np.isfinite(alt_km)
    index = np.flatnonzero(good)
    a = np.clip(a, -90.0 + _POLE_MARGIN_DEG, 90.0 - _POLE_MARGIN_DEG)
    for when, members in _group_by_time(t_s[index]):
        k = index[members]
        with _LOCK:
            res_a, res_b, _ = aacgmv2.convert_latlon_arr(a[k], b[k], alt_km[k], when, method_code=code)
        out_a[k] = res_a
        out_b[k] = res_b
    return out_a, out_b


def _subsolar_mlon_values(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AACGM-v2 MLT (h) of mlon = 0 at each distinct time, and the map from the points to those times."""
    unique, inverse = np.unique(t_s, return_inverse=True)
    whens = [value.item() for value in unique]
    with _LOCK:
        mlt0 = np.asarray(aacgmv2.convert_mlt(np.zeros(len(whens)), whens, m2a=False), dtype=np.float64)
    if (mlt0 < 0).any():  # aacgmv2's sentinel -1 for a date it cannot handle; the range check prevents it
        raise InputError(f"aacgmv2 could not compute MLT at {unique[mlt0 < 0][0]}")
    return mlt0, inverse.reshape(t_s.shape)


def mlt_values(mlon_deg: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Kernel: AACGM-v2 MLT (h, in [0, 24)) of ``mlon_deg`` at times ``t_s`` (same shape, datetime64[s])."""
    mlt0, where = _subsolar_mlon_values(t_s)
    return np.mod(mlt0[where] + mlon_deg / 15.0, 24.0)


def mlon_values(mlt_h: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Kernel: AACGM-v2 longitude (deg, in [-180, 180)) at MLT ``mlt_h`` and times ``t_s``."""
    mlt0, where = _subsolar_mlon_values(t_s)
    return np.mod(15.0 * (mlt_h - mlt0[where]) + 180.0, 360.0) - 180.0


# ---------------------------------------------------------------------------------------------------
# Public boundary
# ---------------------------------------------------------------------------------------------------
def _times(time) -> np.ndarray:
    t = as_datetime64(time)
    if np.isnat(t).any():
        raise InputError("time contains NaT; every point needs a valid time")
    last = AACGM_VALID_TO - np.timedelta64(1, "ns")
    check_time_range(t, _VALID_FROM, last, "the AACGM-v2 coefficients (aacgmv2, IGRF-14)")
    return t


def _altitude_limit(trace: bool) -> tuple[float, str]:
    if trace:
        return AACGM_MAX_TRACE_ALTITUDE_KM, "AACGM-v2 field-line tracing (aacgmv2.high_alt_trace, 1 RE)"
    return AACGM_MAX_ALTITUDE_KM, (
        "the AACGM-v2 coefficients (Shepherd 2014); above 2000 km pass trace=True (field-line tracing, "
        f"up to {AACGM_MAX_TRACE_ALTITUDE_KM:g} km)"
    )


def _code(direction: str, trace: bool) -> str:
    return f"{direction}|ALLOWTRACE" if trace else direction


def _broadcast(t: np.ndarray, **values) -> tuple[tuple[int, ...], list[np.ndarray], np.ndarray]:
    shape = check_broadcast(time=t, **values)
    flat = [np.broadcast_to(v, shape).ravel() for v in values.values()]
    t_s = np.broadcast_to(t, shape).ravel().astype("datetime64[s]")
    return shape, flat, t_s


def _convert(direction: str, latitude, longitude, altitude, time, trace: bool) -> tuple[u.Quantity, ...]:
    """The checked conversion both ways share: ``latitude`` is (name, value, what it is), ``longitude``
    (name, value); the latitude in [-90, 90] deg, the altitude within the limit of ``trace``."""
    (lat_name, lat, lat_what), (lon_name, lon) = latitude, longitude
    t = _times(time)
    lat_d = as_value(lat, u.deg, lat_name, allow_nan=True)
    lon_d = as_value(lon, u.deg, lon_name, allow_nan=True)
    alt_km = as_value(altitude, u.km, "altitude", allow_nan=True)
    check_range(lat_d, lat_name, -90.0, 90.0, "deg", lat_what)
    limit, source = _altitude_limit(trace)
    check_range(alt_km, "altitude", 0.0, limit, "km", source)
    shape, (a, b, h), t_s = _broadcast(t, **{lat_name: lat_d, lon_name: lon_d, "altitude": alt_km})
    out_a, out_b = _convert_values(a, b, h, t_s, _code(direction, trace))
    return out_a.reshape(shape) << u.deg, out_b.reshape(shape) << u.deg


def geographic_to_aacgm(lat, lon, altitude, time, *, trace: bool = False) -> tuple[u.Quantity, u.Quantity]:
    """Geodetic latitude and longitude at an altitude -> AACGM-v2 magnetic latitude and longitude.

    Parameters
    ----------
    lat, lon : astropy.units.Quantity
        Geodetic (WGS84) latitude in [-90, 90] deg and longitude (any finite angle; east positive).
        NaN passes through as NaN.
    altitude : astropy.units.Quantity
        Height above the WGS84 ellipsoid, 0 to 2000 km (to 6378 km with ``trace``).
    time : time-like
        UTC, before 2030-01-01; broadcast with ``lat``, ``lon`` and ``altitude``.
    trace : bool
        Use field-line tracing above 2000 km (AACGM-v2's "allow trace" method; slow).

    Returns
    -------
    mlat, mlon : astropy.units.Quantity
        In deg, of the broadcast shape; ``mlon`` in [-180, 180). **NaN** where AACGM-v2 is undefined (near
        the magnetic equator, see the module notes) or an input is NaN.

    Raises
    ------
    InputError
        For unitless input, a latitude outside [-90, 90] deg, an altitude outside the limits above, or a
        time outside the coefficients (from 2030-01-01 on).

    Examples
    --------
    aacgmv2's documented example (:cite:`aacgmv2`, README): 60 N, 15 E, 300 km on 2013-11-03.

    >>> import astropy.units as u
    >>> mlat, mlon = geographic_to_aacgm(60 * u.deg, 15 * u.deg, 300 * u.km, "2013-11-03")
    >>> round(float(mlat.value), 4), round(float(mlon.value), 4)
    (57.4736, 93.6111)
    """
    return _convert("G2A", ("lat", lat, "geodetic latitude"), ("lon", lon), altitude, time, trace)


def aacgm_to_geographic(mlat, mlon, altitude, time, *, trace: bool = False) -> tuple[u.Quantity, u.Quantity]:
    """AACGM-v2 magnetic latitude and longitude at an altitude -> geodetic latitude and longitude.

    Parameters
    ----------
    mlat, mlon : astropy.units.Quantity
        AACGM-v2 latitude in [-90, 90] deg and longitude (any finite angle). NaN passes through as NaN.
    altitude : astropy.units.Quantity
        Height above the WGS84 ellipsoid, 0 to 2000 km (to 6378 km with ``trace``).
    time : time-like
        UTC, before 2030-01-01; broadcast with the other arguments.
    trace : bool
        Use field-line tracing above 2000 km (slow).

    Returns
    -------
    lat, lon : astropy.units.Quantity
        Geodetic latitude and longitude in deg (``lon`` in [-180, 180)); **NaN** where AACGM-v2 is
        undefined: ``|mlat| < acos(sqrt(RE / (RE + altitude)))`` (RE = 6371.2 km; 12.3 deg at 300 km),
        where the dipole field line of that latitude stays below the altitude.

    Raises
    ------
    InputError
        As :func:`geographic_to_aacgm`.

    Examples
    --------
    aacgmv2's documented example (:cite:`aacgmv2`, README): the AACGM north pole at 0 km on 2013-11-03.

    >>> import astropy.units as u
    >>> lat, lon = aacgm_to_geographic(90 * u.deg, 0 * u.deg, 0 * u.km, "2013-11-03")
    >>> round(float(lat.value), 4), round(float(lon.value), 4)
    (82.9686, -84.6501)
    """
    return _convert("A2G", ("mlat", mlat, "AACGM-v2 latitude"), ("mlon", mlon), altitude, time, trace)


def mlt_from_mlon(mlon, time) -> u.Quantity:
    """AACGM-v2 magnetic local time of an AACGM-v2 longitude at a time.

    ``MLT = 12 h + (mlon - mlon_subsolar) / 15 deg/h`` (mod 24 h), with ``mlon_subsolar`` the AACGM-v2
    longitude of the subsolar point as aacgmv2 computes it (Shepherd 2014, sect. 6, :cite:`shepherd2014`;
    :cite:`aacgmv2`, ``convert_mlt``).

    Parameters
    ----------
    mlon : astropy.units.Quantity
        AACGM-v2 longitude (any finite angle); NaN passes through.
    time : time-like
        UTC, before 2030-01-01; broadcast with ``mlon``.

    Returns
    -------
    astropy.units.Quantity
        MLT in hours, in [0, 24).

    Examples
    --------
    The inverse of aacgmv2's documented example (:cite:`aacgmv2`, README: MLT 1.4822189 h is mlon
    93.6203 deg at 2013-11-03 00:00).

    >>> import astropy.units as u
    >>> round(float(mlt_from_mlon(93.6203 * u.deg, "2013-11-03").to_value(u.h)), 4)
    1.4822
    """
    t = _times(time)
    mlon_d = as_value(mlon, u.deg, "mlon", allow_nan=True)
    shape, (m,), t_s = _broadcast(t, mlon=mlon_d)
    return mlt_values(m, t_s).reshape(shape) << u.h


def mlon_from_mlt(mlt, time) -> u.Quantity:
    """AACGM-v2 longitude at a magnetic local time and time (the inverse of :func:`mlt_from_mlon`).

    Parameters
    ----------
    mlt : astropy.units.Quantity
        Magnetic local time in [0, 24] h (a time unit); NaN passes through.
    time : time-like
        UTC, before 2030-01-01; broadcast with ``mlt``.

    Returns
    -------
    astropy.units.Quantity
        AACGM-v2 longitude in deg, in [-180, 180).

    Examples
    --------
    aacgmv2's documented example (:cite:`aacgmv2`, README).

    >>> import astropy.units as u
    >>> mlon = mlon_from_mlt([1.4822189, 12] * u.h, "2013-11-03T00:00")
    >>> [round(float(v), 4) for v in mlon.to_value(u.deg)]
    [93.6203, -108.613]
    """
    t = _times(time)
    mlt_h = as_value(mlt, u.h, "mlt", allow_nan=True)
    check_range(mlt_h, "mlt", 0.0, 24.0, "h", "magnetic local time")
    shape, (m,), t_s = _broadcast(t, mlt=mlt_h)
    return mlon_values(m, t_s).reshape(shape) << u.deg


def position_to_mlat_mlt(positions, time, frame: str = "GEO", *, trace: bool = False):
    """Geocentric Cartesian positions (e.g. points of an emission shell) -> AACGM-v2 latitude and MLT.

    The position is rotated to GEO with :func:`smilekit.frames.transform`, turned into geodetic (WGS84)
    latitude, longitude and height (:func:`smilekit.geodesy.geo_to_geodetic_values`), and converted with
    :func:`geographic_to_aacgm` at that height and :func:`mlt_from_mlon`.

    Parameters
    ----------
    positions : astropy.units.Quantity, shape (..., 3)
        Geocentric positions in a length unit (RE, km) in ``frame``. Rows with NaN (e.g. pixels that miss
        the Earth) give NaN.
    time : time-like
        UTC, before 2030-01-01; broadcast against ``positions.shape[:-1]``.
    frame : str
        The frame of ``positions``: one of :data:`smilekit.frames.FRAMES` (GEO by default; GSM, SM and MAG
        need a time inside IGRF-14, 1900-2030).
    trace : bool
        Allow heights above 2000 km (field-line tracing, up to 6378 km).

    Returns
    -------
    mlat, mlt : astropy.units.Quantity
        AACGM-v2 latitude (deg) at the height of each point, and MLT (h, [0, 24)); NaN where AACGM-v2 is
        undefined or the position is NaN.

    Raises
    ------
    InputError
        For positions without a length unit or not of shape (..., 3), a geodetic height below 0 km or above
        the limit (2000 km; 6378 km with ``trace``), an unknown frame, or a time outside the coefficients.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> mlat, mlt = position_to_mlat_mlt([0.0, 0.0, 1.02] * RE, "2020-01-01")  # above the north pole
    >>> round(float(mlat.to_value(u.deg)), 1)
    84.3
    """
    source = frame_name(frame)
    t = _times(time)
    xyz_km = as_value(positions, u.km, "positions", allow_nan=True)
    if xyz_km.ndim == 0 or xyz_km.shape[-1] != 3:
        raise InputError(f"positions must have shape (..., 3) (x, y, z components), got shape {xyz_km.shape}")
    if source != "GEO":
        xyz_km = transform(xyz_km, t, source, "GEO")
    shape = check_broadcast(time=t, positions=xyz_km[..., 0])
    xyz = np.broadcast_to(xyz_km, (*shape, 3)).reshape(-1, 3)
    lat_d = np.full(len(xyz), np.nan)
    lon_d = np.full(len(xyz), np.nan)
    alt_km = np.full(len(xyz), np.nan)
    good = np.isfinite(xyz).all(axis=-1)
    if good.any():
        lat_d[good], lon_d[good], alt_km[good] = geo_to_geodetic_values(xyz[good])
    limit, source_text = _altitude_limit(trace)
    check_range(alt_km, "geodetic height of positions", 0.0, limit, "km", source_text)
    t_s = np.broadcast_to(t, shape).ravel().astype("datetime64[s]")
    mlat, mlon = _convert_values(lat_d, lon_d, alt_km, t_s, _code("G2A", trace))
    mlt = mlt_values(mlon, t_s)
    return mlat.reshape(shape) << u.deg, mlt.reshape(shape) << u.h


def mlat_mlt_to_position(mlat, mlt, altitude, time, frame: str = "GEO", *, trace: bool = False) -> u.Quantity:
    """AACGM-v2 latitude and MLT at a geodetic altitude -> geocentric Cartesian position (RE).

    The inverse of :func:`position_to_mlat_mlt`: :func:`mlon_from_mlt`, :func:`aacgm_to_geographic`, the
    WGS84 geodetic -> geocentric conversion (:func:`smilekit.geodesy.geodetic_to_geo_values`), and a rotation
    from GEO to ``frame`` (:func:`smilekit.frames.transform`).

    Parameters
    ----------
    mlat : astropy.units.Quantity
        AACGM-v2 latitude in [-90, 90] deg.
    mlt : astropy.units.Quantity
        Magnetic local time in [0, 24] h.
    altitude : astropy.units.Quantity
        Height above the WGS84 ellipsoid, 0 to 2000 km (6378 km with ``trace``), e.g. an emission height.
    time : time-like
        UTC, before 2030-01-01; broadcast with the other arguments.
    frame : str
        The frame of the result (GEO by default).
    trace : bool
        Allow altitudes above 2000 km (field-line tracing).

    Returns
    -------
    astropy.units.Quantity
        Positions in RE (6371 km), shape ``broadcast + (3,)``; rows of NaN where AACGM-v2 is undefined
        (``|mlat| < acos(sqrt(RE / (RE + altitude)))``, see :func:`aacgm_to_geographic`).

    Examples
    --------
    >>> import astropy.units as u
    >>> r = mlat_mlt_to_position(70 * u.deg, 0 * u.h, 110 * u.km, "2020-01-01T00:00", frame="GSM")
    >>> bool(r[0] < 0)  # magnetic midnight is on the night side
    True
    """
    target = frame_name(frame)
    t = _times(time)
    mlat_d = as_value(mlat, u.deg, "mlat", allow_nan=True)
    mlt_h = as_value(mlt, u.h, "mlt", allow_nan=True)
    alt_km = as_value(altitude, u.km, "altitude", allow_nan=True)
    check_range(mlat_d, "mlat", -90.0, 90.0, "deg", "AACGM-v2 latitude")
    check_range(mlt_h, "mlt", 0.0, 24.0, "h", "magnetic local time")
    limit, source = _altitude_limit(trace)
    check_range(alt_km, "altitude", 0.0, limit, "km", source)
    shape, (a, m, h), t_s = _broadcast(t, mlat=mlat_d, mlt=mlt_h, altitude=alt_km)
    mlon = mlon_values(m, t_s)
    lat_d, lon_d = _convert_values(a, mlon, h, t_s, _code("A2G", trace))
    xyz = np.full((len(a), 3), np.nan)
    good = np.isfinite(lat_d) & np.isfinite(lon_d)
    if good.any():
        xyz[good] = geodetic_to_geo_values(lat_d[good], lon_d[good], h[good])[0]
    xyz = xyz.reshape(*shape, 3) / RE_KM
    if target != "GEO":
        xyz = transform(xyz, np.broadcast_to(t, shape), "GEO", target)
    return xyz << RE
