"""Tests of the readers of users' own files: OMNI HRO ASCII, OMNI CDF, Qin-Denton-like HDF5, CSV tables,
SWMF #VAR/#TIMEDELAY, the column map, the documented defaults, the provenance, and bad input.

Independent truth: the same numbers are written (tests/data/solarwind_files.py) as an SWMF IMF file, read
by the long-tested SWMF reader, and in each other format; every reader must return the SWMF reader's
numbers. The CDF is also read back with cdflib and spacepy.pycdf directly; the Lopez (1987) default is
checked against spacepy.empiricals' independent implementation (model "L87") and values worked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.solarwind import SolarWind, detect_format, provenance, read_solar_wind
from smilekit.solarwind.readers import (
    QUANTITIES,
    lopez_temperature,
    read_hdf5,
    read_omni_cdf,
    read_omni_hro,
    read_swmf_imf,
    read_table,
)
from testsupport import solarwind_files as files

PRIMARY = ("n", "v_gse", "b_gse", "b_gsm", "t")


@pytest.fixture(scope="module")
def data():
    return files.truth(180)


@pytest.fixture(scope="module")
def swmf(data, tmp_path_factory):
    return read_swmf_imf(files.write_swmf(tmp_path_factory.mktemp("swmf") / "IMF.dat", data))


def _same(a: SolarWind, b: SolarWind, names=PRIMARY, rtol=1e-6):
    np.testing.assert_array_equal(a.time.values, b.time.values)
    for name in names:
        np.testing.assert_allclose(a.ds[name].values, b.ds[name].values, rtol=rtol, atol=1e-4, err_msg=name)


# --- each format against the SWMF reader -------------------------------------------------------------
def test_omni_hro_1min_reads_the_same_numbers_as_the_swmf_file(data, swmf, tmp_path):
    path = files.write_hro(tmp_path / "omni_min2024.asc", data)
    assert detect_format(path) == "omni_hro"
    sw = read_solar_wind(path)
    _same(sw, swmf, ("n", "v_gse", "b_gse", "t"))
    np.testing.assert_allclose(sw.ds["b_gsm"].values, data["b_gsm"])  # OMNI's own GSM columns, kept
    np.testing.assert_array_equal(sw.ds["sym_h"].values, data["sym_h"])
    np.testing.assert_array_equal(sw.ds["al"].values, data["al"])
    record = provenance(sw)
    assert record["format"] == "OMNI HRO ASCII, 1 min (46 words)"
    assert record["columns"]["sym_h"] == "sym_h" and record["defaults"] == {}
    assert "magnetosonic_mach" in record["ignored_columns"]


def test_omni_hro_5min_and_its_fill_values(tmp_path):
    data = files.truth(180, 5)
    path = files.write_hro(
        tmp_path / "omni_5min2024.asc", data, five_min=True, fills={26: [3], 42: [4], 27: [5]}
    )
    sw = read_omni_hro(path)
    assert len(sw) == 36 and provenance(sw)["format"].endswith("(49 words)")
    assert (
        np.isnan(sw.ds["n"].values[3])
        and np.isnan(sw.ds["sym_h"].values[4])
        and np.isnan(sw.ds["t"].values[5])
    )
    assert sw.fill_counts["n"] == 1 and sw.fill_counts["t"] == 1
    assert "word26_proton_density=1" in sw.ds.attrs["fill_values"]
    assert "word42_sym_h=1" in sw.ds.attrs["fill_values"]


def test_omni_cdf_reads_the_same_numbers_as_the_swmf_file(data, swmf, tmp_path):
    path = files.write_omni_cdf(tmp_path / "omni_hro_1min_20240510_v01.cdf", data)
    assert detect_format(path) == "cdf"
    sw = read_solar_wind(path)
    _same(sw, swmf, ("n", "v_gse", "b_gse", "t"))  # float32 in the CDF: 1e-6 relative
    record = provenance(sw)
    assert record["format"] == "CDF (omni_hro_1min)"
    assert record["columns"]["n"] == "proton_density" and record["columns"]["time"] == "Epoch"
    assert "n" not in record.get("conversions", {})  # n/cc and Deg K are the expected units
    np.testing.assert_array_equal(sw.ds["sym_h"].values, data["sym_h"])


def test_omni_cdf_against_cdflib_and_spacepy_reading_it_directly(data, tmp_path):
    import cdflib

    path = files.write_omni_cdf(tmp_path / "omni.cdf", data, fills={"proton_density": [3], "SYM_H": [7]})
    sw = read_omni_cdf(path)
    cdf = cdflib.CDF(str(path))
    n = cdf.varget("proton_density").astype(float)
    fill = float(np.asarray(cdf.varattsget("proton_density")["FILLVAL"]).ravel()[0])
    expected = np.where(np.isclose(n, fill), np.nan, n)
    np.testing.assert_array_equal(sw.ds["n"].values, expected)
    assert np.isnan(sw.ds["sym_h"].values[7]) and sw.fill_counts["n"] == 1
    times = np.asarray(cdflib.cdfepoch.to_datetime(cdf.varget("Epoch")), dtype="datetime64[ns]")
    np.testing.assert_array_equal(sw.time.values, times)
    pycdf = pytest.importorskip("spacepy.pycdf")
    try:
        with pycdf.CDF(str(path)) as independent:
            np.testing.assert_allclose(sw.ds["b_gse"].values[:, 2], independent["BZ_GSE"][...], rtol=1e-6)
            stamps = np.array(independent["Epoch"][...], dtype="datetime64[ns]")
    except pycdf.CDFError as exc:  # pragma: no cover - spacepy without its CDF library
        pytest.skip(f"spacepy.pycdf cannot open CDFs here: {exc}")
    np.testing.assert_array_equal(sw.time.values, stamps)


def test_omni2_hourly_cdf_names_with_flow_angles(tmp_path):
    """OMNI2_H0_MRG1HR names end in 1800 and give the flow as speed and OMNI's angles."""
    import cdflib
    from cdflib.cdfwrite import CDF

    time = np.datetime64("2024-05-10T00:00", "ns") + np.arange(4) * np.timedelta64(1, "h")
    epoch = np.asarray(cdflib.cdfepoch.timestamp_to_cdfepoch(time.astype(np.int64) / 1e9), dtype=float)
    path = tmp_path / "omni2_h0_mrg1hr_20240501_v01.cdf"
    cdf = CDF(str(path))
    spec = {
        "Variable": "Epoch",
        "Data_Type": CDF.CDF_EPOCH,
        "Num_Elements": 1,
        "Rec_Vary": True,
        "Dim_Sizes": [],
    }
    cdf.write_var(spec, var_attrs={"FIELDNAM": "Time"}, var_data=epoch)
    columns = {
        "BX_GSE1800": [1.0, 1.0, 1.0, 999.9],
        "BY_GSM1800": [2.0, 2.0, 2.0, 2.0],
        "BZ_GSM1800": [-3.0, -3.0, -3.0, -3.0],
        "N1800": [5.0, 6.0, 7.0, 8.0],
        "V1800": [400.0, 400.0, 400.0, 400.0],
        "PHI-V1800": [0.0, 10.0, 0.0, 0.0],  # 10 deg: a physical flow (more than 45 deg is refused)
        "THETA-V1800": [0.0, 0.0, 30.0, 0.0],
        "T1800": [1e5, 1e5, 1e5, 1e5],
        "DST1800": [-10.0, -20.0, -30.0, -40.0],
    }
    for name, values in columns.items():
        spec = {
            "Variable": name,
            "Data_Type": CDF.CDF_REAL8,
            "Num_Elements": 1,
            "Rec_Vary": True,
            "Dim_Sizes": [],
        }
        fill = 999.9 if name.startswith("B") else 9999999.0
        unit = {"N1800": "n/cc", "V1800": "km/s", "T1800": "Deg K"}.get(name, "deg" if "-V" in name else "nT")
        cdf.write_var(spec, var_attrs={"FILLVAL": [fill], "UNITS": unit}, var_data=np.array(values))
    cdf.close()
    sw = read_solar_wind(path)
    v = sw.ds["v_gse"].values
    np.testing.assert_allclose(v[0], [-400.0, 0.0, 0.0], atol=1e-9)
    c10, s10 = np.cos(np.radians(10)), np.sin(np.radians(10))
    np.testing.assert_allclose(v[1], [-400.0 * c10, 400.0 * s10, 0.0], atol=1e-9)  # longitude > 0: towards +Y
    np.testing.assert_allclose(v[2], [-400.0 * np.cos(np.radians(30)), 0.0, 200.0], atol=1e-9)
    assert np.isnan(sw.ds["b_gsm"].values[3]).all() and sw.fill_counts["b_gsm"] == 1
    assert sw.ds["dst"].values.tolist() == [-10.0, -20.0, -30.0, -40.0]
    assert (
        "b_gse" not in provenance(sw)["defaults"]
        and provenance(sw)["columns"]["flow_longitude"] == "PHI-V1800"
    )


