"""The UVI L3 CDF: spacepy's ISTP checks, a lossless round trip through cdflib, the flags described."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.products.names import product_name
from smilekit.products.uvi_l3_cdf import uvi_l3_dataset, write_uvi_l3_cdf
from smilekit.science.aurora import (
    FLAG_EDGE,
    FLAG_FOUND,
    FLAG_NONE,
    FLAG_UNSEEN,
    image_boundaries,
    image_hemispheric_power,
)
from testsupport.uvi import l2_map

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")
cdflib = pytest.importorskip("cdflib")

T0 = np.datetime64("2026-06-21T12:00:00", "ns")
TIMES = T0 + np.timedelta64(1, "m") * np.arange(3)


@pytest.fixture(scope="module")
def frames():
    maps = [l2_map(TIMES[0], 68.0), l2_map(TIMES[1], 66.0, seen_hours=12.0), l2_map(TIMES[2], 88.0)]
    return [image_boundaries(m) for m in maps], [image_hemispheric_power(m) for m in maps]


@pytest.fixture()
def path(frames, tmp_path):
    name = product_name("uvi", "l3", "boundaries", TIMES[0], ext="cdf")
    assert name == "smile_uvi_l3_boundaries_20260621T120000_v01.cdf"
    return write_uvi_l3_cdf(tmp_path / name, *frames)


def test_istp_checks_of_spacepy_pass(path):
    with pycdf.CDF(str(path)) as cdf:
        assert list(istp.FileChecks.all(cdf)) == []
        assert cdf["Epoch"].type() == pycdf.const.CDF_TIME_TT2000.value


def test_round_trip(frames, path):
    boundaries, power = frames
    cdf = cdflib.CDF(str(path))
    np.testing.assert_array_equal(cdflib.cdfepoch.to_datetime(cdf.varget("Epoch")), TIMES)
    np.testing.assert_array_equal(cdf.varget("mlt_sector"), boundaries[0]["mlt"].values)
    fill = -1e31
    for name, source in (
        ("equatorward_mlat", "equatorward_mlat"),
        ("poleward_mlat", "poleward_mlat"),
        ("equatorward_mlat_sigma", "equatorward_mlat_err"),
        ("sector_coverage", "sector_coverage"),
    ):
        expected = np.stack([b[source].values for b in boundaries])
        np.testing.assert_array_equal(cdf.varget(name), np.where(np.isfinite(expected), expected, fill), name)
    for name in ("equatorward_flag", "poleward_flag"):
        np.testing.assert_array_equal(cdf.varget(name), np.stack([b[name].values for b in boundaries]))
    np.testing.assert_array_equal(cdf.varget("hemispheric_power"), [float(p.electron_power) for p in power])
    np.testing.assert_array_equal(
        cdf.varget("hemispheric_power_sigma"), [float(p.electron_power_err) for p in power]
    )
    assert cdf.varattsget("equatorward_mlat")["UNITS"] == "deg"
    assert cdf.varattsget("hemispheric_power")["UNITS"] == "GW"
    assert cdf.globalattsget()["Logical_file_id"] == [path.stem]


def test_the_frames_flags_are_those_expected(path):
    cdf = cdflib.CDF(str(path))
    eq, pole = cdf.varget("equatorward_flag"), cdf.varget("poleward_flag")
    assert (eq[0] == FLAG_FOUND).all() and (pole[0] == FLAG_FOUND).all()  # a whole oval seen
    assert (eq[1, 12:] == FLAG_UNSEEN).all() and (eq[1, :12] == FLAG_FOUND).all()  # half the frame seen
    assert (pole[2] == FLAG_EDGE).all()  # the band reaches the map's top
    np.testing.assert_allclose(cdf.varget("equatorward_mlat")[0], 64.0, atol=0.5)


def test_flag_attributes_describe_every_value(path):
    cdf = cdflib.CDF(str(path))
    for name in ("equatorward_flag", "poleward_flag"):
        attrs = cdf.varattsget(name)
        np.testing.assert_array_equal(attrs["FLAG_VALUES"], [0, 1, 2, 3])
        # the science module's flag values are the ones the file documents, each with its own meaning
        assert (FLAG_FOUND, FLAG_NONE, FLAG_EDGE, FLAG_UNSEEN) == (0, 1, 2, 3)
        meanings = dict(item.split(": ", 1) for item in attrs["FLAG_MEANINGS"].split("; "))
        assert list(meanings) == ["0", "1", "2", "3"]
        for value, words in (("0", "found"), ("1", "no run"), ("2", "edge"), ("3", "not seen")):
            assert words in meanings[value], (value, meanings[value])
    assert "3: not seen" in cdf.globalattsget()["TEXT"][0]


def test_bad_input(frames):
    boundaries, power = frames
    with pytest.raises(InputError, match="at least one"):
        uvi_l3_dataset([], [])
    with pytest.raises(InputError, match="one per frame"):
        uvi_l3_dataset(boundaries, power[:2])
    with pytest.raises(InputError, match="increasing"):
        uvi_l3_dataset(boundaries[::-1], power[::-1])
    with pytest.raises(InputError, match="is of"):
        uvi_l3_dataset(boundaries, power[::-1])
    with pytest.raises(InputError, match="image_boundaries"):
        uvi_l3_dataset([xr.Dataset()], power[:1])
    with pytest.raises(InputError, match=r"boundaries must be a sequence .* got NoneType"):
        uvi_l3_dataset(None, None)
    with pytest.raises(InputError, match=r"power must be a sequence .* got Dataset"):
        uvi_l3_dataset(boundaries, power[0])
