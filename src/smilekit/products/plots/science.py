"""Science pictures: the magnetopause stand-off and the cusp edges retrieved from SXI against the truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from smilekit.errors import InputError

__all__ = ["METHOD_LABELS", "method_label", "plot_standoff_series"]

#: Display names of the stand-off methods (:data:`smilekit.science.magnetopause.METHODS`), with the paper
#: each follows, for legends and the report.
METHOD_LABELS: dict[str, str] = {
    "max_intensity": "maximum intensity (Samsonov et al. 2022)",
    "max_gradient": "maximum gradient (Samsonov et al. 2022)",
    "tangent_fitting": "tangent fitting (Sun et al. 2020)",
    "tangential_direction": "tangential direction (Collier & Connor 2018)",
    "boundary_fitting_jorgensen": "boundary fitting, Jorgensen et al. (2019) emissivity",
    "boundary_fitting_cmem": "boundary fitting, CMEM emissivity",
}


def method_label(name: str) -> str:
    """The display name of a stand-off method given by its code name (its words when it has none)."""
    return METHOD_LABELS.get(name, str(name).replace("_", " "))


_NEEDED = ("time", "method", "r0_est", "r0_sigma", "r0_true")


def plot_standoff_series(
    table: pd.DataFrame, *, reference=None, cusps: pd.DataFrame | None = None, title: str = ""
) -> Figure:
    """r0 from every method against the truth over time, with error bars; optionally the cusp edges.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per time and method: ``time`` (datetime64), ``method``, ``r0_est``, ``r0_sigma``,
        ``r0_true`` (RE); rows with NaN ``r0_est`` (no answer) are left out.
    reference : tuple, optional
        ``(label, times, r0)``: a model curve to draw (e.g. Shue 1998, :cite:`shue1998`, from the upstream
        solar wind at the
        solar wind's own cadence).
    cusps : pandas.DataFrame, optional
        ``time``, ``equatorward_est``, ``poleward_est``, ``equatorward_true``, ``poleward_true`` (deg) and
        the sigmas ``equatorward_sigma``, ``poleward_sigma``: a second panel.
    title : str
    """
    missing = [c for c in _NEEDED if c not in table]
    if missing:
        raise InputError(f"table lacks the columns {missing}")
    rows = 2 if cusps is not None else 1
    fig = Figure(figsize=(10, 3.6 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    truth = table.drop_duplicates("time").sort_values("time")
    ax.plot(truth["time"], truth["r0_true"], "k-", lw=2, label="model truth", zorder=3)
    if reference is not None:
        label, times, r0 = reference
        ax.plot(times, r0, color="0.5", lw=1, ls="--", label=label, zorder=2)
    methods = list(dict.fromkeys(table["method"]))
    offsets = np.linspace(-60, 60, max(len(methods), 1)) if len(methods) > 1 else [0.0]
    for k, method in enumerate(methods):
        sel = table[(table["method"] == method) & np.isfinite(table["r0_est"])]
        t = pd.to_datetime(sel["time"]) + pd.to_timedelta(offsets[k], unit="s")  # keep error bars apart
        ax.errorbar(t, sel["r0_est"], yerr=sel["r0_sigma"], fmt="o", ms=4, capsize=2, label=method)
    ax.set_ylabel("subsolar stand-off r0 [RE]")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=2)
    if title:
        ax.set_title(title)
    if cusps is not None:
        ax = axes[1]
        for edge, colour in (("equatorward", "tab:blue"), ("poleward", "tab:red")):
            ax.plot(cusps["time"], cusps[f"{edge}_true"], "-", color=colour, label=f"{edge} (truth)")
            ax.errorbar(cusps["time"], cusps[f"{edge}_est"], yerr=cusps[f"{edge}_sigma"], fmt="o",
                        color=colour, ms=4, capsize=2, label=f"{edge} (SXI)")  # fmt: skip
        ax.set_ylabel("north cusp edge, GSM latitude [deg]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncols=2)
    axes[-1].set_xlabel("time (UTC)")
    return fig
