"""A campaign's frames run on Dask chunk by chunk, each chunk's results one Parquet file.

The frames of a campaign (a case file, :mod:`smilekit.campaign.cases`) are sorted by time and cut into
consecutive chunks of ``chunk_frames`` frames (:func:`time_chunks`: chunk ``i`` is always the same frames
for the same case file). Each chunk is one Dask task (:func:`~smilekit.campaign.evaluate.run_case` on each
of its frames, on a worker); when a chunk finishes, its rows (:data:`~smilekit.campaign.evaluate.ALL_COLUMNS`,
one per frame and method) are written as ``DIR/results/chunk-IIIII.parquet`` in one atomic step (a temporary
file renamed). A chunk file therefore holds its whole chunk or does not exist; a killed campaign loses the
chunks in flight and nothing else. A rerun verifies each existing chunk file (:func:`verify_chunk`: it
reads, has the columns, and holds exactly one row per frame of its chunk and method) and runs only the
chunks without a valid file, so no finished chunk is recomputed and no row is lost or duplicated. A chunk
that cannot be written (a full disk) stops the run with a :class:`~smilekit.errors.ProductError` that
says how many chunks are saved; the same call then resumes. A chunk whose task brings no rows back (a
worker lost, the scheduler gone: a frame's own failure is a row of its own) gets no file: the run finishes
the other chunks, then stops with a :class:`~smilekit.errors.ProductError` that says how many; a rerun
runs those. A chunk that killed its workers (dask's ``KilledWorker``, after dask's own retries) in
:data:`~smilekit.campaign.cluster.MAX_LOSSES` runs (counted in ``DIR/lost.json``) is written as failed in
the last of them, so that a frame that kills its worker every time does not keep the campaign from
finishing; a lost scheduler is not counted (delete ``lost.json`` to count afresh).

The same task makes the chunk's in situ rows (``DIR/insitu/``, :mod:`~smilekit.campaign.insitu`, one per
frame) and UVI rows (``DIR/uvi/``, :mod:`~smilekit.campaign.uvi`, one per UVI frame among the chunk's), each
its own Parquet file of the same number, written before the results file; a chunk is complete when all
its files are (:func:`verify_rows` checks the other two), and is otherwise run again whole.

The results read back as one table with ``pandas.read_parquet(DIR / "results")`` (or dask.dataframe,
pyarrow, polars: one Parquet dataset, a file per time chunk).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from rich.progress import MofNCompleteColumn, Progress

from smilekit._io import atomic_path
from smilekit.campaign.cases import Case
from smilekit.campaign.cluster import LOST_FILE, MAX_LOSSES, LostTasks, dask_client
from smilekit.campaign.evaluate import (
    ALL_COLUMNS,
    BOOL_COLUMNS,
    TEXT_COLUMNS,
    case_payload,
    error_text,
    failed_rows,
    run_case_payload,
    runs_cusp,
)
from smilekit.campaign.insitu import INSITU_COLUMNS, insitu_summary_row
from smilekit.campaign.schedule import solar_wind_series
from smilekit.campaign.uvi import UVI_COLUMNS, uvi_frame_row, uvi_frames
from smilekit.errors import InputError, ProductError, SmilekitError
from smilekit.geospace.ovation import AVERAGE_HOURS

__all__ = [
    "CHUNK_FRAMES",
    "INSITU_DIR",
    "RESULTS_DIR",
    "UVI_DIR",
    "check_chunk_frames",
    "read_chunk_results",
    "run_chunks",
    "time_chunks",
    "verify_chunk",
    "verify_rows",
]

#: Frames per chunk by default: 48 frames, 4 h of 5-min frames (a 3-year campaign in ~4 400 files).
CHUNK_FRAMES = 48
#: The folders of a campaign's Parquet chunks, in its output folder: the SXI results (one row per frame and
#: method), the in situ summary (one row per frame, :mod:`~smilekit.campaign.insitu`) and the UVI frames
#: (one row per UVI image, :mod:`~smilekit.campaign.uvi`).
RESULTS_DIR, INSITU_DIR, UVI_DIR = "results", "insitu", "uvi"
#: The columns of each folder's tables.
PART_COLUMNS = {RESULTS_DIR: ALL_COLUMNS, INSITU_DIR: INSITU_COLUMNS, UVI_DIR: UVI_COLUMNS}
#: The text columns of every part (the others are float64, but the SXI results' BOOL_COLUMNS).
_TEXT = TEXT_COLUMNS | {"time", "region", "error", "status", "detail"}


def check_chunk_frames(chunk_frames) -> int:
    """``chunk_frames`` as an int; an :class:`~smilekit.errors.InputError` unless it is a positive integer."""
    if isinstance(chunk_frames, bool) or not isinstance(chunk_frames, int | np.integer) or chunk_frames < 1:
        raise InputError(f"chunk_frames must be a positive integer, got {chunk_frames!r}")
    return int(chunk_frames)


def time_chunks(cases: list[Case], chunk_frames: int = CHUNK_FRAMES) -> list[list[Case]]:
    """The cases sorted by time (then case_id) and cut into consecutive chunks of ``chunk_frames``."""
    chunk_frames = check_chunk_frames(chunk_frames)
    ordered = sorted(cases, key=lambda c: (np.datetime64(c.time, "ns"), c.case_id))
    return [ordered[i : i + chunk_frames] for i in range(0, len(ordered), chunk_frames)]


def chunk_path(out_dir, index: int, part: str = RESULTS_DIR) -> Path:
    """The Parquet file of chunk ``index`` of a part (:data:`PART_COLUMNS`) in a campaign's output folder."""
    return Path(out_dir) / part / f"chunk-{index:05d}.parquet"


