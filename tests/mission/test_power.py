"""Tests of Earth-shadow eclipses and the power budget (smilekit.mission.power)."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.constants import AU_KM, GM_EARTH_KM3_S2, R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.mission import power
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import KeplerianElements, Track, kepler_track, sample_times, science_orbit


def circular_track(epoch: str, radius_km: float, u_hat, v_hat, periods: float, step_s: float) -> Track:
    """A circular orbit r = R (cos nt u + sin nt v), built by hand (not through the orbit module)."""
    n = np.sqrt(GM_EARTH_KM3_S2 / radius_km**3)
    t = np.arange(0.0, periods * 2 * np.pi / n, step_s)
    c, s = np.cos(n * t)[:, None], np.sin(n * t)[:, None]
    position = radius_km * (c * u_hat + s * v_hat)
    velocity = radius_km * n * (-s * u_hat + c * v_hat)
    times = np.datetime64(epoch, "ns") + (t * 1e9).astype("timedelta64[ns]")
    return Track(times, position, velocity)


@pytest.fixture(scope="module")
def science_track():
    return kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-07T08:00", 60 * u.s))


def test_no_eclipse_with_the_sun_along_the_orbit_normal():
    epoch = "2026-05-01T00:00"
    s = sun_direction(epoch, "GEI")
    u_hat = np.cross(s, [0.0, 0.0, 1.0])
    u_hat /= np.linalg.norm(u_hat)
    v_hat = np.cross(s, u_hat)  # the orbit normal is the Sun direction (beta = 90 deg)
    track = circular_track(epoch, 1.2 * R_EARTH_EQ_KM, u_hat, v_hat, periods=3, step_s=30.0)
    for model in power.SHADOW_MODELS:
        assert not power.in_shadow(track, model=model).any()
        assert len(power.eclipses(track, model=model)) == 0
    budget = power.power_budget(track, mode_timeline(track))
    np.testing.assert_allclose(budget.generation_W, 850.0)


@pytest.mark.parametrize("epoch", ["2026-03-20T12:00", "2026-06-21T12:00", "2026-11-01T00:00"])
def test_equatorial_circular_eclipse_matches_the_cylindrical_formula(epoch):
    # Cylindrical shadow, circular orbit of radius r with the Sun at beta from the orbit plane:
    # eclipse = (T_syn / pi) acos(sqrt(1 - (R/r)^2) / cos beta) (e.g. Wertz & Larson, SMAD, 3rd ed.,
    # sec. 5.1), T_syn the period relative to the Sun's right ascension (the Sun moves ~1 deg/day,
    # which lengthens a 40-min eclipse by ~1 s). Edges interpolated from a 30 s step: < 0.25 s.
    r = 2.0 * R_EARTH_EQ_KM
    el = KeplerianElements(
        a_km=r,
        e=0.0,
        inclination_deg=0.0,
        raan_deg=0.0,
        arg_perigee_deg=0.0,
        mean_anomaly_deg=0.0,
        epoch=epoch,
    )
    period = el.period.to_value(u.s)
    stop = np.datetime64(epoch) + np.timedelta64(int(3 * period), "s")
    table = power.eclipses(kepler_track(el, sample_times(epoch, stop, 30 * u.s)))
    full = table[~table.truncated]
    assert len(full) >= 2
    mid = (full.start + (full.stop - full.start) / 2).to_numpy()
    hour = np.timedelta64(1, "h")
    s, s0, s1 = (sun_direction(t, "GEI") for t in (mid, mid - hour, mid + hour))
    beta = np.arcsin(s[:, 2])  # the orbit normal is GEI Z
    ra_rate = np.unwrap(np.arctan2(s1[:, 1], s1[:, 0]) - np.arctan2(s0[:, 1], s0[:, 0])) / 7200.0
    synodic = 2 * np.pi / (2 * np.pi / period - ra_rate)
    expected_s = synodic / np.pi * np.arccos(np.sqrt(1 - (R_EARTH_EQ_KM / r) ** 2) / np.cos(beta))
    np.testing.assert_allclose(full.duration_min.to_numpy() * 60.0, expected_s, atol=0.25)


def disc_fraction_by_rays(r_km: np.ndarray, sun_km: np.ndarray, n: int = 500) -> float:
    """Hidden fraction of the solar disc by ray casting: a grid of directions filling the disc, each
    tested for a hit on the Earth sphere (exact spherical geometry, independent of the disc formula)."""
    to_sun = sun_km - r_km
    d = np.linalg.norm(to_sun)
    w = to_sun / d
    e1 = np.cross(w, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(w, e1)
    half = power.R_SUN_KM / d
    x, y = np.meshgrid(np.linspace(-half, half, n), np.linspace(-half, half, n))
    keep = x**2 + y**2 <= half**2
    rays = w + x[keep][:, None] * e1 + y[keep][:, None] * e2
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    along = rays @ r_km
    disc = along**2 - (r_km @ r_km - R_EARTH_EQ_KM**2)
    hit = (disc > 0) & (along < 0)
    return float(hit.mean())


@settings(max_examples=15, deadline=None)
@given(radius_re=st.floats(1.5, 20.0), offset=st.floats(-1.5, 1.5))
def test_conical_fraction_matches_ray_casting(radius_re, offset):
    # Spacecraft behind the Earth, placed across the penumbra: its distance from the shadow axis is
    # R_E + offset x (penumbra half-width at that distance).
    sun = np.array([AU_KM, 0.0, 0.0])
    r = radius_re * R_EARTH_EQ_KM
    half_width = r * (power.R_SUN_KM + R_EARTH_EQ_KM) / AU_KM
    position = np.array([-np.sqrt(r**2 - (R_EARTH_EQ_KM + offset * half_width) ** 2), 0.0, 0.0])
    position[2] = R_EARTH_EQ_KM + offset * half_width
    fraction = power.shadow_fraction_values(position, sun, "conical")[0]
    assert fraction == pytest.approx(disc_fraction_by_rays(position, sun), abs=5e-3)


def test_models_nest_umbra_cylinder_penumbra(science_track):
    conical = power.shadow_fraction(science_track, model="conical").value
    cylindrical = power.shadow_fraction(science_track, model="cylindrical").value
    assert set(np.unique(cylindrical)) <= {0.0, 1.0}
    assert np.all((conical >= 0.0) & (conical <= 1.0))
    umbra, any_shadow = conical == 1.0, conical > 0.0
    assert umbra.any() and (any_shadow & ~umbra).any()  # both umbra and penumbra are met
    assert not (umbra & (cylindrical == 0.0)).any()
    assert not ((cylindrical == 1.0) & ~any_shadow).any()
    c = power.eclipses(science_track)
    k = power.eclipses(science_track, model="conical")
    assert len(c) == len(k) and (k.duration_min.to_numpy() > c.duration_min.to_numpy()).all()


def test_energy_balance_without_clipping(science_track):
    timeline = mode_timeline(science_track)
    budget = power.power_budget(
        science_track,
        timeline,
        battery_capacity=1e6 * u.W * u.h,
        initial_soc=0.5 * u.one,
        charge_efficiency=1.0 * u.one,
        discharge_efficiency=1.0 * u.one,
    )
    dt_h = np.diff(science_track.time).astype(np.int64) / 3.6e12
    net_wh = np.sum((budget.generation_W - budget.load_W).to_numpy()[:-1] * dt_h)
    assert 0.0 < budget.soc.min() and budget.soc.max() < 1.0
    assert 1e6 * (budget.soc.iloc[-1] - 0.5) == pytest.approx(net_wh, rel=1e-9)
    # with losses: the stored energy follows the efficiencies
    lossy = power.power_budget(
        science_track,
        timeline,
        battery_capacity=1e6 * u.W * u.h,
        initial_soc=0.5 * u.one,
        charge_efficiency=0.9 * u.one,
        discharge_efficiency=0.8 * u.one,
    )
    net = (lossy.generation_W - lossy.load_W).to_numpy()
    np.testing.assert_allclose(lossy.battery_W, np.where(net > 0, 0.9 * net, net / 0.8))
    stored = np.sum(lossy.battery_W.to_numpy()[:-1] * dt_h)
    assert 1e6 * (lossy.soc.iloc[-1] - 0.5) == pytest.approx(stored, rel=1e-9)


def test_budget_physics(science_track):
    timeline = mode_timeline(science_track)
    downlink = np.zeros(len(science_track), dtype=bool)
    downlink[100:160] = True
    budget = power.power_budget(science_track, timeline, downlink=downlink, battery_capacity=300 * u.W * u.h)
    assert budget.soc.between(0.0, 1.0).all()
    assert (budget.generation_W[budget.shadow_fraction == 1.0] == 0.0).all()
    sunlit_rsm3 = (budget["mode"] == "RSM3") & (budget.shadow_fraction == 0.0)
    np.testing.assert_allclose(budget.generation_W[sunlit_rsm3], 850.0)
    np.testing.assert_allclose(budget.load_W[downlink], 665.0)
    np.testing.assert_allclose(budget.load_W[~downlink & (budget["mode"] == "FSM")], 600.0)
    # an eclipse drains the battery; a small battery is emptied and refilled
    soc, dark = budget.soc.to_numpy(), budget.eclipse.to_numpy()
    assert (np.diff(soc)[dark[:-1]] <= 0).all() and (np.diff(soc)[dark[:-1]] < 0).any()
    assert budget.soc.min() < 0.5
    tilted = power.power_budget(science_track, timeline, sun_angle=60 * u.deg)
    fsm_sunlit = (budget["mode"] == "FSM") & ~budget.eclipse
    np.testing.assert_allclose(tilted.generation_W[fsm_sunlit], 425.0)


def test_summary_matches_eclipses(science_track):
    budget = power.power_budget(science_track, mode_timeline(science_track))
    summary = power.power_summary(budget)
    table = power.eclipses(science_track)
    for _, row in table[~table.truncated].iterrows():
        assert summary.set_index("orbit").eclipse_min[row.orbit] == pytest.approx(row.duration_min, abs=1.0)
    assert summary.min_soc.tolist() == budget.groupby("orbit").soc.min().tolist()


def test_bad_input(science_track):
    timeline = mode_timeline(science_track)
    with pytest.raises(InputError, match="model"):
        power.shadow_fraction(science_track, model="spherical")
    with pytest.raises(InputError, match="array_power"):
        power.power_budget(science_track, timeline, array_power=850.0)
    with pytest.raises(InputError, match="initial_soc"):
        power.power_budget(science_track, timeline, initial_soc=1.5 * u.one)
    with pytest.raises(InputError, match="charge_efficiency"):
        power.power_budget(science_track, timeline, charge_efficiency=0.0 * u.one)
    with pytest.raises(InputError, match="RSM3"):
        power.power_budget(science_track, timeline, load={"FSM": 600 * u.W})
    with pytest.raises(InputError, match="timeline"):
        power.power_budget(science_track.select(stop="2026-03-02"), timeline)
    with pytest.raises(InputError, match="downlink"):
        power.power_budget(science_track, timeline, downlink=np.ones(3, dtype=bool))
    with pytest.raises(InputError, match="sun_angle"):
        power.power_budget(science_track, timeline, sun_angle=np.zeros(4) * u.deg)
