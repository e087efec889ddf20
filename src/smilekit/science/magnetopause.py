"""The subsolar magnetopause stand-off distance r0 from an SXI image, by every published method.

Each method takes a level-2 dataset (:func:`~smilekit.instruments.sxi.l2.make_l2` or
:func:`~smilekit.products.sxi_fits.read_l2`, which carry the spacecraft position and attitude), the index
of its time bin and, optionally, the upstream solar wind (for starting values and priors; never the
truth's own magnetopause model), and returns a :class:`~smilekit.science.estimates.MagnetopauseEstimate`:
r0 with its 1-sigma uncertainty, the fitted boundary where the method has one, and a status that says why
there is no answer when there is none.

The methods (module in brackets):

``max_intensity`` (tangent)
    The brightest direction across the limb is the tangent to the magnetopause (Samsonov et al. 2022,
    :cite:`samsonov2022`); r0 from a Shue-type shape with the Shue et al. (1997) flaring, :cite:`shue1997`.
``max_gradient`` (tangent)
    The steepest fall of brightness across the limb (Samsonov et al. 2022), the same way to r0.
``tangent_fitting`` (tangent)
    A Shue-type surface whose tangents from the spacecraft match the observed limb (Sun et al. 2020,
    :cite:`sun2020`).
``tangential_direction`` (tangent)
    The surface as the envelope of the observed tangent lines (Collier & Connor 2018, :cite:`collier2018`).
``boundary_fitting_jorgensen`` (boundary_fit)
    The Jorgensen et al. (2019) emissivity, :cite:`jorgensen2019`, forward-modelled through the line of sight
    and the
    instrument (:mod:`~smilekit.science.forward`), maximum Poisson likelihood.
``boundary_fitting_cmem`` (boundary_fit)
    The same with CMEM (:cite:`wharton2024`; a scaled Lin et al. 2010 magnetopause, :cite:`lin2010`).
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from smilekit.errors import InputError
from smilekit.science.boundary_fit import boundary_fitting_cmem, boundary_fitting_jorgensen
from smilekit.science.estimates import MagnetopauseEstimate
from smilekit.science.tangent import max_gradient, max_intensity, tangent_fitting, tangential_direction

__all__ = ["METHODS", "estimate_standoff"]

#: Every method by name: ``f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate``.
METHODS: dict[str, Callable[..., MagnetopauseEstimate]] = {
    "max_intensity": max_intensity,
    "max_gradient": max_gradient,
    "tangent_fitting": tangent_fitting,
    "tangential_direction": tangential_direction,
    "boundary_fitting_jorgensen": boundary_fitting_jorgensen,
    "boundary_fitting_cmem": boundary_fitting_cmem,
}


def estimate_standoff(
    l2: xr.Dataset, method: str = "boundary_fitting_jorgensen", *, time_index: int = 0, solar_wind=None
) -> MagnetopauseEstimate:
    """r0 from one time bin of an L2 dataset by the named method (a key of :data:`METHODS`).

    Raises
    ------
    InputError
        For an unknown method or bad input (not an L2 dataset, time index out of range).
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose from {sorted(METHODS)}")
    return METHODS[method](l2, time_index=time_index, solar_wind=solar_wind)
