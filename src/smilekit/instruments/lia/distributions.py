"""Ion velocity distributions along the orbit: drifting bi-Maxwellian and bi-kappa, and their bin integrals.

A :class:`Population` is one ion species (protons or alphas) at N samples: density ``n``, bulk velocity
``V``, temperatures ``T_par`` and ``T_perp`` about the magnetic field direction ``b`` and, optionally, a
kappa index. With ``u = v - V``, ``w_par^2 = 2 k T_par / m``, ``w_perp^2 = 2 k T_perp / m`` and
``Q = u_par^2 / w_par^2 + u_perp^2 / w_perp^2``:

* bi-Maxwellian: ``f = n / (pi^(3/2) w_par w_perp^2) exp(-Q)``;
* bi-kappa: ``f = n Gamma(kappa + 1) / (Gamma(kappa - 1/2) (pi (kappa - 3/2))^(3/2) w_par w_perp^2)
  (1 + Q / (kappa - 3/2))^-(kappa + 1)``, kappa > 3/2, the form whose second moments are ``T_par`` and
  ``T_perp`` for every kappa (the kappa distribution whose temperature is the second-moment temperature,
  Livadiotis & McComas 2013, :cite:`livadiotis2013`, generalised to two temperatures; the normalisation
  is checked in the tests: its density and mean speed against numerical integrals).

So ``n``, ``V``, ``T_par`` and ``T_perp`` are the exact moments of the distribution: the truth the LIA
moments are measured against. The kernel :func:`expected_counts_values` integrates ``v^4 f / 2`` over
each bin (:mod:`smilekit.instruments.lia.model`) by Gauss-Legendre quadrature in ``ln E``, elevation and
azimuth, with as many points per axis as the distribution's width across the bin needs (1 for a hot
sheath, up to 6 for a cold beam), after dropping the bins where the distribution is below 1e-14 of its
peak (with one point per bin: at the bin centre); bins in the far tail (below 1.2e-4 of the peak
everywhere in the bin, ``Q > 9``) take at most 2 points per axis (together they hold < 4e-4 of the
counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import astropy.units as u
import numba
import numpy as np

from smilekit._validation import as_value, as_vector
from smilekit.constants import K_B, M_P
from smilekit.errors import InputError
from smilekit.instruments.lia.model import SPECIES, LIAGrid, speed2_per_volt

__all__ = ["Population", "truth_populations"]

#: The largest density (cm^-3), speed (km/s) and temperature (K) accepted: far beyond the solar wind
#: (a few to ~100 cm^-3, 250-1000 km/s, 1e4-1e6 K) and the magnetosheath (up to ~1e8 K in a hot
#: magnetosphere); a value beyond them is a unit slip.
_MAX_DENSITY, _MAX_SPEED, _MAX_TEMPERATURE = 1e5, 1e4, 1e10

_MAX_POINTS = 6
_GL = [np.polynomial.legendre.leggauss(n) for n in range(1, _MAX_POINTS + 1)]
#: Gauss-Legendre nodes and weights on [-1, 1], row n-1 for n points (padded with zeros).
GL_NODES = np.zeros((_MAX_POINTS, _MAX_POINTS))
GL_WEIGHTS = np.zeros((_MAX_POINTS, _MAX_POINTS))
for _n, (_x, _w) in enumerate(_GL, start=1):
    GL_NODES[_n - 1, :_n], GL_WEIGHTS[_n - 1, :_n] = _x, _w


#: exp(-j/64) for j = 0..64*48: the table of :func:`exp_negative`.
_EXP_STEP = 1.0 / 64.0
_EXP_TABLE = np.exp(-np.arange(64 * 48 + 1) * _EXP_STEP)


@numba.njit(cache=True, nogil=True, inline="always")
def exp_negative(q: float) -> float:
    """Kernel: ``exp(-q)`` for ``q >= 0``, twice as fast as ``math.exp`` (relative error < 1e-11).

    ``exp(-q) = exp(-j/64) exp(-r)`` with ``j = floor(64 q)`` from a table and ``0 <= r < 1/64`` by its
    Taylor series to ``r^4`` (remainder ``r^5/120 < 8e-12``); ``math.exp`` beyond the table (q > 48).
    """
    j = int(q * 64.0)
    if j >= _EXP_TABLE.shape[0] - 1:
        return math.exp(-q)
    r = q - j * _EXP_STEP
    return _EXP_TABLE[j] * (1.0 - r * (1.0 - r * (0.5 - r * (1.0 / 6.0 - r * (1.0 / 24.0)))))


def _per_sample(value, unit, name, n, **checks) -> np.ndarray:
    out = as_value(value, unit, name, **checks)
    if out.ndim == 0:
        return np.full(n, float(out))
    if out.shape != (n,):
        raise InputError(f"{name} must be a scalar or have shape ({n},) (one per sample), got {out.shape}")
    return np.array(out, dtype=np.float64)


def _first_bad(values: np.ndarray, bad: np.ndarray, name: str, unit: str, accepted: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} {values[i]:g} {unit} at sample {i} ({int(bad.sum())} of {bad.size} samples) is not "
            f"accepted; {accepted}"
        )


@dataclass(frozen=True, eq=False)
class Population:
    """One ion species' distribution at N samples (see the module docstring for the forms).

    Parameters
    ----------
    species : {"proton", "alpha"}
        The ion (mass and charge from :data:`~smilekit.instruments.lia.model.SPECIES`).
    density : Quantity
        Number density, shape (N,) or scalar, finite and > 0.
    velocity : Quantity
        Bulk velocity, shape (N, 3) or (3,), in the frame named by the caller (GSE with an attitude, or
        the LIA frame; see :func:`~smilekit.instruments.lia.simulate.simulate_counts`).
    t_par, t_perp : Quantity
        Temperatures parallel and perpendicular to ``b`` (K or an energy, e.g. eV), finite and > 0.
    b_direction : array_like
        Magnetic field direction in the frame of ``velocity``, shape (N, 3) or (3,); normalised here,
        finite and non-zero.
    kappa : float or array_like, optional
        Kappa index per sample (> 1.5, finite); None for a bi-Maxwellian.

    Raises
    ------
    InputError
        Naming the first offending sample: a density or temperature that is not finite or not > 0, a
        speed over 1e4 km/s, a zero or non-finite field direction, kappa <= 1.5, mismatched shapes.

    Examples
    --------
    >>> import astropy.units as u
    >>> p = Population("proton", 5 / u.cm**3, [-400, 0, 0] * u.km / u.s, 1e5 * u.K, 1e5 * u.K, [1, 0, 0])
    >>> len(p), p.thermal_speeds()[0].round(1)
    (1, array([40.6]))
    """

    species: str
    density: u.Quantity
    velocity: u.Quantity
    t_par: u.Quantity
    t_perp: u.Quantity
    b_direction: np.ndarray
    kappa: object = None

    def __post_init__(self):
        if self.species not in SPECIES:
            raise InputError(f"species must be one of {sorted(SPECIES)}, got {self.species!r}")
        vel = as_vector(self.velocity, u.km / u.s, "velocity", allow_nan=True)
        vel = np.atleast_2d(vel)
        n = max(vel.shape[0], np.size(self.density), np.size(self.t_par), np.size(self.t_perp))
        if vel.shape[0] == 1:
            vel = np.broadcast_to(vel, (n, 3))
        elif vel.shape != (n, 3):
            raise InputError(f"velocity must have shape (3,) or ({n}, 3), got {vel.shape}")
        dens = _per_sample(self.density, u.cm**-3, "density", n, allow_nan=True, finite=False)
        temps = []
        for name in ("t_par", "t_perp"):
            raw = getattr(self, name)
            if isinstance(raw, u.Quantity) and raw.unit.physical_type == "energy":
                raw = raw.to(u.K, equivalencies=u.temperature_energy())
            temps.append(_per_sample(raw, u.K, name, n, allow_nan=True, finite=False))
        for name, x, unit, high in (
            ("density", dens, "cm^-3", _MAX_DENSITY),
            ("t_par", temps[0], "K", _MAX_TEMPERATURE),
            ("t_perp", temps[1], "K", _MAX_TEMPERATURE),
        ):
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(x) | (x <= 0) | (x > high)
            _first_bad(x, bad, name, unit, f"give finite values in (0, {high:g}] {unit}")
        speed = np.linalg.norm(vel, axis=-1)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(speed) | (speed > _MAX_SPEED)
        _first_bad(speed, bad, "speed |velocity|", "km/s", f"give finite speeds <= {_MAX_SPEED:g} km/s")
        try:
            b = np.array(self.b_direction, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"b_direction must be an array of shape (N, 3), got {self.b_direction!r:.60}"
            ) from None
        b = np.atleast_2d(b)
        if b.shape[-1] != 3 or b.ndim != 2 or b.shape[0] not in (1, n):
            raise InputError(
                f"b_direction must have shape (3,) or ({n}, 3), got {np.shape(self.b_direction)}"
            )
        norm = np.linalg.norm(b, axis=-1)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(norm) | (norm <= 0)
        _first_bad(norm, bad, "|b_direction|", "", "give a finite, non-zero field direction per sample")
        b = np.broadcast_to(b / norm[:, None], (n, 3)).copy()
        if self.kappa is None:
            kap = np.zeros(n)
        else:
            kap = np.array(np.broadcast_to(np.asarray(self.kappa, dtype=np.float64), (n,)))
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(kap) | (kap <= 1.5)
            _first_bad(kap, bad, "kappa", "", "kappa must be finite and > 1.5 (None for a Maxwellian)")
        object.__setattr__(
            self, "_arrays", (dens, np.array(vel, dtype=np.float64), temps[0], temps[1], b, kap)
        )

    def __len__(self) -> int:
        return self._arrays[0].shape[0]

    @property
    def mass_amu(self) -> float:
        """Mass in proton masses."""
        return SPECIES[self.species][0]

    @property
    def charge(self) -> float:
        """Charge in elementary charges."""
        return SPECIES[self.species][1]

    def values(self):
        """Plain arrays: n (cm^-3), V (km/s, (N, 3)), T_par, T_perp (K), b (unit, (N, 3)), kappa (0: none)."""
        return self._arrays

    def thermal_speeds(self) -> tuple[np.ndarray, np.ndarray]:
        """``w_par, w_perp = sqrt(2 k T / m)`` (km/s), the widths of the distribution."""
        _, _, tpar, tperp, _, _ = self._arrays
        m = self.mass_amu * M_P
        return np.sqrt(2 * K_B * tpar / m) * 1e-3, np.sqrt(2 * K_B * tperp / m) * 1e-3

    def select(self, index) -> Population:
        """The population at the samples ``index``."""
        n, v, tpar, tperp, b, kap = self._arrays
        return Population(
            self.species,
            n[index] * u.cm**-3,
            v[index] * u.km / u.s,
            tpar[index] * u.K,
            tperp[index] * u.K,
            b[index],
            None if not kap.any() else kap[index],
        )


def truth_populations(truth, b_direction) -> list[Population]:
    """The protons and alphas of an in situ truth (:func:`smilekit.geospace.insitu.insitu_truth`) at its
    samples: isotropic drifting Maxwellians in GSE (``n_p``, ``n_alpha``, ``v_gse``, ``t_p``, ``t_alpha``),
    with the field directions ``b_direction`` (N, 3) for their gyrotropic frame."""
    kms = u.km / u.s
    return [
        Population(species, truth[f"n_{s}"].values * u.cm**-3, truth["v_gse"].values * kms,
                   truth[f"t_{s}"].values * u.K, truth[f"t_{s}"].values * u.K, b_direction)
        for species, s in (("proton", "p"), ("alpha", "alpha"))
    ]  # fmt: skip


def quadrature_points(width: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Kernel: Gauss-Legendre points across a bin of ``width`` for a feature of 1-sigma ``sigma``.

    One point (the centre) when the bin is under half a sigma wide, else ``ceil(width / sigma) + 1``,
    at most 6: the Gauss-Legendre rule of that order integrates a Gaussian across the bin to better
    than 2e-3 (checked against the exact integral in the tests).
    """
    ratio = width / sigma
    return np.where(ratio < 0.5, 1, np.minimum(np.ceil(ratio) + 1, _MAX_POINTS)).astype(np.int64)


