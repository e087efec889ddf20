"""The parts of the report page: the summary block, one section per stage, the figures, the footer.

Each stage with a renderer here gets designed tables; whatever keys a renderer does not know (a stage
that reports something new, or a stage with no renderer) still appear, in a generic table of "other
values". Every renderer reads with ``dict.get`` and is written for keys that may be missing: a summary
from an older or newer smilekit, or from a stage that failed half-way, is written as far as it goes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from smilekit.products.plots.style import method_label, model_label
from smilekit.products.report.formatting import (
    format_time,
    format_value,
    mapping_table,
    records_table,
    split_key,
)

__all__ = [
    "STAGE_TITLES",
    "card",
    "figure_stage",
    "fit_range_text",
    "section_id",
    "stage_section",
    "summary_block",
]

#: The title of each stage's section; a stage not named here is titled by its name.
STAGE_TITLES = {
    "solar_wind": "Solar wind",
    "standoff": "Magnetopause and bow-shock stand-off",
    "emissivity": "SWCX emissivity at peak pressure",
    "mission": "Spacecraft: orbit, pointing and modes",
    "sxi": "SXI frames",
    "science": "Science retrievals from the SXI frames",
    "uvi": "UVI frames: the northern aurora",
    "insitu": "In situ truth: regions and boundary crossings along the orbit",
    "mag": "MAG: the magnetic field along the orbit",
    "lia": "LIA: ion moments along the orbit",
    "regions": "Regions and crossings from the in situ data alone",
}

#: Figures by the start of their file name -> the stage whose section shows them (first match wins).
_FIGURE_STAGES = (
    ("solar_wind", "solar_wind"),
    ("standoff_series", "science"),
    ("standoff", "standoff"),
    ("emissivity", "emissivity"),
    ("orbit", "mission"),
    ("visibility", "mission"),
    ("fov", "mission"),
    ("sxi", "sxi"),
    ("uvi", "uvi"),
    ("mag", "mag"),
    ("regions", "regions"),
    ("lia", "lia"),
    ("downlink", "telemetry"),
)

#: Section ids the page uses itself, which a stage's id may not take.
RESERVED_IDS = frozenset({"summary", "figures", "run", "top"})

_BOOKKEEPING = ("status", "error", "seconds")


def section_id(stage: str) -> str:
    """The HTML id of a stage's section: ``solar_wind`` -> ``solar-wind``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(stage).lower()).strip("-") or "stage"
    return f"stage-{slug}" if slug in RESERVED_IDS else slug


def figure_stage(name: str) -> str | None:
    """The stage whose section shows the figure file ``name``, or None (the figures section)."""
    for start, stage in _FIGURE_STAGES:
        if str(name).startswith(start):
            return stage
    return None


def _ok(stage) -> bool:
    return isinstance(stage, Mapping) and stage.get("status") == "ok"


def _esc(value) -> str:
    return html.escape(str(value))


