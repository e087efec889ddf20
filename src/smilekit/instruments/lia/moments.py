"""LIA moments (L2): density, velocity, pressure and temperature tensors, heat flux, per species.

From the counts ``C`` of a bin (dead time corrected, ``C / (1 - C tau / dwell)``), the phase-space
density at the bin centre is ``f = C / (tau_step eps A v_LIA^4 / 2 Delta lnE Omega)``
(:mod:`~smilekit.instruments.lia.model`), and the moments are sums over the bins (:cite:`paschmann1998`,
chapter 6, eqs. 6.7-6.12; the same sums as SPEDAS ``moments_3d``):

    n = sum f dV,  n V = sum f v dV,  P = m sum f u u dV,  q = (m/2) sum f ``|u|^2`` u dV,

with ``u = v - V``, ``dV = v_inf v_LIA^2 (Delta lnE / 2) Omega`` and ``v_inf`` the speed before the
spacecraft potential (``E_inf/q = E/q + phi``, Liouville). So each count adds ``a = v_inf / (tau_step eps
A v_LIA^2)`` to the density, whatever the bin's solid angle. ``T = P / (n k)``; ``T_par = b.P.b / (n k)``
and ``T_perp`` the mean of the two other eigen-directions, with the field direction ``b`` (from MAG).

Uncertainties are the Poisson errors of the counts propagated to first order (``var C = C``; for each
moment ``g``, ``sigma_g^2 = sum C (dg/dC)^2``, with the bulk-velocity terms of ``T`` and ``q`` included).
They do not include the instrument's systematic errors (binning, the energy range), which the tests
measure against the truth.

Energy range (documented processing choice): the table starts at 50 eV/q; ions slower than that (and
those the potential keeps out) are not measured. By default the part of velocity space below the lowest
step is filled (``extrapolate_low_energy=True``): inside the sphere of radius ``v_lo`` (the speed of the
lowest step's lower edge, before the potential) ``f`` is taken linear in speed, from the direction average
of the lowest step at ``v = 0`` to each direction's own value at ``v_lo``. That adds the lowest step's
``f`` times the cone ``v_lo^3 Omega / 3`` per direction to the density, and the cone's momentum at
``0.6 v_lo`` (exact to first order in ``v/w`` for a drifting Maxwellian, ``f ~ f0 (1 + 2 v.V / w^2)``);
where that part is above 2 % of the density the sample carries the ``energy_edge`` flag (without the
extrapolation, where the lowest step holds more than 1 % of the counts: the part below is then missing).
Above 20 keV/q nothing is added.

Protons and alphas: alphas at the proton's speed appear at twice its E/q. In the angle-summed E/q
spectrum the proton peak ``E_p`` and an alpha peak 3-5 steps above it (2 E_p is 3.6 steps) separated by a
valley (below 0.9 of the alpha peak and 3 Poisson sigma under it) split the table at the valley: below
(and at) it the counts are protons, above it alphas (mass 3.97 m_p, charge 2). Where there is no such
valley (the hot magnetosheath: the two overlap in E/q) the sample carries the ``alpha_not_separated``
flag and the alpha moments are NaN.

Unseparated alphas (measured, issue 16): an alpha of speed ``v`` counted as a proton is read at
``k v``, ``k = sqrt(m_alpha / (2 m_p)) = 1.409`` (same E/q), so it adds ``1/k`` of itself to the density
and all of itself to the number flux (``C / (tau eps A)`` is the flux whatever the species). With
alphas co-moving at ``r = n_alpha / n_p``, the all-proton moments are ``n (1 + r/k)`` and
``V (1 + r) / (1 + r/k)``: +2.8 % and +1.1 % at r = 0.04, the magnetosheath errors of the main job.
E/q alone cannot tell these alphas from protons. Given an assumed ``T_alpha / T_p``
(``alpha_temperature_ratio``; default None: no inference, every count a proton) the alpha fraction is
inferred from the counts where the split fails: the alphas, read as protons, are a second population at
``k V``, which gives the all-count distribution a heat flux along ``V``, to first order in ``r``

    q = (m/2) n r V (k - 1)/k [(k - 1)^2 V^2 + 5/2 (k^2 t - 1) w^2],  t = (T_alpha / T_p)(m_p / m_alpha)

(``w^2 = 2 k T_p / m``; 2-4 % of ``p w`` at r = 0.04 and t = 1 in the sheath, against a Poisson noise of
0.3-0.6 % and a binning residual < 0.25 %, measured). Assuming (i) alphas co-moving with the protons,
(ii) the alpha thermal tensor ``t`` times the protons' (per unit mass) and (iii) a proton distribution
symmetric about ``V`` (no proton heat flux: drifting bi-Maxwellian or bi-kappa), the moments of the
all-count distribution follow from the protons' and ``r`` (:func:`infer_alpha_ratio`); ``r`` is the root of
the third moment along ``V`` and the proton density, velocity and pressure are divided out. Limits
(from the formula; measured): the signal vanishes at ``k^2 t = 1`` (``T_alpha / T_p = 2``),
so a wrong temperature ratio gives a wrong ``r`` (truth 8, assumed 4: r 0.13-0.14 for 0.04, the velocity
over-corrected by 2.0-2.4 %; truth 2, assumed 4: r ~ 0, no correction; truth 8, assumed 8: r 0.038-0.040,
velocity within 0.4 %); a proton heat flux ``q_p`` along ``V``
is read as ``Delta r = q_p`` over the bracket's factor, 0.56 ``p w`` per unit r at V 150 km/s, w 200 km/s
(a proton heat flux of 1 % of ``p w``: Delta r = 0.018, 0.5 % in velocity). The inference is made only
where the distribution is hot (``w > 0.5 |V|``, where the two overlap in E/q) and determines ``r`` to
better than 0.03 (1 sigma); elsewhere the counts stay protons. The uncertainties of the density, velocity,
temperatures and pressure are then those of the inferred moments (the full Poisson covariance of the
sums through the inference, :func:`raw_covariance_values`). ``r`` and its uncertainty are
``alpha_ratio_inferred``; the heat flux stays that of all counts.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import xarray as xr

from smilekit.constants import K_B, M_P
from smilekit.errors import InputError
from smilekit.instruments.lia.config import LIAConfig
from smilekit.instruments.lia.distributions import tables
from smilekit.instruments.lia.model import QUALITY_BITS, SPECIES, grid_values, speed2_per_volt

__all__ = [
    "ALPHA_RATIO_BOUNDS",
    "DISTRIBUTIONS_PER_BLOCK",
    "compute_moments",
    "infer_alpha_ratio",
    "split_species",
]

#: Distributions a long run handles at once (simulated, reduced to moments): a block's counts are ~50 MB;
#: a 3-day event's at once, with their float64 copies, took 2 GB.
DISTRIBUTIONS_PER_BLOCK = 500

_N_OUT = 36  # see _moments_one
#: The range :func:`infer_alpha_ratio` searches n_alpha / n_p in by default (a noisy zero may be negative).
ALPHA_RATIO_BOUNDS = (-0.2, 0.6)


@numba.njit(cache=True, nogil=True, inline="always")
def _step_values(ke, ln_e, c2, phi, scale, extrapolate):
    """Kernel: energy step ``ke``'s speed ``s`` (km/s, before the spacecraft potential), density per count
    ``a0`` and, for the lowest step with ``extrapolate``, the low-energy cone's density per count and the
    speed its momentum sits at (else 0, 0); ``s = 0`` for a step the potential keeps out (module docstring).
    """
    e = math.exp(0.5 * (ln_e[ke] + ln_e[ke + 1]))
    s_inst2 = c2 * e
    s2e = c2 * (e + phi)
    if s2e <= 0.0:
        return 0.0, 0.0, 0.0, 0.0
    s = math.sqrt(s2e)
    a0 = s / (scale * s_inst2)
    if not (extrapolate and ke == 0):
        return s, a0, 0.0, 0.0
    s_lo = math.sqrt(max(c2 * (math.exp(ln_e[0]) + phi), 0.0))
    return s, a0, a0 * (s_lo**3 / 3.0) / (s * s_inst2 * 0.5 * (ln_e[1] - ln_e[0])), 0.6 * s_lo


@numba.njit(cache=True, nogil=True)
def _moments_one(out, counts, k0, k1, ln_e, centre, scale, c2, phi, dead, bx, by, bz, extrapolate):
    """One sample, one species (energy steps k0..k1-1). ``out`` (36,):

    0 n; 1-3 n V; 4-12 S2 = sum C a u u (3x3); 13-15 S3 = sum C a ``|u|^2`` u; 16 counts; 17 var n;
    18-20 var V; 21 var T/(m/k) (scalar, in (km/s)^2); 22 var T_par; 23 var T_perp; 24 var p/m;
    25-27 var S3; 28 density of the low-energy cone; 29 counts in the lowest step; 30 max C tau/dwell;
    31 counts in the top step.

    Pass 1 sums, per energy step, the dead-time corrected counts ``cc`` times 1, ``d_i`` and ``d_i d_j``
    (``d`` the bin's direction); a step's speed ``s`` and density per count ``a`` then give its part of
    the raw sums (``sum w = a D``, ``sum w p_i = a s D_i``, ``sum w p_i p_j = a s^2 D_ij``,
    ``sum w |p|^2 p_i = a s^3 D_i``), and the low-energy cone's (the lowest step's counts at ``0.6 v_lo``)
    from the same direction sums. Pass 2 sums the variances about the mean velocity, bin by bin.
    """
    n_e, n_el, n_az = counts.shape
    for i in range(out.shape[0]):
        out[i] = 0.0
    m0 = m1 = m2 = m3 = 0.0  # sum w, sum w p
    r0 = r1 = r2 = r3 = r4 = r5 = 0.0  # sum w p_i p_j (xx, xy, xz, yy, yz, zz)
    r6 = r7 = r8 = 0.0  # sum w |p|^2 p
    total = top = bottom = max_frac = cone = 0.0
    # pass 1: density, flux and the raw second and third moments
    for ke in range(k0, k1):
        s, a0, a_cone, s_cone = _step_values(ke, ln_e, c2, phi, scale, extrapolate)
        if s == 0.0:
            continue
        d0 = dx = dy = dz = dxx = dxy = dxz = dyy = dyz = dzz = 0.0
        step_counts = 0.0
        for je in range(n_el):
            for ia in range(n_az):
                c = counts[ke, je, ia]
                if c == 0:
                    continue
                frac = c * dead
                step_counts += c
                max_frac = max(max_frac, frac)
                cc = c / (1.0 - frac) if frac < 0.95 else c / 0.05
                ux = centre[ke, je, ia, 0]
                uy = centre[ke, je, ia, 1]
                uz = centre[ke, je, ia, 2]
                d0 += cc
                px = cc * ux
                py = cc * uy
                pz = cc * uz
                dx += px
                dy += py
                dz += pz
                dxx += px * ux
                dxy += px * uy
                dxz += px * uz
                dyy += py * uy
                dyz += py * uz
                dzz += pz * uz
        total += step_counts
        if ke == n_e - 1:
            top += step_counts
        if ke == 0:
            bottom += step_counts
        for part in range(2 if a_cone > 0.0 else 1):
            a, sp = (a0, s) if part == 0 else (a_cone, s_cone)
            if part == 1:
                cone += a * d0
            w1 = a * sp
            w2 = w1 * sp
            w3 = w2 * sp
            m0 += a * d0
            m1 += w1 * dx
            m2 += w1 * dy
            m3 += w1 * dz
            r0 += w2 * dxx
            r1 += w2 * dxy
            r2 += w2 * dxz
            r3 += w2 * dyy
            r4 += w2 * dyz
            r5 += w2 * dzz
            r6 += w3 * dx
            r7 += w3 * dy
            r8 += w3 * dz
    out[0], out[1], out[2], out[3] = m0, m1, m2, m3
    out[16], out[28], out[29], out[30], out[31] = total, cone, bottom, max_frac, top
    n = m0
    if n <= 0.0:
        return
    vx, vy, vz = m1 / n, m2 / n, m3 / n
    # central moments from the raw ones (float64: the cancellation in a cold beam, (w/V)^3 ~ 1e-4, is far
    # above the rounding)
    sxx = r0 - n * vx * vx
    sxy = r1 - n * vx * vy
    sxz = r2 - n * vx * vz
    syy = r3 - n * vy * vy
    syz = r4 - n * vy * vz
    szz = r5 - n * vz * vz
    out[4], out[5], out[6] = sxx, sxy, sxz
    out[7], out[8], out[9] = sxy, syy, syz
    out[10], out[11], out[12] = sxz, syz, szz
    # S3_i = R3_i - 2 (R2 V)_i - V_i tr R2 + 2 n |V|^2 V_i  (R: raw sums)
    tr_raw = r0 + r3 + r5
    vv = vx * vx + vy * vy + vz * vz
    out[13] = r6 - 2.0 * (r0 * vx + r1 * vy + r2 * vz) - vx * tr_raw + 2.0 * n * vv * vx
    out[14] = r7 - 2.0 * (r1 * vx + r3 * vy + r4 * vz) - vy * tr_raw + 2.0 * n * vv * vy
    out[15] = r8 - 2.0 * (r2 * vx + r4 * vy + r5 * vz) - vz * tr_raw + 2.0 * n * vv * vz
    tr = sxx + syy + szz
    in2 = 1.0 / (n * n)
    t_sc = tr / (3.0 * n)
    t_par = (bx * (sxx * bx + sxy * by + sxz * bz) + by * (sxy * bx + syy * by + syz * bz)
             + bz * (sxz * bx + syz * by + szz * bz)) / n  # fmt: skip
    t_perp = 0.5 * (tr / n - t_par)
    # pass 2: Poisson variances (var C = C, the raw count; a counts the correction), about V; the
    # derivative of S3 by a count: u^2 u - G u with G = (2 S2 + tr S2) / n
    gxx, gyy, gzz = (2.0 * sxx + tr) / n, (2.0 * syy + tr) / n, (2.0 * szz + tr) / n
    gxy, gxz, gyz = 2.0 * sxy / n, 2.0 * sxz / n, 2.0 * syz / n
    v17 = v18 = v19 = v20 = v21 = v22 = v23 = v24 = v25 = v26 = v27 = 0.0
    for ke in range(k0, k1):
        s, a0, a_cone, s_cone = _step_values(ke, ln_e, c2, phi, scale, extrapolate)
        if s == 0.0:
            continue
        for part in range(2 if a_cone > 0.0 else 1):
            a, sp = (a0, s) if part == 0 else (a_cone, s_cone)
            a2 = a * a
            for je in range(n_el):
                for ia in range(n_az):
                    c = counts[ke, je, ia]
                    if c == 0:
                        continue
                    frac = c * dead
                    corr = 1.0 / (1.0 - frac) if frac < 0.95 else 20.0
                    ux = sp * centre[ke, je, ia, 0] - vx
                    uy = sp * centre[ke, je, ia, 1] - vy
                    uz = sp * centre[ke, je, ia, 2] - vz
                    u2 = ux * ux + uy * uy + uz * uz
                    var = a2 * c * corr * corr  # (a cc)^2 / C
                    upar = ux * bx + uy * by + uz * bz
                    v17 += var
                    v18 += var * ux * ux
                    v19 += var * uy * uy
                    v20 += var * uz * uz
                    v21 += var * (u2 / 3.0 - t_sc) ** 2
                    v22 += var * (upar * upar - t_par) ** 2
                    v23 += var * (0.5 * (u2 - upar * upar) - t_perp) ** 2
                    v24 += var * (u2 / 3.0) ** 2
                    q0 = u2 * ux - (gxx * ux + gxy * uy + gxz * uz)
                    q1 = u2 * uy - (gxy * ux + gyy * uy + gyz * uz)
                    q2 = u2 * uz - (gxz * ux + gyz * uy + gzz * uz)
                    v25 += var * q0 * q0
                    v26 += var * q1 * q1
                    v27 += var * q2 * q2
    out[17] = v17
    out[18], out[19], out[20] = v18 * in2, v19 * in2, v20 * in2
    out[21], out[22], out[23] = v21 * in2, v22 * in2, v23 * in2
    out[24], out[25], out[26], out[27] = v24, v25, v26, v27


@numba.njit(cache=True, nogil=True)
def moments_values(out, counts, k0, k1, ln_e, centre, scale, c2, phi, dead, b, extrapolate):
    """Kernel: the raw sums of :func:`_moments_one` for N samples, ``out`` (N, 36)."""
    for i in range(counts.shape[0]):
        _moments_one(out[i], counts[i], k0[i], k1[i], ln_e, centre, scale, c2, phi[i], dead,
                     b[i, 0], b[i, 1], b[i, 2], extrapolate)  # fmt: skip


#: The direction factor of each of the 13 raw sums (index into 1, d_x, d_y, d_z, d_xx, d_xy, d_xz, d_yy,
#: d_yz, d_zz) and its power of the speed: sum f dV, sum f v dV, sum f v v dV, sum f |v|^2 v dV.
_DIRECTION_OF_SUM = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3])
_SPEED_POWER_OF_SUM = np.array([0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3])


@numba.njit(cache=True, nogil=True)
def raw_covariance_values(out, counts, k0, k1, ln_e, centre, scale, c2, phi, dead, extrapolate):
    """Kernel: Poisson covariance (N, 13, 13) of the raw sums of :func:`_moments_one` (``var C = C``).

    The 13 sums: ``sum f dV`` (1), ``sum f v dV`` (3), ``sum f v v dV`` (xx, xy, xz, yy, yz, zz) and
    ``sum f |v|^2 v dV`` (3), a count adding to them at its bin's velocity and, in the lowest step, at
    the low-energy cone's (the same count, so the two add before the product). A count's part of sum ``m``
    is ``(cc / C) alpha_k D_m(d)``: ``alpha_k = sum over (bin, cone) of a s^k`` is the step's, ``D_m`` one of
    the 10 direction factors (1, ``d_i``, ``d_i d_j``; :data:`_DIRECTION_OF_SUM`), so each step sums
    ``cc^2 / C D D^T`` over its bins and scales it by ``alpha_k alpha_k'``.
    """
    n_el, n_az = counts.shape[2], counts.shape[3]
    grid = np.zeros((10, 10))
    dv = np.zeros(10)
    alpha = np.zeros(4)
    for i in range(counts.shape[0]):
        for ke in range(k0[i], k1[i]):
            s, a0, a_cone, s_cone = _step_values(ke, ln_e, c2, phi[i], scale, extrapolate)
            if s == 0.0:
                continue
            for k in range(4):
                alpha[k] = a0 * s**k + a_cone * s_cone**k
            grid[:, :] = 0.0
            for je in range(n_el):
                for ia in range(n_az):
                    c = counts[i, ke, je, ia]
                    if c == 0:
                        continue
                    frac = c * dead
                    corr = 1.0 / (1.0 - frac) if frac < 0.95 else 20.0
                    w = c * corr * corr  # (cc / C)^2 C
                    dx = centre[ke, je, ia, 0]
                    dy = centre[ke, je, ia, 1]
                    dz = centre[ke, je, ia, 2]
                    dv[0], dv[1], dv[2], dv[3] = 1.0, dx, dy, dz
                    dv[4], dv[5], dv[6] = dx * dx, dx * dy, dx * dz
                    dv[7], dv[8], dv[9] = dy * dy, dy * dz, dz * dz
                    for m in range(10):
                        wm = w * dv[m]
                        for q in range(m, 10):
                            grid[m, q] += wm * dv[q]
            for m in range(13):
                dm, km = _DIRECTION_OF_SUM[m], _SPEED_POWER_OF_SUM[m]
                for q in range(m, 13):
                    dq, kq = _DIRECTION_OF_SUM[q], _SPEED_POWER_OF_SUM[q]
                    g = grid[dm, dq] if dm <= dq else grid[dq, dm]
                    out[i, m, q] += alpha[km] * alpha[kq] * g
        for m in range(13):
            for q in range(m):
                out[i, m, q] = out[i, q, m]


def split_species(spectrum: np.ndarray, step_ln: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: the proton/alpha split of angle-summed E/q spectra (N, nE) (module docstring).

    Returns the first alpha step per sample (``nE`` where not separated) and whether it was separated.
    """
    n, n_e = spectrum.shape
    ip = spectrum.argmax(axis=1)
    off = round(math.log(2.0) / step_ln)
    lo, hi = max(off - 1, 2), off + 1
    padded = np.concatenate([spectrum, np.zeros((n, hi + 2))], axis=1)
    rows = np.arange(n)[:, None]
    cand = ip[:, None] + np.arange(lo, hi + 1)[None, :]
    ia = ip + lo + padded[rows, cand].argmax(axis=1)
    between = ip[:, None] + np.arange(1, hi)[None, :]
    vals = np.where(between < ia[:, None], padded[rows, between], np.inf)
    iv = ip + 1 + vals.argmin(axis=1)
    peak = padded[np.arange(n), ia]
    valley = padded[np.arange(n), iv]
    ok = (
        (ia < n_e)
        & (peak >= 10)
        & (peak >= padded[np.arange(n), ia + 1])
        & (valley < 0.9 * peak)
        & (peak - valley > 3.0 * np.sqrt(peak + valley))
    )
    return np.where(ok, iv + 1, n_e), ok


