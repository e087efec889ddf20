"""Tests of the UVI viewing geometry and model sky (smilekit.instruments.uvi.sky)."""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace.fuv_emission import dayglow_brightness, solar_zenith_angle
from smilekit.instruments.uvi.sky import (
    model_sky,
    pixel_centres_values,
    shell_geometry,
    shell_intersection_values,
    slant_factor_values,
)
from smilekit.magnetic import mlat_mlt_to_position
from smilekit.mission.fov import UVI
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, fov_distance_values, limb_offset_aim_points
from smilekit.units import RAYLEIGH, RE, RE_KM

T = "2026-03-20T00:00"
DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])  # UVI X, Y, Z in GSE: Z = -Z_GSE
H_KM = 120.0
R_SHELL = 1.0 + H_KM / RE_KM


def frame_towards(position_re, target_re):
    """A UVI -> GSE rotation with the boresight from ``position`` to ``target`` (X: GSE +X made normal)."""
    z = np.asarray(target_re, float) - np.asarray(position_re, float)
    z /= np.linalg.norm(z)
    x = np.array([1.0, 0.0, 0.0]) - z[0] * z
    if np.linalg.norm(x) < 1e-6:
        x = np.array([0.0, 1.0, 0.0]) - z[1] * z
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z], axis=-1)


@pytest.fixture(scope="module")
def nadir15():
    return shell_geometry([0, 0, 15] * RE, DOWN, T, n_pixels=256)


# --- pixels and hand-computed geometry -----------------------------------------------------------
def test_pixel_centres_span_the_gnomonic_field():
    xi = pixel_centres_values(256, 10.0)
    edge = math.degrees(math.tan(math.radians(5.0)))  # 5.0127 deg
    step = xi[1] - xi[0]
    assert xi[-1] + 0.5 * step == pytest.approx(edge, rel=1e-12)
    assert xi[0] == pytest.approx(-xi[-1], rel=1e-12)
    assert step == pytest.approx(2 * edge / 256, rel=1e-12)


