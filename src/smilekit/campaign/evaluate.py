"""The evaluation harness: simulate SXI images of known truths, run every retrieval, measure the errors.

``smilekit evaluate CASES.csv --out DIR`` calls :func:`evaluate_cases`. A case file
(:func:`smilekit.campaign.cases.read_cases`) has exactly the columns of
:data:`smilekit.campaign.cases.CASE_COLUMNS`; the package ships one
(:data:`smilekit.campaign.cases.SHIPPED_CASES`).

Per case (:func:`run_case`):

1. **Truth** (:func:`smilekit.campaign.truth.case_truth`): the upstream state, the dipole tilt, the
   physical SWCX emissivity, the true stand-off (Shue et al. 1998, :cite:`shue1998`) and the true north cusp
   edges.
2. **Image** (:func:`smilekit.campaign.truth.simulate_l2`): the photon events of the exposure with all
   backgrounds binned to one L2 image of 0.25 deg pixels (:mod:`smilekit.campaign.truth` for both steps).
3. **Retrievals**: every magnetopause method (``f(l2, time_index=0, solar_wind=state)``, by default
   :data:`smilekit.science.magnetopause.METHODS`) and the north cusp retrieval (by default
   ``smilekit.science.cusps.estimate_cusp_edges``), given the boundary fit that
   :func:`smilekit.science.cusps.sheath_context` picks (the main job's rule; none run: the cusp retrieval
   fits its own). The methods see the upstream state
   (a real mission has OMNI), not the truth's emissivity. An exception in a method is caught and becomes
   that row's status ``"error: <type>: <message>"``; a failed simulation marks every row of the case so.

Results (``DIR/results.csv``, one row per case x method; each case's rows appended in one write, flushed
and fsynced as the case finishes; a field never holds a line break, so one row is one line):
:data:`RESULT_COLUMNS` then :data:`EXTRA_COLUMNS`. Units: r0 in RE (``r0_err = r0_est - r0_true``); cusp
edges as GSM latitudes (deg) in the noon meridian at the cusp reference distance
(``cusp_reference_distance_re``, :data:`smilekit.science.cusps.CUSP_REFERENCE_DISTANCE`); an edge error in
RE is that distance times the latitude error in radians (the requirement's 0.25 RE is judged so).

Resuming: ``DIR/state.json`` records the case file's sha256 and the method names. A rerun on the same
DIR verifies ``results.csv`` before it trusts it (:func:`verify_results`): a case is skipped only when it
has exactly one well-formed row per method of the run (every field parses: numbers, the domain flag, the
boundary JSON; a known method; the case-level fields equal across its rows; no torn line). Every other
case is redone, its partial rows dropped; the file is then rewritten atomically with the rows kept (a
checkpoint), the count of cases redone is printed and recorded under ``resume`` in the summary. A killed
run thus loses at most the cases in flight, and a torn or garbled line is never counted. A case whose task
brings no rows back (a worker lost, the scheduler gone) is not written: the run finishes the others, then
stops with a :class:`~smilekit.errors.ProductError` that says how many; a rerun runs those. A case that
killed its workers (dask's ``KilledWorker``) in :data:`~smilekit.campaign.cluster.MAX_LOSSES` runs
(``DIR/lost.json``) is written as failed in the last of them. A different case
file or method set is refused with an :class:`~smilekit.errors.InputError`.

Summary (:func:`smilekit.campaign.statistics.summarise`, ``DIR/summary.json``, a printed table): per
method, the stand-off error statistics over the requirement domain, its dayside part and all cases, and
the cusp-edge error statistics (:mod:`smilekit.campaign.statistics` for the definitions).

Execution on dask.distributed (:mod:`smilekit.campaign.cluster`): in process by default (the cases one
after another), ``workers=N`` local worker processes, or ``scheduler="tcp://..."`` a running scheduler; each
task runs its numba kernels on the threads its share of the cores gives (:func:`case_payload`). Cases are
submitted as futures and their rows written in the order they finish (:func:`distributed.as_completed`).
The methods, cusp retrieval and simulation are shipped to the workers with cloudpickle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import time as _time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import astropy.units as u
import cloudpickle
import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from smilekit._io import jsonable, write_text
from smilekit.campaign.cases import Case, as_case, read_cases
from smilekit.campaign.cluster import (
    LOST_FILE,
    MAX_LOSSES,
    LostTasks,
    check_execution,
    dask_client,
    use_worker_threads,
    worker_threads,
)
from smilekit.campaign.statistics import CUSP_NOT_RUN, summarise
from smilekit.campaign.truth import case_truth, simulate_l2
from smilekit.errors import InputError, ProductError
from smilekit.science.cusps import estimate_cusp_edges, sheath_context
from smilekit.science.estimates import OK
from smilekit.science.magnetopause import METHODS, SharedInputs
from smilekit.science.requirement import FLUX_THRESHOLD, MIN_DISTANCE, in_requirement_domain_values
from smilekit.units import RE

__all__ = [
    "ALL_COLUMNS",
    "BOOL_COLUMNS",
    "EXTRA_COLUMNS",
    "RESULT_COLUMNS",
    "TEXT_COLUMNS",
    "case_payload",
    "check_run_state",
    "error_text",
    "evaluate_cases",
    "evaluation_summary",
    "failed_rows",
    "resolve_methods",
    "run_case",
    "run_case_payload",
    "runs_cusp",
    "verify_results",
]

#: The required columns of ``results.csv``, in order.
RESULT_COLUMNS = (
    "case_id",
    "method",
    "r0_true",
    "r0_est",
    "r0_err",
    "r0_sigma",
    "cusp_north_poleward_true",
    "cusp_north_poleward_est",
    "cusp_north_equatorward_true",
    "cusp_north_equatorward_est",
    "status",
)
#: Further columns of ``results.csv``, after :data:`RESULT_COLUMNS`: the requirement-domain flag, the
#: drivers (flux cm^-2 s^-1, pdyn nPa, IMF Bz nT, tilt deg), the spacecraft distance and GSE X (RE), the cusp
#: sigmas (deg), reference distance (RE) and status, the method whose magnetopause the cusp retrieval was
#: given, the image's total counts and modelled background counts, wall-clock seconds (truth, simulation,
#: this method, cusp retrieval) and the fitted boundary (JSON).
EXTRA_COLUMNS = (
    "in_domain",
    "flux_cm2_s",
    "pdyn_npa",
    "bz_nt",
    "tilt_deg",
    "sc_distance_re",
    "sc_x_gse_re",
    "cusp_north_poleward_sigma",
    "cusp_north_equatorward_sigma",
    "cusp_reference_distance_re",
    "cusp_status",
    "cusp_magnetopause",
    "counts",
    "background",
    "seconds_truth",
    "seconds_simulate",
    "seconds_method",
    "seconds_cusp",
    "boundary",
)
ALL_COLUMNS = RESULT_COLUMNS + EXTRA_COLUMNS

_RESULTS = "results.csv"
_STATE = "state.json"
_SUMMARY = "summary.json"


def resolve_methods(methods) -> dict[str, Callable]:
    """The magnetopause methods a run uses, by name: ``methods`` as :func:`run_case` takes it.

    Parameters
    ----------
    methods : mapping, str, sequence of str or None
        ``{name: f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate}`` (taken as it is), one
        name or names in :data:`smilekit.science.magnetopause.METHODS`, or None for all of them.

    Returns
    -------
    dict
        ``{name: callable}``, in the order given (the registry's order for None).

    Raises
    ------
    InputError
        For a name not in the registry, or an empty mapping or one whose keys are not strings or whose
        values are not callable.
    """
    if methods is None:
        return dict(METHODS)
    if isinstance(methods, Mapping):
        out = dict(methods)
    else:
        names = [methods] if isinstance(methods, str) else list(methods)
        unknown = [m for m in names if m not in METHODS]
        if unknown:
            raise InputError(f"unknown methods {unknown}; choose from {sorted(METHODS)}")
        out = {m: METHODS[m] for m in names}
    if not out or not all(isinstance(k, str) and callable(f) for k, f in out.items()):
        raise InputError("methods must be a non-empty mapping of names to callables, or method names")
    return out


def runs_cusp(config: dict) -> bool:
    """Whether a run of :func:`run_case` keywords ``config`` retrieves the cusp (its ``cusp_method``
    not False)."""
    return config.get("cusp_method") is not False


def _resolve_cusp(cusp_method):
    if cusp_method is None:
        return estimate_cusp_edges
    if cusp_method is False:
        return None
    if not callable(cusp_method):
        raise InputError(f"cusp_method must be callable, None (default) or False (skip), got {cusp_method!r}")
    return cusp_method


def error_text(exc: BaseException) -> str:
    """A result's status for an exception: ``"error: Type: first line"`` (at most 300 characters)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"error: {type(exc).__name__}: {text}"[:300]


def _float(value, unit) -> float:
    try:
        return float(u.Quantity(value).to_value(unit))
    except (TypeError, ValueError, u.UnitsError):
        return math.nan


def _json(value) -> str:
    try:
        return json.dumps(value, default=str, allow_nan=True)
    except (TypeError, ValueError):
        return "{}"


def _in_domain(case: Case) -> bool:
    """Whether a case lies in the requirement domain
    (:func:`~smilekit.science.requirement.in_requirement_domain`; n v in cm^-2 s^-1 from cm^-3 x km/s
    x 1e5)."""
    return bool(in_requirement_domain_values(case.n * case.v * 1e5, np.linalg.norm(case.sc)))


def run_case(row, *, methods=None, cusp_method=None, simulate=None, cusp_truth=None) -> list[dict]:
    """Simulate one case, run every method and the cusp retrieval: one result row (dict) per method.

    Parameters
    ----------
    row : Case or mapping
        A parsed :class:`~smilekit.campaign.cases.Case`, or a mapping with the
        :data:`~smilekit.campaign.cases.CASE_COLUMNS` fields (strings or numbers).
    methods : mapping or sequence of str, optional
        ``{name: f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate}``, or names in
        :data:`smilekit.science.magnetopause.METHODS`; default all of them.
    cusp_method : callable or False, optional
        ``f(l2, *, time_index=0, solar_wind=None, magnetopause=None, hemisphere="north") -> CuspEstimate``;
        default ``smilekit.science.cusps.estimate_cusp_edges``; False skips the cusps.
    simulate : callable, optional
        ``f(case, truth) -> L2 dataset``; default :func:`~smilekit.campaign.truth.simulate_l2`.
    cusp_truth : callable, optional
        ``f(state, time) -> (equatorward, poleward)``; default ``smilekit.science.cusps.true_cusp_edges``.

    Returns
    -------
    list of dict
        Keys :data:`RESULT_COLUMNS` + :data:`EXTRA_COLUMNS` (module notes for the units). Method and
        simulation exceptions become ``status = "error: ..."``; nothing is raised for them.

    Raises
    ------
    InputError
        For a malformed case or bad ``methods``/``cusp_method``.
    """
    case = as_case(row)
    methods = resolve_methods(methods)
    cusp = _resolve_cusp(cusp_method)
    simulate = simulate or simulate_l2

    t0 = _time.perf_counter()
    truth = case_truth(case, cusp_truth=cusp_truth)
    t1 = _time.perf_counter()
    state = truth.state
    base = {
        "case_id": case.case_id,
        "r0_true": truth.r0,
        "cusp_north_poleward_true": truth.cusp_poleward,
        "cusp_north_equatorward_true": truth.cusp_equatorward,
        "in_domain": _in_domain(case),
        "flux_cm2_s": case.n * case.v * 1e5,
        "pdyn_npa": float(state.pdyn.to_value(u.nPa)),
        "bz_nt": float(case.b[2]),
        "tilt_deg": float(truth.tilt.to_value(u.deg)),
        "sc_distance_re": float(np.linalg.norm(case.sc)),
        "sc_x_gse_re": float(case.sc[0]),
        "seconds_truth": t1 - t0,
    }
    try:
        l2 = simulate(case, truth)
        sim_status = None
    except Exception as exc:  # a failed simulation marks every row of the case
        l2, sim_status = None, "error: simulation: " + error_text(exc).removeprefix("error: ")
    t2 = _time.perf_counter()
    base["seconds_simulate"] = t2 - t1
    base["counts"] = base["background"] = math.nan
    if l2 is not None:
        try:
            base["counts"] = float(l2["counts"].sum())
            base["background"] = float(l2["background"].sum())
        except Exception:  # an injected simulation may return a stand-in
            pass

    estimates: dict[str, Any] = {}
    rows = []
    shared = SharedInputs(l2, solar_wind=state)  # the first method to need one pays for it (its seconds)
    for name, method in methods.items():
        row_out = dict(base, method=name, r0_est=math.nan, r0_sigma=math.nan, boundary="{}")
        start = _time.perf_counter()
        if sim_status is not None:
            row_out["status"] = sim_status
        else:
            try:
                est = method(l2, time_index=0, solar_wind=state, **shared.kwargs(name, method))
                status = str(est.status)
                estimates[name] = est
                if status == OK:
                    row_out["r0_est"] = _float(est.r0, RE)
                    row_out["r0_sigma"] = _float(est.r0_sigma, RE)
                    if not math.isfinite(row_out["r0_est"]):
                        status = "error: status ok but r0 is not a finite length"
                row_out["status"] = status
                row_out["boundary"] = _json(getattr(est, "boundary", {}) or {})
            except Exception as exc:  # a method's failure is that row's status, never the run's
                row_out["status"] = error_text(exc)
        row_out["seconds_method"] = _time.perf_counter() - start
        row_out["r0_err"] = row_out["r0_est"] - truth.r0
        rows.append(row_out)

    cusp_cols = {
        "cusp_north_poleward_est": math.nan,
        "cusp_north_equatorward_est": math.nan,
        "cusp_north_poleward_sigma": math.nan,
        "cusp_north_equatorward_sigma": math.nan,
        "cusp_reference_distance_re": math.nan,
        "cusp_magnetopause": "",
    }
    start = _time.perf_counter()
    if cusp is None:  # first: a run without the cusp counts no cusp failures
        cusp_cols["cusp_status"] = CUSP_NOT_RUN
    elif sim_status is not None:
        cusp_cols["cusp_status"] = sim_status
    else:
        name, mp = sheath_context(estimates)
        cusp_cols["cusp_magnetopause"] = name
        try:
            est = cusp(l2, time_index=0, solar_wind=state, magnetopause=mp, hemisphere="north")
            cusp_cols["cusp_status"] = str(est.status)
            cusp_cols["cusp_reference_distance_re"] = _float(est.reference_distance, RE)
            if est.status == OK:
                cusp_cols["cusp_north_poleward_est"] = _float(est.poleward, u.deg)
                cusp_cols["cusp_north_equatorward_est"] = _float(est.equatorward, u.deg)
                cusp_cols["cusp_north_poleward_sigma"] = _float(est.poleward_sigma, u.deg)
                cusp_cols["cusp_north_equatorward_sigma"] = _float(est.equatorward_sigma, u.deg)
        except Exception as exc:
            cusp_cols["cusp_status"] = error_text(exc)
    cusp_cols["seconds_cusp"] = _time.perf_counter() - start
    return [dict(r, **cusp_cols) for r in rows]


def case_payload(config: Mapping, workers: int | None) -> bytes:
    """The run's configuration for :func:`run_case_payload` (cloudpickle), with the numba threads each of
    ``workers`` local worker processes may use (:func:`worker_threads`)."""
    return cloudpickle.dumps({**config, "numba_threads": worker_threads(workers)})


def run_case_payload(case: Case, payload: bytes) -> list[dict]:
    """Worker entry: unpickle the run's configuration (:func:`case_payload`) and run one case, the numba
    kernels of this thread on the configuration's threads (:func:`use_worker_threads`)."""
    config = cloudpickle.loads(payload)
    use_worker_threads(config.pop("numba_threads", None))
    try:
        return run_case(case, **config)
    except Exception as exc:
        return failed_rows(case, list(resolve_methods(config.get("methods"))), exc, cusp=runs_cusp(config))


def failed_rows(case: Case, names: list[str], exc: BaseException, *, cusp: bool = True) -> list[dict]:
    """Rows for a case that could not be run at all (its truth failed); ``cusp``: whether the run retrieves
    the cusp (else its status is :data:`~smilekit.campaign.statistics.CUSP_NOT_RUN`)."""
    status = "error: case: " + error_text(exc).removeprefix("error: ")
    base = dict.fromkeys(ALL_COLUMNS, math.nan)
    base.update(
        case_id=case.case_id,
        status=status,
        cusp_status=status if cusp else CUSP_NOT_RUN,
        in_domain=_in_domain(case),
        flux_cm2_s=case.n * case.v * 1e5,
        sc_distance_re=float(np.linalg.norm(case.sc)),
        cusp_magnetopause="",
        boundary="{}",
    )
    return [dict(base, method=name) for name in names]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_run_state(
    out_dir: Path, cases_path: Path, sha: str, names: list[str], results: str = _RESULTS
) -> None:
    """Record the run's case file (sha256) and methods in ``out_dir/state.json``, or refuse a folder that
    holds another run's (module notes, resuming), or results (``results``: the file, or a campaign's folder
    of chunks) without a state."""
    state_path = out_dir / _STATE
    results = out_dir / results
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except json.JSONDecodeError:
            raise InputError(
                f"{state_path} is not valid JSON; remove {out_dir} or pick another --out"
            ) from None
        if state.get("cases_sha256") != sha:
            raise InputError(
                f"{out_dir} holds results of a different case file ({state.get('cases_file')!r}, sha256 "
                f"{str(state.get('cases_sha256'))[:12]}...) than {cases_path.name} (sha256 {sha[:12]}...); "
                "use another output directory or delete this one"
            )
        if list(state.get("methods", [])) != names:
            raise InputError(
                f"{out_dir} holds results of the methods {state.get('methods')}, not {names}; use another "
                "output directory or delete this one"
            )
    elif results.is_file() or (results.is_dir() and any(results.iterdir())):
        raise InputError(f"{results} exists without {_STATE}: not a run's directory of this case file")
    else:
        write_text(
            state_path,
            json.dumps({"cases_file": str(cases_path), "cases_sha256": sha, "methods": names}, indent=2)
            + "\n",
        )


#: Columns that hold text (any string; ``status`` and ``cusp_status`` never empty) and the one holding a
#: bool; every other column is a number (empty for NaN).
TEXT_COLUMNS = frozenset({"case_id", "method", "status", "cusp_status", "cusp_magnetopause", "boundary"})
BOOL_COLUMNS = frozenset({"in_domain"})
#: Columns that differ between the rows of one case (one per method); the others are the case's.
_PER_METHOD_COLUMNS = frozenset(
    {"method", "r0_est", "r0_err", "r0_sigma", "status", "seconds_method", "boundary"}
)
#: Positions, in a row, of the case's own columns (the same in every row of one case).
_CASE_FIELDS = tuple(k for k, key in enumerate(ALL_COLUMNS) if key not in _PER_METHOD_COLUMNS)
_HEADER = ",".join(ALL_COLUMNS)


def _row_problem(fields: list[str], names: list[str]) -> str | None:
    """Why one parsed line of results.csv is not a valid row of this run (None if it is)."""
    if len(fields) != len(ALL_COLUMNS):
        return f"{len(fields)} fields, not {len(ALL_COLUMNS)}"
    row = dict(zip(ALL_COLUMNS, fields, strict=True))
    if not row["case_id"]:
        return "empty case_id"
    if row["method"] not in names:
        return f"method {row['method']!r} is not one of this run's {names}"
    for key in ("status", "cusp_status"):
        if not row[key]:
            return f"empty {key}"
    try:
        json.loads(row["boundary"])
    except ValueError:
        return f"boundary {row['boundary'][:40]!r} is not JSON"
    for key, value in row.items():
        if key in BOOL_COLUMNS:
            if value not in ("True", "False"):
                return f"{key} = {value!r} is not True or False"
        elif key not in TEXT_COLUMNS and value:
            try:
                float(value)
            except ValueError:
                return f"{key} = {value[:40]!r} is not a number"
    return None


def verify_results(results, case_ids, names) -> tuple[list[str], set[str], dict[str, str]]:
    """Check a ``results.csv`` before a resume trusts it: which cases are complete, which must be redone.

    Parameters
    ----------
    results : path
        The results file (it may be missing: nothing is complete).
    case_ids : collection of str
        The case_ids of the case file.
    names : list of str
        The run's method names: a complete case has exactly one row for each.

    Returns
    -------
    kept : list of str
        The file's lines to keep (the header first, then the rows of the complete cases, in file order).
    complete : set of str
        The case_ids with one well-formed row per method and equal case-level fields across them.
    redo : dict
        ``{case_id: reason}`` for each case of the case file with rows, but not complete; plus
        ``{"<line N>": reason}`` for lines that belong to no case (torn, garbled, unknown case_id).

    Raises
    ------
    InputError
        If the header is not this version's columns.
    """
    results = Path(results)
    if not results.exists():
        return [_HEADER], set(), {}
    lines = results.read_bytes().split(b"\n")
    torn_tail = lines.pop()  # b"" when the file ends with a line break, else a line cut short
    redo: dict[str, str] = {}
    if not lines:
        return [_HEADER], set(), ({"<line 1>": "torn header"} if torn_tail else {})
    header = lines[0].decode("utf-8", "replace").rstrip("\r")
    if next(csv.reader([header]), []) != list(ALL_COLUMNS):
        raise InputError(f"{results} has other columns than this version writes; use a new directory")
    case_ids = set(case_ids)
    rows: dict[str, list[tuple[str, list[str]]]] = {}
    for number, raw in enumerate(lines[1:], start=2):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            redo[f"<line {number}>"] = "not UTF-8"
            continue
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line]), [])
        except csv.Error as exc:
            redo[f"<line {number}>"] = f"not CSV ({exc})"
            continue
        case_id = fields[0] if fields else ""
        problem = _row_problem(fields, names)
        if case_id not in case_ids:
            redo[f"<line {number}>"] = problem or f"case_id {case_id[:40]!r} is not in the case file"
        elif problem:
            redo.setdefault(case_id, f"line {number}: {problem}")
        else:
            rows.setdefault(case_id, []).append((line, fields))
    if torn_tail:
        redo[f"<line {len(lines) + 1}>"] = "torn last line (no line break)"
    complete = set()
    for case_id, group in rows.items():
        if case_id in redo:
            continue
        methods = sorted(fields[1] for _, fields in group)
        if methods != sorted(names):
            redo[case_id] = f"{len(group)} rows (methods {methods}) for the run's {len(names)} methods"
            continue
        if len({tuple(fields[k] for k in _CASE_FIELDS) for _, fields in group}) != 1:
            redo[case_id] = "its rows disagree on the case's own fields"
            continue
        complete.add(case_id)
    kept = [header] + [line for case_id, group in rows.items() if case_id in complete for line, _ in group]
    return kept, complete, redo


