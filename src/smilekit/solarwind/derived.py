"""Derived solar-wind quantities as plain-float kernels (fixed units, no astropy), vectorised.

Units: n in cm^-3, speeds in km/s, B in nT, T in K. The Quantity-aware wrappers are on
:class:`~smilekit.solarwind.state.SolarWindState` and :class:`~smilekit.solarwind.SolarWind`.
"""

from __future__ import annotations

import numpy as np

from smilekit.constants import ADIABATIC_INDEX, K_B, M_P, MU_0

__all__ = [
    "OMNI_PDYN_FACTOR",
    "alfven_mach",
    "alfven_speed",
    "clock_angle",
    "magnetic_pressure",
    "magnetosonic_mach",
    "newell_coupling",
    "particle_flux",
    "pdyn",
    "sonic_mach",
    "sound_speed",
]

#: OMNI's dynamic pressure factor for hours without an alpha measurement: P [nPa] = 2e-6 Np V^2, which
#: corresponds to 1.67e-6 Np V^2 (1 + 4 Na/Np) with Na/Np ~ 4 % (OMNI2 format description, word 29).
OMNI_PDYN_FACTOR = 2.0e-6


def pdyn(n, speed):
    """Solar wind dynamic pressure in nPa, OMNI definition ``2e-6 n V^2`` (n cm^-3, V km/s)."""
    return OMNI_PDYN_FACTOR * np.asarray(n) * np.asarray(speed) ** 2


def particle_flux(n, speed):
    """Particle flux n V in cm^-2 s^-1 (n cm^-3, V km/s; 1 km = 1e5 cm)."""
    return np.asarray(n) * np.asarray(speed) * 1e5


def magnetic_pressure(b_magnitude):
    """Magnetic pressure B^2 / (2 mu0) in nPa (B in nT)."""
    b_tesla = np.asarray(b_magnitude) * 1e-9
    return b_tesla**2 / (2.0 * MU_0) * 1e9


def clock_angle(by_gsm, bz_gsm):
    """IMF clock angle atan2(By, Bz) in GSM, degrees in [0, 360): 0 northward, 90 duskward (+Y)."""
    return np.mod(np.degrees(np.arctan2(by_gsm, bz_gsm)), 360.0)


def alfven_speed(b_magnitude, n):
    """Proton Alfvén speed B / sqrt(mu0 n m_p) in km/s (B nT, n cm^-3)."""
    rho = np.asarray(n) * 1e6 * M_P
    return np.asarray(b_magnitude) * 1e-9 / np.sqrt(MU_0 * rho) / 1e3


def sound_speed(t, gamma: float = ADIABATIC_INDEX, electron_to_proton: float = 1.0):
    """Sound speed sqrt(gamma k (Tp + Te) / m_p) in km/s, with Te = ``electron_to_proton`` * Tp (T in K)."""
    return np.sqrt(gamma * K_B * np.asarray(t) * (1.0 + electron_to_proton) / M_P) / 1e3


def alfven_mach(speed, b_magnitude, n):
    """Alfvén Mach number V / v_A (protons only)."""
    return np.asarray(speed) / alfven_speed(b_magnitude, n)


def sonic_mach(speed, t):
    """Sonic Mach number V / c_s (gamma = 5/3, Te = Tp)."""
    return np.asarray(speed) / sound_speed(t)


def magnetosonic_mach(speed, b_magnitude, n, t):
    """Fast magnetosonic Mach number V / sqrt(v_A^2 + c_s^2) (perpendicular propagation)."""
    return np.asarray(speed) / np.hypot(alfven_speed(b_magnitude, n), sound_speed(t))


def newell_coupling(speed, by_gsm, bz_gsm):
    """Newell et al. (2007) coupling function dPhi_MP/dt = V^(4/3) B_T^(2/3) sin^(8/3)(theta_c / 2).

    Newell, P. T., et al. (2007), J. Geophys. Res., 112, A01206, doi:10.1029/2006JA012015,
    :cite:`newell2007`, Eq. (2) and Table 2. B_T = sqrt(By^2 + Bz^2) (GSM) and theta_c the clock angle. The
    result is in the units the paper uses, (km/s)^(4/3) nT^(2/3): OVATION Prime 2010's coefficients take it
    as it is (its mean, 4421 in these units, sets the model's coupling bins;
    :mod:`smilekit.geospace.ovation`).
    """
    bt = np.hypot(by_gsm, bz_gsm)
    theta = np.arctan2(by_gsm, bz_gsm)
    return np.asarray(speed) ** (4.0 / 3.0) * bt ** (2.0 / 3.0) * np.abs(np.sin(theta / 2.0)) ** (8.0 / 3.0)
