"""Tests of smilekit.frames against spacepy and ERFA, geometric checks of the dipole tilt, and properties.

spacepy 0.7.0 (``spacepy.coordinates.Coords(..., use_irbem=False)``, its pure-Python ``ctrans`` backend)
ships IGRF-13 (``spacepy/data/igrf13coeffs.txt``, epochs to 2020.0 plus SV to 2025.0); for times after
2025-01-01 it warns and holds the dipole at its 2025.0 value instead of extrapolating. The comparison over
2000-2030 therefore uses spacepy with the IGRF-14 table handed to spacepy's own coefficient reader (fixture
``spacepy_igrf14`` in conftest.py); a second comparison uses stock spacepy (IGRF-13) over 2000-2020.
"""

from __future__ import annotations

import datetime as dt

import astropy.units as u
import erfa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from smilekit.errors import InputError
from smilekit.frames import (
    FRAMES,
    dipole_axis,
    dipole_tilt,
    rotation_matrix,
    sun_direction,
    transform,
)
from smilekit.igrf import dipole_coefficients
from smilekit.times import days_since_j2000
from smilekit.units import RE

PAIRS = [("GSE", "GSM"), ("GSM", "SM"), ("GEO", "GSE"), ("GEO", "GSM")]


def _random_times(rng, start: str, stop: str, n: int) -> np.ndarray:
    t0 = np.datetime64(start, "ns")
    span = (np.datetime64(stop, "ns") - t0).astype(np.int64)
    return t0 + rng.integers(0, span, n).astype("timedelta64[ns]")


