"""Analytic geocentric positions of the Sun and the Moon in GEI (mean equator and equinox of date).

Nothing is downloaded: both bodies come from short published series, evaluated by numba kernels that the
orbit propagator (:mod:`smilekit.mission.propagator`) calls at every integration stage.

Sun
    The low-precision formulae of the *Astronomical Almanac* (section C, "Low precision formulas for the
    Sun"; also Hapgood 1992, Planet. Space Sci. 40, 711, Appendix, :cite:`hapgood1992`): mean longitude
    ``L = 280.460 + 36000.772 T``, mean anomaly ``g = 357.528 + 35999.050 T``, ecliptic longitude
    ``lambda = L + (1.915 - 0.0048 T) sin g + 0.020 sin 2g`` (deg), ecliptic latitude 0, distance
    ``R = 1.00014 - 0.01671 cos g - 0.00014 cos 2g`` AU. The longitude is the formula of
    :func:`smilekit.frames.sun_direction` (Hapgood writes it with the day number and UT hour split; here
    the continuous ``T``, so that the kernel is smooth for the integrator): the two directions agree to
    3.4e-5 deg. Quoted accuracy 0.01 deg in direction for 1950-2050; distance to about 1e-4 AU.
Moon
    Meeus (1998), *Astronomical Algorithms*, 2nd ed., chapter 47, :cite:`meeus1998` (a truncation of the
    ELP-2000/82 theory of
    Chapront-Touze and Chapront): the fundamental arguments L', D, M, M', F with their polynomials
    (eqs. 47.1-47.5), the eccentricity factor E (eq. 47.6), the additive terms with A1, A2, A3, and the
    periodic terms of tables 47.A (longitude and distance) and 47.B (latitude), here kept where a
    coefficient reaches 0.0005 deg or 0.5 km (53 of the 60 rows of 47.A, 34 of 47.B; the dropped rows
    move the Moon by at most 15 arcsec, and not at all in distance: their distance coefficients are 0).
    Meeus's longitude is referred to the mean equinox of date without nutation, which is what GEI "of
    date" means in :mod:`smilekit.frames`.

Ecliptic to equatorial uses the mean obliquity of :mod:`smilekit.frames`, ``eps = 23.439 - 0.013 T`` deg.
``T`` is Julian centuries from J2000.0 with UTC taken for TT (the convention of :mod:`smilekit.times`):
TT - UTC = 69.2 s (2017 onwards) moves the Moon by 0.6 arcmin along its orbit and the Sun by 0.0008 deg.

Measured against astropy's built-in ephemeris (``ephemeris='builtin'``: ERFA ``epv00`` for the Earth and
Sun, ``moon98``, Meeus's full series, for the Moon) transformed from GCRS to
``PrecessedGeocentric(equinox=t)``, every 25 h 7 min over 1973-2027 at the same UTC instants
(``tests/mission/test_ephemeris.py`` asserts the bounds on random samples): the Sun's direction, against
the apparent one that the Almanac formula represents, within 0.0091 deg (rms 0.0029 deg), its distance
within 8.6e-5 relative (13 000 km); the Moon's direction, against the geometric one, within 0.89 arcmin
(rms 0.58 arcmin), its distance within 5.1 km. Given the same TT clock reading the Moon series alone is
within 0.25 arcmin and 0.1 m of ERFA's: the rest is the neglected TT - UTC. The Sun direction agrees with
:func:`smilekit.frames.sun_direction` to 3.4e-5 deg.

The series are used in :data:`EPHEMERIS_RANGE` (1950-2050); outside it :func:`check_ephemeris_range`
raises :class:`~smilekit.errors.InputError`.
"""

from __future__ import annotations

import astropy.units as u
import numba
import numpy as np

from smilekit.constants import AU_KM
from smilekit.times import as_datetime64, check_time_range, julian_centuries_j2000

__all__ = [
    "EPHEMERIS_RANGE",
    "check_ephemeris_range",
    "moon_gei_km",
    "moon_position",
    "moon_position_values",
    "sun_gei_km",
    "sun_position",
    "sun_position_values",
]

#: First and last instant (UTC) for which the series are used.
EPHEMERIS_RANGE = (np.datetime64("1950-01-01T00:00:00", "ns"), np.datetime64("2050-01-01T00:00:00", "ns"))

_DEG = np.pi / 180.0

