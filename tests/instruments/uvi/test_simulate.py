"""simulate_image: the requirements shown on simulated frames (Monte Carlo with seeded generators)."""

import math

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.instruments.uvi import UVIConfig, counts_per_rayleigh, expected_snr, simulate_image
from smilekit.instruments.uvi.config import electrons_per_event
from smilekit.instruments.uvi.detector import dark_events_value, dn_moments_values

N = 512
EDGE = 16  # pixels left out at the map edges, where the PSF loses light beyond the field


def _boxes(img, size):
    """Sums over disjoint size x size boxes of the interior."""
    a = np.asarray(img, dtype=np.float64)[EDGE : N - EDGE, EDGE : N - EDGE]
    m = a.shape[0] // size
    a = a[: m * size, : m * size]
    return a.reshape(m, size, m, size).sum(axis=(1, 3)).ravel()


def _dark_mean(npix):
    v = UVIConfig().values
    mean, _ = dn_moments_values(dark_events_value(v) * 60 * npix, npix, 60.0, v)
    return float(mean)


def test_150_r_snr_matches_the_analytic_value():
    # A uniform 150 R field, 1 min: the SNR of 4 x 4 boxes (130 km from 15 RE, under one resolution element)
    # measured over 14 400 boxes agrees with expected_snr (compound Poisson-Polya), and is >= 3
    img = simulate_image(np.full((N, N), 150.0) * u.R, 60 * u.s, np.random.default_rng(15))
    s = _boxes(img, 4)
    measured = (s.mean() - _dark_mean(16)) / s.std(ddof=1)
    expected = expected_snr(150 * u.R, 60 * u.s, npix=16)
    assert measured == pytest.approx(expected, rel=0.03)  # the std of a std of 14 400 samples is ~0.7 %
    assert measured >= 3.0


def test_150_r_patches_are_detected_at_3_sigma():
    # 100 patches of 150 R, each 4 x 4 pixels (130 km from 15 RE), on a dark field, PSF included: the mean
    # excess in a 6 x 6 box around each, over its scatter from patch to patch (source, gain, dark and read
    # noise together), is >= 3; and every single patch stands >= 3 of those sigmas above the empty boxes
    b = np.zeros((N, N))
    centres = [(40 + 45 * i, 40 + 45 * j) for i in range(10) for j in range(10)]
    for y, x in centres:
        b[y - 2 : y + 2, x - 2 : x + 2] = 150.0
    img = simulate_image(b * u.R, 60 * u.s, 7).values.astype(float)
    empty = np.array([img[y + 18 : y + 24, x + 18 : x + 24].sum() for y, x in centres])
    found = np.array([img[y - 3 : y + 3, x - 3 : x + 3].sum() for y, x in centres])
    sigma = found.std(ddof=1)
    assert (found.mean() - empty.mean()) / sigma >= 3.0
    assert ((found - empty.mean()) / sigma).min() >= 3.0


def _two_lines(separation, width=1, brightness=5000.0):
    b = np.zeros((N, N))
    x0 = 250
    b[56:456, x0 : x0 + width] = brightness
    b[56:456, x0 + separation : x0 + separation + width] = brightness
    return b, x0


def test_two_features_150_km_apart_are_resolved_from_beyond_15_re():
    # Two 1-pixel lines 4 pixels apart: 4.69 arcmin, 130 km from 15 RE or 150 km from 17.3 RE, closer than
    # the requirement's 5.40 arcmin (150 km from 15 RE). Rayleigh criterion: the profile midway between
    # the peaks dips to <= 8 / pi^2 = 0.81 of them (the dip of two sinc^2 images at Rayleigh separation)
    b, x0 = _two_lines(4)
    img = simulate_image(b * u.R, 60 * u.s, 3)
    profile = img.values[60:452].mean(axis=0).astype(float) - _dark_mean(1)
    peaks = profile[x0], profile[x0 + 4]
    mid = profile[x0 + 2]
    assert mid <= 8 / math.pi**2 * min(peaks)
    # the 4-pixel angle is below the requirement's angle
    assert 4 * 10 / 512 * 60 < math.degrees(150 / (15 * 6371)) * 60


def test_two_150_km_bars_150_km_apart_are_resolved():
    # Bars 4 pixels (130 km from 15 RE) wide with a 4-pixel gap: a deep dip
    b, x0 = _two_lines(8, width=4)
    profile = simulate_image(b * u.R, 60 * u.s, 4).values[60:452].mean(axis=0) - _dark_mean(1)
    assert profile[x0 + 5 : x0 + 7].mean() < 0.5 * profile[x0 : x0 + 4].mean()


