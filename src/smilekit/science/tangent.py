"""The magnetopause from the limb of an SXI image: maximum intensity, maximum gradient, tangent fitting and
the tangential direction approach.

Physics (limb brightening, Collier & Connor 2018, J. Geophys. Res. 123, 10189, doi:10.1029/2018JA025763,
:cite:`collier2018`):
the SWCX emissivity is zero inside the magnetopause and largest just outside it, so the sky has an edge:
lines of sight that pass through the magnetosheath only are bright, those that enter the magnetosphere
lose the emission of the chord inside it. The brightest line of sight is (nearly) tangent to the
magnetopause. Samsonov et al. (2022, "Finding magnetopause standoff distance using a soft X-ray imager:
Part 2", J. Geophys. Res. Space Phys. 127, e2022JA030850, :cite:`samsonov2022`) found the magnetopause tangent
at or between
the directions of maximum intensity and of maximum intensity gradient, about 3 deg apart. Here the image
is blurred by the PSF and by the smoothing that the noise needs, which moves the maximum outward (the
profile falls slowly on the sheath side) and the maximum gradient inward of the tangent.

Profiles. The image direction that crosses the limb is the projection of the GSM X axis (from the Earth
towards the subsolar point), found from the geometry, not assumed (a rolled spacecraft, the sunward side
at +u, gives the same answer). Pixels (coverage >= 0.9) get coordinates ``s`` along it (tangent-plane
deg, increasing sunward, 0 at the projection of GSM (10, 0, 0)) and ``w`` across, and are pooled into
bins of one pixel along ``s``; a bin's intensity is the pooled Poisson estimate
``sum(counts - background) / sum(exposure * solid_angle * vignetting * C)`` (the L2 foreground of the
pooled pixel; single pixels hold < 1 SWCX count in 5 min). The whole image is stacked onto the central
strip (w = 0): a first pass stacks along straight lines, a second shifts each pixel by the limb's shape
across the image, ``s_limb(w) - s_limb(0)``, of the Shue-type surface (Shue 1997 alpha, r0 of the first
pass) seen from the spacecraft (assumption: the limb's shape, not its position, follows that surface).
The limb-brightening peak is the maximum of the profile smoothed by a Gaussian of 1 deg; the edge is
the largest step between the pooled intensities 2 deg either side within 3 deg earthward of that peak
(a matched filter for an edge, also the detection statistic: it must exceed 3.5 sigma, else "no edge
found"; from nightside apogees the flank limb is soft and is mostly not detected in 5 min, rather than
mistaken for another step); the maximum gradient is then searched within 1.5 deg of it on the profile
smoothed by a Gaussian (sigma 0.5 deg, numerator and exposure alike), the maximum intensity on the
sheath side within 3 deg of that. Position errors come from a seeded parametric bootstrap of the bins
(Gaussian, variance = counts; the generator is seeded by :data:`BOOTSTRAP_SEED`, so the results are
reproducible). The limb-tracing methods repeat the search in strips 1.5 deg wide across the image,
within 2 deg of the stacked edge.

Tangency. A direction in the image becomes a stand-off through the Shue-type surface
``r = r0 (2 / (1 + cos theta))^alpha`` (Shue et al. 1997, :cite:`shue1997`) that its line of sight grazes
(:func:`~smilekit.science.tangency.tangent_standoff_values`). Where a method needs a fixed flaring it takes
the Shue et al. (1997) alpha = (0.58 - 0.010 Bz)(1 + 0.010 Dp) of the upstream state (never the Shue 1998
alpha, :cite:`shue1998`, the truth's shape in the evaluation), 0.58 without a state.

Methods (each ``f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate``):

* :func:`max_intensity` and :func:`max_gradient` (Samsonov et al. 2022): the direction of maximum
  intensity / maximum gradient on the (stacked) central strip, the one containing the projected
  Sun-Earth line, r0 by tangency with the Shue 1997 shape;
* :func:`tangent_fitting` (Sun et al. 2020, J. Geophys. Res. Space Phys. 125, :cite:`sun2020`; reviewed by
  Wang & Sun 2022, Geosci. Lett. 9, 30, doi:10.1186/s40562-022-00240-z, :cite:`wang2022`): the limb direction
  in many strips, then
  (r0, alpha) of the Shue-type surface whose tangent lines from the spacecraft match them (weighted
  least squares);
* :func:`tangential_direction` (Collier & Connor 2018): the limb lines as constraints on an axisymmetric
  surface ``rho = R(x)``; its cross-section is the envelope of the lines' traces in the (x, rho)
  half-plane, reconstructed without a shape model and extrapolated to the nose with a local conic.

The limb-tracing methods take the tangent at the midpoint of the maximum gradient and the maximum
intensity. Uncertainties add the statistical error (bootstrap, fit covariance) and the systematic one of
that choice: the tangent taken as uniform between the two directions.

Assumptions (marked): the magnetopause is axisymmetric about the GSM X axis (no aberration, no tilt
dependence); the emission edge is the magnetopause (cusp emission on the strips is not masked).
"""

from __future__ import annotations

from typing import NamedTuple

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.optimize import minimize_scalar

from smilekit.errors import InputError
from smilekit.geospace.boundaries import shue1997_alpha_values
from smilekit.imaging.gnomonic import tangent_plane_directions_values
from smilekit.science.estimates import OK, MagnetopauseEstimate, failed_magnetopause
from smilekit.science.geometry import ImageGeometry, image_geometry
from smilekit.science.tangency import tangent_standoff_values
from smilekit.units import RE

__all__ = [
    "BOOTSTRAP_SEED",
    "DEFAULT_ALPHA",
    "LimbContext",
    "limb_context",
    "max_gradient",
    "max_intensity",
    "tangent_fitting",
    "tangential_direction",
]

