"""SXI source spectra and energy bands: the SWCX line list, line and flat spectra, the named bands.

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

The instrument's energy response to these spectra (effective area, QE, resolution, counts per unit
intensity) is in :mod:`smilekit.instruments.sxi.response`.
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError

__all__ = [
    "BANDS",
    "SWCX_SPECTRUM",
    "LineSpectrum",
    "band_limits",
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
        w = np.atleast_1d(np.array(self.weight, dtype=np.float64))  # its own copy, made read-only below
        if e.ndim != 1 or w.shape != e.shape or len(self.label) != e.size:
            raise InputError(
                "energy, weight and label must be 1-D of one length, "
                f"got {e.shape}, {w.shape}, {len(self.label)}"
            )
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InputError("weight must be finite, >= 0 and not all zero")
        energy = e * u.keV
        energy.flags.writeable = w.flags.writeable = False  # a frozen spectrum, whoever else holds it
        object.__setattr__(self, "energy", energy)
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
