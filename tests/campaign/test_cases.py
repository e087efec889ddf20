"""The evaluation case set and case files: the shipped set reproducible from its seed, its documented columns
and domain fractions; the strict case-file header."""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest

from smilekit._data import data_path
from smilekit.campaign.cases import (
    CASE_COLUMNS,
    DEFAULT_SEED,
    SHIPPED_CASES,
    SUBSOLAR_CASES,
    as_case,
    make_cases,
    read_cases,
    write_cases,
)
from smilekit.errors import InputError
from smilekit.frames import dipole_tilt
from smilekit.geospace.boundaries import shue1998_values
from smilekit.mission.pointing import LIMB_OFFSET, limb_offset_aim_points
from smilekit.science.requirement import in_requirement_domain
from smilekit.units import RE


@pytest.fixture(scope="module")
def shipped():
    return pd.read_csv(data_path(SHIPPED_CASES), dtype={"case_id": str, "time": str})


@pytest.fixture(scope="module")
def regenerated():
    return make_cases(240, seed=DEFAULT_SEED)


def test_regenerating_with_the_seed_reproduces_the_shipped_file(shipped, regenerated, tmp_path):
    path = write_cases(regenerated, tmp_path / "cases.csv")
    again = pd.read_csv(path, dtype={"case_id": str, "time": str})
    assert list(again["case_id"]) == list(shipped["case_id"])
    assert list(again["time"]) == list(shipped["time"])
    np.testing.assert_array_equal(again["seed"], shipped["seed"])
    numbers = [c for c in CASE_COLUMNS if c not in ("case_id", "time", "seed")]
    # values are rounded to 0.001 RE / 0.1 / 1 km/s: allow one rounding step of platform difference
    np.testing.assert_allclose(again[numbers], shipped[numbers], rtol=0, atol=1.01e-3)


def test_columns_and_sizes(shipped):
    assert tuple(shipped.columns) == CASE_COLUMNS
    assert len(shipped) == 240
    assert shipped["case_id"].is_unique
    assert (shipped["exposure_s"] == 300).all()
    assert shipped["seed"].is_unique


def test_documented_domain_fractions_and_ranges(shipped):
    sc = shipped[["sc_x", "sc_y", "sc_z"]].to_numpy()
    r = np.linalg.norm(sc, axis=1)
    assert (r > 15.0).all() and r.max() < 20.2  # beyond 15 RE, at most the 20 RE apogee
    inside = in_requirement_domain(
        shipped["n"].to_numpy() * u.cm**-3, shipped["v"].to_numpy() * u.km / u.s, sc * RE
    )
    assert inside.sum() == 180  # 75 % of 240, as documented
    assert shipped["n"].between(2.4, 100.0).all()
    pdyn = 2e-6 * shipped["n"] * shipped["v"] ** 2
    assert pdyn.between(0.5, 20.0).all()


def test_cases_span_the_year_and_the_tilt(shipped):
    t = pd.to_datetime(shipped["time"])
    assert t.is_monotonic_increasing
    assert set(t.dt.month) == set(range(1, 13))  # every month
    tilt = dipole_tilt(t.to_numpy().astype("datetime64[ns]")).to_value(u.deg)
    assert tilt.min() < -25.0 and tilt.max() > 25.0


def test_aim_points_follow_the_limb_rule(shipped):
    sc = shipped[["sc_x", "sc_y", "sc_z"]].to_numpy() * RE
    aims = limb_offset_aim_points(sc, LIMB_OFFSET).to_value(RE)
    np.testing.assert_allclose(shipped[["aim_x", "aim_y", "aim_z"]], aims, atol=6e-4)


def test_the_subsolar_set_is_the_shipped_set_aimed_at_each_cases_shue_1998_nose(shipped, tmp_path):
    """Same times, positions, winds and seeds as the limb-rule set (paired by case_id), less the cases whose
    subsolar aim an exclusion forbids; the aim is (r0, 0, 0) GSE with r0 Shue et al. (1998) of the case's
    wind; regenerating it reproduces the shipped file."""
    subsolar = pd.read_csv(data_path(SUBSOLAR_CASES), dtype={"case_id": str, "time": str})
    again = pd.read_csv(write_cases(make_cases(240, seed=DEFAULT_SEED, aim="subsolar"), tmp_path / "s.csv"),
                        dtype={"case_id": str, "time": str})  # fmt: skip
    pd.testing.assert_frame_equal(again, subsolar, check_exact=False, atol=1.01e-3, rtol=0)
    assert 220 <= len(subsolar) < 240 and set(subsolar["case_id"]) <= set(shipped["case_id"])
    paired = shipped.set_index("case_id").loc[subsolar["case_id"]].reset_index()
    same = [c for c in CASE_COLUMNS if not c.startswith("aim_")]
    pd.testing.assert_frame_equal(subsolar[same], paired[same])
    pdyn = 2e-6 * subsolar["n"].to_numpy() * subsolar["v"].to_numpy() ** 2  # nPa, n cm^-3 and v km/s
    r0 = shue1998_values(0.0, 0.0, pdyn=pdyn, bz=subsolar["bz"].to_numpy())
    np.testing.assert_allclose(subsolar["aim_x"], r0, atol=6e-4)
    assert (subsolar[["aim_y", "aim_z"]] == 0).all().all()
    with pytest.raises(InputError, match="aim"):
        make_cases(5, aim="nadir")


def test_small_set_and_bad_input():
    small = make_cases(5, seed=1, in_domain_fraction=0.4)
    assert len(small) == 5 and tuple(small.columns) == CASE_COLUMNS
    flux = small["n"] * small["v"] * 1e5
    assert (flux > 4.9e8).sum() == 2
    with pytest.raises(InputError, match="n must be"):
        make_cases(0)
    with pytest.raises(InputError, match="in_domain_fraction"):
        make_cases(5, in_domain_fraction=1.5)
    with pytest.raises(InputError, match="columns"):
        write_cases(small.drop(columns="seed"), "x.csv")


def test_wrong_header_is_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("case_id,time,sc_x\n")
    with pytest.raises(InputError, match="header"):
        read_cases(path)
    with pytest.raises(InputError, match="not found"):
        read_cases(tmp_path / "missing.csv")


def test_a_case_from_a_case_a_mapping_or_a_row():
    row = dict(
        zip(CASE_COLUMNS, "c1,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,1".split(","), strict=True)
    )
    case = as_case(row)
    assert case.case_id == "c1" and case.time == np.datetime64("2026-03-20T12:00:00", "ns")
    np.testing.assert_array_equal(case.sc, [6.0, 0.0, 17.0])
    assert case.n == 20.0 and case.seed == 1 and case.line == 0
    assert as_case(case) is case
    from_series = as_case(pd.Series(row))
    assert from_series.case_id == "c1" and from_series.seed == 1 and from_series.exposure_s == 300.0
    np.testing.assert_array_equal(from_series.b, [0.0, 2.0, -2.0])
    with pytest.raises(InputError, match="a case must be"):
        as_case(["c1"])
    with pytest.raises(InputError, match=r"lacks the fields \['seed'\]"):
        as_case({k: v for k, v in row.items() if k != "seed"})
    with pytest.raises(InputError, match="n must be positive"):
        as_case({**row, "n": "-1"})
