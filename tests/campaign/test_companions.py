"""The in situ and UVI parts of a campaign (smilekit.campaign.insitu, smilekit.campaign.uvi): the region at
each frame is the boundary models' (computed here independently), LIA measures the truth to its documented
accuracy, UVI is taken once a clock hour and finds the model's oval, and the report's tables count what the
rows hold."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pandas as pd
import pytest

from smilekit.campaign.cases import Case
from smilekit.campaign.chunks import _Plan
from smilekit.campaign.insitu import INSITU_COLUMNS, insitu_summary_row, insitu_tables
from smilekit.campaign.schedule import omni_on_mission_dates, solar_wind_series
from smilekit.campaign.uvi import UVI_COLUMNS, UVI_STATUSES, uvi_frame_row, uvi_frames, uvi_tables
from smilekit.geospace.boundaries import jelinek2012_bow_shock, standoff
from smilekit.geospace.ovation import window_hours
from smilekit.solarwind import SolarWind

TIME = np.datetime64("2026-07-10T06:00", "ns")


def _case(x_re, *, n=6.0, v=420.0, case_id="c", time=TIME, seed=11, z_re=0.0):
    return Case(case_id, time, np.array([x_re, 0.0, z_re]), np.array([9.0, 0.0, 0.0]), n, v,
                np.array([0.0, 2.0, -3.0]), 300.0, seed)  # fmt: skip


def _nose(model, n, v, **params):
    pdyn = 1.6726e-6 * n * v**2 * u.nPa  # m_p n v^2 in nPa
    return float(standoff(model, pdyn=pdyn, warn=False, **params).to_value("RE"))


def test_the_region_is_the_boundary_models_and_lia_measures_the_truth():
    """On the Sun-Earth line (GSE and GSM X coincide): outside the Jelinek 2012 bow shock the solar wind,
    between it and the Shue 1998 magnetopause the sheath, inside the magnetosphere; LIA's one 4-s
    distribution gives the solar wind's density within 2 % and speed within 1 % (its tests: 1.3 % and
    0.65 %), the sheath's within 5 % and 2 %."""
    mp, bs = _nose("shue1998", 6.0, 420.0, bz=-3.0 * u.nT), _nose(jelinek2012_bow_shock, 6.0, 420.0)
    assert mp + 1.5 < bs
    wind, sheath, inside = (insitu_summary_row(_case(x)) for x in (bs + 3.0, (mp + bs) / 2.0, mp - 2.0))
    regions = (wind["region"], sheath["region"], inside["region"])
    assert regions == ("solar wind", "magnetosheath", "magnetosphere")
    assert set(wind) == set(INSITU_COLUMNS) and wind["error"] == ""
    assert wind["n_true"] == pytest.approx(6.0) and wind["speed_true"] == pytest.approx(420.0)
    assert wind["n_lia"] == pytest.approx(wind["n_true"], rel=0.02)
    assert wind["speed_lia"] == pytest.approx(wind["speed_true"], rel=0.01)
    assert sheath["n_true"] > 2 * 6.0 and sheath["speed_true"] < 420.0  # compressed and slowed
    assert sheath["n_lia"] == pytest.approx(sheath["n_true"], rel=0.05)
    assert sheath["speed_lia"] == pytest.approx(sheath["speed_true"], rel=0.02)
    again = insitu_summary_row(_case(bs + 3.0))
    assert {**again, "seconds": 0} == {**wind, "seconds": 0}  # the frame's own seed: the same row


def test_uvi_is_taken_at_the_first_frame_of_each_clock_hour():
    times = TIME + np.array([0, 5, 55, 60, 65, 185], "timedelta64[m]")
    cases = [_case(15.0, case_id=f"f{k}", time=t) for k, t in enumerate(times)]
    chosen = uvi_frames(cases[::-1])  # any order
    assert [c.case_id for c in chosen] == ["f0", "f3", "f5"]


