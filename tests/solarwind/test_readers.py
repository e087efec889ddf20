"""Tests of the solar-wind readers on the shipped files and on malformed temporary files.

Reference numbers are those of /work/shared/data/SOURCES.md (record counts, maxima, the Bastille Day
pressure), recounted here independently of the reader with plain text parsing where noted.
"""

from __future__ import annotations

import datetime as dt

import astropy.units as u
import numpy as np
import pytest
from spacepy.pybats import ImfInput

from smilekit._data import data_path
from smilekit.errors import DataGapWarning, IgnoredColumnsWarning, InputError
from smilekit.frames import transform
from smilekit.solarwind.gaps import fill_gaps, regularize
from smilekit.solarwind.readers import detect_format, read_omni2, read_solar_wind, read_swmf_imf

EVENT07 = data_path("events/2015-06-21_highdensity_OMNI1min_GSE.dat")
HALLOWEEN = data_path("events/2003-10-29_halloween_IMF_GSM_propagated.dat")
EVENT02 = data_path("events/2006-12-14_CME_OMNI1min_GSE.dat")
OMNI2000 = data_path("omni/omni2_2000.dat")

SWMF_HEADER = """Test file

#COORDINATES
{frame}

year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T
#START
"""
GOOD_RECORD = "2015 06 21 15 00 00 000  -1.46 -0.24 0.60 -280.80 -15.10 -17.50 11.95 9758.00\n"


def _swmf(tmp_path, records, frame="GSE", header=SWMF_HEADER):
    path = tmp_path / "IMF.dat"
    path.write_text(header.format(frame=frame) + "".join(records))
    return path


@pytest.fixture(scope="module")
def omni():
    return read_omni2(OMNI2000)


@pytest.fixture(scope="module")
def event07():
    return read_swmf_imf(EVENT07)


# --- shipped files ------------------------------------------------------------------------------------
def test_event07_counts_and_maximum_density(event07):
    """SOURCES.md: 3742 of 4861 minutes remain, n up to 65.9 cm^-3 (the header says so too)."""
    assert len(event07) == 3742
    assert "Final   number of points = 3742" in event07.ds.attrs["file_header"]
    assert float(event07.ds["n"].max()) == pytest.approx(65.87, abs=0.005)
    assert round(float(event07.ds["n"].max()), 1) == 65.9
    assert event07.fill_counts == {"n": 0, "v_gse": 0, "b_gse": 0, "b_gsm": 0, "t": 0}
    assert event07.ds.attrs["frame_of_origin"] == "GSE"
    assert event07.time.values[0] == np.datetime64("2015-06-21T15:00")
    assert event07.time.values[-1] == np.datetime64("2015-06-24T23:41")
    # first record as in the file: Bx By Bz Ux Uy Uz Rho T
    np.testing.assert_allclose(event07.ds["b_gse"].values[0], [-1.46, -0.24, 0.60])
    np.testing.assert_allclose(event07.ds["v_gse"].values[0], [-280.80, -15.10, -17.50])
    assert event07.ds["t"].values[0] == 9758.0


def test_event02_and_halloween_counts():
    cme = read_swmf_imf(EVENT02)
    assert len(cme) == 2068  # header: "Final number of points = 2068"
    halloween = read_swmf_imf(HALLOWEEN)
    records = HALLOWEEN.read_text().split("#START", 1)[1].split("\n")
    assert len(halloween) == sum(1 for line in records if line.strip()) == 10612
    assert halloween.ds.attrs["frame_of_origin"] == "GSM"
    # SOURCES.md: n up to 26.5 cm^-3, Bz GSM down to -66 nT; the sheath's 1.4e7 K is data, not fill
    assert round(float(halloween.ds["n"].max()), 1) == 26.5
    assert round(float(halloween.ds["b_gsm"].sel(component="z").min())) == -66
    assert float(halloween.ds["t"].max()) == pytest.approx(14433939.0)
    assert halloween.fill_counts["t"] == 0


