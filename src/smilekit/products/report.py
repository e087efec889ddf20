"""The HTML report of a run: one self-contained page beside its figures and ``summary.json``."""

from __future__ import annotations

import html
from pathlib import Path

__all__ = ["write_index"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { padding: 0.25em 0.8em; border: 1px solid #ddd; }
th { background: #f4f4f4; text-align: left; } .failed { color: #b00; } figure { margin: 1em 0; }
img { max-width: 100%; } figcaption { color: #555; font-size: 0.9em; } code { background: #f4f4f4; }
"""


def _table(rows: dict) -> str:
    cells = []
    for key, value in rows.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
        cells.append(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_fmt(value))}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_index(path: Path, summary: dict, figures: list[tuple[str, str]]) -> Path:
    """Write ``index.html``: the run's stages and numbers, then its figures with captions."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>smilekit run: {html.escape(summary.get('event', ''))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>smilekit run: {html.escape(summary.get('event', ''))}</h1>",
        f"<p>smilekit {html.escape(summary['smilekit_version'])}, {summary.get('seconds', 0)} s. "
        "Machine-readable numbers: <a href='summary.json'><code>summary.json</code></a>. "
        "Quick-look material, for browsing events, not for publication.</p>",
    ]
    for name, stage in summary["stages"].items():
        parts.append(f"<h2>{html.escape(name.replace('_', ' '))}</h2>")
        if stage.get("status") != "ok":
            parts.append(f"<p class='failed'>failed: {html.escape(stage.get('error', ''))}</p>")
            continue
        rows = {k: v for k, v in stage.items() if k not in ("status",)}
        parts.append(_table(rows))
    parts.append("<h2>figures</h2>")
    for name, caption in figures:
        parts.append(
            f"<figure><img src='{html.escape(name)}' alt='{html.escape(caption)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</body></html>")
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return Path(path)
