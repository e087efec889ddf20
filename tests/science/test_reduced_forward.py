"""The reduced forward model of the boundary fits against the full adaptive one, and its invariants."""

import math

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import fftconvolve

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.truth import case_truth, simulate_l2
from smilekit.errors import InputError
from smilekit.geospace import SWCXEmissivity
from smilekit.geospace.emissivity import CMEM, EMISSIVITY_UNIT, Jorgensen2019
from smilekit.imaging.los import INTENSITY_FACTOR
from smilekit.science.boundary_fit import FIT_PIXEL_DEG, rebinned_frame
from smilekit.science.forward import ForwardModel
from smilekit.science.reduced_forward import ReducedForwardModel, interval_part, ray_nodes_values
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

_E = EMISSIVITY_UNIT
STATE = SolarWindState(n=8 * u.cm**-3, v_gse=[-420, 0, 0] * u.km / u.s, b_gsm=[0, 2, -3] * u.nT)


@pytest.fixture(scope="module")
def frame():
    """The fit's forward model of a shipped in-domain case (1 deg pixels), and that case's truth."""
    cases, _ = read_cases(data_path(SHIPPED_CASES))
    case = next(c for c in cases if c.case_id == "case082")
    truth = case_truth(case)
    return ForwardModel(rebinned_frame(simulate_l2(case, truth), 0, FIT_PIXEL_DEG)), truth


def _models(tilt):
    j = Jorgensen2019.from_solar_wind(STATE, warn=False)
    c = CMEM.from_solar_wind(STATE, tilt=tilt * u.rad, warn=False)
    return {"jorgensen": j, "cmem": c}


def _unit_terms(model):
    """(sheath at A1 = 1, wind at A2 = 1) as full models, and the model's own magnetopause parameter."""
    p = model.parameters
    if isinstance(model, Jorgensen2019):
        kw = {k: p[k] for k in ("alpha", "beta", "ay_mp", "az_mp", "ay_bs", "az_bs")}
        b = p["B"] / p["A1"]
        terms = [
            Jorgensen2019(mp=p["mp"] * RE, bs=p["bs"] * RE, A1=a1 * _E, A2=a2 * _E, B=b * a1 * _E, **kw)
            for a1, a2 in ((1.0, 0.0), (0.0, 1.0))
        ]
        return terms, p["mp"]
    kw = {k: p[k] for k in ("p0", "B", "alpha", "beta", "p1", "p2", "p3", "ay_bs", "az_bs")}
    fixed = {"pdyn": p["pdyn_nPa"] * u.nPa, "pm": p["pm_nPa"] * u.nPa, "bz": p["bz_nT"] * u.nT}
    terms = [
        CMEM(bs=p["bs"] * RE, A1=a1 * _E, A2=a2 * _E, tilt=p["tilt_rad"] * u.rad, **kw, **fixed)
        for a1, a2 in ((1.0, 0.0), (0.0, 1.0))
    ]
    return terms, p["p0"]


@pytest.mark.parametrize("family", ["jorgensen", "cmem"])
def test_reduced_images_match_the_adaptive_forward_model(frame, family):
    """Both unit-amplitude terms, as counts after the PSF, within 0.5 % of the peak pixel of the full model
    (adaptive line-of-sight integrator) on a shipped case's frame, at the start and with both boundaries
    moved out (the reduced model keeps the start's fixed shape)."""
    fm, truth = frame
    model = _models(float(truth.tilt.to_value(u.rad)))[family]
    reduced = ReducedForwardModel(fm, model)
    _, m0 = _unit_terms(model)
    for moved in (model, _rebuilt(model, 1.07 * m0, model.bs + 0.6)):
        terms, m = _unit_terms(moved)
        fast = reduced.term_counts(m, moved.bs, moved.alpha, moved.beta)
        for k, term in enumerate(terms):
            full = fm.source_counts(fm.intensity_values(term.evaluate))
            assert full.max() > 0
            err = np.abs(fast[k] - full).max() / full.max()
            assert err < 5e-3, (family, m, k, err)


def _rebuilt(model, m, bs):
    p = dict(model.parameters)
    if isinstance(model, Jorgensen2019):
        kw = {k: p[k] for k in ("alpha", "beta", "ay_mp", "az_mp", "ay_bs", "az_bs")}
        return Jorgensen2019(mp=m * RE, bs=bs * RE, A1=p["A1"] * _E, A2=p["A2"] * _E, B=p["B"] * _E, **kw)
    kw = {k: p[k] for k in ("B", "alpha", "beta", "p1", "p2", "p3", "ay_bs", "az_bs")}
    return CMEM(
        p0=m, bs=bs * RE, A1=p["A1"] * _E, A2=p["A2"] * _E, pdyn=p["pdyn_nPa"] * u.nPa,
        pm=p["pm_nPa"] * u.nPa, bz=p["bz_nT"] * u.nT, tilt=p["tilt_rad"] * u.rad, **kw,
    )  # fmt: skip


