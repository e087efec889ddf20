"""The main job's runner: every stage in order, summary.json, index.html, and failure isolation."""

import functools
import json
import logging
import time

import pytest

from smilekit import runs
from smilekit.campaign import cluster
from smilekit.errors import InputError, ModelDomainError
from smilekit.runs import Stage
from smilekit.runs.stages.sxi import SXISettings

#: The keys of summary.json and of each stage's section, as they were before the stages were registered
#: (plus the top-level "settings"; and, for issue 13, the peak rule, the storm's indices and the SXI frame
#: of the peak, which the report reads by these names): the registry must not change what a run reports.
SUMMARY_KEYS = ["smilekit_version", "event", "output", "stages", "seconds", "figures", "settings"]
STAGE_KEYS = {
    "solar_wind": ["status", "start", "end", "cadence_s", "records", "interpolated", "missing",
                   "peak_pdyn_time", "peak_pdyn_nPa", "peak_smoothing", "peak_pdyn_sample_max_nPa",
                   "peak_n_cm-3", "peak_v_km_s", "peak_bz_gsm_nT", "max_density_cm-3", "min_bz_gsm_nT",
                   "indices", "provenance", "files", "seconds"],
    "standoff": ["status", "shue1997", "shue1998", "lin2010", "jelinek2012", "bow shock (jelinek2012)",
                 "seconds"],
    "emissivity": ["status", "time", "tilt_deg", "models", "seconds"],
    "mission": ["status", "orbit", "elements_epoch", "step_s", "samples", "hours_in_mode",
                "sxi_excluded_fraction", "nose_visible_fraction", "oval_visible_fraction", "at_peak_pdyn",
                "files", "seconds"],
    "sxi": ["status", "frames", "exposure_s", "sxi_usable_hours", "frame_table", "peak_frame", "files",
            "seconds"],
    "science": ["status", "frames", "methods", "cusp_answered", "files", "seconds"],
    "uvi": ["status", "frames", "exposure_s", "pixels", "uvi_on_samples", "ovation_window_hours", "skipped",
            "equatorward_bias_deg", "poleward_bias_deg", "frame_table", "files", "seconds"],
    "insitu": ["status", "samples", "cadence_s", "kp", "hours_in_region", "flagged_samples", "crossings",
               "seconds"],
    "mag": ["status", "vectors", "vector_rate_hz", "flagged_vectors", "error_by_region", "files", "seconds"],
    "lia": ["status", "distributions", "every_s", "field_from_mag_fraction", "flagged_distributions",
            "alpha_temperature_ratio_assumed", "alpha_ratio_inferred_samples", "alpha_ratio_inferred_median",
            "error_by_region", "files", "seconds"],
    "regions": ["status", "samples", "sample_spacing_s", "score", "crossings", "seconds"],
}  # fmt: skip


def test_every_stage_succeeds_and_reports_progress(finished_run):
    _, summary, calls = finished_run
    assert {name: s["status"] for name, s in summary["stages"].items()} == {s.name: "ok" for s in runs.STAGES}
    assert [c[1] for c in calls] == list(range(1, len(runs.STAGES) + 1))


def test_summary_and_report_are_written(finished_run):
    out, summary, _ = finished_run
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == summary
    page = (out / "index.html").read_text()
    for figure in summary["figures"]:
        assert (out / figure).stat().st_size > 10_000  # a real PNG, not an empty file
        assert f"data-file='{figure}'" in page


def test_the_registered_stages_give_the_stage_list_and_summary_keys_of_the_job(finished_run):
    _, summary, _ = finished_run
    assert [s.name for s in runs.STAGES] == list(STAGE_KEYS)
    assert list(summary) == SUMMARY_KEYS
    assert {name: list(section) for name, section in summary["stages"].items()} == STAGE_KEYS
    # the settings the run used, recorded; only the frame count differs from the defaults
    expected = runs.JobSettings().to_dict()
    expected["sxi"]["max_frames"] = 3
    assert summary["settings"] == expected


def test_a_failing_stage_is_recorded_and_the_rest_still_run(short_event, tmp_path):
    def broken(ctx):
        raise ModelDomainError("deliberately out of range")

    stages = [runs.STAGES[0], Stage("broken", broken, description="Fails on purpose."), *runs.STAGES[1:2]]
    summary = runs.run_job(short_event, tmp_path, event="test", stages=stages)
    assert summary["stages"]["broken"]["status"] == "failed"
    assert "deliberately out of range" in summary["stages"]["broken"]["error"]
    assert summary["stages"]["standoff"]["status"] == "ok"
    assert "failed" in (tmp_path / "index.html").read_text()


def _provider(ctx):
    raise ModelDomainError("no x today")


def _consumer(ctx):
    return {"x": ctx.results["x"]}


