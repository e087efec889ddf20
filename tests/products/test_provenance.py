"""Provenance of products: the record, its ISTP CDF global attributes (spacepy's checks still pass) and its
FITS cards, read back from the files; bad input refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from astropy.io import fits

import smilekit
from smilekit.errors import InputError, ProductError
from smilekit.instruments.mag import make_l1, simulate_mag
from smilekit.products.insitu_cdf import mag_product_name, write_mag_l1
from smilekit.products.names import next_version
from smilekit.products.provenance import Provenance, provenance, read_provenance
from smilekit.products.sxi_fits import write_l1
from testsupport.sxi import small_event_list

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")

T0 = np.datetime64("2026-03-20T06:00", "ns")
PARENTS = [
    "/data/l0/smile_mag_l0_packets_20260320T000000_v01.bin",
    "smile_sc_l1_ephemeris_20260320T000000_v01.cdf",
]
#: Settings long enough to need several FITS HISTORY cards, with a NaN (JSON has none: null).
SETTINGS = {"mag": {"vector_rate_hz": 8.0, "seed": 20260521}, "note": "x" * 150, "threshold": math.nan}


@pytest.fixture(scope="module")
def mag_l1():
    t = T0 + np.arange(0, 31) * np.timedelta64(1, "s")
    truth = xr.DataArray(np.tile([-3.0, 4.0, 2.5], (t.size, 1)), dims=("time", "component"),
                         coords={"time": t}, attrs={"units": "nT"})  # fmt: skip
    return make_l1(simulate_mag(truth, np.eye(3), 4))


def test_the_record_keeps_names_sorted_json_and_utc_seconds():
    p = provenance(PARENTS, SETTINGS, time="2026-12-05T04:52:10.734")
    assert p.inputs == ("smile_mag_l0_packets_20260320T000000_v01.bin", PARENTS[1])  # names, no folders
    assert json.loads(p.configuration) == {**SETTINGS, "threshold": None}
    assert p.configuration.index('"mag"') < p.configuration.index('"note"')  # sorted: reproducible text
    assert p.time == "2026-12-05T04:52:10Z" and p.software == f"smilekit {smilekit.__version__}"
    attrs = p.cdf_attributes()
    assert attrs["Parents"] == ["FILE>smile_mag_l0_packets_20260320T000000_v01.bin", "CDF>" + PARENTS[1][:-4]]
    assert attrs["Generation_date"] == "20261205" and attrs["Software_version"] == p.software


def test_cdf_round_trip_and_the_istp_checks(mag_l1, tmp_path):
    p = provenance(PARENTS, SETTINGS, time="2026-12-05T04:52:10")
    path = write_mag_l1(tmp_path / mag_product_name("l1", T0), mag_l1, provenance=p)
    assert read_provenance(path) == p
    with pycdf.CDF(str(path)) as cdf:
        assert list(cdf.attrs["Parents"]) == p.cdf_attributes()["Parents"]  # one entry per parent
        errors = [e for e in istp.FileChecks.all(cdf) if "time_series display type" not in e]
    assert errors == []


def test_fits_round_trip_with_a_configuration_over_many_cards(tmp_path):
    p = provenance(PARENTS, SETTINGS, time="2026-12-05T04:52:10")
    path = write_l1(small_event_list(), tmp_path / "events.fits", provenance=p)
    assert read_provenance(path) == p
    header = fits.getheader(path)
    assert header["CREATOR"] == p.software and header["DATE"] == "2026-12-05T04:52:10"
    assert len(header["HISTORY"]) == 2 + math.ceil(len(p.configuration) / 64)
    assert all(len(str(card)) <= 72 for card in header["HISTORY"])


def test_a_reprocessing_is_a_new_version_with_its_own_provenance(mag_l1, tmp_path):
    """The first processing writes v01; the next one finds v02 free and v01 keeps its record."""
    first = provenance(PARENTS[:1], {"pass": 1}, time="2026-12-05T04:00:00")
    v1 = write_mag_l1(tmp_path / mag_product_name("l1", T0), mag_l1, provenance=first)
    version = next_version(tmp_path, "mag", "l1", "fields", T0, "cdf")
    assert version == 2
    second = provenance(PARENTS[:1], {"pass": 2}, time="2026-12-05T05:00:00")
    v2 = write_mag_l1(tmp_path / mag_product_name("l1", T0, version), mag_l1, provenance=second)
    assert v2.name.endswith("_v02.cdf") and read_provenance(v1) == first and read_provenance(v2) == second


def test_files_without_provenance_and_bad_input_are_refused(mag_l1, tmp_path):
    bare = write_mag_l1(tmp_path / mag_product_name("l1", T0), mag_l1)
    with pytest.raises(ProductError, match=bare.name):
        read_provenance(bare)
    plain = tmp_path / "plain.fits"
    fits.PrimaryHDU().writeto(plain)
    with pytest.raises(ProductError, match=r"plain\.fits"):
        read_provenance(plain)
    garbage = tmp_path / "garbage.cdf"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(ProductError, match=r"garbage\.cdf"):
        read_provenance(garbage)
    with pytest.raises(ProductError, match=r"notes\.txt"):
        read_provenance(tmp_path / "notes.txt")
    with pytest.raises(InputError, match="file names or paths"):
        provenance([3])
    with pytest.raises(InputError, match="mapping"):
        provenance([], ["not", "a", "mapping"])
    with pytest.raises(InputError, match="ISO 8601"):
        provenance([], time="yesterday")
    assert Provenance((), "{}", "s", "2026-01-01T00:00:00Z").cdf_attributes().get("Parents") is None
