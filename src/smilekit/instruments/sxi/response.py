"""The SXI energy response: effective area, QE, energy resolution, band efficiency, counts per intensity.

The source spectra and the named energy bands are in :mod:`smilekit.instruments.sxi.spectrum`; the
numbers of the response in :class:`~smilekit.instruments.sxi.config.SXIConfig`.

Response
--------
``A(E) = A_peak * T(E) R(E) / max(T R)``: the optic effective area peaks at 15 cm^2
(:cite:`branduardiraymont2022`, Table 1), the
optical blocking filter transmits ``T = exp(-(E_f / E)^3)`` and the pore reflectivity falls as
``R = 1 / (1 + (E / E_c)^4)`` (both shapes **assumptions**, parameters in
:class:`~smilekit.instruments.sxi.config.SXIConfig`). The CCD QE (0.89, ibid.) multiplies it. The energy
resolution is Gaussian with FWHM = 50 eV sqrt(E / 500 eV) (seed: 50 eV at 500 eV; sqrt(E) from Fano
statistics). PI channels: ``PI = floor(E_measured / channel width)``.

Energy intensity to counts
--------------------------
An image in keV cm^-2 s^-1 sr^-1 is an energy intensity ``I = N <E>`` with N the photon intensity and
``<E> = sum(w E) / sum(w)`` the photon-weighted mean energy of the spectrum (weights w). The count rate per
steradian is ``N sum(w A(E) QE eps(E)) / sum(w)``, so the counts per unit intensity (cm^2 keV^-1) are
``C = sum(w A(E) QE eps(E)) / sum(w E)`` (:func:`counts_per_intensity`), with eps the fraction of
photons of energy E measured inside the band (resolution included).
"""

from __future__ import annotations

import math
from functools import lru_cache

import astropy.units as u
import numpy as np
from scipy.special import ndtr

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.spectrum import LineSpectrum, band_limits

__all__ = [
    "band_efficiency",
    "counts_per_intensity",
    "effective_area",
    "energy_resolution",
]

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


# ---------------------------------------------------------------------------------------------------
# Response kernels (keV, cm^2)
# ---------------------------------------------------------------------------------------------------
def _shape(e_kev: np.ndarray, filter_kev: float, cutoff_kev: float) -> np.ndarray:
    e = np.asarray(e_kev, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):
        transmission = np.exp(-((filter_kev / e) ** 3)) if filter_kev > 0 else np.ones_like(e)
    return transmission / (1.0 + (e / cutoff_kev) ** 4)


@lru_cache(maxsize=32)
def _shape_peak(filter_kev: float, cutoff_kev: float) -> float:
    grid = np.geomspace(0.01, 20.0, 20001)
    return float(_shape(grid, filter_kev, cutoff_kev).max())


def effective_area_values(e_kev, v) -> np.ndarray:
    """Kernel: optic + filter effective area (cm^2) at energies (keV) for :class:`SXIValues` ``v``."""
    return (
        v.area_peak_cm2 * _shape(e_kev, v.filter_kev, v.cutoff_kev) / _shape_peak(v.filter_kev, v.cutoff_kev)
    )


def sigma_values(e_kev, v) -> np.ndarray:
    """Kernel: Gaussian sigma (keV) of the measured energy at true energies (keV)."""
    return (v.fwhm_ref_kev / _FWHM_PER_SIGMA) * np.sqrt(np.asarray(e_kev, dtype=np.float64) / v.e_ref_kev)


def band_edges_values(lo_kev: float, hi_kev: float, v) -> tuple[float, float]:
    """Kernel: band limits snapped to PI channel edges (channels fully inside the band), keV."""
    w = v.pi_width_kev
    lo_c = math.ceil(round(lo_kev / w, 9))
    hi_c = math.floor(round(hi_kev / w, 9))
    lo_c = max(lo_c, 0)
    hi_c = min(hi_c, v.pi_channels)
    if hi_c <= lo_c:
        raise InputError(f"band {lo_kev:g}-{hi_kev:g} keV contains no whole PI channel")
    return round(lo_c * w, 12), round(hi_c * w, 12)


