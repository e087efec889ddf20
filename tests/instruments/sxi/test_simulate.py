"""SXI event simulation: counts vs the analytic prediction, PSF FWHM, energy resolution, inputs, flags."""

import dataclasses
import functools
import math

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad
from scipy.optimize import curve_fit
from scipy.stats import norm

from smilekit.errors import InputError
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.l1 import FLAG_SUN_IN_FOV, ORIGINS
from smilekit.instruments.sxi.psf import psf_components_values
from smilekit.instruments.sxi.response import counts_per_intensity
from smilekit.instruments.sxi.simulate import expected_counts, pixel_solid_angle_values, simulate_events
from smilekit.instruments.sxi.spectrum import monochromatic
from smilekit.units import RE
from testsupport.sxi import T
from testsupport.sxi import make_sky as sky_of

#: The skies here cover the field of view (27 x 16 deg) on 0.2-deg pixels.
make_sky = functools.partial(sky_of, fu=27.0, fv=16.0, pix=0.2)


def within(n, mu, k=3.0):
    return abs(n - mu) <= k * math.sqrt(mu)


def test_total_counts_match_the_predicted_rate():
    sky = make_sky(5.0)
    ev = simulate_events(sky, 300 * u.s, rng=1)
    expected = expected_counts(sky, 300 * u.s)
    origin = ev.columns["ORIGIN"]
    for name in ("swcx", "xrb_3/4keV", "xrb_1/4keV", "particle"):
        n = int(np.sum(origin == ORIGINS[name]))
        assert within(n, expected[name].value), (name, n, expected[name])
    assert within(len(ev), expected["total"].value)
    # in a band, by PI channel
    oxygen = expected_counts(sky, 300 * u.s, band="oxygen")["total"].value
    n_ox = int(np.sum((ev.columns["PI"] >= 100) & (ev.columns["PI"] < 140)))
    assert within(n_ox, oxygen)


def test_typical_magnetosheath_count_rate():
    # 5 keV cm-2 s-1 sr-1 over the whole FOV (a typical magnetosheath SWCX intensity, e.g. Sibeck et al.
    # 2018; Connor et al. 2021: a few to ~10): back-of-envelope counts in 5 min = I * Omega_FOV * C * <V> * T
    sky = make_sky(5.0, fu=27.0, fv=15.4)
    swcx = expected_counts(sky, 300 * u.s, backgrounds=())["swcx"].value
    a, b = math.radians(27.0), math.radians(2 * math.degrees(math.atan(4.05 / 30)))
    omega = 4 * math.asin(math.sin(a / 2) * math.sin(b / 2))  # solid angle of a rectangular pyramid
    c = counts_per_intensity().value
    rough = 5.0 * omega * c * 0.9 * 300
    assert 0.85 * rough < swcx < 1.05 * rough  # PSF losses at the edges and the gap, mean vignetting ~0.9
    assert 1.0e3 < swcx < 1.0e4


def test_point_source_fwhm_is_8_arcmin():
    cfg = SXIConfig()
    v = cfg.values
    u0, v0, pix = 6.0, 2.0, 0.01
    sky = make_sky(
        lambda uu, vv: np.where((np.abs(uu - u0) < 1e-6) & (np.abs(vv - v0) < 1e-6), 3e8, 0.0),
        fu=0.21,
        fv=0.21,
        pix=pix,
        centre=(u0, v0),
    )
    ev = simulate_events(sky, 300 * u.s, rng=7, backgrounds=())
    x0, y0 = v.focal_mm * math.tan(math.radians(u0)), v.focal_mm * math.tan(math.radians(v0))
    half = 0.15
    edges = np.arange(-2.5, 2.5001, 0.05)
    strip = np.abs(ev.columns["DETY"] - y0) < half
    counts, _ = np.histogram(ev.columns["DETX"][strip] - x0, bins=edges)
    # independent expectation of the histogram (scipy.stats.norm; the 0.01 deg source box as extra variance)
    w, sx, sy = psf_components_values(v)
    box = v.focal_mm * math.radians(pix)
    n_src = expected_counts(sky, 300 * u.s, backgrounds=())["swcx"].value
    model = np.zeros(edges.size - 1)
    for k in range(4):
        sxe, sye = math.hypot(sx[k], box / math.sqrt(12)), math.hypot(sy[k], box / math.sqrt(12))
        model += (
            w[k] * np.diff(norm.cdf(edges, 0.0, sxe)) * (norm.cdf(half, 0, sye) - norm.cdf(-half, 0, sye))
        )
    model *= n_src
    centres = 0.5 * (edges[1:] + edges[:-1])

    def shape(x, a, s, b, c):
        return a * np.exp(-0.5 * (x / s) ** 2) + b + c * x * x

    sigma = np.sqrt(np.maximum(counts, 1.0))
    p0 = [counts.max(), 0.3, counts.min(), 0.0]
    pd, cov = curve_fit(shape, centres, counts, p0=p0, sigma=sigma, absolute_sigma=True)
    pm, _ = curve_fit(shape, centres, model, p0=p0, sigma=sigma, absolute_sigma=True)
    err = math.sqrt(cov[1, 1])
    assert abs(pd[1] - pm[1]) < 3 * err  # measured width = expected width within Poisson error
    to_arcmin = 2 * math.sqrt(2 * math.log(2)) / v.focal_mm * (180 / math.pi) * 60
    assert 7.2 < pd[1] * to_arcmin < 8.8  # seed Table 1: PSF FWHM ~ 8 arcmin
    assert err * to_arcmin < 0.2


