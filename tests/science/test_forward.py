"""Forward model: expected counts against the simulator (analytic totals and long-exposure counts)."""

import math

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.simulate import expected_counts
from smilekit.science.forward import (
    ForwardModel,
    expected_counts_image,
    poisson_log_likelihood_values,
    psf_kernel_values,
    psf_profile_values,
    rebin,
)
from smilekit.units import RE

T = "2026-03-20T12:00"
SC = [6.0, 0.0, 18.0] * RE
AIM = [7.5, 0.0, 0.0] * RE
MODEL = Jorgensen2019.ppmlr_fit(mp=8.5 * RE, bs=11.5 * RE)


@pytest.fixture(scope="module")
def sky():
    # 0.25 deg sky extending 3 wing sigmas beyond the detector, as the simulator needs
    return intensity_map(MODEL, SC, AIM, pixel=0.25 * u.deg, fov=(33, 22) * u.deg, time=T)


@pytest.fixture(scope="module")
def long_l2(sky):
    # one 3000 s exposure = the mean of ten 300 s realisations, times ten
    ev = simulate_events(sky, 3000 * u.s, start=T, rng=5, backgrounds=("particle",))
    return make_l2(ev, pixel=0.5 * u.deg, cadence=50 * u.min, backgrounds=("particle",))


def test_total_swcx_counts_match_the_analytic_expectation(sky, long_l2):
    # the simulator's analytic expectation (Gaussian-box integrals over the CCDs) against the forward
    # model's PSF kernel x coverage: the same photons, so the totals agree to the model's approximations
    # (centre-ray intensities of 0.5 deg pixels, edge-continued sky beyond 2 deg): 1 %
    want = expected_counts(sky, 3000 * u.s, start=T, band="broad", backgrounds=())["swcx"].to_value(u.ct)
    fm = ForwardModel(long_l2)
    got = fm.source_counts(fm.intensity_values(MODEL.evaluate)).sum()
    assert got == pytest.approx(want, rel=0.01)


def test_expected_counts_agree_with_simulated_counts_within_poisson_errors(long_l2):
    fm = ForwardModel(long_l2)
    m = fm.expected(MODEL)
    k, mm = fm.counts[fm.mask], m[fm.mask]
    n = k.size
    chi2 = float(np.sum((k - mm) ** 2 / mm))
    # ~20 000 SWCX counts over ~1 500 pixels: a 3 % shape error near the edge would add ~n
    assert abs(chi2 / n - 1.0) < 4.0 * math.sqrt(2.0 / n)
    assert abs(k.sum() - mm.sum()) < 4.0 * math.sqrt(mm.sum())
    # profiles along u (summed over v): every column within 4 sigma
    col_k, col_m = np.where(fm.mask, fm.counts, 0).sum(0), np.where(fm.mask, m, 0).sum(0)
    used = col_m > 0
    assert np.all(np.abs(col_k - col_m)[used] < 4.0 * np.sqrt(col_m[used]))
    # the test can fail: a model 0.5 RE off is rejected by the likelihood
    off = fm.expected(Jorgensen2019.ppmlr_fit(mp=9.0 * RE, bs=12.0 * RE))
    assert fm.log_likelihood(m) - fm.log_likelihood(off) > 20.0


def test_public_image_carries_units_and_matches_the_class(long_l2):
    img = expected_counts_image(MODEL, long_l2)
    assert img.dims == ("v", "u") and img.attrs["units"] == "ct"
    fm = ForwardModel(long_l2)
    np.testing.assert_allclose(img.values, fm.expected(MODEL), rtol=1e-9)


def test_rebin_conserves_counts_and_background(long_l2):
    r = rebin(long_l2, 2)
    assert r.attrs["pixel_deg"] == pytest.approx(1.0)
    ny, nx = long_l2.sizes["v"], long_l2.sizes["u"]
    assert r.sizes["v"] == ny // 2 and r.sizes["u"] == nx // 2
    sl = {
        "v": slice((ny % 2) // 2, ny - (ny % 2 - (ny % 2) // 2)),
        "u": slice((nx % 2) // 2, nx - (nx % 2 - (nx % 2) // 2)),
    }
    assert int(r.counts.sum()) == int(long_l2.counts.isel(sl).sum())
    assert float(r.background.sum()) == pytest.approx(float(long_l2.background.isel(sl).sum()))
    assert float(r.solid_angle.sum()) == pytest.approx(float(long_l2.solid_angle.isel(sl).sum()))
    # the rebinned forward model predicts the same total
    a, b = ForwardModel(long_l2), ForwardModel(r)
    ta = a.source_counts(a.intensity_values(MODEL.evaluate)).sum()
    tb = b.source_counts(b.intensity_values(MODEL.evaluate)).sum()
    assert tb == pytest.approx(ta, rel=0.02)
    assert rebin(long_l2, 1) is long_l2


def test_kernel_is_normalised_and_cruciform():
    v = SXIConfig().values
    k = psf_kernel_values(0.5, 8, v)
    assert k.sum() == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)
    # arms along the axes: far along an axis beats the same distance along the diagonal
    assert k[8, 12] > 5 * k[12, 12]


@pytest.mark.parametrize(("pixel_deg", "half_width"), [(0.25, 16), (0.5, 8), (1.0, 4)])
def test_kernel_is_the_outer_product_of_the_axis_profile(pixel_deg, half_width):
    # the PSF's four components are the products of a spot and an arm profile along each axis, so the
    # pixel kernel (box_probability_values in two dimensions) is separable: what source_counts relies on
    v = SXIConfig().values
    profile = psf_profile_values(pixel_deg, half_width, v)
    # 1e-14: rounding of sums of four products of probabilities <= 1 (measured gaps 1.4e-15 and 6e-17)
    np.testing.assert_allclose(profile, profile[::-1], rtol=0, atol=1e-14)
    kernel = psf_kernel_values(pixel_deg, half_width, v)
    np.testing.assert_allclose(np.outer(profile, profile), kernel, rtol=0, atol=1e-14)


def test_log_likelihood_is_maximal_at_the_counts():
    rng = np.random.default_rng(1)
    k = rng.poisson(5.0, 100)
    best = poisson_log_likelihood_values(k, np.maximum(k, 1e-9))
    assert best >= poisson_log_likelihood_values(k, np.full(100, 5.0))


def test_bad_input():
    with pytest.raises(InputError):
        ForwardModel(xr.Dataset())
    with pytest.raises(InputError):
        rebin(xr.Dataset(), 2)
    with pytest.raises(InputError):
        expected_counts_image(object(), xr.Dataset())


def test_bad_factor_and_time_index(long_l2):
    for bad in (0, 2.5, True, 1000):
        with pytest.raises(InputError):
            rebin(long_l2, bad)
    with pytest.raises(InputError):
        ForwardModel(long_l2, time_index=5)
