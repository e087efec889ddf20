"""UVI-band (160-180 nm) emission: auroral LBH-long brightness, its altitude, and the dayglow."""

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.geospace.fuv_emission import (
    DAYGLOW_ALTITUDE,
    DAYGLOW_SCALE_HEIGHT,
    EMISSION_ALTITUDE_RANGE,
    LBHL_YIELD,
    MAX_MEAN_ENERGY,
    PEAK_DEPTH_FRACTION,
    _o2_column_values,
    chapman_values,
    check_emission_altitude,
    dayglow_brightness,
    electron_range_values,
    emission_altitude,
    emission_altitude_values,
    lbh_brightness,
    lbh_values,
    solar_zenith_angle,
)
from smilekit.units import RAYLEIGH, RE_KM

FLUX = u.erg / (u.cm**2 * u.s)


# ------------------------------------------------------------------------------------------------
# Auroral LBH-long
# ------------------------------------------------------------------------------------------------
def test_soft_aurora_gives_the_unabsorbed_lbhl_yield():
    # Germany et al. (1997): ~100-130 R of LBHl per erg cm^-2 s^-1; smilekit adopts 125 (module docstring).
    # Up to 5 keV the O2 loss is < 3 %: tolerance 3 %.
    assert LBHL_YIELD.to_value(RAYLEIGH / FLUX) == 125.0
    b = lbh_brightness([1.0, 1.0, 1.0] * FLUX, [1.0, 2.0, 5.0] * u.keV).to_value(RAYLEIGH)
    assert b == pytest.approx(125.0, rel=0.03)
    # mW m^-2 is the same unit as erg cm^-2 s^-1
    assert lbh_brightness(10 * u.mW / u.m**2, 2 * u.keV).to_value(RAYLEIGH) == pytest.approx(
        lbh_brightness(10 * FLUX, 2 * u.keV).to_value(RAYLEIGH), rel=1e-12
    )


def test_hard_aurora_is_dimmed_by_o2_as_documented():
    # The module docstring: flat to a few per cent below ~5 keV, ~20 % lower at 20 keV, ~60 % at 50 keV
    # (Germany et al. 1997: LBHl falls mildly for hard precipitation). Regression values, 1 %.
    e = np.array([0.5, 1, 2, 5, 10, 20, 35, 50]) * u.keV
    b = lbh_brightness(np.ones(e.shape) * FLUX, e).to_value(RAYLEIGH)
    assert (np.diff(b) < 0).all()
    assert b[e.value == 20][0] / 125.0 == pytest.approx(0.812, rel=0.01)
    assert b[e.value == 50][0] / 125.0 == pytest.approx(0.381, rel=0.01)


def test_oblique_view_adds_o2_path_as_one_over_cos():
    nadir = lbh_values(1.0, 20.0)
    slant = lbh_values(1.0, 20.0, np.cos(np.radians(60.0)))
    tau = -np.log(nadir / 125.0)
    assert slant == pytest.approx(125.0 * np.exp(-2.0 * tau), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    q=st.floats(0.0, 100.0),
    k=st.floats(0.0, 1e3),
    e=st.floats(0.1, 60.0),
)
def test_brightness_is_linear_in_energy_flux(q, k, e):
    one = lbh_brightness(q * FLUX, e * u.keV).to_value(RAYLEIGH)
    scaled = lbh_brightness(k * q * FLUX, e * u.keV).to_value(RAYLEIGH)
    assert scaled == pytest.approx(k * one, rel=1e-12, abs=1e-300)


def test_zero_energy_flux_gives_zero_brightness_even_without_a_mean_energy():
    b = lbh_brightness([0.0, 0.0, 2.0] * FLUX, [np.nan, 3.0, 3.0] * u.keV)
    assert b.unit == RAYLEIGH
    assert b.to_value(RAYLEIGH)[:2].tolist() == [0.0, 0.0]
    assert b.to_value(RAYLEIGH)[2] > 0


def test_brightness_broadcasts_over_an_image():
    q = np.full((4, 5), 2.0) * FLUX
    b = lbh_brightness(q, 3.0 * u.keV, view_zenith=np.linspace(0, 60, 5) * u.deg)
    assert b.shape == (4, 5)
    assert (np.diff(b.to_value(RAYLEIGH), axis=1) < 0).all()  # more O2 on the slant path


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"energy_flux": 1.0, "mean_energy": 2 * u.keV}, "energy_flux must be an astropy Quantity"),
        ({"energy_flux": 1.0 * FLUX, "mean_energy": 2.0}, "mean_energy must be an astropy Quantity"),
        ({"energy_flux": 1.0 * u.keV, "mean_energy": 2 * u.keV}, "does not convert"),
        ({"energy_flux": -1.0 * FLUX, "mean_energy": 2 * u.keV}, "energy_flux must be >= 0"),
        ({"energy_flux": 1.0 * FLUX, "mean_energy": 0 * u.keV}, "mean_energy must be > 0"),
        ({"energy_flux": 1.0 * FLUX, "mean_energy": np.nan * u.keV}, "NaN where energy_flux > 0"),
        ({"energy_flux": 1.0 * FLUX, "mean_energy": 2 * u.keV, "view_zenith": 90 * u.deg}, "< 90 deg"),
    ],
)
def test_bad_brightness_input_is_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        lbh_brightness(**kwargs)