@pytest.mark.parametrize("energy_kev", [0.5, 1.0])
def test_energy_resolution_50_ev_at_500_ev(energy_kev):
    cfg = SXIConfig(spectrum=monochromatic(energy_kev * u.keV))
    ev = simulate_events(make_sky(50.0, pix=0.5), 120 * u.s, config=cfg, rng=3, backgrounds=())
    e = ev.columns["ENERGY"].astype(float)
    n = e.size
    s = e.std(ddof=1)
    fwhm = 2 * math.sqrt(2 * math.log(2)) * s
    se_fwhm = fwhm / math.sqrt(2 * (n - 1))  # standard error of a Gaussian sample standard deviation
    expected = 50.0 * math.sqrt(energy_kev / 0.5)  # seed: 50 eV at 500 eV, scaling with sqrt(E)
    assert n > 5000
    assert abs(fwhm - expected) < 3 * se_fwhm
    assert abs(e.mean() - 1e3 * energy_kev) < 3 * s / math.sqrt(n)
    # PI channels of 5 eV: the channel centres add the quantisation variance 5^2 / 12
    pi_e = (ev.columns["PI"] + 0.5) * 5.0
    assert abs(pi_e.std(ddof=1) - math.hypot(s, 5.0 / math.sqrt(12))) < 3 * s / math.sqrt(2 * (n - 1)) + 0.1


def test_reproducible_by_seed():
    sky = make_sky(2.0, pix=0.5)
    a = simulate_events(sky, 40 * u.s, rng=11)
    b = simulate_events(sky, 40 * u.s, rng=np.random.default_rng(11))
    c = simulate_events(sky, 40 * u.s, rng=12)
    for name in a.columns:
        np.testing.assert_array_equal(a.columns[name], b.columns[name])
    assert len(a) != len(c) or not np.array_equal(a.columns["DETX"], c.columns["DETX"])


def test_event_columns_are_consistent():
    sky = make_sky(5.0, pix=0.5)
    ev = simulate_events(sky, 60 * u.s, rng=2)
    col, v = ev.columns, ev.config.values
    assert np.all(np.diff(col["TIME"]) >= 0)
    frames = (col["TIME"] - ev.tstart) / 4.0 - 0.5
    np.testing.assert_allclose(frames, np.round(frames), atol=1e-6)  # mid-frame times
    assert set(np.unique(col["CCDNR"])) == {1, 2}
    assert np.all((col["CCDNR"] == 1) == (col["DETX"] < 0))
    np.testing.assert_array_equal(col["PI"], np.floor(col["ENERGY"].astype(float) / 5.0).astype(int))
    assert col["ENERGY"].min() >= 100.0 and col["PI"].max() < 1024
    assert np.all(np.abs(col["DETX"]) >= 1.0)  # nothing in the 2 mm gap
    pix = v.ccd_mm / v.ccd_pixels
    rawx_expected = np.floor((col["DETX"].astype(float) - np.where(col["CCDNR"] == 1, -82.0, 1.0)) / pix)
    assert np.max(np.abs(col["RAWX"] - rawx_expected)) <= 1


def test_dims_order_and_coordinate_direction_do_not_matter():
    sky = make_sky(lambda uu, vv: 3.0 + 0.1 * uu + 0.05 * vv, pix=0.5)
    flipped = sky.isel(u=slice(None, None, -1)).transpose("u", "v")
    a = expected_counts(sky, 60 * u.s)["total"]
    b = expected_counts(flipped, 60 * u.s)["total"]
    assert math.isclose(a.value, b.value, rel_tol=1e-12)