# Meeus (1998) table 47.A, rows with |sum_l| >= 500e-6 deg or |sum_r| >= 500e-3 km: multiples of D, M,
# M', F; coefficient of sin(arg) in longitude (1e-6 deg), of cos(arg) in distance (1e-3 km).
_MOON_LR = np.array(
    [
        (0, 0, 1, 0, 6288774, -20905355),
        (2, 0, -1, 0, 1274027, -3699111),
        (2, 0, 0, 0, 658314, -2955968),
        (0, 0, 2, 0, 213618, -569925),
        (0, 1, 0, 0, -185116, 48888),
        (0, 0, 0, 2, -114332, -3149),
        (2, 0, -2, 0, 58793, 246158),
        (2, -1, -1, 0, 57066, -152138),
        (2, 0, 1, 0, 53322, -170733),
        (2, -1, 0, 0, 45758, -204586),
        (0, 1, -1, 0, -40923, -129620),
        (1, 0, 0, 0, -34720, 108743),
        (0, 1, 1, 0, -30383, 104755),
        (2, 0, 0, -2, 15327, 10321),
        (0, 0, 1, 2, -12528, 0),
        (0, 0, 1, -2, 10980, 79661),
        (4, 0, -1, 0, 10675, -34782),
        (0, 0, 3, 0, 10034, -23210),
        (4, 0, -2, 0, 8548, -21636),
        (2, 1, -1, 0, -7888, 24208),
        (2, 1, 0, 0, -6766, 30824),
        (1, 0, -1, 0, -5163, -8379),
        (1, 1, 0, 0, 4987, -16675),
        (2, -1, 1, 0, 4036, -12831),
        (2, 0, 2, 0, 3994, -10445),
        (4, 0, 0, 0, 3861, -11650),
        (2, 0, -3, 0, 3665, 14403),
        (0, 1, -2, 0, -2689, -7003),
        (2, 0, -1, 2, -2602, 0),
        (2, -1, -2, 0, 2390, 10056),
        (1, 0, 1, 0, -2348, 6322),
        (2, -2, 0, 0, 2236, -9884),
        (0, 1, 2, 0, -2120, 5751),
        (0, 2, 0, 0, -2069, 0),
        (2, -2, -1, 0, 2048, -4950),
        (2, 0, 1, -2, -1773, 4130),
        (2, 0, 0, 2, -1595, 0),
        (4, -1, -1, 0, 1215, -3958),
        (0, 0, 2, 2, -1110, 0),
        (3, 0, -1, 0, -892, 3258),
        (2, 1, 1, 0, -810, 2616),
        (4, -1, -2, 0, 759, -1897),
        (0, 2, -1, 0, -713, -2117),
        (2, 2, -1, 0, -700, 2354),
        (2, 1, -2, 0, 691, 0),
        (2, -1, 0, -2, 596, 0),
        (4, 0, 1, 0, 549, -1423),
        (0, 0, 4, 0, 537, -1117),
        (4, -1, 0, 0, 520, -1571),
        (1, 0, -2, 0, -487, -1739),
        (0, 0, 2, -2, -381, -4421),
        (0, 2, 1, 0, -323, 1165),
        (2, 0, -1, -2, 0, 8752),
    ],
    dtype=np.float64,
)