def test_qin_denton_hdf5_gets_the_documented_defaults(data, tmp_path):
    path = files.write_qin_denton(tmp_path / "QinDenton_20240510_1min.h5", data)
    assert detect_format(path) == "hdf5"
    sw = read_solar_wind(path)
    np.testing.assert_array_equal(sw.time.values, data["time"])
    np.testing.assert_allclose(sw.ds["n"].values, data["n"])
    np.testing.assert_allclose(sw.ds["b_gsm"].values[:, 1:], data["b_gsm"][:, 1:])
    # defaults: Bx 0, radial flow from |V|, Lopez temperature
    assert (sw.ds["b_gsm"].values[:, 0] == 0).all()
    np.testing.assert_allclose(sw.ds["v_gse"].values[:, 0], -data["speed"])
    assert (sw.ds["v_gse"].values[:, 1:] == 0).all()
    np.testing.assert_allclose(sw.ds["t"].values, lopez_temperature(data["speed"]))
    record = provenance(sw)
    json.dumps(record)  # JSON-able
    assert set(record["defaults"]) == {"bx", "v_gse", "t"}
    assert "Lopez" in record["defaults"]["t"] and "10.1029/JA092iA10p11189" in record["defaults"]["t"]
    assert record["columns"] == {
        "time": "UTC",
        "n": "dens",
        "speed": "velo",
        "by_gsm": "ByIMF",
        "bz_gsm": "BzIMF",
        "pdyn": "Pdyn",
        "dst": "Dst",
        "kp": "Kp",
    }
    assert {"G", "W", "Qbits/ByIMF", "Year", "DOY", "Hr"} <= set(record["ignored_columns"])


