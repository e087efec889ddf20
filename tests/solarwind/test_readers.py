"""Tests of the solar-wind readers on the shipped files and on malformed temporary files.

Reference numbers are those of /work/shared/data/SOURCES.md (record counts, maxima, the Bastille Day
pressure), recounted here independently of the reader with plain text parsing where noted.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from smilekit._data import data_path
from smilekit.errors import DataGapWarning, InputError
from smilekit.frames import transform
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
