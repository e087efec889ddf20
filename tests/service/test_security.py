"""The service under attack: tokens and Authorization headers, other instruments' PIs, path traversal,
injections in every parameter of every endpoint, time ranges at the proprietary boundary, the data policy's
clock and a PI's release, all against a live server of :mod:`testsupport.service_archive`'s archive.

What is asserted throughout:

- the right refusal: HTTP 401 (with ``WWW-Authenticate: Bearer``) without a token or with a bad one, 403
  with a valid token that does not open the data; HAPI's JSON error (``{"HAPI": "3.2", "status": {"code":
  14xx, ...}}``, HTTP 400, 404 for an unknown dataset) for a malformed request; never a 5xx;
- not one proprietary byte to anyone not entitled: every response to such a request is searched for every
  distinctive value of the proprietary products (the sentinels of :data:`~testsupport.service_archive.
  SENTINELS` and the others: their text, as CSV and JSON write them, and their IEEE 754 bytes, little- and
  big-endian, as binary and the CDF files hold them), the proprietary records' time stamps, the catalogue
  database's bytes and the users' tokens;
- the HTML pages never echo an injected string unescaped;
- the server is healthy after the corpus and still answers a normal request right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import secrets
import struct
import urllib.parse

import numpy as np
import pytest
import requests

from smilekit.archive.access import record_release
from testsupport.service import live_server
from testsupport.service_archive import (
    DAY,
    PROPRIETARY_START,
    PROPRIETARY_UNTIL,
    SENTINELS,
    cdf_values,
    served_archive,
)

#: The public MAG products' span and a span of the proprietary MAG product.
PUBLIC_MAG = {"dataset": "mag_l2_fields", "start": "2026-03-21T00:00:00Z", "stop": "2026-03-21T02:00:00Z"}
PROPRIETARY_MAG = {
    "dataset": "mag_l2_fields",
    "start": "2026-03-21T04:00:00Z",
    "stop": "2026-03-21T05:00:00Z",
}
WHOLE_DAY = {"start": "2026-03-21T00:00:00Z", "stop": "2026-03-22T00:00:00Z"}
#: Strings an attacker tries in every parameter.
INJECTIONS = (
    "' OR 1=1 --",
    "'; DROP TABLE products; --",
    '" OR ""="',
    "mag_l2_fields' UNION SELECT path FROM products --",
    "<script>alert('smile')</script>",
    '"><img src=x onerror=alert(1)>',
    "a\x00b",
    "\x00",
    "A" * 3000,
    "ünïcødé ☃ 𝔘𝔙𝔍 \u202e",
    "%00",
    "%27%20OR%201%3D1",
    "../../catalogue.sqlite",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "1e309",
    "-1",
    "NaN",
    "mag_l2_fields\n",
    " ",
)
#: Product ids a downloader may try: traversal, absolute paths, odd numbers; sent as raw request paths.
BAD_IDS = (
    "../../catalogue.sqlite",
    "..%2f..%2fcatalogue.sqlite",
    "%2e%2e%2f%2e%2e%2fcatalogue.sqlite",
    "%2e%2e/%2e%2e/catalogue.sqlite",
    "..%252f..%252fcatalogue.sqlite",
    "..%5c..%5ccatalogue.sqlite",
    "....//....//catalogue.sqlite",
    "1/../../catalogue.sqlite",
    "1%2f..%2f..%2fcatalogue.sqlite",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "//etc/passwd",
    "C:%5cWindows%5cwin.ini",
    "catalogue.sqlite",
    "products",
    "9999999999999999999999999",
    "99999999999",
    "2147483648",
    "999999999999",
    "%C2%B2",
    "%EF%BC%91",
    "%D9%A1",
    "-1",
    "0",
    "+1",
    "1.0",
    "1e3",
    "0x1",
    "%201",
    "1%00",
    "%00",
    "1;DROP%20TABLE%20products",
    "%27%20OR%201=1%20--",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "A" * 3000,
)


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------
#: The needles of each archive (by folder): computed once.
_NEEDLES: dict[str, tuple[bytes, ...]] = {}


def _proprietary_needles(archive) -> set[bytes]:
    """What would betray proprietary data in a response: every value of the proprietary products that no
    public product holds and whose text is distinctive (six significant characters or more), as text and as
    little- and big-endian doubles; the proprietary records' HAPI time stamps; the catalogue's header."""
    public: set[float] = set()
    for values in archive.public_expected.values():
        for name, array in values.items():
            if name != "Time":
                public.update(np.asarray(array, dtype=np.float64).ravel().tolist())
    needles = {b"SQLite format 3"}
    for dataset in archive.datasets:
        for product in archive.proprietary_ids.get(dataset, []):
            for name, array in cdf_values(archive.path(product)).items():
                if name == "Time":
                    stamps = np.datetime_as_string(array.astype("datetime64[us]"), unit="us")
                    needles.update(f"{s}Z".encode() for s in stamps)
                    continue
                for v in np.unique(np.asarray(array, dtype=np.float64).ravel()).tolist():
                    text = repr(v)
                    if v in public or not np.isfinite(v) or len(text.strip("-0.").replace(".", "")) < 6:
                        continue
                    needles.update({text.encode(), struct.pack("<d", v), struct.pack(">d", v)})
    for dataset, (_, sentinel) in SENTINELS.items():
        assert repr(sentinel).encode() in needles, f"the sentinel of {dataset} is no needle"
    return needles


def needles(archive) -> tuple[bytes, ...]:
    """:func:`_proprietary_needles` of the archive, computed once."""
    key = str(archive.folder)
    if key not in _NEEDLES:
        _NEEDLES[key] = tuple(sorted(_proprietary_needles(archive)))
    return _NEEDLES[key]


def assert_nothing_proprietary(archive, body: bytes, what: str = "") -> None:
    """No proprietary value, time stamp, catalogue byte or token in ``body``."""
    for needle in needles(archive):
        assert needle not in body, f"{what}: the response holds proprietary bytes {needle[:40]!r}"
    for name, token in archive.tokens.items():
        assert token.encode() not in body, f"{what}: the response holds the token of {name}"


#: The largest body a refusal or an error may have: a message, never a product (the test archive's smallest
#: product is larger: test_the_leak_search_finds_proprietary_data_where_they_are_served checks it).
ERROR_BODY_MAX = 4000


def mag_records(archive, start: str, stop: str) -> int:
    """How many of the archive's MAG L2 records lie in ``[start, stop)`` (HAPI times)."""
    times = archive.expected["mag_l2_fields"]["Time"]
    lo, hi = (np.datetime64(t.rstrip("Z"), "ns") for t in (start, stop))
    return int(((times >= lo) & (times < hi)).sum())


