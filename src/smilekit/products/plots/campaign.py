"""Figures of a campaign (``smilekit campaign``): how often the requirement is met, and when.

All take the tables of :mod:`smilekit.campaign.statistics` (:func:`~smilekit.campaign.statistics.frame_table`,
:func:`~smilekit.campaign.statistics.binned_fractions`) or the orbit table of
:func:`smilekit.mission.propagator.orbit_evolution`, and return a matplotlib Figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smilekit.products.plots.style import method_label, ut_time_axis
from smilekit.science.requirement import FLUX_THRESHOLD

__all__ = ["coverage_figure", "error_histogram_figure", "fraction_figure", "orbit_drift_figure"]

#: The requirement: the stand-off within this many RE.
_WITHIN_RE = 0.5
_DOMAIN_COLOUR, _MET, _MISSED, _OUTSIDE = "0.82", "tab:green", "tab:red", "0.6"


def _methods(table: pd.DataFrame, prefix: str) -> list[str]:
    return [c.removeprefix(prefix) for c in table.columns if c.startswith(prefix)]


def fraction_figure(binned: dict[str, pd.DataFrame], *, axis_labels: dict[str, str]):
    """Per variable (one panel each): the fraction of frames in the requirement domain (grey bars) and, per
    method, the fraction of the domain frames located within 0.5 RE (lines), by bin.

    ``binned`` maps a variable's name to its :func:`~smilekit.campaign.statistics.binned_fractions` table;
    ``axis_labels`` gives each variable's axis label. A variable named ``flux_cm2_s`` gets a log axis and
    the domain's flux threshold.
    """
    fig, axes = plt.subplots(1, len(binned), figsize=(5.2 * len(binned), 4.4), squeeze=False, sharey=True)
    for ax, (name, table) in zip(axes[0], binned.items(), strict=True):
        lo, hi = table["lo"].to_numpy(float), table["hi"].to_numpy(float)
        log = name == "flux_cm2_s"
        centre = np.sqrt(lo * hi) if log else 0.5 * (lo + hi)
        ax.bar(lo, table["domain_fraction"], width=hi - lo, align="edge", color=_DOMAIN_COLOUR,
               edgecolor="white", label="frames in the domain")  # fmt: skip
        for method in _methods(table, "within_0p5:"):
            ax.plot(centre, table["within_0p5:" + method], "o-", ms=4, label=method_label(method))
        for x, n in zip(centre, table["frames"], strict=True):
            if n:
                ax.annotate(str(n), (x, 0.01), ha="center", va="bottom", fontsize=7, color="0.3")
        if log:
            ax.set_xscale("log")
            ax.axvline(FLUX_THRESHOLD.to_value("cm-2 s-1"), color="k", ls="--", lw=0.8)
        ax.set_xlabel(axis_labels.get(name, name))
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("fraction (frames per bin at the foot)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False)
    fig.suptitle(f"Frames in the requirement domain, and domain frames located within {_WITHIN_RE} RE")
    fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    return fig


def error_histogram_figure(table: pd.DataFrame):
    """Per method, the histogram of its stand-off errors (RE) over the domain frames it answered, the
    requirement's +-0.5 RE marked; the title gives answered / domain frames and the RMS."""
    methods = _methods(table, "err:")
    domain = table[table["in_domain"]]
    ncol = min(3, max(1, len(methods)))
    nrow = int(np.ceil(len(methods) / ncol)) or 1
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.2 * nrow), squeeze=False, sharex=True)
    bins = np.linspace(-2.0, 2.0, 41)
    for ax, method in zip(axes.flat, methods, strict=False):
        err = domain["err:" + method].to_numpy(float)
        err = err[np.isfinite(err)]
        ax.hist(np.clip(err, bins[0], bins[-1]), bins=bins, color="tab:blue", alpha=0.8)
        for x in (-_WITHIN_RE, _WITHIN_RE):
            ax.axvline(x, color="k", ls="--", lw=0.8)
        rms = f", RMS {np.sqrt(np.mean(err**2)):.2f} RE" if err.size else ""
        ax.set_title(f"{method_label(method)}\n{err.size}/{len(domain)} answered{rms}", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(methods) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("r0 error (RE; clipped to +-2)")
    fig.tight_layout()
    return fig


def coverage_figure(table: pd.DataFrame, method: str | None):
    """Where and when the frames were: the spacecraft's GSE X-Z positions and the frames per day, each
    frame marked outside the domain, in the domain and located within 0.5 RE by ``method``, or not."""
    outside = ~table["in_domain"].to_numpy(bool)
    met = np.zeros(len(table), dtype=bool)
    if method is not None:
        met = ~outside & (np.abs(table["err:" + method].to_numpy(float)) <= _WITHIN_RE)
    missed = ~outside & ~met
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1.6]})
    x, z = table["sc_x_gse_re"].to_numpy(float), table["sc_z_gse_re"].to_numpy(float)
    name = method_label(method) if method else "no method"
    for mask, colour, text in ((outside, _OUTSIDE, "outside the domain"), (missed, _MISSED, "domain, missed"),
                               (met, _MET, f"domain, within {_WITHIN_RE} RE")):  # fmt: skip
        left.scatter(x[mask], z[mask], s=3, color=colour, label=f"{text} ({int(mask.sum())})")
    left.add_patch(plt.Circle((0, 0), 1.0, color="k"))
    left.set_aspect("equal")
    left.set_xlabel("X GSE (RE)")
    left.set_ylabel("Z GSE (RE)")
    left.set_title(f"spacecraft at each frame\noutcome: {name}", fontsize=9)
    left.legend(fontsize=7, markerscale=3, loc="lower left")
    left.grid(alpha=0.3)
    day = table["time"].dt.floor("D")
    days = pd.date_range(day.min(), day.max(), freq="D")
    bottom = np.zeros(days.size)
    for mask, colour, text in ((met, _MET, "within 0.5 RE"), (missed, _MISSED, "domain, missed"),
                               (outside, _OUTSIDE, "outside the domain")):  # fmt: skip
        counts = day[mask].value_counts().reindex(days, fill_value=0).to_numpy()
        right.bar(days, counts, bottom=bottom, width=0.9, color=colour, label=text, align="edge")
        bottom += counts
    ut_time_axis(right)
    right.set_ylabel("SXI frames per day")
    right.legend(fontsize=7)
    right.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def orbit_drift_figure(orbits: pd.DataFrame):
    """The orbit over the period, one point per orbit at its perigee time: apogee altitude, inclination,
    right ascension of the ascending node and argument of perigee (the Sun, the Moon and J2 move them)."""
    panels = (("apogee_alt_km", "apogee altitude (km)"), ("inclination_deg", "inclination (deg)"),
              ("raan_deg", "RAAN (deg)"), ("arg_perigee_deg", "argument of perigee (deg)"))  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(16, 3.4))
    t = pd.to_datetime(orbits["perigee_time"])
    for ax, (column, text) in zip(axes, panels, strict=True):
        ax.plot(t, orbits[column], ".-", ms=3)
        ax.set_title(text, fontsize=9)
        ut_time_axis(ax, label=False)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
