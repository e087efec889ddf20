"""The HTML report of a run: one self-contained page, ``index.html``, beside ``summary.json``.

The page is written from the run's summary (the dict ``summary.json`` holds) and the figures the stages
registered. It opens with a summary block (the event, the peak, the storm indices, the stand-off range of
each model with its validity, the SXI frames, how well each stand-off method did, the cusp answers, and
any failed stage with its error), then one section per stage with its tables and figures, a list of every
figure, and a footer with the version, the run time, the settings and the data-policy note.

Figures are embedded (``data:`` URIs) so the page can be forwarded on its own; a figure larger than
:data:`EMBED_LIMIT_BYTES` (a long SXI movie) is linked beside the page instead. Nothing is fetched from
elsewhere: no web fonts, no scripts, no CDN.

The submodules: :mod:`.formatting` (labels, units, numbers, times, tables), :mod:`.sections` (the
summary block and the stage sections) and :mod:`.css` (the style sheet).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from smilekit._io import write_text
from smilekit.products.report.css import STYLE
from smilekit.products.report.formatting import (
    format_number,
    format_time,
    format_value,
    label,
    mapping_table,
    split_key,
)
from smilekit.products.report.sections import (
    STAGE_TITLES,
    figure_stage,
    section_id,
    stage_section,
    summary_block,
)

__all__ = ["EMBED_LIMIT_BYTES", "figure_html", "render_index", "write_index", "write_summary"]

#: Figures up to this size are embedded in the page; a larger one is linked beside it.
EMBED_LIMIT_BYTES = 4_000_000

_MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".svg": "image/svg+xml", ".webp": "image/webp"}  # fmt: skip

_KNOWN_TOP = ("smilekit_version", "event", "output", "stages", "seconds", "figures", "settings")


def write_index(path: Path | str, summary: Mapping, figures: Sequence[tuple[str, str]]) -> Path:
    """Write the run's report, ``index.html``, atomically (a temporary file beside it, then a rename).

    Parameters
    ----------
    path : path
        Where the page goes; the figures are read from its folder.
    summary : mapping
        The run's summary, as written to ``summary.json`` (any keys: unknown ones are shown in tables,
        missing ones left out).
    figures : sequence of (str, str)
        ``(file name, caption)`` of every figure, in the order the stages made them.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    return write_text(path, render_index(summary, figures, folder=path.parent))


def write_summary(path: Path | str, summary: Mapping) -> Path:
    """Write ``summary.json`` (indented JSON) atomically, as :func:`write_index` writes the page."""
    return write_text(path, json.dumps(summary, indent=2))


def render_index(
    summary: Mapping,
    figures: Sequence[tuple[str, str]],
    *,
    folder: Path | str = ".",
    written: datetime | None = None,
) -> str:
    """The report page as HTML text (see :func:`write_index`).

    ``folder`` is where the figure files are; ``written`` the time the page says it was written (default
    now, UTC).
    """
    stages = summary.get("stages") if isinstance(summary.get("stages"), Mapping) else {}
    event = str(summary.get("event") or "unnamed event")
    order = list(stages) + [name for name in STAGE_TITLES if name not in stages]
    shown = {name: [] for name in order}
    loose, listing = [], []
    for number, (name, caption) in enumerate(figures, start=1):
        block = figure_html(Path(folder), number, name, caption)
        owner = figure_stage(name)
        (shown[owner] if owner in shown else loose).append(block)
        listing.append(f"<li><a href='#{_figure_id(name)}'>{html.escape(caption or name)}</a></li>")
    body = [
        _header(summary, event, stages),
        _toc(order, stages),
        "<main>",
        summary_block(summary),
        *(stage_section(name, stages.get(name), "".join(shown[name])) for name in order),
        "<section id='figures'><h2>Figures</h2>",
        f"<ol class='figure-list'>{''.join(listing)}</ol>" if listing else "<p class='na'>No figures.</p>",
        *loose,
        "</section></main>",
        _footer(summary, written or datetime.now(UTC)),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='smilekit {html.escape(str(summary.get('smilekit_version', '')))}'>"
        f"<title>{html.escape(event)}: SMILE quick-look report</title><style>{STYLE}</style></head>"
        f"<body id='top'>{''.join(body)}</body></html>\n"
    )


def _span(stages: Mapping) -> str:
    sw = stages.get("solar_wind")
    if not isinstance(sw, Mapping) or not sw.get("start"):
        return ""
    start, end = format_time(sw.get("start")), format_time(sw.get("end") or "")
    if start is None:
        return html.escape(str(sw["start"]))
    if end is None:
        return html.escape(start)
    if start[:10] == end[:10]:  # the same day: write it once
        end = end[11:]
    return html.escape(f"{start.removesuffix(' UT')} – {end}")


def _header(summary: Mapping, event: str, stages: Mapping) -> str:
    failed = [name for name, s in stages.items() if not (isinstance(s, Mapping) and s.get("status") == "ok")]
    if failed:
        pill = f"<span class='pill bad'>{len(failed)} of {len(stages)} stages failed</span>"
    else:
        pill = f"<span class='pill ok'>all {len(stages)} stages ok</span>"
    span = _span(stages)
    return (
        "<header class='top'><div class='inner'>"
        "<div class='kicker'>SMILE digital twin · smilekit quick-look report</div>"
        f"<h1>{html.escape(event)}</h1>"
        f"<div class='span'>{span or 'time span unknown'}{pill}</div></div></header>"
    )


