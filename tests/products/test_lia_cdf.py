"""LIA L1 (counts) and L2 (moments) CDFs: spacepy's ISTP checks, names, a lossless round trip, the
moments remade from the L1 file, bad input refused."""

from __future__ import annotations

import re

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import ProductError
from smilekit.instruments.lia import QUALITY_BITS, Population, compute_moments, simulate_counts
from smilekit.products.insitu_cdf import (
    lia_l1_dataset,
    lia_l2_dataset,
    lia_product_name,
    read_lia_l1,
    read_lia_l2,
    write_lia_l1,
    write_lia_l2,
)
from smilekit.products.names import parse_product_name

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")
cdflib = pytest.importorskip("cdflib")

# As for MAG (test_mag_cdf.py): CDAWeb's vector products are (record, 3) time series with labels; spacepy
# wants every multi-dimensional variable to be a spectrogram.
ACCEPTED = ("Multi dim variable with time_series display type",)
T0 = np.datetime64("2026-03-20T06:00", "ns")
B = [0.3, -0.5, 0.81]
L2_VARIABLES = [
    f"{m}_{s}{e}"
    for s in "pa"
    for m in ("density", "temperature", "t_par", "t_perp", "pressure", "velocity", "heat_flux")
    for e in ("", "_uncertainty")
] + ["counts_p", "counts_a", "quality_flag"]


@pytest.fixture(scope="module")
def levels():
    """Three 4-s distributions of a solar-wind beam with 4 % alphas; the last so tenuous that LIA sees
    (almost) nothing: its moments are NaN, flagged no_counts."""
    n = 3
    density = np.array([6.0, 6.0, 1e-6])
    v = np.tile([-400.0, 20.0, 0.0], (n, 1)) * u.km / u.s
    pops = [
        Population("proton", density / u.cm**3, v, 1e5 * u.K, 1e5 * u.K, B),
        Population("alpha", 0.04 * density / u.cm**3, v, 4e5 * u.K, 4e5 * u.K, B),
    ]
    time = T0 + np.arange(n) * np.timedelta64(4, "s")
    counts = simulate_counts(pops, 3, time=time)
    return counts, compute_moments(counts, B)


@pytest.fixture(scope="module")
def files(levels, tmp_path_factory):
    counts, moments = levels
    folder = tmp_path_factory.mktemp("lia")
    return (
        write_lia_l1(folder / lia_product_name("l1", T0), counts),
        write_lia_l2(folder / lia_product_name("l2", T0), moments),
    )


def test_the_fixture_has_a_flagged_empty_distribution(levels):
    _, moments = levels
    assert np.isnan(moments["density_p"].values[2])
    assert int(moments["quality_flag"].values[2]) & QUALITY_BITS["no_counts"]
    assert np.isfinite(moments["density_p"].values[:2]).all()


def test_names_follow_the_mission_rule(files):
    p1, p2 = files
    assert p1.name == "smile_lia_l1_counts_20260320T060000_v01.cdf"
    assert p2.name == "smile_lia_l2_moments_20260320T060000_v01.cdf"
    parsed = parse_product_name(p2)
    assert (parsed.instrument, parsed.level, parsed.descriptor) == ("lia", "l2", "moments")
    with pytest.raises(ProductError, match="l3"):
        lia_product_name("l3", T0)


def test_istp_checks_of_spacepy_pass(files):
    for path in files:
        with pycdf.CDF(str(path)) as cdf:
            errors = [e for e in istp.FileChecks.all(cdf) if not any(a in e for a in ACCEPTED)]
            assert errors == [], path.name
            assert cdf["Epoch"].type() == pycdf.const.CDF_TIME_TT2000.value


def test_l1_round_trip_is_exact_and_the_moments_remade_from_it_are_the_same(levels, files):
    counts, moments = levels
    back = read_lia_l1(files[0])
    np.testing.assert_array_equal(back["time"].values, counts["time"].values)
    for name in ("energy", "elevation", "azimuth"):
        np.testing.assert_array_equal(back[name].values, counts[name].values)
    for name in ("counts", "quality_flag", "spacecraft_potential"):
        np.testing.assert_array_equal(back[name].values, counts[name].values)
    assert back["counts"].dims == ("time", "energy", "elevation", "azimuth")
    assert back["counts"].dtype == np.int32 and back["quality_flag"].dtype == np.uint8
    assert back.attrs["accumulation_s"] == counts.attrs["accumulation_s"]
    again = compute_moments(back, B)
    for name in L2_VARIABLES:
        np.testing.assert_array_equal(again[name].values, moments[name].values, err_msg=name)


