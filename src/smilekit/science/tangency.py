"""The stand-off of the Shue-type surface that a line of sight is tangent to: the limb methods' geometry.

A line of sight ``L(s) = P + s d`` (GSM) is tangent to the axisymmetric Shue-type surface
``r = r0 (2 / (1 + cos theta))^alpha`` (Shue et al. 1997, J. Geophys. Res. 102, 9497, :cite:`shue1997`)
when ``r0 = min_s |L(s)| ((1 + cos theta(s)) / 2)^alpha``: the surface through the point of the line that
is deepest inside the family. :func:`tangent_standoff_values` finds that minimum for many lines at once
(compiled); the limb methods of :mod:`smilekit.science.tangent` turn image directions into stand-offs
with it.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from smilekit.errors import InputError

__all__ = ["tangent_standoff_values"]

_THETA_MAX = np.radians(120.0)  # tangency searched on the part of the line with theta below this
_COS_THETA_MAX = float(np.cos(_THETA_MAX))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _r_half(o, d, s):  # pragma: no cover - compiled
    """r and (1 + cos theta)/2 at L(s) = o + s d (o, d: (3,); theta from +X)."""
    x = o[0] + s * d[0]
    y = o[1] + s * d[1]
    z = o[2] + s * d[2]
    r = math.sqrt(x * x + y * y + z * z)
    half = 0.5 * (1.0 + x / max(r, 1e-12))
    if half < 0.0:  # clipped; NaN stays NaN, as with np.clip
        half = 0.0
    return r, half


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _shue_depth(o, d, s, alpha):  # pragma: no cover - compiled
    """r ((1 + cos theta)/2)^alpha at L(s) = o + s d."""
    r, half = _r_half(o, d, s)
    return r * half**alpha


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _tangent_standoff_kernel(origin, directions, alpha, grid):  # pragma: no cover - compiled
    """Kernel of :func:`tangent_standoff_values`: grid bracket then golden-section search, line by line.

    Parameters
    ----------
    origin, directions : numpy.ndarray
        (N, 3) float64: start (RE, GSM) and unit direction of each line.
    alpha : numpy.ndarray
        (N,) flaring exponents.
    grid : numpy.ndarray
        (n_grid,) the bracketing grid as fractions of the searched length, ``linspace(0, 1, n_grid)``.

    Returns
    -------
    r0, s : numpy.ndarray
        (N,) stand-off distances (RE) and path lengths to the tangent point; NaN where rejected.
    """
    n_grid = grid.size
    g = 0.5 * (math.sqrt(5.0) - 1.0)
    f = np.empty(n_grid)
    r0 = np.empty(directions.shape[0])
    s_best = np.empty(directions.shape[0])
    for i in range(directions.shape[0]):
        o, d, a = origin[i], directions[i], alpha[i]
        s_max = math.sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]) + 40.0
        # bracket: the grid minimum over the part of the line with theta < 120 deg
        for j in range(n_grid):
            r, half = _r_half(o, d, grid[j] * s_max)
            f[j] = r * half**a if 2.0 * half - 1.0 > _COS_THETA_MAX else np.inf
        k = np.argmin(f)  # the first NaN, if any, as in numpy
        edge = k == 0 or k == n_grid - 1 or not np.isfinite(f[k])
        edge = edge or not np.isfinite(f[min(k + 1, n_grid - 1)])
        step = s_max / (n_grid - 1)
        lo = max(grid[k] * s_max - step, 0.0)
        hi = grid[k] * s_max + step
        # refine: golden-section search on [lo, hi] (a1 < b1 the inner points)
        a1 = hi - g * (hi - lo)
        b1 = lo + g * (hi - lo)
        fa = _shue_depth(o, d, a1, a)
        fb = _shue_depth(o, d, b1, a)
        for _ in range(40):
            if fa < fb:
                hi = b1
                b1, fb = a1, fa
                a1 = hi - g * (hi - lo)
                fa = _shue_depth(o, d, a1, a)
            else:
                lo = a1
                a1, fa = b1, fb
                b1 = lo + g * (hi - lo)
                fb = _shue_depth(o, d, b1, a)
        s_best[i] = 0.5 * (lo + hi)
        r0[i] = _shue_depth(o, d, s_best[i], a)
        # a minimum at the start of the line (s = 0) is the spacecraft itself: no tangency
        if edge and not (k == 0 and s_best[i] > 0.5 * step):
            r0[i] = np.nan
            s_best[i] = np.nan
    return r0, s_best


def tangent_standoff_values(origin, directions, alpha, *, n_grid: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: the stand-off r0 of the Shue-type surface tangent to each line of sight, and where.

    For the line ``L(s) = origin + s d`` (RE, GSM, ``s >= 0``) and the axisymmetric surface
    ``r = r0 (2 / (1 + cos theta))^alpha`` (Shue et al. 1997, eq. 1 form; theta from +X), the point of
    the line deepest inside the family has ``r0 = min_s |L(s)| ((1 + cos theta(s)) / 2)^alpha``; the line
    touches that surface there and crosses every smaller one. The minimum is bracketed on a grid in
    ``s`` over the part of the line with ``theta < 120 deg`` (the open tail of the family would otherwise
    contain every line that crosses it) and refined by golden-section search.

    Parameters
    ----------
    origin : array_like
        Start of the lines (RE, GSM), (3,) or (N, 3).
    directions : array_like
        Unit directions (GSM), (N, 3).
    alpha : float or array_like
        Flaring exponent, scalar or (N,).
    n_grid : int
        Grid points of the bracketing search.

    Returns
    -------
    r0, s : ndarray
        (N,) stand-off distances (RE) and the path length to the tangent point; NaN where the minimum
        lies at the end of the searched part (no tangency on the dayside within it).
    """
    if isinstance(n_grid, bool) or not isinstance(n_grid, int | np.integer) or n_grid < 3:
        raise InputError(f"n_grid must be an integer >= 3, got {n_grid!r}")
    d = np.atleast_2d(np.asarray(directions, dtype=np.float64))
    o = np.asarray(origin, dtype=np.float64)
    shape = np.broadcast_shapes(o.shape, d.shape)
    o = np.array(np.broadcast_to(o, shape), order="C")  # plain (N, 3) copies for the kernel
    d = np.array(np.broadcast_to(d, shape), order="C")
    alpha = np.array(np.broadcast_to(np.asarray(alpha, dtype=np.float64), (d.shape[0],)))
    return _tangent_standoff_kernel(o, d, alpha, np.linspace(0.0, 1.0, int(n_grid)))