def assert_refused(response, status: int, archive, what: str = "") -> None:
    """A refusal by the data policy: ``status`` (401 with the Bearer challenge), a small JSON body (HAPI's
    for /hapi), nothing proprietary in it."""
    assert response.status_code == status, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json"), what
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer"), what
    body = response.json()
    if urllib.parse.urlsplit(response.url).path.startswith("/hapi"):
        assert body["HAPI"] == "3.2" and 1400 <= body["status"]["code"] < 1500, (what, body)
    assert len(response.content) < ERROR_BODY_MAX, what
    assert_nothing_proprietary(archive, response.content, what)


def assert_hapi_error(response, http_status: int, codes, what: str = "") -> None:
    codes = {codes} if isinstance(codes, int) else set(codes)
    assert response.status_code == http_status, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json"), what
    body = response.json()
    assert body["HAPI"] == "3.2" and body["status"]["code"] in codes, (what, body)
    assert isinstance(body["status"]["message"], str), what


def raw_get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET ``path`` sent exactly as given (no client normalises its dot segments or encoding)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def assert_healthy(served) -> None:
    """GET /health answers, and a public request still gets its exact records."""
    health = served.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    text = served.get("/hapi/data", params=PUBLIC_MAG | {"parameters": "b_magnitude"}).text
    expected = served.archive.public_expected["mag_l2_fields"]["b_magnitude"]
    assert [float(line.split(",")[1]) for line in text.splitlines()] == expected.tolist()


def data_lines(response) -> list[str]:
    assert response.status_code == 200, response.text[:300]
    return response.text.splitlines()


def test_the_leak_search_finds_proprietary_data_where_they_are_served(served):
    """The search of :func:`assert_nothing_proprietary` is not blind: it finds the proprietary products'
    values in what the SWT gets of them (every format, a download), and nothing in public data."""
    archive = served.archive
    assert min(r["octets"] for r in archive.records.values()) > ERROR_BODY_MAX
    # every proprietary record's time stamp is a needle, and its distinctive values too
    proprietary_mag = archive.expected["mag_l2_fields"]["Time"] >= PROPRIETARY_START
    assert len(needles(archive)) > proprietary_mag.sum()
    swt = archive.tokens["swt"]
    for dataset in ("mag_l2_fields", "sxi_l3_boundaries", "uvi_l3_boundaries"):
        for fmt in ("csv", "binary", "json"):
            params = {"dataset": dataset, "format": fmt} | WHOLE_DAY
            body = served.get("/hapi/data", params=params, token=swt).content
            with pytest.raises(AssertionError, match="proprietary bytes"):
                assert_nothing_proprietary(archive, body, f"{dataset} {fmt}")
    product = archive.proprietary_ids["mag_l2_fields"][0]
    with pytest.raises(AssertionError, match="proprietary bytes"):
        assert_nothing_proprietary(archive, served.get(f"/products/{product}", token=swt).content)
    for fmt in ("csv", "binary", "json"):
        assert_nothing_proprietary(
            archive, served.get("/hapi/data", params=PUBLIC_MAG | {"format": fmt}).content
        )