def _checkpoint(results: Path, case_ids, names, console) -> tuple[set[str], dict[str, str]]:
    """Verify ``results`` (:func:`verify_results`); if a line is dropped (or the file is new), rewrite it
    atomically with the lines kept."""
    existed = results.exists()
    kept, complete, redo = verify_results(results, case_ids, names)
    if not existed or redo:
        write_text(results, "\n".join(kept) + "\n")
    for key, reason in redo.items():
        console.print(f"[yellow]{results.name}: {key}: {reason}; redone[/yellow]")
    return complete, redo


class _Writer:
    """Appends each case's rows to results.csv in one write, then flushes and fsyncs."""

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("ab", buffering=0)

    def write(self, rows: list[dict]) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=ALL_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writerows([{k: _cell(r.get(k, math.nan)) for k in ALL_COLUMNS} for r in rows])
        self._append(text.getvalue().encode("utf-8"))

    def _append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self._file.write(view) :]
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def _cell(value):
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    if isinstance(value, str):  # one row, one line: resume reads the file line by line
        return value.replace("\r", " ").replace("\n", " ")
    return value


def _print_summary(summary: dict, console) -> None:
    def f(x, fmt=".3f"):
        return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, fmt)

    flux, distance = FLUX_THRESHOLD.to_value(u.cm**-2 / u.s), MIN_DISTANCE.to_value(RE)
    table = Table(
        title=f"Magnetopause stand-off r0 (RE) in the requirement domain (n v > {flux:.2g} cm^-2 s^-1, "
        f"> {distance:g} RE)"
    )
    columns = (
        "method",
        "n",
        "failed",
        "bias",
        "RMS",
        "p95 |err|",
        "<= 0.5 RE",
        "<= 0.25 RE",
        "dayside n, RMS",
        "RMS all",
    )
    for col in columns:
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, s in summary["methods"].items():
        d = s["domain"]
        day = s.get("dayside")
        table.add_row(
            name,
            str(d["n"]),
            str(d["n_failed"]),
            f(d["bias_re"]),
            f(d["rms_re"]),
            f(d["p95_abs_err_re"]),
            f(d["frac_within_0p5_re"], ".2f"),
            f(d["frac_within_0p25_re"], ".2f"),
            "-" if day is None else f"{day['n']}/{day['n'] + day['n_failed']}, {f(day['rms_re'])}",
            f(s["all"]["rms_re"]),
        )
    console.print(table)
    cusp = summary.get("cusp") or {}
    if cusp:
        ref = cusp.get("reference_distance_re")
        table = Table(title=f"North cusp edges at {f(ref, '.1f')} RE (GSM latitude), requirement domain")
        for col in ("edge", "n", "failed", "bias deg", "RMS deg", "RMS RE", "p95 |err| RE", "<= 0.25 RE"):
            table.add_column(col, justify="left" if col == "edge" else "right")
        for edge in ("north_poleward", "north_equatorward"):
            d = cusp[edge]["domain"]
            table.add_row(
                edge.removeprefix("north_"),
                str(d["n"]),
                str(d["n_failed"]),
                f(d["bias_deg"], ".2f"),
                f(d["rms_deg"], ".2f"),
                f(d["rms_re"]),
                f(d["p95_abs_err_re"]),
                f(d["frac_within_0p25_re"], ".2f"),
            )
        console.print(table)


