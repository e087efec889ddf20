"""Keplerian elements, the science orbit and the track: against the mission numbers, scipy, invariants."""

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from smilekit.constants import GM_EARTH_KM3_S2, R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.mission.orbit import (
    KeplerianElements,
    elements_to_state_values,
    kepler_track,
    sample_times,
    science_orbit,
    solve_kepler,
    state_to_elements_values,
)


def test_science_orbit_matches_the_mission_description():
    # :cite:`branduardiraymont2022`, sec. 4.3: perigee 5 000 km, apogee ~20 RE geocentric (121 182 km
    # altitude in ESA's mission pages), period 51 h, 73 deg.
    orbit = science_orbit("2026-03-01")
    assert orbit.perigee_altitude.to_value(u.km) == pytest.approx(5000.0, abs=1e-6)
    assert orbit.apogee_altitude.to_value(u.km) == pytest.approx(121182.0, abs=1e-6)
    assert orbit.apogee_radius.to_value("RE") == pytest.approx(20.0, rel=0.002)
    assert orbit.period.to_value(u.h) == pytest.approx(51.0, rel=0.01)  # quoted to 2 figures
    assert orbit.inclination_deg == 73.0


def test_apogee_is_over_the_north():
    orbit = science_orbit("2026-03-01", mean_anomaly=180 * u.deg)  # starts at apogee
    r, _ = orbit.state_values(orbit.epoch)
    latitude = np.degrees(np.arcsin(r[0, 2] / np.linalg.norm(r[0])))
    assert latitude == pytest.approx(73.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(-20.0, 20.0), st.floats(0.0, 0.99))
def test_kepler_equation_against_scipy_root_finder(mean_anomaly, e):
    ecc = float(solve_kepler(mean_anomaly, e))
    m = np.mod(mean_anomaly, 2 * np.pi)
    reference = brentq(lambda x: x - e * np.sin(x) - m, 0.0, 2 * np.pi, xtol=1e-15)
    assert ecc == pytest.approx(reference, abs=1e-12)


angles = st.floats(0.0, 2 * np.pi - 1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(8000.0, 400000.0), st.floats(0.001, 0.95), st.floats(0.01, np.pi - 0.01), angles, angles, angles
)
def test_elements_state_round_trip(a, e, inc, raan, argp, nu):
    if a * (1 - e) <= R_EARTH_EQ_KM:
        a = R_EARTH_EQ_KM / (1 - e) + 100.0
    r, v = elements_to_state_values(a, e, inc, raan, argp, nu)
    el = state_to_elements_values(r, v)
    assert el["a_km"] == pytest.approx(a, rel=1e-9)
    assert el["e"] == pytest.approx(e, rel=1e-7, abs=1e-10)
    assert el["inclination"] == pytest.approx(inc, abs=1e-9)

    def same_angle(x, y):
        return abs(np.angle(np.exp(1j * (x - y)))) < 1e-6

    assert same_angle(el["raan"], raan)
    assert same_angle(el["arg_perigee"] + el["true_anomaly"], argp + nu)  # argument of latitude
    # Vis-viva and the angular momentum sqrt(mu p), independent of the element conversion.
    rn = np.linalg.norm(r)
    assert v @ v == pytest.approx(GM_EARTH_KM3_S2 * (2 / rn - 1 / a), rel=1e-10)
    assert np.linalg.norm(np.cross(r, v)) == pytest.approx(
        np.sqrt(GM_EARTH_KM3_S2 * a * (1 - e**2)), rel=1e-10
    )


def test_from_state_recovers_elements():
    orbit = science_orbit("2026-03-01", raan=40 * u.deg, mean_anomaly=33 * u.deg)
    r, v = orbit.state_values(orbit.epoch)
    again = KeplerianElements.from_state(r[0] * u.km, v[0] * u.km / u.s, orbit.epoch)
    for name in ("a_km", "e", "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg"):
        assert getattr(again, name) == pytest.approx(getattr(orbit, name), rel=1e-9)


def test_track_counts_one_orbit_per_period_and_reaches_the_apsides():
    orbit = science_orbit("2026-03-01")
    track = kepler_track(orbit, sample_times("2026-03-01", "2026-03-11", 60 * u.s))
    n_orbits = 10 * 24 / orbit.period.to_value(u.h)
    assert track.orbit_number()[-1] in (int(n_orbits), int(n_orbits) + 1)
    assert track.altitude.min().to_value(u.km) == pytest.approx(5000.0, abs=1.0)  # 1-min sampling
    assert track.altitude.max().to_value(u.km) == pytest.approx(121182.0, abs=1.0)
    gse = track.position("GSE")
    np.testing.assert_allclose(np.linalg.norm(gse, axis=1), track.radius, rtol=1e-12)
    part = track.select("2026-03-02", "2026-03-03")
    assert len(part) == 24 * 60 + 1


