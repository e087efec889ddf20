"""The evaluation harness with fast stand-in methods: columns, malformed rows, resume, dask, summary.

The magnetopause methods, the cusp retrieval, the cusp truth and the image simulation are injected (the
real ones are measured by the benchmark and the lead's end-to-end run); the truth (state, tilt, Shue 1998
r0, SWCX emissivity) is the harness's own.
"""

import io
import json
import math
import os
import sys
from types import SimpleNamespace

import astropy.units as u
import cloudpickle
import numba
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from rich.console import Console

from smilekit._data import data_path
from smilekit.campaign.cases import CASE_COLUMNS, SHIPPED_CASES, as_case, read_cases
from smilekit.campaign.evaluate import EXTRA_COLUMNS, RESULT_COLUMNS, evaluate_cases, failed_rows, run_case
from smilekit.campaign.statistics import CUSP_NOT_RUN
from smilekit.errors import InputError, ProductError
from smilekit.geospace.boundaries import standoff
from smilekit.science.estimates import CuspEstimate, MagnetopauseEstimate
from smilekit.units import RE

CALLS = {"simulate": 0, "offset": 0}
OFFSET = 0.2  # RE: the "offset" stand-in answers r0_true + 0.2 RE


def truth_r0(state):
    return float(standoff("shue1998", pdyn=state.pdyn, bz=state.bz).to_value(RE))


def tiny_simulate(case, truth):
    """A stand-in L2: a 2 x 3 image of counts from the case seed (no line of sight, no photons)."""
    CALLS["simulate"] += 1
    rng = np.random.default_rng(case.seed)
    counts = rng.poisson(5.0, size=(1, 2, 3))
    return xr.Dataset(
        {"counts": (("time", "v", "u"), counts), "background": (("time", "v", "u"), np.ones((1, 2, 3)))},
        coords={"time": [case.time]},
    )


def offset_method(l2, *, time_index=0, solar_wind=None):
    CALLS["offset"] += 1
    r0 = truth_r0(solar_wind) + OFFSET
    return MagnetopauseEstimate("offset", r0 * RE, 0.1 * RE, "ok", {"shape": "test"}, l2["time"].values[0])


def failing_method(l2, *, time_index=0, solar_wind=None):
    return MagnetopauseEstimate(
        "failing", np.nan * RE, np.nan * RE, "no edge found", {}, l2["time"].values[0]
    )


def raising_method(l2, *, time_index=0, solar_wind=None):
    raise RuntimeError("boom\nsecond line")


def fake_cusp_truth(state, time):
    return 70.0 * u.deg, 75.0 * u.deg


def fake_cusp(l2, *, time_index=0, solar_wind=None, magnetopause=None, hemisphere="north"):
    # no boundary fit among the injected methods: the cusp retrieval is left to fit its own sheath
    assert magnetopause is None
    return CuspEstimate(
        hemisphere, 71.0 * u.deg, 74.5 * u.deg, 0.3 * u.deg, 0.3 * u.deg, 8.0 * RE, "ok", l2["time"].values[0]
    )


METHODS = {"offset": offset_method, "failing": failing_method, "raising": raising_method}
FAKES = {
    "methods": METHODS,
    "cusp_method": fake_cusp,
    "simulate": tiny_simulate,
    "cusp_truth": fake_cusp_truth,
}

GOOD = [
    # in the domain: 20 cm^-3 x 400 km/s = 8e8 cm^-2 s^-1, 18 RE
    "c1,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,1",
    # outside: flux 2e8
    "c2,2026-06-21T03:00:00,3,5,16,8,0,0,5,400,1,-1,3,300,2",
    "c3,2026-09-01T00:00:00,8,-4,15.5,8.2,0,0,30,500,0,0,-5,300,3",
]


