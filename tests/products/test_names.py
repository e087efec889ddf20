"""Product file names: build -> parse -> build round trips (hypothesis), examples, bad parts, versions."""

import datetime as dt

import numpy as np
import pytest
from astropy.time import Time
from hypothesis import given
from hypothesis import strategies as st

from smilekit.errors import InputError, ProductError
from smilekit.products.names import (
    EXTENSIONS,
    INSTRUMENT_CODES,
    LEVELS,
    ProductName,
    next_version,
    parse_product_name,
    product_name,
)

T = np.datetime64("2026-03-20T12:00:00", "s")

parts = st.builds(
    ProductName,
    instrument=st.sampled_from(list(INSTRUMENT_CODES)),
    level=st.sampled_from(list(LEVELS)),
    descriptor=st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    time=st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda t: np.datetime64(t.replace(microsecond=0), "s")
    ),
    version=st.integers(1, 99),
    ext=st.sampled_from(EXTENSIONS),
)


@given(parts)
def test_build_then_parse_gives_the_parts_back(p):
    name = product_name(*p[:5], ext=p.ext)
    back = parse_product_name(name)
    assert back == p
    assert isinstance(back.time, np.datetime64) and back.time.dtype == np.dtype("datetime64[s]")
    assert type(back.version) is int
    assert back.name == name


# names of the right shape whose parts may be out of range (month 13, hour 24, v00, v100, '_' or 'XX')
stamps = st.tuples(
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 60),
).map(lambda t: "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}".format(*t))
loose_names = st.builds(
    "smile_{}_{}_{}_{}_v{:02d}.{}".format,
    st.sampled_from([*INSTRUMENT_CODES, "XX"]),
    st.sampled_from([*LEVELS, "l4"]),
    st.from_regex(r"[a-z0-9_]{1,8}", fullmatch=True),
    stamps,
    st.integers(0, 100),
    st.sampled_from([*EXTENSIONS, "txt"]),
)


@given(loose_names)
def test_parse_either_refuses_a_name_or_gives_it_back(name):
    try:
        p = parse_product_name(name)
    except InputError:
        return
    assert product_name(*p[:5], ext=p.ext) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "smile_sxi_l1_events_20260320T120000_v01.fits",
            ("sxi", "l1", "events", "2026-03-20T12:00:00", 1, "fits"),
        ),
        (
            "smile_sxi_l3_boundaries_20260320T120230_v12.cdf",
            ("sxi", "l3", "boundaries", "2026-03-20T12:02:30", 12, "cdf"),
        ),
        (
            "smile_sc_l2_ephemeris_20251231T235959_v99.cdf",
            ("sc", "l2", "ephemeris", "2025-12-31T23:59:59", 99, "cdf"),
        ),
        (
            "smile_uvi_ql_frame1_20270101T000000_v02.png",
            ("uvi", "ql", "frame1", "2027-01-01T00:00:00", 2, "png"),
        ),
        (
            "smile_mag_l0_packets_20280229T060000_v01.csv",
            ("mag", "l0", "packets", "2028-02-29T06:00:00", 1, "csv"),
        ),
    ],
)
def test_example_names(name, expected):
    p = parse_product_name(name)
    instrument, level, descriptor, time, version, ext = expected
    assert p == (instrument, level, descriptor, np.datetime64(time, "s"), version, ext)
    assert product_name(instrument, level, descriptor, time, version, ext=ext) == name
    assert parse_product_name(f"some/folder/{name}") == p


def test_times_of_every_kind_give_one_stamp_to_the_second():
    expected = "smile_sxi_l1_events_20260320T120059_v01.fits"
    for time in (
        "2026-03-20T12:00:59.999",
        "2026-03-20T13:00:59+01:00",
        dt.datetime(2026, 3, 20, 12, 0, 59, 500000),
        np.datetime64("2026-03-20T12:00:59.999999999", "ns"),
        Time("2026-03-20T12:00:59.25", scale="utc"),
    ):
        assert product_name("sxi", "l1", "events", time, ext="fits") == expected
    # the fraction of a second is dropped (floor), also before 1970
    assert "19691231T235959" in product_name(
        "sxi", "l1", "events", np.datetime64("1969-12-31T23:59:59.5"), ext="fits"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"instrument": "SXI"}, "instrument 'SXI' is not one of sxi, uvi, lia, mag, sc"),
        ({"instrument": "xrt"}, "instrument 'xrt'"),
        ({"level": "l4"}, "level 'l4' is not one of l0, l1, l2, l3, ql"),
        ({"level": "L1"}, "level 'L1'"),
        (
            {"descriptor": "two_parts"},
            "descriptor 'two_parts' must be one or more lower-case letters and digits",
        ),
        ({"descriptor": ""}, "descriptor ''"),
        ({"descriptor": "Events"}, "descriptor 'Events'"),
        ({"descriptor": "im-5"}, "descriptor 'im-5'"),
        ({"version": 0}, "version 0 must be a whole number from 1 to 99"),
        ({"version": 100}, "version 100"),
        ({"version": 1.0}, "version 1.0"),
        ({"version": "1"}, "version '1'"),
        ({"version": True}, "version True"),
        ({"ext": ".fits"}, "ext '.fits' is not one of"),
        ({"ext": "FITS"}, "ext 'FITS'"),
        ({"time": "not a time"}, "not a time"),
        ({"time": np.datetime64("NaT")}, "NaT"),
        ({"time": ["2026-03-20", "2026-03-21"]}, "one time"),
        ({"time": 5.0}, "time"),
    ],
)
def test_bad_parts_name_the_value_and_what_is_accepted(kwargs, message):
    args = {
        "instrument": "sxi",
        "level": "l1",
        "descriptor": "events",
        "time": T,
        "version": 1,
        "ext": "fits",
    }
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        product_name(**args)
    assert message in str(info.value)


