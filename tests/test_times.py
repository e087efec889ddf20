"""Tests of smilekit.times: parsing every accepted time type to UTC datetime64[ns], and the time helpers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from astropy.time import Time
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.times import (
    as_datetime64,
    day_fraction,
    days_since_j2000,
    decimal_year,
    julian_centuries_j2000,
)

EXPECTED = np.datetime64("2025-06-21T17:00:00", "ns")


@pytest.mark.parametrize(
    "value",
    [
        "2025-06-21T17:00:00",
        "2025-06-21T17:00:00Z",
        "2025-06-21T19:00:00+02:00",
        dt.datetime(2025, 6, 21, 17),
        dt.datetime(2025, 6, 21, 12, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        np.datetime64("2025-06-21T17:00"),
        pd.Timestamp("2025-06-21T17:00"),
        pd.Timestamp("2025-06-21T18:00", tz="Europe/London"),  # BST = UTC+1 in June
        Time("2025-06-21T17:00:00", scale="utc"),
    ],
)
def test_scalar_inputs_give_the_same_utc_instant(value):
    out = as_datetime64(value)
    assert out.dtype == np.dtype("datetime64[ns]")
    assert out.shape == ()
    assert out == EXPECTED


def test_astropy_time_in_tt_is_converted_to_utc():
    # TT - UTC = 32.184 s + (TAI - UTC = 37 s since 2017-01-01; IERS Bulletin C) = 69.184 s.
    out = as_datetime64(Time("2020-01-01T00:01:09.184", scale="tt"))
    assert out == np.datetime64("2020-01-01T00:00:00", "ns")


def test_arrays_keep_their_shape():
    strings = np.array([["2000-01-01", "2010-01-01"], ["2020-01-01", "2030-01-01"]])
    out = as_datetime64(strings)
    assert out.shape == (2, 2)
    assert out[1, 1] == np.datetime64("2030-01-01", "ns")
    index = pd.date_range("2020-01-01", periods=4, freq="h")
    np.testing.assert_array_equal(as_datetime64(index), index.to_numpy())
    np.testing.assert_array_equal(as_datetime64(pd.Series(index)), index.to_numpy())
    np.testing.assert_array_equal(
        as_datetime64([np.datetime64("2020-01-01"), np.datetime64("2020-01-01T01")]), index.to_numpy()[:2]
    )
    assert as_datetime64(Time(["2020-01-01", "2021-01-01"])).shape == (2,)


@pytest.mark.parametrize(
    "bad",
    ["garbage", "2020-13-01", 5, 3.5, [1, 2], ["2020-01-01", "nonsense"], np.datetime64("NaT"), pd.NaT, None],
)
def test_bad_times_raise_input_error(bad):
    with pytest.raises(InputError, match="time"):
        as_datetime64(bad)


def test_j2000_helpers_against_definitions():
    # J2000.0 is JD 2451545.0 = 2000-01-01 12:00 (IAU 1976 resolution; Meeus 1998, ch. 21).
    assert float(days_since_j2000("2000-01-01T12:00")) == 0.0
    assert float(julian_centuries_j2000("2050-01-01T12:00")) == pytest.approx(18263 / 36525, abs=1e-15)
    days, hours = day_fraction(["1999-12-31T06:00", "2000-01-01T00:00", "2030-01-01T23:30"])
    np.testing.assert_array_equal(days, [-1, 0, 10958])
    np.testing.assert_allclose(hours, [6.0, 0.0, 23.5])


def test_decimal_year_known_values():
    # 2024 is a leap year (366 days), 2023 is not.
    np.testing.assert_allclose(
        decimal_year(["2024-01-01", "2024-07-02", "2023-07-02T12:00", "2030-01-01"]),
        [2024.0, 2024.5, 2023.5, 2030.0],
        rtol=0,
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_decimal_year_is_monotonic_and_within_the_year(when):
    t = as_datetime64(when)
    year = decimal_year(t)
    assert when.year <= year < when.year + 1
    later = decimal_year(t + np.timedelta64(1, "h"))
    assert later > year