def test_gsm_file_is_converted_to_gse_and_back():
    """A GSM file keeps its field as b_gsm; v and B are rotated to GSE, and back they come."""
    sw = read_swmf_imf(HALLOWEEN)
    table = np.loadtxt(HALLOWEEN, skiprows=7)
    np.testing.assert_allclose(sw.ds["b_gsm"].values, table[:, 7:10])
    v_gsm_back = transform(sw.v_gse, sw.time.values, "GSE", "GSM").to_value(u.km / u.s)
    np.testing.assert_allclose(v_gsm_back, table[:, 10:13], atol=1e-9)
    b_gsm_back = transform(sw.b_gse, sw.time.values, "GSE", "GSM").to_value(u.nT)
    np.testing.assert_allclose(b_gsm_back, table[:, 7:10], atol=1e-9)
    # GSE differs from GSM by a rotation about X: x unchanged, y-z norm unchanged
    np.testing.assert_allclose(sw.ds["b_gse"].values[:, 0], table[:, 7], atol=1e-12)
    np.testing.assert_allclose(
        np.hypot(*sw.ds["b_gse"].values[:, 1:].T), np.hypot(*table[:, 8:10].T), rtol=1e-12
    )


def test_omni2_rows_fills_and_bastille_day(omni):
    """SOURCES.md: 8784 rows; Pdyn 41.2 nPa at DOY 197 19 UT; Dst -300 nT at DOY 198 00 UT."""
    assert len(omni) == 8784
    bastille = np.datetime64("2000-01-01T19:00") + np.timedelta64(196, "D")
    assert bastille == np.datetime64("2000-07-15T19:00")
    assert float(omni.ds["omni_pdyn"].sel(time=bastille)) == 41.2
    assert float(omni.pdyn.sel(time=bastille)) == pytest.approx(41.2, abs=0.005)
    assert float(omni.ds["dst"].sel(time=np.datetime64("2000-07-16T00:00"))) == -300.0
    # fill counts recounted from the raw text: word 24 (density) is 999.9 where missing
    words = [line.split() for line in OMNI2000.read_text().splitlines()]
    n_fill = sum(1 for w in words if w[23] == "999.9")
    v_fill = sum(1 for w in words if w[24] == "9999." or w[25] == "999.9" or w[26] == "999.9")
    assert n_fill > 0
    assert omni.fill_counts["n"] == n_fill
    assert omni.fill_counts["v_gse"] == v_fill
    assert np.isnan(omni.ds["n"].values).sum() == n_fill
    assert f"word24_n={n_fill}" in omni.ds.attrs["fill_values"]


def test_omni2_velocity_from_speed_and_angles(omni):
    """|V| is word 25; the flow angles (words 26, 27) give the direction, quasi-GSE (format description)."""
    words = OMNI2000.read_text().splitlines()[0].split()
    speed, lon, lat = float(words[24]), np.radians(float(words[25])), np.radians(float(words[26]))
    v = omni.ds["v_gse"].values[0]
    assert np.linalg.norm(v) == pytest.approx(speed)
    assert v[0] < 0
    assert v[1] == pytest.approx(speed * np.cos(lat) * np.sin(lon))
    assert v[2] == pytest.approx(speed * np.sin(lat))


def test_omni2_gsm_agrees_with_smilekit_rotation_at_mid_hour(omni):
    """OMNI's GSM field (words 16-17, from Geopack) equals smilekit.frames' GSE->GSM rotation of its GSE
    field at the centre of each hour, to OMNI's 0.1 nT rounding (each field rounded to 0.05 nT, so the
    difference is at most ~0.1 nT). Measured: max 0.050 nT over 8784 hours."""
    mid = omni.time.values + np.timedelta64(30, "m")
    ours = transform(omni.b_gse, mid, "GSE", "GSM").to_value(u.nT)
    diff = np.abs(ours - omni.ds["b_gsm"].values)
    assert np.nanmax(diff) <= 0.1


