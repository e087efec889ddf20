"""L1 event lists: the sky WCS checked with astropy against the geometry, the table, validation."""

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.wcs import WCS
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from smilekit.errors import InputError
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.l1 import EventList, sky_wcs_parameters
from testsupport.sxi import small_event_list


@pytest.fixture(scope="module")
def events():
    return small_event_list()


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