def _after(ctx):
    return {"ran": True}


def test_a_stage_whose_input_was_never_made_fails_with_the_reason_and_the_run_goes_on(short_event, tmp_path):
    stages = [
        Stage("provider", _provider, provides=("x",), description="Fails before making x."),
        Stage("consumer", _consumer, requires=("x",), description="Reads x."),
        Stage("after", _after, description="Runs anyway."),
    ]
    calls = []
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=stages, progress=lambda *a: calls.append(a)
    )
    assert summary["stages"]["consumer"]["status"] == "failed"
    assert summary["stages"]["consumer"]["error"].startswith(
        "MissingResultError: the result 'x' is not there"
    )
    assert summary["stages"]["after"] == {"status": "ok", "ran": True, "seconds": pytest.approx(0, abs=1)}
    assert [c[:2] for c in calls] == [("provider", 1), ("consumer", 2), ("after", 3)]


def test_after_an_essential_stage_fails_the_run_stops_there(short_event, tmp_path):
    # as the solar-wind stage: nothing downstream can run without it
    stages = [
        Stage("provider", _provider, provides=("x",), essential=True, description="Fails, essential."),
        Stage("after", _after, description="Never runs."),
    ]
    calls = []
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=stages, progress=lambda *a: calls.append(a)
    )
    assert list(summary["stages"]) == ["provider"]  # "after" never ran
    entry = summary["stages"]["provider"]
    assert (entry["status"], entry["error"]) == ("failed", "ModelDomainError: no x today")
    assert entry["seconds"] >= 0  # recorded like any stage's, and reported to the progress callback
    assert calls == [("provider", 1, 2)]
    assert json.loads((tmp_path / "summary.json").read_text()) == summary


def test_a_stage_that_does_not_provide_what_it_declares_fails_and_the_summary_is_written(
    short_event, tmp_path
):
    stages = [
        Stage("liar", _after, provides=("x",), description="Declares x, makes nothing."),
        Stage("after", _after, description="Needs nothing: runs."),
    ]
    summary = runs.run_job(short_event, tmp_path, event="t", stages=stages)
    assert summary["stages"]["liar"]["status"] == "failed"
    assert (
        "MissingResultError: stage 'liar' finished without providing 'x'"
        in summary["stages"]["liar"]["error"]
    )
    assert summary["stages"]["after"]["status"] == "ok"
    assert json.loads((tmp_path / "summary.json").read_text()) == summary


def test_run_job_refuses_settings_that_are_not_job_settings(short_event, tmp_path):
    with pytest.raises(InputError, match="settings must be a JobSettings, got SXISettings"):
        runs.run_job(short_event, tmp_path, settings=SXISettings())


def test_a_bug_in_a_stage_is_recorded_as_an_internal_error_and_the_run_goes_on(short_event, tmp_path, caplog):
    def buggy(ctx):
        return {"ratio": 1 / 0}

    stages = [
        Stage("buggy", buggy, description="Divides by zero."),
        Stage("after", _after, description="Runs."),
    ]
    summary = runs.run_job(short_event, tmp_path, event="t", stages=stages)
    error = summary["stages"]["buggy"]["error"]
    assert error == "internal error, please report it: ZeroDivisionError: division by zero"
    assert summary["stages"]["after"]["status"] == "ok"
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert (tmp_path / "index.html").exists()
    assert "Traceback" in caplog.text and "ZeroDivisionError" in caplog.text


def _parker(events, name="parker", *, provide="x", before="", after="", yields=1, returns=None):
    """A stage function that parks: provides ``provide`` (unless ``after``), yields ``yields`` times,
    then returns its section; ``before`` / ``after``: raise ModelDomainError before / after the yield, or
    "provide" to provide ``provide`` only after the yield."""

    def run(ctx):
        events.append(f"{name} starts")
        if before:
            raise ModelDomainError(before)
        if after != "provide":
            ctx.results[provide] = 42
        for _ in range(yields):
            yield
        if after == "provide":
            ctx.results[provide] = 42
        elif after:
            raise ModelDomainError(after)
        events.append(f"{name} finishes")
        return {"n": 1} if returns is None else returns

    return run


def _parking_stages(events, *, closer_after_parked=False, pause=0.0, **parker):
    """A stage that parks (it provides x), one that reads x, and a closing one."""

    def consumer(ctx):
        events.append("consumer")
        time.sleep(pause)
        return {"x": ctx.results["x"]}

    def closer(ctx):
        events.append("closer")
        return {}

    return [
        Stage("parker", _parker(events, **parker), provides=("x",), description="Parks."),
        Stage("consumer", consumer, requires=("x",), description="Reads x while parker is parked."),
        Stage("closer", closer, after_parked=closer_after_parked, description="Runs last."),
    ]