def test_read_solar_wind_detects_the_format(tmp_path):
    assert detect_format(OMNI2000) == "omni2"
    assert detect_format(EVENT02) == "swmf_imf"
    assert len(read_solar_wind(EVENT02)) == 2068
    text = tmp_path / "notes.txt"
    text.write_text("just some text\n1 2 3\n")
    with pytest.raises(InputError, match="not a recognised"):
        read_solar_wind(text)
    with pytest.raises(InputError, match="does not exist"):
        read_solar_wind(tmp_path / "missing.dat")


# --- malformed files --------------------------------------------------------------------------------
def test_malformed_swmf_record_names_file_and_line(tmp_path):
    path = _swmf(
        tmp_path, [GOOD_RECORD, "2015 06 21 15 01 00 000  -1.38 -0.23 oops -280.2 -15.7 -17.9 12.0 9908\n"]
    )
    with pytest.raises(InputError, match=r"IMF\.dat, line 9: not a number: '2015 06 21 15 01 00 000 .*oops"):
        read_swmf_imf(path)
    short = _swmf(tmp_path, [GOOD_RECORD, "2015 06 21 15 01 00 000 -1.38\n"])
    with pytest.raises(InputError, match=r"line 9: an SWMF IMF record has 15 numbers, this one 8"):
        read_swmf_imf(short)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("2015 06 21 15 01 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 -3.0 9908\n", "negative or zero density"),
        (
            "2015 06 21 15 01 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 12.0 -5\n",
            "negative or zero temperature",
        ),
        ("2015 02 30 15 01 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 12.0 9908\n", "no such day"),
        ("2015 06 21 25 01 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 12.0 9908\n", "date or time out of range"),
        ("2015 06 21 14 59 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 12.0 9908\n", "time not after"),
    ],
)
def test_bad_swmf_values_name_the_line(tmp_path, record, message):
    path = _swmf(tmp_path, [GOOD_RECORD, record])
    with pytest.raises(InputError, match=rf"line 9: {message}"):
        read_swmf_imf(path)


def test_swmf_header_problems(tmp_path):
    with pytest.raises(InputError, match=r"line 4: unknown frame 'HCI'"):
        read_swmf_imf(_swmf(tmp_path, [GOOD_RECORD], frame="HCI"))
    with pytest.raises(InputError, match="no #COORDINATES"):
        read_swmf_imf(_swmf(tmp_path, [GOOD_RECORD], header="text\n#START\n"))
    with pytest.raises(InputError, match="no #START"):
        read_swmf_imf(_swmf(tmp_path, [GOOD_RECORD], header="text only\n"))
    with pytest.raises(InputError, match="no records"):
        read_swmf_imf(_swmf(tmp_path, []))


def test_swmf_fill_values_become_nan_and_are_counted(tmp_path):
    records = [
        GOOD_RECORD,
        "2015 06 21 15 01 00 000 9999.99 9999.99 9999.99 -280.2 -15.7 -17.9 999.99 9999999.\n",
        "2015 06 21 15 02 00 000 -1.4 -0.2 0.7 -280.2 -15.7 -17.9 12.0 9908\n",
    ]
    path = _swmf(tmp_path, records)
    sw = read_swmf_imf(path)
    assert sw.fill_counts == {"n": 1, "v_gse": 0, "b_gse": 1, "b_gsm": 1, "t": 1}
    assert np.isnan(sw.ds["n"].values[1])
    with pytest.warns(DataGapWarning, match="fill values"):
        read_swmf_imf(path, warn_gaps=True)


def test_malformed_omni2_line(tmp_path):
    lines = OMNI2000.read_text().splitlines()[:3]
    bad = lines[1].split()
    bad[23] = "x.y"
    path = tmp_path / "omni2_bad.dat"
    path.write_text("\n".join([lines[0], " ".join(bad), lines[2]]) + "\n")
    with pytest.raises(InputError, match=r"omni2_bad\.dat, line 2: not a number"):
        read_omni2(path)
    path.write_text(lines[0] + "\n" + " ".join(lines[1].split()[:20]) + "\n")
    with pytest.raises(InputError, match=r"line 2: an OMNI2 record has at least 55 words, this one 20"):
        read_omni2(path)
    neg = lines[0].split()
    neg[23] = "-2.9"
    path.write_text(" ".join(neg) + "\n")
    with pytest.raises(InputError, match=r"line 1: negative or zero density -2.9"):
        read_omni2(path)