def test_a_track_between_its_samples_is_the_orbit_to_below_a_metre():
    # the Kepler orbit itself is the reference: 60-s samples interpolated to 4 s over a whole orbit,
    # perigee (9 km/s) included
    orbit = science_orbit("2026-03-01")
    coarse = kepler_track(orbit, sample_times("2026-03-01T00:00", "2026-03-03T06:00", 60 * u.s))
    fine = sample_times("2026-03-01T00:00", "2026-03-03T06:00", 4 * u.s)
    exact, between = kepler_track(orbit, fine), coarse.at(fine)
    assert np.abs(between.position_gei_km - exact.position_gei_km).max() < 1e-3  # km
    assert np.abs(between.velocity_gei_km_s - exact.velocity_gei_km_s).max() < 1e-5  # km/s
    np.testing.assert_array_equal(coarse.at(coarse.time).position_gei_km, coarse.position_gei_km)
    with pytest.raises(InputError, match="outside the track's span"):
        coarse.at(["2026-03-03T06:00:01"])
    with pytest.raises(InputError, match="cannot be interpolated"):
        coarse.select("2026-03-01T00:00", "2026-03-01T00:00").at(coarse.time[:1])


def test_sample_times_grid():
    t = sample_times("2026-03-01", "2026-03-01T01:00", 60 * u.s)
    assert len(t) == 61 and t[-1] == np.datetime64("2026-03-01T01:00", "ns")


def test_sample_times_with_include_stop_cover_exactly_start_to_stop():
    # a span at fractional seconds, not a whole number of steps: the stop is added, the step kept before it
    start, stop = (
        np.datetime64("2015-06-22T15:00:27.689", "ns"),
        np.datetime64("2015-06-22T18:19:55.689", "ns"),
    )
    t = sample_times(start, stop, 120 * u.s, include_stop=True)
    assert t[0] == start and t[-1] == stop
    assert (np.diff(t)[:-1] == np.timedelta64(120, "s")).all() and np.diff(t)[-1] < np.timedelta64(120, "s")
    np.testing.assert_array_equal(t[:-1], sample_times(start, stop, 120 * u.s))
    # on the grid: the same times as without it
    on_grid = sample_times("2026-03-01", "2026-03-01T01:00", 60 * u.s, include_stop=True)
    np.testing.assert_array_equal(on_grid, sample_times("2026-03-01", "2026-03-01T01:00", 60 * u.s))
    # a grid time a rounding error past the stop becomes the stop: nothing lies beyond it
    stop = np.datetime64("2026-03-01T01:00", "ns") - np.timedelta64(1, "ns")
    assert sample_times("2026-03-01", stop, 60 * u.s)[-1] > stop
    t = sample_times("2026-03-01", stop, 60 * u.s, include_stop=True)
    assert len(t) == 61 and t[-1] == stop


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"perigee_altitude": -100 * u.km}, "perigee_altitude must be > 0"),
        ({"apogee_altitude": 1000 * u.km}, "must not be below perigee"),
        ({"inclination": 200 * u.deg}, "inclination"),
        ({"perigee_altitude": 5000}, "Quantity"),
    ],
)
def test_bad_orbit_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        science_orbit("2026-03-01", **kwargs)


def test_bad_elements_and_states():
    with pytest.raises(InputError, match="e must be in"):
        KeplerianElements(70000.0, 1.0, 73.0, 0.0, 270.0, 0.0, "2026-03-01")
    with pytest.raises(InputError, match="inside the Earth"):
        KeplerianElements(7000.0, 0.2, 73.0, 0.0, 270.0, 0.0, "2026-03-01")
    with pytest.raises(InputError, match="not bound"):
        KeplerianElements.from_state([7000.0, 0, 0] * u.km, [0, 11.0, 0] * u.km / u.s, "2026-03-01")
    with pytest.raises(InputError, match="eccentricity"):
        solve_kepler(1.0, 1.2)
    with pytest.raises(InputError, match="before start"):
        sample_times("2026-03-02", "2026-03-01")
