"""The downlink figure: what the on-board mass memory held, when the contacts emptied it, and the latency.

:func:`plot_downlink` draws a :class:`~smilekit.telemetry.onboard.MemoryResult`: the memory fill level
against time with the ground contacts shaded, and the acquisition-to-ground latency of each instrument's
packets. Returned as a :class:`matplotlib.figure.Figure` (Agg backend, no pyplot state); the artists carry a
``gid`` (``"fill"``, ``"contact"``, ``"latency_<source>"``) for tests and users.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.style import ut_time_axis

__all__ = ["plot_downlink"]


def plot_downlink(memory, *, title: str = "") -> Figure:
    """The memory fill level with the contacts shaded (top) and each source's latency distribution (bottom).

    Parameters
    ----------
    memory : MemoryResult
        From :func:`~smilekit.telemetry.onboard.simulate_memory`.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not all(hasattr(memory, k) for k in ("fill_history", "contacts", "latency", "source")):
        raise InputError(f"plot_downlink needs a MemoryResult (simulate_memory), got {type(memory).__name__}")
    fig = Figure(figsize=(9, 6.5), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, height_ratios=(1.2, 1))
    t, level = memory.fill_history()
    if t.size:
        times = np.concatenate([[t[0]], t, [memory.end]]).astype("datetime64[ms]").astype(object)
        values = np.concatenate([[0.0], level.to_value("Mbyte"), [level.to_value("Mbyte")[-1]]])
        top.step(times, values, where="post", color="C0", gid="fill")
    for k, row in enumerate(memory.contacts.itertuples()):
        start, end = (np.datetime64(t, "ms").astype(object) for t in (row.start, row.end))
        label = "ground contact" if k == 0 else None
        top.axvspan(start, end, color="C2", alpha=0.3, lw=0, gid="contact", label=label)
    top.set_ylabel("mass memory fill (MB)")
    ut_time_axis(top)
    if len(memory.contacts):
        top.legend(loc="upper left")
    latency_h = memory.latency() / 3600.0
    sources = list(dict.fromkeys(memory.source.tolist()))
    for k, source in enumerate(sources):
        values = np.sort(latency_h[(memory.source == source) & np.isfinite(latency_h)])
        if values.size:
            fraction = np.arange(1, values.size + 1) / values.size
            style = ("-", "--", ":", "-.")[k % 4]  # sources played back together draw one curve: all shown
            bottom.step(values, fraction, where="post", color=f"C{k}", ls=style, lw=2.5 - 0.3 * k,
                        label=f"{source} ({values.size})", gid=f"latency_{source}")  # fmt: skip
    bottom.set_xlabel("latency, acquisition to ground (h)")
    bottom.set_ylabel("fraction of packets")
    bottom.set_ylim(0, 1.02)
    bottom.grid(alpha=0.3)
    if bottom.lines:
        bottom.legend(loc="lower right", title="packets downlinked")
    if title:
        fig.suptitle(title)
    return fig
