"""``smilekit campaign``: the mission's SXI frames over a period, each simulated and retrieved, and how many
of them meet the requirement.

:func:`run_campaign` writes, in its output folder:

- ``frames.csv``: the period's observed 5-min frames as a case file (:func:`~.schedule.mission_frames`),
  the same bytes for the same period and settings, so that a rerun resumes;
- ``schedule.json``: how the frames were chosen and the counts of each step;
- ``results/chunk-IIIII.parquet``, ``state.json``: one row per frame and method, a Parquet file per chunk
  of consecutive frames written as the chunk finishes, on Dask (:mod:`~.chunks`: in process, on a local
  cluster of ``workers``, or on a running scheduler, whose dashboard address is printed); a killed campaign
  resumes without recomputing a finished chunk and without losing or duplicating a row; read them with
  ``pandas.read_parquet(OUT / "results")``;
- ``insitu/chunk-IIIII.parquet``: beside each frame, the in situ truth at the spacecraft and one LIA
  distribution's moments (:mod:`~.campaign.insitu`); ``uvi/chunk-IIIII.parquet``: one UVI image of the
  oval each clock hour and its boundaries against the model (:mod:`~.campaign.uvi`); written with the
  chunk's results and verified with them (``insitu=False``, ``uvi=False`` leave them out);
- ``report.html`` (with ``figures/`` and ``orbit.csv``): the campaign report, :mod:`~.campaign.report`;
- ``summary.json``: the summary of :func:`~.evaluate.evaluate_cases` (:func:`~.evaluate.evaluation_summary`,
  ``resume`` counting chunks) plus the campaign's answer:
  ``sxi_frames`` (frames run), ``frames_in_domain`` (those in the requirement's domain: upstream flux above
  4.9e8 cm^-2 s^-1, spacecraft beyond 15 RE) and, under ``methods``, for each method ``answered``,
  ``rms_re`` and ``within_0p5_re`` (``answered`` and ``within_0p5_re`` as fractions of the domain frames);
  ``insitu`` (per region: frames, share, LIA's median density and velocity errors,
  :func:`~.campaign.insitu.insitu_tables`) and ``uvi`` (:func:`~.campaign.uvi.uvi_tables`).
"""

from __future__ import annotations

import hashlib
import json
import time as _time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from smilekit._io import jsonable, write_text
from smilekit.campaign.cases import case_table_text, read_cases, write_cases
from smilekit.campaign.chunks import (
    CHUNK_FRAMES,
    INSITU_DIR,
    RESULTS_DIR,
    UVI_DIR,
    check_chunk_frames,
    read_chunk_results,
    run_chunks,
)
from smilekit.campaign.cluster import check_execution
from smilekit.campaign.evaluate import check_run_state, evaluation_summary, resolve_methods, runs_cusp
from smilekit.campaign.insitu import insitu_tables
from smilekit.campaign.report import REPORT_FILE, write_campaign_report
from smilekit.campaign.schedule import (
    FRAMES_FILE,
    SCHEDULE_FILE,
    mission_frames,
    read_user_solar_wind,
    solar_wind_digest,
)
from smilekit.campaign.uvi import uvi_tables
from smilekit.errors import InputError

__all__ = ["FRAMES_FILE", "REPORT_FILE", "SCHEDULE_FILE", "campaign_answer", "run_campaign"]


def campaign_answer(results: pd.DataFrame) -> dict:
    """The campaign's answer from its ``results.csv`` rows: ``sxi_frames``, ``frames_in_domain`` and per
    method ``answered``, ``rms_re``, ``within_0p5_re`` (fractions of the domain frames; ``rms_re`` over the
    domain frames answered; NaN-free: None where there is nothing to measure)."""
    domain_ids = set(results.loc[results["in_domain"].astype(str) == "True", "case_id"])
    n_domain = len(domain_ids)
    out = {"sxi_frames": int(results["case_id"].nunique()), "frames_in_domain": n_domain, "methods": {}}
    for method, rows in results.groupby("method", sort=False):
        mine = rows[rows["case_id"].isin(domain_ids)]
        ok = mine[mine["status"] == "ok"]
        error = (ok["r0_est"].astype(float) - ok["r0_true"].astype(float)).to_numpy()
        out["methods"][method] = {
            "answered": len(ok) / n_domain if n_domain else None,
            "rms_re": float(np.sqrt(np.mean(error**2))) if error.size else None,
            "within_0p5_re": int((np.abs(error) <= 0.5).sum()) / n_domain if n_domain else None,
        }
    return out