def _num(value, unit: str) -> str:
    """A number with its unit, as HTML ("57.5 nPa"); an em dash when missing."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return format_value(value, unit)
    return f"{format_value(value, unit)}\u00a0{_esc(unit)}" if unit else format_value(value, unit)


def _time(value) -> str:
    return _esc(format_time(value) or value) if value is not None else format_value(None)


def _note(kind: str, body: str) -> str:
    return f"<div class='note {kind}' role='note'>{body}</div>"


def _h3(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _files(files) -> str:
    if not isinstance(files, list | tuple) or not files:
        return ""
    items = "".join(f"<li><code>{_esc(f)}</code></li>" for f in files)
    return (
        f"<details class='files'><summary>{len(files)} file{'s' if len(files) != 1 else ''} written "
        f"beside this page</summary><ul>{items}</ul></details>"
    )


def _table_wrap(table: str) -> str:
    return f"<div class='table-wrap'>{table}</div>" if table else ""


# ---------------------------------------------------------------------------------------------- fit ranges


def fit_range_text(fit_range) -> str:
    """A model's fitted domain as HTML: ``{"pdyn_nPa": [0.5, 8.5]}`` -> ``Pdyn 0.5–8.5 nPa``.

    An open end (None) is written as a bound (``Pdyn ≥ 0.5 nPa``); anything else as the value itself.
    """
    if not isinstance(fit_range, Mapping) or not fit_range:
        return format_value(fit_range or None)
    parts = []
    for key, bounds in fit_range.items():
        text, unit = split_key(key)
        if not (isinstance(bounds, list | tuple) and len(bounds) == 2):
            parts.append(f"{_esc(text)} {format_value(bounds, unit)}")
            continue
        low, high = (format_value(b, unit) if b is not None else None for b in bounds)
        unit_text = f"\u00a0{_esc(unit)}" if unit else ""
        if low is not None and high is not None:
            parts.append(f"{_esc(text)} {low}–{high}{unit_text}")
        elif low is not None:
            parts.append(f"{_esc(text)} ≥ {low}{unit_text}")
        elif high is not None:
            parts.append(f"{_esc(text)} ≤ {high}{unit_text}")
    return "; ".join(parts) or format_value(None)


def _validity(outside) -> tuple[str, str]:
    """A validity cell (HTML) and its class from a boundary model's ``outside_fit_range`` record, or from
    an emissivity model's list of reasons."""
    if outside is None:
        return "<span class='na' title='not assessed'>—</span>", ""
    if isinstance(outside, list | tuple):
        return ("within its fit", "ok") if not outside else (f"outside ({len(outside)})", "warn")
    if not isinstance(outside, Mapping):
        return format_value(outside), ""
    records = outside.get("records") or 0
    if not records:
        return "within its fit", "ok"
    text = f"outside for {format_value(records)} records"
    fraction = outside.get("fraction")
    if isinstance(fraction, int | float):
        text += f" ({format_value(fraction, '%')}\u00a0%)"
    far = outside.get("far_outside_records") or 0
    if far:
        text += f", {format_value(far)} far"
    if outside.get("at_peak"):
        text += ", at the peak"
    return text, "bad" if far or outside.get("at_peak") else "warn"


def _reasons(why) -> str:
    if isinstance(why, Mapping):
        return "; ".join(f"{_esc(reason)} ({format_value(count)})" for reason, count in why.items())
    if isinstance(why, list | tuple):
        return "; ".join(_esc(reason) for reason in why)
    return format_value(why) if why else ""


def _outside_note(name: str, outside) -> str:
    """A sentence on a model used outside the range its fit covers, or "" when it is not."""
    if isinstance(outside, list | tuple):
        if not outside:
            return ""
        return (
            f"<strong>{_esc(model_label(name))}</strong> is used outside the range its fit covers: "
            f"{_reasons(outside)}."
        )
    if not isinstance(outside, Mapping) or not outside.get("records"):
        return ""
    text, _ = _validity(outside)
    why = _reasons(outside.get("why"))
    return (
        f"<strong>{_esc(model_label(name))}</strong> is used outside the range its fit covers: {text}"
        f"{': ' + why if why else ''}. Its stand-off there is an extrapolation."
    )


# ----------------------------------------------------------------------------------------------- summary


def _first(mapping, *keys):
    for key in keys:
        if isinstance(mapping, Mapping) and mapping.get(key) is not None:
            return mapping[key]
    return None


def card(title: str, value: str, detail: str = "", kind: str = "") -> str:
    """A summary card: a title, a value (HTML) and an optional detail line (HTML); ``kind`` a CSS class."""
    detail = f"<div class='detail'>{detail}</div>" if detail else ""
    return (
        f"<div class='card {kind}'><div class='card-title'>{_esc(title)}</div>"
        f"<div class='card-value'>{value}</div>{detail}</div>"
    )


