"""Physical constants as plain floats (SI unless the name says otherwise), for numeric kernels.

Values are CODATA 2018 as shipped by :mod:`astropy.constants`; kernels use these floats so that hot
loops never touch astropy units.
"""

from __future__ import annotations

import astropy.constants as const

__all__ = ["AU_KM", "EV", "K_B", "MU_0", "M_P"]

K_B: float = float(const.k_B.si.value)  #: Boltzmann constant, J/K
M_P: float = float(const.m_p.si.value)  #: proton mass, kg
MU_0: float = float(const.mu0.si.value)  #: vacuum permeability, H/m
EV: float = float(const.e.si.value)  #: electronvolt, J
AU_KM: float = float(const.au.to("km").value)  #: astronomical unit, km