def test_nadir_from_15_re_centre_on_the_pole_and_footprint(nadir15):
    g = nadir15
    c = 128  # pixels 127 and 128 straddle the boresight
    centre = g["point_gse"].values[c - 1 : c + 1, c - 1 : c + 1].mean(axis=(0, 1))
    # the four central pixels surround the shell's GSE pole, the point straight below the spacecraft
    np.testing.assert_allclose(centre / np.linalg.norm(centre), [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(g["point_gse"].values[c, c]), R_SHELL, rtol=1e-12)
    # footprint: range times the pixel angle (gnomonic: pitch in rad at the centre)
    pitch_rad = math.radians(g.attrs["pixel_deg"])
    spacing_km = np.linalg.norm(g["point_gse"].values[c, c] - g["point_gse"].values[c, c - 1]) * RE_KM
    expected_km = (15.0 - R_SHELL) * RE_KM * pitch_rad  # 14.98 RE * 6.835e-4 rad = 65.2 km
    assert spacing_km == pytest.approx(expected_km, rel=1e-4)
    assert 60.0 < spacing_km < 70.0
    assert float(g["range"].values[c, c]) == pytest.approx(
        (15.0 - R_SHELL) * RE_KM, rel=1e-5
    )  # half a pixel off axis
    assert float(g["view_zenith"].values[c, c]) < 0.5  # half a pixel diagonally off nadir: 0.41 deg


def test_limb_angle_bounds_the_disc(nadir15):
    g = nadir15
    limb = math.degrees(math.asin(R_SHELL / 15.0))
    assert g.attrs["limb_angle_deg"] == pytest.approx(limb, rel=1e-12)
    xi, eta = np.meshgrid(np.radians(g["xi"].values), np.radians(g["eta"].values))
    off_axis = np.degrees(np.arctan(np.hypot(xi, eta)))  # angle from the boresight (= nadir)
    on = g["on_shell"].values
    assert on.any() and (~on).any()
    assert off_axis[on].max() <= limb + 1e-9
    assert off_axis[~on].min() >= limb - 1e-9
    # the solid Earth's disc inside it; limb pixels see the layer over space
    disc = g["sees_disc"].values
    assert off_axis[disc].max() <= math.degrees(math.asin(1.0 / 15.0)) + 1e-9
    assert (on & ~disc).any() and not (disc & ~on).any()
    # space pixels are NaN, shell pixels finite
    assert np.isnan(g["mlat"].values[~on]).all() and np.isnan(g["view_zenith"].values[~on]).all()
    assert np.isfinite(g["view_zenith"].values[on]).all()


def test_view_zenith_against_the_sine_rule(nadir15):
    # triangle centre-spacecraft-point: sin(zenith) = r sin(off-axis) / (RE + h)
    g = nadir15
    xi, eta = np.meshgrid(np.radians(g["xi"].values), np.radians(g["eta"].values))
    off_axis = np.arctan(np.hypot(xi, eta))
    on = g["on_shell"].values
    expected = np.degrees(np.arcsin(np.clip(15.0 * np.sin(off_axis[on]) / R_SHELL, -1, 1)))
    np.testing.assert_allclose(g["view_zenith"].values[on], expected, atol=1e-6)


def test_shell_intersection_kernel():
    o = np.array([0.0, 0.0, 3.0])
    rays = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    point, s, impact = shell_intersection_values(o, rays, 1.0)
    np.testing.assert_allclose(point[0], [0, 0, 1])
    assert s[0] == pytest.approx(2.0)
    assert np.isnan(s[1:]).all()  # pointing away; passing beside
    np.testing.assert_allclose(impact, [0.0, 3.0, 3.0])


# --- slant-path (van Rhijn) factor ---------------------------------------------------------------
def test_slant_factor_is_one_over_cos_for_a_thin_layer():
    radius, dz = R_SHELL, 30.0 / RE_KM
    theta = np.radians(np.arange(0.0, 80.1, 5.0))
    factor = slant_factor_values(radius * np.sin(theta), radius, dz)
    # thin-layer limit: relative error ~ (dz / (8 R)) tan^2 / cos^2 terms: < 0.5 % to 80 deg
    np.testing.assert_allclose(factor, 1.0 / np.cos(theta), rtol=5e-3)
    assert factor[0] == pytest.approx(1.0, abs=1e-12)


def test_slant_factor_capped_at_the_limb():
    radius, dz = R_SHELL, 30.0 / RE_KM
    p = np.linspace(0.0, radius + 0.5 * dz, 20001)
    factor = slant_factor_values(p, radius, dz)
    cap = 2.0 * math.sqrt(2.0 * radius * dz + 0.0) / dz  # 2 sqrt(r2^2 - r1^2) / dz at p = r1
    exact_cap = 2.0 * math.sqrt((radius + dz / 2) ** 2 - (radius - dz / 2) ** 2) / dz
    assert exact_cap == pytest.approx(cap, rel=1e-12)
    assert np.nanmax(factor) == pytest.approx(exact_cap, rel=2e-3)  # 41.6 for 30 km at 120 km
    assert 41.0 < exact_cap < 42.0
    assert np.isfinite(factor).all()
    # continuous at the layer's floor, zero at its top, NaN above it
    r1 = radius - dz / 2
    left, right = slant_factor_values([r1 * (1 - 1e-12), r1], radius, dz)
    assert left == pytest.approx(right, rel=1e-4)
    assert slant_factor_values(radius + dz / 2, radius, dz) == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(slant_factor_values(radius + dz, radius, dz))


def test_slant_factor_in_the_image_near_the_limb(nadir15):
    g = nadir15
    on = g["on_shell"].values
    zen = np.radians(g["view_zenith"].values[on])
    f = g["slant_factor"].values[on]
    low = zen < np.radians(60)
    np.testing.assert_allclose(f[low], 1 / np.cos(zen[low]), rtol=2e-3)
    assert 5.0 < f.max() < 41.7  # finite at the limb, well above the disc centre's 1


# --- the magnetic map -----------------------------------------------------------------------------
def test_mlat_mlt_map_round_trips_through_smilekit_magnetic():
    time = "2026-03-20T06:00"
    sc = np.array([2.0, 1.0, 18.0])
    g = shell_geometry(sc * RE, frame_towards(sc, [0, 0, R_SHELL]), time, n_pixels=32)
    # AACGM-v2's inverse degrades towards the magnetic equator (1300 km at |mlat| < 20 deg, measured):
    # the round trip is tested where the oval is, |mlat| >= 30 deg
    on = g["on_shell"].values & (np.abs(g["mlat"].values) >= 30.0)
    assert on.sum() > 200
    mlat = g["mlat"].values[on]
    mlt = g["mlt"].values[on]
    geo = g["point_geo"].values[on]
    # the geodetic height of each shell point (113-134 km): AACGM is height-dependent
    from astropy.coordinates import EarthLocation

    height = EarthLocation.from_geocentric(*(geo * RE_KM).T, unit=u.km).height
    back = mlat_mlt_to_position(mlat * u.deg, mlt * u.h, height, time, "GEO").to_value(RE)
    err_km = np.linalg.norm(back - geo, axis=-1) * RE_KM
    assert np.max(err_km) < 15.0  # measured 10.9 km (AACGM-v2 coefficient round trip)
    assert np.median(err_km) < 3.0  # measured 2.2 km
    # GSM point is the GSE point rotated
    assert np.allclose(np.linalg.norm(g["point_gsm"].values[on], axis=-1), R_SHELL)


# --- the SMILE requirement: the whole oval in the field from apogee ------------------------------
def test_whole_northern_oval_in_the_field_from_19_re():
    time = "2026-01-15T03:00"
    mlt = np.arange(0.0, 24.0, 0.5)
    ring = mlat_mlt_to_position(60.0 * u.deg, mlt * u.h, H_KM * u.km, time, "GSE").to_value(RE)
    centre = ring.mean(axis=0)
    sc = 19.0 * centre / np.linalg.norm(centre)  # 19 RE above the oval's centre
    frame = frame_towards(sc, centre)
    dirs = ring - sc
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    distance = np.degrees(fov_distance_values(dirs @ frame, *UVI.fov_deg))
    assert (distance < 0).all()  # every point of the mlat = 60 deg ring inside the 10 x 10 deg field
    assert distance.max() < -1.0  # with more than a degree to spare
    # and the image itself covers it: the mlat > 60 deg pixels span all MLTs
    g = shell_geometry(sc * RE, frame, time, n_pixels=128)
    m = g["mlat"].values
    hours = np.floor(g["mlt"].values[m > 60]).astype(int)
    assert set(hours.tolist()) == set(range(24))
    assert np.nanmin(m) < 55.0  # the field extends past the ring


# --- model sky ------------------------------------------------------------------------------------
def test_model_sky_oval_dayglow_and_terminator():
    time = np.datetime64("2026-06-21T12:00")
    sc = np.array([0.0, 0.0, 15.0])

    def emission(mlat, mlt, lat, lon, zenith):
        aurora = np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 3.0, 500.0, 0.0) * RAYLEIGH
        return aurora + dayglow_brightness(solar_zenith_angle(time, lat, lon))

    sky = model_sky(sc * RE, DOWN, time, emission, n_pixels=128)
    assert sky.attrs["units"] == "R" and sky.dims == ("eta", "xi")
    on = sky["on_shell"].values
    assert (sky.values[~on] == 0).all() and (sky.values[on] > 0).any()
    for name in ("mlat", "mlt", "view_zenith", "slant_factor", "sees_disc"):
        assert name in sky.coords
    # the dayside (sunward, GSE +X) bright, the night side dark apart from the oval
    x = sky["xi"].values  # UVI +X = GSE +X here
    centre_row = sky.values[64]
    mlat_row = sky["mlat"].values[64]
    day = (x > 1.0) & on[64] & (np.abs(mlat_row - 70) > 4)
    night = (x < -2.0) & on[64] & (np.abs(mlat_row - 70) > 4)
    assert centre_row[day].min() > 100.0
    assert centre_row[night].max() < 1.0