@settings(max_examples=20, deadline=None)
@given(
    u1=st.floats(-0.5, 0.4),
    du=st.floats(0.01, 0.5),
    v1=st.floats(-0.5, 0.4),
    dv=st.floats(0.01, 0.5),
)
def test_pixel_solid_angle_against_scipy(u1, du, v1, dv):
    a_lo, a_hi, b_lo, b_hi = u1, u1 + du, v1, v1 + dv
    ref, _ = dblquad(lambda b, a: (1 + a * a + b * b) ** -1.5, a_lo, a_hi, b_lo, b_hi, epsabs=1e-13)
    assert math.isclose(float(pixel_solid_angle_values(a_lo, a_hi, b_lo, b_hi)), ref, rel_tol=1e-9)


def test_fov_solid_angle_matches_the_pyramid_formula():
    a, b = math.tan(math.radians(13.5)), math.tan(math.radians(8.0))
    got = float(pixel_solid_angle_values(-a, a, -b, b))
    assert math.isclose(got, 4 * math.asin(math.sin(math.radians(13.5)) * math.sin(math.radians(8.0))))


@settings(max_examples=8, deadline=None)
@given(scale=st.floats(0.1, 10.0), exposure=st.sampled_from([8.0, 60.0, 300.0]))
def test_expected_counts_scale_with_intensity_and_exposure(scale, exposure):
    sky = make_sky(1.0, pix=1.0)
    base = expected_counts(sky, 4 * u.s, backgrounds=("particle",))
    scaled = expected_counts(sky * scale, exposure * u.s, backgrounds=("particle",))
    f = exposure / 4.0
    assert math.isclose(scaled["swcx"].value, base["swcx"].value * scale * f, rel_tol=1e-9)
    assert math.isclose(scaled["particle"].value, base["particle"].value * f, rel_tol=1e-9)


def bad_skies():
    good = make_sky(1.0, pix=1.0)
    nan = good.copy()
    nan[3, 4] = np.nan
    inf = good.copy()
    inf[0, 0] = np.inf
    neg = good.copy()
    neg[2, 2] = -0.1
    no_units = good.copy()
    del no_units.attrs["units"]
    wrong = good.copy()
    wrong.attrs["units"] = "W m-2"
    dims = good.rename({"u": "x", "v": "y"})
    return [nan, inf, neg, no_units, wrong, dims, good.values]


@pytest.mark.parametrize("sky", bad_skies())
def test_bad_sky_raises(sky):
    with pytest.raises(InputError):
        simulate_events(sky, 60 * u.s, rng=0)


def test_missing_pointing_or_time_raises():
    sky = make_sky(1.0, pix=1.0, attrs={})
    with pytest.raises(InputError, match="start"):
        simulate_events(sky, 60 * u.s, rng=0)
    with pytest.raises(InputError, match="sc_position"):
        simulate_events(sky, 60 * u.s, start=T, rng=0)
    with pytest.raises(InputError, match="rotation"):
        simulate_events(sky, 60 * u.s, start=T, sc_position=[0, 0, 20] * RE, rng=0)
    with pytest.raises(InputError, match="proper rotation"):
        simulate_events(
            sky, 60 * u.s, start=T, sc_position=[0, 0, 20] * RE, rotation=np.diag([1, 1, -1]), rng=0
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"exposure": 3 * u.s}, {"exposure": 60.0}, {"backgrounds": ("cosmic",)}, {"rng": "seed"}],
)
def test_bad_options_raise(kwargs):
    args = {"exposure": 60 * u.s, "rng": 0, **kwargs}
    with pytest.raises(InputError):
        simulate_events(make_sky(1.0, pix=1.0), args.pop("exposure"), **args)


def test_sun_in_the_field_of_view_flags_the_frame():
    to_sun = np.eye(3)[:, [1, 2, 0]]  # boresight along GSE +X
    sky = make_sky(1.0, pix=1.0, attrs={"time": T})
    ev = simulate_events(sky, 40 * u.s, rotation=to_sun, sc_position=[0, 0, 20] * RE, rng=0)
    assert ev.sun_in_fov and ev.sun_angle_deg < 0.1
    assert len(ev) > 0 and np.all(ev.columns["FLAG"] & FLAG_SUN_IN_FOV)
    assert np.any(ev.columns["ORIGIN"] == ORIGINS["stray"])


def test_config_spectrum_changes_event_energies():
    cfg = dataclasses.replace(SXIConfig(), spectrum=monochromatic(0.8 * u.keV))
    ev = simulate_events(make_sky(5.0, pix=1.0), 40 * u.s, config=cfg, rng=0, backgrounds=())
    assert abs(np.median(ev.columns["ENERGY"]) - 800.0) < 5.0
