"""Science pictures: the magnetopause stand-off and the cusp edges retrieved from SXI against the truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.style import method_label, ut_time_axis

__all__ = ["CROWDED_FRAMES", "break_at_gaps", "plot_standoff_series"]

_NEEDED = ("time", "method", "r0_est", "r0_sigma", "r0_true")

#: More frames than this and the series is drawn as a crowded one (:func:`plot_standoff_series`): about as
#: many of the truth's diamonds as fit side by side across the panel.
CROWDED_FRAMES = 60

#: The estimates' points and error bars, of a sparse series (False) and a crowded one (True).
_ESTIMATE_STYLE = {
    False: {"fmt": "o", "ms": 4, "capsize": 2},
    True: {"fmt": "o", "ms": 2, "capsize": 0, "elinewidth": 0.5, "alpha": 0.8},
}


def plot_standoff_series(
    table: pd.DataFrame, *, reference=None, cusps: pd.DataFrame | None = None, title: str = ""
) -> Figure:
    """r0 from every method against the truth over time, with error bars; optionally the cusp edges.

    When the frames are few (at most :data:`CROWDED_FRAMES`) they are often hours apart, so the truth is
    drawn as a marker at each frame, not as a line from one frame to the next (which would suggest a
    boundary history nobody imaged). A crowded series (e.g. every frame of an event, ``smilekit run
    --every-frame``) would bury the estimates under the truth's markers: there the truth is a line through
    consecutive frames, broken where frames are missing (:func:`break_at_gaps`: a gap of more than three
    times the usual spacing), and the estimates are small points with thin error bars. The reference model
    curve, at the solar wind's own cadence, is broken wherever the series has a gap.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per time and method: ``time`` (datetime64), ``method``, ``r0_est``, ``r0_sigma``,
        ``r0_true`` (RE); rows with NaN ``r0_est`` (no answer) are left out.
    reference : tuple, optional
        ``(label, times, r0)``: a model curve to draw (e.g. Shue 1998, :cite:`shue1998`, from the upstream
        solar wind at the solar wind's own cadence).
    cusps : pandas.DataFrame, optional
        ``time``, ``equatorward_est``, ``poleward_est``, ``equatorward_true``, ``poleward_true`` (deg) and
        the sigmas ``equatorward_sigma``, ``poleward_sigma``: a second panel.
    title : str
    """
    missing = [c for c in _NEEDED if c not in table]
    if missing:
        raise InputError(f"table lacks the columns {missing}")
    rows = 2 if cusps is not None else 1
    fig = Figure(figsize=(11, 3.8 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    if reference is not None:
        label, times, r0 = reference
        times, r0 = break_at_gaps(np.asarray(times, dtype="datetime64[ns]"), np.asarray(r0, dtype=float))
        ax.plot(
            times,
            r0,
            color="0.6",
            lw=0.8,
            label=f"{label}, at the solar wind cadence",
            zorder=1,
            gid="reference",
        )
    truth = table.drop_duplicates("time").sort_values("time")
    crowded = len(truth) > CROWDED_FRAMES
    _draw_truth(ax, truth["time"], truth["r0_true"], "k", "model truth", "truth", crowded)
    methods = list(dict.fromkeys(table["method"]))
    offsets = np.linspace(-60, 60, max(len(methods), 1)) if len(methods) > 1 else [0.0]
    for k, method in enumerate(methods):
        sel = table[(table["method"] == method) & np.isfinite(table["r0_est"])]
        t = pd.to_datetime(sel["time"]) + pd.to_timedelta(offsets[k], unit="s")  # keep error bars apart
        colour = f"C{k + 1}"  # C1 on: the colours the methods have had in these figures
        ax.errorbar(t, sel["r0_est"], yerr=sel["r0_sigma"], label=method_label(method), zorder=3,
                    color=colour, **_ESTIMATE_STYLE[crowded])  # fmt: skip
    ax.set_ylabel("subsolar stand-off r0 [RE]")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="r0 (error bars: 1σ)",
              title_fontsize=8)  # fmt: skip
    if title:
        ax.set_title(title)
    if cusps is not None:
        ax = axes[1]
        cusps = cusps.sort_values("time")
        when = pd.to_datetime(cusps["time"])
        for edge, colour in (("equatorward", "tab:blue"), ("poleward", "tab:red")):
            _draw_truth(ax, cusps["time"], cusps[f"{edge}_true"], colour, f"{edge} edge, model truth",
                        f"{edge}_truth", crowded)  # fmt: skip
            ax.errorbar(when, cusps[f"{edge}_est"], yerr=cusps[f"{edge}_sigma"], color=colour,
                        label=f"{edge} edge from SXI", **_ESTIMATE_STYLE[crowded])  # fmt: skip
        ax.set_ylabel("north cusp edge,\nGSM latitude [deg]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="north cusp",
                  title_fontsize=8)  # fmt: skip
    for ax in axes:
        ut_time_axis(ax, label=ax is axes[-1])
    return fig


def _draw_truth(ax, times, values, colour, label, gid, crowded) -> None:
    """The truth at each frame: a marker (a sparse series), or a line through consecutive frames broken at
    the gaps (a crowded one; :func:`plot_standoff_series`)."""
    times = np.asarray(pd.to_datetime(times), dtype="datetime64[ns]")
    values = np.asarray(values, dtype=float)
    if crowded:
        times, values = break_at_gaps(times, values)
        ax.plot(times, values, color=colour, lw=1.2, label=f"{label}, frame by frame", zorder=4, gid=gid)
    else:
        ax.plot(times, values, ls="none", marker="D", ms=7, mfc="none", mec=colour, mew=1.5,
                label=f"{label} at each frame", zorder=4, gid=gid)  # fmt: skip


def break_at_gaps(times: np.ndarray, values: np.ndarray, *, cadences: float = 3.0):
    """``times`` and ``values`` with a NaN point put in every gap longer than ``cadences`` times the
    median spacing, so that a line drawn through them stops at the gap instead of bridging it.

    >>> t = np.array(["2015-06-22T00:00", "2015-06-22T00:01", "2015-06-22T00:02", "2015-06-22T05:00"],
    ...              dtype="datetime64[ns]")
    >>> _, v = break_at_gaps(t, np.array([1.0, 2.0, 3.0, 4.0]))
    >>> v
    array([ 1.,  2.,  3., nan,  4.])
    """
    times, values = np.asarray(times), np.asarray(values, dtype=float)
    if times.size < 3:
        return times, values
    steps = np.diff(times)
    gaps = np.flatnonzero(steps > cadences * np.median(steps))
    if gaps.size == 0:
        return times, values
    middle = times[gaps] + steps[gaps] // 2
    return np.insert(times, gaps + 1, middle), np.insert(values, gaps + 1, np.nan)