def test_model_sky_checks_the_emission_output():
    def negative(*args):
        return -np.ones(args[0].shape) * RAYLEIGH

    with pytest.raises(InputError, match="emission"):
        model_sky([0, 0, 15] * RE, DOWN, T, negative, n_pixels=16)
    with pytest.raises(InputError, match="callable"):
        model_sky([0, 0, 15] * RE, DOWN, T, 3.0, n_pixels=16)

    def unitless(*args):
        return np.ones(args[0].shape)

    with pytest.raises(InputError):
        model_sky([0, 0, 15] * RE, DOWN, T, unitless, n_pixels=16)


# --- bad input ------------------------------------------------------------------------------------
def test_pointing_that_misses_the_earth():
    up = np.stack([DOWN[:, 0], -DOWN[:, 1], -DOWN[:, 2]], axis=-1)  # boresight +Z GSE, away from the Earth
    with pytest.raises(ModelDomainError, match="misses the Earth"):
        shell_geometry([0, 0, 15] * RE, up, T, n_pixels=16)
    g = shell_geometry([0, 0, 15] * RE, up, T, n_pixels=16, on_miss="flag")
    assert "misses the Earth" in g.attrs["flag"] and not g["on_shell"].values.any()
    sky = model_sky([0, 0, 15] * RE, up, T, lambda *a: 0 * RAYLEIGH, n_pixels=16, on_miss="flag")
    assert np.isnan(sky.values).all() and sky.attrs["flag"]


