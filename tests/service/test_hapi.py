"""HAPI 3.2 of the archive's service, end to end: the community's client (hapiclient) reads every time-series
dataset back from a live server, in binary and CSV, and gets exactly the values the products hold (cdflib's
reading of the archived files, fill values as written); a proprietary dataset read with an SWT token as a
user would send it; and, with plain HTTP, the conformance of the endpoints to the specification
(github.com/hapi-server/data-specification, version 3.2): the JSON of capabilities, about, catalog and info,
the parameters subset, the header, the CSV, binary and JSON records, no data (1201), the time formats and
the HAPI 2 aliases.
"""

from __future__ import annotations

import csv
import functools
import io
import json

import cdflib
import numpy as np
import pytest
import urllib3
from hapiclient import hapi

from testsupport.service_archive import DAY, PROPRIETARY_START, PUBLIC_END

HAPI_OPTIONS = {"cache": False, "usecache": False, "logging": False}
#: HAPI's status codes of a successful request.
OK, NO_DATA = 1200, 1201


def hapi_time(t) -> str:
    """A HAPI time to the second (``YYYY-MM-DDThh:mm:ssZ``) of a datetime64."""
    return np.datetime_as_string(np.datetime64(t, "s"), unit="s") + "Z"


def time_text(times) -> np.ndarray:
    """HAPI's ``Time`` column as the service writes it (microseconds), as bytes (hapiclient's reading)."""
    return np.char.add(np.datetime_as_string(np.asarray(times, "datetime64[us]"), unit="us"), "Z").astype(
        "S27"
    )


def public_range(served, dataset: str) -> tuple[str, str]:
    """A request's start and stop covering all of the dataset's public records and no proprietary one."""
    times = served.archive.public_expected[dataset]["Time"]
    return hapi_time(times[0]), hapi_time(times[-1] + np.timedelta64(1, "s"))


def within(values: dict, start, stop) -> dict:
    """The records of ``values`` (a dataset's expected values) in ``[start, stop)``."""
    t = values["Time"]
    keep = (t >= np.datetime64(start.rstrip("Z"), "ns")) & (t < np.datetime64(stop.rstrip("Z"), "ns"))
    return {k: v[keep] for k, v in values.items()}


def assert_same_records(data: np.ndarray, expected: dict) -> None:
    """hapiclient's structured array holds exactly ``expected``'s records: times to the microsecond and
    every parameter's values bit for bit (fill values included)."""
    assert list(data.dtype.names) == list(expected), "the parameters, in the dataset's order"
    np.testing.assert_array_equal(data["Time"], time_text(expected["Time"]))
    for name in list(expected)[1:]:
        got, want = data[name], expected[name]
        assert got.shape == want.shape, name
        np.testing.assert_array_equal(got, want, err_msg=name, strict=False)


def hapi_read(served, tmp_path, dataset, start, stop, fmt, parameters=""):
    return hapi(served.base + "/hapi", dataset, parameters, start, stop, format=fmt,
                cachedir=str(tmp_path), **HAPI_OPTIONS)  # fmt: skip


def data_text(served, token=None, **params) -> str:
    response = served.get("/hapi/data", params=params, token=token)
    assert response.status_code == 200, response.text
    return response.text


def hapi_error(response, http_status: int, code: int) -> dict:
    """Check a HAPI error response (HTTP status, HAPI 3.2 JSON body with the code); return the body."""
    assert response.status_code == http_status, response.text
    body = response.json()
    assert body["HAPI"] == "3.2"
    assert body["status"]["code"] == code, body
    assert isinstance(body["status"]["message"], str) and body["status"]["message"]
    return body


# ---------------------------------------------------------------------------------------------------
# hapiclient: every dataset, exactly
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["binary", "csv"])
def test_hapiclient_reads_every_public_dataset_exactly(served, tmp_path, fmt):
    """Without a token, every dataset's public records (the whole of the spacecraft's and auxiliary ones)
    read back bit for bit through hapiclient."""
    archive = served.archive
    assert sorted(archive.public_expected) == [d for d in archive.datasets if d != "uvi_l3_boundaries"]
    for dataset, expected in archive.public_expected.items():
        start, stop = public_range(served, dataset)
        data, meta = hapi_read(served, tmp_path, dataset, start, stop, fmt)
        assert meta["status"]["code"] == OK, dataset
        assert data.size == expected["Time"].size > 1, dataset
        assert_same_records(data, expected)


