"""The adaptive line-of-sight scheme: nodes that follow the emissivity, refined where it jumps.

The default integration of :func:`smilekit.imaging.los.los_integral_values` (``step=None``).

Integration (``step=None``, the default)
----------------------------------------
The SWCX emissivity is smooth except on a few surfaces (magnetopause, bow shock, cusp edges, an inner
cut-off radius, the edge of a cube) where it jumps, and far out it falls off as a power of the
geocentric distance r. A ray from origin o along d is parametrised by u = s + b (s the path length,
b = o . d, so u = 0 at the point of closest approach to the Earth's centre, at distance p) and the
variable ``w = asinh(u / q)`` with ``q = sqrt(p^2 + 1 RE^2)``: ``du/dw = sqrt(u^2 + q^2)``, about r, so
nodes uniform in w are spaced in proportion to r, dense near the Earth and sparse far out, where an
r^-3 emissivity times du/dw ~ r is a smooth r^-2. Where the source emits within :data:`NEAR_CHECK` of
the Earth, the nodes also close in on the Earth: with
``c = r0 / max(q, r_floor)`` (:data:`NEAR_RADIUS`, :data:`NEAR_FLOOR`),

    w(t) = t - 2 c x / sqrt(1 + x^2),    x = t / (2 (1 + c)),

so that nodes uniform in t are (1 + c) times denser around the point of closest approach and the
density relaxes to that of w away from it (an algebraic stand-in for the node density
(1 / r) (1 + r0 / r), cheap to evaluate in closed form). The integrand is F(t) = eta(x(t)) du/dt. Then:

1. All rays are sampled at once on nodes uniform in t (about :data:`T_STEP` apart, at least
   :data:`MIN_INTERVALS` intervals per ray), in vectorised ``source.evaluate`` calls. A first look
   with c = 0 samples every other node, then the others except those within :data:`NEAR_CHECK` of the
   Earth between two nodes without emission (an empty inner magnetosphere costs half); if anything
   within :data:`NEAR_CHECK` emits, the nodes are laid out again closing in on the Earth and all
   sampled.
2. An interval whose end values differ by more than :data:`JUMP_FRACTION` of their sum, or by more than
   :data:`JUMP_RATIO` times the change in both neighbouring intervals, holds a jump or an unresolved
   feature. Where its possible error, width times change, exceeds :data:`TOLERANCE` of the ray's
   integral (its magnitude, estimated by the trapezoid rule on the nodes), it is refined (and its
   neighbours, where it holds a ramp rather than a jump, :data:`RAMP_FRACTION`): all such intervals
   of all rays are split at their midpoints together, one ``evaluate`` per round (at most
   :data:`MAX_ROUNDS`). A half is split again while the parent departs from linearity and the half's
   own possible error both exceed the threshold, so a jump keeps only its half (a bisection), a narrow
   peak or dip both. Finished halves are integrated by Simpson's rule when the parent was smooth, else
   by the trapezoid rule.
3. Features found on a ray are looked for on its neighbours (adjacent entries of ``directions``, e.g.
   the adjacent pixels of an image): each neighbour is sampled at the same path length (the middles of
   layers first, at most :data:`PROBES_PER_CELL` per interval) and, where the sample departs from the
   linear interpolation of its interval (or, beside a feature already resolved there, jumps away from
   the value on its side), that interval is refined again as in 2; repeated while new features turn up
   (at most :data:`COHERENCE_PASSES` rounds). This catches layers thinner than the node spacing (a cusp
   funnel, a magnetopause grazed by the ray) that only some rays happen to sample.
4. The smooth runs between refined intervals are integrated with the exact integral of the cubic
   through four consecutive nodes: h/24 (-F[i-1] + 13 F[i] + 13 F[i+1] - F[i+2]) inside a run and the
   one-sided variants h/24 (9 F[i] + 19 F[i+1] - 5 F[i+2] + F[i+3]) (mirrored) at its ends, so no node
   from one side of a jump is used on the other side.

Measured (benchmarks/bench_sxi_los.py, figures in benchmarks/README.md) on 100 x 50-pixel images from
three spacecraft positions: 59-64 samples per ray for Jorgensen2019 (43 ms per image on one core),
104-135 for CMEM, 59-123 for SWCXEmissivity, and errors at the 99th percentile of pixels of 0.08-0.18 %
against the midpoint rule at 0.001 RE (below 0.3 % against the 0.02 RE rule wherever that rule itself
is converged; across the SWCX model's thin cusp funnels it is not).

Limitations: a layer thinner than the node spacing (about 0.12 r, less near the Earth where the nodes
close in) can be missed by a ray whose neighbours did not see it either; a lone ray (``directions`` of
shape (3,) or rays far apart) has only its own nodes. Each worker keeps its work buffers (tens of MB for
4096 rays) between calls. Results do not depend on the number of threads.
"""

from __future__ import annotations

import math
import queue

import numba
import numpy as np

from smilekit.imaging.sampling import evaluate_checked