@pytest.mark.parametrize("altitude", [80.0, 301.0])
def test_emission_altitude_outside_90_300_km(altitude):
    with pytest.raises(InputError, match="emission altitude"):
        shell_geometry([0, 0, 15] * RE, DOWN, T, altitude=altitude * u.km, n_pixels=8)


def test_other_bad_input():
    with pytest.raises(InputError):
        shell_geometry([0, 0, 15], DOWN, T)  # no unit
    with pytest.raises(InputError, match="above the emission layer"):
        shell_geometry([0, 0, 1.01] * RE, DOWN, T, n_pixels=8)
    with pytest.raises(InputError, match="rotation"):
        shell_geometry([0, 0, 15] * RE, np.eye(3) * 2, T, n_pixels=8)
    with pytest.raises(InputError, match="n_pixels"):
        shell_geometry([0, 0, 15] * RE, DOWN, T, n_pixels=0)
    with pytest.raises(InputError, match="time"):
        shell_geometry([0, 0, 15] * RE, DOWN, None, n_pixels=8)
    with pytest.raises(InputError, match="on_miss"):
        shell_geometry([0, 0, 15] * RE, DOWN, T, n_pixels=8, on_miss="ignore")


# --- a real orbit segment: FSM and RSM2 frames see the oval ---------------------------------------
@pytest.fixture(scope="module")
def orbit_attitude():
    times = sample_times("2026-03-01", "2026-03-03T06:00", 1800 * u.s)
    track = kepler_track(science_orbit("2026-03-01"), times)
    modes = mode_timeline(track)
    aims = limb_offset_aim_points(track.position("GSE"), errors="nan")
    aims = np.where(np.isfinite(aims), aims, [10.0, 0.0, 0.0] * RE)  # SXI off: any aim; UVI is what counts
    return attitude(track, aims), modes