@pytest.mark.parametrize("family", ["jorgensen", "cmem"])
def test_counts_move_continuously_with_the_standoffs(frame, family):
    """The integrals follow a boundary inside an interval: a 1e-3 step of the magnetopause or the shock
    changes the images (no flat steps for the simplex search), by an amount that shrinks with the step."""
    fm, _ = frame
    model = _models(0.1)[family]
    reduced = ReducedForwardModel(fm, model)
    _, m = _unit_terms(model)
    bs, alpha, beta = model.bs, model.alpha, model.beta
    base = reduced.term_counts(m, bs, alpha, beta)
    for dm, dbs, k in ((1e-3, 0.0, 0), (0.0, 1e-3, 1)):
        big = np.abs(reduced.term_counts(m + 10 * dm, bs + 10 * dbs, alpha, beta)[k] - base[k]).sum()
        small = np.abs(reduced.term_counts(m + dm, bs + dbs, alpha, beta)[k] - base[k]).sum()
        assert small > 0
        assert 5 < big / small < 15  # about linear in the step


def _interval_quadrature(fm, model, m, bs, alpha, beta):
    """The kernel's quadrature written out interval by interval (every interval through the crossing
    fractions of interval_part) on every node of the rays, in numpy: the reference for the kernel's
    one-region fast path."""
    offsets, _, s, points = ray_nodes_values(fm.ray_origins, fm.ray_directions, fm.ray_lengths)
    f = model.standoff_form(points[:, 0], points[:, 1], points[:, 2])
    sheath = f.sheath_factor * np.exp(-(alpha + beta * f.sin2_theta) * f.log_r10)
    wind = np.exp(-3.0 * f.log_r10)
    out = np.zeros((2, offsets.size - 1))
    for j in range(out.shape[1]):
        for k in range(offsets[j], offsets[j + 1] - 1):
            lo_m, hi_m = interval_part(f.magnetopause[k], f.magnetopause[k + 1], m, True)
            ds = s[k + 1] - s[k]
            for row, (values, above) in enumerate(((sheath, False), (wind, True))):
                lo_b, hi_b = interval_part(f.bow_shock[k], f.bow_shock[k + 1], bs, above)
                lo, hi = max(lo_m, lo_b), min(hi_m, hi_b)
                if hi > lo:
                    e0, e1 = values[k], values[k + 1]
                    out[row, j] += ds * (hi - lo) * (e0 + (e1 - e0) * 0.5 * (lo + hi))
    return out * INTENSITY_FACTOR


@pytest.mark.parametrize("family", ["jorgensen", "cmem"])
def test_the_kernel_is_its_quadrature_interval_by_interval(frame, family):
    """The compiled kernel takes an interval inside one region as one trapezoid and only sends crossed
    intervals through interval_part: the same sums, to rounding, as taking every interval the long way,
    at boundaries moved in and out (every ray of a shipped frame)."""
    fm, truth = frame
    model = _models(float(truth.tilt.to_value(u.rad)))[family]
    reduced = ReducedForwardModel(fm, model)
    _, m0 = _unit_terms(model)
    for m, bs, alpha, beta in ((m0, model.bs, 2.5, -1.6), (1.1 * m0, model.bs + 2.0, 5.0, 1.5)):
        fast = reduced.intensities(m, bs, alpha, beta).reshape(2, -1)
        slow = _interval_quadrature(fm, model, m, bs, alpha, beta)
        assert slow[0].max() > 0 and slow[1].max() > 0
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12 * slow.max())


@pytest.mark.parametrize("family", ["jorgensen", "cmem"])
def test_intervals_beyond_the_largest_standoffs_are_summed_once(frame, family):
    """With the largest stand-offs given, the intervals in the solar wind at all of them are summed once and
    skipped after: the same images, to rounding, anywhere up to those stand-offs; beyond them, refused."""
    fm, truth = frame
    model = _models(float(truth.tilt.to_value(u.rad)))[family]
    _, m0 = _unit_terms(model)
    largest = (1.3 * m0, model.bs + 6.0)
    every = ReducedForwardModel(fm, model)
    trimmed = ReducedForwardModel(fm, model, largest_standoffs=largest)
    # the far ends of the rays are left out: 22 % of the nodes on this frame at these stand-offs (measured)
    assert trimmed._ray.size < 0.9 * every._ray.size
    for m, bs, alpha, beta in (
        (m0, model.bs, 2.5, -1.6),
        (0.8 * m0, model.bs - 2.0, 5.0, 1.5),
        (*largest, 3, 0),
    ):
        expected = every.intensities(m, bs, alpha, beta)
        assert expected[1].max() > 0
        np.testing.assert_allclose(
            trimmed.intensities(m, bs, alpha, beta), expected, rtol=1e-12, atol=1e-12 * expected.max()
        )
    for m, bs in ((largest[0], largest[1] + 0.1), (largest[0] * 1.01, largest[1]), (math.nan, largest[1])):
        with pytest.raises(InputError, match="beyond the largest"):
            trimmed.intensities(m, bs, 2.5, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-40, 25), min_size=3, max_size=3),
    st.floats(7.0, 12.0),
    st.floats(1.0, 5.0),
    st.floats(1.5, 4.0),
    st.floats(-2.0, 1.0),
    st.floats(-0.4, 0.4),
)
def test_standoff_form_reproduces_evaluate(xyz, mp, gap, alpha, beta, tilt):
    """StandoffForm with a model's own parameters gives that model's emissivity at any point."""
    x, y, z = (np.array([v]) for v in xyz)
    for model in _models(tilt).values():
        p = model.parameters
        m = mp if "mp" in p else p["p0"] * mp / 9.0
        model = _rebuilt(model, m, mp + gap)
        model.alpha, model.beta = alpha, beta
        f = model.standoff_form(x, y, z)
        sheath = model.A1 * f.sheath_factor * np.exp(-(alpha + beta * f.sin2_theta) * f.log_r10)
        wind = model.A2 * np.exp(-3.0 * f.log_r10)
        expected = np.where(f.magnetopause < m, 0.0, np.where(f.bow_shock >= mp + gap, wind, sheath))
        np.testing.assert_allclose(expected, model.evaluate(x, y, z), rtol=1e-9, atol=1e-30)


