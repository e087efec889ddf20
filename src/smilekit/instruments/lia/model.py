"""The LIA instrument model: energy table, angular bins, geometric factor and the frames.

A distribution is ``energy_steps x 2*deflection_steps x anode_sectors`` bins (32 x 16 x 48 by default),
index ``[k_energy, j_elevation, i_azimuth]`` in the LIA frame of :mod:`smilekit.instruments.lia.config`
(elevation bins run from -90 deg, sensor B, to +90 deg, sensor A). The expected counts of a bin are

    C = tau_step * eps * A * integral over the bin of (v^4 f(v) / 2) dlnE dOmega,

the flux ``v f d^3v`` through the effective area ``A`` over the bin's passband in ``ln E`` and its solid
angle ``dOmega = cos(theta) dtheta dphi`` (``d^3v = v^3 (dlnE / 2) dOmega``), with the dwell time
``tau_step`` and the MCP efficiency ``eps`` (:cite:`paschmann1998`, chapter 6). The geometric factor of a
bin, ``G = A * Omega_bin * Delta E / E`` (cm^2 sr eV/eV), is the factor a moment code divides by
(:func:`geometric_factor`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit.constants import EV, M_P
from smilekit.instruments.lia.config import LIA_TO_BODY, LIAConfig, LIAValues

__all__ = [
    "QUALITY_BITS",
    "ROTATION_DIMS",
    "SPECIES",
    "LIAGrid",
    "energy_table",
    "geometric_factor",
    "grid_values",
    "lia_to_gse_values",
]

#: Ion species LIA separates: mass in proton masses and charge in elementary charges.
SPECIES: dict[str, tuple[float, float]] = {"proton": (1.0, 1.0), "alpha": (3.9726, 2.0)}  # m_He4/m_p


class LIAGrid(NamedTuple):
    """The bins as plain arrays (eV, rad), see :func:`grid_values`."""

    ln_e_edges: np.ndarray  # (nE + 1,) ln(E/q / eV)
    e_centres: np.ndarray  # (nE,) eV/q
    el_edges: np.ndarray  # (nEl + 1,) rad, -pi/2 .. pi/2
    az_edges: np.ndarray  # (nAz + 1,) rad, 0 .. 2 pi
    el_limit: np.ndarray  # (nE,) rad: the largest |elevation| seen at each energy step
    solid_angle: np.ndarray  # (nE, nEl, nAz) sr seen by each bin
    dwell_s: float
    scale: float  # tau_step * eps * A * 1e5 (cm^2 s, with v in km/s)


def grid_values(v: LIAValues) -> LIAGrid:
    """Kernel: the bins of a configuration (see :class:`LIAGrid`)."""
    n_e = v.energy_steps
    lo, hi = math.log(v.e_min_ev), math.log(v.e_max_ev)
    step = (hi - lo) / (n_e - 1)
    ln_centres = lo + step * np.arange(n_e)
    ln_edges = np.concatenate([ln_centres - 0.5 * step, [ln_centres[-1] + 0.5 * step]])
    half = np.linspace(0.0, 0.5 * math.pi, v.deflection_steps + 1)
    el_edges = np.concatenate([-half[::-1], half[1:]])
    az_edges = np.linspace(0.0, 2.0 * math.pi, v.anode_sectors + 1)
    el_limit = np.where(
        np.exp(ln_centres) > v.e_restricted_ev, math.radians(v.el_restricted_deg), 0.5 * math.pi
    )
    lo_el = np.maximum(el_edges[None, :-1], -el_limit[:, None])
    hi_el = np.minimum(el_edges[None, 1:], el_limit[:, None])
    band = np.where(hi_el > lo_el, np.sin(hi_el) - np.sin(lo_el), 0.0)  # (nE, nEl)
    solid = band[:, :, None] * np.diff(az_edges)[None, None, :]
    dwell = v.accumulation_s / (n_e * v.deflection_steps)
    return LIAGrid(
        ln_edges,
        np.exp(ln_centres),
        el_edges,
        az_edges,
        el_limit,
        solid,
        dwell,
        dwell * v.mcp_efficiency * v.area_cm2 * 1e5,
    )


def speed2_per_volt(species: str) -> float:
    """Kernel: ``v^2`` per volt of E/q, (km/s)^2 / V, of an ion of :data:`SPECIES` (``2 q e / m``)."""
    mass, charge = SPECIES[species]
    return 2.0 * charge * EV / (mass * M_P) * 1e-6


#: The dims of a distributions dataset's ``lia_to_gse`` rotations (:func:`lia_to_gse_values`): element
#: ``[t, i, j]`` is row ``i`` (GSE) and column ``j`` (LIA) of time ``t``'s rotation.
ROTATION_DIMS = ("time", "row", "col")


def lia_to_gse_values(rotation_body_to_gse: np.ndarray) -> np.ndarray:
    """Kernel: LIA -> GSE rotations (N, 3, 3) from body -> GSE rotations (the attitude's)."""
    return np.einsum("nij,jk->nik", rotation_body_to_gse, LIA_TO_BODY)


def energy_table(config: LIAConfig | None = None) -> u.Quantity:
    """The energy-per-charge table: the centre of each energy step (eV, per elementary charge).

    Examples
    --------
    >>> e = energy_table()
    >>> e.shape, round(float(e[0].value)), round(float(e[-1].value))
    ((32,), 50, 20000)
    """
    return grid_values(LIAConfig.resolve(config).values).e_centres * u.eV


def geometric_factor(config: LIAConfig | None = None) -> u.Quantity:
    """Geometric factor of each bin, ``A * Omega_bin * Delta E / E``, shape (nE, nEl, nAz), cm^2 sr.

    Zero for the elevation bins an energy step does not see (above 62 deg beyond 13.2 keV/q), partial
    for the bin the 62 deg limit cuts. The MCP efficiency is not included.

    Examples
    --------
    >>> g = geometric_factor()
    >>> g.shape, f"{float(g[0, 8, 0].value):.2e}"
    ((32, 16, 48), '9.87e-05')
    >>> bool((g[-1, -1] == 0).all()), bool((g[0, -1] > 0).all())
    (True, True)
    """
    cfg = LIAConfig.resolve(config)
    grid = grid_values(cfg.values)
    return cfg.values.area_cm2 * grid.solid_angle * cfg.energy_resolution * u.cm**2 * u.sr


#: Quality bits of a LIA distribution or moment sample (``quality_flag``; 0 is good).
QUALITY_BITS: dict[str, int] = {
    "energy_edge": 1,  # > 1 % of the counts in the lowest or highest energy step: the table truncates it
    "no_counts": 2,  # too few counts for moments (< 10); the moments are NaN
    "dead_time": 4,  # a bin's measured rate x dead time above 0.1 (correction > 10 %) or beyond 1
    "alpha_not_separated": 8,  # no alpha peak at 2 x the proton E/q: all counts taken as protons
    "restricted_fov": 16,  # > 1 % of the counts above 13.2 keV/q, where the field stops at 62 deg
}