__all__ = [
    "CHUNK_RAYS",
    "COHERENCE_PASSES",
    "JUMP_FRACTION",
    "JUMP_RATIO",
    "LAYER_CELLS",
    "MAX_ROUNDS",
    "MIN_CHUNK_RAYS",
    "MIN_INTERVALS",
    "NEAR_CHECK",
    "NEAR_FLOOR",
    "NEAR_RADIUS",
    "PROBES_PER_CELL",
    "RAMP_FRACTION",
    "RESOLVED_MARGIN",
    "TOLERANCE",
    "T_STEP",
    "AdaptiveChunk",
    "ray_lengths_values",
]

#: Node spacing in the path variable t (see the module notes).
T_STEP = 0.12
#: Radius (RE) inside which the nodes close in as r^2 rather than r (see the module notes).
NEAR_RADIUS = 5.0
#: The nodes close in on the Earth only where the first look finds emission within this radius (RE);
#: within it, the first look skips every other node between two without emission.
NEAR_CHECK = 8.0
#: Rays passing closer than this (RE) to the Earth's centre are compressed as if they passed at it.
NEAR_FLOOR = 2.0
#: Fewest intervals per ray.
MIN_INTERVALS = 16
#: An interval whose end values differ by more than this fraction of their sum holds a jump.
JUMP_FRACTION = 0.2
#: ... or whose change exceeds this many times the change in both neighbouring intervals.
JUMP_RATIO = 3.0
#: Refine a rough interval while (width in t) * ``|change of F|`` > TOLERANCE * (ray integral estimate).
TOLERANCE = 1.0e-3
#: A refined interval whose midpoint value lies further than this fraction of its change from both
#: ends holds a ramp (a boundary smoothed over a grid cell) rather than a jump: its neighbours are
#: refined too, where the ramp may end in a kink.
RAMP_FRACTION = 0.1
#: Most refinement rounds.
MAX_ROUNDS = 14
#: Rounds of looking on each ray for the features that its neighbours found.
COHERENCE_PASSES = 12
#: Features at most this many intervals apart on a ray may bound a thin layer: its middle is probed too.
LAYER_CELLS = 6
#: Probes on a neighbour's feature closer than this fraction of an interval to the interval's own
#: resolved features are left out (the same feature, a little shifted).
RESOLVED_MARGIN = 0.25
#: Most probes per interval and pass.
PROBES_PER_CELL = 3
#: Most rays per work unit of the adaptive integration (bounds memory; threads take units in turn).
CHUNK_RAYS = 4096
#: Fewest rays per work unit when the rays are split (an even number of units from 2 * this many rays).
MIN_CHUNK_RAYS = 1024
#: Refinement stops when more intervals than this many per ray are active (a noisy source).
_MAX_ACTIVE_PER_RAY = 16


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64, RE
# ---------------------------------------------------------------------------------------------------
def ray_lengths_values(origin: np.ndarray, directions: np.ndarray, max_distance: float) -> np.ndarray:
    """Kernel: path length (RE) of each ray to the Earth's surface (r = 1 RE), capped at ``max_distance``.

    The first root of ``|o + s d|^2`` = 1, s = -b - sqrt(b^2 - (``|o|^2`` - 1)) with b = o . d, where it
    exists and is positive; origins must lie outside the Earth.

    Examples
    --------
    >>> ray_lengths_values(np.array([[0.0, 0.0, 5.0]]), np.array([[0.0, 0.0, -1.0]]), 80.0)
    array([4.])
    """
    b = np.sum(origin * directions, axis=-1)
    c = np.sum(origin * origin, axis=-1) - 1.0
    disc = b * b - c
    with np.errstate(invalid="ignore"):
        s_hit = -b - np.sqrt(disc)
    hit = (disc >= 0.0) & (s_hit > 0.0)
    return np.where(hit, np.minimum(s_hit, max_distance), max_distance)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _path_w(t, c):  # pragma: no cover - compiled by numba
    """w(t) = t - 2 c x / sqrt(1 + x^2), x = t / (2 (1 + c)), and dw/dt (>= 1 / (1 + c))."""
    if c == 0.0:
        return t, 1.0
    x = t / (2.0 * (1.0 + c))
    r = 1.0 / math.sqrt(1.0 + x * x)
    return t - 2.0 * c * x * r, 1.0 - (c / (1.0 + c)) * r * r * r


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _path_t(w, c):  # pragma: no cover - compiled by numba
    """Invert w(t) (monotone, ``|w - t|`` < 2 c) by Newton's method safeguarded by bisection."""
    lo, hi = w - 1e-12, w + 2.0 * c + 1e-12
    if w < 0.0:
        lo, hi = w - 2.0 * c - 1e-12, w + 1e-12
    t = 0.5 * (lo + hi)
    for _ in range(100):
        f, df = _path_w(t, c)
        f -= w
        if abs(f) <= 1e-13 * (1.0 + abs(w)):
            break
        if f > 0.0:
            hi = t
        else:
            lo = t
        nxt = t - f / df
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        if nxt == t:
            break
        t = nxt
    return t


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _path_point(t, q, c):  # pragma: no cover - compiled by numba
    """u = q sinh(w(t)) and du/dt."""
    w, dw = _path_w(t, c)
    e = math.exp(w)
    return q * 0.5 * (e - 1.0 / e), q * 0.5 * (e + 1.0 / e) * dw


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _node_layout(b, q, cc, length, t_step, min_intervals):  # pragma: no cover - compiled by numba
    """Per ray: the first and last t and the flat offsets of the nodes (ray j: offsets[j] to
    offsets[j + 1] - 1)."""
    n_rays = b.size
    t0 = np.empty(n_rays)
    t1 = np.empty(n_rays)
    offsets = np.empty(n_rays + 1, dtype=np.int64)
    offsets[0] = 0
    for j in range(n_rays):
        t0[j] = _path_t(math.asinh(b[j] / q[j]), cc[j])
        t1[j] = _path_t(math.asinh((b[j] + length[j]) / q[j]), cc[j])
        n = max(math.ceil((t1[j] - t0[j]) / t_step), min_intervals)
        offsets[j + 1] = offsets[j] + n + 1
    return offsets, t0, t1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _node_fill(
    origin, directions, b, q, cc, length, offsets, t0, t1, t, path, x, y, z, jac
):  # pragma: no cover
    """Nodes uniform in t on every ray, flattened: fill t, s, x, y, z, du/dt.

    The first node of a ray is at the origin (s = 0), the last at the end of the ray (s = length).
    """
    for j in range(b.size):
        first = offsets[j]
        n = offsets[j + 1] - first - 1
        h = (t1[j] - t0[j]) / n
        c = cc[j]
        growth = math.exp(h)
        e = math.exp(t0[j])
        for i in range(n + 1):
            k = first + i
            t[k] = t0[j] + i * h if i < n else t1[j]
            if c == 0.0:  # w = t: e^t by a geometric progression
                u, jac[k] = q[j] * 0.5 * (e - 1.0 / e), q[j] * 0.5 * (e + 1.0 / e)
                e *= growth
            else:
                u, jac[k] = _path_point(t[k], q[j], c)
            s = u - b[j]
            if i == 0:
                s = 0.0
            elif i == n:
                s = length[j]
            path[k] = s
            x[k] = origin[j, 0] + s * directions[j, 0]
            y[k] = origin[j, 1] + s * directions[j, 1]
            z[k] = origin[j, 2] + s * directions[j, 2]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _node_subset(offsets, f, x, y, z, jac, level, skip_radius, index, ray, out):  # pragma: no cover
    """Write the flat indices, rays, and x, y, z, du/dt (rows of ``out``) of the nodes sampled on the
    first look; return their number.

    Level 0: the even nodes and each ray's last. Level 1: the others, except those within
    ``skip_radius`` of the Earth's centre whose two neighbours (level 0, already in ``f``) are zero.
    """
    i = 0
    for j in range(offsets.size - 1):
        first, last = offsets[j], offsets[j + 1] - 1
        for k in range(first, last + 1):
            even = (k - first) % 2 == 0 or k == last
            if level == 0:
                keep = even
            elif even:
                keep = False
            else:
                r2 = x[k] * x[k] + y[k] * y[k] + z[k] * z[k]
                keep = f[k - 1] != 0.0 or f[k + 1] != 0.0 or r2 >= skip_radius * skip_radius
            if keep:
                index[i], ray[i] = k, j
                out[0, i], out[1, i], out[2, i], out[3, i] = x[k], y[k], z[k], jac[k]
                i += 1
    return i


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _emits_within(f, x, y, z, radius):  # pragma: no cover - compiled by numba
    """Whether any node within ``radius`` of the Earth's centre has non-zero emission."""
    for k in range(f.size):
        if f[k] != 0.0 and x[k] * x[k] + y[k] * y[k] + z[k] * z[k] < radius * radius:
            return True
    return False


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _midpoints(ta, tb, ray, origin, directions, b, q, cc):  # pragma: no cover - compiled by numba
    """t, positions and du/dt at the midpoints (in t) of intervals [ta, tb] of rays ``ray``."""
    n = ta.size
    tm = np.empty(n)
    x = np.empty(n)
    y = np.empty(n)
    z = np.empty(n)
    jac = np.empty(n)
    for i in range(n):
        j = ray[i]
        tm[i] = 0.5 * (ta[i] + tb[i])
        u, jac[i] = _path_point(tm[i], q[j], cc[j])
        s = u - b[j]
        x[i] = origin[j, 0] + s * directions[j, 0]
        y[i] = origin[j, 1] + s * directions[j, 1]
        z[i] = origin[j, 2] + s * directions[j, 2]
    return tm, x, y, z, jac


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _classify(f, offsets, t, jump_fraction, jump_ratio, tolerance):  # pragma: no cover - numba
    """Flag rough intervals; return (flags by left node, threshold per ray, intervals to refine).

    An interval is rough when its end values differ by more than ``jump_fraction`` of their sum or by
    more than ``jump_ratio`` times the change in both neighbouring intervals; rough intervals are left
    out of the smooth runs. One is refined when its width times its change exceeds the ray's threshold,
    ``tolerance`` times the trapezoid sum of ``|F|`` on the nodes.
    """
    n_rays = offsets.size - 1
    rough = np.zeros(f.size, dtype=np.bool_)
    refine = np.zeros(f.size, dtype=np.bool_)
    thresholds = np.zeros(n_rays)
    count = 0
    for j in range(n_rays):
        lo, hi = offsets[j], offsets[j + 1] - 1
        area = 0.0
        for k in range(lo, hi):
            area += 0.5 * (t[k + 1] - t[k]) * (abs(f[k]) + abs(f[k + 1]))
        thresholds[j] = tolerance * area
        for k in range(lo, hi):
            d = abs(f[k + 1] - f[k])
            if d == 0.0:
                continue
            left = abs(f[k] - f[k - 1]) if k > lo else 0.0
            right = abs(f[k + 2] - f[k + 1]) if k + 1 < hi else 0.0
            if d > jump_fraction * (abs(f[k]) + abs(f[k + 1])) or d > jump_ratio * max(left, right):
                rough[k] = True
                if d * (t[k + 1] - t[k]) > thresholds[j]:
                    refine[k] = True
                    count += 1
    return rough, thresholds, np.flatnonzero(refine)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _refine_round(cell, ray, ta, tb, fa, fb, tm, fm, acc, threshold, feature, last):  # pragma: no cover
    """Split every active interval at its midpoint; return the halves that still need refining.

    A half is refined again when the parent's departure from linearity, w ``|2 F(m) - F(a) - F(b)|``, and
    the half's own possible error, (w / 2) ``|change of F|``, both exceed the ray's threshold: a jump keeps
    only its half, a narrow dip or peak both. Finished halves go into ``acc`` (indexed by the coarse
    interval ``cell``): Simpson's rule when the parent was smooth, else the trapezoid rule. ``feature``
    (shape (4, cells)) receives the range of t of the splits that found a feature (a jump, ramp, dip or
    peak; rows 0, 1) and of those among them that finished (a jump's final bracket, the edges of a dip
    or peak; rows 2, 3). Returns (cell, ray, state) of the halves, state rows (ta, tb, fa, fb).
    """
    n = ta.size
    go_left = np.zeros(n, dtype=np.bool_)
    go_right = np.zeros(n, dtype=np.bool_)
    count = 0
    for i in range(n):
        w = tb[i] - ta[i]
        thr = threshold[ray[i]]
        k = cell[i]
        bent = w * abs(2.0 * fm[i] - fa[i] - fb[i]) > thr
        if bent:
            feature[0, k] = min(feature[0, k], tm[i])
            feature[1, k] = max(feature[1, k], tm[i])
            if not last:
                go_left[i] = 0.5 * w * abs(fm[i] - fa[i]) > thr
                go_right[i] = 0.5 * w * abs(fb[i] - fm[i]) > thr
        if bent and not (go_left[i] or go_right[i]):
            feature[2, k] = min(feature[2, k], tm[i])
            feature[3, k] = max(feature[3, k], tm[i])
        if not go_left[i]:
            acc[k] += 0.25 * w * (fa[i] + fm[i]) if bent or go_right[i] else 0.0
        if not go_right[i]:
            acc[k] += 0.25 * w * (fm[i] + fb[i]) if bent or go_left[i] else 0.0
        if not (bent or go_left[i] or go_right[i]):
            acc[k] += w / 6.0 * (fa[i] + 4.0 * fm[i] + fb[i])
        count += int(go_left[i]) + int(go_right[i])
    out_cell = np.empty(count, dtype=np.int64)
    out_ray = np.empty(count, dtype=np.int64)
    out = np.empty((4, count))
    m = 0
    for i in range(n):
        if go_left[i]:
            out_cell[m], out_ray[m] = cell[i], ray[i]
            out[0, m], out[1, m], out[2, m], out[3, m] = ta[i], tm[i], fa[i], fm[i]
            m += 1
        if go_right[i]:
            out_cell[m], out_ray[m] = cell[i], ray[i]
            out[0, m], out[1, m], out[2, m], out[3, m] = tm[i], tb[i], fm[i], fb[i]
            m += 1
    return out_cell, out_ray, out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _feature_lists(offsets, feature, fresh, b, q, cc, gap):  # pragma: no cover - compiled by numba
    """Where features were found on each ray (``fresh`` cells): (CSR offsets, path length s, cell, split).

    For each cell, the middle of its finished feature splits (of all its feature splits if none
    finished) and, for two or more, their ends (the edges of a thin layer within the cell); and the
    midpoint between the features of cells at most ``gap`` cells apart (the middle of a thin layer whose
    two sides fell in different cells). The cell is its index within the ray. Each ray lists the middles
    of layers first (up to ``split[j]``), to be probed before single features and edges.
    """
    n_rays = offsets.size - 1
    feat_offsets = np.zeros(n_rays + 1, dtype=np.int64)
    for j in range(n_rays):
        count = 0
        last = -(gap + 1)
        for k in range(offsets[j], offsets[j + 1] - 1):
            if fresh[k]:
                count += 1 + 2 * (feature[2, k] < feature[3, k]) + (k - last <= gap)
                last = k
        feat_offsets[j + 1] = feat_offsets[j] + count
    feat_t = np.empty(feat_offsets[n_rays])
    feat_cell = np.empty(feat_offsets[n_rays], dtype=np.int64)
    feat_ray = np.empty(feat_offsets[n_rays], dtype=np.int64)
    feat_first = np.empty(feat_offsets[n_rays], dtype=np.bool_)
    i = 0
    for j in range(n_rays):
        previous = 0.0
        last = -(gap + 1)
        for k in range(offsets[j], offsets[j + 1] - 1):
            if not fresh[k]:
                continue
            if feature[2, k] <= feature[3, k]:
                lo, hi = feature[2, k], feature[3, k]
            else:  # every split in this cell went on (the last round): use them all
                lo, hi = feature[0, k], feature[1, k]
            layer = feature[2, k] < feature[3, k]
            candidates = (0.5 * (lo + hi), 0.5 * (previous + lo), lo, hi)
            use = (True, k - last <= gap, layer, layer)
            for r in range(4):
                if use[r]:
                    feat_t[i], feat_cell[i], feat_ray[i] = candidates[r], k - offsets[j], j
                    feat_first[i] = r == 1 or (r == 0 and layer)  # the middles of layers first
                    i += 1
            previous = hi
            last = k
    # within each ray, the middles of layers first: feat_split[j] ends them
    feat_s = np.empty(i)
    cells = np.empty(i, dtype=np.int64)
    feat_split = np.empty(n_rays, dtype=np.int64)
    for j in range(n_rays):
        w = feat_offsets[j]
        for group in (True, False):
            for m in range(feat_offsets[j], feat_offsets[j + 1]):
                if feat_first[m] == group:
                    u, _jac = _path_point(feat_t[m], q[j], cc[j])
                    feat_s[w], cells[w] = u - b[j], feat_cell[m]
                    w += 1
            if group:
                feat_split[j] = w
    return feat_offsets, feat_s, cells, feat_split


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _probe_sites(
    offsets,
    t,
    path,
    feature,
    b,
    q,
    cc,
    feat_offsets,
    feat_s,
    feat_cell,
    feat_split,
    neighbours,
    per_cell,
    margin,
    taken,
    where,
    pray,
    pcell,
    tp,
    key,
):  # pragma: no cover - compiled by numba
    """Where to look for features that neighbouring rays found: (ray, cell, t), sorted by cell and t.

    A feature at path length s on a neighbour is looked for at the same path length on this ray (rays
    from one spacecraft diverge slowly): the interval by a walk on the nodes' path lengths from the
    neighbour's interval index, t by a Newton step from the linear interpolation. Not within ``margin``
    intervals of the range of an interval's own resolved features (:func:`_resolved`); at most
    ``per_cell`` probes per interval, at least a twentieth of it apart, the middles of layers (the
    neighbours' features up to ``feat_split``) before the other features. ``taken`` (zeros) and
    ``where`` (cells x per_cell) are scratch; ``pray``, ``pcell``, ``tp``, ``key`` hold room for every
    neighbour's features.
    """
    n_rays = offsets.size - 1
    i = 0
    for j in range(n_rays):
        first, last = offsets[j], offsets[j + 1] - 1
        for phase in range(2):
            for kk in neighbours[j]:
                if kk < 0:
                    continue
                lo_m = feat_offsets[kk] if phase == 0 else feat_split[kk]
                hi_m = feat_split[kk] if phase == 0 else feat_offsets[kk + 1]
                for m in range(lo_m, hi_m):
                    s = feat_s[m]
                    if s <= path[first] or s >= path[last]:
                        continue
                    lo = first + min(feat_cell[m], last - first - 1)
                    while path[lo] > s:
                        lo -= 1
                    while path[lo + 1] <= s:
                        lo += 1
                    if taken[lo] >= per_cell:
                        continue
                    h = t[lo + 1] - t[lo]
                    tt = t[lo] + h * (s - path[lo]) / (path[lo + 1] - path[lo])
                    r_lo, r_hi = _resolved(feature, lo)
                    if r_lo - margin * h <= tt <= r_hi + margin * h:
                        continue
                    close = False
                    for r in range(taken[lo]):
                        close = close or abs(where[lo, r] - tt) < 0.05 * h
                    if close:
                        continue
                    u, du = _path_point(tt, q[j], cc[j])  # a Newton step to the exact t
                    tt += (s - (u - b[j])) / du
                    if not (t[lo] < tt < t[lo + 1]):
                        tt = t[lo] + 0.5 * h
                    where[lo, taken[lo]] = tt
                    taken[lo] += 1
                    pray[i], pcell[i], tp[i] = j, lo, tt
                    key[i] = lo + (tt - t[lo]) / h
                    i += 1
    order = np.argsort(key[:i])
    return pray[:i][order], pcell[:i][order], tp[:i][order]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _resolved(feature, k):  # pragma: no cover - compiled by numba
    """The range of t of the features resolved in cell k (its finished splits, else all its feature
    splits; empty, lo > hi, when it was not refined)."""
    if feature[2, k] <= feature[3, k]:
        return feature[2, k], feature[3, k]
    return feature[0, k], feature[1, k]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _probe_seeds(
    pcell, pray, tp, fp, t, f, feature, threshold, rough, acc, tolerance, jump_fraction
):  # pragma: no cover
    """Intervals where a probe departs from what is known there: flag them, return their pieces.

    What is known: the linear interpolation of the interval's ends or, in an interval refined around a
    feature, the end value on the probe's side of it (a departure by more than ``jump_fraction`` of the
    sum of the two values: a missed jump, not the smooth trend). A departing interval is done again
    from scratch (``acc`` and ``feature`` reset): its probes (sorted by cell and t) cut it into pieces,
    returned for refinement as (cell, ray, state) in the layout of :func:`_refine_round`'s output. The
    ray's threshold
    grows to ``tolerance`` times the area of the departure (a ray whose nodes all missed a feature has
    none).
    """
    n = tp.size
    hit = np.zeros(n, dtype=np.bool_)
    count = 0
    i = 0
    while i < n:
        k = pcell[i]
        e = i
        while e < n and pcell[e] == k:
            e += 1
        w = t[k + 1] - t[k]
        r_lo, r_hi = _resolved(feature, k)
        worst = 0.0
        for m in range(i, e):
            if r_lo <= r_hi:
                # beside a resolved feature only a jump-sized departure counts (not the smooth trend)
                known = f[k] if tp[m] < r_lo else f[k + 1]
                if abs(fp[m] - known) <= jump_fraction * (abs(fp[m]) + abs(known)):
                    continue
            else:
                known = f[k] + (f[k + 1] - f[k]) * (tp[m] - t[k]) / w
            worst = max(worst, abs(fp[m] - known))
        if 2.0 * w * worst > threshold[pray[i]]:
            threshold[pray[i]] = max(threshold[pray[i]], tolerance * 0.5 * w * worst)
            rough[k] = True
            acc[k] = 0.0
            feature[0::2, k] = np.inf
            feature[1::2, k] = -np.inf
            hit[i] = True
            count += e - i + 1
        i = e
    out_cell = np.empty(count, dtype=np.int64)
    out_ray = np.empty(count, dtype=np.int64)
    out = np.empty((4, count))
    m = 0
    i = 0
    while i < n:
        k = pcell[i]
        e = i
        while e < n and pcell[e] == k:
            e += 1
        if hit[i]:
            ta, fa = t[k], f[k]
            for r in range(i, e + 1):
                tb = tp[r] if r < e else t[k + 1]
                fb = fp[r] if r < e else f[k + 1]
                out_cell[m], out_ray[m] = k, pray[i]
                out[0, m], out[1, m], out[2, m], out[3, m] = ta, tb, fa, fb
                ta, fa = tb, fb
                m += 1
        i = e
    return out_cell, out_ray, out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _piece(f, k, lo, hi, h):  # pragma: no cover - compiled by numba
    """Integral over [t_k, t_k+1] on a smooth run of nodes lo..hi (inclusive), uniform spacing h.

    The exact integral of the polynomial through the four (at run ends, fewer) nearest nodes of the run:
    cubic h/24 (-F[k-1] + 13 F[k] + 13 F[k+1] - F[k+2]) inside, h/24 (9 F[k] + 19 F[k+1] - 5 F[k+2] +
    F[k+3]) and its mirror image at the ends; quadratic or trapezoid on runs of two or one interval.
    """
    if k - 1 >= lo and k + 2 <= hi:
        return h / 24.0 * (-f[k - 1] + 13.0 * f[k] + 13.0 * f[k + 1] - f[k + 2])
    if k + 3 <= hi:
        return h / 24.0 * (9.0 * f[k] + 19.0 * f[k + 1] - 5.0 * f[k + 2] + f[k + 3])
    if k - 2 >= lo:
        return h / 24.0 * (f[k - 2] - 5.0 * f[k - 1] + 19.0 * f[k] + 9.0 * f[k + 1])
    if k + 2 <= hi:
        return h / 12.0 * (5.0 * f[k] + 8.0 * f[k + 1] - f[k + 2])
    if k - 1 >= lo:
        return h / 12.0 * (-f[k - 1] + 8.0 * f[k] + 5.0 * f[k + 1])
    return 0.5 * h * (f[k] + f[k + 1])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _assemble(f, offsets, t, rough, rough_integral):  # pragma: no cover - compiled by numba
    """Per-ray integral: :func:`_piece` on the smooth runs plus the refined (rough) intervals."""
    n_rays = offsets.size - 1
    out = np.zeros(n_rays)
    for j in range(n_rays):
        first, last = offsets[j], offsets[j + 1] - 1
        h = (t[last] - t[first]) / (last - first)
        total = 0.0
        lo = first
        hi = first
        for k in range(first, last):
            if rough[k]:
                total += rough_integral[k]
                lo = k + 1
                continue
            if k >= hi:  # a new smooth run starts at node lo: find its last node
                hi = k + 1
                while hi < last and not rough[hi]:
                    hi += 1
            total += _piece(f, k, lo, hi, h)
        out[j] = total
    return out