def run_campaign(start, end, out, *, aim: str = "limb", solar_wind=None, workers: int | None = None,
                 scheduler: str | None = None, dashboard_address: str | None = None, progress: bool = True,
                 methods=None, cusp_method=None, chunk_frames: int = CHUNK_FRAMES, insitu: bool = True,
                 uvi: bool = True, console=None) -> dict:  # fmt: skip
    """Run the mission's SXI frames of ``[start, end)`` (module docstring); returns the summary.

    Parameters
    ----------
    start, end : time
        The period (UTC).
    out : path
        The output folder (made if missing; a rerun into it resumes).
    aim, solar_wind
        As :func:`~.schedule.mission_frames` takes them.
    workers, scheduler, dashboard_address, progress, methods, cusp_method
        As :func:`~.evaluate.evaluate_cases` takes them.
    chunk_frames : int
        Frames per Dask task and Parquet file (:func:`~.chunks.time_chunks`); a rerun must give the same.
    insitu, uvi : bool
        Add the in situ summary of every frame (:mod:`~.campaign.insitu`) and a UVI image an hour
        (:mod:`~.campaign.uvi`); a rerun must give the same (a folder written before these parts existed is
        another campaign's).
    console : rich.console.Console, optional
        Where progress and resume notes go.

    Raises
    ------
    InputError
        Before any work: a bad period, aim rule, solar wind, chunk size or execution setting, an unreachable
        scheduler, an output folder that is a file or holds another campaign.
    ProductError
        A chunk that cannot be written (a full disk), or chunks whose tasks brought no rows back from the
        cluster: the chunks finished are kept, and the same call resumes.
    """
    started = _time.perf_counter()
    console = console or Console(width=132)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"out {out} is an existing file, not a folder")
    check_execution(workers, scheduler, dashboard_address)
    names = list(resolve_methods(methods))
    chunk_frames = check_chunk_frames(chunk_frames)  # before any work
    frames, schedule = mission_frames(start, end, aim=aim, solar_wind=solar_wind)
    if frames.empty:
        raise InputError(f"SXI observes in no 5-min interval of {start} to {end}: {schedule}")
    config = {"methods": methods, "cusp_method": cusp_method}
    # the wind's digest too: the UVI rows read it between the frames' middles, which frames.csv holds
    settings = {
        **schedule,
        "chunk_frames": int(chunk_frames),
        "insitu": bool(insitu),
        "uvi": bool(uvi),
        "cusp": runs_cusp(config),
        "solar_wind_sha256": solar_wind_digest(solar_wind),
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / FRAMES_FILE
    text = case_table_text(frames)  # what write_cases writes
    if path.exists():
        earlier = json.loads((out / SCHEDULE_FILE).read_text()) if (out / SCHEDULE_FILE).exists() else {}
        earlier.setdefault("cusp", True)  # a folder of a version before the setting was recorded: the default
        earlier.setdefault("solar_wind_sha256", settings["solar_wind_sha256"])  # (and its frames compared)
        if earlier != jsonable(settings):
            raise InputError(
                f"{out} holds a campaign of other settings ({SCHEDULE_FILE}: {earlier}); give another --out"
            )
        if path.read_text() != text:  # the same period, another wind (a file edited)
            raise InputError(
                f"{out} holds a campaign of other frames ({FRAMES_FILE}: another solar wind, or another "
                "version's schedule, for the same period and settings); give another --out"
            )
    else:
        write_text(out / SCHEDULE_FILE, json.dumps(jsonable(settings), indent=1) + "\n")
        write_cases(frames, path)
    cases, malformed = read_cases(path)
    sha = hashlib.sha256(text.encode()).hexdigest()  # the file's, as verified or written above
    check_run_state(out, path, sha, names, results=RESULTS_DIR)
    wind = None if solar_wind is None or not uvi else read_user_solar_wind(solar_wind)
    resume = run_chunks(
        cases, out, config, names, chunk_frames=chunk_frames, workers=workers, scheduler=scheduler,
        dashboard_address=dashboard_address, progress=progress, console=console, insitu=insitu, uvi=uvi,
        solar_wind=wind,
    )  # fmt: skip
    results = read_chunk_results(out)
    summary = evaluation_summary(results, cases, malformed, path, sha, resume)
    answer = campaign_answer(results[results["case_id"].isin({c.case_id for c in cases})])
    for name, figures in answer.pop("methods").items():
        summary["methods"].setdefault(name, {}).update(figures)
    summary.update(answer, schedule=schedule)
    if insitu:
        summary["insitu"] = insitu_tables(read_chunk_results(out, INSITU_DIR)).to_dict(orient="records")
    if uvi:
        summary["uvi"] = uvi_tables(read_chunk_results(out, UVI_DIR))
    summary["seconds"] = _time.perf_counter() - started
    summary = jsonable(summary)
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    write_campaign_report(out, results)
    return summary
