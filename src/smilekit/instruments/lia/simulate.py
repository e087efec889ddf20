"""LIA simulation: ion populations along the orbit -> the counts of each 4-s distribution (L1).

The chain, per sample (the accumulation of one distribution, :class:`LIAConfig`):

1. Each population's bulk velocity and field direction go to the LIA frame, through the attitude
   (body -> GSE, :class:`smilekit.mission.pointing.Attitude`) and the mounting
   (:data:`~smilekit.instruments.lia.config.LIA_TO_BODY`) when they are given in GSE.
2. Expected counts of every bin (:func:`~smilekit.instruments.lia.distributions.expected_counts_values`),
   summed over the populations; the ions reach the analyser with ``E/q`` lowered by the spacecraft
   potential ``phi`` (Liouville: ``f`` is conserved, ``f_LIA(E/q) = f_inf(E/q + phi)``; the deflection of
   their directions by the sheath is neglected, **assumption**).
3. Dead time (non-paralysable): a bin's true rate ``r = lambda / dwell`` is recorded as ``r / (1 + r tau)``.
4. Poisson counts, seeded from the given generator (:func:`poisson_values`; bins with an expected count
   below 1e-12 are 0). Dead time makes real counts slightly sub-Poisson; this model ignores that.
"""

from __future__ import annotations

import astropy.units as u
import numba
import numpy as np
import xarray as xr

from smilekit._validation import as_generator, as_value
from smilekit.errors import InputError
from smilekit.instruments.lia.config import LIAConfig
from smilekit.instruments.lia.distributions import Population, exp_negative, kernel_inputs, population_counts
from smilekit.instruments.lia.model import (
    QUALITY_BITS,
    ROTATION_DIMS,
    LIAGrid,
    grid_values,
    lia_to_gse_values,
)

__all__ = ["simulate_counts"]


def potential_values(potential, n: int, default_v: float) -> np.ndarray:
    """Spacecraft potential per sample (V) from None (the configuration's), a scalar or (N,) Quantity."""
    if potential is None:
        return np.full(n, default_v)
    phi = as_value(potential, u.V, "spacecraft_potential")
    if phi.ndim == 0:
        phi = np.full(n, float(phi))
    if phi.shape != (n,):
        raise InputError(f"spacecraft_potential must be a scalar or have shape ({n},), got {phi.shape}")
    if (np.abs(phi) > 1000.0).any():
        raise InputError("spacecraft_potential must lie within +-1000 V")
    return phi


def rotations(attitude, n: int) -> np.ndarray | None:
    """LIA -> GSE rotations (N, 3, 3) from an Attitude or body -> GSE matrices; None for none."""
    if attitude is None:
        return None
    rot = getattr(attitude, "rotation", attitude)
    rot = np.asarray(rot, dtype=np.float64)
    if rot.ndim == 2:
        rot = np.broadcast_to(rot, (n, 3, 3))
    if rot.shape != (n, 3, 3):
        raise InputError(f"the attitude must give ({n}, 3, 3) body -> GSE rotations, got {rot.shape}")
    if not np.isfinite(rot).all():
        bad = int(np.flatnonzero(~np.isfinite(rot).all(axis=(1, 2)))[0])
        raise InputError(f"the attitude is undefined (NaN) at sample {bad}; select the valid samples first")
    return lia_to_gse_values(rot)


#: Samples simulated together: their expected counts (64 x 24 576 bins, 12.6 MB) stay in the cache
#: through the dead time, the Poisson draws and the quality bits (500 at once ran 1.7x slower here).
BLOCK = 64