# Meeus (1998) table 47.B, rows with |sum_b| >= 500e-6 deg: multiples of D, M, M', F; coefficient of
# sin(arg) in latitude (1e-6 deg).
_MOON_B = np.array(
    [
        (0, 0, 0, 1, 5128122),
        (0, 0, 1, 1, 280602),
        (0, 0, 1, -1, 277693),
        (2, 0, 0, -1, 173237),
        (2, 0, -1, 1, 55413),
        (2, 0, -1, -1, 46271),
        (2, 0, 0, 1, 32573),
        (0, 0, 2, 1, 17198),
        (2, 0, 1, -1, 9266),
        (0, 0, 2, -1, 8822),
        (2, -1, 0, -1, 8216),
        (2, 0, -2, -1, 4324),
        (2, 0, 1, 1, 4200),
        (2, 1, 0, -1, -3359),
        (2, -1, -1, 1, 2463),
        (2, -1, 0, 1, 2211),
        (2, -1, -1, -1, 2065),
        (0, 1, -1, -1, -1870),
        (4, 0, -1, -1, 1828),
        (0, 1, 0, 1, -1794),
        (0, 0, 0, 3, -1749),
        (0, 1, -1, 1, -1565),
        (1, 0, 0, 1, -1491),
        (0, 1, 1, 1, -1475),
        (0, 1, 1, -1, -1410),
        (0, 1, 0, -1, -1344),
        (1, 0, 0, -1, -1335),
        (0, 0, 3, 1, 1107),
        (4, 0, 0, -1, 1021),
        (4, 0, -1, 1, 833),
        (0, 0, 1, -3, 777),
        (4, 0, -2, 1, 671),
        (2, 0, 0, -3, 607),
        (2, 0, 2, -1, 596),
    ],
    dtype=np.float64,
)


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64, T = Julian centuries from J2000.0 (UTC taken as TT), positions in km GEI
# ---------------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _ecliptic_to_gei(x, y, z, t):
    """Rotate ecliptic-of-date components to GEI (equator of date) by the mean obliquity (Hapgood 1992)."""
    eps = (23.439 - 0.013 * t) * _DEG
    ce, se = np.cos(eps), np.sin(eps)
    return x, ce * y - se * z, se * y + ce * z


@numba.njit(cache=True)
def sun_gei_km(t):
    """Geocentric Sun position (km) in GEI at ``t`` Julian centuries from J2000.0: a tuple (x, y, z).

    Astronomical Almanac low-precision formulae (see the module notes); numba kernel for scalars.
    """
    g = (357.528 + 35999.050 * t) * _DEG
    longitude = (280.460 + 36000.772 * t + (1.915 - 0.0048 * t) * np.sin(g) + 0.020 * np.sin(2.0 * g)) * _DEG
    distance = (1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2.0 * g)) * AU_KM
    return _ecliptic_to_gei(distance * np.cos(longitude), distance * np.sin(longitude), 0.0, t)


@numba.njit(cache=True)
def moon_gei_km(t):
    """Geocentric Moon position (km) in GEI at ``t`` Julian centuries from J2000.0: a tuple (x, y, z).

    Meeus (1998) chapter 47, truncated (see the module notes); numba kernel for scalars.
    """
    t2 = t * t
    t3 = t2 * t
    t4 = t3 * t
    # Fundamental arguments, Meeus eqs. 47.1-47.5 (deg -> rad).
    mean_longitude = (
        218.3164477 + 481267.88123421 * t - 0.0015786 * t2 + t3 / 538841.0 - t4 / 65194000.0
    ) * _DEG
    elongation = (297.8501921 + 445267.1114034 * t - 0.0018819 * t2 + t3 / 545868.0 - t4 / 113065000.0) * _DEG
    sun_anomaly = (357.5291092 + 35999.0502909 * t - 0.0001536 * t2 + t3 / 24490000.0) * _DEG
    moon_anomaly = (134.9633964 + 477198.8675055 * t + 0.0087414 * t2 + t3 / 69699.0 - t4 / 14712000.0) * _DEG
    latitude_arg = (
        93.2720950 + 483202.0175233 * t - 0.0036539 * t2 - t3 / 3526000.0 + t4 / 863310000.0
    ) * _DEG
    a1 = (119.75 + 131.849 * t) * _DEG
    a2 = (53.09 + 479264.290 * t) * _DEG
    a3 = (313.45 + 481266.484 * t) * _DEG
    ecc = 1.0 - 0.002516 * t - 0.0000074 * t2  # eq. 47.6: the Earth orbit's decreasing eccentricity
    # Additive terms (Venus, Jupiter, the Earth's flattening), Meeus p. 338.
    sum_l = 3958.0 * np.sin(a1) + 1962.0 * np.sin(mean_longitude - latitude_arg) + 318.0 * np.sin(a2)
    sum_r = 0.0
    sum_b = (
        -2235.0 * np.sin(mean_longitude)
        + 382.0 * np.sin(a3)
        + 175.0 * np.sin(a1 - latitude_arg)
        + 175.0 * np.sin(a1 + latitude_arg)
        + 127.0 * np.sin(mean_longitude - moon_anomaly)
        - 115.0 * np.sin(mean_longitude + moon_anomaly)
    )
    for i in range(_MOON_LR.shape[0]):
        row = _MOON_LR[i]
        arg = row[0] * elongation + row[1] * sun_anomaly + row[2] * moon_anomaly + row[3] * latitude_arg
        factor = 1.0 if row[1] == 0.0 else (ecc if abs(row[1]) == 1.0 else ecc * ecc)
        sum_l += factor * row[4] * np.sin(arg)
        sum_r += factor * row[5] * np.cos(arg)
    for i in range(_MOON_B.shape[0]):
        row = _MOON_B[i]
        arg = row[0] * elongation + row[1] * sun_anomaly + row[2] * moon_anomaly + row[3] * latitude_arg
        factor = 1.0 if row[1] == 0.0 else (ecc if abs(row[1]) == 1.0 else ecc * ecc)
        sum_b += factor * row[4] * np.sin(arg)
    longitude = mean_longitude + sum_l * 1e-6 * _DEG
    latitude = sum_b * 1e-6 * _DEG
    distance = 385000.56 + sum_r * 1e-3
    cb = np.cos(latitude)
    return _ecliptic_to_gei(
        distance * cb * np.cos(longitude), distance * cb * np.sin(longitude), distance * np.sin(latitude), t
    )