class QuadratureTables(NamedTuple):
    """Gauss-Legendre nodes of every bin, precomputed once per grid (row ``q-1`` for ``q`` points).

    Energies ``e_nodes[q-1, k, a]`` (eV/q) with weights ``e_w[q-1, a]`` (including ``Delta lnE / 2``);
    elevation cosines, sines and weights ``el_*[k, q-1, j, b]`` (the weights include ``Delta theta / 2``
    and ``cos theta``; the elevation range of a step may be cut by the 62 deg limit, hence the energy
    index); azimuth ``az_*[q-1, i, c]`` (weights include ``Delta phi / 2``); and the bin centres' direction
    cosines ``centre[k, j, i, 3]``, with the bins' angular extent ``extent[k, j, i]`` (rad) for pruning.
    """

    e_nodes: np.ndarray
    e_w: np.ndarray
    el_cos: np.ndarray
    el_sin: np.ndarray
    el_w: np.ndarray
    az_cos: np.ndarray
    az_sin: np.ndarray
    az_w: np.ndarray
    centre: np.ndarray
    extent: np.ndarray


def quadrature_tables(grid: LIAGrid) -> QuadratureTables:
    """The :class:`QuadratureTables` of a grid."""
    ln_e, el_edges, az_edges = grid.ln_e_edges, grid.el_edges, grid.az_edges
    n_az = az_edges.size - 1
    x, w = GL_NODES, GL_WEIGHTS  # (6, 6)
    half_ln = 0.5 * np.diff(ln_e)  # (nE,)
    mid_ln = 0.5 * (ln_e[1:] + ln_e[:-1])
    e_nodes = np.exp(mid_ln[None, :, None] + half_ln[None, :, None] * x[:, None, :])
    e_w = w * half_ln[0]
    lo = np.maximum(el_edges[None, :-1], -grid.el_limit[:, None])  # (nE, nEl)
    hi = np.minimum(el_edges[None, 1:], grid.el_limit[:, None])
    half = np.where(hi > lo, 0.5 * (hi - lo), 0.0)
    mid = 0.5 * (hi + lo)
    th = mid[:, None, :, None] + half[:, None, :, None] * x[None, :, None, :]  # (nE, 6, nEl, 6)
    el_w = w[None, :, None, :] * half[:, None, :, None] * np.cos(th)
    half_az = 0.5 * np.diff(az_edges)
    mid_az = 0.5 * (az_edges[1:] + az_edges[:-1])
    ph = mid_az[None, :, None] + half_az[None, :, None] * x[:, None, :]  # (6, nAz, 6)
    centre = np.stack(
        np.broadcast_arrays(
            (np.cos(mid)[:, :, None] * np.cos(mid_az)[None, None, :]),
            (np.cos(mid)[:, :, None] * np.sin(mid_az)[None, None, :]),
            np.sin(mid)[:, :, None] * np.ones(n_az),
        ),
        axis=-1,
    )
    extent = half[:, :, None] + half_az[None, None, :]  # half-widths: the largest angle from the centre
    extent = np.where(half[:, :, None] > 0.0, extent, -1.0)  # -1: the bin sees nothing
    return QuadratureTables(
        e_nodes, e_w, np.cos(th), np.sin(th), el_w, np.cos(ph), np.sin(ph),
        w[:, None, :] * half_az[None, :, None] * np.ones((1, n_az, 1)), np.ascontiguousarray(centre),
        np.ascontiguousarray(extent),
    )  # fmt: skip