# --- SWMF files as users have them: extra columns, other spellings, irregular times ----------------------
GANNON_HEADER = """Gannon-storm-like test file written by the smilekit tests: ACE data propagated to
the bow shock nose (irregular times with milliseconds), F10.7 (sfu) appended as in community validation
event files

#COORDINATES
GSM

year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T F10.7
#START
"""
GANNON_COLUMN_LINE = 8


def _irregular_times(size, seed=2024):
    """Record times at a nominal 16 s with +-0.4 s of jitter and millisecond fractions, from 17:00:27.689."""
    rng = np.random.default_rng(seed)
    jitter = rng.integers(-400, 401, size)
    return np.datetime64("2024-05-10T17:00:27.689", "ms") + (np.arange(size) * 16_000 + jitter).astype(
        "timedelta64[ms]"
    )


def _swmf_time(t: np.datetime64) -> str:
    """The seven SWMF time fields of a datetime64[ms]."""
    d = t.astype("datetime64[us]").item()
    return f"{d:%Y %m %d %H %M %S} {d.microsecond // 1000:03d}"


def _gannon_like(tmp_path, size=40, seed=2024):
    """A GSM file with an F10.7 column and irregular times: the path, the times and the columns written
    (Bx By Bz Ux Uy Uz Rho T F10.7, as the text has them)."""
    rng = np.random.default_rng(seed)
    times = _irregular_times(size, seed)
    values = np.column_stack(
        [
            rng.uniform(-45.0, 45.0, (size, 3)),
            rng.uniform(-950.0, -600.0, size),
            rng.uniform(-60.0, 60.0, (size, 2)),
            rng.uniform(3.0, 45.0, size),
            rng.uniform(1e5, 2e6, size),
            rng.uniform(180.0, 230.0, size),
        ]
    )
    text = [
        f"{_swmf_time(t)} " + " ".join(f"{v:.2f}" for v in row) for t, row in zip(times, values, strict=True)
    ]
    path = tmp_path / "IMF.dat"
    path.write_text(GANNON_HEADER + "\n".join(text) + "\n")
    written = np.array([[float(word) for word in line.split()[7:]] for line in text])
    return path, times, written


def test_gannon_like_file_extra_column_ignored_and_said_so(tmp_path):
    """The F10.7 column is skipped, named in the warning and in the provenance; every value read is the
    value written, in its column; the times are the written ones to the nanosecond."""
    path, times, written = _gannon_like(tmp_path)
    with pytest.warns(
        IgnoredColumnsWarning, match=rf"IMF\.dat, line {GANNON_COLUMN_LINE}: column\(s\) F10\.7 ignored"
    ):
        sw = read_swmf_imf(path)
    assert sw.ds.attrs["ignored_columns"] == "F10.7"
    assert sw.ds.attrs["frame_of_origin"] == "GSM"
    np.testing.assert_array_equal(sw.time.values, times.astype("datetime64[ns]"))
    steps = np.diff(sw.time.values) / np.timedelta64(1, "ms")
    assert steps.min() < 16_000 < steps.max()  # irregular, as written
    np.testing.assert_allclose(sw.ds["b_gsm"].values, written[:, 0:3], rtol=1e-15)
    np.testing.assert_allclose(sw.ds["n"].values, written[:, 6], rtol=1e-15)
    np.testing.assert_allclose(sw.ds["t"].values, written[:, 7], rtol=1e-15)
    v_gsm = transform(sw.v_gse, sw.time.values, "GSE", "GSM").to_value(u.km / u.s)
    np.testing.assert_allclose(v_gsm, written[:, 3:6], atol=1e-9)
    # F10.7 (180-230 sfu) became no variable and went into no other column
    assert set(sw.ds.data_vars) == {"n", "v_gse", "b_gse", "b_gsm", "t"}
    assert not np.isin(written[:, 8], sw.ds["t"].values).any()
    # read_solar_wind recognises the file and reads it the same way
    with pytest.warns(IgnoredColumnsWarning, match="F10.7"):
        again = read_solar_wind(path)
    assert again.ds.identical(sw.ds)


