"""The archive's web service: HAPI for the time series, product downloads, quick-look pages.

``smilekit serve --archive DIR`` runs :func:`create_app` on uvicorn. Its endpoints:

====================================  ==================================================================
``/hapi``, ``/hapi/capabilities``,    HAPI 3.2 (:mod:`.hapi`): the catalogue's time-series datasets and their
``/hapi/about``, ``/hapi/catalog``,   parameters, and their data as CSV, binary or JSON, streamed
``/hapi/info``, ``/hapi/data``
``/products/{id}``                    a product file by its catalogue id
``/``, ``/quicklook/{day}``,          the quick-look pages (:mod:`~.service.quicklook`): browse by day and
``/quicklook/figure/{id}``            instrument, the figures, the proprietary state of each dataset
``/health``                           the service and its catalogue answer
====================================  ==================================================================

Every data and download request is checked against SMILE's data policy (:mod:`smilekit.archive.policy`):
the user is the owner of the token in the ``Authorization: Bearer TOKEN`` header (:mod:`smilekit.archive.
access`), or the public without one. A request for data the user may not read, all of it, is refused: HTTP
401 without a token, 403 with one (a wrong or revoked token is 401 whatever it asks), and nothing of those
data is sent. Catalogue metadata (the catalog, info, the quick-look pages and figures) are public.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

import smilekit
from smilekit.archive.access import authenticate, releases_in
from smilekit.archive.catalogue import ProductRecord, archived_file, open_catalogue, utc_datetime, utc_now
from smilekit.archive.catalogue import product_id as catalogue_id
from smilekit.archive.policy import OPEN_INSTRUMENTS, User, may_read, proprietary_until
from smilekit.errors import InputError
from smilekit.products.cdf import time_series_variables
from smilekit.service import hapi, quicklook
from smilekit.service.hapi import HapiError

__all__ = ["create_app"]

#: The query parameters of each HAPI endpoint (HAPI 3 names and their 2.x aliases).
_ALLOWED = {
    "capabilities": set(),
    "about": set(),
    "catalog": set(),
    "info": {"dataset", "id", "parameters"},
    "data": {"dataset", "id", "start", "time.min", "stop", "time.max", "parameters", "format", "include"},
}
_PUBLIC = User("public")
#: What a dataset name can be (``<instrument>_<level>_<descriptor>``); anything else is no dataset.
_DATASET = re.compile(r"[a-z0-9_]{1,100}")


class _Unauthorized(Exception):
    def __init__(self, http_status: int, message: str):
        self.http_status, self.message = http_status, message


def _hapi_body(code: int = 1200, detail: str = "", **content) -> dict:
    return {"HAPI": hapi.HAPI_VERSION, "status": hapi.status(code, detail), **content}


def _lost_file(record: ProductRecord) -> HapiError:
    """HAPI's server error for a catalogued product whose archived file is missing (said before any data)."""
    return HapiError(1500, f"the archived file of {record.name} is missing; the archive needs mending")


def _hapi_error(error: HapiError) -> JSONResponse:
    return JSONResponse(_hapi_body(error.code, error.detail), status_code=error.http_status)


def _check_query(request: Request, endpoint: str) -> dict:
    items = request.query_params.multi_items()
    for key, _ in items:
        if key not in _ALLOWED[endpoint]:
            raise HapiError(1401, f"{key[:60]!r} is not a parameter of /hapi/{endpoint}")
    if len(items) != len({key for key, _ in items}):
        raise HapiError(1400, "a query parameter is given twice")
    return dict(items)


def _one_of(query: dict, *names: str) -> str | None:
    given = [query[n] for n in names if n in query]
    if len(given) > 1:
        raise HapiError(1400, f"give one of {' or '.join(names)}")
    return given[0] if given else None


def _dataset_of(query: dict) -> str:
    dataset = _one_of(query, "dataset", "id")
    if dataset is None:
        raise HapiError(1400, "give dataset=")
    return dataset