def _peak_cards(sw: Mapping) -> list[str]:
    cards = []
    smoothing = sw.get("peak_smoothing")
    detail = f"at {_time(sw.get('peak_pdyn_time'))}"
    if smoothing:
        detail += f"<br>{_esc(smoothing)}"
    if isinstance(sw.get("peak_pdyn_sample_max_nPa"), int | float):
        detail += f"<br>largest single sample {_num(sw['peak_pdyn_sample_max_nPa'], 'nPa')}"
    cards.append(card("Peak dynamic pressure", _num(sw.get("peak_pdyn_nPa"), "nPa"), detail))
    at_peak = sw.get("at_peak") if isinstance(sw.get("at_peak"), Mapping) else {}
    for title, unit, at_keys, event_keys, event_text in (
        ("density n", "cm⁻³", ("n_cm-3", "density_cm-3"), ("max_density_cm-3",), "event maximum"),
        ("speed V", "km/s", ("v_km_s", "speed_km_s"), ("max_speed_km_s",), "event maximum"),
        ("IMF Bz (GSM)", "nT", ("bz_gsm_nT", "bz_nT"), ("min_bz_gsm_nT",), "event minimum"),
    ):
        value = _first(at_peak, *at_keys)
        if value is None:
            value = _first(sw, *(f"peak_{k}" for k in at_keys))
        if value is not None:
            cards.append(card(f"{title} at the peak", _num(value, unit)))
            continue
        value = _first(sw, *event_keys)
        if value is not None:
            cards.append(card(f"{title}, {event_text}", _num(value, unit), "over the whole event"))
    indices = sw.get("indices")
    if isinstance(indices, Mapping):
        for name, key in (("SYM-H", "sym_h"), ("AL", "al")):
            value = indices.get(f"min_{key}_nT")
            if value is not None:
                when = indices.get(f"min_{key}_time")
                cards.append(card(f"min {name}", _num(value, "nT"), f"at {_time(when)}" if when else ""))
    return cards


def _defaults_note(sw: Mapping) -> str:
    provenance = sw.get("provenance")
    defaults = provenance.get("defaults") if isinstance(provenance, Mapping) else None
    if not defaults:
        return ""
    if isinstance(defaults, Mapping):
        items = "".join(f"<li><strong>{_esc(q)}</strong>: {_esc(why)}</li>" for q, why in defaults.items())
    else:
        items = "".join(f"<li>{_esc(d)}</li>" for d in defaults)
    return _note(
        "warn",
        "<strong>Assumed values.</strong> The solar-wind file lacks some quantities; the run assumed "
        f"these:<ul>{items}</ul>",
    )


def _standoff_rows(standoff: Mapping) -> list[dict]:
    rows = []
    for name, entry in standoff.items():
        if name in _BOOKKEEPING or not isinstance(entry, Mapping):
            continue
        low, high = entry.get("min_RE"), entry.get("max_RE")
        span = (
            f"{format_value(low, 'RE')}–{format_value(high, 'RE')}"
            if low is not None or high is not None
            else format_value(None)
        )
        validity, kind = _validity(entry.get("outside_fit_range"))
        rows.append({"name": name, "range": span, "entry": entry, "validity": validity, "kind": kind})
    return rows


