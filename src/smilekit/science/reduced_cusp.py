"""The reduced forward model of the cusp retrieval: rays sampled once, the funnel a function of its edges.

The cusp retrieval (:mod:`smilekit.science.cusps`) varies only the two footprint latitudes of its funnel
(:class:`~smilekit.science.cusps.CuspFunnel`); the tilt, the hemisphere, the MLT width, the inner radius
and the fitted magnetopause are fixed for an image. So the rays of the image are sampled once, the
funnel's fixed geometry is evaluated once on those samples, and each likelihood evaluation only integrates
``(r / 10 RE)^-3`` over the part of each sample interval whose footprint latitude lies between the two
edges, with a compiled kernel, then applies the PSF to the image (or a stack of them) at once (the separable
convolution of :meth:`~smilekit.science.forward.ForwardModel.source_counts`).

Fixed geometry, exactly: the funnel's hemisphere (``sign * z_SM > 0``) and MLT wedge
(``|atan2(y_SM, x_SM)| <= half width``) are half-spaces through the Earth's centre and its inner radius a
sphere, so each ray is cut to the part of its path inside all of them analytically (at most two pieces).

Sampling: the pieces are sampled on the nodes of :func:`~smilekit.science.reduced_forward.ray_nodes_values`
(uniform in ``asinh`` of the path, dense near the Earth; spacing :data:`NODE_SPACING`). The magnetopause
(``surface(theta, phi) - r``) and the footprint latitude are taken as linear across each interval, so the
part of the interval inside the funnel, and hence the integral, moves continuously with the edges (a
sampled step would make the likelihood piecewise flat); the emissivity is taken as linear over that part
(trapezoid). Only the intervals with some part inside the magnetopause are kept. The tests compare the
images with the full adaptive forward model (:meth:`~smilekit.science.forward.ForwardModel.intensity_values`
of :meth:`CuspFunnel.evaluate <smilekit.science.cusps.CuspFunnel.evaluate>`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from smilekit.errors import InputError
from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.cusps import gsm_to_sm_values
from smilekit.imaging.los import INTENSITY_FACTOR
from smilekit.science.reduced_forward import interval_part, ray_nodes_values

__all__ = ["NODE_SPACING", "ReducedFunnelModel", "funnel_integrals_values", "funnel_pieces_values"]

#: Node spacing in w = asinh((s + b) / q) (module notes): 0.03 puts the funnel images within 0.5 % of the
#: adaptive integrator's peak pixel (tests), as for the boundary fits' reduced model.
NODE_SPACING = 0.03


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _inside_parts(offsets, gap, keep_from, keep_to):  # pragma: no cover - compiled
    """Per interval k (nodes k, k + 1 of one piece): the part [lo, hi] (0 to 1) where the linear ``gap``
    (magnetopause radius - r) is >= 0. Writes the kept intervals' node index into ``keep_from`` and
    ``keep_to`` (lo, hi); returns their number."""
    n = 0
    for j in range(offsets.size - 1):
        for k in range(offsets[j], offsets[j + 1] - 1):
            lo, hi = interval_part(gap[k], gap[k + 1], 0.0, True)
            if hi > lo:
                keep_from[n] = k
                keep_to[0, n] = lo
                keep_to[1, n] = hi
                n += 1
    return n


@numba.njit(cache=True, nogil=True, error_model="numpy")
def funnel_integrals_values(ray, ds, lo, hi, lam0, lam1, e0, e1, edges, out):  # pragma: no cover - compiled
    """Kernel: per ray, the integral (RE eV cm^-3 s^-1) of the unit-amplitude funnel for each pair of edges.

    Parameters
    ----------
    ray : numpy.ndarray
        (n,) int64, the ray of each kept interval.
    ds : numpy.ndarray
        (n,) interval lengths (RE).
    lo, hi : numpy.ndarray
        (n,) the fixed part of each interval (inside the magnetopause), as fractions 0 to 1.
    lam0, lam1 : numpy.ndarray
        (n,) footprint latitudes (deg SM) at the interval's ends.
    e0, e1 : numpy.ndarray
        (n,) ``(r / 10)^-3`` at the interval's ends.
    edges : numpy.ndarray
        (p, 2) equatorward and poleward footprint latitudes (deg).
    out : numpy.ndarray
        (p, n_rays), written.
    """
    for i in range(edges.shape[0]):
        eq, pw = edges[i, 0], edges[i, 1]
        for j in range(out.shape[1]):
            out[i, j] = 0.0
        for k in range(ray.size):
            a0, a1 = interval_part(lam0[k], lam1[k], eq, True)
            b0, b1 = interval_part(lam0[k], lam1[k], pw, False)
            p0 = max(lo[k], a0, b0)
            p1 = min(hi[k], a1, b1)
            if p1 > p0:
                out[i, ray[k]] += ds[k] * (p1 - p0) * (e0[k] + (e1[k] - e0[k]) * 0.5 * (p0 + p1))


def _half_space(f0, f1, lo, hi):
    """Cut [lo, hi] of s to where f0 + s f1 >= 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = -f0 / f1
    lo = np.where(f1 > 0, np.maximum(lo, root), lo)
    hi = np.where(f1 < 0, np.minimum(hi, root), hi)
    return lo, np.where((f1 == 0) & (f0 < 0), -np.inf, hi)