@pytest.mark.parametrize("fmt", ["binary", "csv"])
def test_hapiclient_reads_proprietary_data_with_an_swt_token(served, tmp_path, monkeypatch, fmt):
    """hapiclient sends no headers of its own; a user wraps urllib3's PoolManager (which it opens per
    request) so that every request carries ``Authorization: Bearer TOKEN``. With the SWT's token the whole
    of every dataset reads back, the proprietary products included; with the UVI PI's, UVI's."""
    archive = served.archive
    pool = urllib3.PoolManager

    def with_token(token):
        monkeypatch.setattr(urllib3, "PoolManager", functools.partial(pool, headers={
            "Authorization": f"Bearer {token}"}))  # fmt: skip

    with_token(archive.tokens["swt"])
    for dataset in ("mag_l2_fields", "sxi_l3_boundaries", "uvi_l3_boundaries"):
        expected = archive.expected[dataset]
        data, meta = hapi_read(served, tmp_path, dataset, hapi_time(DAY), hapi_time(DAY + 86400 * 10**9), fmt)
        assert meta["status"]["code"] == OK
        assert_same_records(data, expected)
        assert (expected["Time"] >= PROPRIETARY_START).any()
    with_token(archive.tokens["pi_uvi"])
    data, _ = hapi_read(served, tmp_path, "uvi_l3_boundaries", "2026-03-21T04:00Z", "2026-03-21T04:05Z", fmt)
    assert_same_records(
        data, within(archive.expected["uvi_l3_boundaries"], "2026-03-21T04:00Z", "2026-03-21T04:05Z")
    )


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_hapiclient_reads_a_subset_of_parameters(served, tmp_path):
    start, stop = public_range(served, "lia_l2_moments")
    data, meta = hapi_read(
        served, tmp_path, "lia_l2_moments", start, stop, "binary", "velocity_p,pressure_tensor_a"
    )
    expected = served.archive.expected["lia_l2_moments"]
    assert [p["name"] for p in meta["parameters"]] == ["Time", "velocity_p", "pressure_tensor_a"]
    assert_same_records(data, {k: expected[k] for k in ("Time", "velocity_p", "pressure_tensor_a")})


# ---------------------------------------------------------------------------------------------------
# Conformance, with plain HTTP
# ---------------------------------------------------------------------------------------------------
def test_capabilities_about_and_catalog(served):
    capabilities = served.get("/hapi/capabilities")
    assert capabilities.status_code == 200
    assert capabilities.headers["content-type"].startswith("application/json")
    body = capabilities.json()
    assert body["HAPI"] == "3.2" and body["status"] == {"code": 1200, "message": "OK"}
    assert {"csv", "binary", "json"} <= set(body["outputFormats"])

    about = served.get("/hapi/about").json()
    assert about["HAPI"] == "3.2" and about["status"]["code"] == OK
    for key in ("id", "title", "contact"):  # required by HAPI 3.2, sec. 3.3
        assert isinstance(about[key], str) and about[key]

    catalog = served.get("/hapi/catalog").json()
    assert catalog["HAPI"] == "3.2" and catalog["status"]["code"] == OK
    assert [entry["id"] for entry in catalog["catalog"]] == served.archive.datasets
    assert all(isinstance(entry.get("title"), str) for entry in catalog["catalog"])
    # the FITS products and the quick-looks are downloads, not time series
    assert not {"sxi_l2_images", "sxi_l1_events", "mag_ql_fields"} & {e["id"] for e in catalog["catalog"]}

    landing = served.get("/hapi")
    assert landing.status_code == 200 and "/hapi/catalog" in landing.text


