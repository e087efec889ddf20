"""Tests of the gas-dynamic magnetosheath (smilekit.geospace.magnetosheath)."""

from __future__ import annotations

import re

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace import boundaries as b
from smilekit.geospace.cusps import cusp_edges
from smilekit.geospace.magnetosheath import Magnetosheath, check_upstream_values, rankine_hugoniot_values
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

# Upstream state with fast magnetosonic Mach number ~ 8 (n = 5 cm^-3, V = 500 km/s, T = 5e4 K, B = 5 nT).
STATE = SolarWindState(n=5 * u.cm**-3, v_gse=[-500, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT, t=5e4 * u.K)
SHEATH = Magnetosheath.from_solar_wind(STATE)
SETTINGS = settings(max_examples=50, deadline=None)


def test_rankine_hugoniot_published_ratios():
    # Perfect-gas jump (Landau & Lifshitz, Fluid Mechanics, section 89), gamma = 5/3:
    # density ratio 3.82 at M = 8 (in the 3.7-3.9 range quoted for the subsolar sheath), the strong-shock
    # limit (gamma+1)/(gamma-1) = 4, and no jump at M = 1. Tolerance 1e-3.
    x8, p8, t8 = rankine_hugoniot_values(8.0)
    assert x8 == pytest.approx(3.821, abs=1e-3)
    assert p8 == pytest.approx((2 * 5 / 3 * 64 - 2 / 3) / (8 / 3), rel=1e-12)
    assert t8 == pytest.approx(p8 / x8, rel=1e-12)
    assert rankine_hugoniot_values(1e4)[0] == pytest.approx(4.0, abs=1e-6)
    np.testing.assert_allclose(rankine_hugoniot_values(1.0), 1.0)


def test_mach_number_matches_solarwind_state():
    # The sheath's Mach number and SolarWindState.magnetosonic_mach (derived.py) are separate code paths.
    assert SHEATH.mach == pytest.approx(STATE.magnetosonic_mach.value, rel=1e-9)
    assert 7.5 < SHEATH.mach < 8.5


def _nose_distances():
    r_bs = b.standoff(b.jelinek2012_bow_shock, pdyn=STATE.pdyn).to_value(RE)
    r_mp = b.standoff("shue1998", pdyn=STATE.pdyn, bz=STATE.bz).to_value(RE)
    return r_bs, r_mp


def test_density_behind_the_shock_at_the_nose_is_the_rh_compression():
    r_bs, _ = _nose_distances()
    n, speed, _temp, region = SHEATH.plasma_values(np.array([r_bs * (1 + 1e-9), r_bs * (1 - 1e-9)]), 0.0, 0.0)
    assert region.tolist() == [0, 1]
    compression = n[1] / n[0]
    expected = rankine_hugoniot_values(STATE.magnetosonic_mach.value)[0]
    assert compression == pytest.approx(expected, rel=1e-6)
    assert 3.7 < compression < 3.9
    # normal mass flux continuous: n1 V1 = n2 V2 on the Sun-Earth line
    assert n[0] * speed[0] == pytest.approx(n[1] * speed[1], rel=1e-6)


@pytest.mark.parametrize("theta_deg", [20.0, 45.0, 70.0])
@pytest.mark.parametrize("phi_deg", [0.0, 135.0])
def test_tangential_velocity_continuous_and_mass_flux_conserved_at_oblique_shock(theta_deg, phi_deg):
    # Analytic normal of the Jelinek paraboloid x = R' - lambda^2 rho^2 / (4 R'): (1, l^2 y/2R', l^2 z/2R').
    theta, phi = np.radians(theta_deg), np.radians(phi_deg)
    r_bs = b.jelinek2012_bow_shock(theta * u.rad, pdyn=STATE.pdyn).to_value(RE)
    r_nose = b.standoff(b.jelinek2012_bow_shock, pdyn=STATE.pdyn).to_value(RE)
    direction = np.array([np.cos(theta), np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi)])
    lam2 = 1.17**2
    point = r_bs * direction
    normal = np.array([1.0, lam2 * point[1] / (2 * r_nose), lam2 * point[2] / (2 * r_nose)])
    normal /= np.linalg.norm(normal)
    up, down = r_bs * (1 + 1e-7) * direction, r_bs * (1 - 1e-7) * direction
    v_up = SHEATH.velocity_values(*up)
    v_down = SHEATH.velocity_values(*down)
    tangential = lambda v: v - np.dot(v, normal) * normal  # noqa: E731
    np.testing.assert_allclose(tangential(v_down), tangential(v_up), atol=1e-4 * STATE.speed.value)
    n_up = SHEATH.plasma_values(*up)[0]
    n_down = SHEATH.plasma_values(*down)[0]
    assert n_up * np.dot(v_up, normal) == pytest.approx(n_down * np.dot(v_down, normal), rel=1e-4)