def evaluate_cases(
    cases_csv,
    out_dir,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    methods=None,
    cusp_method=None,
    simulate=None,
    cusp_truth=None,
    console=None,
    dashboard_address: str | None = None,
) -> dict:
    """Run every case of a case file through simulation and retrieval; write results and a summary.

    Parameters
    ----------
    cases_csv : path
        The case file (module notes; e.g. :data:`smilekit.campaign.cases.SHIPPED_CASES` via
        ``smilekit._data.data_path``).
    out_dir : path
        Output directory: ``results.csv`` (appended per case), ``state.json``, ``summary.json``. Rerunning
        on the same directory resumes (module notes).
    workers : int, optional
        Run on a local dask cluster of this many single-threaded worker processes.
    scheduler : str, optional
        Address of a running dask scheduler (``"tcp://host:8786"``); excludes ``workers``.
    progress : bool
        Show a rich progress bar.
    methods, cusp_method, simulate, cusp_truth
        As in :func:`run_case` (default: every method, the cusp retrieval, the full simulation).
    console : rich.console.Console, optional
        Where the progress, the malformed rows and the summary table are printed.
    dashboard_address : str, optional
        ``"host:port"`` for the local cluster's dask dashboard (port 0: any free one); default a free port
        on 127.0.0.1. The scheduler and workers stay on loopback whatever it is. Not with ``scheduler``.

    Returns
    -------
    dict
        The summary (also written to ``summary.json``): :func:`~smilekit.campaign.statistics.summarise`'s
        result plus ``cases_file``, ``cases_sha256``, ``n_cases_in_file``, ``malformed`` (line, case_id,
        reason), ``domain``, ``units``, ``requirements``, ``resume`` (``cases_verified``: complete cases
        kept from an earlier run, ``cases_redone``, ``problems``: ``{case_id or "<line N>": reason}``) and
        ``seconds`` (wall-clock of this call).

    Raises
    ------
    InputError
        For a missing case file or a wrong header, bad ``workers``/``scheduler``/``methods``/
        ``dashboard_address``, or an output directory holding results of another case file or method set.
    ProductError
        When cases brought no rows back from the cluster (the rows of the others are saved; a rerun runs
        those).
    """
    start = _time.perf_counter()
    if console is None:  # a log file or pipe gets rich's 80 columns: wide enough for the tables instead
        console = Console()
        if not console.is_terminal:
            console = Console(width=132)
    check_execution(workers, scheduler, dashboard_address)  # fast, before anything is read or written
    cases_path = Path(cases_csv)
    cases, malformed = read_cases(cases_path)
    for bad in malformed:
        console.print(f"[yellow]{cases_path.name} line {bad.line}: skipped ({bad.reason})[/yellow]")
    names = list(resolve_methods(methods))
    config = {"methods": methods, "cusp_method": cusp_method, "simulate": simulate, "cusp_truth": cusp_truth}
    _resolve_cusp(cusp_method)  # fail early on a bad argument

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sha = _sha256(cases_path)
    check_run_state(out_dir, cases_path, sha, names)
    results_path = out_dir / _RESULTS
    resuming = results_path.exists()
    done, redo = _checkpoint(results_path, [c.case_id for c in cases], names, console)
    pending = [c for c in cases if c.case_id not in done]
    redone = sum(1 for c in pending if c.case_id in redo)
    if resuming:
        console.print(
            f"resuming: {len(done)} of {len(cases)} cases verified complete in {results_path}; "
            f"{redone} incomplete or malformed redone, {len(pending) - redone} not yet run"
        )

    writer = _Writer(results_path)
    try:
        with Progress(
            *Progress.get_default_columns(), MofNCompleteColumn(), console=console, disable=not progress
        ) as bar:
            task = bar.add_task("evaluating cases", total=len(pending))
            if pending:
                _run_distributed(
                    pending, config, names, writer, bar, task, workers, scheduler, dashboard_address, console
                )
    finally:
        writer.close()

    results = pd.read_csv(
        results_path, dtype={"case_id": str, "method": str, "status": str, "cusp_status": str}
    )
    resume = {"cases_verified": len(done), "cases_redone": redone, "problems": redo}
    summary = evaluation_summary(results, cases, malformed, cases_path, sha, resume)
    summary["seconds"] = _time.perf_counter() - start
    summary = jsonable(summary)
    write_text(out_dir / _SUMMARY, json.dumps(summary, indent=2) + "\n")
    _print_summary(summary, console)
    return summary