def test_info_describes_each_dataset_as_its_cdf_does(served):
    """info: startDate and stopDate the first and last records' times, then Time (isotime, 27 characters)
    and every time series with its type, units, size and fill as the CDF's attributes give them."""
    archive = served.archive
    for dataset in archive.datasets:
        body = served.get("/hapi/info", params={"dataset": dataset}).json()
        assert body["HAPI"] == "3.2" and body["status"]["code"] == OK
        first, last = archive.times[dataset]
        assert body["startDate"] == hapi_time(first)
        stop_date = np.datetime64(body["stopDate"].rstrip("Z"), "ns")  # the end of the last record
        assert last <= stop_date <= last + np.timedelta64(1, "s"), body["stopDate"]
        time, *parameters = body["parameters"]
        assert time == {"name": "Time", "type": "isotime", "units": "UTC", "fill": None, "length": 27}
        expected = archive.expected[dataset]
        assert [p["name"] for p in parameters] == list(expected)[1:]
        cdf = cdflib.CDF(str(archive.path(archive.products[dataset][-1])))
        for p in parameters:
            attrs, values = cdf.varattsget(p["name"]), expected[p["name"]]
            assert p["type"] == ("double" if values.dtype.kind == "f" else "integer"), p
            assert p.get("size", []) == list(values.shape[1:]), p
            assert (p["units"] or " ").strip() == str(attrs["UNITS"]).strip(), p
            fill = np.atleast_1d(attrs["FILLVAL"])[0]
            assert float(p["fill"]) == float(fill), p
            assert isinstance(p["description"], str)


def test_info_and_data_give_a_subset_of_parameters(served):
    info = served.get("/hapi/info", params={"dataset": "mag_l2_fields", "parameters": "b_gsm,b_magnitude"})
    assert [p["name"] for p in info.json()["parameters"]] == ["Time", "b_gsm", "b_magnitude"]
    text = data_text(served, dataset="mag_l2_fields", start="2026-03-21T00:00Z", stop="2026-03-21T00:10Z",
                     parameters="b_gsm,b_magnitude")  # fmt: skip
    times, values = csv_rows(text)
    expected = within(served.archive.expected["mag_l2_fields"], "2026-03-21T00:00Z", "2026-03-21T00:10Z")
    assert values.shape == (60, 3 + 1)
    np.testing.assert_array_equal(times, time_text(expected["Time"]))
    np.testing.assert_array_equal(values[:, :3], expected["b_gsm"])
    np.testing.assert_array_equal(values[:, 3], expected["b_magnitude"])


def csv_rows(text: str) -> tuple[np.ndarray, np.ndarray]:
    """HAPI CSV records read with the standard library: the times (bytes) and the values (Python's float
    reads the shortest text of a double back to the same double)."""
    rows = list(csv.reader(io.StringIO(text)))
    times = np.array([row[0] for row in rows], dtype="S27")
    return times, np.array([[float(x) for x in row[1:]] for row in rows]).reshape(len(rows), -1)


def split_header(text: str) -> tuple[dict, str]:
    lines = text.splitlines(keepends=True)
    header = [line[1:] for line in lines if line.startswith("#")]
    return json.loads("".join(header)), "".join(line for line in lines if not line.startswith("#"))


def test_csv_with_header_json_and_binary_hold_the_same_records(served):
    """include=header: the info (with status and format) as JSON, each line behind a '#'; CSV values read
    back exactly (float text round-trips); the JSON format's rows equal them; the binary records are the
    time as 27 ASCII bytes then little-endian doubles (int32 for integers), in the info's order."""
    archive = served.archive
    for dataset in ("sc_l2_ephemeris", "lia_l2_moments", "aux_l2_solarwind"):
        params = {"dataset": dataset, "start": "2026-03-21T00:00Z", "stop": "2026-03-21T00:30Z"}
        expected = within(archive.expected[dataset], params["start"], params["stop"])
        n = expected["Time"].size
        header, body = split_header(data_text(served, include="header", **params))
        assert header["HAPI"] == "3.2" and header["status"]["code"] == OK and header["format"] == "csv"
        assert [p["name"] for p in header["parameters"]] == list(expected)
        times, values = csv_rows(body)
        np.testing.assert_array_equal(times, time_text(expected["Time"]))
        flat = np.hstack([expected[k].reshape(n, -1) for k in list(expected)[1:]])
        np.testing.assert_array_equal(values, flat)

        document = json.loads(data_text(served, format="json", **params))
        assert document["HAPI"] == "3.2" and document["status"]["code"] == OK and document["format"] == "json"
        assert [p["name"] for p in document["parameters"]] == list(expected)
        assert len(document["data"]) == n
        for i, row in enumerate(document["data"]):
            assert row[0] == time_text(expected["Time"][i : i + 1])[0].decode()
            assert np.hstack([np.ravel(v) for v in row[1:]]).tolist() == flat[i].tolist()

        raw = served.get("/hapi/data", params=params | {"format": "binary"})
        assert raw.status_code == 200 and raw.headers["content-type"] == "application/octet-stream"
        fields = [("Time", "S27")] + [
            (k, "<f8" if v.dtype.kind == "f" else "<i4", v.shape[1:]) for k, v in list(expected.items())[1:]
        ]
        record = np.dtype(fields)
        assert record.itemsize == 27 + sum(
            (8 if v.dtype.kind == "f" else 4) * int(np.prod(v.shape[1:])) for v in list(expected.values())[1:]
        )
        assert len(raw.content) == n * record.itemsize
        records = np.frombuffer(raw.content, dtype=record)
        np.testing.assert_array_equal(records["Time"], time_text(expected["Time"]))
        for k in list(expected)[1:]:
            np.testing.assert_array_equal(records[k], expected[k], strict=False)
    # the ephemeris has an integer time series: int32 in binary
    assert archive.expected["sc_l2_ephemeris"]["sxi_shutter_open"].dtype.kind == "i"