def _b_values(b_direction, n: int) -> np.ndarray:
    try:
        b = np.atleast_2d(np.array(b_direction, dtype=np.float64))
    except (TypeError, ValueError):
        raise InputError(f"b_direction must be an array of shape (N, 3), got {b_direction!r:.60}") from None
    if b.ndim != 2 or b.shape[1] != 3 or b.shape[0] not in (1, n):
        raise InputError(f"b_direction must have shape (3,) or ({n}, 3), got {np.shape(b_direction)}")
    norm = np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(norm) | (norm <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"b_direction at sample {i} is zero or not finite; give a field direction per sample"
        )
    return np.ascontiguousarray(np.broadcast_to(b / norm[:, None], (n, 3)))


def compute_moments(distributions: xr.Dataset, b_direction, *, frame: str = "lia",
                    separate_alphas: bool = True, extrapolate_low_energy: bool = True,
                    alpha_temperature_ratio: float | None = None,
                    config: LIAConfig | None = None) -> xr.Dataset:  # fmt: skip
    """The L2 moments of LIA distributions, per species, with uncertainties and quality flags.

    Parameters
    ----------
    distributions : xarray.Dataset
        As made by :func:`~smilekit.instruments.lia.simulate.simulate_counts`: ``counts`` (time, energy,
        elevation, azimuth), ``spacecraft_potential`` (time,) and, for ``frame="gse"``, ``lia_to_gse``.
    b_direction : array_like
        Magnetic field direction per sample (N, 3) or (3,), in ``frame`` (from MAG).
    frame : {"lia", "gse"}
        The frame of ``b_direction`` and of the output vectors and tensors.
    separate_alphas : bool
        Split protons and alphas by E/q where the spectrum allows (module docstring); else every count is
        a proton.
    extrapolate_low_energy : bool
        Fill velocity space below the lowest energy step (module docstring).
    alpha_temperature_ratio : float, optional
        The assumed ``T_alpha / T_p`` (> 0) with which, where ``separate_alphas`` finds no E/q valley, the
        alpha fraction is inferred from the heat flux of the counts and taken out of the proton density,
        velocity and pressure (module docstring, :func:`infer_alpha_ratio`). None (default): every count
        of such a sample is a proton. Costs about 1.2 ms a distribution (measured; the moments alone 0.4 ms).
    config : LIAConfig, optional
        The instrument that recorded the counts.

    Returns
    -------
    xarray.Dataset
        Per species ``s`` in (``p``, ``a``): ``density_s`` (cm^-3), ``velocity_s`` (km/s, (time, 3)),
        ``pressure_tensor_s`` (nPa, (time, 3, 3)), ``temperature_tensor_s`` (K), ``t_par_s``, ``t_perp_s``,
        ``temperature_s`` (K, trace/3), ``pressure_s`` (nPa, trace/3), ``heat_flux_s`` (mW m^-2),
        ``counts_s``, and ``<name>_uncertainty`` (1 sigma, Poisson) for density, velocity, temperature,
        t_par, t_perp, pressure and heat flux; ``alpha_ratio_inferred`` and its uncertainty (``n_alpha /
        n_p`` inferred where the alphas were not separated, NaN elsewhere); ``quality_flag`` (time,) with
        the bits of :data:`~smilekit.instruments.lia.model.QUALITY_BITS`. Moments from fewer than 10
        counts are NaN.

    Raises
    ------
    InputError
        For a dataset without counts, negative counts, a counts grid that does not match ``config``, a
        bad field direction or frame.
    """
    cfg = LIAConfig.resolve(config)
    v = cfg.values
    grid = grid_values(v)
    if not isinstance(distributions, xr.Dataset) or "counts" not in distributions:
        raise InputError("distributions must be an xarray Dataset with a 'counts' variable (simulate_counts)")
    counts = np.ascontiguousarray(distributions["counts"].values)
    if counts.ndim != 4 or counts.shape[1:] != grid.solid_angle.shape:
        raise InputError(
            f"counts must have shape (N, {', '.join(map(str, grid.solid_angle.shape))}) for this config, "
            f"got {counts.shape}"
        )
    if not np.issubdtype(counts.dtype, np.integer):
        raise InputError(f"counts must be integers, got dtype {counts.dtype}")
    if (counts < 0).any():
        raise InputError("counts must be >= 0 (a negative count is a corrupted record)")
    n = counts.shape[0]
    if frame not in ("lia", "gse"):
        raise InputError(f"frame must be 'lia' or 'gse', got {frame!r}")
    rot = None
    if frame == "gse":
        if "lia_to_gse" not in distributions:
            raise InputError(
                "frame='gse' needs the distributions' lia_to_gse rotations (simulate with an attitude)"
            )
        rot = distributions["lia_to_gse"].values
    b = _b_values(b_direction, n)
    b_lia = b if rot is None else np.einsum("nji,nj->ni", rot, b)
    phi = (
        distributions["spacecraft_potential"].values.astype(np.float64)
        if "spacecraft_potential" in distributions
        else np.full(n, v.potential_v)
    )
    if not np.isfinite(phi).all():
        raise InputError("spacecraft_potential must be finite for every sample")
    tab = tables(grid)
    step_ln = grid.ln_e_edges[1] - grid.ln_e_edges[0]
    spectrum = counts.sum(axis=(2, 3))
    if separate_alphas:
        cut, separated = split_species(spectrum, step_ln)
    else:
        cut, separated = np.full(n, grid.e_centres.size), np.zeros(n, dtype=bool)
    restricted = grid.el_limit < 0.5 * math.pi
    total = spectrum.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        high_fraction = spectrum[:, restricted].sum(axis=1) / total
    dead = v.dead_time_s / grid.dwell_s
    if alpha_temperature_ratio is not None:
        try:
            t_ratio = float(alpha_temperature_ratio)
        except (TypeError, ValueError):
            t_ratio = math.nan
        if not (math.isfinite(t_ratio) and 0.0 < t_ratio <= 20.0):
            raise InputError(
                f"alpha_temperature_ratio must be a number in (0, 20], got {alpha_temperature_ratio!r}"
            )
        thermal = t_ratio / SPECIES["alpha"][0]  # (T_alpha / T_p) (m_p / m_alpha)
    ds = xr.Dataset(coords={"time": distributions["time"].values, "component": ["x", "y", "z"]})
    flag = np.zeros(n, dtype=np.int64)
    flag |= np.where(~separated, QUALITY_BITS["alpha_not_separated"], 0)
    flag |= np.where(high_fraction > 0.01, QUALITY_BITS["restricted_fov"], 0)
    for label, species, k0, k1 in (
        ("p", "proton", np.zeros(n, np.int64), cut.astype(np.int64)),
        ("a", "alpha", cut.astype(np.int64), np.full(n, grid.e_centres.size, np.int64)),
    ):
        m_kg = SPECIES[species][0] * M_P
        c2 = speed2_per_volt(species)
        raw = np.zeros((n, _N_OUT))
        moments_values(raw, counts, k0, k1, grid.ln_e_edges, tab.centre, grid.scale, c2, phi, dead, b_lia,
                       extrapolate_low_energy)  # fmt: skip
        if species == "proton":
            ratio = np.full((n, 2), np.nan)
            if separate_alphas and alpha_temperature_ratio is not None:
                idx = np.flatnonzero(~separated)
                part = raw[idx]
                cov = np.zeros((idx.size, 13, 13))
                raw_covariance_values(cov, counts[idx], k0[idx], k1[idx], grid.ln_e_edges, tab.centre,
                                      grid.scale, c2, phi[idx], dead, extrapolate_low_energy)  # fmt: skip
                ratio[idx] = _remove_alphas(part, cov, b_lia[idx], thermal)
                raw[idx] = part
        _store(ds, raw, label, m_kg, rot, b_lia, flag, species == "proton", extrapolate_low_energy)
    desc = "n_alpha / n_p inferred from the heat flux of unseparated counts"
    ds["alpha_ratio_inferred"] = ("time", ratio[:, 0], {"units": " ", "CATDESC": desc})
    ds["alpha_ratio_inferred_uncertainty"] = ("time", ratio[:, 1], {"units": " "})
    ds["quality_flag"] = ("time", flag, {"units": " ", "bits": str(QUALITY_BITS)})
    ds.attrs.update(
        frame=frame.upper(),
        accumulation_s=v.accumulation_s,
        low_energy_extrapolation=int(extrapolate_low_energy),
    )
    return ds