def _two_parkers(events, **first):
    """Two stages that park, the second reading what the first provides; ``first``: :func:`_parker`'s
    options for the first."""
    return [
        Stage("a", _parker(events, "a", **first), provides=("x",), description="Parks first."),
        Stage(
            "b", _parker(events, "b", provide="y"), provides=("y",), requires=("x",), description="Uses x."
        ),
    ]


def test_a_stage_that_parks_finishes_after_the_last_stage_and_keeps_its_place(short_event, tmp_path):
    events, calls = [], []
    stages = _parking_stages(events, pause=1.0)
    assert [s.parks for s in stages] == [True, False, False]
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=stages, progress=lambda *a: calls.append(a)
    )
    # what it provided before its yield is read by the next stage before it finishes
    assert events == ["parker starts", "consumer", "closer", "parker finishes"]
    assert list(summary["stages"]) == ["parker", "consumer", "closer"]
    assert summary["stages"]["parker"]["status"] == "ok" and summary["stages"]["parker"]["n"] == 1
    assert summary["stages"]["consumer"]["x"] == 42
    # its seconds are its own two parts (microseconds), not the 1 s of the stage that ran while it was parked
    assert summary["stages"]["parker"]["seconds"] < 0.5 <= summary["stages"]["consumer"]["seconds"]
    assert [c[:2] for c in calls] == [("consumer", 1), ("closer", 2), ("parker", 3)]
    assert json.loads((tmp_path / "summary.json").read_text()) == summary


def test_a_stage_that_runs_after_the_parked_ones_waits_for_them(short_event, tmp_path):
    # as the telemetry stage, which packs what every instrument stage (the parked SXI stage too) handed on
    events = []
    stages = _parking_stages(events, closer_after_parked=True)
    summary = runs.run_job(short_event, tmp_path, event="t", stages=stages)
    assert events == ["parker starts", "consumer", "parker finishes", "closer"]
    assert [s["status"] for s in summary["stages"].values()] == ["ok", "ok", "ok"]


def test_parked_stages_finish_in_the_order_they_parked(short_event, tmp_path):
    events = []
    summary = runs.run_job(short_event, tmp_path, event="t", stages=_two_parkers(events))
    assert events == ["a starts", "b starts", "a finishes", "b finishes"]
    assert [s["status"] for s in summary["stages"].values()] == ["ok", "ok"]


def test_a_parked_stage_that_fails_when_finished_is_recorded_and_the_others_stand(short_event, tmp_path):
    events = []
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=_parking_stages(events, after="the workers' frames failed")
    )
    assert summary["stages"]["parker"]["status"] == "failed"
    assert summary["stages"]["parker"]["error"] == "ModelDomainError: the workers' frames failed"
    assert summary["stages"]["parker"]["seconds"] >= 0
    assert [summary["stages"][name]["status"] for name in ("consumer", "closer")] == ["ok", "ok"]


def test_a_parked_stage_whose_provider_failed_when_finished_fails_with_the_reason(short_event, tmp_path):
    # as the science stage's retrievals, started on the SXI stage's frames, when the frames fail
    events = []
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=_two_parkers(events, after="frames failed")
    )
    assert events == ["a starts", "b starts"]  # b's second part never runs
    assert summary["stages"]["b"]["status"] == "failed"
    assert summary["stages"]["b"]["error"] == (
        "MissingResultError: the result 'x' is not there: stage 'a', which provided it, failed when it was "
        "finished"
    )


def test_a_stage_that_fails_before_its_yield_is_recorded_in_its_place(short_event, tmp_path):
    events, calls = [], []
    stages = _parking_stages(events, before="no frames")
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=stages, progress=lambda *a: calls.append(a)
    )
    assert summary["stages"]["parker"] == {
        "status": "failed", "error": "ModelDomainError: no frames", "seconds": pytest.approx(0, abs=1)
    }  # fmt: skip
    assert summary["stages"]["consumer"]["status"] == "failed"  # x was never provided
    assert [c[0] for c in calls] == ["parker", "consumer", "closer"]


def test_a_stage_must_provide_its_results_before_it_parks(short_event, tmp_path):
    events = []
    summary = runs.run_job(short_event, tmp_path, event="t", stages=_parking_stages(events, after="provide"))
    assert summary["stages"]["parker"]["status"] == "failed"
    assert "finished without providing 'x'" in summary["stages"]["parker"]["error"]
    assert "parker finishes" not in events  # not parked: closed at once


def test_a_generator_stage_that_returns_without_yielding_is_not_parked(short_event, tmp_path):
    events, calls = [], []
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=_parking_stages(events, yields=0),
        progress=lambda *a: calls.append(a),
    )  # fmt: skip
    assert events == ["parker starts", "parker finishes", "consumer", "closer"]
    assert summary["stages"]["parker"]["status"] == "ok"
    assert [c[0] for c in calls] == ["parker", "consumer", "closer"]


