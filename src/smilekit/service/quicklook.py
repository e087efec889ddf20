"""The quick-look pages: browse the archive by day and instrument, the quick-look figures, and the
proprietary state of each dataset.

SMILE's quick-looks are public at once, for event browsing and not for publication (Branduardi-Raymont et
al. 2022, sec. 5.3): the pages and figures need no token, every figure carries the notice, and each
dataset's state is shown as the public sees it (public, proprietary until a date, or partly opened by a
PI's release). Pages are plain HTML (no script), escaped throughout.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections import defaultdict

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smilekit.archive.access import releases_in
from smilekit.archive.catalogue import ProductRecord, archived_file
from smilekit.archive.catalogue import product_id as catalogue_id
from smilekit.archive.policy import (
    INSTRUMENTS,
    QUICKLOOK_NOTICE,
    User,
    proprietary_until,
    readable_intervals,
)
from smilekit.products.names import INSTRUMENT_CODES, LEVELS

__all__ = ["add_routes", "dataset_state", "dataset_title", "hapi_landing"]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_STYLE = """
body { font-family: sans-serif; margin: 1.5em; max-width: 70em; color: #222; }
.notice { background: #fff3cd; border: 1px solid #e0c36a; padding: 0.4em 0.8em; }
table { border-collapse: collapse; margin: 0.6em 0; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; }
.public { color: #126b12; } .proprietary { color: #a11; } .partly { color: #a65b00; }
figure { display: inline-block; margin: 0.5em; max-width: 100%; }
figure img { max-width: min(40em, 100%); height: auto; border: 1px solid #ccc; }
td a { overflow-wrap: anywhere; }
"""


def _ordered(codes) -> list[str]:
    """Instrument codes in the mission's order (SXI, UVI, LIA, MAG, then the spacecraft and auxiliary)."""
    return sorted(codes, key=lambda c: INSTRUMENTS.index(c) if c in INSTRUMENTS else len(INSTRUMENTS))


def dataset_title(dataset: str) -> str:
    """A dataset's title from its name: instrument, level and descriptor in words."""
    instrument, _, rest = dataset.partition("_")
    level, _, descriptor = rest.partition("_")
    who = INSTRUMENT_CODES.get(instrument, instrument)
    return (
        f"SMILE {instrument.upper()} ({who}), {level.upper()} {descriptor}: {LEVELS.get(level, '')}".strip()
    )


def _page(title: str, body: str, *, notice: bool = True) -> str:
    """A page: the title, the quick-look notice (``notice``: the pages of quick-looks), the body."""
    note = f"<p class='notice' id='notice'>{html.escape(QUICKLOOK_NOTICE)}</p>" if notice else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"{note}{body}</body></html>"
    )


def hapi_landing() -> str:
    """The HAPI landing page (``/hapi``)."""
    links = "".join(
        f"<li><a href='/hapi/{e}'>/hapi/{e}</a></li>" for e in ("capabilities", "about", "catalog")
    )
    return _page(
        "smilekit archive: HAPI 3.2",
        f"<p>The archive's time series through HAPI (hapi-server.org).</p><ul>{links}</ul>"
        "<p>Data of the proprietary period need <code>Authorization: Bearer TOKEN</code>.</p>",
        notice=False,
    )


def dataset_state(records: list[ProductRecord], releases, now: _dt.datetime) -> tuple[str, str]:
    """The state of a dataset's products as the public sees them at ``now``: ``(state, words)``, state one
    of ``"public"``, ``"proprietary"`` or ``"partly"`` (some products or parts public: by age, or opened
    by a PI's release, as the words say)."""
    public = User("public")
    seconds = np.timedelta64(1, "s")
    opened = total = by_release = 0.0
    until = []
    for r in records:
        holding = r.holding()
        span = (holding.stop - holding.start) / seconds
        readable = sum((b - a) / seconds for a, b in readable_intervals(public, holding, releases, now=now))
        without_releases = sum((b - a) / seconds for a, b in readable_intervals(public, holding, now=now))
        opened, total, by_release = opened + readable, total + span, by_release + readable - without_releases
        if readable < span:
            until.append(proprietary_until(holding.received))
    if opened >= total:
        return "public", "public"
    date = np.datetime_as_string(max(until), unit="s") + "Z"
    if opened > 0:
        how = "partly released by its PI" if by_release > 0 else "partly public"
        return "partly", f"{how}; the rest proprietary until {date}"
    return "proprietary", f"proprietary until {date}"


def add_routes(app: FastAPI, engine, folder, now) -> None:
    """Add the quick-look pages to ``app`` (the archive ``folder``, its catalogue's ``engine``, the clock)."""

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        day_of = func.date(ProductRecord.start)  # SQL's date(): the same in SQLite and PostgreSQL
        with Session(engine) as session:
            rows = session.execute(
                select(day_of, ProductRecord.instrument)
                .where(ProductRecord.current.is_(True))
                .group_by(day_of, ProductRecord.instrument)
            ).all()
        days: dict[str, set] = defaultdict(set)
        for day, instrument in rows:
            days[str(day)[:10]].add(instrument)
        items = "".join(
            f"<li><a class='day' href='/quicklook/{day}'>{day}</a>: "
            + ", ".join(
                f"<a href='/quicklook/{day}?instrument={i}'>{i.upper()}</a>" for i in sorted(days[day])
            )
            + "</li>"
            for day in sorted(days, reverse=True)
        )
        return _page(
            "SMILE quick-looks (smilekit archive)",
            f"<p>{len(days)} day{'' if len(days) == 1 else 's'} with data. Time series through "
            "<a href='/hapi'>HAPI</a>.</p>"
            f"<ul id='days'>{items}</ul>",
        )

    @app.get("/quicklook/{day}", response_class=HTMLResponse)
    def day_page(day: str, request: Request) -> Response:
        instrument = request.query_params.get("instrument")
        if not _DAY.fullmatch(day):
            return HTMLResponse(_page("Not found", "<p>A day is YYYY-MM-DD.</p>"), status_code=404)
        try:
            first = _dt.datetime.fromisoformat(day)
        except ValueError:
            return HTMLResponse(_page("Not found", "<p>No such day.</p>"), status_code=404)
        if instrument is not None and instrument not in INSTRUMENTS:
            text = f"<p>instrument is one of {', '.join(INSTRUMENTS)}.</p>"
            return HTMLResponse(_page("Bad request", text), status_code=400)
        last = first + _dt.timedelta(days=1)
        with Session(engine) as session:
            query = select(ProductRecord).where(
                ProductRecord.current.is_(True), ProductRecord.start < last, ProductRecord.stop > first
            )
            if instrument is not None:
                query = query.where(ProductRecord.instrument == instrument)
            records = list(session.scalars(query.order_by(ProductRecord.instrument, ProductRecord.dataset,
                                                          ProductRecord.start)))  # fmt: skip
            releases = releases_in(session)
        at = now()
        shown = (f"{html.escape(instrument.upper())} only (<a href='/quicklook/{day}'>every instrument</a>)"
                 if instrument else "every instrument")  # fmt: skip
        body = [f"<p><a href='/'>All days</a> &middot; <span id='filter'>{shown}</span></p>"]
        by_instrument: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for r in records:
            by_instrument[r.instrument][r.dataset].append(r)
        for code in _ordered(by_instrument):
            datasets = by_instrument[code]
            body.append(f"<section class='instrument' id='{code}'><h3>{html.escape(code.upper())}: "
                        f"{html.escape(INSTRUMENT_CODES.get(code, ''))}</h3>")  # fmt: skip
            rows, figures = [], []
            for dataset, mine in datasets.items():
                state, words = dataset_state(mine, releases, at)
                links = " ".join(f"<a href='/products/{r.id}'>{html.escape(r.name)}</a>" for r in mine)
                rows.append(
                    f"<tr class='dataset' data-dataset='{html.escape(dataset)}' data-state='{state}'>"
                    f"<td>{html.escape(dataset)}</td><td class='{state}'>{html.escape(words)}</td>"
                    f"<td>{links}</td></tr>"
                )
                figures += [
                    f"<figure><img src='/quicklook/figure/{r.id}' alt='{html.escape(r.name)}'>"
                    f"<figcaption>{html.escape(r.name)}: not for publication</figcaption></figure>"
                    for r in mine
                    if r.level == "ql"
                ]
            body.append("<table><tr><th>dataset</th><th>state</th><th>products</th></tr>" + "".join(rows))
            body.append("</table>" + "".join(figures) + "</section>")
        if not records:
            body.append("<p id='empty'>No products on this day.</p>")
        return HTMLResponse(_page(f"SMILE quick-looks: {day}", "".join(body)))

    @app.api_route("/quicklook/figure/{product_id}", methods=["GET", "HEAD"])
    def figure(product_id: str) -> Response:
        number = catalogue_id(product_id)
        if number is None:
            return JSONResponse({"detail": "a figure id is a catalogue number"}, status_code=404)
        with Session(engine) as session:
            record = session.get(ProductRecord, number)
        if record is None or record.level != "ql" or not record.path.endswith(".png"):
            return JSONResponse({"detail": f"no quick-look figure {product_id}"}, status_code=404)
        path = archived_file(folder, record)
        if path is None:
            return JSONResponse({"detail": f"quick-look {product_id} is missing"}, status_code=410)
        return FileResponse(path, media_type="image/png", headers={"X-SMILE-Notice": QUICKLOOK_NOTICE})