def create_app(folder, *, url: str | None = None, clock: Callable[[], _dt.datetime] | None = None) -> FastAPI:
    """The service of the archive ``folder`` (catalogue at ``url``, default its SQLite file).

    ``clock`` gives the time the data policy is applied at (naive UTC ``datetime``; default now).
    """
    folder, engine = open_catalogue(folder, url)
    now = clock or utc_now
    parameters_of: dict[int, list[hapi.Parameter]] = {}  # by product id: a product never changes

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()  # the catalogue's connections, when the server stops

    app = FastAPI(
        title="smilekit archive",
        version=smilekit.__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine

    def user_of(request: Request, session: Session) -> User | None:
        """The user of the request's token, None without one; a bad or revoked token is refused (401)."""
        header = request.headers.get("authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Unauthorized(401, "give the token as 'Authorization: Bearer TOKEN'")
        user = authenticate(session, token.strip())
        if user is None:
            raise _Unauthorized(401, "the token is not valid (unknown or revoked)")
        return user

    def check_readable(session: Session, user: User | None, records, start, stop) -> None:
        """Refuse (401/403) unless ``user`` may read all of ``[start, stop)`` of every product given."""
        releases = None  # read only where the rules without releases refuse
        at = now()
        for r in records:
            holding = r.holding()
            if may_read(user or _PUBLIC, holding, start, stop, now=at):
                continue
            if releases is None:
                releases = releases_in(session)
            if not may_read(user or _PUBLIC, holding, start, stop, releases, now=at):
                until = np.datetime_as_string(proprietary_until(r.received), unit="s")
                raise _Unauthorized(
                    401 if user is None else 403,
                    f"{r.dataset} from {r.start.isoformat()} to {r.stop.isoformat()} is proprietary until "
                    f"{until}Z (SMILE data policy: one year after the SWT received it) and not yours to read",
                )

    def current_products(session: Session, dataset: str) -> list[ProductRecord]:
        query = select(ProductRecord).where(
            ProductRecord.dataset == dataset,
            ProductRecord.current.is_(True),
            ProductRecord.path.endswith(".cdf"),
        )
        return list(session.scalars(query.order_by(ProductRecord.start, ProductRecord.id)))

    def dataset_parameters(
        session: Session, dataset: str
    ) -> tuple[list[hapi.Parameter], list[ProductRecord]]:
        records = current_products(session, dataset) if _DATASET.fullmatch(dataset) else []
        if not records:
            raise HapiError(1406, f"{dataset[:60]!r} is not a dataset of this archive (see /hapi/catalog)")
        newest = max(records, key=lambda r: (r.start, r.id))
        if newest.id not in parameters_of:
            path = archived_file(folder, newest)
            if path is None:
                raise _lost_file(newest)
            parameters_of[newest.id] = time_series_variables(path)
        return parameters_of[newest.id], records

    @app.exception_handler(HapiError)
    def _on_hapi_error(request: Request, error: HapiError) -> JSONResponse:
        return _hapi_error(error)

    @app.exception_handler(_Unauthorized)
    def _on_unauthorized(request: Request, error: _Unauthorized) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="smilekit"'} if error.http_status == 401 else {}
        body = (
            _hapi_body(1400, error.message)
            if request.url.path.startswith("/hapi")
            else {"detail": error.message}
        )
        return JSONResponse(body, status_code=error.http_status, headers=headers)

    @app.exception_handler(InputError)
    def _on_input_error(request: Request, error: InputError) -> JSONResponse:
        return _hapi_error(HapiError(1400, str(error)[:300]))

    @app.get("/health")
    def health() -> dict:
        with Session(engine) as session:
            count = len(session.scalars(select(ProductRecord.id).limit(1)).all())
        return {"status": "ok", "catalogue": "reachable", "any_product": bool(count)}

    @app.get("/hapi", response_class=HTMLResponse)
    def landing() -> str:
        return quicklook.hapi_landing()

    @app.get("/hapi/capabilities")
    def capabilities(request: Request) -> dict:
        _check_query(request, "capabilities")
        return _hapi_body(outputFormats=list(hapi.FORMATS))

    @app.get("/hapi/about")
    def about(request: Request) -> dict:
        _check_query(request, "about")
        return _hapi_body(
            id="smilekit", title="smilekit archive: SMILE (ESA-CAS) products, simulated by smilekit",
            contact="the smilekit developers", description=(
                "Time series of the SMILE archive: ephemeris, upstream solar wind, SXI and UVI L3, LIA "
                "moments, MAG field. Proprietary for one year after the SWT received them (SMILE data "
                "policy); send 'Authorization: Bearer TOKEN' for data you are entitled to."
            ),
        )  # fmt: skip

    @app.get("/hapi/catalog")
    def catalog(request: Request) -> dict:
        _check_query(request, "catalog")
        with Session(engine) as session:
            datasets = session.scalars(
                select(ProductRecord.dataset).where(
                    ProductRecord.current.is_(True), ProductRecord.path.endswith(".cdf")
                ).distinct().order_by(ProductRecord.dataset)
            ).all()  # fmt: skip
        return _hapi_body(catalog=[{"id": d, "title": quicklook.dataset_title(d)} for d in datasets])

    @app.get("/hapi/info")
    def info(request: Request) -> dict:
        query = _check_query(request, "info")
        dataset = _dataset_of(query)
        with Session(engine) as session:
            available, records = dataset_parameters(session, dataset)
        chosen = hapi.select_parameters(available, query.get("parameters"))
        return _info_body(dataset, chosen, records)

    def _info_body(dataset: str, chosen, records) -> dict:
        return _hapi_body(
            startDate=min(r.start for r in records).isoformat() + "Z",
            stopDate=max(r.stop for r in records).isoformat() + "Z",
            parameters=hapi.info_parameters(chosen),
            description=quicklook.dataset_title(dataset),
            x_dataPolicy=(
                "Public at receipt (SMILE data policy: not an instrument's data)"
                if records[0].instrument in OPEN_INSTRUMENTS
                else "Proprietary for one year after the SWT received the data (SMILE data policy); "
                "send 'Authorization: Bearer TOKEN' for data you are entitled to"
            ),
        )

    @app.get("/hapi/data")
    def data(request: Request) -> Response:
        query = _check_query(request, "data")
        dataset = _dataset_of(query)
        start = hapi.parse_time(_one_of(query, "start", "time.min"), 1402)
        stop = hapi.parse_time(_one_of(query, "stop", "time.max"), 1403)
        if not start < stop:
            raise HapiError(1404)
        fmt = query.get("format", "csv")
        if fmt not in hapi.FORMATS:
            raise HapiError(1409, f"{fmt[:20]!r}: one of {', '.join(hapi.FORMATS)}")
        include = query.get("include")
        if include not in (None, "header"):
            raise HapiError(1410, "include=header is the one value")
        with Session(engine) as session:
            user = user_of(request, session)
            available, every = dataset_parameters(session, dataset)
            chosen = hapi.select_parameters(available, query.get("parameters"))
            first, last = utc_datetime(start), utc_datetime(stop, ceil=True)
            records = [r for r in every if r.start < last and r.stop > first]  # those the request overlaps
            check_readable(session, user, records, start, stop)
            header = _info_body(dataset, chosen, every)
        paths = [archived_file(folder, r) for r in records]  # checked before the 200 is sent
        if None in paths:
            raise _lost_file(records[paths.index(None)])
        code = 1200 if records else 1201
        header.update(status=hapi.status(code), format=fmt)
        media = {"csv": "text/csv", "binary": "application/octet-stream", "json": "application/json"}[fmt]
        return StreamingResponse(
            _stream(paths, chosen, start, stop, fmt, header if (include or fmt == "json") else None),
            media_type=media,
            headers={"X-HAPI-Status": str(code)},
        )

    @app.api_route("/products/{product_id}", methods=["GET", "HEAD"])
    def download(product_id: str, request: Request) -> Response:
        number = catalogue_id(product_id)
        if number is None:
            return JSONResponse({"detail": "a product id is a catalogue number"}, status_code=404)
        with Session(engine) as session:
            user = user_of(request, session)
            record = session.get(ProductRecord, number)
            if record is None:
                return JSONResponse({"detail": f"no product {product_id}"}, status_code=404)
            check_readable(session, user, [record], record.start, record.stop)
        path = archived_file(folder, record)
        if path is None:
            return JSONResponse(
                {"detail": f"product {product_id} is missing from the archive"}, status_code=410
            )
        return FileResponse(path, filename=record.name, media_type="application/octet-stream")

    quicklook.add_routes(app, engine, folder, now)

    @app.get("/hapi/{endpoint:path}")
    def unknown_endpoint(endpoint: str, request: Request) -> Response:
        known = endpoint.rstrip("/")
        if known in _ALLOWED or known == "":  # a trailing slash: redirected as the router would have
            path = f"/hapi/{known}" if known else "/hapi"
            return RedirectResponse(str(request.url.replace(path=path)), status_code=307)
        raise HapiError(
            1400,
            f"/hapi/{endpoint[:40]} is not an endpoint ({', '.join(_ALLOWED)})",
            http_status=404,
        )

    return app


def _stream(paths: list[Path], parameters, start, stop, fmt: str, header: dict | None) -> Iterator[bytes]:
    """The response body: the header (``include=header``; JSON's opening), then the blocks of every file in
    time order (a record no later than the last one sent, where products overlap, is not sent twice)."""
    if fmt == "json":
        text = json.dumps(header)
        yield (text[:-1] + ', "data": [\n').encode("utf-8")
    elif header is not None:
        lines = json.dumps(header, indent=1).splitlines()
        yield ("".join(f"#{line}\n" for line in lines)).encode("utf-8")
    last = None
    first = True
    for path in paths:
        for times, values in hapi.stream_records(path, parameters, start, stop, after=last):
            yield hapi.encode(fmt, times, values, parameters, first_block=first)
            first, last = False, times[-1]
    if fmt == "json":
        yield b"\n]}\n"
