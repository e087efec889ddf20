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
from smilekit.science.boundary_fit import boundary_fitting_cmem, boundary_fitting_jorgensen, fit_forward_model
from smilekit.science.estimates import MagnetopauseEstimate
from smilekit.science.tangent import (
    limb_context,
    max_gradient,
    max_intensity,
    tangent_fitting,
    tangential_direction,
)

__all__ = ["METHODS", "SHARED_INPUTS", "SharedInputs", "estimate_standoff"]

#: Every method by name: ``f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate``.
METHODS: dict[str, Callable[..., MagnetopauseEstimate]] = {
    "max_intensity": max_intensity,
    "max_gradient": max_gradient,
    "tangent_fitting": tangent_fitting,
    "tangential_direction": tangential_direction,
    "boundary_fitting_jorgensen": boundary_fitting_jorgensen,
    "boundary_fitting_cmem": boundary_fitting_cmem,
}

#: What a method also accepts that several methods can share, made once per time bin
#: (:func:`~smilekit.science.cusps.retrieve_image`): ``limb``, the limb methods' pixels and edge
#: (:func:`~smilekit.science.tangent.limb_context`); ``forward``, the boundary fits' forward model
#: (:func:`~smilekit.science.boundary_fit.fit_forward_model`). Each method's result is the same with or
#: without them.
SHARED_INPUTS: dict[str, tuple[str, ...]] = {
    "max_intensity": ("limb",),
    "max_gradient": ("limb",),
    "tangent_fitting": ("limb",),
    "tangential_direction": ("limb",),
    "boundary_fitting_jorgensen": ("forward",),
    "boundary_fitting_cmem": ("forward",),
}


class SharedInputs:
    """The :data:`SHARED_INPUTS` of one L2 time bin, each made when a method first asks for it.

    ``inputs.kwargs(name, method)`` are the keyword arguments to add to the call of ``method`` (by its name
    in :data:`METHODS`): the shared inputs it accepts, or none for a method that is not the one of
    :data:`METHODS` under that name (a user's own). The first method to need an input pays for making it.
    """

    def __init__(self, l2: xr.Dataset, *, time_index: int = 0, solar_wind=None):
        self._make = {
            "forward": lambda: fit_forward_model(l2, time_index),
            "limb": lambda: limb_context(l2, time_index, solar_wind),
        }
        self._made: dict = {}

    def kwargs(self, name: str, method: Callable | None = None) -> dict:
        if method is not None and method is not METHODS.get(name):
            return {}
        keys = SHARED_INPUTS.get(name, ())
        for key in keys:
            if key not in self._made:
                self._made[key] = self._make[key]()
        return {key: self._made[key] for key in keys}


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
