"""SXI spectra and the energy response: the SWCX line list, effective area, QE, resolution, bands.

Source spectrum
---------------
Solar wind charge exchange (SWCX) emits lines of the highly charged solar-wind ions that capture an
electron from exospheric hydrogen: C VI, N VII, O VII, O VIII, Ne and Mg lines below 1.5 keV (Snowden,
Collier & Kuntz 2004, ApJ 610, 1182, :cite:`snowden2004`, identify C VI, O VII, O VIII, Ne IX and Mg XI in a
geocoronal SWCX
spectrum seen by XMM-Newton). :data:`SWCX_SPECTRUM` takes its relative line strengths from a measured
SWCX spectrum resolved line by line: the XMM-Newton RGS spectrum of the charge-exchange halo of Mars
(Dennerl et al. 2006, A&A 451, 709, :cite:`dennerl2006`), as tabulated in Koutroumpa et al. (2012, A&A
545, A153, :cite:`koutroumpa2012`, Table 2,
"Data, Halo"; line photon fluxes in 1e-6 cm^-2 s^-1, *check* against the original). The physics (solar
wind ions on atomic hydrogen) is the same as in the terrestrial magnetosheath. The C VI Ly-alpha and Ly-beta
and C V lines, below the part of that table we could read, are the Dennerl et al. (2006) halo fluxes as
reproduced in a later Mars model table (*check*). Two lines are **assumptions**: Ne IX f (905 eV) and
Mg XI f (1331 eV), given 1.0 and 0.5 in the same units, weak as in the Snowden et al. (2004) spectrum.
The N VII 1s-3p line (593 eV) is left out: one adaptation lists 22e-6 for the halo, but Koutroumpa et al.
(2012) give no measured value, and a Ly-beta three times its Ly-alpha would be unphysical. Line energies
are the tabulated ones (within 1 eV of NIST). Relative strengths vary with the solar-wind charge states by
factors of a few; the spectrum only sets the conversion from energy to photons and the event energies.

Response
--------
``A(E) = A_peak * T(E) R(E) / max(T R)``: the optic effective area peaks at 15 cm^2 (seed, Table 1:
:cite:`branduardiraymont2022`), the
optical blocking filter transmits ``T = exp(-(E_f / E)^3)`` and the pore reflectivity falls as
``R = 1 / (1 + (E / E_c)^4)`` (both shapes **assumptions**, parameters in
:class:`~smilekit.instruments.sxi.config.SXIConfig`). The CCD QE (0.89, seed) multiplies it. The energy
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
from dataclasses import dataclass
from functools import lru_cache

import astropy.units as u
import numpy as np
from scipy.special import ndtr

from smilekit._validation import as_value
from smilekit.errors import InputError

__all__ = [
    "BANDS",
    "SWCX_SPECTRUM",
    "LineSpectrum",
    "band_efficiency",
    "band_limits",
    "counts_per_intensity",
    "effective_area",
    "energy_resolution",
    "flat_spectrum",
    "monochromatic",
]

#: Named energy bands (keV): the primary science range (seed: 0.2-2.5 keV), the carbon-dominated soft
#: part, the oxygen lines (O VII triplet to O VIII Ly-alpha) and the rest.
BANDS: dict[str, tuple[float, float]] = {
    "broad": (0.2, 2.5),
    "soft": (0.2, 0.5),
    "oxygen": (0.5, 0.7),
    "hard": (0.7, 2.5),
}

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True, eq=False)
class LineSpectrum:
    """A photon spectrum as discrete energies with relative photon weights (lines, or a sampled continuum).

    Attributes
    ----------
    energy : Quantity
        Line energies, shape (n,), positive.
    weight : numpy.ndarray
        Relative photon intensities (any normalisation), shape (n,), >= 0 with a positive sum.
    label : tuple of str
        One name per line.
    name : str
        A name for the spectrum.
    """

    energy: u.Quantity
    weight: np.ndarray
    label: tuple
    name: str = "spectrum"

    def __post_init__(self):
        e = np.atleast_1d(as_value(self.energy, u.keV, "energy", positive=True))
        w = np.atleast_1d(np.asarray(self.weight, dtype=np.float64))
        if e.ndim != 1 or w.shape != e.shape or len(self.label) != e.size:
            raise InputError(
                "energy, weight and label must be 1-D of one length, "
                f"got {e.shape}, {w.shape}, {len(self.label)}"
            )
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InputError("weight must be finite, >= 0 and not all zero")
        object.__setattr__(self, "energy", e * u.keV)
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "label", tuple(str(x) for x in self.label))

    @property
    def energy_kev(self) -> np.ndarray:
        """Energies as plain floats in keV."""
        return self.energy.to_value(u.keV)

    @property
    def fraction(self) -> np.ndarray:
        """Photon fractions (weights normalised to sum 1)."""
        return self.weight / self.weight.sum()

    @property
    def mean_energy(self) -> u.Quantity:
        """Photon-weighted mean energy ``sum(w E) / sum(w)``."""
        return float(np.sum(self.fraction * self.energy_kev)) * u.keV


def _swcx() -> LineSpectrum:
    lines = [  # (label, energy keV, halo photon flux 1e-6 cm^-2 s^-1); sources in the module docstring
        ("C VI Ly-alpha", 0.3676, 9.1),
        ("C V 1s5p-1s2", 0.3785, 8.4),
        ("C VI Ly-beta", 0.4356, 7.9),
        ("C VI Ly-gamma", 0.4592, 5.3),
        ("C VI Ly-delta", 0.4702, 5.5),
        ("N VII Ly-alpha", 0.5000, 7.1),
        ("O VII f", 0.5609, 5.3),
        ("O VII i", 0.5685, 2.2),
        ("O VII r", 0.5740, 1.4),
        ("O VIII Ly-alpha", 0.6531, 7.4),
        ("O VII 1s5p-1s2 (blend)", 0.7123, 6.2),
        ("O VIII Ly-gamma", 0.8163, 1.6),
        ("Ne (Ne8+ CX) 872.5 eV", 0.8725, 3.8),
        ("Ne IX f (assumption)", 0.9051, 1.0),
        ("Mg XI f (assumption)", 1.3311, 0.5),
    ]
    label, energy, weight = zip(*lines, strict=True)
    return LineSpectrum(np.array(energy) * u.keV, np.array(weight), label, "SWCX (Dennerl et al. 2006 halo)")


#: The default SWCX line spectrum (see the module docstring for the sources of each line).
SWCX_SPECTRUM: LineSpectrum = _swcx()


def monochromatic(energy) -> LineSpectrum:
    """A single line at ``energy`` (for calibration-like simulations).

    Examples
    --------
    >>> import astropy.units as u
    >>> monochromatic(0.5 * u.keV).mean_energy
    <Quantity 0.5 keV>
    """
    e = float(as_value(energy, u.keV, "energy", positive=True))
    return LineSpectrum(np.array([e]) * u.keV, np.array([1.0]), (f"{e:g} keV",), f"line {e:g} keV")


def flat_spectrum(low, high, *, step=5.0 * u.eV, name: str = "flat") -> LineSpectrum:
    """A flat photon spectrum (constant photons per keV) between two energies, sampled every ``step``.

    Examples
    --------
    >>> import astropy.units as u
    >>> s = flat_spectrum(0.44 * u.keV, 1.21 * u.keV)
    >>> round(float(s.mean_energy.to_value(u.keV)), 3)
    0.825
    """
    lo = float(as_value(low, u.keV, "low", positive=True))
    hi = float(as_value(high, u.keV, "high", positive=True))
    dx = float(as_value(step, u.keV, "step", positive=True))
    if not hi > lo:
        raise InputError(f"high must exceed low, got {lo:g} and {hi:g} keV")
    n = max(1, round((hi - lo) / dx))
    e = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    return LineSpectrum(e * u.keV, np.ones(n), tuple(f"{x:.4f}" for x in e), name)


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
def _config(config):
    from smilekit.instruments.sxi.config import SXIConfig

    if config is None:
        return SXIConfig()
    if not isinstance(config, SXIConfig):
        raise InputError(f"config must be an SXIConfig, got {type(config).__name__}")
    return config


def band_limits(band) -> tuple[float, float]:
    """An energy band as (low, high) in keV, from a name in :data:`BANDS` or a Quantity pair.

    Raises
    ------
    InputError
        For an unknown name or a pair that is not two increasing energies.

    Examples
    --------
    >>> import astropy.units as u
    >>> band_limits("oxygen"), band_limits([300, 800] * u.eV)
    ((0.5, 0.7), (0.3, 0.8))
    """
    if isinstance(band, str):
        if band not in BANDS:
            raise InputError(
                f"unknown energy band {band!r}; known bands: {', '.join(BANDS)} (or a Quantity pair)"
            )
        return BANDS[band]
    if isinstance(band, u.Quantity):
        b = np.atleast_1d(as_value(band, u.keV, "band", nonnegative=True))
        if b.shape == (2,) and b[0] < b[1]:
            return float(b[0]), float(b[1])
    raise InputError(f"band must be a name ({', '.join(BANDS)}) or two increasing energies, got {band!r}")


def effective_area(energy, config=None) -> u.Quantity:
    """Optic effective area (optical blocking filter included, QE excluded) at ``energy``.

    Examples
    --------
    >>> import astropy.units as u
    >>> e = [0.2, 0.6, 2.0] * u.keV
    >>> effective_area(e).round(2)
    <Quantity [ 2.33, 14.9 ,  3.94] cm2>
    """
    cfg = _config(config)
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
    cfg = _config(config)
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
    cfg = _config(config)
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
    cfg = _config(config)
    spec = cfg.spectrum if spectrum is None else spectrum
    if not isinstance(spec, LineSpectrum):
        raise InputError(f"spectrum must be a LineSpectrum, got {type(spec).__name__}")
    band_kev = None if band is None else band_limits(band)
    c = counts_per_intensity_values(spec.energy_kev, spec.weight, cfg.values, band_kev)
    return c * u.ct * u.cm**2 / u.keV