def _frame(rows: list[dict], columns=ALL_COLUMNS) -> pd.DataFrame:
    """Rows as a table of ``columns`` with fixed dtypes (text, bool, float64)."""
    table = pd.DataFrame([{k: r.get(k, math.nan) for k in columns} for r in rows], columns=list(columns))
    for key in columns:
        if key in _TEXT:  # a missing text (NaN, None) is the empty string, as in results.csv
            table[key] = table[key].map(lambda v: "" if pd.isna(v) else str(v)).astype(str)
        elif key in BOOL_COLUMNS:
            table[key] = table[key].astype(bool)
        else:
            table[key] = pd.to_numeric(table[key], errors="coerce").astype("float64")
    return table


def write_chunk(path: Path, rows: list[dict], columns=ALL_COLUMNS) -> None:
    """Write one chunk's rows (``columns``) as a Parquet file, atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        _frame(rows, columns).to_parquet(tmp, index=False, engine="pyarrow")


def _read_checked(path: Path, columns) -> tuple[pd.DataFrame | None, str | None]:
    if not path.exists():
        return None, "missing"
    try:
        table = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # a torn or foreign file: any reader error means redo it
        return None, f"unreadable ({type(exc).__name__}: {exc})"
    if list(table.columns) != list(columns):
        return None, "other columns than this version writes"
    return table, None


def verify_chunk(path, cases: list[Case], names: list[str]) -> str | None:
    """Why an SXI results chunk file is not the complete result of its ``cases`` and ``names`` (None if
    it is)."""
    table, problem = _read_checked(Path(path), ALL_COLUMNS)
    if problem:
        return problem
    expected = sorted((c.case_id, name) for c in cases for name in names)
    found = sorted(zip(table["case_id"], table["method"], strict=True))
    if found != expected:
        return f"{len(found)} rows, not one per frame and method ({len(expected)})"
    return None


def verify_rows(path, part: str, case_ids: list[str]) -> str | None:
    """Why an in situ or UVI chunk file (``part``) does not hold exactly one row per case of ``case_ids``
    (None if it does)."""
    table, problem = _read_checked(Path(path), PART_COLUMNS[part])
    if problem:
        return problem
    if sorted(table["case_id"]) != sorted(case_ids):
        return f"{len(table)} rows, not one per frame ({len(case_ids)})"
    return None


def read_chunk_results(out_dir, part: str = RESULTS_DIR) -> pd.DataFrame:
    """Every chunk of a part (:data:`PART_COLUMNS`) of a campaign's output folder as one table (empty with
    the columns if none)."""
    folder = Path(out_dir) / part
    files = sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []
    if not files:
        return _frame([], PART_COLUMNS[part])
    return pd.concat([pd.read_parquet(f, engine="pyarrow") for f in files], ignore_index=True)


class _Plan:
    """What one chunk computes besides the SXI results: its frames' in situ rows (``insitu``) and the UVI
    frames among them (``uvi``: None when the campaign takes no UVI); :meth:`load_solar_wind` adds the
    solar wind those need before the chunk runs."""

    def __init__(self, insitu: bool, uvi: list[Case] | None):
        self.insitu = insitu
        self.uvi = uvi
        self.solar_wind, self.no_wind = None, ""

    def expected(self, cases: list[Case]) -> dict[str, list[str]]:
        """The case ids each companion part's file must hold."""
        out = {}
        if self.insitu:
            out[INSITU_DIR] = [c.case_id for c in cases]
        if self.uvi is not None:
            out[UVI_DIR] = [c.case_id for c in self.uvi]
        return out

    def load_solar_wind(self, solar_wind) -> None:
        """The series OVATION averages for the UVI frames (their 4 h before); a chunk without any keeps
        why in ``no_wind``, which its rows will say."""
        if self.uvi:
            first = np.datetime64(self.uvi[0].time, "ns") - np.timedelta64(AVERAGE_HOURS + 1, "h")
            last = np.datetime64(self.uvi[-1].time, "ns") + np.timedelta64(1, "h")
            try:
                self.solar_wind = solar_wind_series(first, last, solar_wind)
            except SmilekitError as exc:
                self.no_wind = f"{type(exc).__name__}: {exc}"