def test_counts_are_linear_in_brightness_in_the_mean():
    cfg = UVIConfig()
    v = cfg.values
    k = counts_per_rayleigh(cfg).to_value(u.ct / (u.s * u.R))[EDGE : N - EDGE, EDGE : N - EDGE]
    dn_per_r = k.mean() * 60 * electrons_per_event(v) / v.ccd_gain
    levels = [0.0, 50.0, 150.0, 1000.0, 10000.0]
    means = []
    for i, level in enumerate(levels):
        img = simulate_image(np.full((N, N), level) * u.R, 60 * u.s, 100 + i)
        means.append(float(img.values[EDGE : N - EDGE, EDGE : N - EDGE].mean()))
    slope, intercept = np.polyfit(levels, means, 1)
    assert slope == pytest.approx(dn_per_r, rel=0.005)
    assert intercept == pytest.approx(_dark_mean(1), abs=2.0)
    residual = np.array(means) - (slope * np.array(levels) + intercept)
    assert np.abs(residual).max() < 0.005 * max(means)


def test_same_seed_same_image_and_units_convert():
    b = np.full((N, N), 150.0) * u.R
    a1 = simulate_image(b, 60 * u.s, np.random.default_rng(5))
    a2 = simulate_image(b, 60 * u.s, np.random.default_rng(5))
    a3 = simulate_image(b.to(u.kR), 1 * u.min, 5)
    assert np.array_equal(a1.values, a2.values) and np.array_equal(a1.values, a3.values)
    assert not np.array_equal(a1.values, simulate_image(b, 60 * u.s, 6).values)
    assert a1.dtype == np.int64
    assert a1.attrs["units"] == "DN" and a1.attrs["n_frames"] == 60
    assert a1.attrs["dn_per_event"] == pytest.approx(300.0)


def test_dataarray_input_keeps_its_grid():
    da = xr.DataArray(
        np.full((N, N), 150.0), dims=("row", "col"), coords={"row": np.arange(N)}, attrs={"units": "R"}
    )
    out = simulate_image(da, 60 * u.s, 1)
    assert out.dims == ("row", "col") and np.array_equal(out["row"].values, np.arange(N))
    with pytest.raises(InputError, match="units"):
        simulate_image(da.assign_attrs(units=None).drop_attrs(), 60 * u.s, 1)


def test_saturation_is_counted():
    img = simulate_image(np.full((N, N), 1e6) * u.R, 60 * u.s, 1)
    assert img.attrs["saturated_pixels"] > 0
    v = UVIConfig().values
    assert img.values.max() <= round(60 * v.full_well_e / v.ccd_gain) + 200  # + read noise


def test_sunlit_leak_changes_nothing_measurable_at_1e16():
    b = np.zeros((N, N)) * u.R
    dark = simulate_image(b, 60 * u.s, 9).values[EDGE:-EDGE, EDGE:-EDGE].astype(float)
    lit = simulate_image(b, 60 * u.s, 9, sunlit_fraction=1.0).values[EDGE:-EDGE, EDGE:-EDGE].astype(float)
    diff = lit.mean() - dark.mean()
    assert abs(diff) < 3 * dark.std() / math.sqrt(dark.size)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"brightness_map_R": -np.ones((N, N)) * u.R}, "must be >= 0"),
        ({"brightness_map_R": np.ones((N, N))}, "Quantity"),
        ({"brightness_map_R": np.ones((N, N)) * u.nT}, "does not convert"),
        ({"brightness_map_R": np.full((N, N), np.nan) * u.R}, "NaN"),
        ({"brightness_map_R": np.ones((64, 64)) * u.R}, "detector grid"),
        ({"exposure": 0 * u.s}, "must be > 0"),
        ({"exposure": -60 * u.s}, "must be > 0"),
        ({"exposure": 60.5 * u.s}, "whole number"),
        ({"exposure": 60.0}, "Quantity"),
        ({"exposure": [60, 60] * u.s}, "single value"),
        ({"rng": None}, "rng"),
        ({"rng": "seed"}, "rng"),
        ({"sunlit_fraction": 1.5}, "sunlit_fraction"),
        ({"sunlit_fraction": np.ones((3, 3))}, "sunlit_fraction"),
        ({"config": "default"}, "UVIConfig"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    args = {"brightness_map_R": np.ones((N, N)) * u.R, "exposure": 60 * u.s, "rng": 1} | kwargs
    with pytest.raises(InputError, match=match):
        simulate_image(args.pop("brightness_map_R"), args.pop("exposure"), args.pop("rng"), **args)


def test_snr_over_dayglow_matches_the_analytic_value():
    # 150 R on a uniform 2000 R dayglow: the excess over a 2000 R frame, against the scatter of the boxes
    bg = simulate_image(np.full((N, N), 2000.0) * u.R, 60 * u.s, 21)
    src = simulate_image(np.full((N, N), 2150.0) * u.R, 60 * u.s, 22)
    # flat field: the pixel solid angle shrinks by up to 2 % towards the corners (gnomonic pixels), which at
    # 2 kR would add a spread of the box means comparable to the noise
    k = counts_per_rayleigh().to_value(u.ct / (u.s * u.R))
    flat = _boxes(k / k[N // 2, N // 2], 4) / 16
    s_bg, s_src = _boxes(bg, 4) / flat, _boxes(src, 4) / flat
    measured = (s_src.mean() - s_bg.mean()) / s_src.std(ddof=1)
    expected = expected_snr(150 * u.R, 60 * u.s, npix=16, background=2000 * u.R)
    assert measured == pytest.approx(expected, rel=0.03)
    assert measured >= 3.0