def _toc(order: Sequence[str], stages: Mapping) -> str:
    links = ["<li><a href='#summary'>Summary</a></li>"]
    for name in order:
        stage = stages.get(name)
        failed = isinstance(stage, Mapping) and stage.get("status") != "ok"
        title = STAGE_TITLES.get(name, name.replace("_", " ").capitalize())
        css = " class='failed'" if failed else ""
        links.append(f"<li><a href='#{section_id(name)}'{css}>{html.escape(title)}</a></li>")
    links += ["<li><a href='#figures'>Figures</a></li>", "<li><a href='#run'>Run</a></li>"]
    return f"<nav class='toc' aria-label='sections'><div class='inner'><ul>{''.join(links)}</ul></div></nav>"


def _figure_id(name: str) -> str:
    return "fig-" + "".join(c if c.isalnum() else "-" for c in str(name).lower())


def figure_html(folder: Path, number: int, name: str, caption: str) -> str:
    """A numbered figure with its caption, the image embedded, or linked when large, or a note when its
    file was not written (its stage failed before drawing it)."""
    file = folder / name
    caption_html = f"<figcaption><strong>Figure {number}.</strong> {html.escape(caption or name)}"
    alt = html.escape(caption or name, quote=True)
    if not file.is_file():
        return (
            f"<figure id='{_figure_id(name)}'><div class='note bad'>The figure "
            f"<code>{html.escape(name)}</code> was not written.</div>{caption_html}</figcaption></figure>"
        )
    size = file.stat().st_size
    mime = _MIME.get(file.suffix.lower(), "application/octet-stream")
    if size <= EMBED_LIMIT_BYTES:
        source = f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"
        where = ""
    else:
        source = html.escape(name, quote=True)
        where = f" (<code>{html.escape(name)}</code>, {size / 1e6:.0f} MB, beside this page)"
    return (
        f"<figure id='{_figure_id(name)}'><img src='{source}' alt='{alt}' data-file='{html.escape(name)}'>"
        f"{caption_html}{where}</figcaption></figure>"
    )


def _duration(seconds) -> str:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return format_value(seconds)
    minutes, rest = divmod(float(seconds), 60.0)
    if minutes < 1:
        return f"{format_number(rest, 1)} s"
    return f"{int(minutes)} min {rest:.0f} s"


def _settings_table(settings) -> str:
    if not isinstance(settings, Mapping) or not settings:
        return format_value(settings) if settings else "<p class='na'>No settings recorded.</p>"
    rows = []
    for section, values in settings.items():
        if not isinstance(values, Mapping):
            values = {"value": values}
        first = True
        for key, value in values.items():
            text, unit = split_key(key)
            unit_html = f" <span class='unit'>[{html.escape(unit)}]</span>" if unit else ""
            head = (
                f"<th scope='rowgroup' rowspan='{len(values)}'>{html.escape(label(section))}</th>"
                if first
                else ""
            )
            if isinstance(value, float):  # a setting as it was given: 0.25, not 0.2
                shown = html.escape(format_number(value, None) if value != round(value, 6) else f"{value:g}")
            elif isinstance(value, int) and not isinstance(value, bool):
                shown = html.escape(str(value))  # a count or a seed, not a measurement
            else:
                shown = format_value(value, unit)
            rows.append(f"<tr>{head}<td>{html.escape(text)}{unit_html}</td><td class='num'>{shown}</td></tr>")
            first = False
    return (
        "<div class='table-wrap'><table class='grid'><caption>Settings of the run</caption><thead><tr>"
        "<th scope='col'>section</th><th scope='col'>setting</th><th scope='col'>value</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _footer(summary: Mapping, written: datetime) -> str:
    version = html.escape(str(summary.get("smilekit_version", "unknown")))
    facts = [
        f"smilekit {version}",
        f"run time {_duration(summary.get('seconds'))}",
        f"page written {written.strftime('%Y-%m-%d %H:%M')} UTC",
    ]
    output = summary.get("output")
    where = f"<p>Output folder: <code>{html.escape(str(output))}</code></p>" if output else ""
    other = {k: v for k, v in summary.items() if k not in _KNOWN_TOP}
    extra = f"<div class='table-wrap'>{mapping_table(other, caption='Other values of the run')}</div>"
    return (
        "<footer><div class='inner'><section id='run'><h2>The run</h2>"
        f"<p>{' · '.join(facts)}. The numbers of this page, machine-readable: "
        "<a href='summary.json'><code>summary.json</code></a> (beside this page).</p>"
        f"{where}{_settings_table(summary.get('settings'))}{extra if other else ''}"
        "<p class='policy'>Quick-look material from a simulation, for browsing events: not for "
        "publication. Science use follows the SMILE data policy; cite the models by their papers.</p>"
        "</section></div></footer>"
    )