def summary_block(summary: Mapping) -> str:
    """The summary at the top of the page: the peak, storm indices, assumed values, failed stages, the
    stand-off range of each model, the SXI frames, how well each method did, the cusp answers."""
    stages = summary.get("stages") if isinstance(summary.get("stages"), Mapping) else {}
    parts = ["<section id='summary' class='summary'><h2>Summary</h2>"]
    failed = [(name, s) for name, s in stages.items() if isinstance(s, Mapping) and s.get("status") != "ok"]
    if failed:
        items = "".join(
            f"<li><a href='#{section_id(name)}'>{_esc(STAGE_TITLES.get(name, name))}</a>: "
            f"{_esc(s.get('error', 'no error recorded'))}</li>"
            for name, s in failed
        )
        parts.append(
            _note(
                "bad",
                f"<strong>{len(failed)} of {len(stages)} stages failed</strong>; what they would have "
                f"made is missing below.<ul>{items}</ul>",
            )
        )
    sw = stages.get("solar_wind")
    if _ok(sw):
        parts.append(f"<div class='cards'>{''.join(_peak_cards(sw))}</div>")
        parts.append(_defaults_note(sw))
    panels = []
    standoff = stages.get("standoff")
    if _ok(standoff):
        rows = _standoff_rows(standoff)
        body = "".join(
            f"<tr class='{r['kind']}'><th scope='row'>{_esc(model_label(r['name']))}</th>"
            f"<td class='num'>{r['range']}</td>"
            f"<td class='num'>{format_value(r['entry'].get('at_peak_pdyn_RE'), 'RE')}</td>"
            f"<td>{r['validity']}</td></tr>"
            for r in rows
        )
        panels.append(
            "<div class='panel'><h3>Stand-off distance of each model</h3><div class='table-wrap'>"
            "<table class='grid'><thead><tr><th scope='col'>model</th>"
            "<th scope='col'>range <span class='unit'>[RE]</span></th>"
            "<th scope='col'>at peak <span class='unit'>[RE]</span></th>"
            f"<th scope='col'>fit validity</th></tr></thead><tbody>{body}</tbody></table></div></div>"
        )
    sxi = stages.get("sxi")
    if _ok(sxi):
        panels.append(f"<div class='panel'><h3>SXI frames</h3>{_sxi_summary(sxi)}</div>")
    science = stages.get("science")
    if _ok(science):
        panels.append(f"<div class='panel wide'><h3>Stand-off from SXI: each method</h3>{_methods(science)}")
        cusp = science.get("cusp_answered")
        if cusp is not None:
            frames = science.get("frames")
            of = f" of {format_value(frames)} frames" if frames is not None else ""
            panels[-1] += f"<p>North-cusp edges found in <strong>{format_value(cusp)}</strong>{of}.</p>"
        panels[-1] += "</div>"
    uvi = stages.get("uvi")
    if _ok(uvi):
        panels.append(f"<div class='panel'><h3>UVI frames</h3>{_uvi_summary(uvi)}</div>")
    if panels:
        parts.append(f"<div class='panels'>{''.join(panels)}</div>")
    notes = []
    if _ok(standoff):
        notes += _model_rows({k: v for k, v in standoff.items() if k not in _BOOKKEEPING})[1]
    emissivity = stages.get("emissivity")
    if _ok(emissivity) and isinstance(emissivity.get("models"), Mapping):
        notes += _model_rows(emissivity["models"])[1]
    parts.append(_notes(notes))
    parts.append("</section>")
    return "".join(parts)


def _frames_rows(stage: Mapping) -> dict:
    """The "frames" row of an imager's summary: how many, and each one's exposure."""
    frames, exposure = stage.get("frames"), stage.get("exposure_s")
    if frames is None:
        return {}
    each = f" of {exposure / 60.0:g} min" if isinstance(exposure, int | float) else ""
    return {"frames": f"{format_value(frames)}{each}"}


