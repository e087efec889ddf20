"""A resumed ``evaluate`` trusts only what it verifies: cases with missing rows, a torn line in the middle,
a garbled field, a kill in the middle of a write are redone, and the result is the uninterrupted run's.

The simulation, the six magnetopause methods and the cusp retrieval are fast stand-ins (as in
tests/campaign/test_evaluate.py); the truth is the harness's own.
"""

import math

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from rich.console import Console

from smilekit.campaign import evaluate
from smilekit.campaign.cases import CASE_COLUMNS
from smilekit.campaign.evaluate import evaluate_cases, verify_results
from smilekit.errors import InputError
from smilekit.science.estimates import CuspEstimate, MagnetopauseEstimate
from smilekit.units import RE

SIMULATED = []


def fake_simulate(case, truth):
    SIMULATED.append(case.case_id)
    counts = np.random.default_rng(case.seed).poisson(5.0, size=(1, 2, 3))
    return xr.Dataset(
        {"counts": (("time", "v", "u"), counts), "background": (("time", "v", "u"), np.ones((1, 2, 3)))},
        coords={"time": [case.time]},
    )


def _method(offset):
    def method(l2, *, time_index=0, solar_wind=None):
        r0 = 10.0 + offset + float(l2["counts"].sum()) / 100.0
        status = "ok" if offset != 5 else "no edge found"  # one method that fails, with NaN fields
        return MagnetopauseEstimate(
            f"m{offset}", r0 * RE, 0.1 * RE, status, {"k": offset}, l2["time"].values[0]
        )

    return method


def fake_cusp(l2, *, time_index=0, solar_wind=None, magnetopause=None, hemisphere="north"):
    return CuspEstimate(
        hemisphere, 71.0 * u.deg, 74.5 * u.deg, 0.3 * u.deg, 0.3 * u.deg, 8.0 * RE, "ok", l2["time"].values[0]
    )


def fake_cusp_truth(state, time):
    return 70.0 * u.deg, 75.0 * u.deg


METHODS = {f"m{k}": _method(k) for k in range(6)}  # six rows per case
FAKES = {
    "methods": METHODS,
    "cusp_method": fake_cusp,
    "simulate": fake_simulate,
    "cusp_truth": fake_cusp_truth,
}
CASES = [
    "c1,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,1",
    "c2,2026-06-21T03:00:00,3,5,16,8,0,0,5,400,1,-1,3,300,2",
    "c3,2026-09-01T00:00:00,8,-4,15.5,8.2,0,0,30,500,0,0,-5,300,3",
    "c4,2026-10-01T00:00:00,7,2,16.5,8.0,0,0,12,450,0,1,-3,300,4",
]


def quiet():
    return Console(quiet=True)


@pytest.fixture
def cases(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(",".join(CASE_COLUMNS) + "\n" + "\n".join(CASES) + "\n")
    return path


@pytest.fixture
def finished(cases, tmp_path):
    """An uninterrupted run: its directory and its rows (sorted, wall-clock columns dropped)."""
    out = tmp_path / "full"
    evaluate_cases(cases, out, progress=False, console=quiet(), **FAKES)
    SIMULATED.clear()
    return out, rows_of(out)


def rows_of(out):
    frame = pd.read_csv(out / "results.csv", dtype={"case_id": str})
    frame = frame.drop(columns=[c for c in frame if c.startswith("seconds")])
    return frame.sort_values(["case_id", "method"]).reset_index(drop=True)


def resume(cases, out):
    SIMULATED.clear()
    return evaluate_cases(cases, out, progress=False, console=quiet(), **FAKES)


def lines(out):
    return (out / "results.csv").read_text().splitlines(keepends=True)


def test_a_case_with_3_of_its_6_rows_is_redone(cases, finished):
    out, expected = finished
    text = lines(out)
    c2 = [k for k, line in enumerate(text) if line.startswith("c2,")]
    assert len(c2) == 6
    (out / "results.csv").write_text("".join(line for k, line in enumerate(text) if k not in c2[3:]))
    summary = resume(cases, out)
    assert SIMULATED == ["c2"]
    assert summary["resume"]["cases_verified"] == 3 and summary["resume"]["cases_redone"] == 1
    assert "3 rows" in summary["resume"]["problems"]["c2"]
    pd.testing.assert_frame_equal(rows_of(out), expected)


def test_a_torn_line_in_the_middle_is_dropped_and_its_case_redone(cases, finished):
    out, expected = finished
    text = lines(out)
    k = next(k for k, line in enumerate(text) if line.startswith("c3,"))
    text[k] = text[k][: len(text[k]) // 2] + "\n"  # the line cut short, the file going on after it
    (out / "results.csv").write_text("".join(text))
    summary = resume(cases, out)
    assert SIMULATED == ["c3"]
    assert "fields" in summary["resume"]["problems"]["c3"]
    pd.testing.assert_frame_equal(rows_of(out), expected)


def test_two_rows_run_together_without_their_line_break(cases, finished):
    out, expected = finished
    text = lines(out)
    k = next(k for k, line in enumerate(text) if line.startswith("c4,"))
    text[k] = text[k].rstrip("\n")  # c4's first row runs into its second
    (out / "results.csv").write_text("".join(text))
    resume(cases, out)
    assert SIMULATED == ["c4"]
    pd.testing.assert_frame_equal(rows_of(out), expected)


@pytest.mark.parametrize(
    ("column", "garbled"),
    [
        ("r0_true", "1O.3"),  # a letter O for a zero
        ("in_domain", "Tru"),
        ("boundary", '{"k": 1'),
        ("method", "m9"),
        ("status", ""),
        ("r0_est", "12.5"),  # parses, but disagrees with nothing: kept (a field that parses is trusted)
    ],
)
def test_a_garbled_field_makes_its_case_redone(cases, finished, column, garbled):
    out, expected = finished
    frame = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False)
    row = frame.index[frame["case_id"] == "c1"][2]
    frame.loc[row, column] = garbled
    frame.to_csv(out / "results.csv", index=False, lineterminator="\n")
    resume(cases, out)
    if column == "r0_est":
        assert SIMULATED == []
    else:
        assert SIMULATED == ["c1"]
        pd.testing.assert_frame_equal(rows_of(out), expected)


def test_case_fields_that_disagree_between_its_rows(cases, finished):
    out, expected = finished
    frame = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False)
    row = frame.index[frame["case_id"] == "c2"][4]
    frame.loc[row, "r0_true"] = "99.0"  # a digit flipped in one row only
    frame.to_csv(out / "results.csv", index=False, lineterminator="\n")
    summary = resume(cases, out)
    assert SIMULATED == ["c2"] and "disagree" in summary["resume"]["problems"]["c2"]
    pd.testing.assert_frame_equal(rows_of(out), expected)


