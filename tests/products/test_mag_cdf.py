"""MAG L1 and L2 CDFs: spacepy's ISTP checks, names, a lossless round trip, L2 remade from the L1 file."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from smilekit.errors import ProductError
from smilekit.instruments.mag import ground_calibration, make_l1, make_l2, simulate_mag
from smilekit.products.insitu_cdf import (
    flag_variable,
    mag_l1_dataset,
    mag_product_name,
    read_insitu_cdf,
    read_mag_l1,
    read_mag_l2,
    write_mag_l1,
    write_mag_l2,
)
from smilekit.products.names import parse_product_name

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")
cdflib = pytest.importorskip("cdflib")

# As for the ephemeris (tests/products/test_ephemeris.py): CDAWeb's vector products are (record, 3) time
# series with labels; spacepy wants every multi-dimensional variable to be a spectrogram.
ACCEPTED = ("Multi dim variable with time_series display type",)
T0 = np.datetime64("2026-03-20T06:00", "ns")


@pytest.fixture(scope="module")
def levels():
    """Two minutes: a steady IMF, a field beyond the range (saturated), the inboard sensor lost at the end."""
    t = T0 + np.arange(0, 121, 1) * np.timedelta64(1, "s")
    b = np.tile([-3.0, 4.0, 2.5], (t.size, 1))
    b[60:80] = [13500.0, 200.0, -50.0]
    truth = xr.DataArray(b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT"})
    raw = simulate_mag(truth, np.eye(3), 4)
    l1 = make_l1(raw)
    l1["b_inboard"][-100:] = np.nan
    l1["flag_inboard"][-100:] = 2
    cal = ground_calibration(rng=1)
    return l1, make_l2(l1, np.eye(3), cal), cal


@pytest.fixture(scope="module")
def files(levels, tmp_path_factory):
    l1, l2, _ = levels
    folder = tmp_path_factory.mktemp("mag")
    return (
        write_mag_l1(folder / mag_product_name("l1", T0), l1),
        write_mag_l2(folder / mag_product_name("l2", T0), l2),
    )


def test_names_follow_the_mission_rule(files):
    p1, p2 = files
    assert p1.name == "smile_mag_l1_fields_20260320T060000_v01.cdf"
    assert parse_product_name(p2).level == "l2" and parse_product_name(p2).instrument == "mag"


def test_istp_checks_of_spacepy_pass(files):
    for path in files:
        with pycdf.CDF(str(path)) as cdf:
            errors = [e for e in istp.FileChecks.all(cdf) if not any(a in e for a in ACCEPTED)]
            assert errors == [], path.name
            assert cdf["Epoch"].type() == pycdf.const.CDF_TIME_TT2000.value


def test_l1_round_trip_is_exact_and_l2_remade_from_it_is_the_same(levels, files):
    l1, l2, cal = levels
    back = read_mag_l1(files[0])
    np.testing.assert_array_equal(back["time"].values, l1["time"].values)
    for name in ("b_inboard", "b_outboard", "flag_inboard", "flag_outboard"):
        np.testing.assert_array_equal(back[name].values, l1[name].values)  # NaN <-> fill both ways
    assert back["flag_inboard"].dtype == np.uint8 and int(back["flag_outboard"].max()) == 1
    again = make_l2(back, np.eye(3), cal)
    for name in ("b_gse", "b_gsm", "quality"):
        np.testing.assert_array_equal(again[name].values, l2[name].values)


def test_l2_round_trip_and_attributes(levels, files):
    _, l2, _ = levels
    back = read_mag_l2(files[1])
    for name in ("b_gse", "b_gsm", "b_magnitude", "sc_field_body", "quality"):
        np.testing.assert_array_equal(back[name].values, l2[name].values)
    assert np.isnan(back["b_gse"].values[60 * 32 + 5]).all()  # saturated: fill in the file, NaN back
    cdf = cdflib.CDF(str(files[1]))
    assert cdf.varget("b_gse")[60 * 32 + 5, 0] == -1e31
    attrs = cdf.varattsget("b_gsm")
    assert (
        attrs["UNITS"] == "nT" and attrs["COORDINATE_SYSTEM"] == "GSM" and attrs["LABL_PTR_1"] == "label_gsm"
    )
    assert "64: no usable sensor" in cdf.varattsget("quality")["FLAG_BITS"]
    assert cdf.globalattsget()["Logical_source"] == ["smile_mag_l2_fields"]
    assert "ground calibration" in back.attrs["Calibration"]
    assert back["b_gse"].attrs["frame"] == "GSE"


def test_bad_products_are_refused(levels, tmp_path):
    l1, l2, _ = levels
    with pytest.raises(ProductError, match="L1"):
        mag_l1_dataset(l2)
    with pytest.raises(ProductError, match="uint8 or uint16"):
        flag_variable(np.zeros(3, dtype=np.int32), "f", "flag", "")
    with pytest.raises(ProductError, match="increasing"):
        mag_l1_dataset(l1.isel(time=[2, 1]))
    bad = tmp_path / "x.cdf"
    bad.write_text("not a cdf")
    with pytest.raises(ProductError):
        read_insitu_cdf(bad)
    with pytest.raises(ProductError, match="not a MAG L2"):
        read_mag_l2(write_mag_l1(tmp_path / mag_product_name("l1", T0), l1.isel(time=slice(0, 5))))