def test_a_range_without_data_is_1201_and_an_empty_body(served):
    """Between the public and the proprietary products there are no data: HTTP 200, HAPI 1201 in the
    header, no record (asked by anyone: there is nothing there to refuse)."""
    params = {
        "dataset": "mag_l2_fields",
        "start": hapi_time(PUBLIC_END),
        "stop": hapi_time(PROPRIETARY_START),
    }
    header, body = split_header(data_text(served, include="header", **params))
    assert header["status"]["code"] == NO_DATA and body == ""
    plain = served.get("/hapi/data", params=params)
    assert plain.status_code == 200 and plain.content == b"" and plain.headers["X-HAPI-Status"] == "1201"
    binary = served.get("/hapi/data", params=params | {"format": "binary"})
    assert binary.status_code == 200 and binary.content == b""
    document = served.get("/hapi/data", params=params | {"format": "json"}).json()
    assert document["status"]["code"] == NO_DATA and document["data"] == []
    before = served.get("/hapi/data", params=params | {"start": "2025-01-01", "stop": "2025-01-02"})
    assert before.status_code == 200 and before.content == b""


def test_time_formats_truncated_times_and_the_hapi2_aliases(served):
    """Day-of-year dates, truncated times with or without Z and fractions all name the same instants;
    id, time.min and time.max (HAPI 2) are dataset, start and stop."""
    reference = data_text(served, dataset="lia_l2_moments", start="2026-03-21T00:00:00.000Z",
                          stop="2026-03-21T00:30:00.000000Z")  # fmt: skip
    assert len(reference.splitlines()) == 30
    for start, stop in [
        ("2026-080", "2026-080T00:30"),
        ("2026-080T00Z", "2026-080T00:30:00Z"),
        ("2026-03-21", "2026-03-21T00:30"),
        ("2026-03-21T00", "2026-03-21T00:30:00"),
        ("2026-03-21T00:00Z", "2026-03-21T00:29:00.5Z"),
        ("2026-03-20T24:00Z", "2026-03-21T00:29:00.000000001"),
    ]:
        assert data_text(served, dataset="lia_l2_moments", start=start, stop=stop) == reference, (start, stop)
    aliases = {"id": "lia_l2_moments", "time.min": "2026-080", "time.max": "2026-080T00:30Z"}
    assert data_text(served, **aliases) == reference
    info = served.get("/hapi/info", params={"id": "lia_l2_moments"}).json()
    assert info["status"]["code"] == OK
    both = served.get("/hapi/data", params=aliases | {"dataset": "lia_l2_moments"})
    hapi_error(both, 400, 1400)  # one of dataset or id


def test_a_request_from_startdate_to_stopdate_gets_every_record(served):
    info = served.get("/hapi/info", params={"dataset": "lia_l2_moments"}).json()
    text = data_text(served, dataset="lia_l2_moments", start=info["startDate"], stop=info["stopDate"])
    assert len(text.splitlines()) == served.archive.expected["lia_l2_moments"]["Time"].size


def test_a_request_starting_at_a_products_last_record_gets_it(served):
    last = served.archive.public_expected["mag_l2_fields"]["Time"][-1]  # 01:59:50, end of the 2nd product
    text = data_text(served, dataset="mag_l2_fields", start=hapi_time(last), stop=hapi_time(PUBLIC_END))
    assert text.startswith(time_text([last])[0].decode())