def _positions_at(rng, radius: float, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return radius * v / np.linalg.norm(v, axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------------
# Independent implementations
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, target", PAIRS + [(b, a) for a, b in PAIRS])
def test_against_spacepy_with_igrf14_2000_2030(spacepy_igrf14, source, target):
    """Random times 2000-01-01 .. 2030-01-01 and random positions at 20 RE, 80 per pair and direction.

    Requirement: < 0.02 RE. Measured maxima here (forward / backward): GSE<->GSM 0.0041 / 0.0041 RE,
    GSM<->SM 0.0031 / 0.0031 RE, GEO<->GSE 0.0104 / 0.0104 RE, GEO<->GSM 0.0115 / 0.0106 RE; with 1000
    times: 0.0058, 0.0034, 0.0106, 0.0109 RE. The largest part is spacepy's low-precision solar
    ephemeris, which drifts to 0.02 deg from the apparent Sun of ERFA by 2030, while Hapgood's stays
    within 0.01 deg (see test_sun_direction_against_erfa); the dipole axes agree to 1e-4 deg (GEO->MAG).
    """
    rng = np.random.default_rng(2)
    times = _random_times(rng, "2000-01-01", "2030-01-01", 80)
    positions = _positions_at(rng, 20.0, 80)
    reference = spacepy_igrf14(positions, times, source, target)
    ours = transform(positions * RE, times, source, target).to_value(RE)
    assert np.linalg.norm(ours - reference, axis=1).max() < 0.02


def test_dipole_axis_against_spacepy_cdmag(spacepy_igrf14):
    """GEO -> MAG (spacepy CDMAG) depends on the IGRF dipole only: measured max 5e-5 RE at 20 RE."""
    rng = np.random.default_rng(3)
    times = _random_times(rng, "2000-01-01", "2030-01-01", 40)
    positions = _positions_at(rng, 20.0, 40)
    reference = spacepy_igrf14(positions, times, "GEO", "MAG")
    ours = transform(positions, times, "GEO", "MAG")
    assert np.linalg.norm(ours - reference, axis=1).max() < 2e-4


@pytest.mark.parametrize("source, target", PAIRS)
def test_against_stock_spacepy_igrf13_2000_2020(spacepy_stock, source, target):
    """Stock spacepy (IGRF-13) over 2000-2020, where IGRF-13 and IGRF-14 share the definitive models to
    2015 and differ by < 2 nT at 2020. Requirement < 0.02 RE at 20 RE; measured maxima: GSE->GSM 0.0037,
    GSM->SM 0.0027, GEO->GSE 0.0071, GEO->GSM 0.0072 RE."""
    rng = np.random.default_rng(4)
    times = _random_times(rng, "2000-01-01", "2020-01-01", 60)
    positions = _positions_at(rng, 20.0, 60)
    reference = spacepy_stock(positions, times, source, target)
    ours = transform(positions, times, source, target)
    assert np.linalg.norm(ours - reference, axis=1).max() < 0.02


def test_dipole_tilt_against_spacepy(spacepy_igrf14):
    """spacepy's CTrans.DipoleTilt (positive when the dipole's GSM x component is positive, i.e. the
    same sunward-positive convention). Measured max difference 0.009 deg over 200 times 2000-2030 (mostly
    spacepy's Sun); tolerance 0.02 deg."""
    from spacepy import ctrans

    rng = np.random.default_rng(5)
    times = _random_times(rng, "2000-01-01", "2030-01-01", 40)
    reference = []
    for t in times:
        c = ctrans.CTrans(t.astype("datetime64[us]").item())
        c.calcMagTransforms()
        reference.append(c["DipoleTilt"])
    np.testing.assert_allclose(dipole_tilt(times).to_value(u.deg), reference, rtol=0, atol=0.02)


def test_sun_direction_against_erfa():
    """The apparent Sun from ERFA (SOFA): Earth's heliocentric position and barycentric velocity from
    ``epv00`` (VSOP2000-based), annual aberration to first order in v/c, then the IAU 2006 precession
    (``pmat06``) to the mean equator and equinox of date. Hapgood's (1992) formulas neglect nutation
    (< 0.005 deg) and are quoted to ~0.01 deg; measured max 0.0091 deg over 2000-2030 (5000 times).
    TT is taken as UTC + 69.184 s (TAI - UTC = 37 s since 2017)."""
    rng = np.random.default_rng(6)
    times = _random_times(rng, "1990-01-01", "2030-01-01", 2000)
    days_tt = days_since_j2000(times) + 69.184 / 86400.0
    helio, bary = erfa.epv00(2451545.0, days_tt)
    sun = -helio["p"] / np.linalg.norm(helio["p"], axis=1, keepdims=True)
    beta = bary["v"] / (erfa.DC)  # AU/day over the speed of light in AU/day
    apparent = sun + beta - sun * np.sum(sun * beta, axis=1, keepdims=True)
    apparent /= np.linalg.norm(apparent, axis=1, keepdims=True)
    reference = np.einsum("nij,nj->ni", erfa.pmat06(2451545.0, days_tt), apparent)
    angle = np.degrees(np.arccos(np.clip(np.sum(reference * sun_direction(times), axis=1), -1, 1)))
    assert angle.max() < 0.01


def test_sidereal_time_against_erfa():
    """GEI -> GEO is a rotation by the Greenwich mean sidereal time; ERFA ``gmst06`` (IAU 2006, with
    UT1 = UTC) agrees with Hapgood's linear formula to 0.0004 deg (measured); tolerance 0.001 deg."""
    rng = np.random.default_rng(7)
    times = _random_times(rng, "1990-01-01", "2030-01-01", 2000)
    days = days_since_j2000(times)
    reference = erfa.gmst06(2451545.0, days, 2451545.0, days + 69.184 / 86400.0)
    matrix = rotation_matrix(times, "GEI", "GEO")
    ours = np.arctan2(matrix[:, 0, 1], matrix[:, 0, 0])
    difference = np.angle(np.exp(1j * (ours - reference)))
    assert np.degrees(np.abs(difference)).max() < 0.001


# ---------------------------------------------------------------------------------------------------
# Dipole tilt: geometry
# ---------------------------------------------------------------------------------------------------
def _pole(when: str) -> tuple[float, float]:
    """Colatitude and east longitude (deg) of the northern dipole pole from IGRF-14 g10, g11, h11."""
    g10, g11, h11 = (float(c) for c in dipole_coefficients(when))
    b0 = np.sqrt(g10**2 + g11**2 + h11**2)
    return float(np.degrees(np.arccos(-g10 / b0))), float(np.degrees(np.arctan2(-h11, -g11)))


@pytest.mark.parametrize(
    "day, sign, declination",
    [
        # Solstices (USNO: 2020-06-20 21:44 UTC, 2020-12-21 10:02 UTC): Sun's declination = +-obliquity.
        ("2020-06-21", +1, 23.44),
        ("2020-12-21", -1, -23.44),
        # March equinox (2020-03-20 03:50 UTC); at the ~17 UT maximum, 13 h later, the declination is
        # sin(eps) * 0.9856 deg/day * 13.1 h = +0.21 deg.
        ("2020-03-20", +1, 0.21),
    ],
)
def test_tilt_extremes_follow_from_geometry(day, sign, declination):
    """When the dipole pole crosses the noon (or midnight) meridian the tilt is extreme and equals
    (Sun's declination) +- (pole colatitude): psi = asin(D.S) with D at latitude 90 - theta_d. The pole
    (longitude lambda_d ~ -72.7 deg) is at noon at UT ~ 12 h - lambda_d / 15 ~ 16.85 h, so the June
    maximum (~ +32.8 deg: northern pole towards the Sun, positive) comes at ~17 UT and the December
    minimum at ~4.85 UT. Tolerances: 0.05 deg on the value (the declination changes by < 0.01 deg in the
    hours involved near the solstices; near the equinox it is given at the time of the maximum), 10 min on the
    time (the equation of time is < 2 min at the solstices, 8 min at the equinox)."""
    colatitude, longitude = _pole(day)
    times = np.datetime64(day, "ns") + np.arange(0, 24 * 60, 1).astype("timedelta64[m]")
    tilt = dipole_tilt(times).to_value(u.deg)
    extreme = np.argmax(sign * tilt)
    assert sign * tilt[extreme] == pytest.approx(sign * declination + colatitude, abs=0.05)
    meridian = longitude if sign > 0 else longitude + 180.0
    expected_hour = (12.0 - meridian / 15.0) % 24.0
    assert extreme / 60.0 == pytest.approx(expected_hour, abs=10 / 60)


def test_tilt_bounds_and_pole_consistency():
    """|psi| <= obliquity + pole colatitude (~33 deg since 2000; 34-35 deg in the 1900s when the pole
    colatitude was ~11.5 deg); the dipole axis is (sin psi, 0, cos psi) in GSM and (0, 0, 1) in SM, MAG."""
    rng = np.random.default_rng(8)
    times = _random_times(rng, "1900-01-01", "2030-01-01", 3000)
    tilt = dipole_tilt(times).to_value(u.rad)
    g10, g11, h11 = dipole_coefficients(times)
    colatitude = np.arccos(-g10 / np.sqrt(g10**2 + g11**2 + h11**2))
    assert np.all(np.abs(tilt) <= np.radians(23.45) + colatitude + 1e-9)
    assert np.degrees(np.abs(tilt)).max() > 32.0
    gsm = dipole_axis(times, "GSM")
    np.testing.assert_allclose(gsm, np.stack([np.sin(tilt), 0 * tilt, np.cos(tilt)], axis=-1), atol=1e-12)
    for frame in ("SM", "MAG"):
        np.testing.assert_allclose(
            dipole_axis(times[:50], frame), np.tile([0.0, 0.0, 1.0], (50, 1)), atol=1e-12
        )


def test_sun_is_on_the_x_axis_of_gse_and_gsm():
    times = _random_times(np.random.default_rng(9), "2000-01-01", "2030-01-01", 100)
    for frame in ("GSE", "GSM"):
        np.testing.assert_allclose(sun_direction(times, frame), np.tile([1.0, 0, 0], (100, 1)), atol=1e-12)
    # The Sun lies in the ecliptic: its GEI declination is asin(sin(eps) sin(lambda)) <= eps.
    assert np.degrees(np.arcsin(np.abs(sun_direction(times)[:, 2]))).max() <= 23.44


# ---------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------
times_strategy = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2029, 12, 31))
frames_strategy = st.sampled_from(FRAMES)
# Components are 0 or at least 1e-100 in size: below ~1e-154 their squares are subnormal and the norms the
# test compares lose digits in numpy itself (hypothesis found 2.4e-159), which says nothing about frames.
vectors_strategy = arrays(
    np.float64,
    (4, 3),
    elements=st.one_of(st.just(0.0), st.floats(1e-100, 1e6), st.floats(-1e6, -1e-100)),
)


