"""The smilekit command line (typer's test runner, no subprocess)."""

import functools
import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from rich.progress import Progress, TextColumn
from typer.testing import CliRunner

import smilekit
import smilekit.cli
from smilekit import runs
from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES
from smilekit.cli import app
from smilekit.errors import IgnoredColumnsWarning, ModelDomainError
from smilekit.runs import load_settings
from smilekit.runs.registry import Stage
from smilekit.runs.stages.science import retrieve_frame
from smilekit.runs.stages.sxi import make_frame
from smilekit.science.magnetopause import METHODS

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert smilekit.__version__ in result.output


def test_events_lists_the_default_event():
    result = runner.invoke(app, ["events"])
    assert result.exit_code == 0
    assert "2015-06-21-high-density (default)" in result.output
    assert "2003-10-29-halloween" in result.output


def test_geospace_prints_every_model_and_writes_plots(tmp_path):
    result = runner.invoke(app, ["geospace", "--n", "10", "--v", "400", "--bz", "-5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("shue1997", "shue1998", "lin2010", "jelinek2012", "bow shock"):
        assert name in result.output
    assert len(list(tmp_path.glob("emissivity_*.png"))) == 3


def test_geospace_rejects_negative_density_with_the_value():
    result = runner.invoke(app, ["geospace", "--n", "-3"])
    assert result.exit_code == 2
    assert "-3" in result.output


def test_run_rejects_an_unknown_event_listing_the_names(tmp_path):
    result = runner.invoke(app, ["run", "--event", "no-such-event", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "2015-06-21-high-density" in result.output


def test_run_takes_its_settings_from_a_config_file(tmp_path, monkeypatch):
    # The wiring only: the settings of the file reach run_job (the settings themselves: tests/runs).
    seen = {}

    def fake_run_job(
        solar_wind, out, *, event, progress, settings, indices=None, telemetry=False, **execution
    ):
        seen["settings"], seen["execution"] = settings, execution
        return {"stages": {}}

    monkeypatch.setattr(smilekit.runs, "run_job", fake_run_job)
    config = tmp_path / "run.toml"
    config.write_text("[sxi]\nmax_frames = 2\nexposure_min = 1\n")
    result = runner.invoke(app, ["run", "--config", str(config), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert seen["settings"] == load_settings(config)
    assert seen["settings"].sxi.max_frames == 2
    # --every-frame sets [sxi] every_frame over the file's settings; --workers reaches run_job
    result = runner.invoke(
        app, ["run", "--config", str(config), "--every-frame", "--workers", "2", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert seen["settings"].sxi.every_frame and seen["settings"].sxi.max_frames == 2
    bars = seen["execution"].pop("task_progress")  # the frames' bars (test below)
    assert isinstance(bars, smilekit.cli._TaskBars)
    assert seen["execution"] == {"workers": 2, "scheduler": None}


def test_run_shows_a_bar_for_each_batch_of_tasks_as_its_tasks_finish():
    # run_job's task_progress: under the stages' bar, one for the SXI frames and one for their retrievals,
    # made at the first finished task of each (on workers they finish while the next stages run)
    out = io.StringIO()
    with Progress(TextColumn("{task.description} {task.completed}/{task.total} {task.fields[unit]}"),
                  console=Console(file=out, force_terminal=True, width=100)) as progress:  # fmt: skip
        bars = smilekit.cli._TaskBars(progress)
        bars("make_frame", 1, 3)
        bars("make_frame", 2, 3)
        bars("retrieve_frame", 1, 3)
        bars("make_frame", 3, 3)
        bars("something_else", 1, 1)
        shown = {t.description: (t.completed, t.total, t.fields["unit"]) for t in progress.tasks}
    assert shown == {
        "  SXI frames": (3, 3, "frames"),
        "  retrievals": (1, 3, "frames"),
        "  something_else": (1, 1, "tasks"),
    }
    assert "SXI frames 3/3 frames" in out.getvalue()
    assert set(smilekit.cli._TASK_BARS) == {make_frame.__name__, retrieve_frame.__name__}  # named as they are


def test_run_rejects_a_bad_config_file_naming_the_key_and_what_is_accepted(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("[sxi]\nmax_frames = 0\n")
    result = runner.invoke(app, ["run", "--config", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "sxi.max_frames = 0 is not accepted: expected an integer > 0" in output
    assert "run.toml" in output
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_run_exits_1_naming_each_failed_stage_on_one_line_and_where_the_report_is(tmp_path, monkeypatch):
    # run_job records failures and returns; the command says which stages failed, why, and where the report
    # is. The reason here is long, over two lines, with brackets rich reads as markup: one line, as written
    error = "ModelDomainError: Bz = -48 nT is outside [-20, 5] nT ([geospace] fit);\n" + "x" * 100

    def fake_run_job(
        solar_wind, out, *, event, progress, settings, indices=None, telemetry=False, **execution
    ):
        return {"stages": {"solar_wind": {"status": "ok"}, "mission": {"status": "failed", "error": error}}}

    monkeypatch.setattr(smilekit.runs, "run_job", fake_run_job)
    result = runner.invoke(app, ["run", "--out", str(tmp_path), "-q"])
    assert result.exit_code == 1
    one_line = " ".join(error.split())
    assert result.stderr.splitlines() == [f"stage mission failed: {one_line}"]
    assert f"Report: {(tmp_path / 'index.html').resolve()}" in result.stdout.splitlines()
    assert "solar_wind" not in result.stderr


def test_a_real_run_with_a_failing_stage_writes_its_report_and_exits_1(tmp_path, monkeypatch):
    # the real runner on the default event, with a cheap stage list: the solar wind, then one that fails
    def broken(ctx):
        raise ModelDomainError("deliberately out of range")

    stages = [runs.STAGES.by_name("solar_wind"), Stage("broken", broken, description="Fails on purpose.")]
    monkeypatch.setattr(smilekit.runs, "run_job", functools.partial(runs.run_job, stages=stages))
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "--out", str(out), "-q"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["stage broken failed: ModelDomainError: deliberately out of range"]
    summary = json.loads((out / "summary.json").read_text())
    assert {name: s["status"] for name, s in summary["stages"].items()} == {
        "solar_wind": "ok",
        "broken": "failed",
    }
    assert "deliberately out of range" in (out / "index.html").read_text()
    assert f"Report: {(out / 'index.html').resolve()}" in result.stdout.splitlines()


@pytest.mark.slow
def test_run_on_a_solar_wind_file(tmp_path):
    # A short synthetic file in the SWMF IMF format goes through the whole job.
    lines = ["#COORDINATES", "GSE", "", "year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T", "#START"]
    for minute in range(90):
        hour, mn = divmod(minute, 60)
        n = 5.0 + 10.0 * (30 <= minute < 60)
        lines.append(f"2020 03 01 {hour:02d} {mn:02d} 00 000 1.0 2.0 -3.0 -400.0 0.0 0.0 {n} 100000.0")
    path = tmp_path / "imf.dat"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["run", "--solar-wind", str(path), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["stages"]["solar_wind"]["peak_pdyn_nPa"] == pytest.approx(2e-6 * 15 * 400**2, rel=1e-6)


@pytest.mark.slow
def test_run_on_a_gannon_like_file_with_f107_and_irregular_times(tmp_path):
    # The user file: an SWMF IMF file in GSM with an F10.7 column after T, ACE data propagated to
    # Earth at a nominal 16 s with +-0.4 s of jitter and millisecond times, the last record 0.6 s early
    # against the first (the case whose regularised series ended one grid point short). The jitter (seed
    # 4) has 16 s as its most common whole-second step, so the stage's cadence is 16 s.
    rng = np.random.default_rng(4)
    size = 300
    jitter = rng.integers(-400, 401, size)
    jitter[0], jitter[-1] = 250, -350
    times = np.datetime64("2024-05-10T17:00:27.689", "ms") + (np.arange(size) * 16_000 + jitter).astype(
        "timedelta64[ms]"
    )
    lines = ["Gannon-storm-like test file", "", "#COORDINATES", "GSM", ""]
    lines += ["year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T F10.7", "#START"]
    for k, t in enumerate(times):
        d = t.astype("datetime64[us]").item()
        n = 20.0 if 100 <= k < 200 else 5.0
        stamp = f"{d:%Y %m %d %H %M %S} {d.microsecond // 1000:03d}"
        lines.append(f"{stamp} 5.0 20.0 -40.0 -700.0 0.0 0.0 {n} 300000.0 210.3")
    path = tmp_path / "gannon_IMF.dat"
    path.write_text("\n".join(lines) + "\n")
    with pytest.warns(IgnoredColumnsWarning, match="F10.7"):
        result = runner.invoke(app, ["run", "--solar-wind", str(path), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    solar_wind = json.loads((tmp_path / "out" / "summary.json").read_text())["stages"]["solar_wind"]
    assert solar_wind["cadence_s"] == 16.0
    assert solar_wind["records"] == size  # one grid time per record, the last one included
    assert (solar_wind["interpolated"], solar_wind["missing"]) == (0, 0)
    assert solar_wind["start"] == str(times[0].astype("datetime64[ns]"))
    assert solar_wind["end"] == str(
        (times[0] + (size - 1) * np.timedelta64(16, "s")).astype("datetime64[ns]")
    )
    assert solar_wind["peak_pdyn_nPa"] == pytest.approx(2e-6 * 20 * 700**2, rel=1e-9)
    assert solar_wind["min_bz_gsm_nT"] == -40.0


def _solar_wind_only(monkeypatch):
    """The real runner with the solar-wind stage only: cheap, and it summarises the indices it was given."""
    stages = [runs.STAGES.by_name("solar_wind")]
    monkeypatch.setattr(smilekit.runs, "run_job", functools.partial(runs.run_job, stages=stages))


def test_run_loads_the_bundled_events_indices_and_indices_overrides_them(tmp_path, monkeypatch):
    _solar_wind_only(monkeypatch)
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "a"), "-q"])
    assert result.exit_code == 0, result.output
    indices = json.loads((tmp_path / "a" / "summary.json").read_text())["stages"]["solar_wind"]["indices"]
    # the default event (2015-06-21): SYM-H down to -208 nT (data/PROVENANCE.md) inside its solar wind
    assert indices["min_sym_h_nT"] == -208.0
    assert indices["source"].endswith("2015-06-21_highdensity_SYMH_AL_1min.txt")
    own = tmp_path / "my_indices.csv"
    own.write_text("time,sym_h,al\n2015-06-22T18:00,-50,-300\n2015-06-22T18:01,-60,-200\n")
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "b"), "--indices", str(own), "-q"])
    assert result.exit_code == 0, result.output
    indices = json.loads((tmp_path / "b" / "summary.json").read_text())["stages"]["solar_wind"]["indices"]
    assert indices == {
        "source": "my_indices.csv",
        "min_sym_h_nT": -60.0,
        "min_sym_h_time": "2015-06-22T18:01:00.000000000",
        "min_al_nT": -300.0,
        "min_al_time": "2015-06-22T18:00:00.000000000",
        "records": 2,
    }


def test_run_rejects_a_bad_indices_file_before_running(tmp_path, monkeypatch):
    _solar_wind_only(monkeypatch)
    bad = tmp_path / "bad.csv"
    bad.write_text("time,kp\n2015-06-22T18:00,3\n")
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "out"), "--indices", str(bad), "-q"])
    assert result.exit_code == 2
    assert "cannot identify SYM-H or AL" in " ".join(result.stderr.split())
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_run_on_a_solar_wind_file_with_indices(tmp_path):
    # the whole job on a user's storm: an SWMF IMF file and its SYM-H and AL given with --indices, two SXI
    # frames (a --config file) to keep it short
    lines = ["#COORDINATES", "GSE", "", "year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T", "#START"]
    table = ["year mo dy hr mn sc msc dst_sm AL"]
    for minute in range(120):
        hour, mn = divmod(minute, 60)
        n = 5.0 + 10.0 * (40 <= minute < 80)
        lines.append(f"2020 03 01 {hour:02d} {mn:02d} 00 000 1.0 2.0 -3.0 -400.0 0.0 0.0 {n} 100000.0")
        sym_h, al = (-20.0 - minute, -100.0 - 5 * minute) if minute != 7 else (99999.0, 99999.0)
        table.append(f"2020 03 01 {hour:02d} {mn:02d} 00 000 {sym_h:.2f} {al:.2f}")
    (tmp_path / "imf.dat").write_text("\n".join(lines) + "\n")
    (tmp_path / "dst.txt").write_text("Sym-H and AL, a test storm. Units in nT.\n" + "\n".join(table) + "\n")
    (tmp_path / "run.toml").write_text("[sxi]\nmax_frames = 2\n")
    out = tmp_path / "out"
    args = ["run", "--solar-wind", str(tmp_path / "imf.dat"), "--indices", str(tmp_path / "dst.txt")]
    result = runner.invoke(app, [*args, "--config", str(tmp_path / "run.toml"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    solar_wind = summary["stages"]["solar_wind"]
    assert solar_wind["indices"] == {
        "source": "dst.txt",
        "min_sym_h_nT": -139.0,
        "min_sym_h_time": "2020-03-01T01:59:00.000000000",
        "min_al_nT": -695.0,
        "min_al_time": "2020-03-01T01:59:00.000000000",
        "records": 120,
    }
    # the plateau of 15 cm^-3 (40 min) is the peak; the SXI frame of the peak contains it
    assert solar_wind["peak_pdyn_nPa"] == pytest.approx(2e-6 * 15 * 400**2, rel=1e-9)
    frame = summary["stages"]["sxi"]["peak_frame"]
    peak = np.datetime64(solar_wind["peak_pdyn_time"])
    assert frame["contains_peak"] and np.datetime64(frame["start"]) <= peak <= np.datetime64(frame["end"])
    assert summary["settings"]["sxi"]["max_frames"] == 2
    assert (out / "solar_wind.png").stat().st_size > 10_000


def test_orbit_writes_the_files_and_keys_scripts_read(tmp_path):
    # The command of the issue: `smilekit orbit --start 2026-03-01 --days 30 --out DIR`.
    result = runner.invoke(app, ["orbit", "--start", "2026-03-01", "--days", "30", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ephemeris.cdf").stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    for key in ("period_h", "perigee_alt_km", "apogee_alt_km", "inclination_deg"):
        assert isinstance(summary[key], float)
    assert summary["period_h"] == pytest.approx(50.6, abs=0.1)
    assert summary["inclination_deg"] == pytest.approx(73.0, abs=0.1)
    hours = summary["hours_per_orbit"]
    assert set(hours) == {"FSM", "RSM1", "RSM2", "RSM3"}
    assert sum(hours.values()) == pytest.approx(summary["period_h"], abs=0.05)
    assert hours["FSM"] == pytest.approx(42.0, abs=0.3)  # the issue: "about 42 h above 50 000 km"


def test_orbit_rejects_a_start_outside_the_igrf_range(tmp_path):
    result = runner.invoke(app, ["orbit", "--start", "2035-01-01", "--days", "1", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "2035" in result.output


def test_plan_rejects_an_unknown_station_listing_the_known_ones(tmp_path):
    result = runner.invoke(app, ["plan", "--station", "Atlantis", "--days", "1", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Atlantis" in result.output and "Kiruna" in result.output


def test_evaluate_reports_a_malformed_line_and_runs_the_rest(tmp_path):
    lines = data_path(SHIPPED_CASES).read_text().splitlines()
    fields = lines[1].split(",")
    fields[0], fields[8] = "bad-density", "-5"  # n < 0
    cases = tmp_path / "cases.csv"
    cases.write_text("\n".join([lines[0], ",".join(fields), lines[1]]) + "\n")
    result = runner.invoke(app, ["evaluate", str(cases), "--out", str(tmp_path / "ev"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "line 2" in result.output
    results = pd.read_csv(tmp_path / "ev" / "results.csv")
    assert len(results) == len(METHODS) and set(results["method"]) == set(METHODS)
    summary = json.loads((tmp_path / "ev" / "summary.json").read_text())
    assert summary["malformed"][0]["line"] == 2


@pytest.mark.slow
def test_evaluate_on_worker_processes_prints_no_dask_chatter(tmp_path):
    # dask's worker processes log their start-up at INFO unless told otherwise; only -v shows it. A real
    # process: the workers' output goes to the terminal, past typer's test runner.

    lines = data_path(SHIPPED_CASES).read_text().splitlines()
    cases = tmp_path / "cases.csv"
    cases.write_text("\n".join(lines[:2]) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    argv = ["evaluate", str(cases), "--out", str(tmp_path / "ev"), "--workers", "1", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", "from smilekit.cli import app; app()", *argv],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    chatter = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("INFO")]
    assert chatter == []
    assert (tmp_path / "ev" / "results.csv").exists()