#: Flaring used without an upstream state: the Bz = 0, Dp -> 0 value of Shue et al. (1997).
DEFAULT_ALPHA = 0.58
#: Seed of the parametric bootstrap of the profiles (results are reproducible).
BOOTSTRAP_SEED = 20180925
_N_BOOT = 200
_MIN_COVERAGE = 0.9  # L2 module docstring: keep coverage >= 0.9 for science
_STRIP_WIDTH = 1.5  # deg, width of the strips of the limb-tracing methods
_SMOOTH_SIGMA = 0.5  # deg, Gaussian smoothing along s
_MIN_SIGNIFICANCE = 3.5  # intensity step across the edge / its standard deviation needed to call it an edge
_STEP_WINDOW = 2.0  # deg, the step is measured between the pooled intensities this far either side
_REFINE = 1.5  # deg, the maximum gradient is searched this far either side of the largest step
_PEAK_SIGMA = 1.0  # deg, smoothing of the profile whose maximum marks the limb-brightening peak
_EDGE_BEFORE_PEAK = 3.0  # deg, the edge is searched this far earthward of that peak
_MI_WINDOW = 3.0  # deg, the maximum intensity is searched on the sheath side within this of the edge
_LIMB_RANGE = 4.0  # deg, the model limb is searched this far either side of its central position
_STRIP_SIGNIFICANCE = 1.0  # a strip's step needed near the (already significant) stacked edge
_STRIP_SEARCH = 2.0  # deg, each strip's edge is searched this far either side of the stacked one
_ALPHA_PRIOR_SIGMA = 0.1  # weak prior on the flaring in tangent_fitting
_N_FAMILY = 61  # lines of the smoothed family in tangential_direction
_N_BOOT_STRIPS = 100  # bootstrap resamplings of the strips in tangential_direction
_CONIC_THETA_MAX = np.radians(50.0)  # contact points used by the local conic
_X_REF = (8.0, 12.0)  # RE, two points of the GSM X axis whose projections give the sunward direction


# --- profiles ---------------------------------------------------------------------------------------------


class _Pixels(NamedTuple):
    """The good pixels of one image in strip coordinates (plain floats)."""

    geometry: ImageGeometry
    origin: np.ndarray  # (xi, eta) deg of s = w = 0: the projection of the GSM point (10, 0, 0)
    e_s: np.ndarray  # unit sunward image direction (xi, eta): the projected GSM X axis
    e_w: np.ndarray  # unit direction across it
    ds: float  # profile bin (deg): the pixel size
    s: np.ndarray  # (n,) along the projected X axis, deg, increasing sunward
    w: np.ndarray  # (n,) across, deg
    net: np.ndarray  # (n,) counts - background
    var: np.ndarray  # (n,) counts (Poisson variance of net)
    expo: np.ndarray  # (n,) exposure * solid_angle * vignetting * C


class _Profiles(NamedTuple):
    """Pooled profiles along s, one per strip: net, var, expo are (nw, ns)."""

    s: np.ndarray
    net: np.ndarray
    var: np.ndarray
    expo: np.ndarray


def _project(geometry: ImageGeometry, point_gsm) -> np.ndarray | None:
    """Tangent-plane (xi, eta) deg of a GSM point; None when it lies behind the image plane."""
    v = geometry.body_to_gsm.T @ (np.asarray(point_gsm, dtype=np.float64) - geometry.sc_gsm)
    if v[2] <= 1e-6 * np.linalg.norm(v):
        return None
    return np.degrees(v[:2] / v[2])


def _pixels(l2: xr.Dataset, time_index: int) -> tuple[ImageGeometry, _Pixels | str]:
    """Geometry and the good pixels (coverage >= 0.9) of a time bin; a reason string when unusable."""
    g = image_geometry(l2, time_index)
    need = ("background", "exposure", "solid_angle", "vignetting", "coverage")
    missing = [k for k in need if k not in l2]
    if missing or "counts_per_intensity" not in l2.attrs:
        raise InputError(f"l2 lacks {missing or ['counts_per_intensity']}: pass an L2 dataset from make_l2")
    a = _project(g, (_X_REF[0], 0.0, 0.0))
    b = _project(g, (_X_REF[1], 0.0, 0.0))
    if a is None or b is None or np.linalg.norm(b - a) < 0.5:
        return g, "projected Sun-Earth line undefined (X axis behind or along the line of sight)"
    e_s = (b - a) / np.linalg.norm(b - a)
    e_w = np.array([-e_s[1], e_s[0]])
    origin = _project(g, (0.5 * (_X_REF[0] + _X_REF[1]), 0.0, 0.0))
    xi, eta = np.meshgrid(g.xi_deg, g.eta_deg)  # (nv, nu)
    dx, dy = xi - origin[0], eta - origin[1]
    counts = np.asarray(l2["counts"].values[time_index], dtype=np.float64)
    back = np.asarray(l2["background"].values[time_index], dtype=np.float64)
    expo = (
        np.asarray(l2["exposure"].values[time_index], dtype=np.float64)
        * np.asarray(l2["solid_angle"].values, dtype=np.float64)
        * np.asarray(l2["vignetting"].values, dtype=np.float64)
        * float(l2.attrs["counts_per_intensity"])
    )
    good = (np.asarray(l2["coverage"].values) >= _MIN_COVERAGE) & (expo > 0)
    good &= np.isfinite(counts) & np.isfinite(back) & np.isfinite(expo)
    if good.sum() < 20:
        return g, "no pixels with coverage >= 0.9 and exposure"
    ds = float(np.median(np.abs(np.diff(g.xi_deg)))) if g.xi_deg.size > 1 else 0.25
    px = _Pixels(
        geometry=g,
        origin=origin,
        e_s=e_s,
        e_w=e_w,
        ds=ds,
        s=(dx * e_s[0] + dy * e_s[1])[good],
        w=(dx * e_w[0] + dy * e_w[1])[good],
        net=(counts - back)[good],
        var=counts[good],
        expo=expo[good],
    )
    return g, px


def _pool(px: _Pixels, shift: np.ndarray, strip: np.ndarray, nw: int) -> _Profiles:
    """Bin pixels at s - shift (one pixel bins) into profiles; strip (n,) index in [0, nw) or -1 (unused)."""
    sp = px.s - shift
    use = (strip >= 0) & np.isfinite(sp)
    s0 = np.floor(sp[use].min() / px.ds) * px.ds - 2 * px.ds
    js = np.floor((sp - s0) / px.ds).astype(int)
    ns = int(js[use].max()) + 3
    idx = strip[use] * ns + js[use]

    def pool(v):
        return np.bincount(idx, weights=v[use], minlength=nw * ns).reshape(nw, ns)

    return _Profiles(s0 + (np.arange(ns) + 0.5) * px.ds, pool(px.net), pool(px.var), pool(px.expo))


class _Edge(NamedTuple):
    s_mg: np.ndarray  # (nw,) maximum-gradient position along s (deg), NaN where none
    s_mi: np.ndarray  # (nw,) maximum-intensity position
    sig_mg: np.ndarray  # (nw,) bootstrap 1-sigma of s_mg (deg)
    sig_mi: np.ndarray
    sig_mid: np.ndarray  # bootstrap 1-sigma of the midpoint (s_mg + s_mi) / 2
    significance: np.ndarray  # (nw,) intensity step across the edge / its standard deviation


