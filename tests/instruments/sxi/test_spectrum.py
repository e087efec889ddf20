"""SWCX spectrum, line and flat spectra, energy bands: published numbers, independent formulas, invariants."""

import math

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.instruments.sxi.spectrum import (
    BANDS,
    SWCX_SPECTRUM,
    LineSpectrum,
    band_limits,
    flat_spectrum,
    monochromatic,
)


def test_swcx_lines_cover_the_ions_of_the_issue():
    labels = " ".join(SWCX_SPECTRUM.label)
    for ion in ("C VI", "N VII", "O VII", "O VIII", "Ne IX", "Mg XI"):
        assert ion in labels
    e = SWCX_SPECTRUM.energy.to_value(u.keV)
    # O VII forbidden line 561 eV, O VIII Ly-alpha 653 eV, C VI Ly-alpha 367.5 eV (NIST, within 1 eV)
    assert np.isclose(e, 0.5610, atol=1e-3).any() and np.isclose(e, 0.6536, atol=1e-3).any()
    assert np.isclose(e, 0.3675, atol=1e-3).any()


def test_mean_energy_is_photon_weighted():
    s = SWCX_SPECTRUM
    expected = np.average(s.energy.to_value(u.keV), weights=s.weight)
    assert math.isclose(s.mean_energy.to_value(u.keV), expected)
    assert 0.45 < expected < 0.65  # dominated by C, N and O lines


def test_flat_spectrum_and_monochromatic():
    s = flat_spectrum(0.44 * u.keV, 1.21 * u.keV)
    assert math.isclose(s.mean_energy.to_value(u.keV), 0.825, rel_tol=1e-12)
    assert np.allclose(np.diff(s.energy.to_value(u.keV)), 0.005, rtol=0.01)
    assert monochromatic(500 * u.eV).energy_kev.tolist() == [0.5]


def test_band_limits():
    assert band_limits("broad") == BANDS["broad"] == (0.2, 2.5)
    assert band_limits([0.3, 0.8] * u.keV) == (0.3, 0.8)


@pytest.mark.parametrize("band", ["xray", [0.8, 0.3] * u.keV, [0.3, 0.8], 0.5 * u.keV])
def test_unknown_or_bad_band_raises(band):
    with pytest.raises(InputError):
        band_limits(band)


@pytest.mark.parametrize(
    "args",
    [
        ([0.5, -0.1] * u.keV, [1.0, 1.0], ("a", "b")),
        ([0.5, 0.6] * u.keV, [1.0, -1.0], ("a", "b")),
        ([0.5, 0.6] * u.keV, [1.0], ("a", "b")),
        ([0.5, 0.6], [1.0, 1.0], ("a", "b")),
        ([0.5, 0.6] * u.keV, [0.0, 0.0], ("a", "b")),
    ],
)
def test_line_spectrum_validation(args):
    with pytest.raises(InputError):
        LineSpectrum(*args)