def test_flow_stagnates_at_the_subsolar_magnetopause():
    r_bs, r_mp = _nose_distances()
    x = np.linspace(r_mp * (1 + 1e-6), r_bs * (1 - 1e-6), 50)
    n, speed, temp, region = SHEATH.plasma_values(x, 0.0, 0.0)
    assert (region == 1).all()
    assert speed[0] < 1e-3 * STATE.speed.value
    assert (np.diff(speed) > 0).all()  # accelerating away from the stagnation point towards the shock
    # stagnation temperature (Bernoulli) and the isentropic stagnation density of the gas-dynamic solution
    assert temp[0] == pytest.approx(SHEATH.t0, rel=1e-6)
    assert n[0] == pytest.approx(SHEATH.n_stag, rel=1e-6)
    x_ratio = rankine_hugoniot_values(SHEATH.mach)[0]
    assert x_ratio * STATE.n.value < SHEATH.n_stag < 1.15 * x_ratio * STATE.n.value


def test_total_enthalpy_conserved_across_the_shock():
    # Energy conservation: the stagnation temperature computed from the normal-shock state equals the
    # upstream one, T0 = T1_eff + V^2 / (2 cp) (relative 1e-9).
    g = SHEATH.gamma
    _, _, t_ratio = rankine_hugoniot_values(SHEATH.mach, g)
    m2 = SHEATH.mach**2
    m2_down = ((g - 1) * m2 + 2) / (2 * g * m2 - (g - 1))
    t0_from_shock = SHEATH._t1_eff * t_ratio * (1 + 0.5 * (g - 1) * m2_down)
    assert t0_from_shock == pytest.approx(SHEATH.t0, rel=1e-9)


def test_flank_speed_tends_to_solar_wind_speed():
    # Far down the flank the sheath flow re-accelerates towards the solar-wind speed (energy conserved).
    _n, speed, _temp, region = SHEATH.plasma_values(-30.0, np.linspace(25, 60, 30), 0.0)
    sheath = region == 1
    assert sheath.any()
    assert (speed[sheath] > 0.6 * STATE.speed.value).all()
    assert (speed[sheath] <= STATE.speed.value * (1 + 1e-9)).all()


points = st.tuples(st.floats(-30, 25), st.floats(-30, 30), st.floats(-30, 30))


@SETTINGS
@given(p=points)
def test_mirror_symmetry_in_y_and_z_for_zero_tilt(p):
    x, y, z = p
    ref = SHEATH.plasma_values(x, y, z)
    for yy, zz in ((-y, z), (y, -z), (-y, -z)):
        got = SHEATH.plasma_values(x, yy, zz)
        assert got[3] == ref[3]
        np.testing.assert_allclose([g for g in got[:3]], [r for r in ref[:3]], rtol=1e-7, atol=1e-9)


@SETTINGS
@given(p=points)
def test_axisymmetry_outside_the_cusps(p):
    # Shue 1998 and Jelinek are axisymmetric: swapping y and z changes nothing except the cusp funnels.
    x, y, z = p
    a = SHEATH.plasma_values(x, y, z)
    c = SHEATH.plasma_values(x, z, y)
    if a[3] != 3 and c[3] != 3:
        assert a[3] == c[3]
        np.testing.assert_allclose([v for v in a[:3]], [v for v in c[:3]], rtol=1e-6, atol=1e-9)


@SETTINGS
@given(p=points, tilt=st.floats(-30, 30), model=st.sampled_from(sorted(b.MAGNETOPAUSE_MODELS)))
def test_regions_consistent_with_is_inside(p, tilt, model):
    sheath = Magnetosheath.from_solar_wind(STATE, tilt=tilt * u.deg, magnetopause=model)
    x, y, z = (c * RE for c in p)
    region = sheath.region(x, y, z)
    in_bs = b.is_inside(b.jelinek2012_bow_shock, x, y, z, pdyn=STATE.pdyn)
    in_mp = b.is_inside(model, x, y, z, **b.model_parameters(model, STATE, tilt=tilt * u.deg))
    assert (region == 0) == (not in_bs and not in_mp)
    assert (region in (2, 3)) == bool(in_mp)
    n, speed, temp, reg = sheath.plasma_values(*p)
    assert reg == region
    if reg == 2:
        assert n == speed == temp == 0
    else:
        assert n > 0 and temp > 0


def test_cusp_density_is_a_fraction_of_the_adjacent_sheath():
    # Northern cusp at mid altitude (r = 6 RE, SM latitude mapped from the footprint), zero tilt.

    edges = cusp_edges(bz=STATE.bz, altitude=5 * RE)
    lat = np.radians(0.5 * (edges.equatorward + edges.poleward).to_value(u.deg))
    point = 6.0 * np.array([np.cos(lat), 0.0, np.sin(lat)])
    n, _speed, _temp, region = SHEATH.plasma_values(*point)
    assert region == 3
    full = Magnetosheath.from_solar_wind(STATE, cusp_density_fraction=1.0).plasma_values(*point)[0]
    assert n == pytest.approx(SHEATH.cusp_density_fraction * full, rel=1e-12)


