"""The campaign report: ``report.html`` beside a campaign's ``summary.json``, one self-contained page.

:func:`write_campaign_report` reads a campaign's output folder (:mod:`smilekit.campaign.mission`:
``frames.csv``, ``schedule.json``, ``summary.json`` and the Parquet chunks of ``results/``), propagates the
science orbit over the period again (the same orbit :func:`~smilekit.campaign.schedule.mission_frames`
used) for its per-orbit elements (:func:`~smilekit.mission.propagator.orbit_evolution`, written to
``orbit.csv``), and writes the figures (``figures/*.png``) and the page:

- the answer: SXI frames, the fraction of them in the requirement domain, and per method the fraction of
  the domain frames answered and located within 0.5 RE, with the bias and RMS;
- those fractions as a function of the upstream flux, the season (month) and the orbit phase (the
  fraction of the orbit since perigee), figure and tables
  (:func:`~smilekit.campaign.statistics.binned_fractions`);
- the r0 error distribution of each method over the domain frames;
- coverage: where the spacecraft was at each frame and the frames per day, by outcome;
- the orbit's drift over the period (apogee, inclination, node, argument of perigee).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smilekit import __version__
from smilekit._io import save_figure, write_table, write_text
from smilekit.campaign.chunks import read_chunk_results
from smilekit.campaign.schedule import FRAMES_FILE, SCHEDULE_FILE
from smilekit.campaign.statistics import binned_fractions, frame_table
from smilekit.errors import InputError
from smilekit.mission.orbit import sample_times, science_orbit
from smilekit.mission.propagator import orbit_evolution, propagate
from smilekit.products.plots.campaign import (
    coverage_figure,
    error_histogram_figure,
    fraction_figure,
    orbit_drift_figure,
)
from smilekit.products.plots.style import method_label
from smilekit.products.report import figure_html
from smilekit.products.report.css import STYLE
from smilekit.products.report.formatting import records_table
from smilekit.products.report.sections import card

__all__ = ["REPORT_FILE", "campaign_tables", "write_campaign_report"]

#: The page, in the campaign's output folder.
REPORT_FILE = "report.html"
#: Upstream flux bins (cm^-2 s^-1): 1e7 to 1e10, four a decade.
FLUX_EDGES = 10.0 ** np.arange(7.0, 10.01, 0.25)
MONTH_EDGES = np.arange(0.5, 13.0, 1.0)
PHASE_EDGES = np.linspace(0.0, 1.0, 11)
_AXES = {
    "flux_cm2_s": "upstream flux n v (cm^-2 s^-1)",
    "month": "month of the year",
    "orbit_phase": "orbit phase (fraction of the orbit since perigee)",
}


def campaign_tables(out, results: pd.DataFrame | None = None) -> dict:
    """A campaign folder's tables: ``summary``, ``schedule`` (dicts), ``frames`` (the frame table of
    :func:`~smilekit.campaign.statistics.frame_table`), ``orbits`` (per orbit) and ``binned`` (per variable).

    ``results``: the campaign's rows when the caller has them in memory (else its chunks are read).

    Raises
    ------
    InputError
        If ``out`` holds no finished campaign (its frames, schedule, summary or results are missing).
    """
    out = Path(out)
    missing = [n for n in (FRAMES_FILE, SCHEDULE_FILE, "summary.json") if not (out / n).is_file()]
    if missing:
        raise InputError(f"{out} is not a finished campaign folder: {', '.join(missing)} missing")
    summary = json.loads((out / "summary.json").read_text())
    schedule = json.loads((out / SCHEDULE_FILE).read_text())
    results = read_chunk_results(out) if results is None else results
    if results.empty:
        raise InputError(f"{out} holds no results (results/chunk-*.parquet)")
    case_table = pd.read_csv(out / FRAMES_FILE, usecols=["case_id", "time", "sc_z"], dtype={"case_id": str})
    start, end = np.datetime64(schedule["start"]), np.datetime64(schedule["end"])
    # the orbit of mission_frames, on for two more orbits (5 days) so that a short period's frames have
    # complete orbits (perigee to perigee) about them
    track = propagate(science_orbit(start), sample_times(start, end + np.timedelta64(5, "D"), 300 * u.s))
    orbits = orbit_evolution(track)
    frames = frame_table(results, case_table, orbits)
    binned = {name: binned_fractions(frames, name, edges)
              for name, edges in (("flux_cm2_s", FLUX_EDGES), ("month", MONTH_EDGES),
                                  ("orbit_phase", PHASE_EDGES))}  # fmt: skip
    return {"summary": summary, "schedule": schedule, "frames": frames, "orbits": orbits, "binned": binned}


def _best_method(summary: dict) -> str | None:
    methods = summary.get("methods", {})
    ranked = [(m.get("within_0p5_re") or 0.0, name) for name, m in methods.items()]
    return max(ranked)[1] if ranked else None


def write_campaign_report(out, results: pd.DataFrame | None = None) -> Path:
    """Write a finished campaign's figures, ``orbit.csv`` and ``report.html`` (module notes).

    Returns
    -------
    Path
        The page.

    Raises
    ------
    InputError
        If ``out`` holds no finished campaign.
    """
    out = Path(out)
    t = campaign_tables(out, results)
    summary, schedule, frames, orbits, binned = (t[k] for k in ("summary", "schedule", "frames", "orbits",
                                                                "binned"))  # fmt: skip
    write_table(orbits, out / "orbit.csv", index=False)
    best = _best_method(summary)
    figures = []
    drawn = (
        ("campaign_fractions.png", fraction_figure(
            {k: v for k, v in binned.items() if v["frames"].sum()}, axis_labels=_AXES),
         "Per bin of upstream flux, month and orbit phase: the fraction of SXI frames in the requirement "
         "domain (grey) and, per method, the fraction of the domain frames located within 0.5 RE (the "
         "number of frames at the foot; dashed: the domain's flux threshold)."),
        ("campaign_errors.png", error_histogram_figure(frames),
         "The r0 error (estimate minus truth) of each method over the domain frames it answered; dashed: "
         "the requirement's +-0.5 RE."),
        ("campaign_coverage.png", coverage_figure(frames, best),
         f"Coverage: the spacecraft (GSE X-Z) at each frame and the frames per day, by outcome for the "
         f"method meeting the requirement most often ({method_label(best) if best else 'none'})."),
        ("campaign_orbit.png", orbit_drift_figure(orbits),
         "The science orbit over the period, one point per orbit (osculating elements at perigee; the "
         "propagation with J2, the Sun and the Moon)."),
    )  # fmt: skip
    for name, fig, caption in drawn:
        save_figure(fig, out / "figures" / name, dpi=90)
        plt.close(fig)
        figures.append((f"figures/{name}", caption))
    page = _page(summary, schedule, frames, orbits, binned, figures, out)
    return write_text(out / REPORT_FILE, page)


def _companions_section(summary: dict) -> str:
    """The in situ and UVI tables of the summary (empty when the campaign took neither)."""
    parts = []
    regions = summary.get("insitu") or []
    if regions:
        rows = [{"region": r["region"], "frames": r["frames"], "share": _pct(r["fraction"]),
                 "LIA density error (median)": _pct(r["density_median_error"]),
                 "LIA velocity error (median)": _pct(r["velocity_median_error"]),
                 "no LIA value": r["no_lia_value"],
                 "LIA flagged": _pct(r["lia_flagged_fraction"])} for r in regions]  # fmt: skip
        parts.append(
            "<p>Where SMILE is at the start of each SXI frame (the in situ truth of the frame's solar wind: "
            "Shue et al. 1998 magnetopause, Jelínek et al. 2012 bow shock) and how well one 4-s LIA "
            "distribution there measures the protons.</p><div class='table-wrap'>"
            + records_table(rows, caption="In situ, per region", row_header="region")
            + "</div>"
        )
    uvi = summary.get("uvi")
    if uvi and uvi.get("uvi_frames"):

        def deg(value):
            return "–" if value is None else f"{value:+.2f}°"

        rows = [
            {"boundary": "equatorward", "mean (image − model)": deg(uvi["equatorward_bias_deg"]),
             "RMS": deg(uvi["equatorward_rms_deg"]).lstrip("+")},
            {"boundary": "poleward", "mean (image − model)": deg(uvi["poleward_bias_deg"]),
             "RMS": deg(uvi["poleward_rms_deg"]).lstrip("+")},
        ]  # fmt: skip
        ratio = uvi.get("hemispheric_power_ratio_median")
        statuses = ", ".join(f"{k}: {v}" for k, v in uvi.get("statuses", {}).items())
        if uvi.get("short_window"):
            hours = uvi["averaging_hours"]
            statuses += f"; {uvi['short_window']} with under {hours} h of solar wind in OVATION's average"
        parts.append(
            f"<p>UVI: one 1-min image an hour beside SXI, {uvi['uvi_frames']} in all "
            f"({html.escape(statuses)}); the oval's boundaries in each image (mean over the MLT sectors"
            " where image and model both find one) against the OVATION Prime 2010 model that made it; the"
            " image's hemispheric power is "
            f"{'–' if ratio is None else f'{ratio:.3f}'} times the model's (median).</p>"
            "<div class='table-wrap'>"
            + records_table(
                rows, caption="UVI oval boundaries against the model (AACGM latitude)", row_header="boundary"
            )
            + "</div>"
        )
    if not parts:
        return ""
    return "<section id='companions'><h2>In situ and UVI beside SXI</h2>" + "".join(parts) + "</section>"


def _pct(value) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{100 * value:.1f} %"


def _page(summary, schedule, frames, orbits, binned, figures, folder: Path) -> str:
    esc = html.escape
    n, n_dom = summary.get("sxi_frames", 0), summary.get("frames_in_domain", 0)
    cards = [
        card("SXI frames", f"{n:,}", f"of {schedule.get('intervals', 0):,} 5-min intervals in the period"),
        card("In the requirement domain", f"{n_dom:,}", _pct(n_dom / n if n else None) + " of the frames"),
    ]
    best = _best_method(summary)
    if best:
        m = summary["methods"][best]
        cards.append(card("Best: within 0.5 RE", _pct(m.get("within_0p5_re")), esc(method_label(best))))
    rows = []
    for name, m in summary.get("methods", {}).items():
        domain = m.get("domain", {}) if isinstance(m.get("domain"), dict) else {}
        rows.append({"method": method_label(name), "answered": _pct(m.get("answered")),
                     "within 0.5 RE": _pct(m.get("within_0p5_re")), "bias_RE": domain.get("bias_re"),
                     "RMS_RE": m.get("rms_re")})  # fmt: skip
    methods_table = records_table(rows, caption="Per method, as fractions of the domain frames",
                                  row_header="method")  # fmt: skip
    steps = ("intervals", "sxi_observing", "no_aim", "excluded", "no_solar_wind", "frames")
    schedule_rows = [{"step": k.replace("_", " "), "intervals": schedule.get(k)} for k in steps]
    bins = []
    for name, table in binned.items():
        shown = table[table["frames"] > 0]
        records = []
        for _, r in shown.iterrows():
            lo, hi = r["lo"], r["hi"]
            label = f"{lo:.2g}–{hi:.2g}" if name == "flux_cm2_s" else (
                f"{round(lo + 0.5)}" if name == "month" else f"{lo:.1f}–{hi:.1f}")  # fmt: skip
            rec = {_AXES[name]: label, "frames": int(r["frames"]), "in domain": _pct(r["domain_fraction"])}
            for c in table.columns:
                if c.startswith("within_0p5:"):
                    rec[method_label(c.removeprefix("within_0p5:"))] = _pct(r[c])
            records.append(rec)
        if records:
            bins.append(records_table(records, caption=f"By {_AXES[name]}: frames in the domain, and domain "
                                      "frames within 0.5 RE per method"))  # fmt: skip
    figs = "".join(figure_html(folder, i, name, caption) for i, (name, caption) in enumerate(figures, 1))
    title = f"SMILE SXI campaign {schedule.get('start', '')[:10]} – {schedule.get('end', '')[:10]}"
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    body = (
        "<header class='top'><div class='inner'><div class='kicker'>SMILE digital twin · smilekit campaign "
        f"report</div><h1>{esc(title)}</h1><div class='span'>aim rule: {esc(str(schedule.get('aim')))}; "
        f"solar wind: {esc(str(schedule.get('solar_wind')))}</div></div></header><main>"
        "<section id='summary' class='summary'><h2>How often the requirement is met</h2>"
        f"<div class='cards'>{''.join(cards)}</div><div class='table-wrap'>{methods_table}</div>"
        "<p>The requirement: the stand-off located within 0.5 RE, judged over the frames in its domain "
        "(upstream flux n v above 4.9 × 10<sup>8</sup> cm<sup>-2</sup> s<sup>-1</sup>, the spacecraft "
        "beyond 15 RE). Truth: the physical SWCX emissivity of each frame's solar wind (Shue et al. 1998 "
        "magnetopause); each frame a simulated 5-min SXI image.</p>"
        "<div class='table-wrap'>"
        + records_table(schedule_rows, caption="How the frames were chosen (5-min intervals)")
        + "</div></section><section id='breakdown'><h2>By flux, season and orbit phase</h2>"
        + "".join(f"<div class='table-wrap'>{b}</div>" for b in bins)
        + "</section>"
        + _companions_section(summary)
        + f"<section id='figures'><h2>Figures</h2>{figs}</section></main>"
        "<footer><div class='inner'><p>"
        f"smilekit {esc(__version__)} · {len(orbits)} orbits · page written {written} UTC. The numbers, "
        "machine-readable: <a href='summary.json'><code>summary.json</code></a>, the frames' results in "
        "<code>results/</code> (Parquet), the orbits in <a href='orbit.csv'><code>orbit.csv</code></a>.</p>"
        "<p class='policy'>Simulated frames: a study of the mission, not observations.</p></div></footer>"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body id='top'>{body}</body></html>\n"
    )
