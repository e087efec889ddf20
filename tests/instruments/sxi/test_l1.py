"""L1 event files: OGIP keywords, round trip, and the sky WCS checked with astropy against the geometry."""

import math

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from astropy.io import fits
from astropy.wcs import WCS
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError, ProductError
from smilekit.instruments.sxi.l1 import COLUMNS, EventList, read_l1, write_l1
from smilekit.instruments.sxi.simulate import simulate_events

T = "2026-03-20T12:00"


@pytest.fixture(scope="module")
def events():
    nu, nv = 30, 18
    sky = xr.DataArray(
        np.full((nv, nu), 5.0),
        dims=("v", "u"),
        coords={"v": (np.arange(nv) - 8.5) * 1.0, "u": (np.arange(nu) - 14.5) * 1.0},
        attrs={
            "units": "keV cm-2 s-1 sr-1",
            "time": T,
            "sc_position_gse_re": [5.9, 6.7, 17.7],
            "aim_point_gse_re": [7.8, 0.0, 0.0],
        },
    )
    return simulate_events(sky, 120 * u.s, rng=4)


def test_ogip_keywords(events, tmp_path):
    path = write_l1(events, tmp_path / "ev.fits")
    with fits.open(path) as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "EVENTS", "GTI"]
        h = hdul["EVENTS"].header
        for key, value in {
            "TELESCOP": "SMILE",
            "INSTRUME": "SXI",
            "HDUCLASS": "OGIP",
            "HDUCLAS1": "EVENTS",
            "TIMESYS": "UTC",
            "MJDREFI": 51544,
            "CHANTYPE": "PI",
            "DETCHANS": 1024,
        }.items():
            assert h[key] == value
        assert h["TSTART"] == events.tstart and h["TSTOP"] == events.tstop
        assert h["EXPOSURE"] == h["ONTIME"] == h["LIVETIME"] == 120.0
        assert h["DATE-OBS"].startswith("2026-03-20T12:00:00")
        assert hdul["GTI"].header["HDUCLAS1"] == "GTI" and hdul["GTI"].header["HDUCLAS2"] == "STANDARD"
        data = hdul["EVENTS"].data
        names = list(COLUMNS)
        for name in ("X", "Y", "RAWX", "RAWY", "CCDNR", "PI"):
            n = names.index(name) + 1
            assert np.all(data[name] >= h[f"TLMIN{n}"]) and np.all(data[name] <= h[f"TLMAX{n}"])
        assert h[f"TUNIT{names.index('TIME') + 1}"] == "s"
    # MJDREF + TSTART is the start time
    start = np.datetime64("2000-01-01T00:00", "ns") + np.timedelta64(round(events.tstart * 1e9), "ns")
    assert start == np.datetime64(T, "ns")


def test_round_trip(events, tmp_path):
    path = write_l1(events, tmp_path / "ev.fits")
    back = read_l1(path)
    assert len(back) == len(events)
    for name in COLUMNS:
        np.testing.assert_array_equal(back.columns[name], events.columns[name])
    np.testing.assert_allclose(back.rotation, events.rotation, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(back.gti, events.gti)
    assert back.sun_angle_deg == events.sun_angle_deg and back.sun_in_fov == events.sun_in_fov
    assert back.config.values == events.config.values


# OGIP event headers carry DATE-OBS, TIMEDEL... (as XMM-Newton and Chandra files do); wcslib notes that
# these are image keywords in a binary table and reads them anyway
@pytest.mark.filterwarnings("ignore:(?s).*image-header keyword [A-Z-]+ in binary table")
def test_sky_wcs_from_the_table_keywords_matches_the_focal_plane(events, tmp_path):
    path = write_l1(events, tmp_path / "ev.fits")
    with fits.open(path) as hdul:
        wcs = WCS(hdul["EVENTS"].header, keysel=["pixel"])  # TCTYPn/TCRVLn/TCDLTn/TCROTn, read by wcslib
        x, y = np.array(hdul["EVENTS"].data["X"], float), np.array(hdul["EVENTS"].data["Y"], float)
    lon, lat = wcs.all_pix2world(x, y, 1)
    f = events.config.values.focal_mm
    body = np.stack([events.columns["DETX"] / f, events.columns["DETY"] / f, np.ones(len(events))], axis=-1)
    d = body @ events.rotation.T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    lon_ref = np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 360
    lat_ref = np.degrees(np.arcsin(d[:, 2]))
    dlon = (lon - lon_ref + 180) % 360 - 180
    sep = np.hypot(dlon * np.cos(np.radians(lat_ref)), lat - lat_ref)
    assert sep.max() < 2e-4  # deg; float32 columns
    # the in-memory WCS is the same
    lon2, lat2 = events.wcs().all_pix2world(x, y, 1)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)