def test_quantity_wrapper_and_shapes():
    x = np.linspace(-5, 20, 12).reshape(3, 4) * RE
    out = SHEATH.plasma(x, 1 * RE, 0.5 * RE)
    assert out["n"].shape == (3, 4) and out["n"].unit == u.cm**-3
    assert out["speed"].unit == u.km / u.s and out["t"].unit == u.K
    assert out["velocity_gsm"].shape == (3, 4, 3)
    assert out["region"].dtype == np.int8
    n, _speed, _temp, _region = SHEATH.plasma_values(x.to_value(RE), 1.0, 0.5)
    np.testing.assert_array_equal(out["n"].value, n)


def test_bad_input():
    with pytest.raises(InputError):
        Magnetosheath(n=5, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 0, 1] * u.nT)
    with pytest.raises(InputError):
        Magnetosheath(n=-5 * u.cm**-3, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 0, 1] * u.nT)
    with pytest.raises(InputError):
        Magnetosheath(n=5 * u.cm**-3, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 1] * u.nT)
    with pytest.raises(InputError):
        Magnetosheath(
            n=5 * u.cm**-3, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 0, 1] * u.nT, magnetopause="x"
        )
    with pytest.raises(InputError):
        SHEATH.plasma_values(np.nan, 0.0, 0.0)
    with pytest.raises(InputError):
        SHEATH.plasma(1.0, 0 * RE, 0 * RE)


@SETTINGS
@given(
    n=st.floats(0.5, 80.0),
    speed=st.floats(250.0, 1200.0),
    t=st.floats(1e4, 1e6),
    b=st.tuples(*[st.floats(-30.0, 30.0)] * 3),
    tilt_deg=st.floats(-35.0, 35.0),
)
def test_a_sheath_from_checked_values_is_the_quantity_one(n, speed, t, b, tilt_deg):
    # insitu_truth builds one sheath per solar-wind record from plain, already checked values: it must be
    # the sheath the public constructor makes from the same values as Quantities, bit for bit
    tilt = np.radians(tilt_deg)
    boundaries = {"magnetopause": "shue1998", "bow_shock": "jelinek2012"}
    try:
        public = Magnetosheath(
            n=n * u.cm**-3, v=speed * u.km / u.s, t=t * u.K, b_gsm=b * u.nT, tilt=tilt * u.rad, **boundaries
        )
    except ModelDomainError:  # boundaries that cross at this pressure: both ways refuse it
        with pytest.raises(ModelDomainError):
            Magnetosheath._from_checked(n, speed, t, np.array(b), tilt, **boundaries)
        return
    plain = Magnetosheath._from_checked(n, speed, t, np.array(b), tilt, **boundaries)
    assert vars(plain).keys() == vars(public).keys()
    for name, value in vars(public).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(plain, name), value, err_msg=name)
        else:
            assert getattr(plain, name) == value, name
    np.testing.assert_array_equal(plain.point_parameters(), public.point_parameters())


def test_upstream_checks_name_the_offending_value_and_record():
    good = dict(n=[5.0, 6.0], speed=[400.0, 450.0], t=[1e5, 1e5], b_gsm=[[0, 0, -5.0]] * 2, tilt=[0.0, 0.1])
    times = np.array(["2015-06-21T10:00", "2015-06-21T10:01"], dtype="datetime64[s]")
    check_upstream_values(**good, times=times)  # nothing to refuse
    for name, bad, says in (
        ("n", [5.0, 0.0], "n must be > 0 cm^-3, got 0 cm^-3 (the record at 2015-06-21T10:01:00)"),
        ("speed", [400.0, -1.0], "v must be > 0 km/s, got -1 km/s"),
        ("t", [1e5, np.nan], "t must be finite, got nan K"),
        ("speed", [400.0, 5000.0], "5000"),
        ("b_gsm", [[0, 0, -5.0], [0, np.inf, 0]], "b_gsm must be finite, got [0.0, inf, 0.0] nT"),
        ("tilt", [0.0, 2.0], "tilt must lie in [-90, 90] deg, got 114.592 deg"),
    ):
        with pytest.raises(InputError, match=re.escape(says)):
            check_upstream_values(**{**good, name: bad}, times=times)


@pytest.mark.parametrize(
    ("changed", "says"),
    [
        ({"v": 0 * u.km / u.s}, "v must be > 0 km/s"),
        ({"v": [400.0, 0.0, 0.0] * u.km / u.s}, "v_gse"),  # a sunward flow
        ({"n": 2000 * u.cm**-3}, "n 2000"),
        ({"t": 0 * u.K}, "t must be > 0"),
        ({"b_gsm": [0, 0, 1e4] * u.nT}, "b_gsm"),
        ({"tilt": 100 * u.deg}, "tilt must lie in [-90, 90] deg, got 100 deg"),
    ],
)
def test_the_constructor_refuses_what_the_sheath_does_not_take(changed, says):
    upstream = dict(n=5 * u.cm**-3, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 0, -5] * u.nT)
    with pytest.raises(InputError, match=re.escape(says)):
        Magnetosheath(**{**upstream, **changed})
