"""The compiled tangency kernel (:func:`smilekit.science.tangency.tangent_standoff_values`) against a dense
grid, on a batch of lines with their own origins and flaring exponents."""

from __future__ import annotations

import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.science import tangency

# (origin RE GSM, target RE GSM, alpha): dayside, high-latitude, flank and nightside viewpoints
LINES = [
    ((6.0, -3.0, 18.0), (9.0, 0.0, 2.0), 0.58),
    ((6.0, -3.0, 18.0), (8.0, 4.0, -1.0), 0.40),
    ((11.3, 5.9, 14.8), (7.9, 0.0, 0.0), 0.70),
    ((11.3, 5.9, 14.8), (10.0, -3.0, 3.0), 0.90),
    ((-5.0, 12.0, 15.0), (8.0, 0.0, 0.0), 0.58),
    ((-5.0, 12.0, 15.0), (6.0, 5.0, 4.0), 0.30),
    ((2.0, -18.0, 6.0), (9.5, 0.0, 1.0), 0.65),
    ((20.0, 2.0, 3.0), (5.0, 10.0, 8.0), 0.58),  # from upstream
    # no tangency (NaN): looking away from the dayside, and through the Earth (the minimum is where the
    # searched part ends, theta jumping past 120 deg)
    ((6.0, 0.0, 18.0), (6.0, 0.0, 40.0), 0.60),
    ((20.0, 2.0, 3.0), (0.0, 0.0, 0.0), 0.58),
]


def _dense_minimum(origin, d, alpha, n=200_001):
    """(min, argmin s, argmin index, last searched index) of r ((1 + cos theta)/2)^alpha, theta < 120 deg,
    on a dense grid over the searched length |origin| + 40 RE."""
    s = np.linspace(0.0, np.linalg.norm(origin) + 40.0, n)
    p = origin[None, :] + s[:, None] * d[None, :]
    r = np.linalg.norm(p, axis=1)
    cos_t = p[:, 0] / r
    f = np.where(cos_t > -0.5, r * (0.5 * (1.0 + cos_t)) ** alpha, np.inf)
    k = int(np.argmin(f))
    return f[k], s[k], k, int(np.flatnonzero(np.isfinite(f))[-1])


def test_kernel_batch_matches_dense_grid():
    origins = np.array([o for o, _, _ in LINES])
    d = np.array([t for _, t, _ in LINES]) - origins
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    alphas = np.array([a for _, _, a in LINES])
    r0, s = tangency.tangent_standoff_values(origins, d, alphas)
    assert r0.shape == s.shape == (len(LINES),)
    for i in range(len(LINES)):
        f_min, s_min, k, k_end = _dense_minimum(origins[i], d[i], alphas[i])
        # each line is independent of the others in the batch
        one = tangency.tangent_standoff_values(origins[i], d[i][None, :], alphas[i])
        np.testing.assert_array_equal([one[0][0], one[1][0]], [r0[i], s[i]])
        # NaN exactly where the dense minimum is at an end of the searched part
        assert np.isnan(r0[i]) == np.isnan(s[i]) == (k in (0, k_end))
        if k in (0, k_end):
            continue
        # Dense step h ~ 2.5e-4 RE: its minimum overestimates the true one by at most f'' h^2 / 8 < 1e-7
        # (f'' < 1/RE here), while the golden-section result is the true minimum to rounding; the kernel
        # must not be above the dense minimum (that would be a missed, deeper minimum elsewhere).
        assert f_min - 1e-6 <= r0[i] <= f_min + 1e-12
        # the minimiser: the dense argmin lies within one dense step of it
        assert abs(s[i] - s_min) < 1e-3
    assert np.isfinite(r0[:-2]).all() and np.isnan(r0[-2:]).all()


def test_a_grid_too_small_to_bracket_a_minimum_is_refused():
    for bad in (1, 2, 2.5, True):
        with pytest.raises(InputError, match="n_grid"):
            tangency.tangent_standoff_values([20.0, 0.0, 5.0], [[-1.0, 0.0, 0.0]], 0.5, n_grid=bad)
