"""The reduced forward model of the cusp funnel against the full model, and its invariants."""

import math

import astropy.units as u
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.truth import case_truth, simulate_l2
from smilekit.errors import InputError
from smilekit.geospace.cusps import gsm_to_sm_values
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.imaging.los import INTENSITY_FACTOR, los_integral_values
from smilekit.science.boundary_fit import rebinned_frame
from smilekit.science.cusps import CUSP_HALF_WIDTH_DEG, CUSP_INNER_RADIUS, CuspFunnel
from smilekit.science.forward import ForwardModel
from smilekit.science.reduced_cusp import ReducedFunnelModel, funnel_pieces_values

#: Path length (RE) of the reference integrals; the funnel is checked to be empty beyond it.
REFERENCE_LENGTH = 40.0


@pytest.fixture(scope="module")
def frame():
    """A shipped in-domain case's forward model on 1 deg pixels, its tilt and a fitted-like magnetopause."""
    cases, _ = read_cases(data_path(SHIPPED_CASES))
    case = next(c for c in cases if c.case_id == "case082")
    truth = case_truth(case)
    fm = ForwardModel(rebinned_frame(simulate_l2(case, truth), 0, 1.0))
    surface = Jorgensen2019.from_solar_wind(truth.state, warn=False).magnetopause_values
    return fm, float(truth.tilt.to_value(u.rad)), surface


def _reduced(fm, tilt, surface, sign=1.0):
    return ReducedFunnelModel(
        fm,
        surface,
        tilt_rad=tilt,
        sign=sign,
        inner_radius=CUSP_INNER_RADIUS,
        half_width_deg=CUSP_HALF_WIDTH_DEG,
    )


@pytest.mark.parametrize("edges", [(71.0, 74.0), (75.2, 75.8)])
def test_funnel_images_match_the_full_model(frame, edges):
    """The funnel's counts after the PSF within 0.5 % of the peak pixel of the full model
    (CuspFunnel.evaluate) integrated by the fixed-step midpoint rule at 0.002 RE, a wide and a narrow
    funnel. The adaptive integrator is no reference here: it misses parts of these thin layers (measured:
    1.4-7 % of the peak pixel off the fine rule on this frame, the reduced model 0.15-0.35 %)."""
    fm, tilt, surface = frame
    funnel = CuspFunnel(*edges, tilt_rad=tilt, sign=1.0, magnetopause=surface)
    # the reference stops at REFERENCE_LENGTH: nothing of the broadest funnel lies beyond
    s = np.arange(REFERENCE_LENGTH, 80.0, 0.05)
    far = fm.ray_origins[:, None, :] + s[None, :, None] * fm.ray_directions[:, None, :]
    far = far[s[None, :] < fm.ray_lengths[:, None]]
    wide = CuspFunnel(60.0, 88.0, tilt_rad=tilt, sign=1.0, magnetopause=surface)
    assert not np.any(wide.evaluate(far[:, 0], far[:, 1], far[:, 2]))
    integral, _ = los_integral_values(
        funnel.evaluate, fm.ray_origins, fm.ray_directions, np.minimum(fm.ray_lengths, REFERENCE_LENGTH),
        step=0.002, threads=1,
    )  # fmt: skip
    full = fm.source_counts((integral * INTENSITY_FACTOR).reshape(fm.directions.shape[:2]))
    fast = _reduced(fm, tilt, surface).counts([edges])[0]
    assert full.max() > 0
    err = np.abs(fast - full).max() / full.max()
    assert err < 5e-3, (edges, err)


def test_counts_move_continuously_with_the_edges(frame):
    """The integrals follow an edge inside an interval: a 1e-3 deg step changes the image (no flat steps
    for the simplex search or the curvature), about linearly in the step; a stack of edges gives each
    one's image."""
    fm, tilt, surface = frame
    reduced = _reduced(fm, tilt, surface)
    base = np.array([72.0, 75.0])
    steps = [base + d for d in ([1e-3, 0], [1e-2, 0], [0, 1e-3], [0, 1e-2])]
    images = reduced.counts([base, *steps])
    for k in (0, 2):
        small = np.abs(images[k + 1] - images[0]).sum()
        big = np.abs(images[k + 2] - images[0]).sum()
        assert small > 0
        assert 5 < big / small < 15
    assert np.allclose(images[3], reduced.counts([steps[2]])[0], rtol=1e-12, atol=0)
    # a wider funnel holds more: the poleward edge moved out adds counts, the equatorward one removes
    assert images[2].sum() < images[0].sum() < images[4].sum()


def test_bad_surface_is_refused(frame):
    fm, tilt, _ = frame
    with pytest.raises(InputError):
        _reduced(fm, tilt, 9.0)
    with pytest.raises(InputError):
        ReducedFunnelModel(
            fm, lambda t, p: t, tilt_rad=tilt, sign=1.0, inner_radius=3.0, half_width_deg=22.5, spacing=0.0
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-20, 20), min_size=3, max_size=3),
    st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda d: math.hypot(*d) > 0.1),
    st.floats(5.0, 60.0),
    st.floats(-0.6, 0.6),
    st.sampled_from([1.0, -1.0]),
)
@example([0.0, 2.0, 0.0], [0.0, 0.0, 1.0], 5.0, 2.2250738585072014e-308, 1.0)  # a ray along a wedge plane
def test_ray_pieces_are_the_fixed_region(origin, direction, length, tilt, sign):
    """The pieces of a ray are where it lies in the funnel's hemisphere and MLT wedge and outside the
    inner sphere, the conditions of CuspFunnel.evaluate, checked on dense samples of the ray."""
    o = np.array([origin], dtype=np.float64)
    d = np.array([direction], dtype=np.float64)
    d /= np.linalg.norm(d)
    ray, start, size = funnel_pieces_values(o, d, np.array([length]), tilt, sign, 3.0, CUSP_HALF_WIDTH_DEG)
    assert np.all(ray == 0) and np.all(size > 0) and np.all(start >= 0)
    assert np.all(start + size <= length * (1 + 1e-12))
    s = np.linspace(0.0, length, 4001)
    p = o + s[:, None] * d
    xs, ys, zs = gsm_to_sm_values(p[:, 0], p[:, 1], p[:, 2], tilt)
    r = np.linalg.norm(p, axis=1)
    margin = 1e-6 * (1.0 + r)  # points on a boundary may go either way
    inside = (
        (sign * zs > margin)
        & (r > 3.0 + margin)
        & (np.abs(ys) < math.tan(math.radians(CUSP_HALF_WIDTH_DEG)) * xs - margin)
    )
    outside = (
        (sign * zs < -margin)
        | (r < 3.0 - margin)
        | (np.abs(ys) > math.tan(math.radians(CUSP_HALF_WIDTH_DEG)) * xs + margin)
    )
    in_piece = np.zeros(s.size, dtype=bool)
    for a, n in zip(start, size, strict=True):
        in_piece |= (s >= a - 1e-9) & (s <= a + n + 1e-9)
    assert not np.any(inside & ~in_piece)
    assert not np.any(outside & in_piece)
