"""SXI product files: the L1 FITS event list (OGIP keywords, round trip, the sky WCS of the table checked
with astropy against the geometry) and the L2 FITS images (round trip, uncertainty, WCS)."""

import dataclasses
import math

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData, StdDevUncertainty
from astropy.wcs import WCS

from smilekit.errors import InputError, ProductError
from smilekit.instruments.sxi.l1 import COLUMNS
from smilekit.instruments.sxi.l2 import make_l2
from smilekit.instruments.sxi.simulate import simulate_events
from smilekit.products import sxi_fits
from smilekit.products.provenance import Provenance
from smilekit.products.sxi_fits import read_l1, read_l2, write_l1, write_l2
from testsupport.sxi import T, make_sky, small_event_list

BKG = ("xrb_3/4keV", "xrb_1/4keV", "particle")


@pytest.fixture(scope="module")
def events():
    return small_event_list()


@pytest.fixture(scope="module")
def flat():
    ev = simulate_events(make_sky(60.0), 600 * u.s, rng=21, backgrounds=("xrb", "particle"))
    return ev, make_l2(ev, pixel=1.0 * u.deg, cadence=10 * u.min, backgrounds=BKG)


# ---------------------------------------------------------------------------------------------------
# L1: the event list
# ---------------------------------------------------------------------------------------------------
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


def test_written_files_pass_strict_verification(events, flat, tmp_path):
    """The writers format each card once and copy it, with no verification pass of their own: the files,
    with the provenance's HISTORY, the downlink's losses, a NaN aim point and the backgrounds, pass
    astropy's strict verification, and each file has its own values."""
    provenance = Provenance(("a.fits",), '{"seed": 1}', "smilekit test", "2026-01-01T00:00:00Z")
    nan_aim = dataclasses.replace(events, aim_point_gse_re=np.array([np.nan, 0.0, 0.0]))
    paths = [
        write_l1(
            nan_aim,
            tmp_path / "ev.fits",
            provenance=provenance,
            losses={"frames_lost": 2, "events_dropped": 7},
        ),
        write_l2(flat[1], tmp_path / "l2.fits", provenance=provenance),
    ]
    for path in paths:
        with fits.open(path) as hdul:
            hdul.verify("exception")
            assert Provenance.from_fits_header(hdul[0].header) == provenance
    with fits.open(paths[0]) as hdul:
        assert hdul["EVENTS"].header["AIMGSE1"] == "NaN" and hdul["EVENTS"].header["EVTDROP"] == 7
    # the same writer, another frame's values: each file carries its own
    other = flat[1].assign_attrs(sun_angle_deg=flat[1].attrs["sun_angle_deg"] + 1.0)
    for ds, name in ((flat[1], "a.fits"), (other, "b.fits"), (flat[1], "c.fits")):
        write_l2(ds, tmp_path / name)
        assert fits.getheader(tmp_path / name)["SUNANGLE"] == ds.attrs["sun_angle_deg"]


def test_cached_cards_are_the_cards_astropy_makes():
    """The writers' cached cards give the header that assigning each card gives, whatever was cached
    before: values equal but written apart (-0.0 and 0.0, 1 and 1.0 and True, numpy scalars) each keep
    their own card."""
    values = [
        0.0,
        -0.0,
        np.float32(-0.0),
        1,
        1.0,
        True,
        np.int64(1),
        np.float32(1.5),
        np.float64(-0.0),
        "NaN",
    ]
    for order in (values, values[::-1]):
        for value in order:
            cards = [("TCRVL1", value, "boresight"), ("CROTA2", value, None)]
            assigned = fits.Header()
            for key, v, comment in cards:
                assigned[key] = (v, comment)
            cached = fits.Header()
            sxi_fits._add_cards(cached, cards)
            assert cached.tostring() == assigned.tostring(), value


# ---------------------------------------------------------------------------------------------------
# L2: the images
# ---------------------------------------------------------------------------------------------------
def test_fits_round_trip_uncertainty_and_wcs(flat, tmp_path):
    ev, l2 = flat
    path = write_l2(l2, tmp_path / "l2.fits")
    with pytest.raises(ProductError):
        write_l2(l2, path)
    back = read_l2(path)
    np.testing.assert_allclose(back.foreground.values, l2.foreground.values, rtol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(back.counts.values, l2.counts.values)
    np.testing.assert_allclose(back.u.values, l2.u.values)
    np.testing.assert_allclose(back.solid_angle.values, l2.solid_angle.values, rtol=1e-6)
    # the pointing travels with the file, so that the science retrievals can work from it
    for name in ("sc_position_gse_re", "boresight_gse", "long_axis_gse", "counts_per_intensity"):
        np.testing.assert_allclose(back.attrs[name], l2.attrs[name], rtol=1e-12)
    # astropy's CCDData reads the foreground with its standard-deviation uncertainty
    ccd = CCDData.read(path, hdu="FOREGROUND", hdu_uncertainty="UNCERT", hdu_mask=None, hdu_flags=None)
    assert ccd.unit == u.keV / (u.cm**2 * u.s * u.sr)
    assert isinstance(ccd.uncertainty, StdDevUncertainty)
    np.testing.assert_allclose(ccd.uncertainty.array, l2.foreground_error.values, rtol=1e-6, equal_nan=True)
    with fits.open(path) as hdul:
        h = hdul["FOREGROUND"].header
        assert h["HDUCLASS"] == "OGIP" and h["CTYPE3"] == "TIME"
        assert {"BKG_XRB34", "BKG_XRB14", "BKG_PART", "EXPOSURE", "VIGNET", "TIMES"} <= {x.name for x in hdul}
        wcs = WCS(h).celestial
    # pixel centre -> GSE direction, against the direction built from (u, v) and the pointing
    iu, iv = 10, 5
    lon, lat = wcs.all_pix2world([iu + 1.0], [iv + 1.0], 1)
    body = np.array([math.tan(math.radians(l2.u.values[iu])), math.tan(math.radians(l2.v.values[iv])), 1.0])
    d = ev.rotation @ (body / np.linalg.norm(body))
    assert math.isclose(lon[0], math.degrees(math.atan2(d[1], d[0])) % 360, abs_tol=1e-8)
    assert math.isclose(lat[0], math.degrees(math.asin(d[2])), abs_tol=1e-8)
    with pytest.raises(ProductError):
        read_l2(tmp_path / "missing.fits") if False else read_l2(_empty(tmp_path))


def _empty(tmp_path):
    path = tmp_path / "empty.fits"
    fits.PrimaryHDU().writeto(path)
    return path