def _parabolic_peak(y: np.ndarray, k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Sub-bin position of the maximum of y (..., n) at index k (...,) by a parabola through 3 points."""
    n = y.shape[-1]
    kk = np.clip(k, 1, n - 2)
    ym = np.take_along_axis(y, (kk - 1)[..., None], -1)[..., 0]
    y0 = np.take_along_axis(y, kk[..., None], -1)[..., 0]
    yp = np.take_along_axis(y, (kk + 1)[..., None], -1)[..., 0]
    den = ym - 2.0 * y0 + yp
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < 0, 0.5 * (ym - yp) / den, 0.0)
    off = np.where(np.isfinite(off), np.clip(off, -0.5, 0.5), 0.0)
    return x[kk] + off * (x[1] - x[0])


def _edges(
    prof: _Profiles, lo=None, hi=None, *, n_boot: int = _N_BOOT, min_significance=_MIN_SIGNIFICANCE
) -> _Edge:
    """Maximum-gradient and maximum-intensity positions along s in every profile, with bootstrap errors.

    The intensity is smoothed with a Gaussian kernel (sigma ``_SMOOTH_SIGMA``), numerator and exposure
    alike, ``I = K net / K expo``; the edge is the largest central-difference gradient dI/ds (intensity
    rising sunward, from the magnetosphere side into the sheath side), searched in [lo, hi] (deg, per
    profile, default everywhere); the maximum intensity is the largest ``I`` on the sheath side within
    ``_MI_WINDOW`` deg of it. Errors: the 1.4826 MAD of the positions over a seeded parametric bootstrap
    of the binned counts (Gaussian, variance = counts).
    """
    s = prof.s
    nw, ns = prof.net.shape
    kmat = _smoothing_matrix(s, _SMOOTH_SIGMA)
    den = prof.expo @ kmat.T
    pos = den[den > 0]
    support = den > 0.3 * np.median(pos) if pos.size else den > 0
    ok = np.zeros_like(support)
    ok[:, 1:-1] = support[:, 2:] & support[:, :-2] & support[:, 1:-1]
    lo = np.full(nw, -np.inf) if lo is None else np.broadcast_to(np.asarray(lo, dtype=np.float64), (nw,))
    hi = np.full(nw, np.inf) if hi is None else np.broadcast_to(np.asarray(hi, dtype=np.float64), (nw,))
    window = (s[None, :] >= lo[:, None]) & (s[None, :] <= hi[:, None])
    ok &= window
    safe_den = np.where(support, den, 1.0)
    kbroad = _smoothing_matrix(s, _PEAK_SIGMA)
    den_b = prof.expo @ kbroad.T
    in_win = support & window
    safe_den_b = np.where(in_win, den_b, 1.0)
    ds = s[1] - s[0]

    m = max(1, round(_STEP_WINDOW / ds))
    zero = np.zeros((nw, 1))
    c_var = np.concatenate([zero, np.cumsum(prof.var, axis=-1)], axis=-1)
    c_exp = np.concatenate([zero, np.cumsum(prof.expo, axis=-1)], axis=-1)
    j = np.arange(m, ns - m + 1)  # the step lies between bins j - 1 and j
    x_in = c_exp[:, j] - c_exp[:, j - m]
    x_out = c_exp[:, j + m] - c_exp[:, j]
    v_in = np.maximum(c_var[:, j] - c_var[:, j - m], 1.0)
    v_out = np.maximum(c_var[:, j + m] - c_var[:, j], 1.0)
    full = np.median(x_in[x_in > 0]) if (x_in > 0).any() else 1.0
    s_step = s[j] - 0.5 * ds
    step_ok = (x_in > 0.3 * full) & (x_out > 0.3 * full)
    step_ok &= (s_step[None, :] >= lo[:, None]) & (s_step[None, :] <= hi[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        step_sd = np.sqrt(v_in / x_in**2 + v_out / x_out**2)

    def locate(net):  # net (..., nw, ns) -> s_mg, s_mi, step z (..., nw)
        # the limb-brightening peak: the maximum of the broadly smoothed intensity
        broad = np.where(in_win, (net @ kbroad.T) / safe_den_b, -np.inf)
        s_peak = s[np.argmax(broad, axis=-1)]
        # the edge: the largest step on its earthward side
        c_net = np.concatenate([np.zeros((*net.shape[:-1], 1)), np.cumsum(net, axis=-1)], axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            i_out = (c_net[..., j + m] - c_net[..., j]) / x_out
            z = (i_out - (c_net[..., j] - c_net[..., j - m]) / x_in) / step_sd
        rel = s_step - s_peak[..., None]
        z = np.where(step_ok & (rel >= -_EDGE_BEFORE_PEAK) & (rel <= ds), z, -np.inf)
        kz = np.argmax(z, axis=-1)
        zmax = np.take_along_axis(z, kz[..., None], -1)[..., 0]
        s_edge = s_step[kz]
        inten = (net @ kmat.T) / safe_den
        grad = np.full(inten.shape, -np.inf)
        grad[..., 1:-1] = (inten[..., 2:] - inten[..., :-2]) / (2 * ds)
        inten = np.where(support, inten, -np.inf)
        near = np.abs(s - s_edge[..., None]) <= _REFINE
        grad = np.where(ok & near, grad, -np.inf)
        k = np.argmax(grad, axis=-1)
        found = np.isfinite(np.take_along_axis(grad, k[..., None], -1)[..., 0]) & np.isfinite(zmax)
        s_mg = _parabolic_peak(np.where(np.isfinite(grad), grad, -1e300), k, s)
        window = (s >= s_mg[..., None] - ds) & (s <= s_mg[..., None] + _MI_WINDOW) & support
        inten_w = np.where(window, inten, -np.inf)
        ki = np.argmax(inten_w, axis=-1)
        s_mi = _parabolic_peak(np.where(np.isfinite(inten_w), inten_w, -1e300), ki, s)
        return np.where(found, s_mg, np.nan), np.where(found, s_mi, np.nan), np.where(found, zmax, 0.0)

    s_mg, s_mi, significance = locate(prof.net)
    if n_boot > 0:
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        noise = rng.standard_normal((n_boot, nw, ns)) * np.sqrt(np.maximum(prof.var, 1.0))[None]
        b_mg, b_mi, _ = locate(prof.net[None] + noise)
        sig_mg = _robust_sd(b_mg - s_mg[None], axis=0)
        sig_mi = _robust_sd(b_mi - s_mi[None], axis=0)
        sig_mid = _robust_sd(0.5 * (b_mg + b_mi) - 0.5 * (s_mg + s_mi)[None], axis=0)
    else:
        sig_mg = sig_mi = sig_mid = np.full(nw, np.nan)
    no = ~np.isfinite(s_mg) | (significance < min_significance)
    floor = 0.25 * ds  # the bin quantisation
    return _Edge(
        s_mg=np.where(no, np.nan, s_mg),
        s_mi=np.where(no, np.nan, s_mi),
        sig_mg=np.where(no, np.nan, np.maximum(sig_mg, floor)),
        sig_mi=np.where(no, np.nan, np.maximum(sig_mi, floor)),
        sig_mid=np.where(no, np.nan, np.maximum(sig_mid, floor)),
        significance=significance,
    )


def _smoothing_matrix(s: np.ndarray, sigma: float) -> np.ndarray:
    d = (s[:, None] - s[None, :]) / sigma
    return np.exp(-0.5 * d * d)


def _robust_sd(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """1.4826 x median absolute deviation, ignoring NaN (robust to the odd jump to a noise peak); NaN, without
    numpy's All-NaN warning, where no draw found an edge (a fine-pixel image on a short series)."""
    x = np.moveaxis(np.asarray(x, float), axis, 0)
    out = np.full(x.shape[1:], np.nan)
    some = np.isfinite(x).any(axis=0)
    if some.any():
        found = x[:, some]
        med = np.nanmedian(found, axis=0)
        out[some] = 1.4826 * np.nanmedian(np.abs(found - med), axis=0)
    return out


def _directions_gsm(px: _Pixels, s_pos, w_pos) -> np.ndarray:
    """GSM unit vectors (N, 3) of image points at (s, w) deg."""
    s_pos, w_pos = np.broadcast_arrays(np.atleast_1d(np.asarray(s_pos, float)), np.asarray(w_pos, float))
    xi = px.origin[0] + s_pos * px.e_s[0] + w_pos * px.e_w[0]
    eta = px.origin[1] + s_pos * px.e_s[1] + w_pos * px.e_w[1]
    return tangent_plane_directions_values(xi, eta, px.geometry.body_to_gsm)


def _limb_offsets(px: _Pixels, w_nodes: np.ndarray, r0: float, alpha: float) -> np.ndarray:
    """s of the model limb (the Shue-type surface (r0, alpha) seen tangentially) at w_nodes, minus its
    value at w = 0; NaN where the limb is not found in the image's s range."""
    s_ref = float(_s_of_r0(px, r0, alpha))
    s_grid = s_ref + np.arange(-_LIMB_RANGE, _LIMB_RANGE + 1e-9, 0.1)
    w_all = np.concatenate([[0.0], w_nodes])
    ss, ww = np.meshgrid(s_grid, w_all)
    r0s, _ = tangent_standoff_values(px.geometry.sc_gsm, _directions_gsm(px, ss.ravel(), ww.ravel()), alpha)
    r0s = r0s.reshape(ss.shape)
    out = np.full(w_all.size, np.nan)
    for i in range(w_all.size):
        row = r0s[i]
        cross = np.flatnonzero(
            np.isfinite(row[:-1]) & np.isfinite(row[1:]) & (row[:-1] < r0) & (row[1:] >= r0)
        )
        if cross.size:
            j = cross[0]
            out[i] = s_grid[j] + (r0 - row[j]) / (row[j + 1] - row[j]) * (s_grid[j + 1] - s_grid[j])
    return out[1:] - out[0]


def _s_of_r0(px: _Pixels, r0: float, alpha: float, w: float = 0.0) -> float:
    """s on the strip at w whose line of sight is tangent to the surface (r0, alpha); NaN if none."""
    s_grid = np.arange(px.s.min() - 5.0, px.s.max() + 5.0, 0.25)
    r = _r0_of(px, s_grid, w, alpha)
    cross = np.flatnonzero(np.isfinite(r[:-1]) & np.isfinite(r[1:]) & (r[:-1] < r0) & (r[1:] >= r0))
    if not cross.size:
        return np.nan
    j = cross[0]
    return float(s_grid[j] + (r0 - r[j]) / (r[j + 1] - r[j]) * (s_grid[j + 1] - s_grid[j]))


def _r0_and_theta(px: _Pixels, s_pos, w_pos, alpha) -> tuple[np.ndarray, float]:
    """r0 (RE) of the lines of sight at (s, w), and the polar angle (rad, from +X GSM) of the first one's
    tangent point: one tangency solve for both."""
    d = _directions_gsm(px, s_pos, w_pos)
    r0, t = tangent_standoff_values(px.geometry.sc_gsm, d, alpha)
    p = px.geometry.sc_gsm + t[0] * d[0]
    return r0, float(np.arccos(np.clip(p[0] / np.linalg.norm(p), -1.0, 1.0)))


def _tangent_theta(px: _Pixels, s_pos, w_pos, alpha) -> float:
    """Polar angle (rad, from +X GSM) of the tangent point of the line of sight at (s, w)."""
    return _r0_and_theta(px, s_pos, w_pos, alpha)[1]


def _r0_of(px: _Pixels, s_pos, w_pos, alpha) -> np.ndarray:
    r0, _ = tangent_standoff_values(px.geometry.sc_gsm, _directions_gsm(px, s_pos, w_pos), alpha)
    return r0


class _Limb(NamedTuple):
    """The edge of one image: the stacked central profile and the per-strip positions."""

    px: _Pixels
    edge: _Edge  # of the stacked profile referred to the central strip (one row)
    alpha: float
    alpha_note: str
    w_nodes: np.ndarray
    offsets: np.ndarray  # model limb shape s(w) - s(0) at w_nodes
    r0_first: float  # r0 of the first pass (the model limb's stand-off)


def _stacked_limb(px: _Pixels, alpha: float, alpha_note: str) -> _Limb | str:
    """Find the edge on the whole image stacked along the limb, referred to the central strip (w = 0).

    Pass 1 stacks every pixel at its s (a straight limb across the image); pass 2 shifts each pixel by the
    limb shape ``s_limb(w) - s_limb(0)`` of the Shue-type surface (alpha, r0 of pass 1) seen from the
    spacecraft, so that the stack is sharp where the limb curves (assumption: the limb's shape across the
    image, not its position, follows that surface).
    """
    one = np.zeros(px.s.size, dtype=int)
    first = _edges(_pool(px, np.zeros(px.s.size), one, 1), n_boot=0)
    if not np.isfinite(first.s_mg[0]):
        return "no edge found"
    s_mid = 0.5 * (first.s_mg[0] + first.s_mi[0])
    r1 = float(_r0_of(px, s_mid, 0.0, alpha)[0])
    w_nodes = np.arange(np.floor(px.w.min()), np.ceil(px.w.max()) + 0.5, 1.0)
    if not np.isfinite(r1):
        return "no tangency (the edge direction does not graze a dayside surface)"
    offsets = _limb_offsets(px, w_nodes, r1, alpha)
    good = np.isfinite(offsets)
    if good.sum() < 2:
        return "no limb in the image"
    shift = np.interp(px.w, w_nodes[good], offsets[good], left=np.nan, right=np.nan)
    strip = np.where(np.isfinite(shift), 0, -1)
    edge = _edges(_pool(px, np.where(np.isfinite(shift), shift, 0.0), strip, 1))
    if not np.isfinite(edge.s_mg[0]):
        return "no edge found"
    return _Limb(px, edge, alpha, alpha_note, w_nodes[good], offsets[good], r1)


class LimbContext:
    """What the four limb methods of one time bin share: the image's good pixels in strip coordinates,
    the edge stacked along the limb and, made on first use, the limb in strips (:func:`limb_context`).

    Attributes
    ----------
    time : numpy.datetime64
        The time bin's time (its geometry's).
    alpha, alpha_note : float, str
        The Shue et al. (1997) flaring the limb was stacked with, and where it came from.
    reason : str or None
        Why the image has no limb (each method's status), or None.
    """

    def __init__(self, l2: xr.Dataset, time_index: int, solar_wind):
        g, px = _pixels(l2, time_index)
        self.time = g.time
        self.alpha, self.alpha_note = _shue97_alpha_of(solar_wind)
        self.px = self.limb = None
        self.reason = px if isinstance(px, str) else None
        if self.reason is None:
            self.px = px
            limb = _stacked_limb(px, self.alpha, self.alpha_note)
            self.reason = limb if isinstance(limb, str) else None
            self.limb = None if self.reason else limb
        self._strips = None

    def strips(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str:
        """The strips' limb midpoints ``(w, s, sigma)`` (:func:`_strip_edges`), or why there are none."""
        if self._strips is None:
            self._strips = self.reason or _strip_edges(self.px, self.limb)
        return self._strips


def limb_context(l2: xr.Dataset, time_index: int = 0, solar_wind=None) -> LimbContext:
    """The pixels and the stacked limb of one L2 time bin that :func:`max_intensity`,
    :func:`max_gradient`, :func:`tangent_fitting` and :func:`tangential_direction` all start from.

    Make it once and pass it to each as ``limb`` to find the limb once, as
    :func:`~smilekit.science.cusps.retrieve_image` does; the results are those of each method alone.

    Raises
    ------
    InputError
        If ``l2`` is not an L2 dataset, ``time_index`` is out of range or ``solar_wind`` is not a
        SolarWindState.
    """
    return LimbContext(l2, time_index, solar_wind)


def _context(l2, time_index, solar_wind, limb) -> LimbContext:
    """The method's :class:`LimbContext`: made here, or the caller's when it is of this time bin and
    flaring."""
    if limb is None:
        return limb_context(l2, time_index, solar_wind)
    if not isinstance(limb, LimbContext) or limb.time != image_geometry(l2, time_index).time:
        raise InputError("limb must be the limb_context of the same L2 time bin")
    if solar_wind is not None and _shue97_alpha_of(solar_wind)[0] != limb.alpha:
        raise InputError("limb was made with another solar wind than solar_wind")
    return limb


# --- shared helpers -------------------------------------------------------------------------------------


def _shue97_alpha_of(solar_wind) -> tuple[float, str]:
    """Shue et al. (1997) flaring from the upstream state, or DEFAULT_ALPHA without one."""
    if solar_wind is None:
        return DEFAULT_ALPHA, "default 0.58 (no solar-wind state)"
    try:
        bz = float(solar_wind.bz.to_value(u.nT))
        pdyn = float(solar_wind.pdyn.to_value(u.nPa))
    except AttributeError as exc:
        raise InputError(
            f"solar_wind must be a SolarWindState or None, got {type(solar_wind).__name__}"
        ) from exc
    return shue1997_alpha_values(bz, pdyn), "shue1997 from the solar-wind state"


def _estimate(method, r0, sigma, boundary, time) -> MagnetopauseEstimate:
    if not (np.isfinite(r0) and np.isfinite(sigma) and r0 > 0):
        return failed_magnetopause(
            method, "no tangency (the edge direction does not graze a dayside surface)", time
        )
    return MagnetopauseEstimate(
        method, float(r0) * RE, float(sigma) * RE, OK, boundary, np.datetime64(time, "ns")
    )


def _single_direction(method, context: LimbContext, which) -> MagnetopauseEstimate:
    if context.reason:
        return failed_magnetopause(method, context.reason, context.time)
    px, limb, alpha, alpha_note = context.px, context.limb, context.alpha, context.alpha_note
    e = limb.edge
    s_pos = float((e.s_mi if which == "mi" else e.s_mg)[0])
    sig_stat = float((e.sig_mi if which == "mi" else e.sig_mg)[0])
    # the tangent lies between the two directions (Samsonov et al. 2022): taken as uniform over
    # [s_mg, s_mi], the offset of either end from it has an rms of (s_mi - s_mg) / sqrt(3)
    sig = float(np.hypot(sig_stat, (e.s_mi[0] - e.s_mg[0]) / np.sqrt(3.0)))
    r0s, theta = _r0_and_theta(px, [s_pos, s_pos - sig, s_pos + sig], 0.0, alpha)
    # the fixed flaring's own error (alpha +- _ALPHA_PRIOR_SIGMA) moves r0 by r0 ln((1 + cos t) / 2) d alpha
    sig_shape = abs(r0s[0] * np.log(0.5 * (1.0 + np.cos(theta)))) * _ALPHA_PRIOR_SIGMA
    xi_eta = px.origin + s_pos * px.e_s
    boundary = {
        "shape": "shue",
        "r0": float(r0s[0]),
        "alpha": float(alpha),
        "alpha_source": alpha_note,
        "edge_xi_deg": float(xi_eta[0]),
        "edge_eta_deg": float(xi_eta[1]),
        "edge_sigma_deg": sig,
        "edge_sigma_stat_deg": sig_stat,
        "significance": float(e.significance[0]),
        "tangent_theta_deg": float(np.degrees(theta)),
    }
    sigma = float(np.hypot(0.5 * abs(r0s[2] - r0s[1]), sig_shape))
    return _estimate(method, r0s[0], sigma, boundary, context.time)


# --- the methods --------------------------------------------------------------------------------------


def max_intensity(l2: xr.Dataset, *, time_index: int = 0, solar_wind=None, limb=None) -> MagnetopauseEstimate:
    """r0 from the direction of maximum intensity on the central strip (Samsonov et al. 2022).

    The profile along the projected Sun-Earth line (the central strip), with the whole image stacked onto
    it along the limb (module docstring), is smoothed (Gaussian, sigma 0.5 deg); its maximum on the
    sheath side of the edge (within 3 deg of the maximum gradient) gives the line of sight taken as
    tangent to the magnetopause; r0 follows by tangency
    (:func:`~smilekit.science.tangency.tangent_standoff_values`) with the Shue et al. (1997) alpha of
    ``solar_wind`` (0.58 without one, recorded in ``boundary["alpha_source"]``).
    The maximum lies outward of the tangent (the limb-brightened profile falls slowly on the sheath side
    and the PSF and the smoothing move its peak that way), so r0 tends to be too large: measured on the
    physical SWCX truth, +0.25 RE on average (benchmarks/bench_tangent.py).

    Parameters
    ----------
    l2 : xarray.Dataset
        SXI level-2 images (:func:`~smilekit.instruments.sxi.l2.make_l2`).
    time_index : int
        Time bin.
    solar_wind : SolarWindState, optional
        Upstream state at the image time (for the Shue 1997 alpha).
    limb : LimbContext, optional
        This time bin's :func:`limb_context`, made with the same ``solar_wind``, when the caller made it
        already (to share it between the four limb methods); default: made here.

    Returns
    -------
    MagnetopauseEstimate
        r0 with the 1-sigma uncertainty propagated from the peak direction's error (bootstrap, and
        the rms offset from a tangent uniform between the maximum gradient and the maximum intensity),
        with the flaring's error (alpha +- 0.1) at the tangent point's polar angle in quadrature;
        ``boundary`` holds the Shue-type shape, the peak direction (tangent-plane deg), its error,
        the edge's significance and the tangent point's polar angle ``tangent_theta_deg`` (beyond
        ~50 deg, seen from nightside apogees, the extrapolation to the nose hangs on the shape).
        Status "no edge found" (NaN) when the image has no significant edge.

    Raises
    ------
    InputError
        If ``l2`` is not an L2 dataset, ``time_index`` is out of range, ``solar_wind`` is not a
        SolarWindState, or ``limb`` is not the context of this time bin and solar wind.
    """
    return _single_direction("max_intensity", _context(l2, time_index, solar_wind, limb), "mi")


def max_gradient(l2: xr.Dataset, *, time_index: int = 0, solar_wind=None, limb=None) -> MagnetopauseEstimate:
    """r0 from the direction of maximum intensity gradient on the central strip (Samsonov et al. 2022).

    As :func:`max_intensity`, with the direction where the smoothed intensity rises fastest from the
    magnetosphere side into the sheath side. That direction lies inward of the tangent (the blurred edge
    is steepest inside the limb), so r0 tends to be too small: -0.2 RE on average on the physical truth.
    """
    return _single_direction("max_gradient", _context(l2, time_index, solar_wind, limb), "mg")


def tangent_fitting(
    l2: xr.Dataset, *, time_index: int = 0, solar_wind=None, limb=None
) -> MagnetopauseEstimate:
    """r0 and alpha of the Shue-type surface whose tangent lines match the limb (Sun et al. 2020).

    The limb is located in strips across the image (1.5 deg wide; in each, the midpoint of the maximum
    gradient and the maximum intensity, between which Samsonov et al. 2022 found the magnetopause
    tangent), each with its bootstrap error. For a flaring alpha every strip's line of sight gives the
    stand-off ``r0_k(alpha)`` of the tangent surface
    (:func:`~smilekit.science.tangency.tangent_standoff_values`); the fit minimises
    ``sum_k ((r0_k(alpha) - r0) / sigma_k)^2 + ((alpha - alpha_97) / 0.1)^2`` with ``sigma_k`` the strip's
    position error times ``d r0_k / d s``, and the Shue et al. (1997) alpha of ``solar_wind`` (0.58
    without one) as a weak Gaussian prior (from one viewpoint the tangent points span a narrow range of
    polar angle, so the data alone barely constrain alpha). 3-sigma clipping, refitted until it drops
    no more, removes strips on a noise peak. The uncertainty is the fit covariance, scaled by the reduced
    chi-square when above 1.

    Parameters and returns as :func:`max_intensity`; ``boundary`` holds ``r0``, ``alpha`` and its
    sigma, and the strips' limb directions (``limb_xi_deg``, ``limb_eta_deg`` lists).
    """
    method = "tangent_fitting"
    got = _strip_limb(_context(l2, time_index, solar_wind, limb), method, min_strips=3)
    if isinstance(got, MagnetopauseEstimate):
        return got
    px, limb, (w, s_k, sig_k) = got
    alpha_p = limb.alpha
    keep = np.ones(w.size, dtype=bool)
    while True:  # 3-sigma clipping, refitted until no strip is clipped (each pass drops one or more)
        fit = _fit_shue(px, s_k[keep], w[keep], sig_k[keep], alpha_p)
        if fit is None:
            return failed_magnetopause(method, "no tangency for the strips' edges", px.geometry.time)
        r0, alpha, cov, chi2, resid = fit
        z = np.full(w.size, np.inf)
        z[keep] = np.abs(resid)
        new = keep & (z <= 3.0)
        if new.sum() == keep.sum() or new.sum() < 3:
            break
        keep = new
    dof = max(int(keep.sum()) - 1, 1)  # two parameters, one prior
    cov = cov * max(1.0, chi2 / dof)
    sigma = float(np.hypot(np.sqrt(cov[0, 0]), _midpoint_systematic(px, limb)))
    xi_eta = px.origin[None, :] + s_k[:, None] * px.e_s[None, :] + w[:, None] * px.e_w[None, :]
    boundary = {
        "shape": "shue",
        "r0": float(r0),
        "alpha": float(alpha),
        "alpha_sigma": float(np.sqrt(cov[1, 1])),
        "alpha_prior": float(alpha_p),
        "alpha_source": limb.alpha_note + " (prior, sigma 0.1)",
        "chi2": float(chi2),
        "n_strips": int(keep.sum()),
        "tangent_theta_deg": float(
            np.degrees(_tangent_theta(px, s_k[keep][np.argmin(np.abs(w[keep]))], 0.0, alpha))
        ),
        "limb_xi_deg": xi_eta[keep, 0].tolist(),
        "limb_eta_deg": xi_eta[keep, 1].tolist(),
    }
    return _estimate(method, r0, sigma, boundary, px.geometry.time)


def tangential_direction(
    l2: xr.Dataset, *, time_index: int = 0, solar_wind=None, limb=None
) -> MagnetopauseEstimate:
    """r0 from the envelope of the limb lines of sight (Collier & Connor 2018, tangential direction).

    Every limb line of sight grazes the magnetopause. For a surface axisymmetric about the GSM X axis,
    ``rho = R(x)`` with ``rho = sqrt(y^2 + z^2)``, each line's trace in the (x, rho) half-plane lies on
    or outside the cross-section and touches it at its tangent point, so the cross-section is the
    envelope of the traces: no shape is assumed. Here the strips' limb positions (as in
    :func:`tangent_fitting`) are smoothed by a weighted quadratic ``s(w)`` (noise would bias a lower
    envelope inward). From one viewpoint the depth of the contact points along the lines hangs on the
    limb's curvature across the image (d2s/dw2), which the noise leaves loose, so the quadratic
    coefficient has a Gaussian prior: the curvature of the limb of the Shue-type surface (Shue 1997
    alpha, r0 of the stack), with the spread that alpha +- 0.1 gives (assumption, marked; the envelope
    itself stays shape-free). The smoothed limb is turned into a dense one-parameter family of lines
    ``L(t; w) = P + t d(w)``, and
    the contact point of each line with the envelope is found in closed form from the envelope condition
    ``d(x, rho) / d(t, w) = 0``:
    ``t* = [d_x' (P_y d_y + P_z d_z) - d_x (P_y d_y' + P_z d_z')] /
    [d_x (d_y d_y' + d_z d_z') - d_x' (d_y^2 + d_z^2)]`` (primes: d/dw). At each contact point
    (x, rho) with the trace's slope m = dx/drho, the local conic ``x = r0 - rho^2 / (2 Rc)`` with its
    vertex on the X axis matching point and slope gives ``r0 = x - m rho / 2``; the estimate is the median
    over the family (contact points with polar angle below 50 deg: on a Shue-type surface with
    alpha = 0.6 the conic overestimates r0 by 0.4 % at 35 deg, 1.2 % at 45 deg, 4 % at 60 deg). The
    uncertainty is a seeded bootstrap over the strips plus the midpoint's systematic error.
    ``solar_wind`` is not used except through the limb search (its Shue 1997 alpha shapes the stacking
    of the strips, see :func:`max_intensity`).

    Parameters and returns as :func:`max_intensity`; ``boundary`` holds the conic (``shape`` "conic",
    ``r0``, ``Rc`` the median radius of curvature) and the envelope points (``envelope_x_re``,
    ``envelope_rho_re`` lists).
    """
    method = "tangential_direction"
    got = _strip_limb(_context(l2, time_index, solar_wind, limb), method, min_strips=4)
    if isinstance(got, MagnetopauseEstimate):
        return got
    px, limb, (w, s_k, sig_k) = got
    prior = _curvature_prior(px, limb)
    est = _envelope_r0(px, w, s_k, sig_k, prior)
    if est is None:
        return failed_magnetopause(method, "no envelope contact points", px.geometry.time)
    r0, rc, ex, erho = est
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = [rng.integers(0, w.size, w.size) for _ in range(_N_BOOT_STRIPS)]
    picks = np.array([pick for pick in picks if np.unique(w[pick]).size >= 4]).reshape(-1, w.size)
    boots = _envelope_r0_many(px, w, s_k, sig_k, prior, picks)
    boots = boots[np.isfinite(boots)]
    if len(boots) < _N_BOOT_STRIPS // 2:
        return failed_magnetopause(method, "unstable envelope (bootstrap)", px.geometry.time)
    sigma = float(np.hypot(np.std(boots), _midpoint_systematic(px, limb)))
    boundary = {
        "shape": "conic",
        "r0": float(r0),
        "Rc": float(rc),
        "envelope_x_re": ex.tolist(),
        "envelope_rho_re": erho.tolist(),
    }
    return _estimate(method, r0, sigma, boundary, px.geometry.time)


# --- the limb across the image ---------------------------------------------------------------------------


def _strip_limb(context: LimbContext, method, min_strips):
    """(pixels, stacked limb, (w, s, sigma) of the strips' limb midpoints), or a failed estimate (also
    when fewer than ``min_strips`` strips show an edge)."""
    strips = context.strips()
    if isinstance(strips, str):
        return failed_magnetopause(method, strips, context.time)
    if strips[0].size < min_strips:
        return failed_magnetopause(method, "too few strips with an edge", context.time)
    return context.px, context.limb, strips


def _strip_edges(px, limb):
    """The limb midpoints ``(w, s, sigma)`` of the strips across the image that show an edge (each strip
    stacked along the limb shape of ``limb``); a reason string when the limb leaves the image."""
    shift = np.interp(px.w, limb.w_nodes, limb.offsets, left=np.nan, right=np.nan)
    w_lo = limb.w_nodes.min()
    strip = np.floor((px.w - w_lo) / _STRIP_WIDTH).astype(int)
    strip = np.where(np.isfinite(shift), strip, -1)
    nw = int(strip.max()) + 1
    if nw < 1:
        return "no limb in the image"
    prof = _pool(px, np.where(np.isfinite(shift), shift, 0.0), strip, nw)
    centre = limb.edge.s_mg[0]
    edge = _edges(prof, centre - _STRIP_SEARCH, centre + _STRIP_SEARCH, min_significance=_STRIP_SIGNIFICANCE)
    w_c = w_lo + (np.arange(nw) + 0.5) * _STRIP_WIDTH
    mid = 0.5 * (edge.s_mg + edge.s_mi) + np.interp(w_c, limb.w_nodes, limb.offsets)
    ok = np.isfinite(mid) & np.isfinite(edge.sig_mid)
    # the strip's pixel count matters: strips cut by the field's edge are dropped when too sparse
    n_pix = np.bincount(strip[strip >= 0], minlength=nw)
    ok &= n_pix >= 0.5 * np.median(n_pix[n_pix > 0])
    return w_c[ok], mid[ok], edge.sig_mid[ok]


def _midpoint_systematic(px, limb) -> float:
    """r0 error (RE, 1 sigma) of taking the tangent at the midpoint of the maximum gradient and the
    maximum intensity: uniform between them (Samsonov et al. 2022), rms (s_mi - s_mg) / (2 sqrt 3),
    through d r0 / d s on the central strip. Common to every strip, so it is not in the fit weights."""
    e = limb.edge
    mid = 0.5 * (e.s_mg[0] + e.s_mi[0])
    h = 0.1
    r = _r0_of(px, [mid - h, mid + h], 0.0, limb.alpha)
    slope = abs(r[1] - r[0]) / (2 * h)
    out = slope * (e.s_mi[0] - e.s_mg[0]) / (2.0 * np.sqrt(3.0))
    return float(out) if np.isfinite(out) else 0.0


def _fit_shue(px, s_k, w, sig_k, alpha_p):
    """Weighted least squares of (r0, alpha) to the strips' tangent lines; None when no tangency."""
    h = 0.05
    r_lo = _r0_of(px, s_k - h, w, alpha_p)
    r_hi = _r0_of(px, s_k + h, w, alpha_p)
    sig_r = np.abs(r_hi - r_lo) / (2 * h) * sig_k
    if not np.all(np.isfinite(sig_r)) or np.any(sig_r <= 0):
        return None
    wt = 1.0 / sig_r**2
    dirs = _directions_gsm(px, s_k, w)

    def chi2(alpha):
        r0k, _ = tangent_standoff_values(px.geometry.sc_gsm, dirs, alpha)
        if not np.all(np.isfinite(r0k)):
            return 1e30
        r0 = np.sum(wt * r0k) / np.sum(wt)
        return float(np.sum(wt * (r0k - r0) ** 2) + ((alpha - alpha_p) / _ALPHA_PRIOR_SIGMA) ** 2)

    res = minimize_scalar(chi2, bounds=(0.2, 1.2), method="bounded", options={"xatol": 1e-4})
    alpha = float(res.x)
    r0k, t = tangent_standoff_values(px.geometry.sc_gsm, dirs, alpha)
    if not np.all(np.isfinite(r0k)):
        return None
    r0 = float(np.sum(wt * r0k) / np.sum(wt))
    p = px.geometry.sc_gsm[None, :] + t[:, None] * dirs
    half = 0.5 * (1.0 + p[:, 0] / np.linalg.norm(p, axis=1))
    dr_da = r0k * np.log(half)  # envelope theorem: d/d alpha of min_s at the fixed tangent point
    jac = np.zeros((w.size + 1, 2))
    jac[:-1, 0] = -1.0 / sig_r
    jac[:-1, 1] = dr_da / sig_r
    jac[-1, 1] = 1.0 / _ALPHA_PRIOR_SIGMA
    cov = np.linalg.pinv(jac.T @ jac)
    resid = (r0k - r0) / sig_r
    return r0, alpha, cov, float(np.sum(resid**2)), resid


def _curvature_prior(px, limb) -> tuple[float, float]:
    """Curvature d2s/dw2 / 2 of the model limb (Shue-type, alpha and r0 of the stack) and its spread for
    alpha +- _ALPHA_PRIOR_SIGMA: the prior of the smoothing in tangential_direction."""
    c2 = []
    for da in (0.0, -_ALPHA_PRIOR_SIGMA, _ALPHA_PRIOR_SIGMA):
        off = limb.offsets if da == 0 else _limb_offsets(px, limb.w_nodes, limb.r0_first, limb.alpha + da)
        ok = np.isfinite(off)
        c2.append(np.polyfit(limb.w_nodes[ok], off[ok], 2)[0] if ok.sum() >= 3 else np.nan)
    spread = 0.5 * abs(c2[2] - c2[1]) if np.isfinite(c2[1]) and np.isfinite(c2[2]) else np.nan
    if not np.isfinite(c2[0]):
        return 0.0, np.inf
    return float(c2[0]), float(max(spread, 1e-4)) if np.isfinite(spread) else np.inf


def _smooth_limb(w, s_k, sig_k, prior) -> np.ndarray:
    """Weighted quadratic s(w) = c2 w^2 + c1 w + c0 with a Gaussian prior (mean, sd) on c2."""
    a = np.stack([w * w, w, np.ones_like(w)], axis=1) / sig_k[:, None]
    b = s_k / sig_k
    if np.isfinite(prior[1]):
        a = np.vstack([a, [1.0 / prior[1], 0.0, 0.0]])
        b = np.append(b, prior[0] / prior[1])
    return np.linalg.lstsq(a, b, rcond=None)[0]


def _envelope_r0(px, w, s_k, sig_k, prior=(0.0, np.inf)):
    """Median local-conic r0 over the contact points of the smoothed family of limb lines, or None."""
    coef = _smooth_limb(w, s_k, sig_k, prior)
    r0_i, rho, slope, x, ok = _contact_points(px, coef[None, :], np.array([w.min()]), np.array([w.max()]))
    r0_i, rho, slope, x, ok = r0_i[0], rho[0], slope[0], x[0], ok[0]
    if ok.sum() < 3:
        return None
    rc = np.median(-rho[ok] / slope[ok])
    return float(np.median(r0_i[ok])), float(rc), x[ok], rho[ok]


def _envelope_r0_many(px, w, s_k, sig_k, prior, picks) -> np.ndarray:
    """:func:`_envelope_r0`'s r0 for each resampling of the strips (rows of ``picks``), all lines of all
    the families at once; NaN where a family has fewer than 3 contact points."""
    if len(picks) == 0:
        return np.empty(0)
    coefs = np.array([_smooth_limb(w[k], s_k[k], sig_k[k], prior) for k in picks])
    r0_i, _, _, _, ok = _contact_points(px, coefs, w[picks].min(axis=1), w[picks].max(axis=1))
    r0 = np.full(len(picks), np.nan)
    enough = ok.sum(axis=1) >= 3
    for i in np.flatnonzero(enough):
        r0[i] = np.median(r0_i[i][ok[i]])
    return r0


def _contact_points(px, coefs, w_lo, w_hi):
    """Per smoothed limb ``s(w)`` (rows of quadratic coefficients), the contact points of its family of
    :data:`_N_FAMILY` lines from ``w_lo`` to ``w_hi`` with their envelope (:func:`tangential_direction`):
    the local-conic r0, rho, the trace slope dx/drho, x, and which points count; each (n_limbs, N)."""
    wf = np.linspace(w_lo, w_hi, _N_FAMILY, axis=-1)
    h = 0.05

    def limb_directions(wq):  # unit vectors (n_limbs, N, 3) of the lines at wq on each limb
        s_q = np.zeros_like(wq)
        for c in coefs.T:  # Horner, as numpy.polyval
            s_q = s_q * wq + c[:, None]
        return _directions_gsm(px, s_q.ravel(), wq.ravel()).reshape(*wq.shape, 3)

    d0 = limb_directions(wf)
    dp = (limb_directions(wf + h) - limb_directions(wf - h)) / (2 * h)
    p = px.geometry.sc_gsm
    dx, dy, dz = d0[..., 0], d0[..., 1], d0[..., 2]
    ex, ey, ez = dp[..., 0], dp[..., 1], dp[..., 2]
    num = ex * (p[1] * dy + p[2] * dz) - dx * (p[1] * ey + p[2] * ez)
    den = dx * (dy * ey + dz * ez) - ex * (dy * dy + dz * dz)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / den
    pt = p + t[..., None] * d0
    x = pt[..., 0]
    rho = np.hypot(pt[..., 1], pt[..., 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = dx * rho / (pt[..., 1] * dy + pt[..., 2] * dz)  # dx/drho along the trace
        r0_i = x - 0.5 * slope * rho
    theta = np.arctan2(rho, x)
    ok = np.isfinite(r0_i) & (t > 0) & (slope < 0) & (theta < _CONIC_THETA_MAX) & (r0_i > 0)
    return r0_i, rho, slope, x, ok