def _failed_row(part: str, case_id: str, status: str, detail: str) -> dict:
    """A companion part's row without values: the in situ ``error``, or the UVI ``status`` and ``detail``."""
    if part == INSITU_DIR:
        return {"case_id": case_id, "error": detail}
    return {"case_id": case_id, "status": status, "detail": detail}


def _companion_row(make, case: Case, part: str, *args) -> dict:
    """``make(case, *args)``, or the row that says why it failed (a campaign does not stop for a frame)."""
    try:
        return make(case, *args)
    except Exception as exc:
        return _failed_row(part, case.case_id, "error", error_text(exc))


def _run_chunk(cases: list[Case], payload: bytes, plan: _Plan) -> dict[str, list[dict]]:
    """Worker entry: every frame of one chunk (a frame that fails becomes its error rows) and its in situ
    and UVI rows, by part."""
    rows: list[dict] = []
    for case in cases:
        rows.extend(run_case_payload(case, payload))
    parts = {RESULTS_DIR: rows}
    if plan.insitu:
        parts[INSITU_DIR] = [_companion_row(insitu_summary_row, c, INSITU_DIR) for c in cases]
    if plan.uvi is not None and plan.solar_wind is None:
        parts[UVI_DIR] = [_failed_row(UVI_DIR, c.case_id, "no solar wind", plan.no_wind) for c in plan.uvi]
    elif plan.uvi is not None:
        parts[UVI_DIR] = [_companion_row(uvi_frame_row, c, UVI_DIR, plan.solar_wind) for c in plan.uvi]
    return parts


def _failed_parts(cases: list[Case], names: list[str], plan: _Plan, exc: BaseException, cusp: bool) -> dict:
    """Every part's rows of a chunk given up (it killed its workers in :data:`MAX_LOSSES` runs)."""
    parts = {RESULTS_DIR: [r for case in cases for r in failed_rows(case, names, exc, cusp=cusp)]}
    for part, ids in plan.expected(cases).items():
        parts[part] = [_failed_row(part, i, "error", error_text(exc)) for i in ids]
    return parts


