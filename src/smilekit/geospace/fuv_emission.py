"""Far-ultraviolet emission seen by SMILE UVI (160-180 nm): auroral LBH brightness and the sunlit dayglow.

UVI's band, 160-180 nm, holds the long-wavelength part of the N2 Lyman-Birge-Hopfield (LBH) bands, "LBH
long" (LBHl): the band of the Polar UVI LBHl filter (about 160-175 nm, Torr et al. 1995, :cite:`torr1995`)
as opposed to LBH short (140-160 nm), which O2 Schumann-Runge continuum absorption dims strongly.
LBHl is excited by electron impact on N2, so its column brightness is nearly proportional to the energy
the precipitating electrons deposit, almost independent of the shape of their spectrum (Germany et al. 1994,
:cite:`germany1994`), and only mildly reduced by O2 absorption for hard precipitation, whose energy is
deposited deep in the atmosphere (Germany et al. 1997, :cite:`germany1997`; Strickland et al. 1983,
:cite:`strickland1983`).

**Auroral LBHl** (:func:`lbh_brightness`). The column brightness seen from above at view zenith angle
``theta`` for an energy flux ``Q`` (erg cm^-2 s^-1 = mW m^-2) of mean energy ``E`` (keV) is::

    I = Y0 * Q * exp(-sigma_O2 * N_O2(z_peak(E)) / cos(theta))

* ``Y0`` = :data:`LBHL_YIELD`, 125 R per erg cm^-2 s^-1: the unabsorbed LBHl yield attributed to the Polar
  UVI analyses (Germany et al. 1997, :cite:`germany1997`: roughly 100-130 R per erg cm^-2 s^-1 in LBHl over
  1-20 keV characteristic energies). *Not confirmed* from a source readable here (searched 2026-12-05: the
  paper's figures were not found). An independent empirical calibration disagrees by a factor ~3:
  Sotirelis et al. (2013, :cite:`sotirelis2013`, abstract), from 27,922 DMSP F16 coincidences of SSUSI
  LBH-long with SSJ5 electrons, give J_E = 4.90e8 eV s^-1 sr^-1 cm^-2 per R; for isotropic electrons
  (Q = pi J_E) that is 1 / (pi 4.90e8 eV x 1.602e-12 erg/eV) = 405 R per erg cm^-2 s^-1 in SSUSI's LBHl
  channel. The channels and calibrations differ, so the value is kept, but an uncertainty of this size
  carries to UVI's count rates, to :data:`smilekit.science.aurora.LBH_THRESHOLD` and to the power read
  from images (*check*).
* ``sigma_O2`` = :data:`O2_CROSS_SECTION_LBHL`, 2e-19 cm^2: an effective O2 absorption cross section over
  160-180 nm, where the Schumann-Runge continuum tails off from ~5e-19 cm^2 at 160 nm to ~1e-20 cm^2 near
  175 nm (Meier 1991, :cite:`meier1991`). Confirmed: the continuum ends at the O2 dissociation threshold,
  57127 cm^-1 = 175.05 nm (Allison et al. 1971, :cite:`allison1971`, abstract), the Schumann-Runge bands
  lying beyond it; the cross-section values themselves are *not confirmed* here (an assumption, *check*).
* ``N_O2(z)`` is the O2 column above the emission altitude: the mass column ``p(z) / g(z)`` of the U.S.
  Standard Atmosphere 1976 (:cite:`ussa1976`) times the O2 mole fraction 0.2095 over the mean molecular
  mass 28.964 u (the O2 fraction falls above ~100 km, where the absorption is negligible anyway).
* ``z_peak(E)`` = :func:`emission_altitude`, below.

The result is flat (to a few per cent) for mean energies below ~5 keV, falls ~20 % by 20 keV and ~60 % by
50 keV, the behaviour Germany et al. (1997) describe for LBHl. The yield falls also for soft (< 1 keV)
precipitation, where more energy goes into O; this is not modelled.

**Emission altitude** (:func:`emission_altitude`). The LBH volume emission follows the energy deposition
(excitation of N2 by the same secondary electrons that ionise), so the emission peaks where the energy
dissipation does. For a Maxwellian of mean energy ``E`` the energy flux spectrum ``E'^2 exp(-E'/E0)`` peaks
at ``E' = 2 E0 = E``, so the deposition is represented by a beam of energy ``E``. Its mass range is
``R(E) = 4.30e-7 + 5.36e-6 E^1.67`` g cm^-2 (Rees 1989, :cite:`rees1989`, E in keV, from laboratory ranges in
air), and the energy dissipation function of an isotropic beam peaks at a scaled depth ``s/R`` of
:data:`PEAK_DEPTH_FRACTION` = 0.3 (Rees 1963, :cite:`rees1963`, *check* the figure). The altitude where the
US76 mass column equals ``0.3 R(E)`` is the emission altitude: 178 km for 1 keV, 148 km for 2 keV, 127 km
for 4 keV, 110 km for 10 keV, 102 km for 20 keV, 93 km for 50 keV, the 100-150 km auroral E-region peaks of
keV electrons (Fang et al. 2010, :cite:`fang2010`, *check* against its figures). The constant term of the
range keeps the altitude below 287 km for any energy; mean energies above ~70 keV put it below 90 km. An
altitude outside 90-300 km (:data:`EMISSION_ALTITUDE_RANGE`) is an :class:`~smilekit.errors.InputError`.

**Dayglow** (:func:`dayglow_brightness`). The LBH dayglow is excited by photoelectrons, whose production
per unit horizontal area is the absorbed solar EUV flux. For an optically thick atmosphere that is the
flux through a horizontal surface, ``F cos(chi)`` in plane-parallel geometry, and ``F / Ch(X, chi)`` on a
sphere, with ``Ch`` the Chapman grazing-incidence function (Chapman 1931, :cite:`chapman1931`) at the
reduced radius ``X = (RE + z) / H`` of the layer where the EUV is absorbed. So::

    I(chi) = I0 Ch(X, 0) / Ch(X, chi) + I_night

(``Ch(X, 0)`` = 1 to 0.2 % in the asymptotic form; dividing by it makes ``I(0) = I0`` exactly.)

``Ch`` follows the asymptotic form of Smith & Smith (1972, :cite:`smith1972`; also Huestis 2001,
:cite:`huestis2001`): ``sqrt(pi X / 2) erfcx(sqrt(X / 2) cos chi)`` for ``chi <= 90 deg`` and, beyond,
``2 sqrt(pi X sin(chi) / 2) exp(X (1 - sin chi)) - Ch(X, 180 deg - chi)``. It is ``1 / cos(chi)`` to 2 %
up to 60 deg (the cos(SZA) law that empirical FUV dayglow models fit, e.g. Immel et al. 2000,
:cite:`immel2000`; the Earth's curvature makes it 10 % brighter than cos at 80 deg), and past 90 deg the
Earth's shadow cuts the dayglow off: with ``z`` = 150 km (:data:`DAYGLOW_ALTITUDE`, the LBH dayglow peak,
Meier 1991) and ``H`` = 25 km, ``I / I0`` is 5 % at 90 deg, 0.6 % at 96 deg and 2e-4 at 101 deg; past
102.4 deg the Sun is behind the solid Earth for the whole layer and only the nightglow remains. ``I0`` =
:data:`DAYGLOW_SUBSOLAR`, 2 kR at nadir in 160-180 nm for moderate solar activity (an assumption: the
Polar UVI and TIMED GUVI LBH-long dayglow is of order 1-3 kR near the subsolar point; *not confirmed* from a
source readable here (searched 2026-12-05), *check*; it scales with the solar EUV, so give ``subsolar`` for
other conditions). The LBH nightglow is negligible (Meier 1991: no
photoelectrons; the FUV nightglow is OI and H Ly-alpha, outside the band): ``I_night`` defaults to 0 R.

The viewing geometry (limb brightening of an optically thin layer, the slant O2 path of the dayglow) is the
business of the imager projection, not of this module; :func:`lbh_brightness` takes the view zenith angle
only for the O2 absorption of the auroral emission.

The kernels (``*_values``) take plain float64 arrays in fixed units (erg cm^-2 s^-1, keV, km, rad, R) and are
vectorised for per-pixel, per-frame use.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from scipy.special import erfcx

from smilekit._validation import as_value, check_broadcast, check_range
from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.times import as_datetime64
from smilekit.units import RAYLEIGH, RE_KM

__all__ = [
    "DAYGLOW_ALTITUDE",
    "DAYGLOW_SCALE_HEIGHT",
    "DAYGLOW_SUBSOLAR",
    "EMISSION_ALTITUDE_RANGE",
    "ENERGY_FLUX_UNIT",
    "LBHL_YIELD",
    "MAX_MEAN_ENERGY",
    "O2_CROSS_SECTION_LBHL",
    "PEAK_DEPTH_FRACTION",
    "chapman_values",
    "check_emission_altitude",
    "dayglow_brightness",
    "dayglow_values",
    "electron_range_values",
    "emission_altitude",
    "emission_altitude_values",
    "lbh_brightness",
    "lbh_values",
    "solar_zenith_angle",
]

#: The unit of precipitating energy flux (erg cm^-2 s^-1, equal to mW m^-2).
ENERGY_FLUX_UNIT = u.erg / (u.cm**2 * u.s)

#: Unabsorbed LBH-long (160-180 nm) yield, R per erg cm^-2 s^-1 (Germany et al. 1997; not confirmed, and
#: ~3x below Sotirelis et al. 2013's SSUSI calibration: see the module docstring; *check*).
LBHL_YIELD = 125.0 * RAYLEIGH / ENERGY_FLUX_UNIT

#: Effective O2 absorption cross section over 160-180 nm (Schumann-Runge continuum tail, which ends at
#: 175.05 nm, Allison et al. 1971; the value is an assumption, not confirmed).
O2_CROSS_SECTION_LBHL = 2.0e-19 * u.cm**2

#: Scaled depth s/R at which the energy dissipation of an isotropic electron beam peaks (Rees 1963).
PEAK_DEPTH_FRACTION = 0.3

#: Accepted emission-layer altitudes (issue 15: outside 90-300 km is an error).
EMISSION_ALTITUDE_RANGE = (90.0, 300.0) * u.km

#: Altitude of the LBH dayglow layer, where the solar EUV is absorbed (Meier 1991).
DAYGLOW_ALTITUDE = 150.0 * u.km

#: Neutral scale height at the dayglow layer (US76 at 150 km: ~22 km; 25 km adopted).
DAYGLOW_SCALE_HEIGHT = 25.0 * u.km

#: 160-180 nm dayglow at nadir for the Sun overhead, moderate solar activity (assumption, not confirmed).
DAYGLOW_SUBSOLAR = 2000.0 * RAYLEIGH

# U.S. Standard Atmosphere 1976 (:cite:`ussa1976`): geometric altitude (km) and pressure (Pa), quoted from
# memory (*check* 130-180 and 350 km against the tables). Values
# between the tabulated 10-km steps are interpolated linearly in log pressure.
_US76_Z_KM = np.array([60.0, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 180, 200, 250, 300, 350, 400])
_US76_P_PA = np.array(
    [21.958, 5.2209, 1.0524, 0.18359, 3.2011e-2, 7.1042e-3, 2.5382e-3, 1.2505e-3, 7.2028e-4, 4.5422e-4,
     3.0395e-4, 1.5160e-4, 8.4736e-5, 2.4767e-5, 8.7704e-6, 3.4498e-6, 1.4518e-6]
)  # fmt: skip
_G0 = 9.80665  # m s^-2
_AMU_G = 1.66053906660e-24  # g
_MEAN_MASS_AMU = 28.964
_O2_FRACTION = 0.2095
_LN_COLUMN = np.log(_US76_P_PA / (_G0 * (RE_KM / (RE_KM + _US76_Z_KM)) ** 2) * 0.1)  # ln g cm^-2


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64 arrays, fixed units, no astropy.units
# ---------------------------------------------------------------------------------------------------
def electron_range_values(energy_kev):
    """Kernel: mass range (g cm^-2) of electrons of ``energy_kev`` in air (Rees 1989)."""
    return 4.30e-7 + 5.36e-6 * np.power(energy_kev, 1.67)


def emission_altitude_values(mean_energy_kev):
    """Kernel: altitude (km) of peak LBH emission for a mean energy in keV (see the module docstring).

    Extrapolated log-linearly beyond the 60-400 km table; the caller checks the range.
    """
    column = PEAK_DEPTH_FRACTION * electron_range_values(mean_energy_kev)
    # The column decreases with altitude: interpolate altitude against -ln(column).
    x = -np.log(column)
    xs = -_LN_COLUMN
    z = np.interp(x, xs, _US76_Z_KM)
    lo, hi = x < xs[0], x > xs[-1]
    z = np.where(lo, _US76_Z_KM[0] + (x - xs[0]) * (_US76_Z_KM[1] - _US76_Z_KM[0]) / (xs[1] - xs[0]), z)
    return np.where(
        hi, _US76_Z_KM[-1] + (x - xs[-1]) * (_US76_Z_KM[-1] - _US76_Z_KM[-2]) / (xs[-1] - xs[-2]), z
    )


def _max_mean_energy_kev() -> float:
    """The mean energy (keV) whose LBH peak lies at the floor of :data:`EMISSION_ALTITUDE_RANGE` (bisection
    in log energy: the peak altitude falls monotonically with the energy)."""
    floor = EMISSION_ALTITUDE_RANGE[0].to_value(u.km)
    lo, hi = 0.0, 4.0  # log10 keV: 1 keV (peak ~ 130 km) to 10 MeV (far below 90 km)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if emission_altitude_values(10.0**mid) > floor else (lo, mid)
    return 10.0 ** (0.5 * (lo + hi))


#: The largest mean energy whose LBH peak (:func:`emission_altitude`) lies within
#: :data:`EMISSION_ALTITUDE_RANGE`: 90 km is reached at 69.7 keV (computed from the Rees 1989 range and
#: the US76 column, not a published number). There is no lower limit: as the energy goes to 0 the Rees range
#: tends to its constant term and the peak to about 287 km, inside the range.
MAX_MEAN_ENERGY = _max_mean_energy_kev() * u.keV


def _o2_column_values(altitude_km):
    """Kernel: O2 column (cm^-2) above ``altitude_km`` in the US76 atmosphere."""
    ln_column = np.interp(altitude_km, _US76_Z_KM, _LN_COLUMN)
    return _O2_FRACTION * np.exp(ln_column) / (_MEAN_MASS_AMU * _AMU_G)


def lbh_values(energy_flux, mean_energy_kev, cos_view_zenith=1.0, yield_r=125.0, sigma_cm2=2.0e-19):
    """Kernel: LBHl column brightness (R) for energy flux (erg cm^-2 s^-1) and mean energy (keV).

    Zero energy flux gives zero brightness whatever the mean energy (NaN included).
    """
    energy_flux = np.asarray(energy_flux, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        energy = np.where(energy_flux > 0, mean_energy_kev, 1.0)
        tau = sigma_cm2 * _o2_column_values(emission_altitude_values(energy)) / cos_view_zenith
    return np.where(energy_flux > 0, yield_r * energy_flux * np.exp(-tau), 0.0)


def chapman_values(x, chi):
    """Kernel: the Chapman grazing-incidence function Ch(X, chi), chi in rad (0..pi), X = (R + z) / H.

    The asymptotic form of Smith & Smith (1972) for large X; overflows to inf deep in the shadow.
    """
    x = np.asarray(x, dtype=np.float64)
    chi = np.asarray(chi, dtype=np.float64)
    day = chi <= 0.5 * np.pi
    c_day = np.sqrt(0.5 * np.pi * x) * erfcx(np.sqrt(0.5 * x) * np.abs(np.cos(chi)))
    s = np.sin(chi)
    with np.errstate(over="ignore"):
        c_night = 2.0 * np.sqrt(0.5 * np.pi * x * s) * np.exp(x * (1.0 - s)) - c_day
    return np.where(day, c_day, c_night)


def dayglow_values(chi, subsolar_r=2000.0, nightglow_r=0.0, altitude_km=150.0, scale_height_km=25.0):
    """Kernel: 160-180 nm dayglow (R) at nadir for solar zenith angle ``chi`` (rad)."""
    x = (RE_KM + altitude_km) / scale_height_km
    # The Sun is behind the solid Earth once the ray to it passes below the surface (chi > 102.4 deg at
    # 150 km); there the atmosphere-only Chapman form means nothing (it even rises again towards 180 deg).
    lit = (RE_KM + altitude_km) * np.sin(chi) >= RE_KM
    lit |= np.asarray(chi) <= 0.5 * np.pi
    with np.errstate(divide="ignore", over="ignore"):
        day = subsolar_r * chapman_values(x, 0.0) / chapman_values(x, np.where(lit, chi, 0.5 * np.pi))
    return np.where(lit, day, 0.0) + nightglow_r


# ---------------------------------------------------------------------------------------------------
# Public functions: astropy Quantities
# ---------------------------------------------------------------------------------------------------
def check_emission_altitude(altitude) -> np.ndarray:
    """Return an emission-layer altitude in km after checking it is within 90-300 km.

    Raises
    ------
    InputError
        If ``altitude`` is not a length Quantity or lies outside :data:`EMISSION_ALTITUDE_RANGE`.

    Examples
    --------
    >>> import astropy.units as u
    >>> float(check_emission_altitude(120 * u.km))
    120.0
    """
    z = as_value(altitude, u.km, "emission altitude")
    lo, hi = EMISSION_ALTITUDE_RANGE.to_value(u.km)
    check_range(z, "emission altitude", lo, hi, "km", "the layer UVI images (issue 15)")
    return z


def emission_altitude(mean_energy) -> u.Quantity:
    """Altitude of peak auroral LBH emission for precipitating electrons of ``mean_energy``.

    The altitude where the U.S. Standard Atmosphere 1976 mass column equals 0.3 of the Rees (1989) range of
    an electron of the mean energy (:cite:`rees1989`, :cite:`rees1963`, :cite:`ussa1976`; see the module
    docstring).

    Parameters
    ----------
    mean_energy : Quantity
        Mean energy of the precipitating electrons (energy units), > 0.

    Returns
    -------
    Quantity
        Altitude in km, the shape of ``mean_energy``.

    Raises
    ------
    InputError
        If the altitude falls outside 90-300 km (mean energies above ~70 keV).

    Examples
    --------
    >>> import astropy.units as u
    >>> round(float(emission_altitude(10 * u.keV).to_value(u.km)))
    110
    """
    energy = as_value(mean_energy, u.keV, "mean_energy", positive=True)
    z = emission_altitude_values(energy)
    lo, hi = EMISSION_ALTITUDE_RANGE.to_value(u.km)
    check_range(
        z, "emission altitude", lo, hi, "km", "the LBH peak for the given mean_energy (Rees 1989 range)"
    )
    return z * u.km


def lbh_brightness(energy_flux, mean_energy, *, view_zenith=0.0 * u.deg) -> u.Quantity:
    """LBH-long (160-180 nm) column brightness of electron aurora, in rayleighs.

    ``I = Y0 Q exp(-sigma N_O2(z_peak(E)) / cos(view_zenith))`` (module docstring; :cite:`germany1997`,
    :cite:`germany1994`, :cite:`rees1989`): linear in the energy flux at fixed mean energy.

    Parameters
    ----------
    energy_flux : Quantity
        Precipitating electron energy flux (erg cm^-2 s^-1 or mW m^-2), >= 0.
    mean_energy : Quantity
        Mean energy (energy units), > 0 and at most :data:`MAX_MEAN_ENERGY` (69.7 keV: the LBH peak
        at the 90 km floor of the emission layer); may be NaN where ``energy_flux`` is 0 (no precipitation).
    view_zenith : Quantity
        Zenith angle of the line of sight at the emission (angle, 0 to < 90 deg): the O2 path.

    Returns
    -------
    Quantity
        Brightness in :data:`smilekit.units.RAYLEIGH`, broadcast shape of the inputs.

    Raises
    ------
    InputError
        Inputs without units, negative, NaN or infinite (NaN mean energy allowed without flux), shapes that
        do not broadcast, a view zenith of 90 deg or more, a mean energy above :data:`MAX_MEAN_ENERGY` where
        there is flux (its emission peak would lie below 90 km).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RAYLEIGH
    >>> b = lbh_brightness(1.0 * u.mW / u.m**2, 2 * u.keV)
    >>> round(float(b.to_value(RAYLEIGH)))  # 125 R unabsorbed, 0.5 % lost to O2 from 148 km
    124
    """
    q = as_value(energy_flux, ENERGY_FLUX_UNIT, "energy_flux", nonnegative=True)
    e = as_value(mean_energy, u.keV, "mean_energy", positive=True, allow_nan=True)
    view = as_value(view_zenith, u.rad, "view_zenith", nonnegative=True)
    if (view >= 0.5 * np.pi).any():
        raise InputError(
            f"view_zenith must be < 90 deg (a line of sight from above), got {np.degrees(view.max()):g} deg"
        )
    check_broadcast(energy_flux=q, mean_energy=e, view_zenith=view)
    q, e, view = np.broadcast_arrays(q, e, view)
    if (np.isnan(e) & (q > 0)).any():
        raise InputError(
            "mean_energy is NaN where energy_flux > 0; a mean energy is needed wherever there is flux"
        )
    e_max = float(MAX_MEAN_ENERGY.to_value(u.keV))
    deep = (q > 0) & (e > e_max)
    if deep.any():
        worst = float(e[deep].max())
        raise InputError(
            f"mean_energy {worst:g} keV ({int(deep.sum())} of {e.size} values) puts the LBH emission peak "
            f"below 90 km (at {float(emission_altitude_values(worst)):.1f} km); accepted are mean energies "
            f"up to {e_max:.1f} keV, whose peak lies in the 90-300 km emission layer"
        )
    out = lbh_values(
        q,
        e,
        np.cos(view),
        LBHL_YIELD.to_value(RAYLEIGH / ENERGY_FLUX_UNIT),
        O2_CROSS_SECTION_LBHL.to_value(u.cm**2),
    )
    return out * RAYLEIGH


def solar_zenith_angle(time, latitude, longitude) -> u.Quantity:
    """Solar zenith angle at geographic (geocentric) latitude and longitude and UTC ``time``.

    The Sun direction is :func:`smilekit.frames.sun_direction` in GEO (Hapgood 1992, :cite:`hapgood1992`).

    Parameters
    ----------
    time : time-like
        Times, broadcast against ``latitude`` and ``longitude``.
    latitude, longitude : Quantity
        Geographic latitude (-90..90 deg) and east longitude.

    Returns
    -------
    Quantity
        Angle in deg, 0..180, the broadcast shape.

    Examples
    --------
    >>> import astropy.units as u
    >>> chi = solar_zenith_angle("2020-06-20T12:00", [23.44, -66.56] * u.deg, 0 * u.deg)  # June solstice
    >>> np.round(chi.to_value(u.deg)).tolist()  # Sun near overhead at the tropic; on the horizon at 66.56 S
    [0.0, 90.0]
    """
    t = as_datetime64(time)
    lat = as_value(latitude, u.rad, "latitude")
    lon = as_value(longitude, u.rad, "longitude")
    check_range(np.degrees(lat), "latitude", -90.0, 90.0, "deg")
    sun = sun_direction(t, "GEO")  # once per time, not per pixel
    lat, lon = np.broadcast_arrays(lat, lon)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    cosine = np.clip(np.sum(sun * up, axis=-1), -1.0, 1.0)
    return np.degrees(np.arccos(cosine)) * u.deg


def dayglow_brightness(solar_zenith, *, subsolar=DAYGLOW_SUBSOLAR, nightglow=0.0 * RAYLEIGH) -> u.Quantity:
    """Sunlit FUV dayglow in UVI's 160-180 nm band at nadir, against solar zenith angle.

    ``I = I0 / Ch(X, chi) + I_night`` (module docstring; :cite:`chapman1931`, :cite:`smith1972`,
    :cite:`meier1991`): ``I0 cos(chi)`` on the dayside, cut off by the Earth's shadow past ~100 deg.

    Parameters
    ----------
    solar_zenith : Quantity
        Solar zenith angle (angle, 0..180 deg), e.g. from :func:`solar_zenith_angle`.
    subsolar : Quantity
        Dayglow for the Sun overhead (rayleighs), default :data:`DAYGLOW_SUBSOLAR`.
    nightglow : Quantity
        Level deep on the night side (rayleighs), default 0.

    Returns
    -------
    Quantity
        Brightness in rayleighs, the shape of ``solar_zenith``; monotonic non-increasing in it.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RAYLEIGH
    >>> round(float(dayglow_brightness(60 * u.deg).to_value(RAYLEIGH)))  # flat Earth: 2 kR cos 60 = 1 kR
    1011
    """
    chi = as_value(solar_zenith, u.rad, "solar_zenith")
    check_range(np.degrees(chi), "solar_zenith", 0.0, 180.0, "deg")
    i0 = float(as_value(subsolar, RAYLEIGH, "subsolar", nonnegative=True))
    night = float(as_value(nightglow, RAYLEIGH, "nightglow", nonnegative=True))
    out = dayglow_values(chi, i0, night, DAYGLOW_ALTITUDE.to_value(u.km), DAYGLOW_SCALE_HEIGHT.to_value(u.km))
    return out * RAYLEIGH