def _kv_table(rows: Mapping) -> str:
    body = "".join(f"<tr><th scope='row'>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows.items())
    return f"<table class='kv'><tbody>{body}</tbody></table>" if body else format_value(None)


def _sxi_summary(sxi: Mapping) -> str:
    rows = _frames_rows(sxi)
    if sxi.get("sxi_usable_hours") is not None:
        rows["SXI usable"] = _num(sxi["sxi_usable_hours"], "h")
    peak = sxi.get("peak_frame")
    if isinstance(peak, Mapping):
        rows["frame of the peak"] = f"{_time(peak.get('start'))} – {_time(peak.get('end'))}"
        contains = peak.get("contains_peak")
        if contains is not None:
            rows["brackets the peak"] = (
                "yes" if contains else "<span class='bad-text'>no: the peak falls outside it</span>"
            )
    return _kv_table(rows)


def _uvi_summary(uvi: Mapping) -> str:
    rows = _frames_rows(uvi)
    for key, label in (("equatorward_bias_deg", "equatorward edge"), ("poleward_bias_deg", "poleward edge")):
        if uvi.get(key) is not None:
            rows[f"{label}, image − model"] = _num(uvi[key], "deg")
    return _kv_table(rows)


def _methods(science: Mapping) -> str:
    methods = science.get("methods")
    if not isinstance(methods, Mapping) or not methods:
        return "<p class='na'>no method results</p>"
    body = []
    for name, m in methods.items():
        if not isinstance(m, Mapping):
            body.append(f"<tr><th scope='row'>{_esc(method_label(name))}</th><td colspan='3'>"
                        f"{format_value(m)}</td></tr>")  # fmt: skip
            continue
        answered = f"{format_value(m.get('answered'))} / {format_value(m.get('of'))}"
        body.append(
            f"<tr><th scope='row'>{_esc(method_label(name))}</th><td class='num'>{answered}</td>"
            f"<td class='num'>{format_value(m.get('bias_re'), 'RE')}</td>"
            f"<td class='num'>{format_value(m.get('rms_re'), 'RE')}</td></tr>"
        )
    return (
        "<div class='table-wrap'><table class='grid'><thead><tr><th scope='col'>method</th>"
        "<th scope='col'>answered / frames</th><th scope='col'>bias <span class='unit'>[RE]</span></th>"
        "<th scope='col'>RMS error <span class='unit'>[RE]</span></th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
        "<p class='hint'>Bias and RMS of the retrieved r0 against the model truth (Shue et al. 1998 in the "
        "emissivity that made the images), over the frames each method answered.</p>"
    )


# -------------------------------------------------------------------------------------------- the stages


def _solar_wind(rest: dict) -> str:
    keys = ("start", "end", "cadence_s", "records", "interpolated", "missing", "peak_pdyn_time",
            "peak_pdyn_nPa", "peak_smoothing", "peak_pdyn_sample_max_nPa", "max_density_cm-3",
            "min_bz_gsm_nT")  # fmt: skip
    series = {k: rest.pop(k) for k in keys if k in rest}
    parts = [_table_wrap(mapping_table(series, caption="The series as the models saw it"))]
    provenance = rest.pop("provenance", None)
    if isinstance(provenance, Mapping):
        parts.append(_h3("Where the series comes from"))
        provenance = dict(provenance)
        columns = provenance.pop("columns", None)
        ignored = provenance.pop("ignored_columns", None)
        defaults = provenance.pop("defaults", None)
        parts.append(_table_wrap(mapping_table(provenance)))
        if isinstance(columns, Mapping) and columns:
            body = "".join(
                f"<tr><th scope='row'>{_esc(q)}</th><td><code>{_esc(c)}</code></td></tr>"
                for q, c in columns.items()
            )
            parts.append(
                "<div class='table-wrap'><table class='grid'><caption>Columns read</caption><thead><tr>"
                "<th scope='col'>quantity</th><th scope='col'>column in the file</th></tr></thead>"
                f"<tbody>{body}</tbody></table></div>"
            )
        if ignored:
            names = (
                ", ".join(f"<code>{_esc(c)}</code>" for c in ignored)
                if isinstance(ignored, list)
                else (format_value(ignored))
            )
            parts.append(f"<p>Columns in the file that were not used: {names}.</p>")
        if defaults:
            parts.append(_defaults_note({"provenance": {"defaults": defaults}}))
    elif provenance is not None:
        parts.append(_table_wrap(mapping_table({"provenance": provenance})))
    if "indices" in rest:
        indices = rest.pop("indices")
        parts.append(_h3("Storm indices"))
        if isinstance(indices, Mapping):
            parts.append(_table_wrap(mapping_table(indices)))
        elif indices is None:
            parts.append("<p class='na'>No SYM-H or AL indices were given for this event.</p>")
        else:
            parts.append(format_value(indices))
    return "".join(parts)


def _model_rows(models: Mapping) -> tuple[list[dict], list[str]]:
    """Rows of a per-model table (the model, its numbers, its fit range and validity) and the notes on
    the models used outside their fit."""
    rows, notes = [], []
    for name, entry in models.items():
        if not isinstance(entry, Mapping):
            rows.append({"model": name, "value": entry})
            continue
        entry = dict(entry)
        fit_range = entry.pop("fit_range", None)
        outside = entry.pop("outside_fit_range", None)
        row = {"model": name, **entry}
        if fit_range is not None or outside is not None:
            row.update({"fit range": fit_range, "validity": _validity(outside)})
        rows.append(row)
        notes.append(_outside_note(name, outside))
    return rows, [n for n in notes if n]


_MODEL_CELLS = {
    "model": lambda name: _esc(model_label(name)),
    "fit range": fit_range_text,
    "validity": lambda cell: cell,
}


def _notes(notes: list[str]) -> str:
    return _note("warn", "<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>") if notes else ""


def _standoff(rest: dict) -> str:
    models = {k: rest.pop(k) for k in [k for k, v in rest.items() if isinstance(v, Mapping)]}
    if not models:
        return ""
    rows, notes = _model_rows(models)
    table = records_table(
        rows, caption="Subsolar stand-off distance over the event", render=_MODEL_CELLS, row_header="model"
    )
    return _table_wrap(table) + _notes(notes)


def _emissivity(rest: dict) -> str:
    parts = [_table_wrap(mapping_table({k: rest.pop(k) for k in ("time", "tilt_deg") if k in rest}))]
    models = rest.pop("models", None)
    if isinstance(models, Mapping) and models:
        rows, notes = _model_rows(models)
        table = records_table(
            rows, caption="Each model at peak pressure", render=_MODEL_CELLS, row_header="model"
        )
        parts += [_table_wrap(table), _notes(notes)]
    elif models is not None:
        parts.append(_table_wrap(mapping_table({"models": models})))
    return "".join(parts)


def _mission(rest: dict) -> str:
    scalars = {k: rest.pop(k) for k in [k for k, v in rest.items() if not isinstance(v, Mapping | list)]}
    parts = [_table_wrap(mapping_table(scalars))]
    hours = rest.pop("hours_in_mode", None)
    if isinstance(hours, Mapping) and hours:
        head = "".join(f"<th scope='col'>{_esc(mode)}</th>" for mode in hours)
        cells = "".join(f"<td class='num'>{format_value(h, 'h')}</td>" for h in hours.values())
        parts.append(
            "<div class='table-wrap'><table class='grid'><caption>Time in each operating mode "
            f"<span class='unit'>[h]</span></caption><thead><tr>{head}</tr></thead><tbody><tr>{cells}</tr>"
            "</tbody></table></div>"
        )
    elif hours is not None:
        rest["hours_in_mode"] = hours
    at_peak = rest.pop("at_peak_pdyn", None)
    if isinstance(at_peak, Mapping):
        parts.append(_table_wrap(mapping_table(at_peak, caption="The spacecraft at peak pressure")))
    elif at_peak is not None:
        rest["at_peak_pdyn"] = at_peak
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _in_frame(record: Mapping, peak_frame) -> bool:
    """Whether the frame-table row ``record`` is the frame of the peak (its time is the frame's start)."""
    if not isinstance(peak_frame, Mapping) or not isinstance(record, Mapping):
        return False
    start = format_time(peak_frame.get("start") or "")
    return start is not None and format_time(record.get("time") or "") == start


def _sxi(rest: dict) -> str:
    peak_frame = rest.pop("peak_frame", None)
    scalars = {k: rest.pop(k) for k in ("frames", "exposure_s", "sxi_usable_hours") if k in rest}
    parts = [_table_wrap(mapping_table(scalars))]
    if isinstance(peak_frame, Mapping):
        parts.append(_h3("The frame of the peak"))
        parts.append(_sxi_summary({"peak_frame": peak_frame}))
    elif peak_frame is not None:
        parts.append(_table_wrap(mapping_table({"peak_frame": peak_frame})))
    caption = "Every frame (the frame of the peak highlighted)" if isinstance(peak_frame, Mapping) else ""
    parts.append(
        _pop_records(
            rest,
            "frame_table",
            caption or "Every frame",
            row_class=lambda r: "highlight" if _in_frame(r, peak_frame) else "",
        )
    )
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _science(rest: dict) -> str:
    parts = []
    if "frames" in rest:
        parts.append(_table_wrap(mapping_table({"frames": rest.pop("frames")})))
    if "methods" in rest:
        parts.append(_h3("Stand-off r0 by each method"))
        parts.append(_methods({"methods": rest.pop("methods")}))
    if "cusp_answered" in rest:
        found = format_value(rest.pop("cusp_answered"))
        parts.append(f"<p>North-cusp edges found in <strong>{found}</strong> frames.</p>")
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _pop_mapping(rest: dict, key: str, caption: str) -> str:
    """The table of ``rest[key]`` when it is a mapping (taken out of ``rest``); else "" and left there, to
    be shown with the other values."""
    if not isinstance(rest.get(key), Mapping):
        return ""
    return _table_wrap(mapping_table(rest.pop(key), caption=caption))


def _pop_records(rest: dict, key: str, caption: str, **how) -> str:
    """The table of ``rest[key]`` when it is a non-empty list of mappings (taken out of ``rest``; ``how``
    goes to :func:`records_table`); else "" and left there."""
    value = rest.get(key)
    if not (isinstance(value, list) and value and all(isinstance(r, Mapping) for r in value)):
        return ""
    return _table_wrap(records_table(rest.pop(key), caption=caption, **how))


def _uvi(rest: dict) -> str:
    keys = ("frames", "exposure_s", "pixels", "uvi_on_samples", "ovation_window_hours")
    keys += ("equatorward_bias_deg", "poleward_bias_deg")
    parts = [_table_wrap(mapping_table({k: rest.pop(k) for k in keys if k in rest}))]
    parts.append(_pop_mapping(rest, "skipped", "UVI-on samples not taken, by reason"))
    caption = "Every frame: image against the OVATION Prime model that made it"
    parts.append(_pop_records(rest, "frame_table", caption))
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _insitu(rest: dict) -> str:
    keys = ("samples", "cadence_s", "kp", "flagged_samples")
    parts = [_table_wrap(mapping_table({k: rest.pop(k) for k in keys if k in rest}))]
    parts.append(_pop_mapping(rest, "hours_in_region", "Hours in each region [h]"))
    if rest.get("crossings") == []:
        rest.pop("crossings")
        parts.append("<p>No boundary crossing during the event.</p>")
    caption = "Every boundary crossing: the spacecraft's distance and the model boundary's there"
    parts.append(_pop_records(rest, "crossings", caption))
    return "".join(parts)


def _by_region(rest: dict, caption: str) -> str:
    """The table of ``rest["error_by_region"]`` (region -> values), one row a region."""
    errors = rest.get("error_by_region")
    if not (isinstance(errors, Mapping) and all(isinstance(v, Mapping) for v in errors.values())):
        return ""
    rest["error_by_region"] = [{"region": name, **values} for name, values in errors.items()]
    return _pop_records(rest, "error_by_region", caption, row_header="region")


def _mag(rest: dict) -> str:
    keys = ("vectors", "vector_rate_hz", "flagged_vectors")
    parts = [_table_wrap(mapping_table({k: rest.pop(k) for k in keys if k in rest}))]
    parts.append(_by_region(rest, "|B L2 − B true| in each region (the requirement: 2 nT)"))
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _lia(rest: dict) -> str:
    keys = ("distributions", "every_s", "field_from_mag_fraction", "flagged_distributions")
    parts = [_table_wrap(mapping_table({k: rest.pop(k) for k in keys if k in rest}))]
    caption = (
        "Median |relative error| of the proton moments in each region (targets in the sheath: 5 %, 1 %, 10 %)"
    )
    parts.append(_by_region(rest, caption))
    parts.append(_files(rest.pop("files", None)))
    return "".join(parts)


def _regions(rest: dict) -> str:
    shown = {k: rest.pop(k) for k in ("samples", "sample_spacing_s") if k in rest}
    parts = [_table_wrap(mapping_table(shown))]
    spacing = shown.get("sample_spacing_s")
    if isinstance(spacing, (int, float)) and spacing > 0:
        parts.append(
            f"<p>Classified at the LIA's samples, one every {spacing:g} s: an excursion across a boundary "
            f"shorter than about {2.5 * spacing:g} s (half the classifier's 5-sample median window) is not "
            "resolved, and the truth's crossings it holds count as missed.</p>"
        )
    score = rest.get("score")
    if isinstance(score, Mapping):
        score = dict(rest.pop("score"))
        correct = score.pop("correct", None)
        if isinstance(correct, Mapping):
            parts.append(_table_wrap(mapping_table(correct, caption="Fraction of the time classified right")))
        elif correct is not None:
            score["correct"] = correct
        parts.append(_table_wrap(mapping_table(score, caption="Crossings against the truth's")))
    if rest.get("crossings") == []:
        rest.pop("crossings")
        parts.append("<p>No crossing found.</p>")
    parts.append(_pop_records(rest, "crossings", "Every crossing found"))
    return "".join(parts)


#: Each stage's renderer: it pops the keys it shows from a copy of the stage's entry and returns HTML;
#: the keys it leaves are shown as "other values".
RENDERERS: dict[str, Callable[[dict], str]] = {
    "solar_wind": _solar_wind,
    "standoff": _standoff,
    "emissivity": _emissivity,
    "mission": _mission,
    "sxi": _sxi,
    "science": _science,
    "uvi": _uvi,
    "insitu": _insitu,
    "mag": _mag,
    "lia": _lia,
    "regions": _regions,
}


def stage_section(name: str, stage, figures_html: str = "") -> str:
    """The section of one stage: its status and time, its tables (or its error), then its figures.

    ``stage`` is the stage's entry of ``summary.json`` (None: the stage did not run).
    """
    title = STAGE_TITLES.get(name, name.replace("_", " ").capitalize())
    if stage is None:
        badge, body = (
            "<span class='badge skipped'>not run</span>",
            (
                "<p class='na'>This stage did not run: a stage it needs failed, or the run did not "
                "include it.</p>"
            ),
        )
    elif not isinstance(stage, Mapping):
        badge, body = "", format_value(stage)
    else:
        rest = {k: v for k, v in stage.items() if k not in _BOOKKEEPING}
        seconds = stage.get("seconds")
        took = f"<span class='took'>{_num(seconds, 's')}</span>" if isinstance(seconds, int | float) else ""
        if stage.get("status") == "ok":
            badge = f"<span class='badge ok'>ok</span>{took}"
            try:
                body = RENDERERS[name](rest) if name in RENDERERS else ""
            except Exception:  # a summary shaped unlike any smilekit writes: shown plainly, never lost
                rest = {k: v for k, v in stage.items() if k not in _BOOKKEEPING}
                body = "<p class='na'>(shown as recorded: its shape is not one this report knows)</p>"
            if rest:
                body += _table_wrap(mapping_table(rest, caption="Other values" if body else ""))
        else:
            badge = f"<span class='badge failed'>{_esc(stage.get('status', 'failed'))}</span>{took}"
            error = stage.get("error") or "no error was recorded"
            body = _note("bad", f"<strong>This stage failed.</strong><pre class='error'>{_esc(error)}</pre>")
            if rest:
                body += _table_wrap(mapping_table(rest, caption="What it recorded before failing"))
    return (
        f"<section id='{section_id(name)}' class='stage'><h2>{_esc(title)} {badge}</h2>"
        f"{body}{figures_html}</section>"
    )
