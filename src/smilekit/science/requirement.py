"""The SXI science requirement's domain: the solar wind and the vantage points the accuracy is owed for.

The SMILE mission description (the SMILE handbook chapter, :cite:`branduardiraymont2022`, sec. 3.1) states
SXI's first science requirement: for a solar-wind particle flux n v above 4.9e8 cm^-2 s^-1
(:data:`FLUX_THRESHOLD`) and from orbit positions beyond 15 RE geocentric (:data:`MIN_DISTANCE`), the subsolar
magnetopause shall be located to better than 0.5 RE with better than 5-min time resolution; the second asks
the cusp edges to 0.25 RE. :func:`in_requirement_domain` says which conditions lie in that domain: the L3
products flag the records outside it (:mod:`smilekit.products.l3_cdf`), and the evaluation campaign
(:mod:`smilekit.campaign`) draws its cases inside and outside it and judges the retrievals' accuracy over it.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.units import RE

__all__ = ["FLUX_THRESHOLD", "MIN_DISTANCE", "in_requirement_domain", "in_requirement_domain_values"]

#: SXI requirement 1 (:cite:`branduardiraymont2022`, sec. 3.1): solar-wind particle flux above this (cm^-2
#: s^-1) ...
FLUX_THRESHOLD = 4.9e8 * u.cm**-2 / u.s
#: ... seen from beyond this geocentric distance.
MIN_DISTANCE = 15.0 * RE


def in_requirement_domain(n, v, sc_position) -> np.ndarray:
    """True where a case lies in the SXI requirement domain: flux n v above 4.9e8 cm^-2 s^-1 and the
    spacecraft beyond 15 RE geocentric (:cite:`branduardiraymont2022`, sec. 3.1, requirement 1).

    Parameters
    ----------
    n, v : Quantity
        Solar-wind density and speed, shape (N,).
    sc_position : Quantity
        Spacecraft positions (length), shape (N, 3).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> sc = [[0, 0, 18], [0, 0, 18], [0, 0, 14]] * RE
    >>> in_requirement_domain([12, 13, 13] * u.cm**-3, 400 * u.km / u.s, sc)
    array([False,  True, False])
    """
    n_v = as_value(n, u.cm**-3, "n", positive=True)
    v_v = as_value(v, u.cm / u.s, "v", positive=True)
    p = np.atleast_2d(as_value(sc_position, RE, "sc_position"))
    return in_requirement_domain_values(np.atleast_1d(n_v * v_v), np.linalg.norm(p, axis=-1))


def in_requirement_domain_values(flux, distance) -> np.ndarray:
    """Kernel of :func:`in_requirement_domain`: solar-wind flux (cm^-2 s^-1), geocentric distance (RE)."""
    return (np.asarray(flux) > FLUX_THRESHOLD.to_value(u.cm**-2 / u.s)) & (
        np.asarray(distance) > MIN_DISTANCE.to_value(RE)
    )