# ---------------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------------
def test_no_wrong_revoked_or_malformed_token_reads_proprietary_data(served):
    """Without a token: 401 on proprietary data and downloads, public data served. A wrong, revoked or
    malformed token (or Authorization header) is 401 on every data and download request, public data
    included; metadata stay public whatever the header says."""
    archive = served.archive
    proprietary_id = archive.proprietary_ids["mag_l2_fields"][0]
    public_id = archive.public_ids["mag_l2_fields"][0]
    swt = archive.tokens["swt"]

    assert_refused(served.get("/hapi/data", params=PROPRIETARY_MAG), 401, archive, "no token, data")
    assert_refused(served.get(f"/products/{proprietary_id}"), 401, archive, "no token, download")
    public_mag = data_lines(served.get("/hapi/data", params=PUBLIC_MAG))
    assert len(public_mag) == mag_records(archive, PUBLIC_MAG["start"], PUBLIC_MAG["stop"]) > 0
    assert served.get(f"/products/{public_id}").content == archive.path(public_id).read_bytes()

    headers = {
        "wrong token": f"Bearer {secrets.token_urlsafe(32)}",
        "revoked token": f"Bearer {archive.tokens['revoked']}",
        "scheme only": "Bearer",
        "scheme and space": "Bearer ",
        "empty": "",
        "token without scheme": swt,
        "basic": "Basic dXNlcjpwYXNzd29yZA==",
        "other scheme": f"Token {swt}",
        "token and more": f"Bearer {swt} {swt}",
        "token with a comma": f"Bearer {swt},",
        "two headers in one": f"Bearer {swt}, Bearer {swt}",
        "truncated": f"Bearer {swt[:-1]}",
        "one character off": f"Bearer {swt[:-1]}{'A' if swt[-1] != 'A' else 'B'}",
        "hash of the token": f"Bearer {hashlib.sha256(swt.encode()).hexdigest()}",
        "sql": "Bearer ' OR 1=1 --",
        "sql 2": "Bearer x' OR token_sha256 LIKE '%",
        "html": "Bearer <script>alert(1)</script>",
        "long": "Bearer " + "A" * 8000,
        "latin-1": "Bearer \xe9t\xe9",
        "json": 'Bearer {"role": "swt"}',
    }
    for what, header in headers.items():
        h = {"Authorization": header}
        for path, params in (("/hapi/data", PROPRIETARY_MAG), ("/hapi/data", PUBLIC_MAG)):
            assert_refused(served.get(path, params=params, headers=h), 401, archive, f"{what}: {params}")
        for product in (proprietary_id, public_id):
            assert_refused(served.get(f"/products/{product}", headers=h), 401, archive, f"{what}: {product}")
        for path in ("/hapi/catalog", "/hapi/info?dataset=mag_l2_fields", "/quicklook/2026-03-21", "/health"):
            assert served.get(path, headers=h).status_code == 200, (what, path)
    # a header the HTTP server itself refuses (a NUL byte): refused before the service, never data
    status, _, body = raw_get(served.base, "/hapi/data?dataset=mag_l2_fields&start=2026-080&stop=2026-081",
                              {"Authorization": f"Bearer {swt}\x00"})  # fmt: skip
    assert status in (400, 401), status
    assert_nothing_proprietary(archive, body, "NUL in the header")

    # RFC 6750: the scheme is case-insensitive, and the SWT reads everything
    ok = served.get("/hapi/data", params=PROPRIETARY_MAG, headers={"Authorization": f"bearer {swt}"})
    assert len(data_lines(ok)) == mag_records(archive, PROPRIETARY_MAG["start"], PROPRIETARY_MAG["stop"]) > 0
    assert_healthy(served)