@numba.njit(cache=True, nogil=True, inline="always")
def _shape(q: float, ks: float, kappa: float) -> float:
    """Kernel: the distribution relative to its peak at ``Q = q``: bi-kappa (``ks = kappa - 3/2 > 0``) or
    bi-Maxwellian (``ks = 0``) of the module docstring."""
    if ks > 0.0:
        return math.exp(-(kappa + 1.0) * math.log1p(q / ks))
    return exp_negative(q)


@numba.njit(cache=True, nogil=True)
def _expected_one(out, ln_e, tab_e, tab_ew, el_cos, el_sin, el_w, az_cos, az_sin, az_w, centre, extent,
                  scale, c2, n, vx, vy, vz, bx, by, bz, w_par, w_perp, kappa, phi,
                  nq_e, nq_el, nq_az):  # fmt: skip
    """Add one sample's expected counts of one species to ``out`` (nE, nEl, nAz)."""
    n_e, n_el, n_az = out.shape
    w_max = max(w_par, w_perp)
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    ipar = 1.0 / (w_par * w_par)
    iperp = 1.0 / (w_perp * w_perp)
    if kappa > 0.0:
        ks = kappa - 1.5
        norm = (
            n
            * math.exp(math.lgamma(kappa + 1.0) - math.lgamma(kappa - 0.5))
            / ((math.pi * ks) ** 1.5 * w_par * w_perp * w_perp)
        )
        q_skip = ks * (math.exp(32.24 / (kappa + 1.0)) - 1.0)  # (1 + Q/ks)^-(kappa+1) < 1e-14
    else:
        ks = 0.0
        norm = n / (math.pi**1.5 * w_par * w_perp * w_perp)
        q_skip = 32.24  # exp(-Q) < 1e-14
    r_skip = math.sqrt(q_skip) * w_max
    r_tail = 3.0 * w_max  # Q > 9: below 1.2e-4 of the peak
    for ke in range(n_e):
        s_lo = math.sqrt(max(c2 * (math.exp(ln_e[ke]) + phi), 0.0))
        s_hi = math.sqrt(max(c2 * (math.exp(ln_e[ke + 1]) + phi), 0.0))
        if s_hi <= 0.0:
            continue
        gap = max(s_lo - speed, speed - s_hi, 0.0) / w_max  # the shell's distance from V
        if gap * gap > q_skip:
            continue
        s_c = 0.5 * (s_lo + s_hi)
        far = (s_hi + speed) / w_max
        prune = far * far > q_skip  # else no bin of this shell is far enough out to be dropped
        if nq_e == 1 and nq_el == 1 and nq_az == 1:
            # one point per bin (a hot distribution): a tight loop over the sectors, the bins whose centre
            # is below 1e-14 of the peak (q > q_skip) dropped
            e = tab_e[0, ke, 0]
            s2 = c2 * (e + phi)
            if s2 <= 0.0:
                continue
            s = math.sqrt(s2)
            si2 = c2 * e
            wa = 0.5 * scale * norm * tab_ew[0, 0] * si2 * si2
            cos_az = az_cos[0, :, 0]
            sin_az = az_sin[0, :, 0]
            w_az = az_w[0, :, 0]
            for je in range(n_el):
                wb = wa * el_w[ke, 0, je, 0]
                if wb == 0.0:
                    continue
                sct = s * el_cos[ke, 0, je, 0]
                uz = s * el_sin[ke, 0, je, 0] - vz
                row = out[ke, je]
                for ia in range(n_az):
                    ux = sct * cos_az[ia] - vx
                    uy = sct * sin_az[ia] - vy
                    upar = ux * bx + uy * by + uz * bz
                    q = upar * upar * ipar + (ux * ux + uy * uy + uz * uz - upar * upar) * iperp
                    if q < q_skip:
                        row[ia] += wb * w_az[ia] * _shape(q, ks, kappa)
            continue
        for je in range(n_el):
            for ia in range(n_az):
                ext = extent[ke, je, ia]
                if ext < 0.0:
                    continue
                ne, nel, naz = nq_e, nq_el, nq_az
                if prune:  # drop the bin if even its nearest point is beyond sqrt(q_skip) w_max from V
                    cx = s_c * centre[ke, je, ia, 0] - vx
                    cy = s_c * centre[ke, je, ia, 1] - vy
                    cz = s_c * centre[ke, je, ia, 2] - vz
                    d2 = cx * cx + cy * cy + cz * cz
                    near = 0.5 * (s_hi - s_lo) + s_hi * ext
                    if d2 > (near + r_skip) ** 2:
                        continue
                    if d2 > (near + r_tail) ** 2:  # the far tail (Q > 9 everywhere in the bin): 2 points
                        ne, nel, naz = min(ne, 2), min(nel, 2), min(naz, 2)
                qe, qel, qaz = ne - 1, nel - 1, naz - 1
                total = 0.0
                for a in range(ne):
                    e = tab_e[qe, ke, a]
                    s2 = c2 * (e + phi)
                    if s2 <= 0.0:
                        continue
                    s = math.sqrt(s2)
                    si2 = c2 * e
                    wa = tab_ew[qe, a] * si2 * si2
                    for b in range(nel):
                        sct = s * el_cos[ke, qel, je, b]
                        uz = s * el_sin[ke, qel, je, b] - vz
                        wb = wa * el_w[ke, qel, je, b]
                        for c in range(naz):
                            ux = sct * az_cos[qaz, ia, c] - vx
                            uy = sct * az_sin[qaz, ia, c] - vy
                            upar = ux * bx + uy * by + uz * bz
                            q = upar * upar * ipar + (ux * ux + uy * uy + uz * uz - upar * upar) * iperp
                            total += wb * az_w[qaz, ia, c] * _shape(q, ks, kappa)
                out[ke, je, ia] += 0.5 * scale * norm * total  # the 1/2 of v^4 f / 2


