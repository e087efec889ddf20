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
says how many chunks are saved; the same call then resumes.

The results read back as one table with ``pandas.read_parquet(DIR / "results")`` (or dask.dataframe,
pyarrow, polars: one Parquet dataset, a file per time chunk).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import as_completed
from rich.progress import MofNCompleteColumn, Progress

from smilekit._io import atomic_path
from smilekit.campaign.cases import Case
from smilekit.campaign.evaluate import (
    ALL_COLUMNS,
    BOOL_COLUMNS,
    TEXT_COLUMNS,
    case_payload,
    dask_client,
    failed_rows,
    run_case_payload,
)
from smilekit.errors import InputError, ProductError

__all__ = ["CHUNK_FRAMES", "RESULTS_DIR", "read_chunk_results", "run_chunks", "time_chunks", "verify_chunk"]

#: Frames per chunk by default: 48 frames, 4 h of 5-min frames (a 3-year campaign in ~4 400 files).
CHUNK_FRAMES = 48
#: The folder of a campaign's Parquet chunks, in its output folder.
RESULTS_DIR = "results"


def time_chunks(cases: list[Case], chunk_frames: int = CHUNK_FRAMES) -> list[list[Case]]:
    """The cases sorted by time (then case_id) and cut into consecutive chunks of ``chunk_frames``."""
    if isinstance(chunk_frames, bool) or not isinstance(chunk_frames, int | np.integer) or chunk_frames < 1:
        raise InputError(f"chunk_frames must be a positive integer, got {chunk_frames!r}")
    ordered = sorted(cases, key=lambda c: (np.datetime64(c.time, "ns"), c.case_id))
    return [ordered[i : i + int(chunk_frames)] for i in range(0, len(ordered), int(chunk_frames))]


def chunk_path(out_dir, index: int) -> Path:
    """The Parquet file of chunk ``index`` in a campaign's output folder."""
    return Path(out_dir) / RESULTS_DIR / f"chunk-{index:05d}.parquet"


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a table of :data:`ALL_COLUMNS` with fixed dtypes (text, bool, float64)."""
    table = pd.DataFrame([{k: r.get(k, math.nan) for k in ALL_COLUMNS} for r in rows], columns=ALL_COLUMNS)
    for key in ALL_COLUMNS:
        if key in TEXT_COLUMNS:  # a missing text (NaN, None) is the empty string, as in results.csv
            table[key] = table[key].map(lambda v: "" if pd.isna(v) else str(v)).astype(str)
        elif key in BOOL_COLUMNS:
            table[key] = table[key].astype(bool)
        else:
            table[key] = pd.to_numeric(table[key], errors="coerce").astype("float64")
    return table


def write_chunk(path: Path, rows: list[dict]) -> None:
    """Write one chunk's rows as a Parquet file, atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        _frame(rows).to_parquet(tmp, index=False, engine="pyarrow")


def verify_chunk(path, cases: list[Case], names: list[str]) -> str | None:
    """Why a chunk file is not the complete result of its ``cases`` and ``names`` (None if it is)."""
    path = Path(path)
    if not path.exists():
        return "missing"
    try:
        table = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # a torn or foreign file: any reader error means redo it
        return f"unreadable ({type(exc).__name__}: {exc})"
    if list(table.columns) != list(ALL_COLUMNS):
        return "other columns than this version writes"
    expected = sorted((c.case_id, name) for c in cases for name in names)
    found = sorted(zip(table["case_id"], table["method"], strict=True))
    if found != expected:
        return f"{len(found)} rows, not one per frame and method ({len(expected)})"
    return None


def read_chunk_results(out_dir) -> pd.DataFrame:
    """Every chunk of a campaign's output folder as one table (empty with the columns if none)."""
    folder = Path(out_dir) / RESULTS_DIR
    files = sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []
    if not files:
        return _frame([])
    return pd.concat([pd.read_parquet(f, engine="pyarrow") for f in files], ignore_index=True)


def _run_chunk(cases: list[Case], payload: bytes) -> list[dict]:
    """Worker entry: every frame of one chunk (a frame that fails becomes its error rows)."""
    rows: list[dict] = []
    for case in cases:
        rows.extend(run_case_payload(case, payload))
    return rows


def run_chunks(cases: list[Case], out_dir, config: dict, names: list[str], *, console,
               chunk_frames: int = CHUNK_FRAMES, workers=None, scheduler=None, dashboard_address=None,
               progress=True) -> dict:  # fmt: skip
    """Run every chunk of ``cases`` without a valid file in ``out_dir`` (module notes).

    ``config`` holds :func:`~smilekit.campaign.evaluate.run_case`'s keywords (methods, cusp_method,
    simulate, cusp_truth) and ``names`` the method names; ``workers``, ``scheduler``,
    ``dashboard_address`` as :func:`~smilekit.campaign.evaluate.evaluate_cases` takes them.

    Returns
    -------
    dict
        ``chunks`` (all), ``chunks_verified`` (valid files kept), ``chunks_redone`` (files there but not
        valid, rewritten), ``chunks_run`` (run by this call), ``problems`` (``{file name: reason}``).
    """
    chunks = time_chunks(cases, chunk_frames)
    pending, problems = [], {}
    for index, chunk in enumerate(chunks):
        path = chunk_path(out_dir, index)
        problem = verify_chunk(path, chunk, names)
        if problem is None:
            continue
        if problem != "missing":
            problems[path.name] = problem
            console.print(f"[yellow]{path.name}: {problem}; redone[/yellow]")
        pending.append(index)
    verified = len(chunks) - len(pending)
    if verified:
        console.print(
            f"resuming: {verified} of {len(chunks)} chunks verified complete in "
            f"{Path(out_dir) / RESULTS_DIR}; "
            f"{len(problems)} invalid redone, {len(pending) - len(problems)} not yet run"
        )
    if pending:
        payload = case_payload(config, workers)
        n_frames = sum(len(chunks[i]) for i in pending)
        with (
            dask_client(workers, scheduler, dashboard_address, console) as client,
            Progress(
                *Progress.get_default_columns(), MofNCompleteColumn(), console=console, disable=not progress
            ) as bar,
        ):
            task = bar.add_task("frames", total=n_frames)
            futures = {client.submit(_run_chunk, chunks[i], payload, pure=False): i for i in pending}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    rows = future.result()
                except Exception as exc:  # the worker died or the task could not run: the chunk's error rows
                    rows = [r for case in chunks[index] for r in failed_rows(case, names, exc)]
                try:
                    write_chunk(chunk_path(out_dir, index), rows)
                except OSError as exc:  # a full disk, a folder gone: stop; the chunks written are kept
                    saved = sum(chunk_path(out_dir, i).exists() for i in range(len(chunks)))
                    raise ProductError(
                        f"{chunk_path(out_dir, index).name} could not be written ({exc.strerror or exc}); "
                        f"{saved} of {len(chunks)} chunks are saved in {Path(out_dir) / RESULTS_DIR}: make "
                        "room or fix the folder, then run the same command again to resume"
                    ) from exc
                bar.advance(task, len(chunks[index]))
    return {
        "chunks": len(chunks),
        "chunk_frames": int(chunk_frames),
        "chunks_verified": verified,
        "chunks_redone": len(problems),
        "chunks_run": len(pending),
        "problems": problems,
    }