def test_a_pi_reads_their_own_instrument_and_no_other(served):
    """The UVI PI's token opens UVI's proprietary data and not SXI's or MAG's (403), nor the SXI FITS
    downloads; the SXI PI's opens SXI's, the FITS included, and not UVI's or MAG's; a user of role public
    has only what the public has; the SWT reads everything."""
    archive = served.archive
    tokens = archive.tokens
    fits = archive.proprietary_ids["sxi_l2_images"][0]
    sxi = {"dataset": "sxi_l3_boundaries"} | WHOLE_DAY
    uvi = {"dataset": "uvi_l3_boundaries"} | WHOLE_DAY
    cases = [  # (token, request, entitled)
        ("pi_uvi", PROPRIETARY_MAG, False),
        ("pi_uvi", sxi, False),
        ("pi_uvi", uvi, True),
        ("pi_uvi", PUBLIC_MAG, True),
        ("pi_sxi", sxi, True),
        ("pi_sxi", uvi, False),
        ("pi_sxi", PROPRIETARY_MAG, False),
        ("pi_mag", PROPRIETARY_MAG, True),
        ("pi_mag", sxi, False),
        ("public", PROPRIETARY_MAG, False),
        ("public", uvi, False),
        ("public", PUBLIC_MAG, True),
        ("swt", sxi, True),
        ("swt", uvi, True),
    ]
    for who, params, entitled in cases:
        for fmt in ("csv", "binary", "json"):
            response = served.get("/hapi/data", params=params | {"format": fmt}, token=tokens[who])
            if entitled:
                assert response.status_code == 200, (who, params, fmt, response.text[:200])
            else:
                assert_refused(response, 403, archive, f"{who}: {params} {fmt}")
    for who, entitled in (("pi_uvi", False), ("pi_mag", False), ("public", False), ("pi_sxi", True),
                          ("swt", True)):  # fmt: skip
        response = served.get(f"/products/{fits}", token=tokens[who])
        if entitled:
            assert response.content == archive.path(fits).read_bytes(), who
        else:
            assert_refused(response, 403, archive, f"{who}: download of {fits}")
    # what an entitled PI gets is exactly the data
    text = served.get("/hapi/data", params=uvi | {"parameters": "hemispheric_power"}, token=tokens["pi_uvi"])
    expected = archive.expected["uvi_l3_boundaries"]["hemispheric_power"]
    assert [float(line.split(",")[1]) for line in text.text.splitlines()] == expected.tolist()


# ---------------------------------------------------------------------------------------------------
# Path traversal and odd ids
# ---------------------------------------------------------------------------------------------------
def test_path_traversal_and_odd_ids_are_not_found(served):
    """Traversal in download and figure ids, encoded or not, absolute paths, huge, negative and odd
    numbers (beyond the 32-bit ids, a superscript, full-width and Arabic-Indic digits, which ``str.isdigit``
    takes): 404 (or 400 from the HTTP server), never a file, the catalogue or 5xx, with or without a
    token."""
    archive = served.archive
    catalogue_bytes = (
        (archive.folder / "catalogue.sqlite").read_bytes()[:100] if archive.url is None else None
    )
    for prefix in ("/products/", "/quicklook/figure/"):
        for bad in BAD_IDS:
            for headers in ({}, {"Authorization": f"Bearer {archive.tokens['swt']}"}):
                status, _, body = raw_get(served.base, prefix + bad, headers)
                assert status in (400, 404), (prefix, bad, status, body[:200])
                assert_nothing_proprietary(archive, body, prefix + bad)
                assert b"root:" not in body and b"[fonts]" not in body
                if catalogue_bytes is not None:
                    assert catalogue_bytes not in body
                assert len(body) < ERROR_BODY_MAX, (prefix, bad)
    # a quick-look's id is not a product's: a figure id of a CDF is not found
    cdf = archive.proprietary_ids["mag_l2_fields"][0]
    assert served.get(f"/quicklook/figure/{cdf}").status_code == 404
    assert_healthy(served)


