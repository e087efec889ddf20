"""Product downloads and quick-look figures of the archive's service: every product comes back byte for byte
(its catalogue SHA-256) to whoever may read it, under its name; the figures are public with the
not-for-publication notice; a range or a HEAD request is policed like a whole download; a file missing from
the archive is 410, and a catalogue row pointing outside the archive serves nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest
import requests

from smilekit.archive.policy import QUICKLOOK_NOTICE
from testsupport.service import live_server


def test_every_product_downloads_exactly_to_whoever_may_read_it(served):
    """The SWT downloads every product, the public the public ones and the quick-looks (those of
    proprietary data included), each byte for byte under its product name."""
    archive = served.archive
    proprietary = {i for ids in archive.proprietary_ids.values() for i in ids}
    for product, record in archive.records.items():
        for token in (archive.tokens["swt"], None):
            response = served.get(f"/products/{product}", token=token)
            if token is None and product in proprietary:
                assert response.status_code == 401, record["name"]
                continue
            assert response.status_code == 200, (record["name"], response.text[:200])
            assert hashlib.sha256(response.content).hexdigest() == record["sha256"], record["name"]
            assert response.headers["content-type"] == "application/octet-stream"
            assert f'filename="{record["name"]}"' in response.headers["content-disposition"]
    assert {archive.records[i]["level"] for i in archive.products["mag_ql_fields"]} == {"ql"}


def test_quicklook_figures_are_public_with_the_notice(served):
    archive = served.archive
    for figure in archive.products["mag_ql_fields"]:
        response = served.get(f"/quicklook/figure/{figure}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-smile-notice"] == QUICKLOOK_NOTICE
        assert response.content == archive.path(figure).read_bytes()
    for not_a_figure in (archive.products["mag_l2_fields"][0], archive.products["sxi_l2_images"][0]):
        assert served.get(f"/quicklook/figure/{not_a_figure}").status_code == 404


def test_ranges_and_head_requests_are_policed_like_downloads(served):
    archive = served.archive
    public = archive.public_ids["mag_l2_fields"][0]
    closed = archive.proprietary_ids["mag_l2_fields"][0]
    part = served.get(f"/products/{public}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == archive.path(public).read_bytes()[100:200]
    for headers in ({"Range": "bytes=0-99"}, {"Range": "bytes=-100"}, {"If-Range": "x", "Range": "bytes=0-"}):
        refused = served.get(f"/products/{closed}", headers=headers)
        assert refused.status_code == 401 and refused.json()["detail"], headers  # a message, not the bytes
        assert archive.path(closed).read_bytes()[:200] not in refused.content, headers
    head = requests.head(f"{served.base}/products/{closed}", timeout=30)
    assert head.status_code == 401 and head.content == b""
    swt = {"Authorization": f"Bearer {archive.tokens['swt']}"}
    ok = requests.head(f"{served.base}/products/{closed}", headers=swt, timeout=30)
    assert ok.status_code == 200 and ok.content == b""  # the size without the bytes, to whom may read them
    assert int(ok.headers["content-length"]) == archive.path(closed).stat().st_size


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_missing_files_and_rows_pointing_outside_the_archive_serve_nothing(served, tmp_path):
    """On a copy of the archive: a public product whose file was lost is 410; a lost proprietary one is
    still 401 to the public (the policy answers first) and 410 to the SWT; a row whose path leads out of
    the archive (a product to the catalogue, a quick-look to a PNG beside the archive) is 410, not the
    file."""
    archive = served.archive
    copy = tmp_path / "archive"
    shutil.copytree(archive.folder, copy)
    lost_public = archive.public_ids["mag_l2_fields"][0]
    lost_closed = archive.proprietary_ids["mag_l2_fields"][0]
    for product in (lost_public, lost_closed):
        (copy / archive.records[product]["path"]).unlink()
    outside_product = archive.public_ids["lia_l2_moments"][0]
    outside_figure = archive.products["mag_ql_fields"][0]
    (tmp_path / "outside.png").write_bytes(archive.path(outside_figure).read_bytes())
    with sqlite3.connect(copy / "catalogue.sqlite") as db:
        db.execute(
            "UPDATE products SET path = ? WHERE id = ?", ("products/../catalogue.sqlite", outside_product)
        )
        db.execute("UPDATE products SET path = ? WHERE id = ?", ("../outside.png", outside_figure))
    swt = {"Authorization": f"Bearer {archive.tokens['swt']}"}
    with live_server(copy, clock=lambda: archive.clock) as base:

        def get(path, headers=None):
            return requests.get(base + path, headers=headers or {}, timeout=30)

        assert get(f"/products/{lost_public}").status_code == 410
        assert get(f"/products/{lost_closed}").status_code == 401
        assert get(f"/products/{lost_closed}", swt).status_code == 410
        for response in (get(f"/products/{outside_product}"), get(f"/products/{outside_product}", swt)):
            assert response.status_code == 410 and b"SQLite format 3" not in response.content
        figure = get(f"/quicklook/figure/{outside_figure}")
        assert figure.status_code == 410 and not figure.content.startswith(b"\x89PNG")
        assert get("/health").status_code == 200
    # HAPI data over a lost file: HAPI's 1500 naming it before any record, not a 200 cut short (here the
    # dataset's newest file, which HAPI reads the parameters from, is there; then it is lost too)
    row = archive.records[lost_public]
    query = {"dataset": "mag_l2_fields", "start": row["start"] + "Z", "stop": row["stop"] + "Z"}
    only_one = tmp_path / "only-one-lost"
    shutil.copytree(archive.folder, only_one)
    (only_one / row["path"]).unlink()
    for folder, lost in ((only_one, row["name"]), (copy, archive.records[lost_closed]["name"])):
        with live_server(folder, clock=lambda: archive.clock) as base:
            hapi = requests.get(base + "/hapi/data", params=query, timeout=30)
        assert hapi.status_code == 500 and hapi.json()["status"]["code"] == 1500, hapi.text[:300]
        assert f"{lost} is missing" in hapi.json()["status"]["message"]