@numba.njit(cache=True, nogil=True)
def expected_counts_values(out, ln_e, tab_e, tab_ew, el_cos, el_sin, el_w, az_cos, az_sin, az_w, centre,
                           extent, scale, c2, n, v, b, w_par, w_perp, kappa, phi, nq):  # fmt: skip
    """Kernel: add the expected counts of N samples of one species to ``out`` (N, nE, nEl, nAz).

    ``n`` cm^-3, ``v`` km/s (N, 3) in the LIA frame, ``b`` unit (N, 3), ``w_*`` km/s, ``kappa`` (0 for a
    Maxwellian), ``phi`` spacecraft potential (V), ``nq`` (N, 3) quadrature points in ln E, elevation,
    azimuth; ``c2`` (km/s)^2 per volt of E/q; ``scale`` = dwell * efficiency * area * 1e5
    (:class:`~smilekit.instruments.lia.model.LIAGrid`); the tables of :func:`quadrature_tables`.
    """
    for i in range(n.shape[0]):
        _expected_one(
            out[i], ln_e, tab_e, tab_ew, el_cos, el_sin, el_w, az_cos, az_sin, az_w, centre, extent, scale,
            c2, n[i], v[i, 0], v[i, 1], v[i, 2], b[i, 0], b[i, 1], b[i, 2], w_par[i], w_perp[i], kappa[i],
            phi[i], nq[i, 0], nq[i, 1], nq[i, 2],
        )  # fmt: skip