def write(path, rows):
    path.write_text(",".join(CASE_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.update(simulate=0, offset=0)


def test_run_case_rows_columns_and_errors():
    row = dict(zip(CASE_COLUMNS, GOOD[0].split(","), strict=True))
    rows = run_case(row, **FAKES)
    assert [r["method"] for r in rows] == ["offset", "failing", "raising"]
    assert list(rows[0]) and set(RESULT_COLUMNS + EXTRA_COLUMNS) <= set(rows[0])
    ok, failing, raising = rows
    assert ok["status"] == "ok" and ok["r0_err"] == pytest.approx(OFFSET, abs=1e-12)
    assert ok["r0_true"] == pytest.approx(ok["r0_est"] - OFFSET)
    assert failing["status"] == "no edge found" and math.isnan(failing["r0_est"])
    assert raising["status"] == "error: RuntimeError: boom"
    assert ok["in_domain"] is True and ok["sc_distance_re"] == pytest.approx(np.hypot(6, 17))
    assert ok["sc_x_gse_re"] == 6.0
    assert ok["cusp_north_poleward_true"] == 75.0 and ok["cusp_north_equatorward_est"] == 71.0
    assert ok["cusp_status"] == "ok" and ok["cusp_magnetopause"] == ""
    assert json.loads(ok["boundary"]) == {"shape": "test"}


def test_a_failing_simulation_marks_every_row():
    def broken(case, truth):
        raise ValueError("no sky")

    case = dict(zip(CASE_COLUMNS, GOOD[0].split(","), strict=True))
    rows = run_case(case, **{**FAKES, "simulate": broken})
    assert {r["status"] for r in rows} == {"error: simulation: ValueError: no sky"}
    assert {r["cusp_status"] for r in rows} == {"error: simulation: ValueError: no sky"}
    assert all(math.isnan(r["r0_est"]) for r in rows) and all(np.isfinite(r["r0_true"]) for r in rows)
    # without the cusp retrieval a failure is none of the cusp's (not counted against it in the summary)
    plain = run_case(case, **{**FAKES, "simulate": broken, "cusp_method": False})
    assert {r["cusp_status"] for r in plain} == {CUSP_NOT_RUN}
    lost = failed_rows(as_case(case), ["offset"], RuntimeError("truth"), cusp=False)
    assert lost[0]["cusp_status"] == CUSP_NOT_RUN and lost[0]["status"].startswith("error: case")


def test_results_file_has_the_exact_columns(tmp_path):
    cases = write(tmp_path / "cases.csv", GOOD)
    summary = evaluate_cases(cases, tmp_path / "out", progress=False, **FAKES)
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert tuple(results.columns) == RESULT_COLUMNS + EXTRA_COLUMNS
    assert list(results.columns[:11]) == (
        "case_id, method, r0_true, r0_est, r0_err, r0_sigma, cusp_north_poleward_true, "
        "cusp_north_poleward_est, cusp_north_equatorward_true, cusp_north_equatorward_est, status"
    ).split(", ")
    assert len(results) == 9
    stored = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert stored["methods"]["offset"]["all"]["n"] == 3
    assert summary["methods"]["offset"]["domain"]["n"] == 2  # c1 and c3 are in the domain
    assert summary["methods"]["offset"]["domain"]["bias_re"] == pytest.approx(OFFSET)
    assert summary["methods"]["failing"]["domain"]["n_failed"] == 2
    assert summary["best_method"] == "offset"


def test_malformed_rows_are_reported_with_line_numbers_and_skipped(tmp_path):
    rows = [
        GOOD[0],  # line 2
        "c4,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300",  # line 3: 14 fields
        "c5,yesterday,6,0,17,7.5,0,0,20,400,0,2,-2,300,5",  # line 4: bad time
        "c6,2026-03-20T12:00:00,6,0,17,7.5,0,0,-3,400,0,2,-2,300,6",  # line 5: negative density
        "c7,2026-03-20T12:00:00,6,0,abc,7.5,0,0,20,400,0,2,-2,300,7",  # line 6: not a number
        "",  # line 7: blank, ignored
        "c1,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,8",  # line 8: repeated id
        "c8,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,301,9",  # line 9: not whole frames
        "c9,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,1.5",  # line 10: seed not integer
        GOOD[1],  # line 11
    ]
    cases, malformed = read_cases(write(tmp_path / "cases.csv", rows))
    assert [c.case_id for c in cases] == ["c1", "c2"]
    assert [c.line for c in cases] == [2, 11]
    found = {m.line: m.reason for m in malformed}
    assert sorted(found) == [3, 4, 5, 6, 8, 9, 10]
    assert "expected 15 fields, got 14" in found[3]
    assert "time 'yesterday'" in found[4]
    assert "n must be positive" in found[5]
    assert "sc_z 'abc' is not a number" in found[6]
    assert "repeats" in found[8]
    assert "CCD frames" in found[9]
    assert "seed '1.5'" in found[10]

    summary = evaluate_cases(tmp_path / "cases.csv", tmp_path / "out", progress=False, **FAKES)
    assert [m["line"] for m in summary["malformed"]] == [3, 4, 5, 6, 8, 9, 10]
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert sorted(set(results["case_id"])) == ["c1", "c2"]


def test_resume_skips_finished_cases(tmp_path):
    cases = write(tmp_path / "cases.csv", GOOD)
    out = tmp_path / "out"
    evaluate_cases(cases, out, progress=False, **FAKES)
    assert CALLS["simulate"] == 3
    first = pd.read_csv(out / "results.csv")
    # a run killed after the first case: keep its rows and a torn half line
    text = (out / "results.csv").read_text().splitlines(keepends=True)
    kept = [line for line in text if not line.startswith(("c2,", "c3,"))]
    (out / "results.csv").write_text("".join(kept) + "c2,offset,9.1")
    CALLS.update(simulate=0, offset=0)
    summary = evaluate_cases(cases, out, progress=False, **FAKES)
    assert CALLS["simulate"] == 2 and CALLS["offset"] == 2  # c1 was not recomputed
    again = pd.read_csv(out / "results.csv").sort_values(["case_id", "method"]).reset_index(drop=True)
    first = first.sort_values(["case_id", "method"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        again.drop(columns=[c for c in again if c.startswith("seconds")]),
        first.drop(columns=[c for c in first if c.startswith("seconds")]),
    )
    assert summary["n_cases"] == 3
    CALLS.update(simulate=0)
    evaluate_cases(cases, out, progress=False, **FAKES)  # nothing left to do
    assert CALLS["simulate"] == 0


def test_a_case_that_brings_no_rows_back_is_not_written_and_a_rerun_runs_it(tmp_path, monkeypatch):
    """A case's task lost on the cluster (its connection closed) writes no rows, as a killed run would,
    instead of error rows a rerun would keep as done: the others are written, the run stops naming it."""
    from distributed.comm.core import CommClosedError

    from smilekit.campaign import evaluate as evaluate_module

    cases = write(tmp_path / "cases.csv", GOOD)
    out = tmp_path / "out"
    real = evaluate_module.run_case_payload

    def lost_c2(case, payload):
        if case.case_id == "c2":
            raise CommClosedError("in <TCP (closed)>: Stream is closed")
        return real(case, payload)

    monkeypatch.setattr(evaluate_module, "run_case_payload", lost_c2)
    with pytest.raises(ProductError, match=r"1 of 3 cases did not come back .*case c2: .*CommClosedError"):
        evaluate_cases(cases, out, progress=False, **FAKES)
    assert sorted(set(pd.read_csv(out / "results.csv")["case_id"])) == ["c1", "c3"]
    monkeypatch.setattr(evaluate_module, "run_case_payload", real)
    CALLS.update(simulate=0)
    summary = evaluate_cases(cases, out, progress=False, **FAKES)
    assert CALLS["simulate"] == 1 and summary["resume"]["cases_verified"] == 2
    results = pd.read_csv(out / "results.csv")
    assert sorted(set(results["case_id"])) == ["c1", "c2", "c3"] and len(results) == 3 * len(METHODS)
    assert not (out / "lost.json").exists()  # a lost connection is not the case's doing: not counted
    # killing its workers every time (dask gives up on it): written as failed in the third run
    from distributed import KilledWorker

    def killing_c2(case, payload):
        if case.case_id == "c2":
            raise KilledWorker("case", SimpleNamespace(address="tcp://127.0.0.1:9"), 3)
        return real(case, payload)

    again = tmp_path / "again"
    monkeypatch.setattr(evaluate_module, "run_case_payload", killing_c2)
    for _ in range(2):
        with pytest.raises(ProductError, match=r"1 of \d cases did not come back .*KilledWorker"):
            evaluate_cases(cases, again, progress=False, **FAKES)
    summary = evaluate_cases(cases, again, progress=False, **FAKES)
    rows = pd.read_csv(again / "results.csv")
    c2 = rows[rows["case_id"] == "c2"]["status"]
    assert len(c2) == len(METHODS) and c2.str.contains("killed its workers in 3 runs").all()
    assert summary["n_cases"] == 3


def test_another_case_file_in_the_same_directory_is_refused(tmp_path):
    out = tmp_path / "out"
    evaluate_cases(write(tmp_path / "a.csv", GOOD[:2]), out, progress=False, **FAKES)
    with pytest.raises(InputError, match="different case file"):
        evaluate_cases(write(tmp_path / "b.csv", GOOD), out, progress=False, **FAKES)
    with pytest.raises(InputError, match="methods"):
        evaluate_cases(
            tmp_path / "a.csv", out, progress=False, **{**FAKES, "methods": {"offset": offset_method}}
        )


def test_bad_arguments(tmp_path):
    cases = write(tmp_path / "cases.csv", GOOD[:1])
    with pytest.raises(InputError, match="workers or scheduler"):
        evaluate_cases(cases, tmp_path / "o", workers=2, scheduler="tcp://127.0.0.1:1", **FAKES)
    with pytest.raises(InputError, match="workers"):
        evaluate_cases(cases, tmp_path / "o", workers=0, **FAKES)
    with pytest.raises(InputError, match="cusp_method"):
        evaluate_cases(cases, tmp_path / "o", **{**FAKES, "cusp_method": 3})


def test_local_cluster_gives_the_in_process_results(tmp_path):  # ~4 s: two worker processes

    # the stand-ins live in this test module, which the worker processes cannot import: ship them by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        cases = write(tmp_path / "cases.csv", GOOD)
        a = evaluate_cases(cases, tmp_path / "a", progress=False, **FAKES)
        b = evaluate_cases(cases, tmp_path / "b", progress=False, workers=2, **FAKES)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    ra = pd.read_csv(tmp_path / "a" / "results.csv").sort_values(["case_id", "method"]).reset_index(drop=True)
    rb = pd.read_csv(tmp_path / "b" / "results.csv").sort_values(["case_id", "method"]).reset_index(drop=True)
    drop = [c for c in ra if c.startswith("seconds")]
    pd.testing.assert_frame_equal(ra.drop(columns=drop), rb.drop(columns=drop))
    assert a["methods"] == b["methods"] and a["cusp"] == b["cusp"]


def threads_method(l2, *, time_index=0, solar_wind=None):
    """Compiles a fresh parallel kernel (the worker's first compilation reloads numba's configuration) and
    reports, as its boundary, how many threads this task's numba kernels run on."""

    @numba.njit(parallel=True)
    def total(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s

    total(np.ones(10))
    return MagnetopauseEstimate("threads", 9.0 * RE, 0.1 * RE, "ok", {"threads": numba.get_num_threads()},
                                l2["time"].values[0])  # fmt: skip


def test_local_workers_share_the_cores_through_their_numba_threads(tmp_path):
    """Two worker processes each run their kernels on cores / 2 threads, and a kernel compiled in a worker
    runs (a NUMBA_NUM_THREADS given to the workers after numba had started made that compilation fail)."""
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        cases = write(tmp_path / "cases.csv", GOOD)
        evaluate_cases(cases, tmp_path / "o", progress=False, workers=2, methods={"threads": threads_method},
                       cusp_method=False, simulate=tiny_simulate)  # fmt: skip
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    rows = pd.read_csv(tmp_path / "o" / "results.csv")
    assert (rows["status"] == "ok").all(), rows["status"].tolist()
    threads = {json.loads(b)["threads"] for b in rows["boundary"]}
    assert threads == {max(1, min(os.cpu_count() // 2, numba.config.NUMBA_NUM_THREADS))}


def test_the_real_simulation_of_a_shipped_case():
    """The default image chain on the first shipped case (~1 s): one 300-s L2 bin at 0.25 deg, with the
    case's pointing, handed to the methods with the upstream state."""

    seen = {}

    def inspect(l2, *, time_index=0, solar_wind=None):
        seen["l2"], seen["state"] = l2, solar_wind
        return offset_method(l2, time_index=time_index, solar_wind=solar_wind)

    row = pd.read_csv(data_path(SHIPPED_CASES), dtype={"case_id": str, "time": str}).iloc[0]
    rows = run_case(row, methods={"offset": inspect}, cusp_method=False, cusp_truth=fake_cusp_truth)
    l2 = seen["l2"]
    assert l2.sizes["time"] == 1 and l2.attrs["cadence_s"] == 300.0 and l2.attrs["pixel_deg"] == 0.25
    np.testing.assert_allclose(l2.attrs["sc_position_gse_re"], row[["sc_x", "sc_y", "sc_z"]].astype(float))
    assert seen["state"].n.to_value(u.cm**-3) == row["n"]
    assert rows[0]["counts"] > rows[0]["background"] > 0  # SWCX on top of the modelled background
    assert rows[0]["cusp_status"] == "not run" and rows[0]["status"] == "ok"


def test_progress_bar_and_table_print(tmp_path):
    buffer = io.StringIO()
    evaluate_cases(
        write(tmp_path / "cases.csv", GOOD[:2]),
        tmp_path / "out",
        console=Console(file=buffer, width=120),
        **FAKES,
    )
    text = buffer.getvalue()
    assert "offset" in text and "North cusp edges at 8.0 RE" in text


def test_the_cusp_retrieval_is_given_the_boundary_fit_of_the_shared_rule():
    # the harness hands the cusp retrieval what smilekit.science.cusps.sheath_context picks (the main
    # job's rule): here the only boundary fit, though it failed, and the retrieval's status is recorded
    given = {}

    def recording_cusp(l2, *, time_index=0, solar_wind=None, magnetopause=None, hemisphere="north"):
        given["magnetopause"] = magnetopause
        nan = np.nan * u.deg
        return CuspEstimate(hemisphere, nan, nan, nan, nan, 7.0 * RE, "no sheath model", l2["time"].values[0])

    fakes = {
        **FAKES,
        "methods": {"boundary_fitting_jorgensen": failing_method},
        "cusp_method": recording_cusp,
    }
    rows = run_case(dict(zip(CASE_COLUMNS, GOOD[0].split(","), strict=True)), **fakes)
    assert given["magnetopause"].status == "no edge found"
    assert rows[0]["cusp_magnetopause"] == "boundary_fitting_jorgensen"
    assert rows[0]["cusp_status"] == "no sheath model"
    assert math.isnan(rows[0]["cusp_north_poleward_est"])
