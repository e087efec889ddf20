"""The retrievals' time series: the truth as a marker a frame when the frames are few, as a line broken at the
gaps when they crowd the panel; every answered estimate drawn, in the same colour either way."""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from smilekit.errors import InputError
from smilekit.products.plots.science import CROWDED_FRAMES, plot_standoff_series

T0 = np.datetime64("2015-06-22T00:00", "ns")
METHODS = ("max_intensity", "boundary_fitting_cmem")


def series(n_frames: int, gap_after: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frames 5 min apart (a 3-h gap after frame ``gap_after``), two methods, one frame unanswered."""
    t = T0 + np.arange(n_frames) * np.timedelta64(5, "m")
    if gap_after is not None:
        t[gap_after + 1 :] += np.timedelta64(3, "h")
    r0 = 9.0 + np.sin(np.arange(n_frames) / 7.0)
    answered = np.ones((n_frames, len(METHODS)), dtype=bool)
    answered[3, 0] = False
    rows = [
        {"time": when, "method": m, "r0_true": true, "r0_est": true + 0.1 * j if answered[k, j] else np.nan,
         "r0_sigma": 0.2}
        for k, (when, true) in enumerate(zip(t, r0, strict=True)) for j, m in enumerate(METHODS)
    ]  # fmt: skip
    nan = np.full(n_frames, np.nan)
    cusps = pd.DataFrame(  # in reverse time order, as a user's table may be
        {"time": t[::-1], "equatorward_true": 40.0 + r0[::-1], "poleward_true": 45.0 + r0[::-1],
         "equatorward_est": nan, "poleward_est": nan, "equatorward_sigma": nan, "poleward_sigma": nan}
    )  # fmt: skip
    return pd.DataFrame(rows), cusps


def by_gid(ax, gid):
    return [a for a in ax.get_lines() if a.get_gid() == gid]


def estimate_colours(ax):
    return [to_rgba(c.lines[0].get_color()) for c in ax.containers]


@pytest.mark.parametrize("n", [11, CROWDED_FRAMES])
def test_few_frames_draw_the_truth_as_a_marker_at_each_frame(n):
    table, cusps = series(n)
    fig = plot_standoff_series(table, cusps=cusps)
    (truth,) = by_gid(fig.axes[0], "truth")
    assert truth.get_linestyle() == "None" and truth.get_marker() == "D"
    assert len(truth.get_xdata()) == n
    (edge,) = by_gid(fig.axes[1], "poleward_truth")
    assert edge.get_linestyle() == "None" and len(edge.get_xdata()) == n
    fig.savefig(io.BytesIO(), format="png")


def test_a_crowded_series_draws_the_truth_as_a_line_broken_at_the_gaps():
    n = CROWDED_FRAMES + 1
    table, cusps = series(n, gap_after=50)
    fig = plot_standoff_series(table, cusps=cusps)
    (truth,) = by_gid(fig.axes[0], "truth")
    assert truth.get_marker() in ("None", "", None) and truth.get_linestyle() == "-"
    x, y = mdates.date2num(truth.get_xdata()), np.asarray(truth.get_ydata(), dtype=float)
    assert x.size == n + 1 and np.isnan(y).sum() == 1  # one break, in the 3-h gap
    (brk,) = np.flatnonzero(np.isnan(y))
    assert brk == 51 and x[50] < x[brk] < x[52]
    expected = table.drop_duplicates("time")["r0_true"].to_numpy()
    np.testing.assert_array_equal(np.delete(y, brk), expected)
    for edge in ("equatorward", "poleward"):  # the cusp edges' truth too, in time order
        (line,) = by_gid(fig.axes[1], f"{edge}_truth")
        ye = np.asarray(line.get_ydata(), dtype=float)
        assert np.isnan(ye).sum() == 1 and np.all(np.diff(mdates.date2num(line.get_xdata())) > 0)
    fig.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize("n", [11, CROWDED_FRAMES + 40])
def test_every_answered_estimate_is_drawn_in_its_methods_colour(n):
    table, cusps = series(n)
    fig = plot_standoff_series(table, cusps=cusps)
    ax = fig.axes[0]
    points = [len(c.lines[0].get_xdata()) for c in ax.containers]
    assert points == [n - 1, n]  # the unanswered frame left out
    assert estimate_colours(ax) == [to_rgba("C1"), to_rgba("C2")]


def test_a_table_without_the_columns_is_refused():
    table, _ = series(5)
    with pytest.raises(InputError, match="r0_sigma"):
        plot_standoff_series(table.drop(columns="r0_sigma"))