@numba.njit(cache=True)
def sun_position_values(t_centuries):
    """Vectorised :func:`sun_gei_km`: Sun positions (km, GEI) at a 1-D array of T, shape (N, 3)."""
    out = np.empty((t_centuries.size, 3))
    for i in range(t_centuries.size):
        out[i, 0], out[i, 1], out[i, 2] = sun_gei_km(t_centuries[i])
    return out


@numba.njit(cache=True)
def moon_position_values(t_centuries):
    """Vectorised :func:`moon_gei_km`: Moon positions (km, GEI) at a 1-D array of T, shape (N, 3)."""
    out = np.empty((t_centuries.size, 3))
    for i in range(t_centuries.size):
        out[i, 0], out[i, 1], out[i, 2] = moon_gei_km(t_centuries[i])
    return out


# ---------------------------------------------------------------------------------------------------
# Public API: times in, Quantities out
# ---------------------------------------------------------------------------------------------------
def check_ephemeris_range(t: np.ndarray) -> None:
    """Raise InputError if any of the datetime64 times ``t`` is outside :data:`EPHEMERIS_RANGE`."""
    check_time_range(t, *EPHEMERIS_RANGE, "the range of the analytic Sun and Moon series")


def _positions(time, kernel) -> u.Quantity:
    t = as_datetime64(time)
    check_ephemeris_range(t)
    centuries = np.ascontiguousarray(np.ravel(julian_centuries_j2000(t)), dtype=np.float64)
    return kernel(centuries).reshape(*t.shape, 3) << u.km


def sun_position(time) -> u.Quantity:
    """Geocentric position of the Sun in GEI (mean equator and equinox of date).

    Parameters
    ----------
    time : time-like
        One UTC time or an array of times (anything :func:`smilekit.times.as_datetime64` accepts) within
        :data:`EPHEMERIS_RANGE`.

    Returns
    -------
    astropy.units.Quantity
        In km, shape ``time.shape + (3,)`` (``(N, 3)`` for N times). Astronomical Almanac low-precision
        formulae: about 0.01 deg in direction and 1e-4 AU in distance (see the module notes).

    Raises
    ------
    InputError
        For an unparsable time or one outside :data:`EPHEMERIS_RANGE`.

    Examples
    --------
    >>> r = sun_position("2026-01-03T12:00")  # near perihelion
    >>> round(float(np.linalg.norm(r.to_value("AU"))), 4)
    0.9833
    """
    return _positions(time, sun_position_values)


def moon_position(time) -> u.Quantity:
    """Geocentric position of the Moon in GEI (mean equator and equinox of date).

    Parameters
    ----------
    time : time-like
        One UTC time or an array of times within :data:`EPHEMERIS_RANGE`.

    Returns
    -------
    astropy.units.Quantity
        In km, shape ``time.shape + (3,)``. Meeus (1998) chapter 47, truncated: about 1 arcmin in
        direction and a few km in distance (see the module notes).

    Raises
    ------
    InputError
        For an unparsable time or one outside :data:`EPHEMERIS_RANGE`.

    Examples
    --------
    >>> r = moon_position(["2026-03-01", "2026-03-15"])
    >>> r.shape, bool(np.all((np.linalg.norm(r.to_value("km"), axis=-1) > 356000)))
    ((2, 3), True)
    """
    return _positions(time, moon_position_values)
