"""SXI backgrounds: the packaged ROSAT map along GSE directions, GSE -> Galactic, particle, stray, Sun."""

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import Galactic, SkyCoord, get_sun
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.instruments.sxi.background import (
    ROSAT_MAP,
    astrophysical_intensity,
    gse_to_galactic,
    particle_rate,
    rosat_r45,
    stray_light_rate,
    sun_geometry,
    xrb_spectra,
)
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.units import RE

T = "2026-03-20T12:00"


def lonlat(vec):
    v = np.asarray(vec, dtype=float)
    return math.degrees(math.atan2(v[1], v[0])) % 360.0, math.degrees(math.asin(v[2] / np.linalg.norm(v)))


def test_map_is_packaged_with_provenance():
    path = data_path(ROSAT_MAP)
    with fits.open(path) as hdul:
        assert hdul[0].header["CTYPE1"] == "GLON-AIT" and hdul[0].data.shape == (240, 480)
    provenance = (path.parent.parent / "PROVENANCE.md").read_text()
    assert "allsky_rosat_rass_3-4keV_aitoff_galactic.fits" in provenance and "Snowden" in provenance


def test_ecliptic_pole_in_galactic_coordinates():
    # the north ecliptic pole (GSE +Z) lies at Galactic l = 96.38 deg, b = +29.81 deg (J2000)
    lon, lat = lonlat(gse_to_galactic(T) @ [0.0, 0.0, 1.0])
    assert abs(lon - 96.38) < 0.05 and abs(lat - 29.81) < 0.05


def test_gse_x_is_the_sun_against_astropy():
    m = gse_to_galactic(T)
    sun = get_sun(Time(T, scale="tt"))  # TT: no leap-second table needed
    # the geocentric direction (GCRS axes are ICRS's), not the barycentric position of the Sun
    sun_dir = SkyCoord(sun.ra, sun.dec, frame="icrs").transform_to(Galactic())
    lon, lat = lonlat(m @ [1.0, 0.0, 0.0])
    sep = SkyCoord(lon * u.deg, lat * u.deg, frame="galactic").separation(sun_dir)
    # Hapgood's Sun (0.01 deg) vs astropy's apparent geocentric Sun (aberration 0.006 deg)
    assert sep.to_value(u.deg) < 0.03


def test_matrix_is_a_rotation():
    m = gse_to_galactic(T)
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
    assert math.isclose(np.linalg.det(m), 1.0, rel_tol=1e-12)


def test_r45_lookup_against_the_file_read_independently():
    m = gse_to_galactic(T)
    rng = np.random.default_rng(5)
    d = rng.normal(size=(200, 3))
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    got = rosat_r45(d, T).value
    with fits.open(data_path(ROSAT_MAP)) as hdul:
        data, wcs = hdul[0].data.astype(float), WCS(hdul[0].header)
    g = d @ m.T
    c = SkyCoord(
        np.degrees(np.arctan2(g[:, 1], g[:, 0])) * u.deg,
        np.degrees(np.arcsin(g[:, 2])) * u.deg,
        frame="galactic",
    )
    x, y = wcs.world_to_pixel(c)
    ix = np.clip(np.round(x).astype(int), 0, 479)
    iy = np.clip(np.round(y).astype(int), 0, 239)
    raw = data[iy, ix]
    valid = raw > 0
    np.testing.assert_allclose(got[valid], raw[valid], rtol=1e-6)
    assert np.all(got > 0)  # gaps filled from the nearest valid pixel
    assert valid.mean() > 0.9


def test_intensity_conversion_formula():
    cfg = SXIConfig()
    d = np.array([0.3, -0.2, 0.9])
    r = float(rosat_r45(d, T).value)
    i = astrophysical_intensity(d, T, cfg)
    arcmin2_sr = (math.pi / 10800) ** 2
    expected = r * 1e-6 / (150.0 * arcmin2_sr) * 0.5 * (0.44 + 1.21)
    assert math.isclose(float(i["xrb_3/4keV"].value), expected, rel_tol=1e-12)
    assert i["xrb_3/4keV"].unit == u.keV / (u.cm**2 * u.s * u.sr)
    expected14 = 500e-6 / (150.0 * arcmin2_sr) * 0.5 * (0.11 + 0.284)
    assert math.isclose(float(i["xrb_1/4keV"].value), expected14, rel_tol=1e-9)
    assert {s.name for s in xrb_spectra(cfg).values()} == {"ROSAT R45 band, flat", "ROSAT R12 band, flat"}


def test_median_sky_level_is_a_few_kev():
    # the RASS 3/4 keV median (~115e-6 ct/s/arcmin2) corresponds to ~7 keV cm-2 s-1 sr-1 here: the
    # same order as magnetosheath SWCX (a few keV cm-2 s-1 sr-1), as SXI studies stress
    rng = np.random.default_rng(1)
    d = rng.normal(size=(2000, 3))
    level = np.median(astrophysical_intensity(d, T)["xrb_3/4keV"].value)
    assert 3.0 < level < 15.0


def test_particle_rate_flat_in_energy():
    # 2e-3 ct/s/cm2/keV over the broad band 0.2-2.5 keV
    assert math.isclose(particle_rate(band="broad").value, 2e-3 * 2.3, rel_tol=1e-9)
    assert math.isclose(particle_rate().value, 2e-3 * (5.12 - 0.1), rel_tol=1e-9)
    assert math.isclose(particle_rate(band=[0.2, 0.3] * u.keV).value * 23, particle_rate(band="broad").value)


def test_stray_light_power_law_and_band():
    r = stray_light_rate([30, 60, 90] * u.deg).value
    np.testing.assert_allclose(r, 1e-3 * np.array([1, 2.0**-4, 3.0**-4]))
    assert stray_light_rate(45 * u.deg, band="oxygen").value == 0.0  # stray events stay below 0.3 keV
    assert math.isclose(stray_light_rate(30 * u.deg, band="soft").value, 0.5e-3, rel_tol=1e-9)


def test_sun_geometry():
    to_x = np.eye(3)[:, [1, 2, 0]]  # boresight along GSE +X (towards the Sun)
    angle, inside = sun_geometry([0, 0, 20] * RE, to_x)
    assert inside and angle.to_value(u.deg) < 0.1
    away = np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1]], dtype=float)  # boresight along GSE -Z
    angle, inside = sun_geometry([0, 0, 20] * RE, away)
    # the Sun seen from 20 RE above the ecliptic lies atan(20 / 23481) below the horizontal
    assert not inside and abs(angle.to_value(u.deg) - (90.0 - math.degrees(math.atan(20 / 23481.4)))) < 1e-3


def test_bad_inputs():
    with pytest.raises(InputError):
        rosat_r45([0.0, 0.0, 0.0], T)
    with pytest.raises(InputError):
        rosat_r45([[1.0, 0.0]], T)
    with pytest.raises(InputError):
        astrophysical_intensity([1.0, 0.0, 0.0], None)
    with pytest.raises(InputError):
        stray_light_rate(30.0)
    with pytest.raises(InputError):
        particle_rate(band="gamma")