#: Workspaces (dicts of reused buffers) free for a chunk to take; see :func:`_scratch`.
_WORKSPACES: queue.SimpleQueue = queue.SimpleQueue()


def _scratch(store, name, shape, dtype=np.float64, fill=None):
    """A reused buffer of a workspace (a dict of arrays).

    Fresh multi-megabyte arrays are mapped from the operating system and unmapped again when freed
    (glibc's mmap threshold); the page faults slow a 5000-ray image by a fifth. The chunks of rays take
    a workspace from :data:`_WORKSPACES` and put it back, so the buffers (a few tens of MB per worker
    for 4096 rays) are kept for later calls.
    """
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    size = int(np.prod(shape))
    buf = store.get(name)
    if buf is None or buf.size < size or buf.dtype != np.dtype(dtype):
        buf = store[name] = np.empty(max(size + size // 4, 1024), dtype=dtype)
    out = buf[:size].reshape(shape)
    if fill is not None:
        out.fill(fill)
    return out


class AdaptiveChunk:
    """The adaptive integration of one chunk of rays (see the module notes), step by step."""

    def __init__(self, evaluate, origin, directions, length, neighbours, near, index_offset, frame):
        try:
            self.ws = _WORKSPACES.get_nowait()
        except queue.Empty:
            self.ws = {}
        try:
            self._run(evaluate, origin, directions, length, neighbours, near, index_offset, frame)
        finally:
            _WORKSPACES.put(self.ws)
            del self.ws

    def _run(self, evaluate, origin, directions, length, neighbours, near, index_offset, frame):
        self.evaluate, self.origin, self.directions = evaluate, origin, directions
        self.index_offset, self.frame = index_offset, frame
        self.b = np.einsum("ij,ij->i", origin, directions)
        self.q = np.sqrt(np.maximum(np.einsum("ij,ij->i", origin, origin) - self.b**2, 0.0) + 1.0)
        self.samples = 0
        self._nodes(length, near)
        f, t, offsets = self.f, self.t, self.offsets
        self.rough, self.thresholds, cell = _classify(f, offsets, t, JUMP_FRACTION, JUMP_RATIO, TOLERANCE)
        self.acc = _scratch(self.ws, "acc", f.size, fill=0.0)
        self.feature = _scratch(self.ws, "feature", (4, f.size))
        self.feature[0::2], self.feature[1::2] = np.inf, -np.inf
        self.refined = _scratch(self.ws, "refined", f.size, np.bool_, fill=False)
        self.refined[cell] = True
        if cell.size:
            ray = np.searchsorted(offsets, cell, side="right") - 1
            self._refine(cell, ray, np.stack([t[cell], t[cell + 1], f[cell], f[cell + 1]]), seeds=True)
        if neighbours is not None:
            self._coherence(neighbours)
        # rough intervals too small to matter are not refined: trapezoid
        idx = np.flatnonzero(self.rough & ~self.refined)
        self.acc[idx] = 0.5 * (t[idx + 1] - t[idx]) * (f[idx] + f[idx + 1])
        self.integral = _assemble(f, offsets, t, self.rough, self.acc)

    def _sample(self, x, y, z, rays, direct=True, out=None):
        self.samples += x.size
        return evaluate_checked(self.evaluate, x, y, z, rays, self.index_offset, self.frame, direct, out)

    def _nodes(self, length, near):
        """Step 1: the nodes, first without closing in on the Earth, then with if needed (or forced)."""
        for attempt in (0, 1):
            compress = bool(near) if near is not None else attempt == 1
            self.cc = NEAR_RADIUS / np.maximum(self.q, NEAR_FLOOR) if compress else np.zeros(self.b.size)
            offsets, t0, t1 = _node_layout(self.b, self.q, self.cc, length, T_STEP, MIN_INTERVALS)
            m = int(offsets[-1])
            t, path, x, y, z, jac = (
                _scratch(self.ws, name, m) for name in ("t", "path", "x", "y", "z", "jac")
            )
            _node_fill(
                self.origin,
                self.directions,
                self.b,
                self.q,
                self.cc,
                length,
                offsets,
                t0,
                t1,
                t,
                path,
                x,
                y,
                z,
                jac,
            )
            self.offsets, self.t, self.path = offsets, t, path
            self.f = f = _scratch(self.ws, "f", m, fill=0.0)
            if compress:
                self._sample(x, y, z, offsets, direct=False, out=f)
                f *= jac
            else:
                # every other node first; within NEAR_CHECK the others only next to emission
                index, ray = _scratch(self.ws, "index", m, np.int64), _scratch(self.ws, "ray", m, np.int64)
                sub = _scratch(self.ws, "sub", (4, m))
                for level in (0, 1):
                    n = _node_subset(offsets, f, x, y, z, jac, level, NEAR_CHECK, index, ray, sub)
                    eta = _scratch(self.ws, "eta", n)
                    self._sample(sub[0, :n], sub[1, :n], sub[2, :n], ray[:n], out=eta)
                    eta *= sub[3, :n]
                    f[index[:n]] = eta
            if near is not None or compress or NEAR_RADIUS <= 0.0:
                return
            if not _emits_within(f, x, y, z, NEAR_CHECK):
                return

    def _spill(self, cell, ray, fa, fb, fm):
        """Neighbours of coarse intervals that hold a ramp rather than a jump, as new seeds."""
        ramp = np.minimum(np.abs(fm - fa), np.abs(fb - fm)) > RAMP_FRACTION * np.abs(fb - fa)
        cells = np.concatenate([cell[ramp] - 1, cell[ramp] + 1])
        rays = np.concatenate([ray[ramp], ray[ramp]])
        f, offsets = self.f, self.offsets
        ok = (cells >= offsets[rays]) & (cells < offsets[rays + 1] - 1)
        cells, rays = cells[ok], rays[ok]
        ok = ~self.refined[cells] & ((f[cells] != 0.0) | (f[cells + 1] != 0.0))
        cells, first = np.unique(cells[ok], return_index=True)
        rays = rays[ok][first]
        self.refined[cells] = True
        self.rough[cells] = True
        return cells, rays, np.stack([self.t[cells], self.t[cells + 1], f[cells], f[cells + 1]])

    def _refine(self, cell, ray, state, seeds=False):
        """Step 2: refinement rounds, one ``evaluate`` each."""
        for k in range(MAX_ROUNDS):
            if not cell.size:
                return
            ta, tb, fa, fb = state
            tm, xm, ym, zm, jm = _midpoints(
                ta, tb, ray, self.origin, self.directions, self.b, self.q, self.cc
            )
            fm = self._sample(xm, ym, zm, ray) * jm
            last = k == MAX_ROUNDS - 1 or cell.size > _MAX_ACTIVE_PER_RAY * self.b.size
            extra = self._spill(cell, ray, fa, fb, fm) if seeds and k == 0 else None
            cell, ray, state = _refine_round(
                cell, ray, ta, tb, fa, fb, tm, fm, self.acc, self.thresholds, self.feature, last
            )
            if extra is not None and extra[0].size:
                cell = np.concatenate([cell, extra[0]])
                ray = np.concatenate([ray, extra[1]])
                state = np.concatenate([state, extra[2]], axis=1)

    def _coherence(self, neighbours):
        """Step 3: look on each ray for the features its neighbours found."""
        used = np.zeros(self.f.size, dtype=np.bool_)
        for _ in range(COHERENCE_PASSES):
            fresh = np.isfinite(self.feature[0]) & ~used
            if not fresh.any():
                return
            used |= fresh
            feat_offsets, feat_s, feat_cell, feat_split = _feature_lists(
                self.offsets, self.feature, fresh, self.b, self.q, self.cc, LAYER_CELLS
            )
            valid = neighbours[neighbours >= 0]
            room = int(np.diff(feat_offsets)[valid].sum())
            pray, pcell, tp = _probe_sites(
                self.offsets, self.t, self.path, self.feature, self.b, self.q, self.cc,
                feat_offsets, feat_s, feat_cell, feat_split, neighbours, PROBES_PER_CELL, RESOLVED_MARGIN,
                _scratch(self.ws, "taken", self.f.size, np.int64, fill=0),
                _scratch(self.ws, "where", (self.f.size, PROBES_PER_CELL)),
                _scratch(self.ws, "pray", room, np.int64), _scratch(self.ws, "pcell", room, np.int64),
                _scratch(self.ws, "tp", room), _scratch(self.ws, "key", room),
            )  # fmt: skip
            if not tp.size:
                return
            _, xp, yp, zp, jp = _midpoints(
                tp, tp, pray, self.origin, self.directions, self.b, self.q, self.cc
            )
            fp = self._sample(xp, yp, zp, pray) * jp
            cell, ray, state = _probe_seeds(
                pcell,
                pray,
                tp,
                fp,
                self.t,
                self.f,
                self.feature,
                self.thresholds,
                self.rough,
                self.acc,
                TOLERANCE,
                JUMP_FRACTION,
            )
            self.refined[cell] = True
            used[cell] = False  # an interval done again may find new features
            self._refine(cell, ray, state)