def test_density_from_pdyn_when_the_file_has_none(data, tmp_path):
    path = files.write_qin_denton(tmp_path / "qd.h5", data, with_density=False)
    sw = read_hdf5(path)
    # OMNI's P = 2e-6 n V^2 inverted; the file's Pdyn is rounded to 0.01 nPa
    expected = data["pdyn"] / (2.0e-6 * data["speed"] ** 2)
    np.testing.assert_allclose(sw.ds["n"].values, expected, rtol=1e-12)
    np.testing.assert_allclose(sw.ds["n"].values, data["n"], rtol=0.01)
    assert "Pdyn / (2e-6 V^2)" in provenance(sw)["defaults"]["n"]
    assert "alpha" in provenance(sw)["defaults"]["n"]


def test_csv_table_with_units_in_brackets(data, swmf, tmp_path):
    path = files.write_csv(tmp_path / "my_storm.csv", data)
    assert detect_format(path) == "table"
    sw = read_table(path)
    np.testing.assert_allclose(sw.ds["t"].values, data["t"], rtol=1e-6)  # eV converted to K
    np.testing.assert_allclose(sw.ds["b_gsm"].values, data["b_gsm"])
    np.testing.assert_allclose(sw.ds["v_gse"].values, swmf.ds["v_gse"].values)
    record = provenance(sw)
    assert record["ignored_columns"] == ["note"] and "eV" in record["conversions"]["t"]


# --- the column map -------------------------------------------------------------------------------
def _plain_table(tmp_path, header="Epoch;Dens;Speed;By;Bz", rows=None):
    rows = rows or [
        "2024-05-10T00:00:00;5;400;1;-2",
        "2024-05-10T00:01:00;6;410;1;-3",
        "2024-05-10T00:02:00;7;420;1;-4",
    ]
    path = tmp_path / "plain.txt"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_plain_by_bz_are_not_guessed_and_a_column_map_says_which(tmp_path):
    path = _plain_table(tmp_path)
    with pytest.raises(
        InputError, match=r"cannot identify the column\(s\) for the IMF.*Epoch, Dens, Speed, By, Bz"
    ):
        read_solar_wind(path)
    sw = read_solar_wind(path, columns="by_gsm=By,bz_gsm=Bz")
    assert sw.ds["b_gsm"].values[:, 2].tolist() == [-2.0, -3.0, -4.0]
    assert provenance(sw)["columns"]["bz_gsm"] == "Bz"
    sw = read_solar_wind(path, columns={"by_gse": "By", "bz_gse": "Bz", "speed": "Speed:m/s"})
    np.testing.assert_allclose(sw.ds["v_gse"].values[:, 0], [-0.4, -0.41, -0.42])
    assert "m/s" in provenance(sw)["conversions"]["speed"]