# ------------------------------------------------------------------------------------------------
# Emission altitude
# ------------------------------------------------------------------------------------------------
def test_emission_altitude_is_the_rees_peak_depth_in_us76():
    e = np.array([1.0, 2.0, 4.0, 10.0, 20.0, 50.0])
    z = emission_altitude(e * u.keV).to_value(u.km)
    # regression values stated in the module docstring (0.5 km)
    assert z == pytest.approx([178.2, 148.3, 127.0, 110.0, 102.3, 93.2], abs=0.5)
    assert (np.diff(z) < 0).all()
    # keV aurora peaks in the 100-150 km E region (Fang et al. 2010; Rees 1989)
    assert ((z[1:5] > 100) & (z[1:5] < 150)).all()
    # consistency: the N2+O2 column above z is 0.3 of the Rees range (O2 is 0.2095 of the molecules)
    mass_column = _o2_column_values(z) / 0.2095 * 28.964 * 1.66053906660e-24
    assert mass_column == pytest.approx(PEAK_DEPTH_FRACTION * electron_range_values(e), rel=1e-6)


def test_emission_altitude_outside_90_300_km_is_refused():
    assert EMISSION_ALTITUDE_RANGE.to_value(u.km).tolist() == [90.0, 300.0]
    with pytest.raises(InputError, match=r"emission altitude .* outside the physical range"):
        emission_altitude(100 * u.keV)  # ~85 km
    assert check_emission_altitude(120 * u.km) == 120.0
    for bad in (80 * u.km, 301 * u.km, [120, 350] * u.km):
        with pytest.raises(InputError, match="outside the physical range \\[90, 300\\] km"):
            check_emission_altitude(bad)
    with pytest.raises(InputError, match="must be an astropy Quantity"):
        check_emission_altitude(120.0)


def test_lbh_brightness_refuses_mean_energies_whose_peak_lies_below_90_km():
    """MAX_MEAN_ENERGY is where emission_altitude reaches the 90 km floor (invariant: the same definition as
    emission_altitude's refusal); lbh_brightness takes energies up to it and refuses above, where there is
    flux (issue 15: an emission altitude outside 90-300 km is an error, not an extrapolated number)."""
    e = MAX_MEAN_ENERGY.to_value(u.keV)
    assert 65.0 < e < 75.0  # the module docstring's "mean energies above ~70 keV put it below 90 km"
    assert float(emission_altitude_values(e)) == pytest.approx(90.0, abs=1e-6)
    assert emission_altitude(e * (1 - 1e-6) * u.keV).to_value(u.km) == pytest.approx(90.0, abs=1e-3)
    with pytest.raises(InputError, match="outside the physical range"):
        emission_altitude(e * (1 + 1e-6) * u.keV)
    below = lbh_brightness(1.0 * FLUX, e * (1 - 1e-6) * u.keV).to_value(RAYLEIGH)
    assert 0.0 < below < 125.0
    with pytest.raises(InputError, match=r"mean_energy 70\.\d+ keV .* below 90 km.*up to 69\.7 keV"):
        lbh_brightness([1.0, 1.0] * FLUX, [2.0, e * 1.01] * u.keV)
    assert lbh_brightness(0.0 * FLUX, 1e4 * u.keV).to_value(RAYLEIGH) == 0.0  # no flux, no emission peak


# ------------------------------------------------------------------------------------------------
# Dayglow
# ------------------------------------------------------------------------------------------------
def _chapman_numerical(x, chi):
    """Ch(X, chi) by direct integration of the slant column in an exponential atmosphere on a sphere."""
    # Density exp(-(r - r0) / H) with r0 = X H; path from the point at r0 towards the Sun.
    s = np.linspace(0.0, 3000.0, 600_001)  # in units of H
    r = np.sqrt(x**2 + s**2 + 2 * x * s * np.cos(chi))
    if chi > np.pi / 2:
        closest = x * np.sin(chi)
        if closest < x - 50:  # deep in the shadow: irrelevant here
            return np.inf
    f = np.exp(-(r - x))
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(s)))


@pytest.mark.parametrize("chi_deg", [0.0, 45.0, 75.0, 85.0, 90.0, 93.0, 96.0, 100.0])
def test_chapman_function_matches_numerical_integration(chi_deg):
    # The Smith & Smith (1972) asymptotic form against direct quadrature: 1 % (X = 261 here).
    x = (RE_KM + DAYGLOW_ALTITUDE.to_value(u.km)) / DAYGLOW_SCALE_HEIGHT.to_value(u.km)
    chi = np.radians(chi_deg)
    assert chapman_values(x, chi) == pytest.approx(_chapman_numerical(x, chi), rel=0.01)