def test_boresight_is_the_reference_pixel(events):
    p = events.wcs_parameters()
    lon, lat = events.wcs().all_pix2world([p["crpix"][0]], [p["crpix"][1]], 1)
    bz = events.rotation[:, 2]
    assert math.isclose(lon[0], math.degrees(math.atan2(bz[1], bz[0])) % 360, abs_tol=1e-9)
    assert math.isclose(lat[0], math.degrees(math.asin(bz[2])), abs_tol=1e-9)


def test_table_has_units(events):
    t = events.table()
    assert t["TIME"].unit == u.s and t["ENERGY"].unit == u.eV and t["DETX"].unit == u.mm
    assert len(t) == len(events)


def test_overwrite_and_bad_files(events, tmp_path):
    path = write_l1(events, tmp_path / "ev.fits")
    with pytest.raises(ProductError):
        write_l1(events, path)
    write_l1(events, path, overwrite=True)
    fits.PrimaryHDU().writeto(tmp_path / "empty.fits")
    with pytest.raises(ProductError):
        read_l1(tmp_path / "empty.fits")
    with pytest.raises(InputError):
        write_l1("events", tmp_path / "x.fits")


def test_event_list_validation(events):
    cols = dict(events.columns)
    cols.pop("PI")
    with pytest.raises(InputError):
        EventList(
            cols, events.gti, events.rotation, events.sc_position_gse_re, events.aim_point_gse_re, 90.0, False
        )
    short = dict(events.columns, PI=events.columns["PI"][:-1])
    with pytest.raises(InputError):
        EventList(
            short,
            events.gti,
            events.rotation,
            events.sc_position_gse_re,
            events.aim_point_gse_re,
            90.0,
            False,
        )
    sub = events.select(events.columns["CCDNR"] == 1)
    assert np.all(sub.columns["CCDNR"] == 1) and sub.exposure == events.exposure


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_wcs_for_any_attitude(seed):
    from scipy.spatial.transform import Rotation

    from smilekit.instruments.sxi.config import SXIConfig
    from smilekit.instruments.sxi.l1 import sky_wcs_parameters

    rng = np.random.default_rng(seed)
    rot = Rotation.random(random_state=rng).as_matrix()
    p = sky_wcs_parameters(rot, SXIConfig())
    w = WCS(naxis=2)
    w.wcs.ctype = ["GSLN-TAN", "GSLT-TAN"]
    w.wcs.crval, w.wcs.crpix, w.wcs.cdelt = list(p["crval"]), list(p["crpix"]), list(p["cdelt"])
    w.wcs.crota = [0.0, p["crota"]]
    w.wcs.set()
    tu, tv = rng.uniform(-0.24, 0.24, 20), rng.uniform(-0.13, 0.13, 20)
    x = p["crpix"][0] + np.degrees(tu) / p["pixel"]
    y = p["crpix"][1] + np.degrees(tv) / p["pixel"]
    lon, lat = w.all_pix2world(x, y, 1)
    d = np.stack([tu, tv, np.ones_like(tu)], axis=-1) @ rot.T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    ref = np.stack(
        [
            np.cos(np.radians(lat)) * np.cos(np.radians(lon)),
            np.cos(np.radians(lat)) * np.sin(np.radians(lon)),
            np.sin(np.radians(lat)),
        ],
        axis=-1,
    )
    assert np.max(np.linalg.norm(ref - d, axis=-1)) < 1e-9
