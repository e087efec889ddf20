"""The reduced forward model of the boundary fits: rays sampled once, the model a function of its stand-offs.

A boundary fit (:mod:`smilekit.science.boundary_fit`) varies only the stand-offs of its emissivity model
(the magnetopause parameter ``m`` and the bow shock ``bs``), the sheath exponents ``alpha``, ``beta`` and
the two amplitudes; everything else about the model at a fixed point is fixed
(:class:`~smilekit.geospace.emissivity.StandoffForm`). So the rays of the image are sampled once, the form
is evaluated once on those nodes, and each likelihood evaluation only integrates the two unit-amplitude
terms (sheath, solar wind) along the precomputed nodes with a compiled kernel, then applies the PSF to both
images with one batched FFT (:meth:`~smilekit.science.forward.ForwardModel.source_counts`).

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
    "interval_part",
    "ray_nodes_values",
    "two_term_integrals_values",
]

#: Node spacing in w = asinh((s + b) / q) (module notes): 0.03 puts the images within 0.5 % of the
#: adaptive integrator's peak pixel on the shipped cases (tests) and moves fitted stand-offs by < 0.01 RE
#: on average (benchmarks/README.md).
NODE_SPACING = 0.03


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True, inline="always")
def _sheath_at(k, sheath_factor, log_r10, sin2_log_r10, alpha, beta):  # pragma: no cover - compiled
    """Kernel: the sheath emissivity at unit A1 at node k, ``f exp(-(alpha + beta sin^2 theta) log_r10)``."""
    return sheath_factor[k] * math.exp(-(alpha * log_r10[k] + beta * sin2_log_r10[k]))


@numba.njit(cache=True, nogil=True)
def two_term_integrals_values(
    offsets, s, magnetopause, bow_shock, sheath_factor, log_r10, sin2_log_r10, wind, m, bs, alpha, beta, out
):  # pragma: no cover - compiled
    """Kernel: per ray, the integrals (RE eV cm^-3 s^-1) of the sheath at unit A1 and the wind at unit A2.

    Parameters
    ----------
    offsets : numpy.ndarray
        (n_rays + 1,) int64: ray j's nodes are ``offsets[j]:offsets[j + 1]``.
    s : numpy.ndarray
        Distance of each node along its ray (RE).
    magnetopause, bow_shock, sheath_factor, log_r10 : numpy.ndarray
        The :class:`~smilekit.geospace.emissivity.StandoffForm` at the nodes.
    sin2_log_r10 : numpy.ndarray
        ``sin2_theta * log_r10`` of the form at the nodes.
    wind : numpy.ndarray
        ``exp(-3 log_r10)`` at the nodes.
    m, bs, alpha, beta : float
        Magnetopause parameter, bow-shock stand-off (RE), sheath exponents.
    out : numpy.ndarray
        (2, n_rays), written: row 0 the sheath, row 1 the solar wind.

    Notes
    -----
    An interval with both nodes in one region (the usual case) is one trapezoid; only an interval that a
    boundary crosses goes through :func:`interval_part`.
    """
    for j in range(offsets.size - 1):
        sheath = 0.0
        solar_wind = 0.0
        have = False  # the sheath emissivity at node k is computed at most once
        e0 = 0.0
        for k in range(offsets[j], offsets[j + 1] - 1):
            out0, out1 = magnetopause[k] >= m, magnetopause[k + 1] >= m
            if not out0 and not out1:  # inside the magnetopause throughout
                have = False
                continue
            ds = s[k + 1] - s[k]
            in0, in1 = bow_shock[k] < bs, bow_shock[k + 1] < bs
            if out0 and out1 and in0 == in1:  # the whole interval in the sheath, or in the wind
                if in0:
                    if not have:
                        e0 = _sheath_at(k, sheath_factor, log_r10, sin2_log_r10, alpha, beta)
                    e1 = _sheath_at(k + 1, sheath_factor, log_r10, sin2_log_r10, alpha, beta)
                    sheath += 0.5 * ds * (e0 + e1)
                    e0 = e1
                    have = True
                else:
                    solar_wind += 0.5 * ds * (wind[k] + wind[k + 1])
                    have = False
                continue
            lo_m, hi_m = interval_part(magnetopause[k], magnetopause[k + 1], m, True)
            lo_b, hi_b = interval_part(bow_shock[k], bow_shock[k + 1], bs, False)
            lo, hi = max(lo_m, lo_b), min(hi_m, hi_b)
            if hi > lo:
                if not have:
                    e0 = _sheath_at(k, sheath_factor, log_r10, sin2_log_r10, alpha, beta)
                e1 = _sheath_at(k + 1, sheath_factor, log_r10, sin2_log_r10, alpha, beta)
                sheath += ds * (hi - lo) * (e0 + (e1 - e0) * 0.5 * (lo + hi))
                e0 = e1
                have = True
            else:
                have = False
            lo_b, hi_b = interval_part(bow_shock[k], bow_shock[k + 1], bs, True)
            lo, hi = max(lo_m, lo_b), min(hi_m, hi_b)
            if hi > lo:
                solar_wind += ds * (hi - lo) * (wind[k] + (wind[k + 1] - wind[k]) * 0.5 * (lo + hi))
        out[0, j] = sheath
        out[1, j] = solar_wind


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
    ray = np.repeat(np.arange(n.size), n)
    k = np.arange(offsets[-1]) - offsets[ray]
    w = w0[ray] + (w1 - w0)[ray] * k / (n[ray] - 1)
    s = np.clip(q[ray] * np.sinh(w) - b[ray], 0.0, lengths[ray])
    return offsets, s, origins[ray] + s[:, None] * directions[ray]


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
    """

    def __init__(self, forward, model, *, spacing: float = NODE_SPACING):
        if not callable(getattr(model, "standoff_form", None)):
            raise InputError(
                f"model must have standoff_form (Jorgensen2019, CMEM), got {type(model).__name__}"
            )
        if not (isinstance(spacing, int | float) and 0 < spacing <= 0.5):
            raise InputError(f"spacing must be a number in (0, 0.5], got {spacing!r}")
        self.forward = forward
        self.offsets, self.s, points = ray_nodes_values(
            forward.ray_origins, forward.ray_directions, forward.ray_lengths, float(spacing)
        )
        self.form = model.standoff_form(points[:, 0], points[:, 1], points[:, 2])
        self.wind = np.exp(-3.0 * self.form.log_r10)
        self._sin2_log_r10 = self.form.sin2_theta * self.form.log_r10
        self._out = np.empty((2, forward.n_rays))

    def intensities(self, m: float, bs: float, alpha: float, beta: float) -> np.ndarray:
        """(2, nv + 2 h, nu + 2 h) intensities (keV cm^-2 s^-1 sr^-1): sheath at A1 = 1, wind at A2 = 1."""
        f = self.form
        two_term_integrals_values(
            self.offsets, self.s, f.magnetopause, f.bow_shock, f.sheath_factor, f.log_r10, self._sin2_log_r10,
            self.wind, float(m), float(bs), float(alpha), float(beta), self._out,
        )  # fmt: skip
        return (self._out * INTENSITY_FACTOR).reshape(2, *self.forward.directions.shape[:2])

    def term_counts(self, m: float, bs: float, alpha: float, beta: float) -> np.ndarray:
        """(2, nv, nu) expected SWCX counts of the two terms at unit amplitude (PSF and coverage applied)."""
        return self.forward.source_counts(self.intensities(m, bs, alpha, beta))
