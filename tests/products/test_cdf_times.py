"""CDF TT2000 times: smilekit's vectorised conversion against cdflib's and the NASA CDF library's (spacepy),
and the Epoch of a written ISTP CDF exactly as cdflib would have converted it record by record."""

import cdflib
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.products.cdf import (
    TT2000_FILL,
    _epochs_as_tt2000,
    epoch_attrs,
    istp_global_attrs,
    tt2000_values,
    write_istp_cdf,
)
from smilekit.times import WHOLE_LEAP_SECONDS_FROM

_NS_1972 = int(WHOLE_LEAP_SECONDS_FROM.astype(np.int64))
_NS_2100 = int(np.datetime64("2100-01-01T00:00:00", "ns").astype(np.int64))
times_ns = st.integers(min_value=_NS_1972, max_value=_NS_2100)


def _cdflib_tt2000(t: np.datetime64) -> int:
    """cdflib's one-time-at-a-time conversion, from the calendar fields (what xarray_to_cdf does)."""
    ns = int(t.astype("datetime64[ns]").astype(np.int64) % 1_000_000_000)
    d = t.astype("datetime64[s]").item()
    fields = [
        d.year,
        d.month,
        d.day,
        d.hour,
        d.minute,
        d.second,
        ns // 1_000_000,
        ns // 1000 % 1000,
        ns % 1000,
    ]
    return int(cdflib.cdfepoch.compute_tt2000(fields))


def test_tt2000_of_published_instants():
    # TT2000 counts SI ns from J2000.0 = 2000-01-01T12:00:00 TT; in 2000 TAI - UTC = 32 s (IERS Bulletin C)
    # and TT - TAI = 32.184 s, so 12:00:00 UTC is 64.184 s after the zero
    assert int(tt2000_values(np.datetime64("2000-01-01T12:00:00"))) == 64_184_000_000
    # the leap second at the end of 2016 (IERS Bulletin C 52): one calendar second, two SI seconds
    pair = tt2000_values(np.array(["2016-12-31T23:59:59", "2017-01-01T00:00:00"], dtype="datetime64[ns]"))
    assert int(pair[1] - pair[0]) == 2_000_000_000
    # no leap second at the end of 2017: one calendar second, one SI second
    pair = tt2000_values(np.array(["2017-12-31T23:59:59", "2018-01-01T00:00:00"], dtype="datetime64[ns]"))
    assert int(pair[1] - pair[0]) == 1_000_000_000


@settings(max_examples=300, deadline=None)
@given(st.lists(times_ns, min_size=1, max_size=20))
def test_tt2000_matches_cdflib_time_by_time(values):
    t = np.array(values, dtype=np.int64).astype("datetime64[ns]")
    np.testing.assert_array_equal(tt2000_values(t), [_cdflib_tt2000(x) for x in t])


def test_tt2000_matches_the_nasa_cdf_library():
    pycdf = pytest.importorskip("spacepy.pycdf")
    rng = np.random.default_rng(20261206)
    # whole microseconds: spacepy goes through datetime.datetime
    t = (rng.integers(_NS_1972, _NS_2100, 2000) // 1000 * 1000).astype("datetime64[ns]")
    reference = pycdf.lib.v_datetime_to_tt2000(t.astype("datetime64[us]").astype(object))
    np.testing.assert_array_equal(tt2000_values(t), reference)


def test_tt2000_of_not_a_time_is_the_fill_and_before_1972_is_refused():
    out = tt2000_values(np.array(["2015-06-21T15:00", "NaT"], dtype="datetime64[ns]"))
    assert out[1] == TT2000_FILL and out[0] != TT2000_FILL
    with pytest.raises(InputError, match="1972"):
        tt2000_values(np.datetime64("1971-12-31T23:59:59"))


def _dataset(time: np.ndarray) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "value": (
                ("Epoch",),
                np.arange(time.size, dtype=float),
                {
                    "CATDESC": "a test value",
                    "FIELDNAM": "value",
                    "FORMAT": "F8.1",
                    "LABLAXIS": "value",
                    "UNITS": "1",
                    "VAR_TYPE": "data",
                    "DEPEND_0": "Epoch",
                    "DISPLAY_TYPE": "time_series",
                    "FILLVAL": np.float64(-1e31),
                    "VALIDMIN": np.float64(-1e30),
                    "VALIDMAX": np.float64(1e30),
                },
            )
        },
        coords={"Epoch": ("Epoch", time, epoch_attrs(time))},
    )
    ds.attrs.update(
        istp_global_attrs(
            data_type="L2>Level 2",
            descriptor="TST>Test",
            logical_source="smile_tst_l2_times",
            description="Times of a test product",
            text="A test of the Epoch conversion.",
            instrument_type="Magnetic Fields (space)",
        )
    )
    return ds


@pytest.mark.parametrize(
    "span",
    [
        ("2016-12-31T23:58:00", "2017-01-01T00:02:00"),  # across a leap second
        ("1990-01-01T00:00:00", "2030-01-01T00:00:00"),  # across eleven of them
    ],
)
def test_written_epoch_is_what_cdflib_converts_record_by_record(span, tmp_path):
    rng = np.random.default_rng(7)
    lo, hi = (np.datetime64(s, "ns").astype(np.int64) for s in span)
    time = np.unique(rng.integers(lo, hi, 500)).astype("datetime64[ns]")
    path = write_istp_cdf(_dataset(time), tmp_path / "smile_tst_l2_times_20170101_v01.cdf")
    cdf = cdflib.CDF(str(path))
    assert cdf.varinq("Epoch").Data_Type_Description == "CDF_TIME_TT2000"
    raw = cdf.varget("Epoch")
    np.testing.assert_array_equal(raw, [_cdflib_tt2000(x) for x in time])
    np.testing.assert_array_equal(cdflib.cdfepoch.to_datetime(raw), time)


def test_the_writer_hands_cdflib_tt2000_keeping_every_variable_in_its_place(tmp_path):
    time = np.array(["2015-06-21T15:00", "2015-06-21T15:01"], dtype="datetime64[ns]")
    ds = _dataset(time).assign_coords(label=("label", np.array(["a", "b"])))
    converted = _epochs_as_tt2000(ds)
    assert converted["Epoch"].dtype == np.int64  # cdflib's record-by-record conversion is not used
    assert list(converted.variables) == list(ds.variables)
    assert converted["Epoch"].attrs == ds["Epoch"].attrs
    # a variable that asks cdflib for another time type keeps its datetime64 values for cdflib
    other = ds.assign_coords(Epoch=ds["Epoch"].assign_attrs(CDF_DATA_TYPE="CDF_EPOCH"))
    assert _epochs_as_tt2000(other)["Epoch"].dtype.kind == "M"


def test_epoch_before_1972_is_left_to_cdflib(tmp_path):
    time = np.array(["1965-03-18T07:30:00", "1965-03-18T07:31:00"], dtype="datetime64[ns]")
    path = write_istp_cdf(_dataset(time), tmp_path / "smile_tst_l2_times_19650318_v01.cdf")
    raw = cdflib.CDF(str(path)).varget("Epoch")
    np.testing.assert_array_equal(raw, [_cdflib_tt2000(x) for x in time])