#: ``k``: an alpha counted as a proton is read at k times its speed (the same E/q): sqrt(m_alpha q_p /
#: (m_p q_alpha)).
K_ALPHA = math.sqrt(SPECIES["alpha"][0] / SPECIES["alpha"][1])


def infer_alpha_ratio(n0, n1, n2, n3, *, thermal_ratio: float = 1.0, bounds=ALPHA_RATIO_BOUNDS):
    """Kernel: alpha fraction and proton moments from the raw moments of all counts taken as protons.

    ``n0`` (N,), ``n1`` (N, 3), ``n2`` (N, 3, 3), ``n3`` (N, 3): ``sum f dV``, ``sum f v dV``,
    ``sum f v v dV``, ``sum f |v|^2 v dV`` of the apparent (all-proton) distribution. Protons of density
    ``n``, velocity ``V`` and thermal tensor ``theta`` (``P / (m n)``, (km/s)^2) symmetric about ``V``, and
    alphas ``r n`` co-moving with thermal tensor ``theta_ratio theta m_p / m_alpha`` (``thermal_ratio`` is
    ``(T_alpha / T_p) (m_p / m_alpha)``, 1 for equal thermal speeds), read as protons at ``k`` times their
    velocity (:data:`K_ALPHA`), give

        n0 = n (1 + r / k),  n1 = n V (1 + r),  n2 = n [(1 + r k) V V + (1 + r k t) theta],
        n3 = n [(1 + r k^2) ``|V|^2`` V + (1 + r k^2 t) (tr(theta) V + 2 theta V)],

    (``t`` = ``thermal_ratio``; the moments of a symmetric population of density N, velocity U and thermal
    tensor theta are N, N U, N (U U + theta), N (``|U|^2`` U + tr(theta) U + 2 theta U)). ``r`` is the root of
    the ``n3`` equation along ``n1`` by bisection in ``bounds``; NaN where there is no root there.

    Returns
    -------
    r, n, V, theta : ndarray
        (N,), (N,), (N, 3), (N, 3, 3).

    Raises
    ------
    InputError
        For arrays of other shapes.
    """
    n0, n1, n2, n3 = (np.ascontiguousarray(a, dtype=np.float64) for a in (n0, n1, n2, n3))
    size = n0.shape[0] if n0.ndim == 1 else -1
    if (n1.shape, n2.shape, n3.shape) != ((size, 3), (size, 3, 3), (size, 3)):
        raise InputError(
            f"n0, n1, n2, n3 must have shapes (N,), (N, 3), (N, 3, 3), (N, 3), got {n0.shape}, {n1.shape}, "
            f"{n2.shape}, {n3.shape}"
        )
    r, n, v, theta = np.empty(size), np.empty(size), np.empty((size, 3)), np.empty((size, 3, 3))
    _infer_values(n0, n1, n2, n3, float(thermal_ratio), float(bounds[0]), float(bounds[1]), r, n, v, theta)
    return r, n, v, theta


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _alpha_residual(r, n0, n1, n2, n3, vhat, thermal_ratio, v, theta):  # pragma: no cover - compiled
    """The ``n3`` equation's residual along ``vhat`` at alpha fraction ``r`` for one sample, and the proton
    density there; the proton velocity and thermal tensor written to ``v`` and ``theta``
    (:func:`infer_alpha_ratio`)."""
    k = K_ALPHA
    n = n0 / (1.0 + r / k)
    flux = n * (1.0 + r)
    for i in range(3):
        v[i] = n1[i] / flux
    heavy = 1.0 + r * k
    warm = 1.0 + r * k * thermal_ratio
    for i in range(3):
        for j in range(3):
            theta[i, j] = (n2[i, j] / n - heavy * (v[i] * v[j])) / warm
    trace = theta[0, 0] + theta[1, 1] + theta[2, 2]
    bulk = (1.0 + r * k * k) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    hot = 1.0 + r * k * k * thermal_ratio
    residual = 0.0
    for i in range(3):
        theta_v = theta[i, 0] * v[0] + theta[i, 1] * v[1] + theta[i, 2] * v[2]
        residual += (n3[i] / n - (bulk * v[i] + hot * (trace * v[i] + 2.0 * theta_v))) * vhat[i]
    return residual, n


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _infer_values(n0, n1, n2, n3, thermal_ratio, low, high, r, n, v, theta):  # pragma: no cover - compiled
    """Kernel of :func:`infer_alpha_ratio`: per sample, ``r`` by 50 bisections of the residual in
    [low, high] (NaN where its signs there do not bracket a root), and the proton moments at ``r`` (at 0
    without a root) written to ``n``, ``v``, ``theta``."""
    vhat = np.empty(3)
    for s in range(n0.size):
        a = n1[s]
        norm = math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
        for i in range(3):
            vhat[i] = a[i] / norm
        lo, hi = low, high
        f_lo = _alpha_residual(lo, n0[s], a, n2[s], n3[s], vhat, thermal_ratio, v[s], theta[s])[0]
        f_hi = _alpha_residual(hi, n0[s], a, n2[s], n3[s], vhat, thermal_ratio, v[s], theta[s])[0]
        bracket = np.sign(f_lo) * np.sign(f_hi) < 0.0
        for _ in range(50):  # 0.8 / 2^50: far below the noise
            mid = 0.5 * (lo + hi)
            f_mid = _alpha_residual(mid, n0[s], a, n2[s], n3[s], vhat, thermal_ratio, v[s], theta[s])[0]
            if np.sign(f_mid) == np.sign(f_lo):  # a NaN sign differs: hi moves
                lo, f_lo = mid, f_mid
            else:
                hi = mid
        r[s] = 0.5 * (lo + hi) if bracket else math.nan
        at = r[s] if bracket else 0.0
        n[s] = _alpha_residual(at, n0[s], a, n2[s], n3[s], vhat, thermal_ratio, v[s], theta[s])[1]


