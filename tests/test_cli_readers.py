"""`smilekit run --solar-wind` on users' own files: bad input exits 2 with one `error:` line and no
traceback; `--columns` reaches the reader; an OMNI CDF and a Qin-Denton-like HDF5 file run end to end
(slow: the whole job, made fast by a config of two SXI frames and a three-hour series)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import smilekit.cli
import smilekit.runs
from smilekit.cli import app
from smilekit.solarwind import provenance
from testsupport import solarwind_files as files

runner = CliRunner()


def _bad(tmp_path: Path, case: str) -> Path:
    data = files.truth(3)
    if case == "columns":
        path = tmp_path / "unknown.csv"
        path.write_text("when,a,b\n2024-05-10T00:00,1,2\n2024-05-10T00:01,1,2\n")
        return path
    if case == "one record":
        return files.write_omni_cdf(tmp_path / "one.cdf", {k: v[:1] for k, v in data.items()})
    if case == "all fill":
        return files.write_hro(tmp_path / "fill.asc", data, fills={26: [0, 1, 2], 28: [0, 1, 2]})
    if case == "backwards":
        return files.write_qin_denton(tmp_path / "back.h5", {k: v[[0, 2, 1]] for k, v in data.items()})
    if case == "duplicated":
        return files.write_csv(tmp_path / "dup.csv", {k: v[[0, 1, 1, 2]] for k, v in data.items()})
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("columns", "no time column found"),
        ("one record", "1 record(s); a solar-wind series needs at least two"),
        ("all fill", "no record has every quantity present"),
        ("backwards", "runs backwards from the previous record's"),
        ("duplicated", "repeats the previous record's"),
    ],
)
def test_bad_solar_wind_file_exits_2_with_one_error_line(tmp_path, case, message, monkeypatch):
    def never(*args, **kwargs):  # pragma: no cover - reached only if the file were accepted
        raise AssertionError("run_job must not start on bad input")

    monkeypatch.setattr(smilekit.runs, "run_job", never)
    path = _bad(tmp_path, case)
    result = runner.invoke(app, ["run", "--solar-wind", str(path), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert output.startswith("error: ") and message in output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()


def test_columns_option_reaches_the_reader_and_bad_maps_are_refused(tmp_path, monkeypatch):
    seen = {}

    def fake_run_job(
        solar_wind, out, *, event, progress, settings, indices=None, telemetry=False, **execution
    ):
        seen["sw"] = solar_wind
        return {"stages": {}}

    monkeypatch.setattr(smilekit.runs, "run_job", fake_run_job)
    path = tmp_path / "plain.csv"
    path.write_text(
        "Epoch,Dens,Speed,By,Bz\n2024-05-10T00:00:00,5,400,1,-2\n2024-05-10T00:01:00,6,410,1,-3\n"
    )
    args = ["run", "--solar-wind", str(path), "--out", str(tmp_path / "out"), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "cannot identify the column(s) for the IMF" in " ".join(
        result.output.split()
    )
    result = runner.invoke(app, [*args, "--columns", "by_gsm=By,bz_gsm=Bz"])
    assert result.exit_code == 0, result.output
    assert provenance(seen["sw"])["columns"]["bz_gsm"] == "Bz"
    result = runner.invoke(app, [*args, "--columns", "density_p=Dens"])
    assert result.exit_code == 2 and "unknown quantity 'density_p'" in " ".join(result.output.split())


def _run_fast(tmp_path: Path, path: Path):
    config = tmp_path / "fast.toml"
    config.write_text("[sxi]\nmax_frames = 2\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "--solar-wind", str(path), "--config", str(config), "--out", str(out), "-q"]
    )
    return result, out


@pytest.mark.slow
def test_run_on_an_omni_cdf_end_to_end(tmp_path):
    path = files.write_omni_cdf(tmp_path / "omni_hro_1min_20240510_v01.cdf", files.truth(180))
    result, out = _run_fast(tmp_path, path)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert all(stage["status"] == "ok" for stage in summary["stages"].values())
    assert (out / "index.html").is_file()


@pytest.mark.slow
def test_run_on_a_qin_denton_like_hdf5_end_to_end(tmp_path):
    path = files.write_qin_denton(tmp_path / "QinDenton_20240510_1min.h5", files.truth(180))
    result, out = _run_fast(tmp_path, path)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert all(stage["status"] == "ok" for stage in summary["stages"].values())
    assert (out / "index.html").is_file()
