"""Accuracy statistics of the evaluation: the stand-off errors and the cusp-edge errors per method.

Summary (:func:`summarise`; the harness writes it to ``DIR/summary.json`` and prints it as a table): per
method over the rows in the requirement domain (:func:`smilekit.science.requirement.in_requirement_domain`:
flux n v > 4.9e8 cm^-2 s^-1 and the spacecraft beyond 15 RE) with status ok: the number n, the number
failed (in the domain, no answer), the bias and RMS of r0_err, the 95th percentile of ``|r0_err|`` and the
fractions within 0.5 RE and 0.25 RE (:func:`r0_error_stats`); the same over the domain cases seen from the
dayside (spacecraft GSE X > 0) and over all cases; for each cusp edge (one value per case) the bias and RMS
in deg and in RE, the 95th percentile of ``|error|`` in RE and the fraction within 0.25 RE. An edge error in
RE is the cusp reference distance times the latitude error in radians (the requirement's 0.25 RE is judged
so).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from smilekit.errors import InputError
from smilekit.science.estimates import OK

__all__ = ["CUSP_NOT_RUN", "binned_fractions", "frame_table", "r0_error_stats", "summarise"]

#: The ``cusp_status`` of a case run without the cusp retrieval (``--no-cusp``): not counted as failed.
CUSP_NOT_RUN = "not run"


def _nan_stat(values: np.ndarray, func) -> float:
    return float(func(values)) if values.size else math.nan


def r0_error_stats(errors: np.ndarray, n_failed: int) -> dict:
    """Stand-off error statistics (RE) of one method's answers ``errors``: their number ``n``, bias, RMS,
    p95 of ``|error|``, fractions within 0.5 and 0.25 RE (NaN without answers), and ``n_failed`` (cases
    without an answer). The harness's summary and the main job's science stage both report these."""
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
        case with a finite truth, the cases run without the cusp retrieval (:data:`CUSP_NOT_RUN`) left out
        (``"cusp"`` is empty when none ran it): ``n`` (status ok), ``n_failed``, ``n_no_truth`` (the edge's
        reference point lies outside the true magnetopause), ``bias_deg``, ``rms_deg``, ``bias_re``,
        ``rms_re`` (reference distance x radians), ``p95_abs_err_re``, ``frac_within_0p25_re``. NaN where
        n = 0. The best method has the smallest RMS in the domain. ``"dayside"``: the domain cases seen from
        the dayside, spacecraft ``sc_x_gse_re > 0`` (needs that column; the night-side apogees look down on
        the sheath face-on and see no nose limb, so most methods rightly give no answer there).
    """
    missing = [c for c in ("case_id", "method", "r0_err", "status", "in_domain") if c not in results]
    if missing:
        raise InputError(f"results lack the columns {missing}")
    df = results.copy()
    df["case_id"] = df["case_id"].astype(str)
    df["_domain"] = _bool_column(df["in_domain"])
    df["_ok"] = (df["status"].astype(str) == OK) & np.isfinite(pd.to_numeric(df["r0_err"], errors="coerce"))
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
    cases = df.iloc[:0]
    if all(c in df for c in [*cusp_cols, "cusp_status", "cusp_reference_distance_re"]):
        cases = df.drop_duplicates("case_id")
        cases = cases[cases["cusp_status"].astype(str) != CUSP_NOT_RUN]  # run without it: no statistics
    if len(cases):
        ok = cases["cusp_status"].astype(str) == OK
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


def frame_table(results: pd.DataFrame, frames: pd.DataFrame, orbits: pd.DataFrame | None = None):
    """One row per frame of a run's ``results`` (one row per frame and method), with each method's error.

    ``frames`` is the run's case table (:data:`~smilekit.campaign.cases.CASE_COLUMNS`: its time and GSE
    position). Columns: ``case_id``, ``time`` (UTC), ``in_domain``, ``flux_cm2_s``, ``sc_distance_re``,
    ``sc_x_gse_re``, ``sc_z_gse_re``, ``tilt_deg``, ``month`` (1-12), then per method ``err:<method>``
    (r0_est - r0_true, RE; NaN without an answer). With ``orbits``
    (:func:`smilekit.mission.propagator.orbit_evolution`: ``perigee_time``, ``period_h``), also
    ``orbit_phase``: the fraction of its orbit since the perigee before the frame (before the first perigee,
    counted back from it with the first orbit's period; NaN beyond the orbits).
    """
    ok = results["status"] == OK
    error = (results["r0_est"].astype(float) - results["r0_true"].astype(float)).where(ok)
    wide = (
        results.assign(error=error)
        .pivot_table(index="case_id", columns="method", values="error", aggfunc="first", dropna=False)
        .add_prefix("err:")
    )
    case_cols = ["in_domain", "flux_cm2_s", "sc_distance_re", "sc_x_gse_re", "tilt_deg"]
    cases = results.groupby("case_id", sort=True)[case_cols].first()
    cases["in_domain"] = cases["in_domain"].astype(str) == "True"
    where = frames.set_index("case_id")[["time", "sc_z"]].rename(columns={"sc_z": "sc_z_gse_re"})
    table = cases.join(where, how="inner").join(wide).reset_index()
    table["time"] = pd.to_datetime(table["time"])
    table["month"] = table["time"].dt.month
    if orbits is not None and len(orbits):
        perigee = pd.to_datetime(orbits["perigee_time"]).to_numpy("datetime64[ns]")
        period_ns = orbits["period_h"].to_numpy(float) * 3.6e12
        t = table["time"].to_numpy("datetime64[ns]")
        k = np.clip(np.searchsorted(perigee, t, side="right") - 1, 0, None)
        # before the first perigee: the phase counted back from it (1 + (t - perigee) / period)
        phase = (t - perigee[k]).astype("int64").astype(float) / period_ns[k]
        phase = np.where(phase < 0, 1.0 + phase, phase)
        table["orbit_phase"] = np.where((phase >= 0) & (phase < 1.0), phase, np.nan)
    return table.sort_values(["time", "case_id"], ignore_index=True)


def binned_fractions(table: pd.DataFrame, column: str, edges) -> pd.DataFrame:
    """The requirement's fractions per bin of ``column`` of a :func:`frame_table`.

    Per bin ``[edges[i], edges[i + 1])``: ``frames``, ``in_domain`` (frames in the requirement domain),
    ``domain_fraction`` (of the frames) and, per method, ``within_0p5:<method>``: the fraction of the bin's
    domain frames that method located within 0.5 RE (NaN for a bin without domain frames). Bins are
    labelled by their lower edge ``lo`` and upper edge ``hi``.
    """
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise InputError(f"edges must be at least two increasing values, got {edges!r}")
    values = table[column].to_numpy(float)
    index = np.searchsorted(edges, values, side="right") - 1
    index[(values >= edges[-1]) | ~np.isfinite(values)] = -1
    methods = [c for c in table.columns if c.startswith("err:")]
    domain = table["in_domain"].to_numpy(bool)
    rows = []
    for i in range(edges.size - 1):
        here = index == i
        dom = here & domain
        row = {"lo": edges[i], "hi": edges[i + 1], "frames": int(here.sum()), "in_domain": int(dom.sum())}
        row["domain_fraction"] = row["in_domain"] / row["frames"] if row["frames"] else math.nan
        for m in methods:
            err = table[m].to_numpy(float)[dom]
            met = np.abs(err) <= 0.5  # NaN (no answer) is not within
            row["within_0p5:" + m.removeprefix("err:")] = float(met.mean()) if err.size else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