def _remove_alphas(raw: np.ndarray, cov: np.ndarray, b: np.ndarray, thermal_ratio: float) -> np.ndarray:
    """Take the inferred alphas out of the kernel's proton sums in place (hot samples, module docstring).

    ``cov`` (N, 13, 13) is the Poisson covariance of the raw sums (:func:`raw_covariance_values`), ``b``
    (N, 3) the field direction; the variances of the density, velocity, temperatures and pressure become
    those of the inferred proton moments (linearised: ``J cov J^T`` with the numerical Jacobian of
    :func:`infer_alpha_ratio`). Returns (N, 2): the inferred
    ``n_alpha / n_p`` and its 1-sigma uncertainty, NaN where not applied.
    """
    out = np.full((raw.shape[0], 2), np.nan)
    n0 = raw[:, 0]
    ok = (raw[:, 16] >= 10) & (n0 > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        v_app = raw[:, 1:4] / n0[:, None]
        w2 = 2.0 * np.trace(raw[:, 4:13].reshape(-1, 3, 3), axis1=1, axis2=2) / (3.0 * n0)
        speed = np.linalg.norm(v_app, axis=1)
        hot = ok & (w2 > 0.25 * speed**2) & (speed > 0)
    if not hot.any():
        return out
    raw_h = raw[hot]
    n0, n1 = raw_h[:, 0], raw_h[:, 1:4]
    v_app = n1 / n0[:, None]
    n2 = raw_h[:, 4:13].reshape(-1, 3, 3) + n0[:, None, None] * v_app[:, :, None] * v_app[:, None, :]
    # raw third moment from the central one (inverse of the kernel's S3 = R3 - 2 R2 V - V tr R2 + 2 n|V|^2 V)
    n3 = (
        raw_h[:, 13:16]
        + 2.0 * np.einsum("nij,nj->ni", n2, v_app)
        + v_app * np.trace(n2, axis1=1, axis2=2)[:, None]
        - 2.0 * (n0 * np.sum(v_app**2, axis=1))[:, None] * v_app
    )
    flat = np.concatenate([n0[:, None], n1, n2[:, [0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]], n3], axis=1)

    b_h = b[hot]

    def infer(x):
        m2 = x[:, [4, 5, 6, 5, 7, 8, 6, 8, 9]].reshape(-1, 3, 3)
        r, n, v, theta = infer_alpha_ratio(x[:, 0], x[:, 1:4], m2, x[:, 10:13], thermal_ratio=thermal_ratio)
        t_sc = np.trace(theta, axis1=1, axis2=2) / 3.0
        t_par = np.einsum("ni,nij,nj->n", b_h, theta, b_h)
        # r, n, V, and the kernel's T/(m/k), T_par, T_perp (per particle, (km/s)^2) and p/m
        return r, n, v, theta, np.column_stack([r, n, v, t_sc, t_par, 0.5 * (3.0 * t_sc - t_par), n * t_sc])

    r, n, v, theta, y = infer(flat)
    cov_h = cov[hot]
    jac = np.zeros((y.shape[0], y.shape[1], 13))
    for j in range(13):  # central differences at 1 % of each sum's Poisson sigma
        h = 0.01 * np.sqrt(cov_h[:, j, j])
        step = np.zeros_like(flat)
        step[:, j] = h
        with np.errstate(invalid="ignore", divide="ignore"):
            jac[:, :, j] = (infer(flat + step)[4] - infer(flat - step)[4]) / (2.0 * h)[:, None]
    var = np.einsum("nij,njk,nik->ni", jac, cov_h, jac)  # the variances of y
    sigma_r = np.sqrt(var[:, 0])
    use = np.isfinite(r) & np.isfinite(var).all(axis=1) & (sigma_r < 0.03)
    idx = np.flatnonzero(hot)[use]
    raw[idx, 0] = n[use]
    raw[idx, 1:4] = n[use, None] * v[use]
    raw[idx, 4:13] = (n[use, None, None] * theta[use]).reshape(-1, 9)
    raw[idx, 17] = var[use, 1]
    raw[idx, 18:21] = var[use, 2:5]
    raw[idx, 21:25] = var[use, 5:9]
    out[idx, 0] = r[use]
    out[idx, 1] = sigma_r[use]
    return out


def _store(ds, raw, label, m_kg, rot, b_lia, flag, is_proton, extrapolated) -> None:
    """Turn the kernel's raw sums into moments (units, frame) and add them to ``ds``; ``extrapolated``:
    the low-energy cone was filled (its density, not the lowest step's counts, then sets the low edge's
    flag)."""
    counts = raw[:, 16]
    good = counts >= 10
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(good, raw[:, 0], np.nan)
        vel = raw[:, 1:4] / n[:, None]
        s2 = raw[:, 4:13].reshape(-1, 3, 3)
        to_k = m_kg * 1e6 / K_B  # (km/s)^2 -> K
        t_tensor = s2 / n[:, None, None] * to_k
        p_tensor = s2 * m_kg * 1e21  # nPa
        heat = 0.5 * m_kg * raw[:, 13:16] * 1e18  # mW m^-2
        t_par = np.einsum("ni,nij,nj->n", b_lia, t_tensor, b_lia)
        t_scalar = np.trace(t_tensor, axis1=1, axis2=2) / 3.0
        t_perp = 0.5 * (3.0 * t_scalar - t_par)
        sig = {
            "density": np.sqrt(raw[:, 17]),
            "velocity": np.sqrt(raw[:, 18:21]),
            "temperature": np.sqrt(raw[:, 21]) * to_k,
            "t_par": np.sqrt(raw[:, 22]) * to_k,
            "t_perp": np.sqrt(raw[:, 23]) * to_k,
            "pressure": np.sqrt(raw[:, 24]) * m_kg * 1e21,
            "heat_flux": 0.5 * m_kg * np.sqrt(raw[:, 25:28]) * 1e18,
        }
    if rot is not None:  # LIA -> GSE: vectors R v, tensors R T R^T; uncertainties of the components
        vel = np.einsum("nij,nj->ni", rot, vel)
        heat = np.einsum("nij,nj->ni", rot, heat)
        t_tensor = np.einsum("nij,njk,nlk->nil", rot, t_tensor, rot)
        p_tensor = np.einsum("nij,njk,nlk->nil", rot, p_tensor, rot)
        for key in ("velocity", "heat_flux"):
            sig[key] = np.sqrt(np.einsum("nij,nj->ni", rot**2, sig[key] ** 2))
    bad = ~good
    for arr in (vel, heat, t_tensor, p_tensor, t_par, t_perp, t_scalar):
        arr[bad] = np.nan
    for arr in sig.values():
        arr[bad] = np.nan
    name = "protons" if is_proton else "alphas"
    vec, ten = ("time", "component"), ("time", "component", "component2")
    ds[f"density_{label}"] = ("time", n, {"units": "cm^-3", "CATDESC": f"LIA {name} density"})
    ds[f"velocity_{label}"] = (vec, vel, {"units": "km/s", "CATDESC": f"LIA {name} bulk velocity"})
    ds[f"temperature_tensor_{label}"] = (ten, t_tensor, {"units": "K"})
    ds[f"pressure_tensor_{label}"] = (ten, p_tensor, {"units": "nPa"})
    ds[f"temperature_{label}"] = ("time", t_scalar, {"units": "K"})
    ds[f"t_par_{label}"] = ("time", t_par, {"units": "K", "CATDESC": f"LIA {name} temperature along B"})
    ds[f"t_perp_{label}"] = ("time", t_perp, {"units": "K", "CATDESC": f"LIA {name} temperature across B"})
    ds[f"pressure_{label}"] = ("time", np.trace(p_tensor, axis1=1, axis2=2) / 3.0, {"units": "nPa"})
    ds[f"heat_flux_{label}"] = (vec, heat, {"units": "mW m^-2"})
    ds[f"counts_{label}"] = ("time", counts, {"units": "counts"})
    units = {"density": "cm^-3", "velocity": "km/s", "temperature": "K", "t_par": "K", "t_perp": "K",
             "pressure": "nPa", "heat_flux": "mW m^-2"}  # fmt: skip
    for key, value in sig.items():
        ds[f"{key}_{label}_uncertainty"] = (vec if value.ndim == 2 else "time", value, {"units": units[key]})
    if is_proton:
        with np.errstate(invalid="ignore", divide="ignore"):
            low = raw[:, 28] / raw[:, 0] > 0.02 if extrapolated else raw[:, 29] / counts > 0.01
            top = raw[:, 31] / counts
        flag |= np.where(low | (top > 0.01), QUALITY_BITS["energy_edge"], 0)
        flag |= np.where(~good, QUALITY_BITS["no_counts"], 0)
    flag |= np.where(raw[:, 30] > 0.1, QUALITY_BITS["dead_time"], 0)
