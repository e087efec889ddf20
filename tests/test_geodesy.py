"""WGS 84 geodetic <-> GEO Cartesian (smilekit.geodesy) against astropy's EarthLocation (ERFA's gd2gc and
gc2gd, an independent implementation), and round trips."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.geodesy import WGS84_A_KM, WGS84_F, geo_to_geodetic_values, geodetic_to_geo_values

latitudes = st.floats(-90.0, 90.0)
longitudes = st.floats(-180.0, 180.0)
# from below the surface to beyond the magnetic module's tracing limit (6378 km)
heights = st.floats(-50.0, 7000.0)


def erfa_position(lat, lon, h):
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, h * u.km, ellipsoid="WGS84")
    return np.stack([c.to_value(u.km) for c in loc.to_geocentric()], axis=-1)


def test_the_ellipsoid_is_wgs84():
    # NIMA TR8350.2 (2000) Table 3.1, and astropy's own WGS84 ellipsoid
    assert (WGS84_A_KM, 1.0 / WGS84_F) == (6378.137, 298.257223563)


@settings(max_examples=200, deadline=None)
@given(latitudes, longitudes, heights)
def test_geodetic_to_geo_agrees_with_erfa_to_a_micrometre(lat, lon, h):
    position, up = geodetic_to_geo_values(lat, lon, h)
    np.testing.assert_allclose(position, erfa_position(lat, lon, h), rtol=0, atol=1e-9)  # km
    assert np.linalg.norm(up) == pytest.approx(1.0, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(latitudes, longitudes, heights)
def test_geo_to_geodetic_agrees_with_erfa_to_a_millimetre(lat, lon, h):
    xyz = erfa_position(lat, lon, h)
    ref_lon, ref_lat, ref_h = EarthLocation.from_geocentric(*xyz, unit=u.km).to_geodetic("WGS84")
    got_lat, got_lon, got_h = geo_to_geodetic_values(xyz)
    # the points the two sets of coordinates name, compared in space (longitude is undefined on the axis)
    ours = geodetic_to_geo_values(got_lat, got_lon, got_h)[0]
    theirs = erfa_position(ref_lat.to_value(u.deg), ref_lon.to_value(u.deg), ref_h.to_value(u.km))
    assert np.linalg.norm(ours - theirs) < 1e-6  # km: 1 mm (the issue asked for under 1 m)
    assert got_h == pytest.approx(ref_h.to_value(u.km), abs=1e-6)
    assert got_lat == pytest.approx(ref_lat.to_value(u.deg), abs=1e-8)  # 1e-8 deg: 1 mm on the surface


def test_round_trip_and_shapes_and_nan():
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, (4, 50))))
    lon = rng.uniform(-180.0, 180.0, (4, 50))
    h = rng.uniform(0.0, 6378.0, (4, 50))
    position, up = geodetic_to_geo_values(lat, lon, h)
    assert position.shape == up.shape == (4, 50, 3)
    back_lat, back_lon, back_h = geo_to_geodetic_values(position)
    np.testing.assert_allclose(back_lat, lat, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back_lon, lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back_h, h, rtol=0, atol=1e-8)
    nan = geo_to_geodetic_values(np.array([[np.nan, 0.0, 0.0], [0.0, 0.0, WGS84_A_KM]]))
    assert np.isnan([v[0] for v in nan]).all() and np.isfinite([v[1] for v in nan]).all()
