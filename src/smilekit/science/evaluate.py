"""The evaluation harness: simulate SXI images of known truths, run every retrieval, measure the errors.

``smilekit evaluate CASES.csv --out DIR`` calls :func:`evaluate_cases`. A case file (:func:`read_cases`)
has exactly the columns of :data:`smilekit.science.cases.CASE_COLUMNS`, in order: ``case_id, time, sc_x,
sc_y, sc_z, aim_x, aim_y, aim_z, n, v, bx, by, bz, exposure_s, seed`` (ISO UTC time; spacecraft and aim
point GSE, RE; n cm^-3; v km/s, the flow along -X; B GSM, nT; exposure s, a whole number of 4-s CCD frames;
seed a non-negative integer). The package ships one (:data:`smilekit.science.cases.SHIPPED_CASES`).

Per case (:func:`run_case`):

1. **Truth** (:func:`case_truth`): the upstream state ``SolarWindState(n, v_gse=(-v, 0, 0), b_gsm=(bx, by,
   bz), T = 1e5 K, time)``; the dipole tilt :func:`smilekit.frames.dipole_tilt` at the case time; the
   *physical* emissivity :meth:`SWCXEmissivity.from_solar_wind
   <smilekit.geospace.emissivity.SWCXEmissivity.from_solar_wind>` (magnetosheath plasma with the Shue et
   al. 1998 magnetopause and cusp funnels, times the Hodges exosphere); the true stand-off
   ``r0_true = standoff("shue1998", pdyn, bz)`` (RE); the true north cusp edges from
   ``smilekit.science.cusps.true_cusp_edges(state, time)``.
2. **Image** (:func:`simulate_l2` = :func:`truth_image` then :func:`l1_l2`): the body attitude from
   :func:`~smilekit.mission.pointing.attitude_values` (boresight to the aim point, long axis towards the
   Earth), the line-of-sight intensity :func:`~smilekit.instruments.sxi.los.intensity_map` at 0.25 deg,
   the photon events :func:`~smilekit.instruments.sxi.simulate.simulate_events` over the exposure with all
   backgrounds and the case's seed, and one L2 image :func:`~smilekit.instruments.sxi.l2.make_l2` whose bin
   is the whole exposure (0.25 deg pixels).
3. **Retrievals**: every magnetopause method (``f(l2, time_index=0, solar_wind=state)``, by default
   :data:`smilekit.science.magnetopause.METHODS`) and the north cusp retrieval (by default
   ``smilekit.science.cusps.estimate_cusp_edges``), given the boundary fit that
   :func:`smilekit.science.cusps.sheath_context` picks (the main job's rule; none run: the cusp retrieval
   fits its own). The methods see the upstream state
   (a real mission has OMNI), not the truth's emissivity. An exception in a method is caught and becomes
   that row's status ``"error: <type>: <message>"``; a failed simulation marks every row of the case so.

Results (``DIR/results.csv``, one row per case x method, appended and flushed as each case finishes):
:data:`RESULT_COLUMNS` then :data:`EXTRA_COLUMNS`. Units: r0 in RE (``r0_err = r0_est - r0_true``); cusp
edges as GSM latitudes (deg) in the noon meridian at the cusp reference distance
(``cusp_reference_distance_re``, :data:`smilekit.science.cusps.CUSP_REFERENCE_DISTANCE`); an edge error in
RE is that distance times the latitude error in radians (the requirement's 0.25 RE is judged so).

Resuming: ``DIR/state.json`` records the case file's sha256 and the method names. A rerun on the same
DIR skips every case_id already in ``results.csv`` (a killed run loses at most the cases in flight); a
different case file or method set is refused with an :class:`~smilekit.errors.InputError`.

Summary (:func:`summarise`, ``DIR/summary.json``, a printed table): per method over the rows in the
requirement domain (:func:`smilekit.science.requirement.in_requirement_domain`: flux n v > 4.9e8
cm^-2 s^-1 and the spacecraft beyond 15 RE) with status ok: the number n, the number failed (in the
domain, no answer), the bias and RMS of r0_err, the 95th percentile of |r0_err| and the fractions within
0.5 RE and 0.25 RE;
the same over the domain cases seen from the dayside (spacecraft GSE X > 0) and over all cases; for each
cusp edge (one value per case) the bias and RMS in deg and in RE, the 95th percentile of |error| in RE
and the fraction within 0.25 RE.

Execution on dask.distributed: in-process by default (a :class:`distributed.LocalCluster` with one worker
thread inside this process, ``processes=False``: the cases one after another; the line-of-sight kernel
already uses every core through numba); ``workers=N``
starts a :class:`distributed.LocalCluster` of N single-threaded worker processes (their numba
kernels share the cores: ``NUMBA_NUM_THREADS`` = cores / N), ``scheduler="tcp://..."``
connects to a running dask scheduler. Cases are submitted as futures and their rows written in the order
they finish (:func:`distributed.as_completed`). The methods, cusp retrieval and simulation are shipped to
the workers with cloudpickle.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import time as _time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit.errors import InputError
from smilekit.science.cases import CASE_COLUMNS
from smilekit.science.requirement import FLUX_THRESHOLD, MIN_DISTANCE, in_requirement_domain_values
from smilekit.units import RE

__all__ = [
    "EXTRA_COLUMNS",
    "IMAGE_PIXEL",
    "RESULT_COLUMNS",
    "Case",
    "MalformedRow",
    "Truth",
    "case_truth",
    "evaluate_cases",
    "l1_l2",
    "r0_error_stats",
    "read_cases",
    "run_case",
    "simulate_l2",
    "summarise",
    "truth_image",
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

#: Image pixel (deg) of the simulated L2 images and of the truth intensity map.
IMAGE_PIXEL = 0.25 * u.deg
_OK = "ok"
_NUMERIC = CASE_COLUMNS[2:14]  # sc_x ... exposure_s
_RESULTS = "results.csv"
_STATE = "state.json"
_SUMMARY = "summary.json"


# ---------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------


class Case(NamedTuple):
    """One parsed case (plain floats: RE GSE, cm^-3, km/s, nT GSM, s)."""

    case_id: str
    time: np.datetime64  #: exposure start, UTC, ns
    sc: np.ndarray  #: spacecraft position, GSE, RE, (3,)
    aim: np.ndarray  #: SXI aim point, GSE, RE, (3,)
    n: float  #: solar-wind density, cm^-3
    v: float  #: solar-wind speed, km/s (flow along -X)
    b: np.ndarray  #: IMF, GSM, nT, (3,)
    exposure_s: float  #: exposure, s
    seed: int  #: seed of the photon simulation
    line: int = 0  #: line of the case file (1-based; 0 when not from a file)


class MalformedRow(NamedTuple):
    """A case-file row that was skipped: its 1-based line number, its case_id (if any) and why."""

    line: int
    case_id: str
    reason: str


def _frame_seconds() -> float:
    from smilekit.instruments.sxi.config import SXIConfig

    return SXIConfig().values.frame_s


def _parse_fields(fields: Mapping[str, Any], line: int = 0) -> Case:
    """A :class:`Case` from the 15 raw fields (strings or numbers); InputError naming the bad field."""
    case_id = str(fields["case_id"]).strip()
    if not case_id:
        raise InputError("case_id is empty")
    text = str(fields["time"]).strip()
    try:
        when = np.datetime64(text, "ns")
    except ValueError:
        raise InputError(f"time {text!r} is not an ISO UTC time") from None
    if np.isnat(when):
        raise InputError(f"time {text!r} is not an ISO UTC time")
    from smilekit.frames import dipole_tilt

    try:
        dipole_tilt(when)
    except InputError as exc:
        raise InputError(f"time {text!r}: {str(exc).splitlines()[0]}") from None
    values = {}
    for name in _NUMERIC:
        raw = fields[name]
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise InputError(f"{name} {str(raw)!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(f"{name} must be finite, got {raw!r}")
        values[name] = value
    for name, unit in (("n", "cm^-3"), ("v", "km/s"), ("exposure_s", "s")):
        if values[name] <= 0.0:
            raise InputError(f"{name} must be positive ({unit}), got {values[name]:g}")
    frame = _frame_seconds()
    frames = values["exposure_s"] / frame
    if abs(frames - round(frames)) > 1e-9:
        raise InputError(
            f"exposure_s {values['exposure_s']:g} s is not a whole number of {frame:g}-s CCD frames"
        )
    raw_seed = str(fields["seed"]).strip()
    try:
        seed = int(raw_seed)
    except ValueError:
        raise InputError(f"seed {raw_seed!r} is not an integer") from None
    if seed < 0:
        raise InputError(f"seed must be non-negative, got {seed}")
    sc = np.array([values["sc_x"], values["sc_y"], values["sc_z"]])
    aim = np.array([values["aim_x"], values["aim_y"], values["aim_z"]])
    if np.linalg.norm(sc) <= 1.0:
        raise InputError(f"the spacecraft must lie outside the Earth, got |sc| = {np.linalg.norm(sc):g} RE")
    if np.linalg.norm(aim - sc) < 1e-6:
        raise InputError("the aim point coincides with the spacecraft")
    return Case(
        case_id=case_id,
        time=when,
        sc=sc,
        aim=aim,
        n=values["n"],
        v=values["v"],
        b=np.array([values["bx"], values["by"], values["bz"]]),
        exposure_s=values["exposure_s"],
        seed=seed,
        line=line,
    )


def read_cases(path) -> tuple[list[Case], list[MalformedRow]]:
    """Parse a case file strictly: the exact header, then one case per line.

    Blank lines are ignored. A row with the wrong number of fields, an empty or repeated case_id, a time
    that is not ISO (or outside the frames' 1900-2030 range), a field that is not a finite number, a
    non-positive density, speed or exposure, an exposure that is not a whole number of CCD frames, a seed
    that is not a non-negative integer, a spacecraft inside the Earth or an aim point at the spacecraft is
    reported as a :class:`MalformedRow` (1-based file line and reason) and skipped.

    Returns
    -------
    cases : list of Case
    malformed : list of MalformedRow

    Raises
    ------
    InputError
        If the file is missing or empty, or its header is not exactly :data:`CASE_COLUMNS` in order.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"case file {str(path)!r} not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise InputError(f"case file {path.name} is empty")
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    if header != list(CASE_COLUMNS):
        raise InputError(
            f"case file {path.name}: line 1 must be the header {','.join(CASE_COLUMNS)} (exact names, "
            f"in this order), got {lines[0]!r}"
        )
    cases: list[Case] = []
    malformed: list[MalformedRow] = []
    seen: set[str] = set()
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        fields = next(csv.reader([text]))
        case_id = fields[0].strip() if fields else ""
        if len(fields) != len(CASE_COLUMNS):
            malformed.append(
                MalformedRow(number, case_id, f"expected {len(CASE_COLUMNS)} fields, got {len(fields)}")
            )
            continue
        try:
            case = _parse_fields(dict(zip(CASE_COLUMNS, fields, strict=True)), number)
        except InputError as exc:
            malformed.append(MalformedRow(number, case_id, str(exc)))
            continue
        if case.case_id in seen:
            malformed.append(MalformedRow(number, case_id, f"case_id {case_id!r} repeats an earlier row"))
            continue
        seen.add(case.case_id)
        cases.append(case)
    return cases, malformed


def _as_case(row) -> Case:
    if isinstance(row, Case):
        return row
    if isinstance(row, pd.Series):
        row = row.to_dict()
    if not isinstance(row, Mapping):
        raise InputError(
            f"a case must be a Case or a mapping of {list(CASE_COLUMNS)}, got {type(row).__name__}"
        )
    missing = [c for c in CASE_COLUMNS if c not in row]
    if missing:
        raise InputError(f"the case lacks the fields {missing}")
    return _parse_fields(row)


# ---------------------------------------------------------------------------------------------------------
# Truth and simulated image
# ---------------------------------------------------------------------------------------------------------


class Truth(NamedTuple):
    """What the image is simulated from and what the retrievals are measured against."""

    state: Any  #: SolarWindState at the case time
    tilt: u.Quantity  #: dipole tilt
    source: Any  #: the physical SWCX emissivity (EmissivityModel)
    r0: float  #: true stand-off distance (Shue et al. 1998), RE
    cusp_equatorward: float  #: true north cusp equatorward edge, deg GSM latitude at the reference distance
    cusp_poleward: float  #: true north cusp poleward edge, deg
    rotation: np.ndarray  #: body -> GSE attitude (3, 3)


def _default_cusp_truth():
    from smilekit.science.cusps import true_cusp_edges

    return true_cusp_edges


def case_truth(case, *, cusp_truth: Callable | None = None) -> Truth:
    """The truth of one case (module notes, step 1) and its SXI attitude.

    ``cusp_truth(state, time) -> (equatorward, poleward)`` (deg Quantities; NaN allowed) defaults to
    ``smilekit.science.cusps.true_cusp_edges``.
    """
    from smilekit.frames import dipole_tilt
    from smilekit.geospace.boundaries import standoff
    from smilekit.geospace.emissivity import SWCXEmissivity
    from smilekit.mission.pointing import attitude_values
    from smilekit.solarwind.state import SolarWindState

    case = _as_case(case)
    state = SolarWindState(
        n=case.n * u.cm**-3,
        v_gse=[-case.v, 0.0, 0.0] * (u.km / u.s),
        b_gsm=case.b * u.nT,
        time=case.time,
    )
    tilt = dipole_tilt(case.time)
    source = SWCXEmissivity.from_solar_wind(state, tilt=tilt)
    r0 = float(standoff("shue1998", pdyn=state.pdyn, bz=state.bz).to_value(RE))
    equatorward, poleward = (cusp_truth or _default_cusp_truth())(state, case.time)
    rotation, _ = attitude_values(case.sc[None, :], case.aim[None, :], np.array([[0.0, 0.0, 1.0]]))
    return Truth(
        state=state,
        tilt=tilt,
        source=source,
        r0=r0,
        cusp_equatorward=float(u.Quantity(equatorward).to_value(u.deg)),
        cusp_poleward=float(u.Quantity(poleward).to_value(u.deg)),
        rotation=rotation[0],
    )


def truth_image(case: Case, truth: Truth):
    """The noise-free SWCX intensity over the field of view (keV cm^-2 s^-1 sr^-1), 0.25 deg pixels."""
    from smilekit.instruments.sxi.los import intensity_map

    return intensity_map(
        truth.source,
        case.sc * RE,
        case.aim * RE,
        rotation=truth.rotation,
        time=case.time,
        pixel=IMAGE_PIXEL,
    )


def l1_l2(case: Case, truth: Truth, sky):
    """The photon events of the exposure (all backgrounds, the case's seed) binned to one L2 image."""
    from smilekit.instruments.sxi.l2 import make_l2
    from smilekit.instruments.sxi.simulate import simulate_events

    exposure = case.exposure_s * u.s
    events = simulate_events(
        sky, exposure, start=case.time, rotation=truth.rotation, sc_position=case.sc * RE, rng=case.seed
    )
    return make_l2(events, cadence=exposure, pixel=IMAGE_PIXEL)


def simulate_l2(case: Case, truth: Truth):
    """The default simulation of a case: :func:`truth_image` then :func:`l1_l2`; returns the L2 dataset."""
    return l1_l2(case, truth, truth_image(case, truth))


# ---------------------------------------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------------------------------------


def _resolve_methods(methods) -> dict[str, Callable]:
    if methods is None:
        from smilekit.science.magnetopause import METHODS

        return dict(METHODS)
    if isinstance(methods, Mapping):
        out = dict(methods)
    else:
        from smilekit.science.magnetopause import METHODS

        names = [methods] if isinstance(methods, str) else list(methods)
        unknown = [m for m in names if m not in METHODS]
        if unknown:
            raise InputError(f"unknown methods {unknown}; choose from {sorted(METHODS)}")
        out = {m: METHODS[m] for m in names}
    if not out or not all(isinstance(k, str) and callable(f) for k, f in out.items()):
        raise InputError("methods must be a non-empty mapping of names to callables, or method names")
    return out


def _resolve_cusp(cusp_method):
    if cusp_method is None:
        from smilekit.science.cusps import estimate_cusp_edges

        return estimate_cusp_edges
    if cusp_method is False:
        return None
    if not callable(cusp_method):
        raise InputError(f"cusp_method must be callable, None (default) or False (skip), got {cusp_method!r}")
    return cusp_method


def _error(exc: BaseException) -> str:
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
    """Whether a case lies in the requirement domain (:func:`.requirement.in_requirement_domain`; n v in
    cm^-2 s^-1 from cm^-3 x km/s x 1e5)."""
    return bool(in_requirement_domain_values(case.n * case.v * 1e5, np.linalg.norm(case.sc)))


def run_case(row, *, methods=None, cusp_method=None, simulate=None, cusp_truth=None) -> list[dict]:
    """Simulate one case, run every method and the cusp retrieval: one result row (dict) per method.

    Parameters
    ----------
    row : Case or mapping
        A parsed :class:`Case`, or a mapping with the :data:`CASE_COLUMNS` fields (strings or numbers).
    methods : mapping or sequence of str, optional
        ``{name: f(l2, *, time_index=0, solar_wind=None) -> MagnetopauseEstimate}``, or names in
        :data:`smilekit.science.magnetopause.METHODS`; default all of them.
    cusp_method : callable or False, optional
        ``f(l2, *, time_index=0, solar_wind=None, magnetopause=None, hemisphere="north") -> CuspEstimate``;
        default ``smilekit.science.cusps.estimate_cusp_edges``; False skips the cusps.
    simulate : callable, optional
        ``f(case, truth) -> L2 dataset``; default :func:`simulate_l2`.
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
    case = _as_case(row)
    methods = _resolve_methods(methods)
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
        l2, sim_status = None, "error: simulation: " + _error(exc).removeprefix("error: ")
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
    for name, method in methods.items():
        row_out = dict(base, method=name, r0_est=math.nan, r0_sigma=math.nan, boundary="{}")
        start = _time.perf_counter()
        if sim_status is not None:
            row_out["status"] = sim_status
        else:
            try:
                est = method(l2, time_index=0, solar_wind=state)
                status = str(est.status)
                estimates[name] = est
                if status == _OK:
                    row_out["r0_est"] = _float(est.r0, RE)
                    row_out["r0_sigma"] = _float(est.r0_sigma, RE)
                    if not math.isfinite(row_out["r0_est"]):
                        status = "error: status ok but r0 is not a finite length"
                row_out["status"] = status
                row_out["boundary"] = _json(getattr(est, "boundary", {}) or {})
            except Exception as exc:  # a method's failure is that row's status, never the run's
                row_out["status"] = _error(exc)
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
    if sim_status is not None:
        cusp_cols["cusp_status"] = sim_status
    elif cusp is None:
        cusp_cols["cusp_status"] = "not run"
    else:
        from smilekit.science.cusps import sheath_context

        name, mp = sheath_context(estimates)
        cusp_cols["cusp_magnetopause"] = name
        try:
            est = cusp(l2, time_index=0, solar_wind=state, magnetopause=mp, hemisphere="north")
            cusp_cols["cusp_status"] = str(est.status)
            cusp_cols["cusp_reference_distance_re"] = _float(est.reference_distance, RE)
            if est.status == _OK:
                cusp_cols["cusp_north_poleward_est"] = _float(est.poleward, u.deg)
                cusp_cols["cusp_north_equatorward_est"] = _float(est.equatorward, u.deg)
                cusp_cols["cusp_north_poleward_sigma"] = _float(est.poleward_sigma, u.deg)
                cusp_cols["cusp_north_equatorward_sigma"] = _float(est.equatorward_sigma, u.deg)
        except Exception as exc:
            cusp_cols["cusp_status"] = _error(exc)
    cusp_cols["seconds_cusp"] = _time.perf_counter() - start
    return [dict(r, **cusp_cols) for r in rows]


def _run_payload(case: Case, payload: bytes) -> list[dict]:
    """Worker entry: unpickle the run's configuration (cloudpickle) and run one case."""
    import cloudpickle

    config = cloudpickle.loads(payload)
    try:
        return run_case(case, **config)
    except Exception as exc:
        return _failed_rows(case, list(_resolve_methods(config.get("methods"))), exc)


def _failed_rows(case: Case, names: list[str], exc: BaseException) -> list[dict]:
    """Rows for a case that could not be run at all (its truth failed)."""
    status = "error: case: " + _error(exc).removeprefix("error: ")
    base = dict.fromkeys(ALL_COLUMNS, math.nan)
    base.update(
        case_id=case.case_id,
        status=status,
        cusp_status=status,
        in_domain=_in_domain(case),
        flux_cm2_s=case.n * case.v * 1e5,
        sc_distance_re=float(np.linalg.norm(case.sc)),
        cusp_magnetopause="",
        boundary="{}",
    )
    return [dict(base, method=name) for name in names]


# ---------------------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------------------


def _nan_stat(values: np.ndarray, func) -> float:
    return float(func(values)) if values.size else math.nan


def r0_error_stats(errors: np.ndarray, n_failed: int) -> dict:
    """Stand-off error statistics (RE) of one method's answers ``errors``: their number ``n``, bias, RMS,
    p95 of |error|, fractions within 0.5 and 0.25 RE (NaN without answers), and ``n_failed`` (cases without
    an answer). The harness's summary and the main job's science stage both report these."""
    a = np.abs(errors)
    return {
        "n": int(errors.size),
        "n_failed": int(n_failed),
        "bias_re": _nan_stat(errors, np.mean),
        "rms_re": _nan_stat(errors, lambda e: np.sqrt(np.mean(e * e))),
        "p95_abs_err_re": _nan_stat(a, lambda x: np.percentile(x, 95.0)),
        "frac_within_0p5_re": _nan_stat(a, lambda x: np.mean(x <= 0.5)),
        "frac_within_0p25_re": _nan_stat(a, lambda x: np.mean(x <= 0.25)),
    }


def _edge_stats(err_deg: np.ndarray, ref_re: np.ndarray, n_failed: int, n_no_truth: int) -> dict:
    err_re = ref_re * np.radians(err_deg)
    a = np.abs(err_re)
    return {
        "n": int(err_deg.size),
        "n_failed": int(n_failed),
        "n_no_truth": int(n_no_truth),
        "bias_deg": _nan_stat(err_deg, np.mean),
        "rms_deg": _nan_stat(err_deg, lambda e: np.sqrt(np.mean(e * e))),
        "bias_re": _nan_stat(err_re, np.mean),
        "rms_re": _nan_stat(err_re, lambda e: np.sqrt(np.mean(e * e))),
        "p95_abs_err_re": _nan_stat(a, lambda x: np.percentile(x, 95.0)),
        "frac_within_0p25_re": _nan_stat(a, lambda x: np.mean(x <= 0.25)),
    }


def _bool_column(values) -> np.ndarray:
    s = pd.Series(values)
    if s.dtype == bool:
        return s.to_numpy()
    return s.astype(str).str.strip().str.lower().isin(("true", "1", "1.0")).to_numpy()


def summarise(results: pd.DataFrame) -> dict:
    """Accuracy of each method and of the cusp edges from result rows (module notes for the definitions).

    Parameters
    ----------
    results : pandas.DataFrame
        Rows as in ``results.csv``; needs ``case_id, method, r0_err, status, in_domain`` and, for the
        cusps, ``cusp_north_{poleward,equatorward}_{true,est}``, ``cusp_status`` and
        ``cusp_reference_distance_re``.

    Returns
    -------
    dict
        ``{"methods": {name: {"domain": stats, "dayside": stats, "all": stats}}, "cusp": {"north_poleward":
        {"domain": ..., "all": ...}, "north_equatorward": ...}, "best_method": name or None, "n_cases": ...,
        "n_cases_domain": ...}``. r0 stats: ``n`` (rows with status ok), ``n_failed`` (rows without an
        answer), ``bias_re``, ``rms_re``, ``p95_abs_err_re`` (numpy's linear-interpolation percentile),
        ``frac_within_0p5_re``, ``frac_within_0p25_re`` (over the ok rows). Cusp stats per edge, one value per
        case with a finite truth: ``n`` (status ok), ``n_failed``, ``n_no_truth`` (the edge's reference point
        lies outside the true magnetopause), ``bias_deg``, ``rms_deg``, ``bias_re``, ``rms_re`` (reference
        distance x radians), ``p95_abs_err_re``, ``frac_within_0p25_re``. NaN where n = 0. The best method has
        the smallest RMS in the domain. ``"dayside"``: the domain cases seen from the dayside, spacecraft
        ``sc_x_gse_re > 0`` (needs that column; the night-side apogees look down on the sheath face-on and see
        no nose limb, so most methods rightly give no answer there).
    """
    missing = [c for c in ("case_id", "method", "r0_err", "status", "in_domain") if c not in results]
    if missing:
        raise InputError(f"results lack the columns {missing}")
    df = results.copy()
    df["case_id"] = df["case_id"].astype(str)
    df["_domain"] = _bool_column(df["in_domain"])
    df["_ok"] = (df["status"].astype(str) == _OK) & np.isfinite(pd.to_numeric(df["r0_err"], errors="coerce"))
    df["r0_err"] = pd.to_numeric(df["r0_err"], errors="coerce")
    out: dict[str, Any] = {
        "n_cases": int(df["case_id"].nunique()),
        "n_cases_domain": int(df.loc[df["_domain"], "case_id"].nunique()),
        "methods": {},
        "cusp": {},
    }
    has_x = "sc_x_gse_re" in df
    if has_x:
        df["_dayside"] = df["_domain"] & (pd.to_numeric(df["sc_x_gse_re"], errors="coerce") > 0.0)
    for name in dict.fromkeys(df["method"].astype(str)):
        rows = df[df["method"].astype(str) == name]
        scopes = [("domain", rows[rows["_domain"]]), ("all", rows)]
        if has_x:
            scopes.insert(1, ("dayside", rows[rows["_dayside"]]))
        out["methods"][name] = {
            scope: r0_error_stats(sel.loc[sel["_ok"], "r0_err"].to_numpy(float), int((~sel["_ok"]).sum()))
            for scope, sel in scopes
        }
    rms = {
        n: s["domain"]["rms_re"] for n, s in out["methods"].items() if math.isfinite(s["domain"]["rms_re"])
    }
    out["best_method"] = min(rms, key=rms.get) if rms else None

    cusp_cols = [f"cusp_north_{e}_{k}" for e in ("poleward", "equatorward") for k in ("true", "est")]
    if all(c in df for c in [*cusp_cols, "cusp_status", "cusp_reference_distance_re"]):
        cases = df.drop_duplicates("case_id")
        ok = cases["cusp_status"].astype(str) == _OK
        ref = pd.to_numeric(cases["cusp_reference_distance_re"], errors="coerce").to_numpy(float)
        for edge in ("poleward", "equatorward"):
            true = pd.to_numeric(cases[f"cusp_north_{edge}_true"], errors="coerce").to_numpy(float)
            est = pd.to_numeric(cases[f"cusp_north_{edge}_est"], errors="coerce").to_numpy(float)
            has_truth = np.isfinite(true)
            good = ok.to_numpy() & has_truth & np.isfinite(est) & np.isfinite(ref)
            stats = {}
            for scope, sel in (("domain", cases["_domain"].to_numpy()), ("all", np.ones(len(cases), bool))):
                g = good & sel
                stats[scope] = _edge_stats(
                    (est - true)[g],
                    ref[g],
                    int((sel & has_truth & ~good).sum()),
                    int((sel & ~has_truth).sum()),
                )
            out["cusp"][f"north_{edge}"] = stats
        finite_ref = ref[np.isfinite(ref)]
        out["cusp"]["reference_distance_re"] = float(finite_ref[0]) if finite_ref.size else math.nan
    return out


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_state(out_dir: Path, cases_path: Path, sha: str, names: list[str]) -> None:
    state_path = out_dir / _STATE
    results = out_dir / _RESULTS
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
    elif results.exists():
        raise InputError(f"{results} exists without {_STATE}: not an evaluate directory of this case file")
    else:
        state_path.write_text(
            json.dumps({"cases_file": str(cases_path), "cases_sha256": sha, "methods": names}, indent=2)
            + "\n"
        )


def _finished_case_ids(results: Path) -> set[str]:
    """case_ids already in results.csv; a line cut short by a kill is dropped from the file first."""
    if not results.exists():
        return set()
    data = results.read_bytes()
    if data and not data.endswith(b"\n"):
        results.write_bytes(data[: data.rfind(b"\n") + 1])
    with results.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return set()
        if tuple(header) != ALL_COLUMNS:
            raise InputError(f"{results} has other columns than this version writes; use a new directory")
        return {r[0] for r in reader if r}


class _Writer:
    """Appends result rows to results.csv and flushes after each case."""

    def __init__(self, path: Path):
        new = not path.exists() or path.stat().st_size == 0
        self._file = path.open("a", newline="", encoding="utf-8")
        self._csv = csv.DictWriter(
            self._file, fieldnames=ALL_COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        if new:
            self._csv.writeheader()
            self._file.flush()

    def write(self, rows: list[dict]) -> None:
        self._csv.writerows([{k: _cell(r.get(k, math.nan)) for k in ALL_COLUMNS} for r in rows])
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _cell(value):
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    return value


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _print_summary(summary: dict, console) -> None:
    from rich.table import Table

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
) -> dict:
    """Run every case of a case file through simulation and retrieval; write results and a summary.

    Parameters
    ----------
    cases_csv : path
        The case file (module notes; e.g. :data:`smilekit.science.cases.SHIPPED_CASES` via
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

    Returns
    -------
    dict
        The summary (also written to ``summary.json``): :func:`summarise`'s result plus ``cases_file``,
        ``cases_sha256``, ``n_cases_in_file``, ``malformed`` (line, case_id, reason), ``domain``, ``units``,
        ``requirements`` and ``seconds`` (wall-clock of this call).

    Raises
    ------
    InputError
        For a missing case file or a wrong header, bad ``workers``/``scheduler``/``methods``, or an output
        directory holding results of another case file or method set.
    """
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress

    start = _time.perf_counter()
    if console is None:  # a log file or pipe gets rich's 80 columns: wide enough for the tables instead
        console = Console()
        if not console.is_terminal:
            console = Console(width=132)
    if workers is not None and scheduler is not None:
        raise InputError("give workers or scheduler, not both")
    if workers is not None and (not isinstance(workers, int | np.integer) or workers < 1):
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    cases_path = Path(cases_csv)
    cases, malformed = read_cases(cases_path)
    for bad in malformed:
        console.print(f"[yellow]{cases_path.name} line {bad.line}: skipped ({bad.reason})[/yellow]")
    names = list(_resolve_methods(methods))
    config = {"methods": methods, "cusp_method": cusp_method, "simulate": simulate, "cusp_truth": cusp_truth}
    _resolve_cusp(cusp_method)  # fail early on a bad argument

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sha = _sha256(cases_path)
    _check_state(out_dir, cases_path, sha, names)
    results_path = out_dir / _RESULTS
    done = _finished_case_ids(results_path)
    pending = [c for c in cases if c.case_id not in done]
    if done:
        console.print(
            f"resuming: {len(cases) - len(pending)} of {len(cases)} cases already in {results_path}"
        )

    writer = _Writer(results_path)
    try:
        with Progress(
            *Progress.get_default_columns(), MofNCompleteColumn(), console=console, disable=not progress
        ) as bar:
            task = bar.add_task("evaluating cases", total=len(pending))
            if pending:
                _run_distributed(pending, config, names, writer, bar, task, workers, scheduler)
    finally:
        writer.close()

    results = pd.read_csv(
        results_path, dtype={"case_id": str, "method": str, "status": str, "cusp_status": str}
    )
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
            "seconds": _time.perf_counter() - start,
        }
    )
    summary = _jsonable(summary)
    (out_dir / _SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    _print_summary(summary, console)
    return summary


def _run_distributed(pending, config, names, writer, bar, task, workers, scheduler) -> None:
    import cloudpickle
    from distributed import Client, LocalCluster, as_completed

    payload = cloudpickle.dumps(config)
    cluster = None
    if scheduler is not None:
        client = Client(scheduler)
    # dashboard_address ":0": any free port (None still serves HTTP on 8787, which a second cluster on the
    # machine already holds)
    elif workers is None:  # dask in this process: one worker thread, no pickling round trip
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0")
        client = Client(cluster)
    else:
        # share the cores: each worker's numba kernels get cores / workers threads (numba reads this
        # variable when the worker imports it)
        threads = max(1, (os.cpu_count() or 1) // int(workers))
        if os.environ.get("NUMBA_NUM_THREADS", "").isdigit():
            threads = min(threads, int(os.environ["NUMBA_NUM_THREADS"]))
        cluster = LocalCluster(
            n_workers=int(workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            env={"NUMBA_NUM_THREADS": str(threads)},
        )
        client = Client(cluster)
    try:
        futures = {}
        for case in pending:
            future = client.submit(_run_payload, case, payload, pure=False)
            futures[future] = case
        for future in as_completed(futures):
            case = futures[future]
            try:
                rows = future.result()
            except Exception as exc:
                rows = _failed_rows(case, names, exc)
            writer.write(rows)
            bar.advance(task)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
