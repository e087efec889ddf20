"""The Light Ion Analyser: the instrument model, the distribution simulator and the moments (L2).

The chain: ion :class:`Population` s along the orbit (drifting bi-Maxwellian or bi-kappa protons and
alphas) -> :func:`simulate_counts` (expected counts of every energy-angle bin, dead time, Poisson; the
instrument in :class:`LIAConfig` and :mod:`~smilekit.instruments.lia.model`) -> :func:`compute_moments`
(density, velocity, temperature and pressure tensors, heat flux, protons and alphas separated by E/q,
each with its Poisson uncertainty and quality flags).
"""

from smilekit.instruments.lia.config import LIA_TO_BODY, LIAConfig
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.lia.model import QUALITY_BITS, energy_table, geometric_factor
from smilekit.instruments.lia.simulate import simulate_counts

__all__ = [
    "LIA_TO_BODY",
    "QUALITY_BITS",
    "LIAConfig",
    "Population",
    "energy_table",
    "geometric_factor",
    "simulate_counts",
]