@pytest.mark.parametrize("mode", ["FSM", "RSM2"])
def test_orbit_frames_see_the_oval(orbit_attitude, mode):
    att, modes = orbit_attitude
    picks = np.flatnonzero(modes.mode == mode)
    assert picks.size > 0
    for k in picks[:: max(1, picks.size // 3)][:3]:
        g = shell_geometry(None, att, n_pixels=64, index=int(k))
        assert g.attrs["flag"] == ""
        m = g["mlat"].values
        oval = (m > 60) & (m < 80)
        hours = set(np.floor(g["mlt"].values[oval]).astype(int).tolist())
        # measured: FSM at 15-20 RE, 6-10 % of the pixels on the 60-80 deg band, all 24 MLT hours;
        # RSM2 at 6.5-8.2 RE, 23-26 %, all 24 hours
        if mode == "FSM":
            assert oval.mean() > 0.04, (k, oval.mean())
            assert len(hours) == 24
        else:
            assert oval.mean() > 0.15, (k, oval.mean())
            assert len(hours) >= 20


# --- the whole chain: OVATION energy flux -> LBH + dayglow -> the UVI sky --------------------------
def ovation_emission(time, coupling):
    """An emission callable: OVATION Prime electrons -> LBH (Germany et al.) + dayglow (SZA), nearest bin."""
    from smilekit.geospace.fuv_emission import lbh_brightness
    from smilekit.geospace.ovation import COUPLING_UNIT, OvationPrime2010

    ds = OvationPrime2010().from_coupling([time], [coupling] * COUPLING_UNIT).isel(time=0)
    kinds = ("diffuse", "monoenergetic", "broadband")
    q = sum(ds[f"{k}_energy_flux"].values for k in kinds)  # erg cm^-2 s^-1
    n = sum(ds[f"{k}_number_flux"].values for k in kinds)  # cm^-2 s^-1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_kev = np.where((q > 0) & (n > 0), q / n * 6.241509e8, np.nan)
    q = np.where(np.isfinite(mean_kev), q, 0.0)
    mlat_c, mlt_c = ds["mlat"].values, ds["mlt"].values

    def emission(mlat, mlt, lat, lon, zenith):
        i = np.abs(mlat.to_value(u.deg)[:, None] - mlat_c[None]).argmin(axis=1)
        d = np.abs((mlt.to_value(u.h)[:, None] - mlt_c[None] + 12.0) % 24.0 - 12.0)
        j = d.argmin(axis=1)
        inside = np.isfinite(mlat.value) & (np.abs(mlat.to_value(u.deg) - mlat_c[i]) <= 1.0)
        flux = np.where(inside, q[i, j], 0.0) * u.erg / u.cm**2 / u.s
        energy = np.where(inside & (flux.value > 0), mean_kev[i, j], np.nan) * u.keV
        aurora = lbh_brightness(flux, energy, view_zenith=np.minimum(zenith, 89.9 * u.deg))
        return aurora + dayglow_brightness(solar_zenith_angle(time, lat, lon))

    return emission


def test_model_sky_from_ovation_sees_the_night_side_oval():
    time = np.datetime64("2026-01-15T03:00")
    ring = mlat_mlt_to_position(65.0 * u.deg, np.arange(0, 24.0) * u.h, H_KM * u.km, time, "GSE").to_value(RE)
    centre = ring.mean(axis=0)
    sc = 19.0 * centre / np.linalg.norm(centre)
    sky = model_sky(sc * RE, frame_towards(sc, centre), time, ovation_emission(time, 8000.0), n_pixels=128)
    mlat, mlt, b = sky["mlat"].values, sky["mlt"].values, sky.values
    night = (mlt >= 22) | (mlt < 2)
    oval = night & (mlat > 62) & (mlat < 72)
    sub = night & (mlat > 45) & (mlat < 52)
    assert oval.sum() > 20 and sub.sum() > 20
    # measured: night-side oval median 440 R, the dark sub-auroral night side 0 R (January, 03 UT)
    assert np.median(b[oval]) > 100.0
    assert np.median(b[oval]) > 10.0 * np.median(b[sub]) + 10.0
    assert np.isfinite(b).all() and (b >= 0).all()


# --- one pixel grid: the sky is made on the detector's grid ---------------------------------------
def test_model_sky_default_grid_is_the_detector_grid():
    from smilekit.instruments.uvi import UVIConfig, simulate_image
    from smilekit.instruments.uvi.detector import pixel_edges_values

    cfg = UVIConfig()
    sky = model_sky([0, 0, 15] * RE, DOWN, T, lambda *a: 100.0 * RAYLEIGH)
    edges = pixel_edges_values(cfg.values)
    assert sky.shape == (cfg.pixels, cfg.pixels)
    np.testing.assert_allclose(np.radians(sky["xi"].values), 0.5 * (edges[1:] + edges[:-1]), rtol=1e-13)
    img = simulate_image(sky, 60 * u.s, 1)  # taken as it is: same shape, dims and coordinates
    assert img.dims == ("eta", "xi") and np.array_equal(img["xi"].values, sky["xi"].values)
    plain = simulate_image(np.zeros((cfg.pixels, cfg.pixels)) * RAYLEIGH, 60 * u.s, 1)
    np.testing.assert_array_equal(plain["eta"].values, sky["eta"].values)


def test_precipitation_emission_interpolates_the_model_grid():
    from smilekit.geospace.fuv_emission import lbh_brightness
    from smilekit.geospace.ovation import COUPLING_UNIT, OvationPrime2010
    from smilekit.instruments.uvi.sky import precipitation_emission

    time = np.datetime64("2026-01-15T03:00")
    ds = OvationPrime2010().from_coupling([time], [8000.0] * COUPLING_UNIT)
    em = precipitation_emission(ds, time, dayglow=False)
    kinds = ("diffuse", "monoenergetic", "broadband")
    q = sum(ds[f"{k}_energy_flux"].values[0] for k in kinds)
    n = sum(ds[f"{k}_number_flux"].values[0] for k in kinds)
    i, j = 30, 10  # a bin centre: the bin's own value
    mlat, mlt = ds["mlat"].values[i], ds["mlt"].values[j]
    got = em(
        [mlat, 45.0, np.nan] * u.deg, [mlt, 0.0, 1.0] * u.h, [0, 0, 0] * u.deg, [0, 0, 0] * u.deg, 0 * u.deg
    )
    want = lbh_brightness(q[i, j] * u.erg / u.cm**2 / u.s, q[i, j] / n[i, j] * 6.241509074e8 * u.keV)
    assert got[0].to_value(RAYLEIGH) == pytest.approx(want.to_value(RAYLEIGH), rel=1e-9)
    assert got[1].to_value(RAYLEIGH) == 0.0 and got[2].to_value(RAYLEIGH) == 0.0  # below the grid; no AACGM
    # halfway between two MLT bins across midnight: the mean of the fluxes (periodic in MLT)
    mid = em([mlat] * u.deg, [0.0] * u.h, [0] * u.deg, [0] * u.deg, 0 * u.deg)
    q_mid = 0.5 * (q[i, 0] + q[i, -1])
    e_mid = q_mid / (0.5 * (n[i, 0] + n[i, -1])) * 6.241509074e8
    expect = lbh_brightness(q_mid * u.erg / u.cm**2 / u.s, e_mid * u.keV)
    assert mid[0].to_value(RAYLEIGH) == pytest.approx(expect.to_value(RAYLEIGH), rel=1e-9)
    # a grid whose MLT centres start at 0 h (not half a bin): still each bin's own value at its centre
    shifted = ds.assign_coords(mlt=ds["mlt"].values - 0.5 * float(ds["mlt"][1] - ds["mlt"][0]))
    em_shifted = precipitation_emission(shifted, time, dayglow=False)
    at = em_shifted([mlat] * u.deg, [shifted["mlt"].values[j]] * u.h, [0] * u.deg, [0] * u.deg, 0 * u.deg)
    assert at[0].to_value(RAYLEIGH) == pytest.approx(want.to_value(RAYLEIGH), rel=1e-9)
    with pytest.raises(InputError, match=r"MLT bins of 0.25 h span 12 h"):
        precipitation_emission(ds.isel(mlt=slice(0, 48)), time, dayglow=False)


def test_precipitation_emission_leaves_out_ratios_that_are_no_mean_energy():
    """Where OVATION's energy over number flux exceeds MAX_MEAN_ENERGY (its LBH peak below the 90 km floor),
    the point emits nothing seen from above; below it, the LBH of that mean energy."""
    import xarray as xr

    from smilekit.geospace.fuv_emission import MAX_MEAN_ENERGY, lbh_brightness
    from smilekit.instruments.uvi.sky import precipitation_emission

    mlat, mlt = 50.25 + 0.5 * np.arange(80), 0.125 + 0.25 * np.arange(96)
    energy = np.where(mlt < 12.0, 2.0, 1.5 * MAX_MEAN_ENERGY.to_value(u.keV))  # keV: day side beyond it
    q = np.ones((80, 96))  # erg cm^-2 s^-1
    ds = xr.Dataset(
        {
            "diffuse_energy_flux": (("mlat", "mlt"), q),
            "diffuse_number_flux": (("mlat", "mlt"), q / energy[None, :] * 6.241509074e8),
        },
        coords={"mlat": mlat, "mlt": mlt},
    )
    em = precipitation_emission(ds, T, dayglow=False)
    got = em([70.125, 70.125] * u.deg, [3.0, 15.0] * u.h, [0, 0] * u.deg, [0, 0] * u.deg, 0 * u.deg)
    want = lbh_brightness(1.0 * u.erg / u.cm**2 / u.s, 2.0 * u.keV).to_value(RAYLEIGH)
    assert got.to_value(RAYLEIGH)[0] == pytest.approx(want, rel=1e-9) and got.to_value(RAYLEIGH)[1] == 0.0


def test_pointing_travels_from_the_sky_through_the_image_to_l1():
    from smilekit.instruments.uvi import make_l1, simulate_image

    g = shell_geometry([0, 0, 15] * RE, DOWN, T)
    sky = model_sky(None, None, None, lambda *a: 10.0 * RAYLEIGH, geometry=g)
    l1 = make_l1(simulate_image(sky, 60 * u.s, 2))
    for key in ("time", "boresight_gse", "sc_position_gse_re", "altitude_km"):
        assert l1.attrs[key] == g.attrs[key]
    with pytest.raises(InputError, match="geometry"):
        model_sky(None, None, None, lambda *a: 0 * RAYLEIGH, geometry=g["mlat"])