def test_column_map_errors_list_what_is_accepted(tmp_path):
    path = _plain_table(tmp_path)
    with pytest.raises(InputError, match=r"unknown quantity 'density_p'; accepted: time .*bz_gsm"):
        read_solar_wind(path, columns={"density_p": "Dens"})
    with pytest.raises(InputError, match=r"no such column; its columns: Epoch, Dens, Speed, By, Bz"):
        read_solar_wind(path, columns={"by_gsm": "BY_GSM_nT"})
    with pytest.raises(InputError, match="is not QUANTITY=COLUMN"):
        read_solar_wind(path, columns="by_gsm")
    with pytest.raises(InputError, match="does not convert to K"):
        read_solar_wind(path, columns={"by_gsm": "By", "bz_gsm": "Bz", "t": "Speed:km/s"})
    with pytest.raises(InputError, match="fixed columns"):
        read_solar_wind(files.write_swmf(tmp_path / "IMF.dat", files.truth(3)), columns={"n": "rho"})
    assert set(QUANTITIES) >= {"n", "speed", "bz_gsm", "t", "pdyn", "sym_h", "al"}


# --- defaults ---------------------------------------------------------------------------------------
def test_lopez_temperature_against_spacepy_and_by_hand():
    """Lopez (1987): sqrt(T/1e3 K) = 0.031 V - 5.1 below 500 km/s, 0.02 V + 0.5 above. By hand:
    400 km/s -> 7.3^2 = 53.29e3 K; 700 km/s -> 14.5^2 = 210.25e3 K. spacepy.empiricals implements the
    same tables independently (returns eV; 1 eV = 11604.5221 K in its conversion)."""
    empiricals = pytest.importorskip("spacepy.empiricals")
    np.testing.assert_allclose(lopez_temperature([400.0, 700.0]), [53.29e3, 210.25e3], rtol=1e-12)
    speeds = np.linspace(250.0, 1000.0, 76)
    np.testing.assert_allclose(
        lopez_temperature(speeds), empiricals.getExpectedSWTemp(speeds, model="L87", units="K"), rtol=1e-9
    )
    # below the fitted range: the value at 250 km/s, never the turn-over at 165 km/s
    assert lopez_temperature(150.0) == lopez_temperature(250.0) > 0


# --- SWMF commands -------------------------------------------------------------------------------------
SWMF_VAR = """made with #VAR
#COOR
GSM

#VAR
bx by bz ux uy uz n t F107

{delay}#START
2024 05 10 17 00 27 689 1.5 -2.0 -30.0 -700.0 10.0 -5.0 20.0 300000.0 180.0
2024 05 10 17 01 27 689 1.5 -2.0 -31.0 -710.0 10.0 -5.0 21.0 310000.0 180.0
"""


def test_swmf_var_names_the_columns(tmp_path):
    path = tmp_path / "IMF_var.dat"
    path.write_text(SWMF_VAR.format(delay=""))
    with pytest.warns(UserWarning, match="F107 ignored"):
        sw = read_solar_wind(path)
    assert sw.ds["b_gsm"].values[:, 2].tolist() == [-30.0, -31.0]
    assert sw.ds["n"].values.tolist() == [20.0, 21.0]
    record = provenance(sw)
    assert record["ignored_columns"] == ["F107"] and record["columns"]["n"] == "n"