@pytest.mark.parametrize("seed", [0, 5])  # the last record 0.64 s early against the first, 3 ms late
def test_gannon_like_file_regularised_keeps_every_record(tmp_path, seed):
    """Read, regularised to 16 s and gap-filled as the main job does: one grid time per record, from the
    first record to the last record's grid time, every value measured (none interpolated or lost). With
    the last record early against the first, the grid used to end one step short and drop it."""
    path, times, written = _gannon_like(tmp_path, size=120, seed=seed)
    with pytest.warns(IgnoredColumnsWarning):
        sw = read_swmf_imf(path)
    prepared = fill_gaps(regularize(sw, "16s"), max_gap="10min")
    grid = prepared.time.values
    assert grid[0] == times[0]
    assert len(prepared) == len(times)
    assert np.abs(grid - times.astype("datetime64[ns]")).max() <= np.timedelta64(800, "ms")
    assert prepared.ds["quality"].attrs["count_measured"] == len(times)
    np.testing.assert_allclose(prepared.ds["n"].values, written[:, 6], rtol=1e-15)
    np.testing.assert_allclose(prepared.ds["b_gsm"].values, written[:, 0:3], rtol=1e-15)


def test_swmf_columns_by_name_in_any_order_and_their_other_spellings(tmp_path):
    """SWMF's own scripts write 'yr mn dy hr min sec msec bx by bz vx vy vz dens temp' (mn: the month)
    and '#COOR'; data columns in another order, with two unknown ones among them, are read by name."""
    record = {
        "bx": 1.5,
        "by": -2.25,
        "bz": -30.5,
        "ux": -710.0,
        "uy": 12.0,
        "uz": -8.0,
        "rho": 17.5,
        "t": 3.2e5,
    }
    header = "yr mn dy hr min sec msec bx by bz vx vy vz dens temp"
    path = tmp_path / "IMF.dat"
    values = " ".join(str(record[k]) for k in ("bx", "by", "bz", "ux", "uy", "uz", "rho", "t"))
    # two records: a series needs at least two
    path.write_text(
        f"OMNI file\n{header}\n#COOR\nGSE\n#START\n2024 05 10 17 00 27 689 {values}\n"
        f"2024 05 10 17 01 27 689 {values}\n"
    )
    sw = read_swmf_imf(path)  # nothing ignored, nothing warned
    assert sw.time.values[0] == np.datetime64("2024-05-10T17:00:27.689", "ns")
    assert "ignored_columns" not in sw.ds.attrs
    np.testing.assert_array_equal(sw.ds["b_gse"].values[0], [1.5, -2.25, -30.5])
    np.testing.assert_array_equal(sw.ds["v_gse"].values[0], [-710.0, 12.0, -8.0])
    assert (float(sw.ds["n"].values[0]), float(sw.ds["t"].values[0])) == (17.5, 3.2e5)

    shuffled = "YEAR MO DY HR MN SC MSC T Np/Na Rho Bz By Bx Vz Vy Vx SYM-H"
    order = ("t", None, "rho", "bz", "by", "bx", "uz", "uy", "ux", None)
    values = " ".join("0.04" if k is None else str(record[k]) for k in order)
    path.write_text(
        f"#COORDINATES\nGSE\n{shuffled}\n#START\n2024 05 10 17 00 27 689 {values}\n"
        f"2024 05 10 17 01 27 689 {values}\n"
    )
    with pytest.warns(IgnoredColumnsWarning, match=r"line 3: column\(s\) Np/Na, SYM-H ignored"):
        sw = read_swmf_imf(path)
    assert sw.ds.attrs["ignored_columns"] == "Np/Na, SYM-H"
    np.testing.assert_array_equal(sw.ds["b_gse"].values[0], [1.5, -2.25, -30.5])
    np.testing.assert_array_equal(sw.ds["v_gse"].values[0], [-710.0, 12.0, -8.0])
    assert (float(sw.ds["n"].values[0]), float(sw.ds["t"].values[0])) == (17.5, 3.2e5)


