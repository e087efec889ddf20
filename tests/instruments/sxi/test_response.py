"""The SXI energy response: published numbers, independent formulas (scipy.stats), invariants."""

import math

import astropy.units as u
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.response import (
    band_efficiency,
    counts_per_intensity,
    effective_area,
    energy_resolution,
)
from smilekit.instruments.sxi.spectrum import SWCX_SPECTRUM, monochromatic


def test_effective_area_peaks_at_the_seed_15_cm2():
    e = np.linspace(0.1, 3.0, 5801) * u.keV
    a = effective_area(e).to_value(u.cm**2)
    assert math.isclose(a.max(), 15.0, rel_tol=1e-4)  # seed Table 1: optic effective area 15 cm2
    assert 0.4 < e[np.argmax(a)].to_value(u.keV) < 1.0
    assert a[0] < 0.1 * a.max() and a[-1] < 0.3 * a.max()  # filter at low, reflectivity at high energy


def test_energy_resolution_50_ev_at_500_ev_scaling_sqrt_e():
    assert math.isclose(energy_resolution(0.5 * u.keV).to_value(u.eV), 50.0)  # seed Table 1


@settings(max_examples=25, deadline=None)
@given(e=st.floats(0.1, 5.0))
def test_resolution_scales_with_sqrt_energy(e):
    assert math.isclose(energy_resolution(e * u.keV).to_value(u.eV), 50.0 * math.sqrt(e / 0.5), rel_tol=1e-12)


def test_band_efficiency_against_scipy_norm():
    # a line on the lower band edge has half its events inside; sigma from FWHM / 2.3548 (scipy.stats)
    sigma = 0.05 / (2 * math.sqrt(2 * math.log(2)))
    eff = band_efficiency([0.5, 0.6, 0.7] * u.keV, "oxygen")
    expected = norm.cdf(0.7, [0.5, 0.6, 0.7], sigma * np.sqrt(np.array([0.5, 0.6, 0.7]) / 0.5)) - norm.cdf(
        0.5, [0.5, 0.6, 0.7], sigma * np.sqrt(np.array([0.5, 0.6, 0.7]) / 0.5)
    )
    np.testing.assert_allclose(eff, expected, rtol=1e-12)
    assert math.isclose(eff[0], 0.5, abs_tol=1e-6)


def test_counts_per_intensity_independent_sum():
    cfg = SXIConfig()
    s = SWCX_SPECTRUM
    e = s.energy.to_value(u.keV)
    a = effective_area(e * u.keV, cfg).to_value(u.cm**2)
    sig = energy_resolution(e * u.keV, cfg).to_value(u.keV) / 2.3548200450309493
    kept = norm.sf(0.1, e, sig) - norm.sf(5.12, e, sig)
    expected = np.sum(s.weight * a * 0.89 * kept) / np.sum(s.weight * e)
    assert math.isclose(counts_per_intensity().to_value(u.ct * u.cm**2 / u.keV), expected, rel_tol=1e-10)
    # a single line: A(E) QE / E
    line = monochromatic(0.6 * u.keV)
    c = counts_per_intensity(line, cfg).value
    assert math.isclose(c, effective_area(0.6 * u.keV).value * 0.89 / 0.6, rel_tol=1e-9)


def test_bands_partition_the_broad_band():
    cfg = SXIConfig()
    parts = sum(counts_per_intensity(band=b).value for b in ("soft", "oxygen", "hard"))
    assert math.isclose(parts, counts_per_intensity(band="broad").value, rel_tol=1e-12)
    assert counts_per_intensity(band="broad", config=cfg).value <= counts_per_intensity().value
