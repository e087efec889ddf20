"""The WGS 84 ellipsoid: geodetic latitude, longitude and height <-> Earth-fixed (GEO) Cartesian positions.

One home for the conversion that the ground stations (:mod:`smilekit.mission.ground`) and the magnetic
coordinates of emission points (:mod:`smilekit.magnetic`) both need. The ellipsoid is WGS 84 (a = 6378.137
km, f = 1 / 298.257223563; NIMA TR8350.2, 2000, Table 3.1, :cite:`nima2000`). Plain float64 kernels in km
and degrees; the callers check units and ranges.

- :func:`geodetic_to_geo_values`: Vallado (2013) eq. 3-7 (algorithm 51, SITE; :cite:`vallado2013`), closed
  form.
- :func:`geo_to_geodetic_values`: the fixed-point iteration on the geodetic latitude of Vallado (2013),
  algorithm 12 (ECEF to latitude and longitude), started from the latitude the point would have on the
  ellipsoid itself (``tan phi = z / (p (1 - e^2))``, exact at h = 0) and iterated to round-off.
  Inside the ellipsoid's evolute (within about 43 km of the Earth's centre, where a point has more than one
  normal to the ellipsoid) the geodetic coordinates are not unique; the iteration still ends, with a height
  near -6 300 km.

Examples
--------
>>> position, up = geodetic_to_geo_values(45.0, 10.0, 0.5)
>>> lat, lon, h = geo_to_geodetic_values(position)
>>> round(float(lat), 9), round(float(lon), 9), round(float(h), 9)
(45.0, 10.0, 0.5)
"""

from __future__ import annotations

import numpy as np

from smilekit.constants import R_EARTH_EQ_KM

__all__ = ["WGS84_A_KM", "WGS84_E2", "WGS84_F", "geo_to_geodetic_values", "geodetic_to_geo_values"]

#: WGS 84 semi-major axis (km) and flattening (NIMA TR8350.2, 2000, Table 3.1).
WGS84_A_KM: float = R_EARTH_EQ_KM
WGS84_F: float = 1.0 / 298.257223563
#: First eccentricity squared, f (2 - f).
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)

#: Iterations of :func:`geo_to_geodetic_values` at most (each shrinks the error by about e^2 a / r, 1/150 at
#: the surface; from the start at h = 0, round-off comes in under 10 below 6 400 km altitude).
_MAX_ITERATIONS = 30


def geodetic_to_geo_values(latitude_deg, longitude_deg, height_km) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed position (km) and unit up vector of geodetic points on WGS 84, shape (..., 3) each.

    Vallado (2013) eq. 3-7: with N = a / sqrt(1 - e^2 sin^2 phi),
    r = ((N + h) cos phi cos lambda, (N + h) cos phi sin lambda, (N (1 - e^2) + h) sin phi); the up vector
    is the ellipsoid normal (cos phi cos lambda, cos phi sin lambda, sin phi).
    """
    phi = np.radians(np.asarray(latitude_deg, dtype=np.float64))
    lam = np.radians(np.asarray(longitude_deg, dtype=np.float64))
    h = np.asarray(height_km, dtype=np.float64)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(phi) ** 2)
    up = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)
    position = np.stack(
        [(n + h) * up[..., 0], (n + h) * up[..., 1], (n * (1.0 - WGS84_E2) + h) * np.sin(phi)], axis=-1
    )
    return position, up


def geo_to_geodetic_values(position_km) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic latitude (deg), longitude (deg, (-180, 180]) and height (km) on WGS 84 of Earth-fixed points.

    The inverse of :func:`geodetic_to_geo_values` (module docstring: the method). With p the distance from
    the polar axis, the latitude solves ``tan phi = (z + e^2 N(phi) sin phi) / p``; the height is
    ``p / cos phi - N`` where ``|phi| < 45 deg``, else ``z / sin phi - N (1 - e^2)`` (the form without the
    division by a small number).

    Parameters
    ----------
    position_km : array_like, shape (..., 3)
        GEO Cartesian positions, km.

    Returns
    -------
    latitude_deg, longitude_deg, height_km : numpy.ndarray
        Shape ``position_km.shape[:-1]``; NaN where the position is NaN.
    """
    r = np.asarray(position_km, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lam = np.arctan2(y, x)
    phi = np.arctan2(z, p * (1.0 - WGS84_E2))  # exact for a point on the ellipsoid (h = 0)
    with np.errstate(invalid="ignore"):
        for _ in range(_MAX_ITERATIONS):
            sin_phi = np.sin(phi)
            n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_phi**2)
            new = np.arctan2(z + WGS84_E2 * n * sin_phi, p)
            done = not np.any(np.abs(new - phi) > 1e-15)
            phi = new
            if done:
                break
        sin_phi, cos_phi = np.sin(phi), np.cos(phi)
        n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_phi**2)
        equatorial = np.abs(cos_phi) > np.sqrt(0.5)
        h = np.where(
            equatorial,
            p / np.where(equatorial, cos_phi, 1.0) - n,
            z / np.where(equatorial, 1.0, sin_phi) - n * (1.0 - WGS84_E2),
        )
    return np.degrees(phi), np.degrees(lam), h