def test_dayglow_follows_cos_sza_on_the_dayside_and_dies_at_the_terminator():
    chi = np.array([0.0, 30.0, 60.0, 80.0, 90.0, 96.0, 101.0, 105.0, 120.0, 180.0]) * u.deg
    b = dayglow_brightness(chi, subsolar=2 * u.kR.to(RAYLEIGH) * RAYLEIGH).to_value(RAYLEIGH)
    assert b[0] == pytest.approx(2000.0, rel=1e-12)
    # a cos(SZA) law (Immel et al. 2000 fit cos^n) to 2 % up to 60 deg; at 80 deg the Earth's curvature
    # (Ch < sec chi) makes it 10 % brighter than cos
    assert b[1:3] == pytest.approx(2000.0 * np.cos(np.radians([30.0, 60.0])), rel=0.02)
    assert b[3] / (2000.0 * np.cos(np.radians(80.0))) == pytest.approx(1.10, abs=0.01)
    # terminator: ~5 % of the subsolar value at 90 deg, gone (< 1e-4) past ~101 deg (module docstring)
    assert b[4] / 2000.0 == pytest.approx(0.049, rel=0.05)
    assert (b[6:] / 2000.0 < 2.5e-4).all()
    assert (b[7:] / 2000.0 < 1e-5).all()


def test_dayglow_falls_to_the_nightglow_level():
    b = dayglow_brightness([0, 90, 110, 150] * u.deg, nightglow=5 * RAYLEIGH).to_value(RAYLEIGH)
    assert b[2:] == pytest.approx(5.0, abs=1e-6)
    assert b[0] == pytest.approx(2005.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 180.0), min_size=2, max_size=20))
def test_dayglow_is_monotonic_in_sza(chis):
    chi = np.sort(np.array(chis))
    b = dayglow_brightness(chi * u.deg).to_value(RAYLEIGH)
    assert np.isfinite(b).all()
    assert (np.diff(b) <= 1e-9 * b[:-1] + 1e-300).all()


def test_dayglow_is_monotonic_on_a_fine_grid():
    b = dayglow_brightness(np.linspace(0, 180, 18001) * u.deg).to_value(RAYLEIGH)
    assert (np.diff(b) <= 0).all()


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((60.0,), {}, "solar_zenith must be an astropy Quantity"),
        ((181 * u.deg,), {}, "outside the physical range"),
        ((-1 * u.deg,), {}, "outside the physical range"),
        ((60 * u.deg,), {"subsolar": -1 * RAYLEIGH}, "subsolar must be >= 0"),
        ((60 * u.deg,), {"nightglow": 1 * u.km}, "does not convert"),
    ],
)
def test_bad_dayglow_input_is_refused(args, kwargs, match):
    with pytest.raises(InputError, match=match):
        dayglow_brightness(*args, **kwargs)


# ------------------------------------------------------------------------------------------------
# Solar zenith angle
# ------------------------------------------------------------------------------------------------
def test_solar_zenith_angle_at_the_subsolar_point_and_its_antipode():
    t = np.array(["2026-03-20T12:00", "2026-06-21T06:00", "2026-12-21T18:30"], dtype="datetime64[ns]")
    s = sun_direction(t, "GEO")
    lat = np.degrees(np.arcsin(s[:, 2]))
    lon = np.degrees(np.arctan2(s[:, 1], s[:, 0]))
    assert solar_zenith_angle(t, lat * u.deg, lon * u.deg).to_value(u.deg) == pytest.approx(0, abs=1e-5)
    anti = solar_zenith_angle(t, -lat * u.deg, (lon + 180) * u.deg).to_value(u.deg)
    assert anti == pytest.approx(180, abs=1e-5)
    # June solstice: the subsolar latitude is the obliquity (23.44 deg), to 0.01 deg (Hapgood 1992)
    assert lat[1] == pytest.approx(23.44, abs=0.01)


def test_solar_zenith_angle_broadcasts_over_an_image():
    lat = np.linspace(50, 90, 6)[:, None] * u.deg
    lon = np.linspace(-180, 180, 7)[None, :] * u.deg
    chi = solar_zenith_angle("2026-06-21T12:00", lat, lon)
    assert chi.shape == (6, 7)
    # the north pole in June: 90 - 23.44 deg everywhere along the top row
    assert chi[-1].to_value(u.deg) == pytest.approx(90 - 23.44, abs=0.02)


def test_solar_zenith_angle_refuses_bad_latitude():
    with pytest.raises(InputError, match="latitude"):
        solar_zenith_angle("2026-06-21T12:00", 91 * u.deg, 0 * u.deg)
    with pytest.raises(InputError, match="must be an astropy Quantity"):
        solar_zenith_angle("2026-06-21T12:00", 45.0, 0 * u.deg)