def test_a_uvi_frame_finds_the_model_oval():
    """From 15 RE over the pole, the 1-min image's boundaries lie within 1.5 deg of the OVATION Prime 2010
    model's that made it (mean over the sectors) and its hemispheric power within 10 %: the campaign's chain
    is the UVI chain, whose recovery along the orbit tests/instruments/uvi/test_recovery.py measures (sector
    biases within 0.8-1.5 deg, the largest on the dayside's dayglow; the power within -5 % to +1 % where the
    oval is seen); this checks the wiring (attitude, window, seed), not the chain again."""
    case = Case("f", TIME, np.array([-2.0, 0.0, 15.0]), np.array([9.0, 0.0, 0.0]), 6.0, 420.0,
                np.array([0.0, 2.0, -3.0]), 300.0, 5)  # fmt: skip
    wind = solar_wind_series(TIME - np.timedelta64(5, "h"), TIME + np.timedelta64(1, "h"))
    row = uvi_frame_row(case, wind)
    assert set(row) == set(UVI_COLUMNS) and row["status"] == "ok", row
    assert abs(row["equatorward_bias_deg"]) < 1.5 and abs(row["poleward_bias_deg"]) < 1.5
    assert row["equatorward_sectors"] >= 20 and row["model_equatorward_sectors"] >= 20
    assert row["hemispheric_power_GW"] == pytest.approx(row["model_hemispheric_power_GW"], rel=0.10)


def test_the_solar_wind_series_is_the_mapped_omni_hours_or_the_users():
    wind = solar_wind_series("2026-07-10T01:30", "2026-07-10T06:10")
    hours = wind.time.values
    assert hours[0] == np.datetime64("2026-07-10T01:00") and hours[-1] == np.datetime64("2026-07-10T07:00")
    assert (np.diff(hours) == np.timedelta64(1, "h")).all()
    expected = omni_on_mission_dates(hours)
    np.testing.assert_array_equal(wind.n.to_value(u.cm**-3), expected["n"])
    np.testing.assert_allclose(np.linalg.norm(wind.v_gse.to_value(u.km / u.s), axis=1), expected["v"])
    # an OMNI gap (the hour mapped onto 2026-07-17 01 UT has no speed) is a gap in the series, which
    # OVATION's average leaves out
    around = solar_wind_series("2026-07-16T22:00", "2026-07-17T04:00")
    assert len(around.time) == 8 and around.valid().tolist() == [True] * 3 + [False] + [True] * 4
    assert window_hours(around, np.array(["2026-07-17T03:00"], "datetime64[ns]")).tolist() == [3]
    t = np.datetime64("2026-07-10", "ns") + np.arange(600) * np.timedelta64(60, "s")
    mine = SolarWind(t, n=np.full(600, 3.0) * u.cm**-3, v_gse=np.tile([-500.0, 0, 0], (600, 1)) * u.km / u.s,
                     b_gsm=np.tile([0.0, 0.0, -2.0], (600, 1)) * u.nT, t=np.full(600, 1e5) * u.K)  # fmt: skip
    part = solar_wind_series("2026-07-10T02:00", "2026-07-10T03:00", mine)
    assert part.time.values[0] == np.datetime64("2026-07-10T02:00") and len(part.time) == 61


