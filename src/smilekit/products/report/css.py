"""The report's style sheet: system fonts only (no web fonts, nothing fetched), readable on a laptop,
tidy on paper (no navigation, no shadows, figures not split across pages)."""

__all__ = ["STYLE"]

STYLE = """
:root {
  --ink: #1c2431; --muted: #5b6678; --line: #d9dee7; --soft: #f3f5f8; --accent: #0b3d6e;
  --ok: #1f7a3e; --ok-bg: #eaf6ee; --warn: #8a5a00; --warn-bg: #fff6e0; --warn-line: #e0a526;
  --bad: #a4161a; --bad-bg: #fdecec; --bad-line: #d64545; --hl: #fff3c4;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; color: var(--ink); background: #eef1f5; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial,
    sans-serif;
}
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 0.9em; }
a { color: var(--accent); }
header.top { background: var(--accent); color: #fff; padding: 1.4rem 0 1.2rem; }
header.top .inner, main, footer .inner, nav .inner { max-width: 1180px; margin: 0 auto; padding: 0 1.5rem; }
header.top .kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.78rem; opacity: 0.85; }
header.top h1 { margin: 0.2rem 0 0.3rem; font-size: 1.9rem; font-weight: 650; overflow-wrap: anywhere; }
header.top .span { font-size: 1.05rem; opacity: 0.95; }
.pill { display: inline-block; margin-left: 0.6rem; padding: 0.1rem 0.65rem; border-radius: 999px;
  font-size: 0.8rem; font-weight: 600; vertical-align: middle; }
.pill.ok { background: #d6f0de; color: #12532a; } .pill.bad { background: #ffd9d9; color: #7d0f12; }
nav.toc { background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 5; }
nav.toc ul { list-style: none; margin: 0; padding: 0.45rem 0; display: flex; flex-wrap: wrap;
  gap: 0.2rem 1.1rem; }
nav.toc a { text-decoration: none; font-size: 0.9rem; }
nav.toc a.failed { color: var(--bad); }
main { padding-top: 1.2rem; padding-bottom: 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 0.4rem 1.4rem 1.2rem;
  margin: 0 0 1.2rem; scroll-margin-top: 3rem; }
h2 { font-size: 1.3rem; margin: 0.9rem 0 0.8rem; padding-bottom: 0.35rem;
  border-bottom: 2px solid var(--soft); }
h3 { font-size: 1.02rem; margin: 1.1rem 0 0.4rem; color: var(--accent); }
.badge { font-size: 0.72rem; font-weight: 600; padding: 0.1rem 0.5rem; border-radius: 4px;
  margin-left: 0.5rem;
  vertical-align: middle; text-transform: uppercase; letter-spacing: 0.04em; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.failed { background: var(--bad-bg); color: var(--bad); }
.badge.skipped { background: var(--soft); color: var(--muted); }
.took { font-size: 0.8rem; color: var(--muted); font-weight: normal; margin-left: 0.6rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 0.8rem;
  margin: 0.4rem 0 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.8rem;
  background: var(--soft); }
.card-title { font-size: 0.78rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.card-value { font-size: 1.5rem; font-weight: 650; font-variant-numeric: tabular-nums; margin: 0.1rem 0; }
.card .detail { font-size: 0.82rem; color: var(--muted); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 1.6rem; }
.panel.wide { grid-column: 1 / -1; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.92rem; }
caption { caption-side: top; text-align: left; font-weight: 600; color: var(--muted); padding: 0.2rem 0;
  font-size: 0.88rem; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
table.grid thead th { background: var(--soft); border-bottom: 2px solid var(--line); font-weight: 600;
  white-space: nowrap; }
table.grid tbody tr:nth-child(even) { background: #fafbfc; }
table.kv th { font-weight: 500; color: var(--muted); padding-right: 1.5rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table table { margin: 0; font-size: 1em; } table table th, table table td { border: none;
  padding: 0.05rem 0.5rem; }
.unit { font-weight: normal; color: var(--muted); }
.na { color: var(--muted); }
tr.highlight, table.grid tbody tr.highlight { background: var(--hl); }
td.ok, tr.ok td:last-child { color: var(--ok); }
td.warn, tr.warn td:last-child { color: var(--warn); font-weight: 600; }
td.bad, tr.bad td:last-child { color: var(--bad); font-weight: 600; }
.bad-text { color: var(--bad); font-weight: 600; }
.note { border-left: 4px solid var(--line); background: var(--soft); padding: 0.55rem 0.9rem;
  margin: 0.6rem 0 1rem;
  border-radius: 0 6px 6px 0; }
.note ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.note.warn { border-color: var(--warn-line); background: var(--warn-bg); }
.note.bad { border-color: var(--bad-line); background: var(--bad-bg); }
.note.info { border-color: var(--accent); background: #eaf1f8; }
pre.error { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.4rem 0 0; color: var(--bad); }
.hint { font-size: 0.85rem; color: var(--muted); margin-top: -0.4rem; }
details.files summary { cursor: pointer; color: var(--muted); font-size: 0.9rem; }
details.files ul { columns: 2 22rem; font-size: 0.85rem; }
figure { margin: 1.2rem 0 0.6rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: 4px;
  margin: 0 auto; }
figcaption { font-size: 0.9rem; color: var(--muted); margin-top: 0.4rem; }
figcaption strong { color: var(--ink); }
ol.figure-list { padding-left: 1.4rem; } ol.figure-list li { margin: 0.15rem 0; }
footer { color: var(--muted); font-size: 0.88rem; padding: 0.5rem 0 2rem; }
footer section { background: transparent; border: none; padding: 0; }
footer .policy { font-weight: 600; color: var(--ink); }
@media (max-width: 720px) {
  .panels { grid-template-columns: 1fr; }
  header.top h1 { font-size: 1.4rem; }
}
@media print {
  html { font-size: 10.5pt; }
  body { background: #fff; }
  nav.toc { display: none; }
  header.top { background: #fff; color: var(--ink); border-bottom: 2px solid var(--accent);
  padding: 0 0 0.5rem; }
  section { border: none; padding: 0; margin-bottom: 1rem; }
  figure, table, .card, .note { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  details.files ul { display: none; }
}
@page { margin: 14mm; }
"""