def evaluation_summary(results: pd.DataFrame, cases, malformed, cases_path, sha: str, resume: dict) -> dict:
    """The summary of a run's ``results`` (rows of other cases than ``cases`` left out): :func:`summarise`
    plus the case file, its malformed lines, the requirement's domain, units and thresholds, and
    ``resume`` (how much an earlier run had done)."""
    results = results[results["case_id"].isin({c.case_id for c in cases})]
    summary = summarise(results) if len(results) else {"methods": {}, "cusp": {}, "best_method": None}
    summary.update(
        {
            "cases_file": str(cases_path),
            "cases_sha256": sha,
            "n_cases_in_file": len(cases) + len(malformed),
            "malformed": [bad._asdict() for bad in malformed],
            "domain": {
                "flux_min_cm2_s": FLUX_THRESHOLD.to_value(u.cm**-2 / u.s),
                "sc_distance_min_re": MIN_DISTANCE.to_value(RE),
            },
            "units": {
                "r0": "RE",
                "cusp": "deg GSM latitude, noon meridian, at reference_distance_re; *_re = distance x rad",
            },
            "requirements": {"r0_re": 0.5, "r0_best_method_rms_re": 0.25, "cusp_edge_re": 0.25},
            "resume": resume,
        }
    )
    return summary