def test_swmf_file_written_by_spacepy_keeps_its_millisecond_times(tmp_path):
    """spacepy's ImfInput (an independent writer: '#COOR', no column line, times rounded to the ms)."""
    times = _irregular_times(12, seed=7)
    imf = ImfInput(load=False, npoints=times.size)
    imf["time"][:] = [t.astype("datetime64[us]").item() for t in times]
    rng = np.random.default_rng(7)
    columns = {
        "bx": rng.uniform(-20, 20, times.size),
        "by": rng.uniform(-20, 20, times.size),
        "bz": rng.uniform(-20, 20, times.size),
        "ux": rng.uniform(-800, -300, times.size),
        "uy": rng.uniform(-30, 30, times.size),
        "uz": rng.uniform(-30, 30, times.size),
        "n": rng.uniform(1, 30, times.size),
        "t": rng.uniform(2e4, 5e5, times.size),
    }
    for name, values in columns.items():
        imf[name][:] = values
    imf.attrs["coor"] = "GSE"
    path = tmp_path / "spacepy_imf.dat"
    imf.write(str(path))
    sw = read_swmf_imf(path)
    np.testing.assert_array_equal(sw.time.values, times.astype("datetime64[ns]"))
    assert isinstance(imf["time"][0], dt.datetime)
    b = np.column_stack([columns["bx"], columns["by"], columns["bz"]])
    v = np.column_stack([columns["ux"], columns["uy"], columns["uz"]])
    np.testing.assert_allclose(sw.ds["b_gse"].values, b, atol=0.005)  # spacepy writes %10.2f
    np.testing.assert_allclose(sw.ds["v_gse"].values, v, atol=0.005)
    np.testing.assert_allclose(sw.ds["n"].values, columns["n"], atol=0.005)
    np.testing.assert_allclose(sw.ds["t"].values, columns["t"], atol=0.005)


@pytest.mark.parametrize(
    ("column_line", "why"),
    [
        ("year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Np T", "no column for rho"),
        ("year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho n T", "'Rho' and 'n' both name rho"),
        (
            "year doy hr mn sc msc Bx By Bz Ux Uy Uz Rho T",
            "the first seven must be the time columns, found 'year doy hr mn sc msc Bx'",
        ),
    ],
)
def test_swmf_columns_that_cannot_be_identified_are_an_error(tmp_path, column_line, why):
    header = SWMF_HEADER.replace("year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T", column_line)
    with pytest.raises(InputError) as caught:
        read_swmf_imf(_swmf(tmp_path, [GOOD_RECORD], header=header))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'IMF.dat'}, line 6: cannot identify the SWMF IMF columns ({why})")
    assert "accepted: the time columns year|yr mo|mn|month" in message
    assert "rho|n|dens|density t|temp|temperature in any order" in message
    assert message.endswith(f"{column_line!r}")  # what was found


def test_swmf_record_without_its_extra_column_names_the_column_line(tmp_path):
    path, _, _ = _gannon_like(tmp_path, size=3)
    lines = path.read_text().splitlines()
    lines[-1] = " ".join(lines[-1].split()[:-1])  # the last record lost its F10.7
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputError,
        match=rf"line {len(lines)}: an SWMF IMF record has 16 numbers, this one 15 \(the column line, "
        rf"line {GANNON_COLUMN_LINE}, names 16\)",
    ):
        read_swmf_imf(path)