# ---------------------------------------------------------------------------------------------------
# Injections in every parameter
# ---------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_injections_in_every_hapi_parameter_are_hapi_errors(served):
    """Each injection string in each parameter of info and data (the others valid: a public request):
    the HAPI error of that parameter (1406 unknown dataset, 1407 unknown parameter, 1402/1403 bad time,
    1409 format, 1410 include, 1401 an unknown parameter name), JSON, never 5xx, nothing proprietary;
    with or without a token."""
    archive = served.archive
    base_data = PUBLIC_MAG | {"format": "csv"}
    expected_code = {"dataset": 1406, "id": 1406, "parameters": 1407, "start": 1402, "time.min": 1402,
                     "stop": 1403, "time.max": 1403, "format": 1409, "include": 1410}  # fmt: skip
    for value in INJECTIONS:
        for param, code in expected_code.items():
            if param == "parameters" and value == "":
                continue  # no name: all the parameters
            for endpoint in ("info", "data"):
                if endpoint == "info" and param not in ("dataset", "id", "parameters"):
                    continue
                query = dict(base_data) if endpoint == "data" else {"dataset": "mag_l2_fields"}
                if param in ("id", "time.min", "time.max"):
                    query.pop({"id": "dataset", "time.min": "start", "time.max": "stop"}[param])
                query[param] = value
                if endpoint == "info":
                    query = {k: v for k, v in query.items() if k in ("dataset", "id", "parameters")}
                status = 404 if code in (1406, 1407) else 400
                for token in (None, archive.tokens["public"]):
                    response = served.get(f"/hapi/{endpoint}", params=query, token=token)
                    what = f"{endpoint} {param}={value[:40]!r}"
                    assert_hapi_error(response, status, code, what)
                    assert_nothing_proprietary(archive, response.content, what)
        for endpoint in ("capabilities", "about", "catalog", "info", "data"):
            response = served.get(f"/hapi/{endpoint}", params={value: "1"} | (
                {"dataset": "mag_l2_fields"} if endpoint in ("info", "data") else {}))  # fmt: skip
            assert_hapi_error(response, 400, 1401, f"{endpoint} key {value[:40]!r}")
    assert_healthy(served)


def test_injections_in_the_quicklook_pages_are_escaped_and_refused(served):
    """The day (path) and the instrument (query) of the quick-look pages: 404/400 HTML pages that echo no
    injected markup; the pages of a real day never carry a script; nothing proprietary."""
    archive = served.archive
    for value in INJECTIONS:
        quoted = urllib.parse.quote(value, safe="")
        for path, params in ((f"/quicklook/{quoted}", None), ("/quicklook/2026-03-21", {"instrument": value}),
                             ("/", {"instrument": value, "day": value})):  # fmt: skip
            response = served.get(path, params=params)
            what = f"{path[:60]} {params and str(params)[:60]}"
            assert response.status_code in ((200,) if path == "/" else (400, 404)), (
                what,
                response.status_code,
            )
            body = response.text.lower()
            assert "<script" not in body and "onerror" not in body and "<img src=x" not in body, what
            assert_nothing_proprietary(archive, response.content, what)
    for path in ("/", "/quicklook/2026-03-21", "/quicklook/2026-03-21?instrument=sxi", "/hapi"):
        page = served.get(path)
        assert page.status_code == 200 and "<script" not in page.text.lower(), path
    assert_healthy(served)


def test_a_very_long_request_is_refused_and_the_server_lives_on(served):
    for n in (20_000, 100_000):
        try:
            response = served.get("/hapi/data", params=PROPRIETARY_MAG | {"parameters": "A" * n})
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # The HTTP server refused the over-long request line and hung up: the unread rest of the
            # request makes the close a reset, which can reach the client before or while it reads the
            # refusal. Either is acceptable; the server must live on (below).
            continue
        # 404: HAPI's 1407 (no such parameter), when the server reads the whole line
        assert response.status_code in (400, 404, 413, 414, 431), response.status_code
        assert_nothing_proprietary(served.archive, response.content, f"{n} characters")
    assert_healthy(served)