def measured_fraction_values(e_kev, lo_kev: float, hi_kev: float, v) -> np.ndarray:
    """Kernel: fraction of photons of true energy E kept as events with a measured energy in [lo, hi).

    The event threshold and the top of the PI range also apply.
    """
    e = np.asarray(e_kev, dtype=np.float64)
    s = sigma_values(e, v)
    lo = max(lo_kev, v.threshold_kev)
    hi = min(hi_kev, v.pi_channels * v.pi_width_kev)
    if hi <= lo:
        return np.zeros_like(e)
    return ndtr((hi - e) / s) - ndtr((lo - e) / s)


def counts_per_intensity_values(e_kev, weight, v, band_kev=None) -> float:
    """Kernel: counts s^-1 sr^-1 per keV cm^-2 s^-1 sr^-1 (cm^2 keV^-1) for a line spectrum.

    ``sum(w A QE eps) / sum(w E)`` with eps the fraction measured in the band (all kept events when
    ``band_kev`` is None).
    """
    e = np.asarray(e_kev, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    lo, hi = (0.0, math.inf) if band_kev is None else band_edges_values(*band_kev, v)
    eps = measured_fraction_values(e, lo, hi, v)
    return float(np.sum(w * effective_area_values(e, v) * v.qe * eps) / np.sum(w * e))


# ---------------------------------------------------------------------------------------------------
# Public Quantity API
# ---------------------------------------------------------------------------------------------------
def effective_area(energy, config=None) -> u.Quantity:
    """Optic effective area (optical blocking filter included, QE excluded) at ``energy``.

    Examples
    --------
    >>> import astropy.units as u
    >>> e = [0.2, 0.6, 2.0] * u.keV
    >>> effective_area(e).round(2)
    <Quantity [ 2.33, 14.9 ,  3.94] cm2>
    """
    cfg = SXIConfig.resolve(config)
    e = as_value(energy, u.keV, "energy", positive=True)
    return effective_area_values(e, cfg.values) * u.cm**2


def energy_resolution(energy, config=None) -> u.Quantity:
    """Energy resolution (FWHM) at ``energy``: 50 eV sqrt(E / 500 eV) by default.

    Examples
    --------
    >>> import astropy.units as u
    >>> energy_resolution([0.5, 2.0] * u.keV)
    <Quantity [ 50., 100.] eV>
    """
    cfg = SXIConfig.resolve(config)
    e = as_value(energy, u.keV, "energy", positive=True)
    return (sigma_values(e, cfg.values) * _FWHM_PER_SIGMA * 1e3) * u.eV


def band_efficiency(energy, band, config=None) -> np.ndarray:
    """Fraction of photons of true ``energy`` measured inside ``band`` (resolution and threshold included).

    Examples
    --------
    >>> import astropy.units as u
    >>> band_efficiency([0.3, 0.6] * u.keV, "oxygen").round(3)
    array([0., 1.])
    """
    cfg = SXIConfig.resolve(config)
    e = as_value(energy, u.keV, "energy", positive=True)
    lo, hi = band_edges_values(*band_limits(band), cfg.values)
    return measured_fraction_values(e, lo, hi, cfg.values)


def counts_per_intensity(spectrum=None, config=None, band=None) -> u.Quantity:
    """Counts per second per steradian for an energy intensity of 1 keV cm^-2 s^-1 sr^-1.

    ``C = sum(w A(E) QE eps(E)) / sum(w E)`` (module docstring): the photon-weighted mean energy converts
    energy to photons and the response converts photons to counts (vignetting excluded: on axis).

    Parameters
    ----------
    spectrum : LineSpectrum, optional
        Default: the configuration's spectrum (SWCX).
    config : SXIConfig, optional
    band : str or Quantity, optional
        Count only events measured in this band (default: every kept event).

    Returns
    -------
    Quantity
        In ct cm^2 keV^-1 (multiply by an intensity and a solid angle to get ct/s).

    Examples
    --------
    >>> round(float(counts_per_intensity().value), 2)
    22.89
    """
    cfg = SXIConfig.resolve(config)
    spec = cfg.spectrum if spectrum is None else spectrum
    if not isinstance(spec, LineSpectrum):
        raise InputError(f"spectrum must be a LineSpectrum, got {type(spec).__name__}")
    band_kev = None if band is None else band_limits(band)
    c = counts_per_intensity_values(spec.energy_kev, spec.weight, cfg.values, band_kev)
    return c * u.ct * u.cm**2 / u.keV
