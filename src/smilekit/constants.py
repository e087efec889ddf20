"""Physical constants as plain floats (SI unless the name says otherwise), for numeric kernels.

Values are CODATA 2018 as shipped by :mod:`astropy.constants`; kernels use these floats so that hot
loops never touch astropy units.
"""

from __future__ import annotations

import astropy.constants as const

__all__ = [
    "ADIABATIC_INDEX",
    "AU_KM",
    "EV",
    "G0",
    "GM_EARTH_KM3_S2",
    "GM_MOON_KM3_S2",
    "GM_SUN_KM3_S2",
    "J2_EARTH",
    "K_B",
    "MU_0",
    "M_P",
    "R_EARTH_EQ_KM",
]

K_B: float = float(const.k_B.si.value)  #: Boltzmann constant, J/K
M_P: float = float(const.m_p.si.value)  #: proton mass, kg
MU_0: float = float(const.mu0.si.value)  #: vacuum permeability, H/m
EV: float = float(const.e.si.value)  #: electronvolt, J
AU_KM: float = float(const.au.to("km").value)  #: astronomical unit, km
ADIABATIC_INDEX: float = 5.0 / 3.0  #: ratio of specific heats of a monatomic ideal gas (the plasmas here)

# Earth, Sun and Moon for orbit work. GM and the equatorial radius are IERS Conventions (2010), Table 1.1
# (:cite:`petit2010`; TT-compatible GM of EGM2008, 398600.4415 km^3/s^2 differs by 1e-9 relative: immaterial
# here); J2 is the EGM2008 unnormalised zonal -C20 (Pavlis et al. 2012, :cite:`pavlis2012`). GM of the Sun
# and Moon: IAU 2009 / DE421 values (Folkner et al. 2009, :cite:`folkner2009`), as tabulated in the IERS
# Conventions (2010), Table 1.1.
GM_EARTH_KM3_S2: float = 398600.4418  #: geocentric gravitational constant, km^3/s^2
R_EARTH_EQ_KM: float = 6378.137  #: Earth equatorial radius (WGS 84 / GRS 80), km; altitudes refer to it
J2_EARTH: float = 1.0826267e-3  #: Earth's second zonal harmonic (EGM2008), dimensionless
GM_SUN_KM3_S2: float = 1.32712442099e11  #: heliocentric gravitational constant, km^3/s^2
GM_MOON_KM3_S2: float = 4902.800066  #: lunar gravitational constant, km^3/s^2
G0: float = 9.80665  #: standard gravity (rocket equation), m/s^2