# ---------------------------------------------------------------------------------------------------
# Time ranges
# ---------------------------------------------------------------------------------------------------
def test_time_ranges_at_the_proprietary_boundary(served):
    """A request covering public and proprietary products is refused to the public (401, 403 with a
    public token) and served whole to the SWT; one that ends before the first proprietary record (half-open
    ranges) or lies between the products has no data and is no refusal; one reaching a microsecond into
    the proprietary product is refused; the whole of HAPI's valid range (1950 to 2100) likewise."""
    archive = served.archive
    swt, public = archive.tokens["swt"], archive.tokens["public"]
    last_public = archive.public_expected["mag_l2_fields"]["Time"][-1]

    def ask(start, stop, token=None, dataset="mag_l2_fields", fmt="csv"):
        params = {"dataset": dataset, "start": start, "stop": stop, "format": fmt}
        return served.get("/hapi/data", params=params, token=token)

    straddle = ("2026-03-21T00:00:00Z", "2026-03-21T05:00:00Z")
    for fmt in ("csv", "binary", "json"):
        assert_refused(ask(*straddle, fmt=fmt), 401, archive, f"straddle {fmt}")
        assert_refused(ask(*straddle, token=public, fmt=fmt), 403, archive, f"straddle {fmt}, public token")
    assert len(data_lines(ask(*straddle, token=swt))) == archive.expected["mag_l2_fields"]["Time"].size

    after_public = np.datetime_as_string(last_public + np.timedelta64(1, "us"), unit="us") + "Z"
    for start, stop in [
        (after_public, "2026-03-21T04:00:00Z"),
        ("2026-03-21T03:59:59.999999Z", "2026-03-21T04:00:00Z"),
        ("2026-03-21T02:00:00Z", "2026-03-21T03:00:00Z"),
        ("2026-03-21T00:00:00Z", "2026-03-21T04:00:00Z"),  # the public products, up to the proprietary one
    ]:
        for token in (None, public):
            response = ask(start, stop, token)
            assert response.status_code == 200, (start, stop, response.text[:200])
            assert_nothing_proprietary(archive, response.content, f"{start} {stop}")
    public_records = archive.public_expected["mag_l2_fields"]["Time"].size  # two hours of 10-s vectors
    assert len(data_lines(ask("2026-03-21T00:00:00Z", "2026-03-21T04:00:00Z"))) == public_records
    for start, stop in [
        (after_public, "2026-03-21T04:00:00.000001Z"),
        ("2026-03-21T04:59:00Z", "2026-03-21T05:00:00Z"),
        ("1950-01-01T00:00:00Z", "2100-01-01T00:00:00Z"),
        ("1950-001", "2100-001"),
    ]:
        assert_refused(ask(start, stop), 401, archive, f"{start} {stop}")
        assert_refused(ask(start, stop, public), 403, archive, f"{start} {stop}, public token")
    everything = ask("1950-01-01T00:00:00Z", "2100-01-01T00:00:00Z", swt)
    assert len(data_lines(everything)) == archive.expected["mag_l2_fields"]["Time"].size
    # from the last proprietary record's instant: that record is there to refuse
    last = archive.expected["mag_l2_fields"]["Time"][-1]
    response = ask(np.datetime_as_string(last, unit="us") + "Z", "2026-03-21T06:00:00Z")
    assert_refused(response, 401, archive, "the last proprietary record")


def test_out_of_range_inverted_and_malformed_ranges(served):
    base = {"dataset": "mag_l2_fields"}
    cases = [
        ("1949-12-31T23:59:59Z", "2026-03-22", 1405),
        ("2026-03-21", "2100-01-01T00:00:00.000000001Z", 1405),
        ("0001-01-01", "9999-12-31", 1405),
        ("2026-03-21T05:00Z", "2026-03-21T04:00Z", 1404),
        ("2026-03-21T04:00Z", "2026-03-21T04:00Z", 1404),
        ("2026-03-21T04:00:00.000000001Z", "2026-03-21T04:00Z", 1404),
        ("2026-03-22", "2026-03-21", 1404),
        ("2026-13-01", "2026-03-22", 1402),
        ("2026-02-29", "2026-03-22", 1402),
        ("2026-366", "2026-367", 1402),
        ("2026-000", "2026-081", 1402),
        ("2026-03-21T25:00", "2026-03-22", 1402),
        ("2026-03-21T24:00:01", "2026-03-22", 1402),
        ("2026-03-21 00:00", "2026-03-22", 1402),
        ("2026-03-21T00:00+01:00", "2026-03-22", 1402),
        ("20260321", "2026-03-22", 1402),
        ("2026-03-21", "2026-03-22T00:00:00.0000000001Z", 1403),
        ("2026-03-21", "tomorrow", 1403),
    ]
    for start, stop, code in cases:
        for token in (None, served.archive.tokens["swt"]):
            response = served.get("/hapi/data", params=base | {"start": start, "stop": stop}, token=token)
            assert_hapi_error(response, 400, code, f"{start} {stop}")
    for missing in ("start", "stop"):
        params = base | {"start": "2026-03-21", "stop": "2026-03-22"}
        params.pop(missing)
        assert_hapi_error(served.get("/hapi/data", params=params), 400, 1402 if missing == "start" else 1403)


def test_times_with_non_ascii_digits_are_malformed(served):
    for start in ("２０２６-03-21", "٢٠٢٦-03-21", "2026-03-21T00:00:00.５"):
        params = {"dataset": "mag_l2_fields", "start": start, "stop": "2026-03-21T01:00Z"}
        assert_hapi_error(served.get("/hapi/data", params=params), 400, 1402, start)


