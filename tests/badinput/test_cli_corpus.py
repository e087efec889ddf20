"""Bad-input corpus of the command line and of the file readers behind it (issue 14, deliverable 2 and the
file-level probes): each probe is a command line and the files it is given, made in tmp_path, with its
expected outcome: the exit status, the one line of stderr and the words it must hold, never a traceback;
for ``run``, the report written with the failed stages shown. The CLI has no UVI command of its own: the UVI
stage's settings (``[uvi]`` of ``run --config``) are probed here. Then the same files through the Python API,
where the outcome is a project error (InputError, ProductError) naming the file and what is wrong.

Every probe here is cheap: nothing propagates an orbit or simulates SXI (``run`` gets the solar-wind stage
only, or a stage that fails on purpose).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import smilekit.cli
import smilekit.runs.plan
import smilekit.runs.stages.geospace
import smilekit.solarwind.events
from smilekit import runs
from smilekit.campaign.cases import CASE_COLUMNS, read_cases
from smilekit.campaign.cluster import SCHEDULER_TIMEOUT_S
from smilekit.campaign.evaluate import evaluate_cases
from smilekit.cli import app
from smilekit.errors import InputError, ProductError
from smilekit.products.sxi_fits import read_l1, read_l2, write_l1
from smilekit.runs.registry import Stage
from smilekit.solarwind import SolarWind, load_event, read_solar_wind
from smilekit.times import as_datetime64
from testsupport.solarwind_files import truth, write_omni_cdf
from testsupport.sxi import small_event_list

runner = CliRunner()


# ---------------------------------------------------------------------------------------------------
# files the probes are given
# ---------------------------------------------------------------------------------------------------
def _a_file(tmp: Path) -> Path:
    path = tmp / "a_file.txt"
    path.write_text("not a folder\n")
    return path


def _binary_cases(tmp: Path) -> Path:
    path = tmp / "cases.csv"
    path.write_bytes(bytes(range(256)) * 4)  # 0x80 at offset 128 is not UTF-8
    return path


def _nul_cases(tmp: Path) -> Path:
    path = tmp / "cases.csv"
    path.write_text(",".join(CASE_COLUMNS) + "\n\x00\x00\x00\n")
    return path


def _uvi_settings(tmp: Path, line: str) -> Path:
    """A run-settings TOML file whose [uvi] section (the UVI stage's frames) holds ``line``."""
    path = tmp / "uvi.toml"
    path.write_text(f"[uvi]\n{line}\n")
    return path


def _closed_port() -> int:
    """A local TCP port that nothing listens on: bound, then closed (127.0.0.1 only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _swmf(tmp: Path, year: int, records: int = 5) -> Path:
    lines = ["#COORDINATES", "GSE", "", "year mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T", "#START"]
    for minute in range(records):
        lines.append(f"{year} 03 01 00 {minute:02d} 00 000 1.0 2.0 -3.0 -400.0 0.0 0.0 5.0 100000.0")
    path = tmp / f"imf_{year}_{records}.dat"
    path.write_text("\n".join(lines) + "\n")
    return path


def _cdf(tmp: Path, cut: bool) -> Path:
    path = write_omni_cdf(tmp / "omni.cdf", truth(60))
    if cut:  # cut in the middle: the variables' records and attributes point past the end
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


def _text_named_cdf(tmp: Path) -> Path:
    path = tmp / "omni.cdf"
    path.write_text("this is not a CDF file\n" * 20)
    return path


# ---------------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------------
@dataclass
class Probe:
    """One command line: ``args`` is made from tmp_path (strings; Paths are made strings), ``code`` the exit
    status, ``words`` what the one line of stderr holds, ``report`` whether OUT/summary.json must exist."""

    name: str
    args: Callable[[Path], list]
    code: int
    words: tuple[str, ...]
    report: bool = False
    patch: Callable | None = None  # called with (monkeypatch, tmp_path) before the command
    marks: tuple = field(default_factory=tuple)


def _no_write_permission(monkeypatch, tmp: Path) -> None:
    # tests run as root, where chmod does not take write permission away: ask os.access instead
    real = os.access
    locked = tmp / "locked"
    locked.mkdir()
    monkeypatch.setattr(
        smilekit.cli.os, "access", lambda p, mode, **kw: False if Path(p) == locked else real(p, mode, **kw)
    )


def _solar_wind_only(monkeypatch, tmp: Path) -> None:
    stages = [runs.STAGES.by_name("solar_wind")]
    monkeypatch.setattr(smilekit.runs, "run_job", functools.partial(runs.run_job, stages=stages))


def _failing_stage(monkeypatch, tmp: Path) -> None:
    def broken(ctx):
        raise RuntimeError("a bug in a stage")

    stages = [runs.STAGES.by_name("solar_wind"), Stage("broken", broken, description="Fails on purpose.")]
    monkeypatch.setattr(smilekit.runs, "run_job", functools.partial(runs.run_job, stages=stages))


def _failing_report(monkeypatch, tmp: Path) -> None:
    # a failure outside every stage: the report's page (summary.json is written before it)
    _solar_wind_only(monkeypatch, tmp)

    def broken(*args, **kwargs):
        raise RuntimeError("the page could not be drawn")

    monkeypatch.setattr(runs.job.report, "write_index", broken)


OUT_COMMANDS = {
    "run": lambda out: ["run", "--out", out, "-q"],
    "orbit": lambda out: ["orbit", "--days", "1", "--out", out],
    "plan": lambda out: ["plan", "--days", "1", "--out", out, "-q"],
    "geospace": lambda out: ["geospace", "--out", out],
    "evaluate": lambda out: ["evaluate", "--out", out, "-q"],
}

PROBES = [
    *(
        Probe(f"{cmd} --out an existing file", lambda t, c=c: c(_a_file(t)), 2, ("--out", "existing file"))
        for cmd, c in OUT_COMMANDS.items()
    ),
    *(
        Probe(
            f"{cmd} --out under a file",
            lambda t, c=c: c(_a_file(t) / "out"),
            2,
            ("--out", "cannot be made", "is a file, not a folder"),
        )
        for cmd, c in OUT_COMMANDS.items()
    ),
    *(
        Probe(
            f"{cmd} --out in a folder without write permission",
            lambda t, c=c: c(t / "locked" / "out"),
            2,
            ("--out", "not writable", "locked"),
            patch=_no_write_permission,
        )
        for cmd, c in OUT_COMMANDS.items()
    ),
    Probe(
        "evaluate a binary case file",
        lambda t: ["evaluate", _binary_cases(t), "--out", t / "ev", "-q"],
        2,
        ("cases.csv", "not UTF-8", "0x80", "offset 128", "header"),
    ),
    Probe(
        "evaluate a case file with NUL bytes",
        lambda t: ["evaluate", _nul_cases(t), "--out", t / "ev", "-q"],
        2,
        ("cases.csv", "binary file", "NUL"),
    ),
    Probe(
        "evaluate on an unreachable scheduler",
        lambda t: ["evaluate", "--scheduler", f"tcp://127.0.0.1:{_closed_port()}", "--out", t / "ev", "-q"],
        2,
        ("scheduler tcp://127.0.0.1:", "cannot reach", "5 s"),
    ),
    Probe(
        "evaluate on a scheduler address without a port",
        lambda t: ["evaluate", "--scheduler", "localhost", "--out", t / "ev", "-q"],
        2,
        ("'localhost'", "not a scheduler address", "tcp://HOST:PORT"),
    ),
    Probe(
        "run a one-record SWMF file",
        lambda t: ["run", "--solar-wind", _swmf(t, 2020, records=1), "--out", t / "out", "-q"],
        2,
        ("imf_2020_1.dat", "at least two"),
    ),
    Probe(
        "run a text file named .cdf",
        lambda t: ["run", "--solar-wind", _text_named_cdf(t), "--out", t / "out", "-q"],
        2,
        ("omni.cdf", "not a recognised solar-wind file"),
    ),
    Probe(
        "run a CDF cut in the middle",
        lambda t: ["run", "--solar-wind", _cdf(t, cut=True), "--out", t / "out", "-q"],
        2,
        ("omni.cdf", "CDF"),
    ),
    Probe(
        "run a year-3000 SWMF file",
        lambda t: ["run", "--solar-wind", _swmf(t, 3000), "--out", t / "out", "-q"],
        2,
        ("3000", "1678", "2261"),
    ),
    *(
        Probe(
            f"run with [uvi] {line}",
            lambda t, line=line: ["run", "--config", _uvi_settings(t, line), "--out", t / "out", "-q"],
            2,
            ("uvi.toml", *words),
        )
        for line, words in (
            ("exposure_min = -1.0", ("uvi.exposure_min = -1.0", "a finite number > 0")),
            ("exposure_min = nan", ("uvi.exposure_min = nan", "a finite number > 0")),
            ("exposure_min = 0.001", ("uvi.exposure_min = 0.001", "whole number of 1-s CCD frames")),
            ("pixels = 4", ("uvi.pixels = 4", "an integer >= 8")),
            ('max_frames = "six"', ("uvi.max_frames = 'six' (str)", "an integer > 0")),
            ("exposur_min = 1.0", ("unknown key uvi.exposur_min", "max_frames, exposure_min, pixels, seed")),
        )
    ),
    Probe(
        "run with a stage that fails with a bug",
        lambda t: ["run", "--out", t / "out", "-q"],
        1,
        ("stage broken failed", "internal error", "RuntimeError: a bug in a stage"),
        report=True,
        patch=_failing_stage,
    ),
    Probe(
        "run whose report page fails",
        lambda t: ["run", "--out", t / "out", "-q"],
        1,
        ("internal error: RuntimeError: the page could not be drawn", "--verbose"),
        report=True,
        patch=_failing_report,
    ),
]


@pytest.mark.parametrize("probe", [pytest.param(p, id=p.name, marks=p.marks) for p in PROBES])
def test_cli_probe(probe, tmp_path, monkeypatch):
    if probe.patch is not None:
        probe.patch(monkeypatch, tmp_path)
    args = [str(a) for a in probe.args(tmp_path)]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == probe.code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines  # one line, however long the message
    for word in probe.words:
        assert word in lines[0]
    assert lines[0].startswith(("error: ", "internal error: ", "stage "))
    if probe.report:
        summary = json.loads((tmp_path / "out" / "summary.json").read_text())
        assert summary["stages"]["solar_wind"]["status"] == "ok"
        failed = {name: s["error"] for name, s in summary["stages"].items() if s["status"] != "ok"}
        if "broken" in failed:
            assert "RuntimeError: a bug in a stage" in failed["broken"]
            assert "a bug in a stage" in (tmp_path / "out" / "index.html").read_text()


def test_no_out_is_created_by_a_refused_command(tmp_path, monkeypatch):
    # refused before any work: nothing is made, not even the folder above
    _no_write_permission(monkeypatch, tmp_path)
    result = runner.invoke(app, ["orbit", "--days", "1", "--out", str(tmp_path / "locked" / "a" / "b")])
    assert result.exit_code == 2
    assert not (tmp_path / "locked" / "a").exists()


# ---------------------------------------------------------------------------------------------------
# an internal error: one line, and the traceback only with --verbose
# ---------------------------------------------------------------------------------------------------
def _boom(*args, **kwargs):
    raise RuntimeError("boom: the library broke")


# for every command, a library call it makes, made to fail with a plain (non-project) exception
LIBRARY_CALLS = {  # command: (the library function it calls, where the command imports it from; argv)
    "run": (("smilekit.runs", "run_job"), ["run", "--out", "{tmp}/out", "-q"]),
    "orbit": (("smilekit.runs.plan", "run_orbit"), ["orbit", "--days", "1", "--out", "{tmp}/out"]),
    "plan": (("smilekit.runs.plan", "run_plan"), ["plan", "--days", "1", "--out", "{tmp}/out", "-q"]),
    "geospace": (("smilekit.runs.stages.geospace", "state_drivers"), ["geospace"]),
    "events": (("smilekit.solarwind.events", "list_events"), ["events"]),
    "evaluate": (("smilekit.campaign.evaluate", "evaluate_cases"), ["evaluate", "--out", "{tmp}/out", "-q"]),
}


@pytest.fixture
def quiet_dask_logging(monkeypatch):
    """--verbose sets the distributed logger's level and a DASK_ variable; give both back afterwards."""
    import logging

    monkeypatch.setenv("DASK_LOGGING__DISTRIBUTED", "warning")
    logger = logging.getLogger("distributed")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("command", list(LIBRARY_CALLS))
def test_an_internal_error_is_one_line_and_the_traceback_needs_verbose(
    command, tmp_path, monkeypatch, quiet_dask_logging
):
    (module, name), args = LIBRARY_CALLS[command]
    monkeypatch.setattr(sys.modules[module], name, _boom)
    args = [a.format(tmp=tmp_path) for a in args]
    line = "internal error: RuntimeError: boom: the library broke (run with --verbose for the traceback)"

    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    assert "Traceback" not in result.output

    result = runner.invoke(app, ["--verbose", *args])
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "in _boom" in result.stderr  # the trace reaches the failing call
    assert result.stderr.splitlines()[-1] == line


def test_a_project_error_message_over_lines_and_with_brackets_is_one_line_as_written(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("[sxi] max_frames = 0\nis not accepted")

    monkeypatch.setattr(smilekit.runs.plan, "run_orbit", refuse)
    result = runner.invoke(app, ["orbit", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: [sxi] max_frames = 0 is not accepted"]


def test_the_command_logs_tracebacks_only_when_verbose():
    # run_job logs a stage's bug with its traceback (log.exception); on the command's stderr that is one
    # line unless --verbose
    import logging
    import sys

    try:
        raise RuntimeError("a bug in a stage")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("smilekit", logging.ERROR, "job.py", 1, "stage %s failed", ("x",), exc_info)
    quiet = smilekit.cli._log_formatter(verbose=False).format(record)
    assert quiet == "ERROR stage x failed"
    loud = smilekit.cli._log_formatter(verbose=True).format(record)
    assert loud.startswith("ERROR stage x failed\nTraceback") and "a bug in a stage" in loud


# ---------------------------------------------------------------------------------------------------
# the same files through the API: project errors naming the file and what is wrong
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def l1_bytes(tmp_path_factory):
    return write_l1(small_event_list(), tmp_path_factory.mktemp("l1") / "ev.fits").read_bytes()


FITS_FILES = {
    "empty": (lambda data: b"", "empty (0 bytes)"),
    "not FITS": (lambda data: b"SMILE, not FITS\n" * 300, "No SIMPLE card"),
    "cut inside its last HDU": (lambda data: data[:-1000], "truncated"),
    "cut by one byte": (lambda data: data[:-1], "truncated"),
    "cut inside a header": (lambda data: data[: 2880 * 3], "END card"),
}


@pytest.mark.parametrize("reader", [read_l1, read_l2], ids=["read_l1", "read_l2"])
@pytest.mark.parametrize("kind", list(FITS_FILES))
def test_a_broken_fits_product_is_a_product_error_naming_the_file(kind, reader, l1_bytes, tmp_path):
    make, words = FITS_FILES[kind]
    path = tmp_path / "broken.fits"
    path.write_bytes(make(l1_bytes))
    with pytest.raises(ProductError) as caught:
        reader(path)
    message = str(caught.value)
    assert str(path) in message and words in message
    assert "SXI" in message


def test_a_missing_fits_product_is_a_product_error(tmp_path):
    with pytest.raises(ProductError, match="no such file"):
        read_l2(tmp_path / "missing.fits")


@pytest.mark.parametrize(
    "time",
    [
        np.datetime64("3000-01-01"),
        np.array(["2000-01-01", "1500-06-01"], dtype="datetime64[D]"),
        "3000-01-01T00:00",
        "1600-01-01T00:00Z",
        [np.datetime64("1000", "Y")],
    ],
    ids=["datetime64 3000", "array with 1500", "ISO 3000", "ISO 1600 Z", "list of year 1000"],
)
def test_a_time_outside_datetime64_ns_is_refused_with_the_value_and_the_range(time):
    with pytest.raises(InputError, match="outside the range smilekit supports") as caught:
        as_datetime64(time)
    message = str(caught.value)
    assert "1678-01-01" in message and "2261-12-31" in message
    assert any(year in message for year in ("3000", "1500", "1600", "1000"))


def test_times_inside_the_range_still_read():
    assert str(as_datetime64(np.datetime64("1900-01-01", "D"))) == "1900-01-01T00:00:00.000000000"
    assert str(as_datetime64("2261-06-01")) == "2261-06-01T00:00:00.000000000"


@pytest.mark.parametrize("make", [_binary_cases, _nul_cases], ids=["not UTF-8", "NUL bytes"])
def test_a_binary_case_file_is_an_input_error_naming_it(make, tmp_path):
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        read_cases(path)
    assert str(path) in str(caught.value) and "header" in str(caught.value)


def test_a_one_record_solar_wind_through_the_api_is_an_input_error_in_the_summary(tmp_path):
    sw = load_event("2015-06-21-high-density")
    one = SolarWind.from_dataset(sw.ds.isel(time=slice(0, 1)))
    stages = [runs.STAGES.by_name("solar_wind")]
    summary = runs.run_job(one, tmp_path / "out", stages=stages)
    entry = summary["stages"]["solar_wind"]
    assert entry["status"] == "failed"
    assert entry["error"].startswith("InputError: the solar wind has 1 record")
    assert "at least two" in entry["error"]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["stages"] == summary["stages"]


def test_a_cdf_cut_in_the_middle_is_an_input_error_naming_it(tmp_path):
    path = _cdf(tmp_path, cut=True)
    with pytest.raises(InputError, match=r"omni\.cdf"):
        read_solar_wind(path)


def test_an_unreachable_scheduler_is_refused_through_the_api_too(tmp_path):
    """The check lives in the library: a Python caller of evaluate_cases gets the same fast, clear error
    (dask alone waits 30 s, then raises a bare OSError), and nothing is written."""
    started = time.perf_counter()
    with pytest.raises(InputError, match="cannot reach a dask scheduler"):
        evaluate_cases("no-such-cases.csv", tmp_path / "ev", scheduler=f"tcp://127.0.0.1:{_closed_port()}")
    assert time.perf_counter() - started < SCHEDULER_TIMEOUT_S + 2.0
    assert not (tmp_path / "ev").exists()
