"""Units used throughout smilekit.

``RE`` is the Earth radius used for all geocentric distances in space physics, 6371 km (the mean
radius; the convention of most magnetospheric models, e.g. Shue et al. 1997, :cite:`shue1997`, and of SXI
simulations).
It is an :mod:`astropy.units` unit, so ``10 * RE`` is a Quantity that converts to km.
"""

from __future__ import annotations

import astropy.units as u

__all__ = ["RAYLEIGH", "RE", "RE_KM", "SXI_INTENSITY"]

#: Earth radius in km, as a plain float for numeric kernels.
RE_KM: float = 6371.0

#: The Earth radius as an astropy unit (6371 km).
RE = u.def_unit(["RE", "R_E"], RE_KM * u.km, doc="Earth radius, 6371 km (smilekit)")

#: The Rayleigh, the unit of auroral column emission rate: 1e6 / (4 pi) photons cm^-2 s^-1 sr^-1.
RAYLEIGH = u.def_unit("Rayleigh", 1e6 / (4 * 3.141592653589793) * u.ph / (u.cm**2 * u.s * u.sr))

#: The unit SXI intensities are given in.
SXI_INTENSITY = u.keV / (u.cm**2 * u.s * u.sr)

u.add_enabled_units([RE, RAYLEIGH])
