"""Tests of smilekit.mission.ephemeris against astropy's built-in (download-free) ephemeris and frames.

The reference is astropy's ``ephemeris='builtin'`` (ERFA ``epv00`` for the Earth and Sun, ``moon98``, a full
Meeus 1998 chapter 47 series, for the Moon), transformed from GCRS to ``PrecessedGeocentric(equinox=t)``,
the mean equator and equinox of date that GEI means here. The Sun formula gives the apparent direction
(it includes the annual aberration), so it is compared with ``get_body('sun')``; the Moon series gives the
geometric position, so it is compared with the Earth-to-Moon vector from ``get_body_barycentric``.
"""

from __future__ import annotations

import socket

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import GCRS, PrecessedGeocentric, get_body, get_body_barycentric
from astropy.time import Time
from astropy.utils import iers
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.mission.ephemeris import (
    EPHEMERIS_RANGE,
    moon_gei_km,
    moon_position,
    sun_gei_km,
    sun_position,
)
from smilekit.times import julian_centuries_j2000


@pytest.fixture()
def offline(monkeypatch):
    """No network: any connection attempt fails the test; astropy may not fetch IERS or leap-second files."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with iers.conf.set_temp("auto_download", False), iers.conf.set_temp("auto_max_age", None):
        yield


def _times(n: int, start="1973-01-01", stop="2027-12-31", seed=0) -> np.ndarray:
    # UTC before 1972 and after ERFA's leap-second horizon draws ERFA "dubious year" warnings: stay inside.
    rng = np.random.default_rng(seed)
    lo = np.datetime64(start, "ns").astype(np.int64)
    hi = np.datetime64(stop, "ns").astype(np.int64)
    return np.sort(rng.integers(lo, hi, n)).astype("datetime64[ns]")


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cosine = np.sum(a * b, axis=-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def _of_date(coord, at: Time) -> np.ndarray:
    frame = PrecessedGeocentric(equinox=at, obstime=at)
    return coord.transform_to(frame).cartesian.xyz.to_value(u.km).T


def test_sun_matches_astropy_builtin_apparent_position(offline):
    # Astronomical Almanac: 0.01 deg for 1950-2050. Measured max 0.0086 deg, distance 7.7e-5 relative.
    t = _times(600)
    at = Time(t, scale="utc")
    reference = _of_date(get_body("sun", at, ephemeris="builtin"), at)
    ours = sun_position(t).to_value(u.km)
    assert _angle_deg(ours, reference).max() < 0.01
    relative = np.linalg.norm(ours, axis=-1) / np.linalg.norm(reference, axis=-1) - 1.0
    assert np.abs(relative).max() < 1.0e-4


def test_moon_matches_astropy_builtin_geometric_position(offline):
    # At the same UTC instant: max 0.83 arcmin (rms 0.59), mostly TT - UTC (~60 s, the Moon moves
    # 0.55 arcsec/s) that smilekit neglects; distance within 5.1 km.
    t = _times(600, seed=1)
    at = Time(t, scale="utc")
    earth_to_moon = get_body_barycentric("moon", at, ephemeris="builtin") - get_body_barycentric(
        "earth", at, ephemeris="builtin"
    )
    reference = _of_date(GCRS(earth_to_moon, obstime=at), at)
    ours = moon_position(t).to_value(u.km)
    assert _angle_deg(ours, reference).max() * 60.0 < 1.5
    assert np.abs(np.linalg.norm(ours, axis=-1) - np.linalg.norm(reference, axis=-1)).max() < 10.0


def test_moon_series_alone_matches_erfa_moon98_at_the_same_dynamical_time(offline):
    # Hand astropy the same clock readings as TT: what is left is the truncation of Meeus's tables
    # (rows below 0.0005 deg dropped) against ERFA's full series. Measured max 0.25 arcmin, 1e-4 km.
    t = _times(600, seed=2)
    at = Time(t, scale="tt")
    earth_to_moon = get_body_barycentric("moon", at, ephemeris="builtin") - get_body_barycentric(
        "earth", at, ephemeris="builtin"
    )
    reference = _of_date(GCRS(earth_to_moon, obstime=at), at)
    ours = moon_position(t).to_value(u.km)
    assert _angle_deg(ours, reference).max() * 60.0 < 0.4
    assert np.abs(np.linalg.norm(ours, axis=-1) - np.linalg.norm(reference, axis=-1)).max() < 0.01


def test_sun_direction_is_the_one_of_smilekit_frames():
    # Same formula; frames splits T into the day's midnight and UT hours (Hapgood), here T is continuous.
    rng = np.random.default_rng(3)
    lo, hi = (x.astype(np.int64) for x in EPHEMERIS_RANGE)
    t = rng.integers(lo, hi, 2000).astype("datetime64[ns]")
    assert _angle_deg(sun_position(t).to_value(u.km), sun_direction(t, "GEI")).max() < 2e-4


def test_kernels_are_what_the_public_functions_return():
    t = np.array(["2026-03-01T00:00", "2031-07-04T12:34"], dtype="datetime64[ns]")
    centuries = julian_centuries_j2000(t)
    kernel_sun = np.array([sun_gei_km(x) for x in centuries])
    kernel_moon = np.array([moon_gei_km(x) for x in centuries])
    np.testing.assert_array_equal(sun_position(t).to_value(u.km), kernel_sun)
    np.testing.assert_array_equal(moon_position(t).to_value(u.km), kernel_moon)


def test_shapes_and_units():
    assert sun_position("2026-03-01").shape == (3,)
    assert moon_position(["2026-03-01", "2026-03-02"]).unit == u.km
    grid = np.array([["2026-03-01", "2026-03-02"], ["2026-03-03", "2026-03-04"]], dtype="datetime64[ns]")
    assert moon_position(grid).shape == (2, 2, 3)


@settings(max_examples=25, deadline=None)
@given(st.integers(EPHEMERIS_RANGE[0].astype(np.int64), EPHEMERIS_RANGE[1].astype(np.int64)))
def test_distances_stay_within_the_known_extremes(ns):
    # Moon: the extreme perigee and apogee distances, about 356 400 and 406 700 km (Meeus 1998, ch. 50);
    # Sun: 0.98329 AU (perihelion) to 1.01671 AU (aphelion).
    t = np.datetime64(int(ns), "ns")
    moon = float(np.linalg.norm(moon_position(t).to_value(u.km)))
    sun = float(np.linalg.norm(sun_position(t).to_value(u.AU)))
    assert 356_300.0 < moon < 406_800.0
    assert 0.9832 < sun < 1.0168


@pytest.mark.parametrize("time", ["1949-12-31T23:59", "2050-01-01T00:00:01"])
def test_times_outside_the_range_are_rejected_with_the_value(time):
    with pytest.raises(InputError, match=time[:10]):
        sun_position(time)
    with pytest.raises(InputError, match="1950-01-01"):
        moon_position(["2026-03-01", time])


def test_range_ends_are_accepted():
    assert np.isfinite(moon_position(np.array(EPHEMERIS_RANGE)).value).all()


def test_non_time_input_is_rejected():
    with pytest.raises(InputError, match="not a number"):
        sun_position(2026.0)