class KernelInputs(NamedTuple):
    """One population's arguments to :func:`expected_counts_values`, in the LIA frame (per sample)."""

    c2: float
    density: np.ndarray
    velocity: np.ndarray
    b_direction: np.ndarray
    w_par: np.ndarray
    w_perp: np.ndarray
    kappa: np.ndarray
    points: np.ndarray


def kernel_inputs(pop: Population, v_lia: np.ndarray, b_lia: np.ndarray, grid: LIAGrid) -> KernelInputs:
    """The kernel's inputs for ``pop`` (velocity and field already in the LIA frame), quadrature included."""
    dens, _, _, _, _, kap = pop.values()
    w_par, w_perp = pop.thermal_speeds()
    sigma = np.minimum(w_par, w_perp) / math.sqrt(2.0)  # 1-sigma speed width
    peak = np.maximum(np.linalg.norm(v_lia, axis=-1), sigma)  # speed where the counts are
    d_ln = grid.ln_e_edges[1] - grid.ln_e_edges[0]
    nq = np.stack(
        [
            quadrature_points(np.full_like(sigma, d_ln), 2.0 * sigma / peak),
            quadrature_points(np.full_like(sigma, grid.el_edges[1] - grid.el_edges[0]), sigma / peak),
            quadrature_points(np.full_like(sigma, grid.az_edges[1] - grid.az_edges[0]), sigma / peak),
        ],
        axis=-1,
    )
    c2 = speed2_per_volt(pop.species)
    return KernelInputs(
        c2, dens, np.ascontiguousarray(v_lia), np.ascontiguousarray(b_lia), w_par, w_perp, kap, nq
    )


def population_counts(out: np.ndarray, k: KernelInputs, phi: np.ndarray, grid: LIAGrid,
                      samples: slice = slice(None)) -> None:  # fmt: skip
    """Add the expected counts of the ``samples`` of one population (:func:`kernel_inputs`) to ``out``."""
    s = samples
    expected_counts_values(
        out, grid.ln_e_edges, *tables(grid), grid.scale, k.c2, k.density[s], k.velocity[s],
        k.b_direction[s], k.w_par[s], k.w_perp[s], k.kappa[s], np.ascontiguousarray(phi[s], dtype=np.float64),
        k.points[s],
    )  # fmt: skip


_TABLES: dict = {}


def tables(grid: LIAGrid) -> QuadratureTables:
    """The quadrature tables of ``grid``, cached by its edges (a grid is small; a few are kept)."""
    key = (
        grid.ln_e_edges.tobytes(),
        grid.el_edges.tobytes(),
        grid.az_edges.tobytes(),
        grid.el_limit.tobytes(),
    )
    if key not in _TABLES:
        if len(_TABLES) > 8:
            _TABLES.clear()
        _TABLES[key] = quadrature_tables(grid)
    return _TABLES[key]