def simulate_values(populations, lia_to_gse, phi, grid: LIAGrid, dead_time_s: float, generator,
                    keep_expected: bool = True):  # fmt: skip
    """Kernel driver: counts (N, nE, nEl, nAz) int32, quality (N,), expected counts (or None).

    Block by block (:data:`BLOCK` samples): the populations' expected counts, dead time, Poisson draws
    (uniforms and a seed from ``generator``) and the truth's quality bits.
    """
    inputs = []
    for pop in populations:
        _, vel, _, _, b, _ = pop.values()
        if lia_to_gse is not None:  # GSE -> LIA: the transpose
            vel = np.einsum("nji,nj->ni", lia_to_gse, vel)
            b = np.einsum("nji,nj->ni", lia_to_gse, b)
        inputs.append(kernel_inputs(pop, vel, b, grid))
    n = phi.shape[0]
    shape = (n, *grid.solid_angle.shape)
    counts = np.empty(shape, dtype=np.int32)  # a bin records < 1/dead time x dwell = 78 000 counts
    expected = np.empty(shape) if keep_expected else None
    quality = np.empty(n, dtype=np.int64)
    buffer = np.empty((min(BLOCK, n), *grid.solid_angle.shape))
    uniforms = np.empty(buffer.size)
    for start in range(0, n, BLOCK):
        block = slice(start, min(start + BLOCK, n))
        lam = buffer[: block.stop - start]
        lam[...] = 0.0
        for inp in inputs:
            population_counts(lam, inp, phi, grid, block)
        if dead_time_s > 0.0:
            dead_time_values(lam.reshape(-1), dead_time_s / grid.dwell_s)
        flat = lam.reshape(-1)
        generator.random(out=uniforms[: flat.size])
        poisson_values(flat, uniforms, int(generator.integers(2**32)), counts[block].reshape(-1))
        quality[block] = truth_quality(lam, grid, dead_time_s)
        if expected is not None:
            expected[block] = lam
    return counts, quality, expected


@numba.njit(cache=True, nogil=True)
def dead_time_values(lam: np.ndarray, tau_over_dwell: float) -> None:
    """Kernel: non-paralysable dead time in place, ``lambda / (1 + lambda tau / dwell)`` (flat array)."""
    for i in range(lam.shape[0]):
        if lam[i] > 0.0:
            lam[i] = lam[i] / (1.0 + lam[i] * tau_over_dwell)


def simulate_counts(populations, rng, *, attitude=None, spacecraft_potential=None, time=None,
                    config: LIAConfig | None = None, keep_expected: bool = True) -> xr.Dataset:  # fmt: skip
    """Simulate LIA distributions: the counts of every bin for N samples (module docstring).

    Parameters
    ----------
    populations : Population or sequence of Population
        The ion populations (e.g. solar-wind protons and alphas), each with N samples.
    rng : numpy.random.Generator or int
        The random generator or a seed.
    attitude : Attitude or array_like, optional
        :class:`smilekit.mission.pointing.Attitude` (or its body -> GSE rotations, (N, 3, 3) or (3, 3)):
        the populations' velocities and field directions are then GSE. Without it they are in the LIA
        frame.
    spacecraft_potential : Quantity, optional
        Per sample (N,) or one value; default the configuration's (+5 V).
    time : array_like of datetime64, optional
        Sample times (default the attitude's, else sample numbers).
    config : LIAConfig, optional
    keep_expected : bool
        Return the expected counts too (``expected``, float64: twice the memory of the counts).

    Returns
    -------
    xarray.Dataset
        ``counts`` (time, energy, elevation, azimuth), int32; ``expected`` (float, the mean counts
        before Poisson; with ``keep_expected``); ``quality_flag`` (time,) with the bits of
        :data:`~smilekit.instruments.lia.model.QUALITY_BITS` that the truth already shows (energy_edge,
        restricted_fov, dead_time, no_counts); ``spacecraft_potential`` (time,); ``lia_to_gse``
        (time, 3, 3) when an attitude was given. Coordinates: energy (eV/q centres), elevation and azimuth
        (deg, bin centres of the particle velocity direction in the LIA frame).

    Raises
    ------
    InputError
        For bad populations (see :class:`Population`), mismatched sample counts, a bad generator,
        potential or attitude.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.instruments.lia.distributions import Population
    >>> p = Population("proton", 20 / u.cm**3, [150.0, 0, 0] * u.km / u.s, 2e6 * u.K, 2e6 * u.K, [0, 0, 1])
    >>> ds = simulate_counts(p, 1)
    >>> ds.counts.shape, int(ds.quality_flag[0])
    ((1, 32, 16, 48), 0)
    """
    pops = [populations] if isinstance(populations, Population) else list(populations)
    if not pops or not all(isinstance(p, Population) for p in pops):
        raise InputError("populations must be a Population or a non-empty sequence of them")
    n = len(pops[0])
    if any(len(p) != n for p in pops):
        raise InputError(f"every population must have the same samples, got {[len(p) for p in pops]}")
    cfg = LIAConfig.resolve(config)
    v = cfg.values
    grid = grid_values(v)
    generator = as_generator(rng)
    phi = potential_values(spacecraft_potential, n, v.potential_v)
    lia_to_gse = rotations(attitude, n)
    counts, quality, lam = simulate_values(
        pops, lia_to_gse, phi, grid, v.dead_time_s, generator, keep_expected
    )
    if time is None:
        time = getattr(attitude, "time", np.arange(n))
    time = np.asarray(time)
    if time.shape != (n,):
        raise InputError(f"time must have shape ({n},), got {time.shape}")
    el, az = grid.el_edges, grid.az_edges
    coords = {
        "time": time,
        "energy": ("energy", grid.e_centres, {"units": "eV", "CATDESC": "energy per charge (step centre)"}),
        "elevation": ("elevation", np.degrees(0.5 * (el[1:] + el[:-1])), {"units": "deg"}),
        "azimuth": ("azimuth", np.degrees(0.5 * (az[1:] + az[:-1])), {"units": "deg"}),
    }  # fmt: skip
    data = {
        "counts": (("time", "energy", "elevation", "azimuth"), counts, {"units": "counts"}),
        "quality_flag": ("time", quality, {"units": " ", "bits": str(QUALITY_BITS)}),
        "spacecraft_potential": ("time", phi, {"units": "V"}),
    }
    if lam is not None:
        data["expected"] = (("time", "energy", "elevation", "azimuth"), lam, {"units": "counts"})
    if lia_to_gse is not None:
        data["lia_to_gse"] = (ROTATION_DIMS, lia_to_gse, {"units": " "})
    return xr.Dataset(
        data,
        coords=coords,
        attrs={
            "accumulation_s": v.accumulation_s,
            "dwell_s": grid.dwell_s,
            "species": ",".join(p.species for p in pops),
            "frame": "LIA (bins: particle velocity direction)",
        },
    )


