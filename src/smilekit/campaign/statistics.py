"""Accuracy statistics of the evaluation: the stand-off errors and the cusp-edge errors per method.

Summary (:func:`summarise`; the harness writes it to ``DIR/summary.json`` and prints it as a table): per
method over the rows in the requirement domain (:func:`smilekit.science.requirement.in_requirement_domain`:
flux n v > 4.9e8 cm^-2 s^-1 and the spacecraft beyond 15 RE) with status ok: the number n, the number
failed (in the domain, no answer), the bias and RMS of r0_err, the 95th percentile of |r0_err| and the
fractions within 0.5 RE and 0.25 RE (:func:`r0_error_stats`); the same over the domain cases seen from the
dayside (spacecraft GSE X > 0) and over all cases; for each cusp edge (one value per case) the bias and RMS
in deg and in RE, the 95th percentile of |error| in RE and the fraction within 0.25 RE. An edge error in RE
is the cusp reference distance times the latitude error in radians (the requirement's 0.25 RE is judged
so).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from smilekit.errors import InputError
from smilekit.science.estimates import OK

__all__ = ["r0_error_stats", "summarise"]


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
    if all(c in df for c in [*cusp_cols, "cusp_status", "cusp_reference_distance_re"]):
        cases = df.drop_duplicates("case_id")
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