def test_numpy_integers_are_versions():
    assert product_name("sxi", "l1", "events", T, np.int64(7), ext="fits").endswith("_v07.fits")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("smile_sxi_l1_events_20260320T120000_v01", "is not a product name"),
        ("smile_sxi_l1_events_20260320T120000.fits", "is not a product name"),
        ("smile_sxi_l1_two_parts_20260320T120000_v01.fits", "is not a product name"),
        ("SMILE_sxi_l1_events_20260320T120000_v01.fits", "is not a product name"),
        ("sxi_l1_events_20260320T120000_v01.fits", "is not a product name"),
        ("smile_sxi_l1_events_2026-03-20T120000_v01.fits", "must be YYYYMMDDThhmmss"),
        ("smile_sxi_l1_events_20260320T1200_v01.fits", "must be YYYYMMDDThhmmss"),
        ("smile_sxi_l1_events_20260230T120000_v01.fits", "not a valid date and time"),
        ("smile_sxi_l1_events_20260320T246000_v01.fits", "not a valid date and time"),
        ("smile_sxi_l1_events_20270229T000000_v01.fits", "not a valid date and time"),
        ("smile_sxi_l1_events_20260320T120000_v1.fits", "version 'v1'"),
        ("smile_sxi_l1_events_20260320T120000_v100.fits", "version 'v100'"),
        ("smile_sxi_l1_events_20260320T120000_V01.fits", "version 'V01'"),
        ("smile_sxi_l1_events_20260320T120000_v00.fits", "version 0"),
        ("smile_sxi_l1_events_20260320T120000_v01.txt", "ext 'txt'"),
        ("smile_sxi_l1_events_20260320T120000_v01.fits.gz", "ext 'fits.gz'"),
        ("smile_hri_l1_events_20260320T120000_v01.fits", "instrument 'hri'"),
        ("smile_sxi_l9_events_20260320T120000_v01.fits", "level 'l9'"),
    ],
)
def test_bad_names_say_what_is_wrong(name, message):
    with pytest.raises(InputError) as info:
        parse_product_name(name)
    assert message in str(info.value)


def test_parse_refuses_what_is_not_a_name():
    with pytest.raises(InputError, match="must be a file name"):
        parse_product_name(42)


def test_next_version(tmp_path):
    def name(version, descriptor="events", time=T, ext="fits", level="l1"):
        return product_name("sxi", level, descriptor, time, version, ext=ext)

    assert next_version(tmp_path / "absent", "sxi", "l1", "events", T, "fits") == 1
    assert next_version(tmp_path, "sxi", "l1", "events", T, "fits") == 1
    for other in (
        name(1),
        name(3),
        name(7, descriptor="images"),
        name(8, time=T + np.timedelta64(1, "s")),
        name(9, ext="cdf"),
        name(10, level="l2"),
        "smile_sxi_l1_events_20260320T120000_v42.fits.bak",
        "notes.txt",
    ):
        (tmp_path / other).touch()
    assert next_version(tmp_path, "sxi", "l1", "events", T, "fits") == 4
    assert next_version(str(tmp_path), "sxi", "l1", "events", "2026-03-20T12:00:00.7", "fits") == 4
    assert next_version(tmp_path, "sxi", "l1", "images", T, "fits") == 8
    (tmp_path / name(99)).touch()
    with pytest.raises(ProductError, match="v99 is the last version"):
        next_version(tmp_path, "sxi", "l1", "events", T, "fits")
    with pytest.raises(InputError, match="is not a folder"):
        next_version(tmp_path / name(1), "sxi", "l1", "events", T, "fits")
    with pytest.raises(InputError, match="instrument 'x'"):
        next_version(tmp_path, "x", "l1", "events", T, "fits")