#: 1/k for the Poisson inversion (k = 1..100; index 0 unused): a multiplication instead of a division.
_INVERSE = np.concatenate([[0.0], 1.0 / np.arange(1, 101)])


@numba.njit(cache=True, nogil=True)
def poisson_values(lam: np.ndarray, uniforms: np.ndarray, seed: int, out: np.ndarray) -> None:
    """Kernel: Poisson counts into ``out`` (flat) of the means ``lam`` (flat); 0 where ``lam`` <= 1e-12.

    Means below 10 by inversion of the cumulative distribution with the bin's uniform from ``uniforms``
    (drawn by the caller's Generator; exact: the sum runs at most to k = 100, whose probability at a mean
    of 10 is 1e-63; a uniform below ``1 - mean`` is below ``exp(-mean)`` too, so most small means need no
    exponential), larger ones by numba's ``np.random.poisson`` (transformed rejection) seeded with ``seed``
    (from the same Generator): the same seed gives the same counts on every machine. numba's own uniforms
    (Mersenne Twister, one call per bin) had made the draws 2x slower.
    """
    np.random.seed(seed)  # noqa: NPY002 (numba's generator, seeded from the caller's Generator)
    inverse = _INVERSE
    for i in range(lam.shape[0]):
        out[i] = 0
        mean = lam[i]
        if mean <= 1e-12:
            continue
        if mean >= 10.0:
            out[i] = np.random.poisson(mean)  # noqa: NPY002
            continue
        x = uniforms[i]
        if x <= 1.0 - mean:  # then x <= exp(-mean), k = 0, without computing the exponential
            continue
        p = exp_negative(mean)
        cdf = p
        k = 0
        while x > cdf and k < 100:
            k += 1
            p *= mean * inverse[k]
            cdf += p
        out[i] = k


def truth_quality(lam: np.ndarray, grid: LIAGrid, dead_time_s: float) -> np.ndarray:
    """Kernel: quality bits a distribution's expected counts already show (see :data:`QUALITY_BITS`)."""
    spectrum = lam.sum(axis=(2, 3))
    total = spectrum.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        edge = (spectrum[:, 0] + spectrum[:, -1]) / total > 0.01
        restricted = spectrum[:, grid.el_limit < 0.5 * np.pi].sum(axis=1) / total > 0.01
    rate_tau = lam.reshape(lam.shape[0], -1).max(axis=1) * (dead_time_s / grid.dwell_s)
    flag = np.zeros(lam.shape[0], dtype=np.int64)
    flag |= np.where(edge, QUALITY_BITS["energy_edge"], 0)
    flag |= np.where(restricted, QUALITY_BITS["restricted_fov"], 0)
    flag |= np.where(rate_tau > 0.1, QUALITY_BITS["dead_time"], 0)
    flag |= np.where(total < 10.0, QUALITY_BITS["no_counts"], 0)
    return flag