def test_ray_nodes_span_every_ray_and_gather_near_the_earth():
    origins = np.array([[0.0, 0.0, 18.0], [0.0, 0.0, 18.0]])
    directions = np.array([[0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])
    lengths = np.array([17.0, 80.0])
    offsets, ray, s, points = ray_nodes_values(origins, directions, lengths, 0.03)
    np.testing.assert_array_equal(ray, np.repeat([0, 1], np.diff(offsets)))
    for j in range(2):
        sj = s[offsets[j] : offsets[j + 1]]
        assert sj[0] == 0.0 and sj[-1] == pytest.approx(lengths[j])
        assert np.all(np.diff(sj) >= 0)
    down = np.diff(s[offsets[0] : offsets[1]])
    assert down[-1] < down[0] / 10  # the ray toward the Earth is sampled densest where it reaches it
    np.testing.assert_allclose(np.linalg.norm(points[offsets[0] : offsets[1]], axis=1)[-1], 1.0)


def test_ray_nodes_are_uniform_in_w(frame):
    """The compiled layout against its definition in numpy (module notes): nodes uniform in
    w = asinh((s + b) / q) from the ray's start to its end, each at origin + s d."""
    fm, _ = frame
    o, d, lengths = fm.ray_origins, fm.ray_directions, fm.ray_lengths
    offsets, ray, s, points = ray_nodes_values(o, d, lengths, 0.03)
    b = np.einsum("ij,ij->i", o, d)
    q = np.sqrt(np.maximum(np.einsum("ij,ij->i", o, o) - b * b, 0.0) + 1.0)
    w0, w1 = np.arcsinh(b / q), np.arcsinh((lengths + b) / q)
    count = np.diff(offsets)
    np.testing.assert_array_equal(ray, np.repeat(np.arange(count.size), count))
    k = np.arange(s.size) - offsets[ray]
    w = w0[ray] + (w1 - w0)[ray] * k / (count[ray] - 1)
    expected = np.clip(q[ray] * np.sinh(w) - b[ray], 0.0, lengths[ray])
    # measured on this frame: 2.8e-14 RE (libm's sinh against numpy's), the points exactly
    np.testing.assert_allclose(s, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(points, o[ray] + s[:, None] * d[ray], rtol=0, atol=1e-12)


def test_batched_psf_is_the_linear_convolution(frame):
    """source_counts on a stack equals scipy's direct fftconvolve of each image (edge-padded, 'valid')."""
    fm, _ = frame
    rng = np.random.default_rng(4)
    stack = rng.uniform(0.0, 1.0, (2, *fm.directions.shape[:2]))
    got = fm.source_counts(stack)
    kernel = np.outer(fm.psf_profile, fm.psf_profile)  # the 2-D PSF (tests/science/test_forward.py)
    for k in range(2):
        padded = np.pad(stack[k], fm._pad, mode="edge") if fm._pad else stack[k]
        ref = np.maximum(fftconvolve(padded * fm.weight, kernel, mode="valid"), 0.0) * fm.coverage
        np.testing.assert_allclose(got[k], ref, rtol=1e-10, atol=1e-12 * ref.max())
        np.testing.assert_allclose(fm.source_counts(stack[k]), got[k], rtol=1e-12, atol=0)
    # the axes swapped, or the images flattened: refused, not convolved as something else
    for wrong in (stack.transpose(0, 2, 1), stack.reshape(2, -1)):
        with pytest.raises(InputError, match="on the extended sky grid"):
            fm.source_counts(wrong)


def test_bad_input(frame):
    fm, truth = frame
    with pytest.raises(InputError, match="standoff_form"):
        ReducedForwardModel(fm, SWCXEmissivity.from_solar_wind(truth.state))
    with pytest.raises(InputError, match="spacing"):
        ReducedForwardModel(fm, _models(0.0)["jorgensen"], spacing=0.0)
    j = _rebuilt(_models(0.0)["jorgensen"], 9.0, 11.0)
    j.A1 = 0.0
    with pytest.raises(InputError, match="A1"):
        j.standoff_form(np.array([10.0]), np.array([0.0]), np.array([0.0]))
