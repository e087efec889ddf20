"""What a retrieval returns: the magnetopause stand-off and the cusp edges with uncertainties and status.

A retrieval never raises on a weak or odd image: it returns NaN values and a ``status`` that says why
(``"ok"`` when it has an answer). Bad input (not an L2 dataset, a time index out of range) is an
:class:`~smilekit.errors.InputError` instead.
"""

from __future__ import annotations

from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit.units import RE

__all__ = ["OK", "CuspEstimate", "MagnetopauseEstimate", "failed_magnetopause"]

#: The status of a retrieval that has an answer.
OK = "ok"


class MagnetopauseEstimate(NamedTuple):
    """The subsolar magnetopause stand-off distance from one image and one method."""

    method: str  #: the method's name (a key of :data:`smilekit.science.magnetopause.METHODS`)
    r0: u.Quantity  #: stand-off distance (RE), NaN when there is no answer
    r0_sigma: u.Quantity  #: its 1-sigma uncertainty (RE), NaN when there is no answer
    status: str  #: :data:`OK`, or why there is no answer
    boundary: dict  #: the fitted boundary's parameters (plain floats and strings), {} when none
    time: np.datetime64  #: middle of the image's time bin

    @property
    def ok(self) -> bool:
        """True when the method gave an answer."""
        return self.status == OK


class CuspEstimate(NamedTuple):
    """The edges of one mid-altitude cusp: noon-meridian GSM latitudes at a reference distance."""

    hemisphere: str  #: "north" or "south"
    equatorward: u.Quantity  #: GSM latitude (deg) of the equatorward edge at ``reference_distance``
    poleward: u.Quantity  #: GSM latitude (deg) of the poleward edge
    equatorward_sigma: u.Quantity  #: 1-sigma (deg)
    poleward_sigma: u.Quantity  #: 1-sigma (deg)
    reference_distance: u.Quantity  #: geocentric distance of the edges (RE)
    status: str  #: :data:`OK`, or why there is no answer
    time: np.datetime64  #: middle of the image's time bin

    @property
    def ok(self) -> bool:
        """True when the retrieval gave an answer."""
        return self.status == OK


def failed_magnetopause(method: str, status: str, time) -> MagnetopauseEstimate:
    """A :class:`MagnetopauseEstimate` without an answer: NaN values and the reason in ``status``."""
    nan = np.nan * RE
    return MagnetopauseEstimate(method, nan, nan, status, {}, np.datetime64(time, "ns"))
