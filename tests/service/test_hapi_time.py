"""HAPI's restricted ISO 8601 times (the HAPI 3.2 specification, sec. 3.7.6): both calendar and ordinal
dates, truncated times, and the errors 1402/1403/1405 for anything else."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smilekit.service.hapi import TIME_LENGTH, HapiError, format_time, parse_time

T = np.datetime64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-21", "2026-03-21T00:00"),
        ("2026-080", "2026-03-21T00:00"),  # day 80 of a common year
        ("2028-080", "2028-03-20T00:00"),  # ... and of a leap year
        ("2026-03-21T06", "2026-03-21T06:00"),
        ("2026-03-21T06:07Z", "2026-03-21T06:07"),
        ("2026-080T06:07:08.5Z", "2026-03-21T06:07:08.5"),
        ("2026-03-21T06:07:08.123456789Z", "2026-03-21T06:07:08.123456789"),
        ("2026-03-21T24:00:00Z", "2026-03-22T00:00"),  # ISO 8601's end of day
    ],
)
def test_the_forms_hapi_allows_are_read(text, expected):
    assert parse_time(text, 1402) == T(expected, "ns")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-13-01", 1402),
        ("2026-02-30", 1402),
        ("2026-366", 1402),  # 2026 has 365 days
        ("2026-000", 1402),
        ("2026-03-21T25:00", 1402),
        ("2026-03-21T24:00:01", 1402),
        ("2026-03-21 06:00", 1402),
        ("2026-03-21T06:00:00+01:00", 1402),  # HAPI times are UTC, written with Z or nothing
        ("' OR 1=1 --", 1402),
        ("2026-03-21T06:00:00.0000000000Z", 1402),  # past nanoseconds
        ("x" * 5000, 1402),
        ("", 1402),
        (None, 1403),
        ("1900-01-01", 1405),
        ("2200-01-01", 1405),
    ],
)
def test_anything_else_is_refused_with_the_hapi_code(text, code):
    with pytest.raises(HapiError) as caught:
        parse_time(text, 1402 if code == 1405 else code)
    assert caught.value.code == code and caught.value.http_status == 400


@given(st.datetimes(min_value=dt.datetime(1951, 1, 1), max_value=dt.datetime(2099, 12, 31)))
def test_a_time_written_as_hapi_writes_it_reads_back_to_the_microsecond(when):
    t = np.datetime64(when, "us")
    (text,) = format_time(np.array([t]))
    assert len(text) == TIME_LENGTH and text.endswith("Z")
    assert parse_time(str(text), 1402) == t.astype("datetime64[ns]")
    ordinal = f"{when.year:04d}-{when.timetuple().tm_yday:03d}" + str(text)[10:]
    assert parse_time(ordinal, 1402) == t.astype("datetime64[ns]")
