"""Tests of the geomagnetic indices SYM-H and AL (smilekit.solarwind.indices)."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.solarwind import GeomagneticIndices, read_indices

HALLOWEEN = "events/2003-10-29_halloween_SYMH_AL_1min.txt"


def test_reader_gives_the_lines_of_the_shipped_swpc_file():
    # the file's lines 3, 4 and its last: "2003 10 29 00 35 00 000  -39.00  -569.00",
    # "2003 10 29 00 36 00 000  -40.00  -649.00", "2003 10 31 00 15 00 000 -308.00  -391.00"
    ix = read_indices(data_path(HALLOWEEN))
    assert len(ix) == 2861  # 2863 lines less the title and the column line
    assert ix.time.values[0] == np.datetime64("2003-10-29T00:35")
    assert ix.sym_h.values[:2].tolist() == [-39.0, -40.0] and ix.al.values[:2].tolist() == [-569.0, -649.0]
    assert ix.time.values[-1] == np.datetime64("2003-10-31T00:15")
    assert (ix.sym_h.values[-1], ix.al.values[-1]) == (-308.0, -391.0)
    assert np.all(np.diff(ix.time.values) == np.timedelta64(1, "m"))  # 1-min, no gaps
    # the Halloween storm's minimum SYM-H, -432 nT (data/PROVENANCE.md); its time from the file
    assert ix.minimum("sym_h") == (-432.0, np.datetime64("2003-10-30T22:55", "ns"))
    assert ix.sym_h.attrs["units"] == "nT" and ix.al.attrs["units"] == "nT"
    assert ix.ds.attrs["fill_values"] == 0 and ix.ds.attrs["ignored_columns"] == ""
    assert ix.source == "2003-10-29_halloween_SYMH_AL_1min.txt"


def test_fill_values_become_nan_and_are_counted(tmp_path):
    path = tmp_path / "dst.txt"
    path.write_text(
        "Sym-H and AL obtained from OMNI 1 min data. Units in nT.\n"
        "year mo dy hr mn sc msc dst_sm AL\n"
        "2006 12 14 12 00 00 000     -8.00   -215.00\n"
        "2006 12 14 12 01 00 000  99999.00   99999\n"
        "2006 12 14 12 02 00 000     -9.00   nan\n"
    )
    ix = read_indices(path)
    np.testing.assert_array_equal(ix.sym_h.values, [-8.0, np.nan, -9.0])
    np.testing.assert_array_equal(ix.al.values, [-215.0, np.nan, np.nan])
    assert ix.ds.attrs["fill_values"] == 3
    assert ix.minimum("al") == (-215.0, np.datetime64("2006-12-14T12:00", "ns"))


@pytest.mark.parametrize(
    "text",
    [
        "# my storm\ntime,SYM-H (nT),AL,AU\n"
        "2024-05-10T17:00:00Z,-12,-150,80\n2024-05-10T17:01:00Z,-15,-160,90\n",
        "date time sym_h al\n2024-05-10 17:00:00 -12 -150\n2024-05-10 17:01:00 -15 -160\n",
        "yr mn dy hr min sec SYMH AL\n2024 5 10 17 0 0 -12 -150\n2024 5 10 17 1 0 -15 -160\n",
        "year doy hour minute sym_h al\n2024 131 17 0 -12 -150\n2024 131 17 1 -15 -160\n",
    ],
    ids=["csv-iso", "date-time", "swmf-names", "day-of-year"],
)
def test_plain_tables_with_named_columns(tmp_path, text):
    path = tmp_path / "indices.txt"
    path.write_text(text)
    ix = read_indices(path)
    assert list(ix.time.values) == [np.datetime64("2024-05-10T17:00"), np.datetime64("2024-05-10T17:01")]
    assert ix.sym_h.values.tolist() == [-12.0, -15.0] and ix.al.values.tolist() == [-150.0, -160.0]


def test_a_table_with_only_sym_h_has_al_missing(tmp_path):
    path = tmp_path / "symh.csv"
    path.write_text("time,sym_h\n2024-05-10T17:00,-12\n2024-05-10T17:01,-15\n")
    ix = read_indices(path)
    assert np.isnan(ix.al.values).all() and ix.minimum("al") == (pytest.approx(np.nan, nan_ok=True), None)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "time,kp\n2024-05-10T17:00,3\n",
            r"line 1: cannot identify SYM-H or AL among the columns \['time', 'kp'\]",
        ),
        ("sym_h al\n-12 -150\n", r"line 1: cannot identify the time among the columns"),
        ("just a title\n", "no records"),
        ("2024 5 10 17 0 0 -12 -150\n", "no column line before the first record"),
        ("time,sym_h,al\n2024-05-10T17:00,-12\n", r"line 2: 2 words where the column line has 3"),
        ("time,sym_h,al\n2024-05-10T17:00,-12,abc\n", r"line 2: cannot read the record"),
        ("year mo dy hr mn sym_h\n2024 13 10 17 0 -12\n", r"line 2: cannot read the record \(month must be"),
        (
            "time,sym_h,al\n2024-05-10T17:01,-12,-1\n2024-05-10T17:00,-13,-1\n",
            r"times must increase; record 2",
        ),
        (
            "time,sym_h,al\n2024-05-10T17:00,-3000,-1\n",
            r"SYM-H = -3000 nT .* outside the accepted -2500 to 1000",
        ),
        ("time,sym_h,symh\n2024-05-10T17:00,-3,-1\n", r"two columns mean 'sym_h'"),
    ],
    ids=[
        "no-index",
        "no-time",
        "no-records",
        "no-header",
        "short",
        "word",
        "month",
        "backwards",
        "range",
        "twice",
    ],
)
def test_bad_files_are_clear_errors(tmp_path, text, match):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_indices(path)
    assert str(path) in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_indices(tmp_path / "none.txt")
    path = tmp_path / "binary.txt"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not an ASCII text file"):
        read_indices(path)


def test_the_container_checks_units_times_and_presence():
    t = ["2024-05-10T17:00", "2024-05-10T17:01"]
    with pytest.raises(InputError, match="Quantity in nT"):
        GeomagneticIndices(t, sym_h=[-1.0, -2.0])
    with pytest.raises(InputError, match="SYM-H or AL"):
        GeomagneticIndices(t)
    with pytest.raises(InputError, match="must increase"):
        GeomagneticIndices(t[::-1], al=[-1.0, -2.0] * u.nT)
    with pytest.raises(InputError, match="3 values for 2 times"):
        GeomagneticIndices(t, al=[-1.0, -2.0, -3.0] * u.nT)
    ix = GeomagneticIndices(t, al=[-0.1, -0.2] * u.uT, source="test")
    assert ix.al.values.tolist() == [-100.0, -200.0]
    assert list(ix.select(t[1], "2024-05-10T18:00").time.values) == [np.datetime64(t[1])]
    with pytest.raises(InputError, match="have no record between"):
        ix.select("2024-05-11", "2024-05-12")