def test_l1_file_attributes(files):
    cdf = cdflib.CDF(str(files[0]))
    attrs = cdf.varattsget("counts")
    assert [attrs[f"DEPEND_{i}"] for i in range(4)] == ["Epoch", "energy", "elevation", "azimuth"]
    assert attrs["DISPLAY_TYPE"] == "spectrogram" and attrs["UNITS"] == "counts"
    assert cdf.varattsget("energy")["UNITS"] == "eV"
    assert "no_counts" in cdf.varattsget("quality_flag")["FLAG_BITS"]
    assert cdf.globalattsget()["Logical_source"] == ["smile_lia_l1_counts"]


def test_l2_round_trip_is_exact_with_nan_as_fill(levels, files):
    _, moments = levels
    back = read_lia_l2(files[1])
    for name in L2_VARIABLES:
        np.testing.assert_array_equal(back[name].values, moments[name].values, err_msg=name)
    cdf = cdflib.CDF(str(files[1]))
    assert cdf.varget("density_p")[2] == -1e31  # NaN moment: fill in the file, NaN back
    attrs = cdf.varattsget("velocity_p")
    assert attrs["DELTA_PLUS_VAR"] == attrs["DELTA_MINUS_VAR"] == "velocity_p_uncertainty"
    assert attrs["UNITS"] == "km/s" and attrs["COORDINATE_SYSTEM"] == "LIA"
    assert cdf.varattsget("density_a")["DELTA_PLUS_VAR"] == "density_a_uncertainty"
    assert cdf.varattsget("density_a_uncertainty")["VAR_TYPE"] == "support_data"
    assert back["velocity_p"].attrs["frame"] == "LIA" and back["t_par_p"].attrs["units"] == "K"


def test_a_single_record_round_trips(levels, tmp_path):
    counts, moments = levels
    one = counts.isel(time=[0])
    back = read_lia_l1(write_lia_l1(tmp_path / lia_product_name("l1", T0), one))
    np.testing.assert_array_equal(back["counts"].values, one["counts"].values)
    back = read_lia_l2(write_lia_l2(tmp_path / lia_product_name("l2", T0), moments.isel(time=[0])))
    np.testing.assert_array_equal(back["velocity_a"].values, moments["velocity_a"].values[:1])


def test_bad_input_is_refused(levels, tmp_path):
    counts, moments = levels
    with pytest.raises(ProductError, match=r"lacks \['counts'\]"):
        lia_l1_dataset(counts.drop_vars("counts"))
    with pytest.raises(ProductError, match="density_a_uncertainty"):
        lia_l2_dataset(moments.drop_vars("density_a_uncertainty"))
    with pytest.raises(ProductError, match="moments Dataset"):
        lia_l2_dataset(counts)
    with pytest.raises(ProductError, match="datetime64"):
        lia_l1_dataset(counts.assign_coords(time=np.arange(3)))
    with pytest.raises(ProductError, match="increasing"):
        lia_l1_dataset(counts.isel(time=[1, 0]))
    bad = counts.copy(deep=True)
    bad["counts"][0, 0, 0, 0] = -1
    with pytest.raises(ProductError, match=">= 0"):
        lia_l1_dataset(bad)
    bad = counts.copy(deep=True)
    bad["quality_flag"][0] = 300
    with pytest.raises(ProductError, match=r"0\.\.254"):
        lia_l1_dataset(bad)


def test_bad_files_are_refused_naming_the_file(levels, tmp_path):
    counts, _ = levels
    broken = tmp_path / "smile_lia_l2_moments_20260320T060000_v01.cdf"
    broken.write_text("not a cdf")
    with pytest.raises(ProductError, match=re.escape(broken.name)):
        read_lia_l2(broken)
    l1 = write_lia_l1(tmp_path / lia_product_name("l1", T0), counts.isel(time=[0, 1]))
    with pytest.raises(ProductError, match=re.escape(f"{l1.name} is not a LIA L2")):
        read_lia_l2(l1)
