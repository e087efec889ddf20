"""Tests of smilekit.science.tangent: the Shue-type tangency kernel and the four limb methods."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.instruments.sxi.l2 import make_l2
from smilekit.instruments.sxi.simulate import simulate_events
from smilekit.instruments.sxi.sky import intensity_map
from smilekit.mission.pointing import attitude_values, limb_offset_aim_points
from smilekit.science import tangency, tangent
from smilekit.science.estimates import MagnetopauseEstimate
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

METHODS = (tangent.max_intensity, tangent.max_gradient, tangent.tangent_fitting, tangent.tangential_direction)
TIME = np.datetime64("2026-03-20T12:00")
SC = np.array([6.0, 0.0, 18.0])  # RE GSE, high-latitude dayside view (as in :cite:`jung2024`, Fig. 6)


# --- the tangency kernel -------------------------------------------------------------------------------


def _brute_force(origin, d, alpha, n=200_001):
    """min over a dense grid of r ((1 + cos theta)/2)^alpha along the line, theta < 120 deg."""
    s = np.linspace(0.0, np.linalg.norm(origin) + 40.0, n)
    p = origin[None, :] + s[:, None] * d[None, :]
    r = np.linalg.norm(p, axis=1)
    cos_t = p[:, 0] / r
    f = np.where(cos_t > -0.5, r * (0.5 * (1 + cos_t)) ** alpha, np.inf)
    return f.min()


def _line_towards(origin, target):
    d = np.asarray(target, float) - origin
    return d / np.linalg.norm(d)


def test_kernel_sphere_is_the_impact_parameter():
    # alpha = 0: the surface is the sphere r = r0, a line is tangent to it iff r0 = its distance b from 0
    origin = np.array([6.0, -4.0, 17.0])
    targets = np.array([[9.0, 0.0, 2.0], [8.0, 3.0, 0.0], [10.0, -2.0, 4.0], [7.0, 0.5, -1.0]])
    d = np.array([_line_towards(origin, t) for t in targets])
    r0, s = tangency.tangent_standoff_values(origin, d, 0.0)
    b = np.linalg.norm(np.cross(origin[None, :], d), axis=1)  # |P x d| = distance of the line from 0
    np.testing.assert_allclose(r0, b, rtol=1e-9)
    np.testing.assert_allclose(s, -d @ origin, rtol=1e-6)  # the closest point


def test_kernel_paraboloid_analytic():
    # alpha = 1: r (1 + cos theta) = 2 r0, the paraboloid r + x = 2 r0; along the line the minimum of
    # (|L| + x)/2 is at s + q = -d_x b / sqrt(1 - d_x^2), where |L| = b / sqrt(1 - d_x^2)
    # (q = P.d, b^2 = |P|^2 - q^2)
    origin = np.array([3.0, 5.0, 18.0])
    d = np.array([_line_towards(origin, t) for t in ([9.0, 0.0, 1.0], [8.0, -2.0, 3.0], [11.0, 1.0, -2.0])])
    r0, _ = tangency.tangent_standoff_values(origin, d, 1.0)
    q = d @ origin
    b = np.sqrt(origin @ origin - q**2)
    dx = d[:, 0]
    s = -dx * b / np.sqrt(1 - dx**2) - q
    expected = 0.5 * (b / np.sqrt(1 - dx**2) + origin[0] + s * dx)
    np.testing.assert_allclose(r0, expected, rtol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    alpha=st.floats(0.3, 1.0),
    tx=st.floats(6.0, 12.0),
    ty=st.floats(-4.0, 4.0),
    tz=st.floats(-3.0, 5.0),
)
def test_kernel_matches_brute_force(alpha, tx, ty, tz):
    origin = np.array([5.0, -3.0, 18.0])
    d = _line_towards(origin, [tx, ty, tz])[None, :]
    r0, _ = tangency.tangent_standoff_values(origin, d, alpha)
    expected = _brute_force(origin, d[0], alpha)
    # the dense grid (step ~3e-4 RE) overestimates a smooth minimum by O(step^2) only
    assert r0[0] == pytest.approx(expected, abs=1e-6)


def test_kernel_away_from_the_dayside_is_nan():
    origin = np.array([6.0, 0.0, 18.0])
    r0, s = tangency.tangent_standoff_values(origin, np.array([[0.0, 0.0, 1.0]]), 0.6)  # looking away
    assert np.isnan(r0[0]) and np.isnan(s[0])


# --- images --------------------------------------------------------------------------------------------


def _state(n=10.0, bz=-2.0):
    return SolarWindState(n=n * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 2, bz] * u.nT, time=TIME)


def _rotation(flip=False):
    aim = limb_offset_aim_points(SC * RE).to_value(RE)[0]
    rot = attitude_values(SC[None], aim[None], np.zeros((1, 3)))[0][0]
    return aim, rot @ np.diag([-1.0, -1.0, 1.0]) if flip else rot


_L2_COMPONENTS = {"xrb": ("xrb_3/4keV", "xrb_1/4keV"), "particle": ("particle",), "stray": ("stray",)}


def _l2(source, *, exposure, flip=False, scale=1.0, backgrounds=(), seed=1):
    aim, rot = _rotation(flip)
    sky = intensity_map(source, SC * RE, aim * RE, rotation=rot, time=TIME, pixel=0.5 * u.deg) * scale
    ev = simulate_events(
        sky, exposure * u.s, start=TIME, rotation=rot, sc_position=SC * RE, rng=seed, backgrounds=backgrounds
    )
    modelled = tuple(c for b in backgrounds for c in _L2_COMPONENTS[b])
    return make_l2(ev, pixel=0.5 * u.deg, cadence=(exposure / 60.0) * u.min, backgrounds=modelled)


@pytest.fixture(scope="module")
def model():
    """A Jorgensen et al. (2019) sky (Shue-type magnetopause, alpha = the Shue 1997 value) and its mp."""
    state = _state()
    return state, Jorgensen2019.from_solar_wind(state)


@pytest.fixture(scope="module")
def bright(model):
    """1 h exposure without backgrounds: ~1e5 counts, a noise-free-ish limb."""
    return _l2(model[1], exposure=3600.0)


# Tolerances: max_intensity / max_gradient take one direction each, outward / inward of the tangent by
# the PSF and the 0.5 deg smoothing (a few tenths of a degree; dr0/ds ~ 0.25 RE/deg from this view) plus
# the 0.5 deg pixels: 0.4 RE. tangent_fitting / tangential_direction use the midpoint of the two, which
# Samsonov et al. (2022) found nearest the tangent, over the whole limb: 0.25 RE.
TOLERANCE = {
    "max_intensity": 0.4,
    "max_gradient": 0.4,
    "tangent_fitting": 0.25,
    "tangential_direction": 0.25,
}


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_recovers_the_model_standoff(model, bright, method):
    state, source = model
    est = method(bright, solar_wind=state)
    assert isinstance(est, MagnetopauseEstimate)
    assert est.ok, est.status
    assert est.method == method.__name__
    truth = source.mp
    assert est.r0.unit == RE and est.r0_sigma.unit == RE
    assert abs(est.r0.to_value(RE) - truth) < TOLERANCE[method.__name__]
    # sigma holds the systematic of taking the tangent between max gradient and max intensity, uniform
    # over their spread (Samsonov et al. 2022: ~3 deg apart at most, ~0.25 RE/deg from this view, so
    # <= 3 * 0.25 / sqrt(12) ~ 0.22 RE), plus the small statistical part of an hour-long image
    assert 0 < est.r0_sigma.to_value(RE) < 0.3
    assert est.time == np.datetime64("2026-03-20T12:30", "ns")


def test_tangent_lies_between_max_gradient_and_max_intensity(model, bright):
    # Samsonov et al. (2022): the magnetopause tangent at or between the two directions
    state, source = model
    mg = tangent.max_gradient(bright, solar_wind=state).r0.to_value(RE)
    mi = tangent.max_intensity(bright, solar_wind=state).r0.to_value(RE)
    assert mg < source.mp < mi


def test_boundary_parameters(model, bright):
    state = model[0]
    tf = tangent.tangent_fitting(bright, solar_wind=state)
    assert tf.boundary["shape"] == "shue"
    assert tf.boundary["r0"] == pytest.approx(tf.r0.to_value(RE))
    # the sky's flaring is the Shue 1997 alpha, which is also the fit's prior (width 0.1): one viewpoint
    # barely constrains alpha, so the fit must stay within its own 3 sigma of the model's flaring
    assert abs(tf.boundary["alpha"] - model[1].ay_mp) <= 3 * tf.boundary["alpha_sigma"]
    assert len(tf.boundary["limb_xi_deg"]) == tf.boundary["n_strips"] >= 3
    td = tangent.tangential_direction(bright, solar_wind=state)
    assert td.boundary["shape"] == "conic" and td.boundary["Rc"] > 0
    # from (6, 0, 18) RE the limb grazes the magnetopause near the nose (a Shue-type surface seen from
    # there: tangent points ~17-21 deg from +X)
    assert 10.0 < tf.boundary["tangent_theta_deg"] < 30.0
    mi = tangent.max_intensity(bright)  # no solar wind: the default flaring, said so
    assert mi.boundary["alpha"] == tangent.DEFAULT_ALPHA
    assert "no solar-wind state" in mi.boundary["alpha_source"]


def test_reproducible(model, bright):
    # the bootstrap draws from its own seeded generator: disturbing numpy's global state changes nothing
    np.random.seed(1)  # noqa: NPY002 - deliberately the legacy global state
    a = tangent.tangential_direction(bright, solar_wind=model[0])
    np.random.seed(2)  # noqa: NPY002
    np.random.random(1000)  # noqa: NPY002
    b = tangent.tangential_direction(bright, solar_wind=model[0])
    assert a.r0 == b.r0 and a.r0_sigma == b.r0_sigma


def test_a_shared_limb_context_gives_each_method_its_own_answer(model, bright):
    """retrieve_image finds the limb once (limb_context) for the four methods: each answer is the one the
    method finds alone, and on an image without a limb each still says why; a context of another time bin,
    or made with another solar wind, is refused."""
    state, source = model
    blank = _l2(source, exposure=300.0, scale=0.0, backgrounds=("xrb", "particle"), seed=3)
    for l2 in (bright, blank):
        shared = tangent.limb_context(l2, solar_wind=state)
        for method in METHODS:
            alone, with_shared = method(l2, solar_wind=state), method(l2, solar_wind=state, limb=shared)
            assert (with_shared.status, with_shared.boundary) == (alone.status, alone.boundary), method
            assert np.array_equal([with_shared.r0.value, with_shared.r0_sigma.value],
                                  [alone.r0.value, alone.r0_sigma.value], equal_nan=True)  # fmt: skip
    later = bright.assign_coords(time=bright["time"].values + np.timedelta64(3600, "s"))
    with pytest.raises(InputError, match="same L2 time bin"):
        tangent.max_intensity(later, limb=tangent.limb_context(bright))
    with pytest.raises(InputError, match="another solar wind"):
        tangent.tangent_fitting(bright, solar_wind=_state(n=30.0, bz=-8.0), limb=tangent.limb_context(bright))


@pytest.mark.slow
def test_independent_of_the_roll(model, bright):
    # the spacecraft rolled by 180 deg about the boresight: the image is mirrored (the sunward side at +u
    # instead of -u); the methods find the limb direction from the geometry, so the answers agree
    state, source = model
    flipped = _l2(source, exposure=3600.0, flip=True)
    for method in METHODS:
        a = method(bright, solar_wind=state).r0.to_value(RE)
        b = method(flipped, solar_wind=state).r0.to_value(RE)
        # the two hour-long realisations share the systematic part of sigma; their statistical difference
        # is a few hundredths of an RE (measured 0.004-0.03), while a limb found on the wrong side of the
        # image would move r0 by RE: 0.15 RE separates the two
        assert abs(a - b) < 0.15, method.__name__


def test_blank_image_has_no_edge(model):
    # no SWCX at all, backgrounds only: no method may claim an edge, none may raise
    blank = _l2(model[1], exposure=300.0, scale=0.0, backgrounds=("xrb", "particle"), seed=3)
    for method in METHODS:
        est = method(blank, solar_wind=model[0])
        assert not est.ok, method.__name__
        assert np.isnan(est.r0.to_value(RE)) and np.isnan(est.r0_sigma.to_value(RE))
        assert est.boundary == {}


def test_bad_input(bright):
    for method in METHODS:
        with pytest.raises(InputError):
            method(xr.Dataset())
        with pytest.raises(InputError):
            method(bright, time_index=5)
        with pytest.raises(InputError):
            method(bright, solar_wind="solar wind")
    no_pointing = bright.copy()
    no_pointing.attrs = {k: v for k, v in bright.attrs.items() if k != "boresight_gse"}
    with pytest.raises(InputError):
        tangent.max_intensity(no_pointing)


def test_robust_sd_is_the_scaled_mad_and_nan_without_warning_where_no_draw_found_an_edge():
    """1.4826 MAD is the standard deviation of a normal sample (to the sampling error of 4000 draws, ~2 %);
    a column where every bootstrap draw failed gives NaN and no All-NaN RuntimeWarning (the suite turns
    warnings into errors, so the warning itself would fail here)."""
    rng = np.random.default_rng(1)
    draws = rng.normal(0.0, 0.7, size=(4000, 3))
    draws[:, 1] = np.nan
    draws[:10, 2] = np.nan  # a few failed draws are ignored
    sd = tangent._robust_sd(draws, axis=0)
    assert np.isnan(sd[1])
    np.testing.assert_allclose(sd[[0, 2]], 0.7, rtol=0.05)