def funnel_pieces_values(origins, directions, lengths, tilt_rad, sign, inner_radius, half_width_deg):
    """Kernel: the pieces of the rays inside the funnel's fixed region (module notes).

    The region: ``sign * z_SM >= 0``, ``|y_SM| <= tan(half_width) x_SM``, ``r >= inner_radius`` (SM by the
    dipole tilt in rad). Returns ``(ray, start, length)``: for each piece, its ray's index, its start on the
    ray and its length (RE).
    """
    c, s = math.cos(tilt_rad), math.sin(tilt_rad)
    ex = np.array([c, 0.0, -s])  # x_SM = ex . r_GSM
    ey = np.array([0.0, 1.0, 0.0])
    ez = np.array([s, 0.0, c])
    t = math.tan(math.radians(half_width_deg))
    lo, hi = np.zeros(lengths.shape), np.asarray(lengths, dtype=np.float64).copy()
    for normal in (sign * ez, t * ex - ey, t * ex + ey):
        lo, hi = _half_space(origins @ normal, directions @ normal, lo, hi)
    b = np.einsum("ij,ij->i", origins, directions)
    disc = b * b - (np.einsum("ij,ij->i", origins, origins) - inner_radius**2)
    root = np.sqrt(np.maximum(disc, 0.0))
    enter, leave = np.where(disc > 0, -b - root, np.inf), np.where(disc > 0, -b + root, np.inf)
    near = (lo, np.minimum(hi, enter))  # before the inner sphere
    far = (np.maximum(lo, leave), hi)  # after it
    ray = np.concatenate([np.arange(lengths.size)] * 2)
    start = np.concatenate([near[0], far[0]])
    length = np.concatenate([near[1] - near[0], far[1] - far[0]])
    keep = length > 1e-9
    return ray[keep], start[keep], length[keep]


class ReducedFunnelModel:
    """The cusp funnel's count images at any edges, on the rays of one forward model (module notes).

    Parameters
    ----------
    forward : ForwardModel
        The full forward model of the frame (geometry, PSF, weights).
    surface : callable
        ``surface(theta, phi)`` -> magnetopause radius (RE), angles in rad (from +X; from +Y to +Z).
    tilt_rad : float
        Dipole tilt (rad).
    sign : float
        +1 north, -1 south.
    inner_radius : float
        Inner edge of the funnel (RE).
    half_width_deg : float
        Half the funnel's width in SM longitude (deg).
    spacing : float, optional
        Node spacing (:data:`NODE_SPACING`).
    """

    def __init__(self, forward, surface, *, tilt_rad, sign, inner_radius, half_width_deg,
                 spacing: float = NODE_SPACING):  # fmt: skip
        if not callable(surface):
            raise InputError(f"surface must be callable surface(theta, phi), got {type(surface).__name__}")
        if not (isinstance(spacing, int | float) and 0 < spacing <= 0.5):
            raise InputError(f"spacing must be a number in (0, 0.5], got {spacing!r}")
        self.forward = forward
        ray, start, length = funnel_pieces_values(
            forward.ray_origins, forward.ray_directions, forward.ray_lengths, float(tilt_rad), float(sign),
            float(inner_radius), float(half_width_deg),
        )  # fmt: skip
        d = forward.ray_directions[ray]
        offsets, node_piece, s, points = ray_nodes_values(
            forward.ray_origins[ray] + start[:, None] * d, d, length, spacing
        )
        x, y, z = points[:, 0], points[:, 1], points[:, 2]
        xs, ys, _zs = gsm_to_sm_values(x, y, z, float(tilt_rad))
        r, theta, phi = cartesian_to_angles(x, y, z)
        gap = np.asarray(surface(theta, phi), dtype=np.float64) - r
        # footprint latitude of the dipole line, cos^2(lambda) = sin^2(c) / r (as CuspFunnel.evaluate)
        lam = np.degrees(np.arccos(np.sqrt(np.clip((xs * xs + ys * ys) / r**3, 0.0, 1.0))))
        emissivity = (r / 10.0) ** -3
        node = np.empty(s.size, dtype=np.int64)
        part = np.empty((2, s.size))
        n = _inside_parts(offsets, gap, node, part)
        k = node[:n]
        self.ray = ray[node_piece[k]]
        self.ds = s[k + 1] - s[k]
        self.lo, self.hi = part[0, :n].copy(), part[1, :n].copy()
        self.lam0, self.lam1 = lam[k], lam[k + 1]
        self.e0, self.e1 = emissivity[k], emissivity[k + 1]

    def intensities(self, edges) -> np.ndarray:
        """(p, nv + 2 h, nu + 2 h) intensities (keV cm^-2 s^-1 sr^-1) of the unit-amplitude funnel for
        ``edges``, (p, 2) equatorward and poleward footprint latitudes (deg SM)."""
        edges = np.ascontiguousarray(np.atleast_2d(np.asarray(edges, dtype=np.float64)))
        out = np.empty((edges.shape[0], self.forward.n_rays))
        funnel_integrals_values(
            self.ray, self.ds, self.lo, self.hi, self.lam0, self.lam1, self.e0, self.e1, edges, out
        )
        return (out * INTENSITY_FACTOR).reshape(edges.shape[0], *self.forward.directions.shape[:2])

    def counts(self, edges) -> np.ndarray:
        """(p, nv, nu) expected SWCX counts of the unit-amplitude funnel for ``edges`` (PSF and coverage)."""
        return self.forward.source_counts(self.intensities(edges))