@pytest.mark.parametrize("yields", [0, 1])
def test_a_stage_that_returns_no_section_is_an_internal_error(short_event, tmp_path, yields):
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=_parking_stages([], yields=yields, returns="done")
    )
    assert summary["stages"]["parker"]["status"] == "failed"
    assert "internal error" in summary["stages"]["parker"]["error"]
    assert "returned str, not its summary section" in summary["stages"]["parker"]["error"]


def test_a_stage_that_yields_twice_is_an_internal_error(short_event, tmp_path):
    summary = runs.run_job(short_event, tmp_path, event="t", stages=_parking_stages([], yields=2))
    assert summary["stages"]["parker"]["status"] == "failed"
    assert "internal error" in summary["stages"]["parker"]["error"]
    assert "yields once" in summary["stages"]["parker"]["error"]


def test_an_essential_stage_cannot_park():
    def parker(ctx):
        yield

    with pytest.raises(InputError, match="an essential stage cannot park"):
        Stage("parker", parker, essential=True, description="Would park.")


def test_an_essential_stage_that_parks_all_the_same_fails_and_the_run_stops(short_event, tmp_path):
    # a wrapper that is not itself a generator function gets past Stage's check; the runner refuses it
    events = []

    def wrapped(ctx):
        return _parker(events)(ctx)

    stages = [
        Stage("parker", wrapped, provides=("x",), essential=True, description="Parks, though essential."),
        Stage("after", _after, description="Never runs."),
    ]
    assert not stages[0].parks
    summary = runs.run_job(short_event, tmp_path, event="t", stages=stages)
    assert list(summary["stages"]) == ["parker"]
    assert summary["stages"]["parker"]["status"] == "failed"
    assert "an essential stage cannot park" in summary["stages"]["parker"]["error"]
    assert events == ["parker starts"]  # closed at its yield: its second part never ran


def test_workers_that_do_not_start_fail_the_stage_that_needs_them_and_the_report_is_written(
    short_event, tmp_path, monkeypatch, caplog
):
    # the runner starts a run's workers ahead of its stages when one of them parks; if they do not start,
    # that is logged, and the stage that submits work fails as any failing stage: the others run and the
    # report is written
    def no_cluster(workers, scheduler):
        raise OSError("no cluster here")

    def frames(ctx):
        batch = ctx.submit(abs, [-1, -2])
        yield
        return {"n": len(batch.result())}

    stages = [
        Stage("frames", frames, description="Works on the workers."),
        Stage("after", _after, description="Runs here."),
    ]
    monkeypatch.setattr(cluster, "dask_client", no_cluster)
    with caplog.at_level(logging.WARNING, logger="smilekit.runs.context"):
        summary = runs.run_job(short_event, tmp_path, event="t", stages=stages, workers=2)
    assert "did not start ahead of the stages (no cluster here)" in caplog.text
    error = summary["stages"]["frames"]["error"]
    assert error == "internal error, please report it: OSError: no cluster here"
    assert summary["stages"]["after"]["status"] == "ok"
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert (tmp_path / "index.html").exists()


def test_each_finished_task_of_a_batch_is_reported(short_event, tmp_path):
    # task_progress hears of each task of a stage's batch as it is finished (the CLI's frame bars), here in
    # this process; on workers, tests/runs/test_context.py
    heard = []

    def tasks(ctx):
        ctx.map(functools.partial(pow, 2), [1])  # a callable without a name: its type's
        return {"n": len(ctx.map(abs, [-1, -2, -3]))}

    stages = [Stage("tasks", tasks, description="Three tasks.")]
    summary = runs.run_job(
        short_event, tmp_path, event="t", stages=stages, task_progress=lambda *a: heard.append(a)
    )
    assert summary["stages"]["tasks"]["status"] == "ok"
    assert heard == [("partial", 1, 1), ("abs", 1, 3), ("abs", 2, 3), ("abs", 3, 3)]


def test_a_progress_report_that_fails_is_logged_once_and_the_run_goes_on(short_event, tmp_path, caplog):
    def broken(name, done, total):
        raise RuntimeError("the display broke")

    def tasks(ctx):
        return {"n": len(ctx.map(abs, [-1, -2, -3]))}

    stages = [Stage("tasks", tasks, description="Three tasks.")]
    with caplog.at_level(logging.WARNING, logger="smilekit.runs.context"):
        summary = runs.run_job(short_event, tmp_path, event="t", stages=stages, task_progress=broken)
    assert summary["stages"]["tasks"]["status"] == "ok" and summary["stages"]["tasks"]["n"] == 3
    assert caplog.text.count("task progress of abs not shown") == 1
