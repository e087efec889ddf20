"""``smilekit campaign``: the mission's SXI frames over a period, each simulated and retrieved, and how many
of them meet the requirement.

:func:`run_campaign` writes, in its output folder:

- ``frames.csv``: the period's observed 5-min frames as a case file (:func:`~.schedule.mission_frames`),
  the same bytes for the same period and settings, so that a rerun resumes;
- ``schedule.json``: how the frames were chosen and the counts of each step;
- ``results.csv``, ``state.json``: one row per frame and method, appended as frames finish, on Dask
  (:func:`~.evaluate.evaluate_cases`: in process, on a local cluster of ``workers``, or on a running
  scheduler); a killed campaign resumes without recomputing or duplicating a finished frame;
- ``summary.json``: :func:`~.evaluate.evaluate_cases`'s summary plus the campaign's answer:
  ``sxi_frames`` (frames run), ``frames_in_domain`` (those in the requirement's domain: upstream flux above
  4.9e8 cm^-2 s^-1, spacecraft beyond 15 RE) and, under ``methods``, for each method ``answered``,
  ``rms_re`` and ``within_0p5_re`` (``answered`` and ``within_0p5_re`` as fractions of the domain frames).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from smilekit._io import jsonable, write_text
from smilekit.campaign.cases import write_cases
from smilekit.campaign.evaluate import check_scheduler, evaluate_cases
from smilekit.campaign.schedule import mission_frames
from smilekit.errors import InputError

__all__ = ["FRAMES_FILE", "SCHEDULE_FILE", "campaign_answer", "run_campaign"]

#: The campaign's case file and schedule in its output folder.
FRAMES_FILE, SCHEDULE_FILE = "frames.csv", "schedule.json"


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
                 methods=None, cusp_method=None, console=None) -> dict:  # fmt: skip
    """Run the mission's SXI frames of ``[start, end)`` (module docstring); returns the summary.

    Parameters
    ----------
    start, end : time
        The period (UTC).
    out : path
        The output folder (made if missing; a rerun into it resumes).
    aim, solar_wind
        As :func:`~.schedule.mission_frames` takes them.
    workers, scheduler, dashboard_address, progress, methods, cusp_method, console
        As :func:`~.evaluate.evaluate_cases` takes them.

    Raises
    ------
    InputError
        Before any work: a bad period, aim rule or solar wind, an unreachable scheduler, an output folder
        that is a file or holds another campaign.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"out {out} is an existing file, not a folder")
    check_scheduler(scheduler)
    frames, schedule = mission_frames(start, end, aim=aim, solar_wind=solar_wind)
    if frames.empty:
        raise InputError(f"SXI observes in no 5-min interval of {start} to {end}: {schedule}")
    out.mkdir(parents=True, exist_ok=True)
    path = out / FRAMES_FILE
    if path.exists():
        earlier = json.loads((out / SCHEDULE_FILE).read_text()) if (out / SCHEDULE_FILE).exists() else {}
        if earlier != jsonable(schedule):
            raise InputError(
                f"{out} holds a campaign of other settings ({SCHEDULE_FILE}: {earlier}); give another --out"
            )
    else:
        write_text(out / SCHEDULE_FILE, json.dumps(jsonable(schedule), indent=1) + "\n")
        write_cases(frames, path)
    summary = evaluate_cases(
        path, out, workers=workers, scheduler=scheduler, dashboard_address=dashboard_address,
        progress=progress, methods=methods, cusp_method=cusp_method, console=console,
    )  # fmt: skip
    results = pd.read_csv(out / "results.csv", dtype={"case_id": str, "method": str, "status": str})
    answer = campaign_answer(results[results["case_id"].isin(set(frames["case_id"]))])
    for name, figures in answer.pop("methods").items():
        summary["methods"].setdefault(name, {}).update(figures)
    summary.update(answer, schedule=schedule)
    summary = jsonable(summary)
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary
