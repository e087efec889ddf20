"""The planning runs behind `smilekit orbit` and `smilekit plan`: their files and their numbers."""

import json

import astropy.units as u
import cdflib
import numpy as np
import pandas as pd
import pytest

from smilekit.errors import InputError
from smilekit.mission import science_orbit
from smilekit.products.ephemeris import MODE_CODES
from smilekit.runs.plan import run_orbit, run_plan


def test_two_body_orbit_summary_reproduces_the_elements(tmp_path):
    summary = run_orbit(tmp_path, start="2026-03-01", days=6, perturbations=())
    orbit = science_orbit("2026-03-01")
    assert summary["complete_orbits"] == 2
    assert summary["period_h"] == pytest.approx(orbit.period.to_value(u.h), abs=1 / 60)  # 1-min samples
    assert summary["perigee_alt_km"] == pytest.approx(5000.0, abs=0.01)
    assert summary["apogee_alt_km"] == pytest.approx(121182.0, abs=0.01)
    assert summary["inclination_deg"] == pytest.approx(73.0, abs=1e-9)
    assert (
        json.loads((tmp_path / "summary.json").read_text())["hours_per_orbit"] == summary["hours_per_orbit"]
    )


def test_bad_period_and_pointing(tmp_path):
    with pytest.raises(InputError, match="days"):
        run_orbit(tmp_path, start="2026-03-01", days=-1)
    with pytest.raises(InputError, match="pointing"):
        run_orbit(tmp_path, start="2026-03-01", days=1, pointing="moon")


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    return out, run_plan(out, start="2026-03-01", days=5, mission_years=1)


def test_plan_writes_every_product(plan):
    out, summary = plan
    for name in (
        "ephemeris.cdf",
        "modes.csv",
        "exclusions.csv",
        "passes.csv",
        "downlink.csv",
        "power.csv",
        "visibility.csv",
        "seasonal_visibility.csv",
        "transfer.csv",
        "plan.json",
        *summary["figures"],
    ):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "plan.json").read_text())["transfer"]["n_burns"] == 18


def test_plan_switches_sxi_off_under_an_exclusion(plan):
    out, _ = plan
    excluded = pd.read_csv(out / "exclusions.csv")["excluded"].to_numpy()
    modes = cdflib.CDF(str(out / "ephemeris.cdf")).varget("mode")
    sxi_on = np.isin(modes, [MODE_CODES["FSM"], MODE_CODES["RSM1"]])
    assert excluded.any() and sxi_on.any()
    assert not (sxi_on & excluded).any()


def test_plan_maintenance_enters_the_propellant_budget(plan):
    _, summary = plan
    per_year = summary["maintenance_delta_v_m_s_per_year"]
    assert per_year > 0
    assert summary["transfer"]["maintenance_delta_v_m_s"] == pytest.approx(per_year * 1.0, rel=1e-9)