def test_the_tables_count_what_the_rows_hold():
    insitu = pd.DataFrame(
        [
            {"region": "solar wind", "n_true": 5.0, "n_lia": 5.1, "velocity_error_fraction": 0.01,
             "lia_quality": 0.0},
            {"region": "solar wind", "n_true": 5.0, "n_lia": 4.8, "velocity_error_fraction": 0.0,
             "lia_quality": 4.0},
            {"region": "solar wind", "n_true": 5.0, "n_lia": np.nan, "velocity_error_fraction": np.nan,
             "lia_quality": np.nan},
            {"region": "magnetosphere", "n_true": 0.3, "n_lia": 0.33, "velocity_error_fraction": np.nan,
             "lia_quality": 0.0},
            {"region": "", "n_true": np.nan, "n_lia": np.nan, "velocity_error_fraction": np.nan,
             "lia_quality": np.nan},
        ]
    )  # fmt: skip
    table = insitu_tables(insitu).set_index("region")
    assert list(table["frames"]) == [3, 1, 1] and table["fraction"].sum() == pytest.approx(1.0)
    assert table.loc["solar wind", "density_median_error"] == pytest.approx((0.02 + 0.04) / 2)
    assert table.loc["solar wind", "velocity_median_error"] == pytest.approx(0.005)
    assert table.loc["solar wind", "no_lia_value"] == 1
    assert table.loc["solar wind", "lia_flagged_fraction"] == pytest.approx(1 / 2)  # of the 2 with LIA
    assert np.isnan(table.loc["no truth (see the rows' error)", "lia_flagged_fraction"])
    assert np.isnan(table.loc["magnetosphere", "velocity_median_error"])  # no bulk speed to compare with
    assert "no truth (see the rows' error)" in table.index
    uvi = pd.DataFrame(
        [
            {"status": "ok", "equatorward_bias_deg": 1.0, "poleward_bias_deg": -0.5,
             "hemispheric_power_GW": 10.0, "model_hemispheric_power_GW": 11.0, "ovation_window_hours": 4},
            {"status": "ok", "equatorward_bias_deg": -3.0, "poleward_bias_deg": np.nan,
             "hemispheric_power_GW": 20.0, "model_hemispheric_power_GW": 20.0, "ovation_window_hours": 3},
            {"status": "field misses the Earth", "equatorward_bias_deg": np.nan, "poleward_bias_deg": np.nan,
             "hemispheric_power_GW": np.nan, "model_hemispheric_power_GW": np.nan,
             "ovation_window_hours": np.nan},
        ]
    )  # fmt: skip
    answer = uvi_tables(uvi)
    assert (answer["uvi_frames"], answer["answered"], answer["short_window"]) == (3, 2, 1)
    assert answer["statuses"] == {"ok": 2, "field misses the Earth": 1}
    assert set(answer["statuses"]) <= {"ok", *UVI_STATUSES}
    assert answer["equatorward_bias_deg"] == pytest.approx(-1.0)
    assert answer["equatorward_rms_deg"] == pytest.approx(np.sqrt(5.0))
    assert answer["poleward_rms_deg"] == pytest.approx(0.5)
    assert answer["hemispheric_power_ratio_median"] == pytest.approx((10 / 11 + 1.0) / 2)


def test_a_chunks_uvi_plan_holds_the_hours_ovation_averages():
    """The solar wind a chunk's plan carries covers OVATION's 4 h before each UVI frame (the campaign
    layout's window, not the test's own); with none there, the plan says why and its rows will."""
    cases = [_case(15.0, case_id=f"f{k}", time=TIME + np.timedelta64(k, "h")) for k in range(3)]
    plan = _Plan(True, cases)
    plan.load_solar_wind(None)
    times = plan.solar_wind.time.values
    assert times[0] <= TIME - np.timedelta64(4, "h") and times[-1] >= cases[-1].time
    assert window_hours(plan.solar_wind, [c.time for c in cases]).tolist() == [4, 4, 4]
    assert plan.expected(cases) == {"insitu": ["f0", "f1", "f2"], "uvi": ["f0", "f1", "f2"]}
    far = SolarWind(np.array(["2028-01-01T00:00", "2028-01-01T01:00"], "datetime64[ns]"),
                    n=[5.0, 5.0] * u.cm**-3, v_gse=[[-400.0, 0, 0]] * 2 * u.km / u.s,
                    b_gsm=[[0.0, 0, -2]] * 2 * u.nT, t=[1e5, 1e5] * u.K)  # fmt: skip
    lost = _Plan(True, cases)
    lost.load_solar_wind(far)
    assert lost.solar_wind is None and "no record" in lost.no_wind