def test_duplicated_rows_and_unknown_cases_are_dropped(cases, finished):
    out, expected = finished
    text = lines(out)
    c1 = [line for line in text if line.startswith("c1,")]
    stray = text[1].replace(text[1].split(",")[0], "c99", 1)
    (out / "results.csv").write_text("".join(text) + c1[0] + stray + "\x00\x00\x00\n")
    summary = resume(cases, out)
    assert SIMULATED == ["c1"]
    problems = summary["resume"]["problems"]
    assert "7 rows" in problems["c1"] and any("c99" in reason for reason in problems.values())
    pd.testing.assert_frame_equal(rows_of(out), expected)


def test_a_run_killed_mid_write_resumes_to_the_uninterrupted_rows(cases, finished, tmp_path, monkeypatch):
    _, expected = finished

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after it runs, no handler catches it."""

    calls = []
    append = evaluate._Writer._append

    def dying_append(self, data):
        calls.append(len(data))
        if len(calls) == 3:  # the third case: half its bytes reach the file, then the process dies
            append(self, data[: len(data) // 2])
            raise Killed
        append(self, data)

    out = tmp_path / "killed"
    monkeypatch.setattr(evaluate._Writer, "_append", dying_append)
    with pytest.raises(Killed):
        evaluate_cases(cases, out, progress=False, console=quiet(), **FAKES)
    monkeypatch.undo()
    assert not (out / "results.csv").read_text().endswith("\n")  # torn
    summary = resume(cases, out)
    assert len(SIMULATED) == 2  # the torn third case and the fourth, never started
    assert summary["resume"]["cases_verified"] == 2 and summary["n_cases"] == 4
    pd.testing.assert_frame_equal(rows_of(out), expected)
    SIMULATED.clear()
    assert resume(cases, out)["resume"] == {"cases_verified": 4, "cases_redone": 0, "problems": {}}
    assert SIMULATED == []


def test_verify_results_reports_each_problem(tmp_path):
    names = ["a", "b"]
    path = tmp_path / "results.csv"
    assert verify_results(path, ["x"], names) == ([",".join(evaluate.ALL_COLUMNS)], set(), {})
    path.write_text("case_id,method\n")
    with pytest.raises(InputError, match="other columns"):
        verify_results(path, ["x"], names)
    path.write_text(",".join(evaluate.ALL_COLUMNS)[:30])  # a header cut short: nothing to trust
    kept, complete, redo = verify_results(path, ["x"], names)
    assert kept == [",".join(evaluate.ALL_COLUMNS)] and complete == set()
    assert redo == {"<line 1>": "torn header"}


def test_result_fields_never_hold_a_line_break():
    rows = [dict.fromkeys(evaluate.ALL_COLUMNS, math.nan) | {"case_id": "c", "status": "error: a\nb\r"}]
    captured = []
    writer = object.__new__(evaluate._Writer)
    writer._append = captured.append
    writer.write(rows)
    assert captured[0].count(b"\n") == 1 and b"error: a b " in captured[0]