def test_unknown_duplicate_and_conflicting_parameters(served):
    request = PUBLIC_MAG | {"format": "csv"}
    cases = [
        (request | {"foo": "1"}, 1401),
        (request | {"Dataset": "mag_l2_fields"}, 1401),
        (request | {"dataset ": "mag_l2_fields"}, 1401),
        (request | {"token": served.archive.tokens["swt"]}, 1401),  # a token is a header, not a parameter
        (request | {"access_token": served.archive.tokens["swt"]}, 1401),
        (request | {"parameters": "b_gse,b_gse"}, 1411),
        (request | {"parameters": "b_magnitude,b_gse"}, 1411),
        (request | {"parameters": "b_gse,Time"}, 1411),  # Time comes first, as info lists it
        (request | {"parameters": "b_gse,nope"}, 1407),
        (request | {"parameters": "Epoch"}, 1407),
        (request | {"parameters": "sc_field_body"}, 1407),  # support data, not a parameter
        (request | {"parameters": "quality"}, 1407),
        (request | {"id": "mag_l2_fields"}, 1400),
        (request | {"time.min": request["start"]}, 1400),
        (request | {"time.max": request["stop"]}, 1400),
    ]
    for params, code in cases:
        status = 404 if code == 1407 else 400  # the specification's status of an unknown parameter
        assert_hapi_error(served.get("/hapi/data", params=params), status, code, str(params))
    for key, value in (("dataset", "lia_l2_moments"), ("start", "2026-03-21T04:00Z"), ("format", "json")):
        query = [*request.items(), (key, value)]  # the same parameter twice
        assert_hapi_error(served.get("/hapi/data", params=query), 400, 1400, f"{key} twice")
    proprietary_twice = [*PUBLIC_MAG.items(), ("stop", "2026-03-21T05:00:00Z")]
    assert_hapi_error(served.get("/hapi/data", params=proprietary_twice), 400, 1400)
    assert_hapi_error(served.get("/hapi/info", params={"dataset": "mag_l2_fields", "x": "1"}), 400, 1401)
    assert_hapi_error(served.get("/hapi/capabilities", params={"dataset": "x"}), 400, 1401)
    assert_hapi_error(served.get("/hapi/data", params={"dataset": "nope"} | WHOLE_DAY), 404, 1406)
    assert_hapi_error(served.get("/hapi/info", params={"dataset": "sxi_l2_images"}), 404, 1406)  # FITS
    assert_hapi_error(served.get("/hapi/info", params={"dataset": "mag_ql_fields"}), 404, 1406)  # PNG
    assert_hapi_error(served.get("/hapi/info"), 400, 1400)
    for path in ("/hapi/foo", "/hapi/data/extra", "/hapi/catalogue"):  # no such endpoint: HAPI's JSON, 404
        assert_hapi_error(served.get(path), 404, 1400, path)
    assert served.get("/hapi/catalog/").json()["catalog"]  # a trailing slash still finds its endpoint
    landing = served.get("/hapi/")
    assert landing.status_code == 200 and landing.url.endswith("/hapi"), landing.url
    assert "text/html" in landing.headers["content-type"]


# ---------------------------------------------------------------------------------------------------
# The clock and the PI's releases
# ---------------------------------------------------------------------------------------------------
def test_the_proprietary_period_ends_to_the_second(served):
    """A server whose clock is one second before the end of the proprietary period refuses the public;
    at the end and one second after, the public reads the data (every value) and downloads the files."""
    archive = served.archive
    fits = archive.proprietary_ids["sxi_l2_images"][0]
    until = PROPRIETARY_UNTIL
    for clock, public in ((until - dt.timedelta(seconds=1), False), (until, True),
                          (until + dt.timedelta(seconds=1), True)):  # fmt: skip
        with live_server(archive.folder, url=archive.url, clock=lambda c=clock: c) as base:
            response = requests.get(base + "/hapi/data", params=PROPRIETARY_MAG, timeout=30)
            download = requests.get(f"{base}/products/{fits}", timeout=30)
            if public:
                expected = archive.expected["mag_l2_fields"]["b_magnitude"][-360:]
                assert [float(line.split(",")[-1]) for line in data_lines(response)] == expected.tolist()
                assert download.content == archive.path(fits).read_bytes()
            else:
                assert_refused(response, 401, archive, f"at {clock}")
                assert_refused(download, 401, archive, f"download at {clock}")