def run_chunks(cases: list[Case], out_dir, config: dict, names: list[str], *, console,
               chunk_frames: int = CHUNK_FRAMES, workers=None, scheduler=None, dashboard_address=None,
               progress=True, insitu: bool = True, uvi: bool = True, solar_wind=None) -> dict:  # fmt: skip
    """Run every chunk of ``cases`` without a valid set of files in ``out_dir`` (module notes).

    ``config`` holds :func:`~smilekit.campaign.evaluate.run_case`'s keywords (methods, cusp_method,
    simulate, cusp_truth) and ``names`` the method names; ``workers``, ``scheduler``,
    ``dashboard_address`` as :func:`~smilekit.campaign.evaluate.evaluate_cases` takes them. ``insitu`` and
    ``uvi`` add those parts (:data:`PART_COLUMNS`); ``solar_wind`` (None: the shipped OMNI2 mapped onto the
    mission's dates, or a :class:`~smilekit.solarwind.SolarWind`) drives the UVI frames' OVATION Prime.
    A chunk is complete when each of its parts' files is (the SXI results are written last).

    Returns
    -------
    dict
        ``chunks`` (all), ``chunks_verified`` (valid files kept), ``chunks_redone`` (files there but not
        valid, rewritten), ``chunks_run`` (run by this call), ``problems`` (``{file name: reason}``).
    """
    chunks = time_chunks(cases, chunk_frames)
    with_uvi = {c.case_id for c in uvi_frames(cases)} if uvi else set()

    plans = [_Plan(insitu, [c for c in chunk if c.case_id in with_uvi] if uvi else None) for chunk in chunks]

    def problems_of(index, chunk):
        found = {chunk_path(out_dir, index): verify_chunk(chunk_path(out_dir, index), chunk, names)}
        for part, expected in plans[index].expected(chunk).items():
            path = chunk_path(out_dir, index, part)
            found[path] = verify_rows(path, part, expected)
        return {f"{p.parent.name}/{p.name}": why for p, why in found.items() if why is not None}

    pending, problems, invalid = [], {}, set()
    for index, chunk in enumerate(chunks):
        found = problems_of(index, chunk)
        if not found:
            continue
        for name, why in found.items():
            if why != "missing":
                problems[name] = why
                invalid.add(index)
                console.print(f"[yellow]{name}: {why}; redone[/yellow]")
        pending.append(index)
    verified = len(chunks) - len(pending)
    if verified:
        console.print(
            f"resuming: {verified} of {len(chunks)} chunks verified complete in {Path(out_dir)}; "
            f"{len(invalid)} invalid redone, {len(pending) - len(invalid)} not yet run"
        )
    if pending:
        from distributed import as_completed  # dask only where a cluster is asked for

        payload = case_payload(config, workers)
        n_frames = sum(len(chunks[i]) for i in pending)
        with (
            dask_client(workers, scheduler, dashboard_address, console) as client,
            Progress(
                *Progress.get_default_columns(), MofNCompleteColumn(), console=console, disable=not progress
            ) as bar,
        ):
            task = bar.add_task("frames", total=n_frames)
            for i in pending:
                plans[i].load_solar_wind(solar_wind)
            futures = {
                client.submit(_run_chunk, chunks[i], payload, plans[i], pure=False): i for i in pending
            }
            lost: dict[int, BaseException] = {}
            ledger = LostTasks(Path(out_dir) / LOST_FILE)
            written = 0
            for future in as_completed(futures):
                index = futures[future]
                bar.advance(task, len(chunks[index]))
                try:
                    parts = future.result()
                except Exception as exc:  # no rows came back (a worker lost, the scheduler gone): no file,
                    # so that a rerun runs the chunk (a frame's own failure is a row); but a chunk that kills
                    # its workers (dask gave up on it: KilledWorker) in MAX_LOSSES runs gets its error rows
                    given_up = ledger.give_up(index, exc, error_text(exc))
                    if given_up is None:
                        lost[index] = exc
                        continue
                    parts = _failed_parts(chunks[index], names, plans[index], given_up, runs_cusp(config))
                    console.print(f"[yellow]chunk {index:05d}: {given_up}; written as failed[/yellow]")
                try:  # the SXI results last: a chunk whose results file exists has every part
                    for part in sorted(parts, key=lambda p: p == RESULTS_DIR):
                        write_chunk(chunk_path(out_dir, index, part), parts[part], PART_COLUMNS[part])
                except OSError as exc:  # a full disk, a folder gone: stop; the chunks written are kept
                    raise ProductError(
                        f"chunk {index:05d} could not be written ({exc.strerror or exc}); "
                        f"{verified + written} of {len(chunks)} chunks are saved in {Path(out_dir)}: make "
                        "room or fix the folder, then run the same command again to resume"
                    ) from exc  # (an invalid file found at the start is not counted: it is to be redone)
                written += 1
        if lost:
            first = min(lost)
            raise ProductError(
                f"{len(lost)} of {len(chunks)} chunks did not come back from the cluster (chunk {first:05d}: "
                f"{error_text(lost[first])}); the others are saved in {Path(out_dir)}: run the same command "
                f"again to run those (one that kills its workers in {MAX_LOSSES} runs is written as failed)"
            )
    return {
        "chunks": len(chunks),
        "chunk_frames": int(chunk_frames),
        "chunks_verified": verified,
        "chunks_redone": len(invalid),
        "chunks_run": len(pending),
        "problems": problems,
    }