def _run_distributed(pending, config, names, writer, bar, task, workers, scheduler, dashboard_address,
                     console):  # fmt: skip
    from distributed import as_completed  # dask only where a cluster is asked for

    payload = case_payload(config, workers)
    with dask_client(workers, scheduler, dashboard_address, console) as client:
        futures = {client.submit(run_case_payload, case, payload, pure=False): case for case in pending}
        lost: dict[str, BaseException] = {}
        ledger = LostTasks(writer.path.parent / LOST_FILE)
        for future in as_completed(futures):
            case = futures[future]
            bar.advance(task)
            try:
                rows = future.result()
            except Exception as exc:  # no rows came back (a worker lost, the scheduler gone): none written,
                # so that a rerun runs the case (its own failure is its rows); but a case that kills its
                # workers (dask gave up on it: KilledWorker) in MAX_LOSSES runs gets its error rows
                given_up = ledger.give_up(case.case_id, exc, error_text(exc))
                if given_up is None:
                    lost[case.case_id] = exc
                    continue
                rows = failed_rows(case, names, given_up, cusp=runs_cusp(config))
                console.print(f"[yellow]case {case.case_id}: {given_up}; written as failed[/yellow]")
            writer.write(rows)
    if lost:
        first = min(lost)
        raise ProductError(
            f"{len(lost)} of {len(pending)} cases did not come back from the cluster (case {first}: "
            f"{error_text(lost[first])}); the rows of the others are saved in {writer.path}: run the same "
            f"command again to run those (one that kills its workers in {MAX_LOSSES} runs: written as failed)"
        )