@settings(max_examples=80, deadline=None)
@given(times_strategy, frames_strategy, frames_strategy, vectors_strategy)
def test_round_trip_is_exact(when, source, target, vectors):
    there = transform(vectors * u.nT, when, source, target)
    back = transform(there, when, target, source)
    scale = np.linalg.norm(vectors, axis=-1)
    assert np.all(np.linalg.norm(back.to_value(u.nT) - vectors, axis=-1) <= 1e-12 * scale + 1e-300)
    np.testing.assert_allclose(np.linalg.norm(there.value, axis=-1), scale, rtol=1e-12, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(times_strategy, frames_strategy, frames_strategy, frames_strategy)
def test_rotations_are_proper_and_compose(when, a, b, c):
    ab = rotation_matrix(when, a, b)
    np.testing.assert_allclose(ab @ ab.T, np.eye(3), atol=1e-13)
    assert np.linalg.det(ab) == pytest.approx(1.0, abs=1e-13)
    np.testing.assert_allclose(rotation_matrix(when, b, a), ab.T, atol=1e-15)
    np.testing.assert_allclose(rotation_matrix(when, b, c) @ ab, rotation_matrix(when, a, c), atol=1e-13)


# ---------------------------------------------------------------------------------------------------
# Broadcasting, units and bad input
# ---------------------------------------------------------------------------------------------------
def test_broadcasting_of_times_and_vectors():
    times = np.array(["2021-03-01T00:00", "2024-07-01T12:00", "2028-11-11T06:00"], dtype="datetime64[ns]")
    vectors = np.array([[1.0, 2.0, 3.0], [-4.0, 0.5, 2.0], [0.0, 0.0, 1.0]])
    per_vector = transform(vectors, times, "GSE", "GSM")
    for i in range(3):
        np.testing.assert_allclose(per_vector[i], transform(vectors[i], times[i], "gse", "gsm"), atol=1e-14)
    one_time = transform(vectors, times[1], "GSE", "GSM")
    np.testing.assert_allclose(one_time[1], per_vector[1], atol=1e-14)
    one_vector = transform(vectors[2], times, "GSE", "GSM")
    assert one_vector.shape == (3, 3)
    np.testing.assert_allclose(one_vector[2], per_vector[2], atol=1e-14)
    grid = transform(np.ones((2, 3, 3)), times, "GEO", "SM")
    assert grid.shape == (2, 3, 3)
    with pytest.raises(InputError, match="broadcast"):
        transform(np.ones((2, 3)), times, "GSE", "GSM")


def test_units_are_kept():
    b_gsm = [1.0, -2.0, 5.0] * u.nT
    out = transform(b_gsm, "2025-01-01", "GSM", "GSE")
    assert out.unit == u.nT
    r_km = transform([6371.0 * 10, 0, 0] * u.km, "2025-01-01", "GSE", "GEO")
    r_re = transform([10.0, 0, 0] * RE, "2025-01-01", "GSE", "GEO")
    assert r_km.unit == u.km
    np.testing.assert_allclose(r_km.to_value(RE), r_re.to_value(RE), rtol=1e-14)
    plain = transform([1.0, 0.0, 0.0], "2025-01-01", "GSE", "GEO")
    assert type(plain) is np.ndarray
    gap = transform([np.nan, 1.0, 0.0] * u.nT, "2025-01-01", "GSE", "GSM")
    assert np.isnan(gap.value).all()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: transform([1.0, 0, 0], "2025-01-01", "GSX", "GSM"), "GEI, GEO, GSE, GSM, SM, MAG"),
        (lambda: rotation_matrix("2025-01-01", "GSE", 3), "to_frame"),
        (lambda: dipole_axis("2025-01-01", "HEE"), "frame must be one of"),
        (lambda: transform(np.ones((4, 2)), "2025-01-01", "GSE", "GSM"), r"shape \(\.\.\., 3\)"),
        (lambda: transform(5.0 * RE, "2025-01-01", "GSE", "GSM"), r"shape \(\.\.\., 3\)"),
        (lambda: transform([np.inf, 0, 0], "2025-01-01", "GSE", "GSM"), "infinite"),
        (lambda: transform([1.0, 0, 0], "2031-01-01", "GSE", "GSM"), "outside the validity of IGRF-14"),
        (lambda: dipole_tilt("1850-01-01"), "1900-01-01"),
        (lambda: transform([1.0, 0, 0], "not a time", "GSE", "GSM"), "cannot read"),
        (lambda: dipole_tilt(np.datetime64("NaT")), "NaT"),
    ],
)
def test_bad_input_raises_input_error(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_non_magnetic_frames_need_no_igrf():
    """GEI, GEO and GSE do not use the IGRF, so they work outside its 1900-2030 validity."""
    out = transform([1.0, 0, 0], "2040-01-01", "GSE", "GEO")
    assert out.shape == (3,)