#: The releases recorded in the release archive: MAG 04:10-04:30 (approved before the clock), UVI
#: 04:00-04:05 approved after the clock (not yet in force), SXI from 05:00 to its last record's instant.
MAG_RELEASE = (PROPRIETARY_START + np.timedelta64(10, "m"), PROPRIETARY_START + np.timedelta64(30, "m"))
UVI_RELEASE = (PROPRIETARY_START, PROPRIETARY_START + np.timedelta64(5, "m"))
SXI_RELEASE = (DAY + np.timedelta64(5, "h"), DAY + np.timedelta64(355, "m"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def released(request, tmp_path_factory):
    """An archive of its own with PI releases recorded, on a live server at the archive's clock, per
    catalogue back end (as ``served``: tests/service/conftest.py)."""

    def record_releases(archive):
        approved = dt.datetime(2026, 6, 1)
        record_release(archive.folder, "mag", *MAG_RELEASE, pi="max mag", approved_by="sam swt",
                       approved_at=approved, url=archive.url)  # fmt: skip
        record_release(archive.folder, "uvi", *UVI_RELEASE, pi="uma uvi", approved_by="sam swt",
                       approved_at=archive.clock + dt.timedelta(days=1), url=archive.url)  # fmt: skip
        record_release(archive.folder, "sxi", *SXI_RELEASE, pi="pat sxi", approved_by="sam swt",
                       approved_at=approved, datasets=["sxi_l3_boundaries"], url=archive.url)  # fmt: skip

    folder = tmp_path_factory.mktemp(f"released-{request.param}")
    with served_archive(folder, request.param, record_releases) as (archive, base):
        yield archive, base


def _text(t) -> str:
    return np.datetime_as_string(np.datetime64(t, "us"), unit="us") + "Z"


def test_a_pi_release_opens_exactly_its_interval(released):
    """The public reads exactly the released records (every format) and is refused anything reaching a
    microsecond outside the release; the rest of the product stays closed."""
    archive, base = released
    lo, hi = MAG_RELEASE
    expected = archive.expected["mag_l2_fields"]
    inside = (expected["Time"] >= lo) & (expected["Time"] < hi)

    def ask(start, stop, **extra):
        params = {"dataset": "mag_l2_fields", "start": _text(start), "stop": _text(stop)} | extra
        return requests.get(base + "/hapi/data", params=params, timeout=30)

    response = ask(lo, hi)
    rows = [line.split(",") for line in data_lines(response)]
    assert len(rows) == inside.sum() == 120
    assert [r[0] for r in rows] == [_text(t) for t in expected["Time"][inside]]
    assert [float(r[-1]) for r in rows] == expected["b_magnitude"][inside].tolist()
    assert np.array([[float(x) for x in r[1:4]] for r in rows]).tolist() == expected["b_gse"][inside].tolist()
    binary = ask(lo, hi, format="binary")
    assert binary.status_code == 200 and len(binary.content) == 120 * (27 + 8 * 7)
    assert ask(lo + np.timedelta64(5, "m"), hi - np.timedelta64(5, "m")).status_code == 200
    us = np.timedelta64(1, "us")
    hour = np.timedelta64(1, "h")
    for start, stop in [(lo - us, hi), (lo, hi + us), (PROPRIETARY_START, hi), (lo, PROPRIETARY_START + hour),
                        (hi, hi + np.timedelta64(1, "m"))]:  # fmt: skip
        refused = ask(start, stop)
        assert refused.status_code == 401, (start, stop)
        for t in expected["Time"][~inside & (expected["Time"] >= PROPRIETARY_START)]:
            assert _text(t).encode() not in refused.content
    # the release is of MAG: SXI and UVI stay closed, and the PI of UVI's release is not yet approved
    for dataset in ("sxi_l3_boundaries", "uvi_l3_boundaries"):
        params = {
            "dataset": dataset,
            "start": _text(PROPRIETARY_START),
            "stop": _text(PROPRIETARY_START + np.timedelta64(5, "m")),
        }
        assert requests.get(base + "/hapi/data", params=params, timeout=30).status_code == 401, dataset
    # downloads are of whole products: the MAG product is not all released
    product = archive.proprietary_ids["mag_l2_fields"][0]
    assert requests.get(f"{base}/products/{product}", timeout=30).status_code == 401


def test_a_release_ending_at_a_products_last_record_does_not_open_that_record(released):
    """SXI's release ends at the instant of the product's last record (half-open: that record stays
    closed). The catalogue must keep the product's end after its last record (it was once cut to the
    microsecond, onto the record: the policy then found the request all released and the service sent the
    closed record, an SXI sentinel)."""
    archive, base = released
    params = {"dataset": "sxi_l3_boundaries", "start": _text(SXI_RELEASE[0]), "stop": "2026-03-21T06:00:00Z"}
    response = requests.get(base + "/hapi/data", params=params, timeout=30)
    assert_refused(response, 401, archive, "the last record of SXI's product, not released")
    inside = {"dataset": "sxi_l3_boundaries", "start": _text(SXI_RELEASE[0]), "stop": _text(SXI_RELEASE[1])}
    rows = data_lines(requests.get(base + "/hapi/data", params=inside, timeout=30))
    assert len(rows) == 11 and all(str(SENTINELS["sxi_l3_boundaries"][1]) in row for row in rows)
