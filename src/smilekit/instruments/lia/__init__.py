"""The Light Ion Analyser: the instrument model, the distribution simulator and the moments (L2).

The chain: ion :class:`Population` s along the orbit (drifting bi-Maxwellian or bi-kappa protons and
alphas) -> :func:`simulate_counts` (expected counts of every energy-angle bin, dead time, Poisson; the
instrument in :class:`LIAConfig` and :mod:`~smilekit.instruments.lia.model`) -> :func:`compute_moments`
(density, velocity, temperature and pressure tensors, heat flux, protons and alphas separated by E/q,
each with its Poisson uncertainty and quality flags).

What the model does and does not do, measured by the tests in ``tests/instruments/lia`` (4-s
distributions, default :class:`LIAConfig`):

* Magnetosheath (n 20-40 cm^-3, V 150-250 km/s, T 2e6-5e6 K, T_perp/T_par 1.5): density within 5 %
  (measured within 0.1 % on average), temperatures T_par and T_perp within 10 % (0.2 %), velocity
  bias within 0.6 % and rms error within 1 %; single samples up to 1.2 % at 20 cm^-3 and 150 km/s
  (Poisson noise of ~1.2e5 counts on the bias from the part below 50 eV/q). Slower, cooler sheath
  (100 km/s, 1e6 K): 12 % of the density lies below 50 eV/q; extrapolated to 2 % (density) and 2 %
  (velocity), flagged ``energy_edge``. Bi-kappa (kappa 5) sheath: the same targets hold.
* Solar-wind beam (n 5 cm^-3, 400-700 km/s, 1e5 K): density within 1.3 %, speed within 0.65 %,
  velocity vector within 1.6 % (direction quantised by the 7.5 x 11.25 deg bins); the temperature is
  *not* measured: the beam (29 km/s thermal width) is narrower than the bins, and the moment
  temperature is 1.45x (400 km/s) to 3.3x (700 km/s) the truth.
* Alphas: split by E/q in the solar wind (density 20 % low at 400 km/s, within 5 % at 600-700 km/s;
  velocity within 3 %); in the hot sheath they overlap the protons in E/q, are counted as protons
  (the proton density then reads ~3 % high with 4 % alphas) and the samples are flagged.
* The moment sums agree with SPEDAS ``moments_3d`` (pyspedas) on the same counts: density to 1e-9,
  velocity to 0.23 % (bin direction weighting), pressure to 1 % in the sheath.
"""

from smilekit.instruments.lia.config import LIA_TO_BODY, LIAConfig
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.lia.model import QUALITY_BITS, energy_table, geometric_factor
from smilekit.instruments.lia.moments import compute_moments
from smilekit.instruments.lia.simulate import simulate_counts

__all__ = [
    "LIA_TO_BODY",
    "QUALITY_BITS",
    "LIAConfig",
    "Population",
    "compute_moments",
    "energy_table",
    "geometric_factor",
    "simulate_counts",
]
