"""The reduced forward model of the boundary fits: rays sampled once, the model a function of its stand-offs.

A boundary fit (:mod:`smilekit.science.boundary_fit`) varies only the stand-offs of its emissivity model (the
magnetopause parameter ``m`` and the bow shock ``bs``), the sheath exponents ``alpha``, ``beta`` and the two
amplitudes; everything else about the model at a fixed point is fixed
(:class:`~smilekit.geospace.emissivity.StandoffForm`). So the rays of the image are sampled once, the form is
evaluated once on those nodes, and each likelihood evaluation only integrates the two unit-amplitude terms
(sheath, solar wind) along the precomputed nodes, then applies the PSF to both images at once (the separable
convolution of :meth:`~smilekit.science.forward.ForwardModel.source_counts`). The integration is three passes,
each a simple loop: the sheath emissivity at every node (its exponent in a vectorised kernel, then numpy's
SIMD ``exp``), the trapezoid of every interval that one region holds whole (a branch-free kernel, summed ray
by ray with ``numpy.add.reduceat``), and the few intervals a boundary crosses. Given the largest stand-offs
a fit will ask for (its parameter box), the intervals beyond both boundaries at those lie in the solar wind
at every evaluation: their wind term is summed once, and the passes skip them (the far ends of the rays:
a quarter of the nodes of the default event's frames, a tenth of some case frames).

Sampling: the nodes of a ray from the spacecraft are uniform in ``w = asinh((s + b) / q)``, with ``s`` the
distance along the ray, ``-b`` the distance of the ray's closest approach to the Earth and ``q`` that
closest approach (``+ 1 RE``): dense near the Earth where the emissivity (``~ r^-3``) and the boundaries
are, sparse far out, as the adaptive integrator of the full model ends up. With spacing ``dw``
(:data:`NODE_SPACING`), an interval near the closest approach is ``q dw`` long, and about
``s dw`` at distance ``s`` beyond.

Boundaries inside an interval: the region coordinates (``magnetopause`` and ``bow_shock`` of the form) are
taken as linear across each interval, so the part of the interval inside each region, and hence the
integral, moves continuously with ``m`` and ``bs`` (a sampled step would make the likelihood piecewise
flat, which stalls the simplex search); each term's emissivity is taken as linear over that part
(trapezoid). The tests compare the result with the full adaptive forward model
(:meth:`~smilekit.science.forward.ForwardModel.expected`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from smilekit.errors import InputError
from smilekit.imaging.los import INTENSITY_FACTOR

__all__ = [
    "NODE_SPACING",
    "ReducedForwardModel",
    "crossed_interval_values",
    "interval_part",
    "ray_nodes_values",
    "sheath_exponent_values",
    "whole_interval_values",
]

#: Node spacing in w = asinh((s + b) / q) (module notes): 0.03 puts the images within 0.5 % of the
#: adaptive integrator's peak pixel on the shipped cases (tests) and moves fitted stand-offs by < 0.01 RE
#: on average (benchmarks/README.md).
NODE_SPACING = 0.03


@numba.njit(cache=True, nogil=True, error_model="numpy")
def interval_part(g0, g1, level, above):  # pragma: no cover - compiled
    """Kernel: the part [lo, hi] of an interval (0 to 1) where g, linear from g0 to g1, is >= level
    (``above``) or < level; (1, 0) when there is none."""
    if above:
        in0, in1 = g0 >= level, g1 >= level
    else:
        in0, in1 = g0 < level, g1 < level
    if in0 and in1:
        return 0.0, 1.0
    if not in0 and not in1:
        return 1.0, 0.0
    c = (level - g0) / (g1 - g0)
    if in0:
        return 0.0, c
    return c, 1.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sheath_exponent_values(log_r10, sin2_log_r10, alpha, beta, out):  # pragma: no cover - compiled
    """Kernel: ``-(alpha + beta sin^2 theta) log_r10`` at every node, into ``out``: the exponent of the sheath
    emissivity (a branch-free loop the compiler vectorises; numpy's SIMD ``exp`` then takes it, several
    times cheaper than a scalar ``exp`` per node inside the integration loop)."""
    for k in range(out.size):
        out[k] = -(alpha * log_r10[k] + beta * sin2_log_r10[k])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def whole_interval_values(
    half_ds, magnetopause, bow_shock, sheath, wind_trapezoid, m, bs, sheath_part, wind_part, crossed
):  # pragma: no cover - compiled
    """Kernel: each interval's trapezoid where one region holds it whole, and which ones a boundary crosses.

    Interval k runs from node k to node k + 1 of one ray (``half_ds[k]`` half its length, 0 where nodes k
    and k + 1 bound no interval to integrate: a ray's end, or the gap the always-in-wind intervals left).
    Written: ``sheath_part[k]`` (the sheath term at unit A1 where the interval lies in the sheath),
    ``wind_part[k]`` (the wind term, from ``wind_trapezoid``, where it lies beyond the shock), and
    ``crossed[k]`` (1 where a boundary crosses it outside the magnetopause:
    :func:`crossed_interval_values` adds those). Branch-free, so the compiler vectorises it.
    """
    for k in range(half_ds.size - 1):
        out0 = magnetopause[k] >= m
        out1 = magnetopause[k + 1] >= m
        in0 = bow_shock[k] < bs
        in1 = bow_shock[k + 1] < bs
        sheath_whole = out0 & out1 & in0 & in1
        wind_whole = out0 & out1 & (not in0) & (not in1)
        sheath_part[k] = half_ds[k] * (sheath[k] + sheath[k + 1]) if sheath_whole else 0.0
        wind_part[k] = wind_trapezoid[k] if wind_whole else 0.0
        crossed[k] = np.uint8((out0 | out1) & (not (sheath_whole | wind_whole)) & (half_ds[k] > 0.0))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def crossed_interval_values(
    ray, half_ds, magnetopause, bow_shock, sheath, wind, m, bs, crossed, out
):  # pragma: no cover - compiled
    """Kernel: add to ``out`` ((2, n_rays): sheath, wind) the part in each region of each interval a
    boundary crosses (``crossed``, :func:`whole_interval_values`; interval k is of ray ``ray[k]``): the
    region coordinates taken as linear across the interval (:func:`interval_part`), each term's emissivity
    as linear over its part (trapezoid)."""
    for k in range(crossed.size):
        if not crossed[k]:
            continue
        ds = 2.0 * half_ds[k]
        lo_m, hi_m = interval_part(magnetopause[k], magnetopause[k + 1], m, True)
        lo_b, hi_b = interval_part(bow_shock[k], bow_shock[k + 1], bs, False)
        lo, hi = max(lo_m, lo_b), min(hi_m, hi_b)
        if hi > lo:
            out[0, ray[k]] += ds * (hi - lo) * (sheath[k] + (sheath[k + 1] - sheath[k]) * 0.5 * (lo + hi))
        lo_b, hi_b = interval_part(bow_shock[k], bow_shock[k + 1], bs, True)
        lo, hi = max(lo_m, lo_b), min(hi_m, hi_b)
        if hi > lo:
            out[1, ray[k]] += ds * (hi - lo) * (wind[k] + (wind[k + 1] - wind[k]) * 0.5 * (lo + hi))


def ray_nodes_values(origins, directions, lengths, spacing: float = NODE_SPACING):
    """Kernel: the nodes of every ray, uniform in w = asinh((s + b) / q) (module notes).

    Parameters
    ----------
    origins, directions : numpy.ndarray
        (n, 3) ray starts (RE) and unit vectors.
    lengths : numpy.ndarray
        (n,) ray lengths (RE).
    spacing : float
        Node spacing in w (at least 5 nodes a ray).

    Returns
    -------
    offsets : numpy.ndarray
        (n + 1,) int64; ray j's nodes are ``offsets[j]:offsets[j + 1]``, from s = 0 to its length.
    ray : numpy.ndarray
        (n_nodes,) int64, the ray of each node.
    s : numpy.ndarray
        Distance along the ray (RE).
    points : numpy.ndarray
        (n_nodes, 3) positions (RE).
    """
    b = np.einsum("ij,ij->i", origins, directions)
    q = np.sqrt(np.maximum(np.einsum("ij,ij->i", origins, origins) - b * b, 0.0) + 1.0)
    w0, w1 = np.arcsinh(b / q), np.arcsinh((lengths + b) / q)
    n = np.maximum(np.ceil((w1 - w0) / spacing).astype(np.int64), 4) + 1
    offsets = np.concatenate([[0], np.cumsum(n)])
    ray = np.empty(offsets[-1], dtype=np.int64)
    s = np.empty(offsets[-1])
    points = np.empty((offsets[-1], 3))
    _fill_nodes(origins, directions, lengths, b, q, w0, w1, offsets, ray, s, points)
    return offsets, ray, s, points


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _fill_nodes(origins, directions, lengths, b, q, w0, w1, offsets, ray, s, points):  # pragma: no cover
    """Kernel of :func:`ray_nodes_values`: each ray's nodes uniform in w from ``w0`` to ``w1``, their ray,
    distance (clipped to the ray) and position, written in one pass."""
    for j in range(offsets.size - 1):
        first, count = offsets[j], offsets[j + 1] - offsets[j]
        for k in range(count):
            i = first + k
            w = w0[j] + (w1[j] - w0[j]) * k / (count - 1)
            sk = min(max(q[j] * math.sinh(w) - b[j], 0.0), lengths[j])
            ray[i] = j
            s[i] = sk
            for c in range(3):
                points[i, c] = origins[j, c] + sk * directions[j, c]


class ReducedForwardModel:
    """The two unit-amplitude count images of a boundary fit at any stand-offs (module notes).

    Parameters
    ----------
    forward : ForwardModel
        The full forward model of the frame (geometry, PSF, weights).
    model : Jorgensen2019 or CMEM
        An emissivity model with ``standoff_form``; its fixed parameters (flaring, B, the Lin shape) are
        the ones the reduced model keeps.
    spacing : float, optional
        Node spacing (:data:`NODE_SPACING`).
    largest_standoffs : tuple of float, optional
        ``(m, bs)``, the largest magnetopause parameter and bow-shock stand-off :meth:`intensities` will be
        asked for (a fit's parameter box): the intervals beyond both at every such stand-off lie in the
        solar wind whatever the stand-offs, so their wind term is summed once here and the evaluations skip
        them (module notes). :meth:`intensities` refuses larger stand-offs. None: every interval is
        integrated at every evaluation.
    """

    def __init__(self, forward, model, *, spacing: float = NODE_SPACING, largest_standoffs=None):
        if not callable(getattr(model, "standoff_form", None)):
            raise InputError(
                f"model must have standoff_form (Jorgensen2019, CMEM), got {type(model).__name__}"
            )
        if not (isinstance(spacing, int | float) and 0 < spacing <= 0.5):
            raise InputError(f"spacing must be a number in (0, 0.5], got {spacing!r}")
        self.forward = forward
        offsets, ray, s, points = ray_nodes_values(
            forward.ray_origins, forward.ray_directions, forward.ray_lengths, float(spacing)
        )
        f = model.standoff_form(points[:, 0], points[:, 1], points[:, 2])
        wind = np.exp(-3.0 * f.log_r10)
        # interval k: nodes k to k + 1; half its length, 0 where node k ends its ray (no interval there)
        n = s.size
        half_ds = np.zeros(n)
        half_ds[:-1] = 0.5 * np.diff(s)
        half_ds[offsets[1:] - 1] = 0.0
        wind_trapezoid = np.zeros(n)
        wind_trapezoid[:-1] = half_ds[:-1] * (wind[:-1] + wind[1:])
        fixed = np.zeros(n, dtype=bool)  # intervals in the solar wind at every stand-off asked for
        self.largest_standoffs = None
        if largest_standoffs is not None:
            m_max, bs_max = (float(v) for v in largest_standoffs)
            beyond = (f.magnetopause >= m_max) & (f.bow_shock >= bs_max)
            fixed[:-1] = beyond[:-1] & beyond[1:] & (half_ds[:-1] > 0.0)
            self.largest_standoffs = (m_max, bs_max)
        self._wind_fixed = np.bincount(ray[fixed], weights=wind_trapezoid[fixed], minlength=forward.n_rays)
        # the nodes of the other intervals (a live interval's end node is kept: it is the next kept node)
        live = (half_ds > 0.0) & ~fixed
        keep = live.copy()
        keep[1:] |= live[:-1]
        keep[offsets[:-1]] = True  # every ray's first node: no ray is left without one (reduceat)
        node = np.flatnonzero(keep)
        interval = live[node]
        self._magnetopause, self._bow_shock = f.magnetopause[node], f.bow_shock[node]
        self._sheath_factor, self._log_r10 = f.sheath_factor[node], f.log_r10[node]
        self._sin2_log_r10 = f.sin2_theta[node] * f.log_r10[node]
        self._wind = wind[node]
        self._half_ds = np.where(interval, half_ds[node], 0.0)
        self._wind_trapezoid = np.where(interval, wind_trapezoid[node], 0.0)
        self._ray = ray[node]
        self._offsets = np.searchsorted(self._ray, np.arange(forward.n_rays))  # each ray's first kept node
        m = node.size
        self._sheath, self._parts = np.empty(m), np.zeros((2, m))
        self._crossed = np.zeros(max(m - 1, 0), dtype=np.uint8)
        self._out = np.empty((2, forward.n_rays))

    def intensities(self, m: float, bs: float, alpha: float, beta: float) -> np.ndarray:
        """(2, nv + 2 h, nu + 2 h) intensities (keV cm^-2 s^-1 sr^-1): sheath at A1 = 1, wind at A2 = 1.

        Raises
        ------
        InputError
            For stand-offs beyond ``largest_standoffs``.
        """
        if self.largest_standoffs is not None and not (
            m <= self.largest_standoffs[0] and bs <= self.largest_standoffs[1]
        ):  # NaN too
            raise InputError(
                f"stand-offs (m, bs) = ({m:g}, {bs:g}) lie beyond the largest this reduced model was made "
                f"for, {self.largest_standoffs}"
            )
        sheath, parts, out, ray = self._sheath, self._parts, self._out, self._ray
        sheath_exponent_values(self._log_r10, self._sin2_log_r10, float(alpha), float(beta), sheath)
        np.multiply(np.exp(sheath, out=sheath), self._sheath_factor, out=sheath)
        whole_interval_values(
            self._half_ds, self._magnetopause, self._bow_shock, sheath, self._wind_trapezoid, float(m),
            float(bs), parts[0], parts[1], self._crossed,
        )  # fmt: skip
        np.add.reduceat(parts, self._offsets, axis=1, out=out)  # the whole intervals, ray by ray
        out[1] += self._wind_fixed
        crossed_interval_values(
            ray, self._half_ds, self._magnetopause, self._bow_shock, sheath, self._wind, float(m), float(bs),
            self._crossed, out,
        )  # fmt: skip
        return (out * INTENSITY_FACTOR).reshape(2, *self.forward.directions.shape[:2])

    def term_counts(self, m: float, bs: float, alpha: float, beta: float) -> np.ndarray:
        """(2, nv, nu) expected SWCX counts of the two terms at unit amplitude (PSF and coverage applied)."""
        return self.forward.source_counts(self.intensities(m, bs, alpha, beta))
