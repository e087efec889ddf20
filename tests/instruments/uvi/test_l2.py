"""Tests of UVI level 2 (smilekit.instruments.uvi.l2): dayglow removal, slant correction, the MLAT/MLT map."""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.geospace.fuv_emission import dayglow_brightness, solar_zenith_angle
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import bin_values, make_l2
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.science.aurora import image_hemispheric_power
from smilekit.units import RAYLEIGH, RE

DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])  # nadir over the north pole
T = "2026-06-21T12:00"  # northern summer: the polar cap sunlit, a dayglow gradient across the field
SC = [0, 0, 15] * RE


def ring_and_dayglow(mlat, mlt, lat, lon, zenith):
    """A 1 kR ring at 65-75 deg MLAT (vertical column) on the 2 kR-subsolar dayglow."""
    ring = np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0) * RAYLEIGH
    return ring + dayglow_brightness(solar_zenith_angle(T, lat, lon))


@pytest.fixture(scope="module")
def frame():
    g = shell_geometry(SC, DOWN, T)
    sky = model_sky(None, None, None, ring_and_dayglow, geometry=g)
    l1 = make_l1(simulate_image(sky, 60 * u.s, 11))
    return g, l1


def test_l2_removes_the_dayglow_and_recovers_the_vertical_ring(frame):
    g, l1 = frame
    l2 = make_l2(l1, g)
    a, sa = l2.attrs["dayglow_subsolar_R"], l2.attrs["dayglow_subsolar_err_R"]
    # measured: A = 1998.3 +- 0.9 R from 25 099 sunlit sub-auroral pixels; ring median 1003 R, the
    # dayglow-only band 0.7 R, pull spread 1.03, 96 % of the bins seen
    assert l2.attrs["dayglow_method"] == "fit" and abs(a - 2000.0) < 5 * sa + 5.0, (a, sa)
    b = l2["brightness"]
    inner = b.sel(mlat=slice(67.0, 73.0))
    assert abs(float(inner.median()) - 1000.0) < 15.0  # slant-corrected to the vertical column
    outer = b.sel(mlat=slice(52.0, 60.0))  # dayglow only: removed to the noise
    assert abs(float(outer.mean())) < 5.0
    pull = (inner - 1000.0) / l2["brightness_err"].sel(mlat=slice(67.0, 73.0))
    assert 0.8 < float(pull.std()) < 1.3  # the map's errors are the scatter
    assert l2.attrs["covered_fraction"] > 0.9 and l2["coverage"].dtype == bool


def test_l2_dayglow_options(frame):
    g, l1 = frame
    model = make_l2(l1, g, dayglow="model")
    assert model.attrs["dayglow_subsolar_R"] == 2000.0 and model.attrs["dayglow_subsolar_err_R"] == 1000.0
    none = make_l2(l1, g, dayglow="none")
    assert float(none["brightness"].sel(mlat=slice(52.0, 60.0)).mean()) > 100.0  # the dayglow left in
    # the model's amplitude, 2000 +- 1000 R: a bin's dayglow error is half the dayglow it removed, and
    # the rest of its error the noise that "none" reports
    removed = (none["brightness"] - model["brightness"]).values
    np.testing.assert_allclose(model["dayglow_err"].values, 0.5 * removed, rtol=1e-9, atol=1e-9)
    noise = np.sqrt(model["brightness_err"].values ** 2 - model["dayglow_err"].values ** 2)
    np.testing.assert_allclose(noise, none["brightness_err"].values, rtol=1e-6)
    assert np.nanmax(none["dayglow_err"].values) == 0.0 and np.nanmax(removed) > 100.0
    # the power: the noise in quadrature, the amplitude's error summed over the bins
    p_model, p_none = image_hemispheric_power(model), image_hemispheric_power(none)
    dayglow_power = 0.5 * (float(p_none["electron_power"]) - float(p_model["electron_power"]))
    expected = math.hypot(float(p_none["electron_power_err"]), dayglow_power)
    assert float(p_model["electron_power_err"]) == pytest.approx(expected, rel=1e-6)
    assert dayglow_power > 10 * float(p_none["electron_power_err"])
    with pytest.raises(InputError, match="dayglow"):
        make_l2(l1, g, dayglow="guess")


def test_a_storm_time_oval_within_the_dayglow_window_is_left_out_of_the_fit():
    """A 300 R oval at 50-58 deg MLAT, inside the fit's window (< 55 deg): its latitude bands are left out
    (their median residual stands above the fit), so the amplitude stays the true 2000 R; the pixel
    clipping alone left most of it in (measured 2037 +- 1 R before)."""
    g = shell_geometry(SC, DOWN, T)

    def storm_oval(mlat, mlt, lat, lon, zenith):
        band = (mlat.to_value(u.deg) > 50.0) & (mlat.to_value(u.deg) < 58.0)
        return np.where(band, 300.0, 0.0) * RAYLEIGH + dayglow_brightness(solar_zenith_angle(T, lat, lon))

    sky = model_sky(None, None, None, storm_oval, geometry=g)
    l2 = make_l2(make_l1(simulate_image(sky, 60 * u.s, 11)), g)
    a, sa = l2.attrs["dayglow_subsolar_R"], l2.attrs["dayglow_subsolar_err_R"]
    assert l2.attrs["dayglow_method"] == "fit" and abs(a - 2000.0) < 5 * sa + 5.0, (a, sa)
    assert abs(float(l2["brightness"].sel(mlat=slice(51.0, 54.5)).mean()) - 300.0) < 10.0  # the oval kept


def test_l2_refuses_another_frame(frame):
    g, l1 = frame
    other = shell_geometry(SC, DOWN, "2026-06-21T13:00")
    with pytest.raises(InputError, match="geometry"):
        make_l2(l1, other)
    with pytest.raises(InputError, match="grid"):
        make_l2(l1, shell_geometry(SC, DOWN, T, n_pixels=64))
    with pytest.raises(InputError, match="make_l1"):
        make_l2(l1["brightness"], g)
    with pytest.raises(InputError, match=r"max_view_zenith.*200.*\[0, 90\] deg"):
        make_l2(l1, g, max_view_zenith=200 * u.deg)


def test_bin_values_mean_and_variance():
    mlat = np.array([50.1, 50.2, 50.7, 89.9])
    mlt = np.array([0.1, 0.2, 0.1, 23.9])
    mean, var, n = bin_values(mlat, mlt, np.array([1.0, 3.0, 5.0, 7.0]), np.full(4, 4.0), 0.5, 0.25, 50.0)
    assert mean.shape == (80, 96) and n.sum() == 4
    assert mean[0, 0] == 2.0 and var[0, 0] == 2.0  # two pixels: variance of the mean 4 * 2 / 4
    assert mean[1, 0] == 5.0 and mean[79, 95] == 7.0 and np.isnan(mean[5, 5])