def test_swmf_timedelay_zero_is_recorded_and_nonzero_refused(tmp_path):
    path = tmp_path / "IMF_delay.dat"
    path.write_text(SWMF_VAR.format(delay="#TIMEDELAY\n0.0\n\n"))
    with pytest.warns(UserWarning, match="F107"):
        sw = read_swmf_imf(path)
    assert provenance(sw)["commands"] == {"#TIMEDELAY": "0 s (no shift)"}
    path.write_text(SWMF_VAR.format(delay="#TIMEDELAY\n3600.0\n\n"))
    with pytest.raises(InputError, match=r"line 9: #TIMEDELAY 3600 s: smilekit does not shift"):
        read_swmf_imf(path)


def test_existing_readers_record_provenance():
    from smilekit._data import data_path

    record = provenance(read_solar_wind(data_path("omni/omni2_2000.dat")))
    assert record["format"] == "OMNI2 hourly ASCII" and record["columns"]["n"].startswith("word 24")
    assert record["defaults"] == {} and record["source"] == "omni2_2000.dat"


# --- bad input ------------------------------------------------------------------------------------------
def _bad_files(tmp_path) -> dict[str, tuple[Path, str]]:
    data = files.truth(3)
    one = {k: v[:1] for k, v in data.items()}
    backwards = {k: v[[0, 2, 1]] for k, v in data.items()}
    duplicated = {k: v[[0, 1, 1, 2]] for k, v in data.items()}
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("when,a,b\n2024-05-10T00:00,1,2\n2024-05-10T00:01,1,2\n")
    return {
        "columns": (unknown, r"no time column found .*its columns: when, a, b"),
        "one record (CDF)": (
            files.write_omni_cdf(tmp_path / "one.cdf", one),
            "1 record\\(s\\); .* at least two",
        ),
        "one record (SWMF)": (files.write_swmf(tmp_path / "one.dat", one), "1 record\\(s\\)"),
        "all fill (HRO)": (
            files.write_hro(tmp_path / "fill.asc", data, fills={26: [0, 1, 2], 28: [0, 1, 2]}),
            r"no record has every quantity present \(n entirely missing\)",
        ),
        "all fill (CDF)": (
            files.write_omni_cdf(
                tmp_path / "fill.cdf", data, fills={"BZ_GSM": [0, 1, 2], "BZ_GSE": [0, 1, 2]}
            ),
            "only fill values",
        ),
        "backwards (HDF5)": (
            files.write_qin_denton(tmp_path / "back.h5", backwards),
            r"record 2: time 2024-05-10T16:01:00.* runs backwards",
        ),
        "backwards (HRO)": (files.write_hro(tmp_path / "back.asc", backwards), "line 3: .*runs backwards"),
        "duplicated (CSV)": (files.write_csv(tmp_path / "dup.csv", duplicated), r"line 4: .* repeats"),
        "not a solar-wind file": (_write(tmp_path / "notes.txt", "hello world\n"), "not a recognised"),
    }


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "case",
    [
        "columns",
        "one record (CDF)",
        "one record (SWMF)",
        "all fill (HRO)",
        "all fill (CDF)",
        "backwards (HDF5)",
        "backwards (HRO)",
        "duplicated (CSV)",
        "not a solar-wind file",
    ],
)
def test_bad_input_is_a_clear_input_error(tmp_path, case):
    path, message = _bad_files(tmp_path)[case]
    with pytest.raises(InputError, match=message):
        read_solar_wind(path)


# --- round trip -----------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    n=st.lists(st.floats(0.1, 200.0), min_size=2, max_size=6),
    bz=st.floats(-80.0, 80.0),
    speed=st.floats(200.0, 2000.0),
)
def test_csv_round_trip(tmp_path_factory, n, bz, speed):
    """Any values written with repr into a CSV come back exactly (units as the reader expects)."""
    path = tmp_path_factory.mktemp("rt") / "rt.csv"
    rows = ["time,n,v,bx,by_gsm,bz_gsm,t"]
    for i, density in enumerate(n):
        rows.append(f"2024-05-10T00:{i:02d}:00,{density!r},{speed!r},0.5,1.0,{bz!r},100000.0")
    path.write_text("\n".join(rows) + "\n")
    sw = read_solar_wind(path)
    assert sw.ds["n"].values.tolist() == n
    assert (sw.ds["b_gsm"].values[:, 2] == bz).all()
    assert (sw.ds["v_gse"].values[:, 0] == -speed).all()
    assert provenance(sw)["defaults"] == {"v_gse": provenance(sw)["defaults"]["v_gse"]}
