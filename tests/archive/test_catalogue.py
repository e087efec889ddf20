"""The archive's catalogue: ingest of real products, versions, refusals, a killed ingest finished.

Every test that touches the catalogue runs on both back ends (the fixture ``catalogue_url``,
``tests/conftest.py``): the archive's embedded SQLite file and a fresh database on a real PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading

import numpy as np
import pytest

from smilekit.archive import catalogue as catalogue_module
from smilekit.archive.catalogue import (
    DATABASE_FILE,
    ingest,
    init_archive,
    list_products,
    product_time_range,
)
from smilekit.errors import InputError
from testsupport.archive import drop_tables, write_products


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    """A MAG L1 CDF (two versions), an SXI L1 event list and its L2 image (FITS)."""
    return write_products(tmp_path_factory.mktemp("products"))


def test_products_are_catalogued_with_their_time_range_checksum_and_versions(
    tmp_path, products, catalogue_url
):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    files = [*products["mag"], *products["sxi"]]
    results = ingest(archive, files, received="2026-04-01T00:00", url=catalogue_url)
    assert [r["status"] for r in results] == ["ingested"] * 4
    rows = {r["name"]: r for r in list_products(archive, url=catalogue_url)}
    assert set(rows) == {f.name for f in files}
    for f in files:
        row = rows[f.name]
        assert row["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert (archive / row["path"]).read_bytes() == f.read_bytes()  # the archived copy
        assert row["received"] == "2026-04-01T00:00:00"
    v1, v2 = (rows[f.name] for f in products["mag"])
    assert (v1["version"], v1["current"], v2["version"], v2["current"]) == (1, False, 2, True)
    assert v2["provenance"]["inputs"] == [v1["name"]] and v1["provenance"] is None
    times = products["times"]
    # [start, stop) holds every record: the stop is the last record + 1 ns, rounded up to the microsecond
    assert v1["start"] == str(times[0])[:19] and v1["stop"] == str(times[-1])[:19] + ".000001"
    sxi1 = rows[products["sxi"][0].name]
    assert (sxi1["start"], sxi1["stop"]) == ("2026-03-21T06:00:00", "2026-03-21T06:01:00")
    assert rows[products["sxi"][1].name]["dataset"] == "sxi_l2_images"
    assert [
        r["name"] for r in list_products(archive, url=catalogue_url, instrument="MAG", current_only=True)
    ] == [v2["name"]]


def test_ingesting_again_changes_nothing_and_a_clash_is_refused(tmp_path, products, catalogue_url):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    ingest(archive, products["sxi"], received="2026-04-01T00:00:00.0000001", url=catalogue_url)
    # the proprietary period counts from the receipt, rounded up to the microsecond: never shortened
    received = {r["received"] for r in list_products(archive, url=catalogue_url)}
    assert received == {"2026-04-01T00:00:00.000001"}
    again = ingest(archive, products["sxi"], url=catalogue_url)
    assert [r["status"] for r in again] == ["present", "present"]
    assert len(list_products(archive, url=catalogue_url)) == 2
    clash = tmp_path / products["sxi"][0].name
    shutil.copy(products["sxi"][1], clash)  # other content under an archived name
    (result,) = ingest(archive, [clash], url=catalogue_url)
    assert (
        result["status"] == "refused" and "other content" in result["reason"] and "_v02" in result["reason"]
    )


def test_bad_files_are_refused_with_the_reason_and_the_others_go_in(tmp_path, products, catalogue_url):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    garbage = tmp_path / "smile_mag_l2_fields_20260321T060000_v01.cdf"
    garbage.write_bytes(b"\x00not a cdf" * 100)
    misnamed = tmp_path / "my_data.cdf"
    shutil.copy(products["mag"][0], misnamed)
    results = ingest(
        archive, [garbage, misnamed, tmp_path / "missing.cdf", products["mag"][0]], url=catalogue_url
    )
    assert [r["status"] for r in results] == ["refused", "refused", "refused", "ingested"]
    assert "cannot read its time range" in results[0]["reason"]
    assert "my_data.cdf" in results[1]["reason"] and "no such file" in results[2]["reason"]
    assert [r["name"] for r in list_products(archive, url=catalogue_url)] == [products["mag"][0].name]
    assert not list((archive / "products" / "mag" / "l2").glob("*"))  # nothing of the refused file kept


def test_an_ingest_killed_after_the_copy_is_completed_by_the_next(tmp_path, products, catalogue_url):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    f = products["sxi"][1]
    target = archive / "products" / "sxi" / "l2" / f.name
    target.parent.mkdir(parents=True)
    shutil.copy(f, target)  # the state a kill -9 between the rename and the commit leaves: a file, no row
    assert list_products(archive, url=catalogue_url) == []
    (result,) = ingest(archive, [f], url=catalogue_url)
    assert result["status"] == "ingested" and len(list_products(archive, url=catalogue_url)) == 1


def _ingest_at_once(archive, files, url, monkeypatch) -> list:
    """Ingest each file in its own thread at the same time, each held after its copy into the archive until
    the other has made its copy too (3 s at most), so that both look for their row and write it together:
    the interleaving that, with the row written after the file was placed, left one ingest's row beside the
    other's file."""
    real = catalogue_module.staged_copy
    both = threading.Barrier(len(files))

    @contextlib.contextmanager
    def held_copy(source, target):
        with real(source, target) as place:
            try:
                both.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
            yield place

    monkeypatch.setattr(catalogue_module, "staged_copy", held_copy)
    results: dict = {}

    def run(f):
        results[f] = ingest(archive, [f], url=url)[0]

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results[f] for f in files]


def test_two_ingests_of_one_name_at_once_leave_one_row_with_its_own_file(
    tmp_path, products, catalogue_url, monkeypatch
):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    name = products["mag"][0].name
    first, second = tmp_path / "a" / name, tmp_path / "b" / name  # one name, two contents
    for path, source in ((first, products["mag"][0]), (second, products["mag"][1])):
        path.parent.mkdir()
        shutil.copy(source, path)
    results = _ingest_at_once(archive, [first, second], catalogue_url, monkeypatch)
    assert sorted(r["status"] for r in results) == ["ingested", "refused"], results
    (row,) = list_products(archive, url=catalogue_url)
    placed = archive / row["path"]
    assert hashlib.sha256(placed.read_bytes()).hexdigest() == row["sha256"]
    assert placed.stat().st_mode & 0o777 == 0o644  # shared, as every product the archive writes
    assert [p.name for p in placed.parent.iterdir()] == [placed.name]  # the refused copy not left behind


def test_an_ingest_is_not_kept_waiting_by_another_ones_copy(tmp_path, products, catalogue_url, monkeypatch):
    """While one ingest copies its (large) file into the archive, another product goes in at once: the copy
    is made before the catalogue is written to, so a SQLite catalogue is not locked for its length (pysqlite
    gives up after 5 s)."""
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    slow, quick = products["sxi"]
    real, in_copy, other_done = catalogue_module.staged_copy, threading.Event(), threading.Event()

    @contextlib.contextmanager
    def slow_copy(source, target):
        with real(source, target) as place:
            if source == slow:
                in_copy.set()
                other_done.wait(timeout=10)
            yield place

    monkeypatch.setattr(catalogue_module, "staged_copy", slow_copy)
    results = {}
    copying = threading.Thread(target=lambda: results.update(slow=ingest(archive, [slow], url=catalogue_url)))
    copying.start()
    try:
        assert in_copy.wait(timeout=30)
        results["quick"] = ingest(archive, [quick], url=catalogue_url)
    finally:
        other_done.set()
        copying.join()
    assert [results[k][0]["status"] for k in ("quick", "slow")] == ["ingested", "ingested"], results


def test_two_versions_ingested_at_once_leave_the_highest_current(
    tmp_path, products, catalogue_url, monkeypatch
):
    archive = init_archive(tmp_path / "archive", url=catalogue_url)
    ingest(archive, [products["mag"][0]], url=catalogue_url)
    v2 = products["mag"][1]
    v3 = tmp_path / v2.name.replace("_v02.", "_v03.")
    shutil.copy(v2, v3)
    results = _ingest_at_once(archive, [v2, v3], catalogue_url, monkeypatch)
    rows = list_products(archive, url=catalogue_url)
    current = [r["version"] for r in rows if r["current"]]
    if catalogue_url is not None:  # PostgreSQL serialises the two (SQLite may refuse one: database locked)
        assert [r["status"] for r in results] == ["ingested", "ingested"] and len(rows) == 3, results
    assert len(rows) >= 2 and current == [max(r["version"] for r in rows)], rows


def test_not_an_archive_is_said_plainly(tmp_path, products, catalogue_url):
    with pytest.raises(InputError, match="is not an archive"):
        ingest(tmp_path / "nowhere", products["sxi"], url=catalogue_url)
    init_archive(tmp_path / "a", url=catalogue_url)
    if catalogue_url is None:  # the catalogue lost: its file, or its tables in the server's database
        (tmp_path / "a" / DATABASE_FILE).unlink()
    else:
        drop_tables(catalogue_url)
    with pytest.raises(InputError, match="archive init"):
        list_products(tmp_path / "a", url=catalogue_url)


def test_time_range_of_a_cdf_holds_its_last_record(products):
    start, stop = product_time_range(products["mag"][0])
    times = products["times"]
    assert start == times[0] and stop == times[-1] + np.timedelta64(1, "ns")


def test_the_command_line_inits_ingests_and_lists(tmp_path, products, catalogue_url):
    from typer.testing import CliRunner

    from smilekit.cli import app

    runner = CliRunner()
    archive = tmp_path / "archive"
    database = [] if catalogue_url is None else ["--url", catalogue_url]
    assert runner.invoke(app, ["archive", "init", str(archive), *database]).exit_code == 0
    bad = tmp_path / "smile_sxi_l1_events_20260321T060000_v09.fits"
    bad.write_bytes(b"SIMPLE  = garbage")
    files = [str(f) for f in products["mag"]] + [str(bad)]
    result = runner.invoke(
        app, ["archive", "ingest", str(archive), *files, "--received", "2026-04-01", *database]
    )
    assert result.exit_code == 1, result.output  # one refused, the others in
    assert result.output.count("ingested") == 2 and "refused" in result.output
    listed = runner.invoke(app, ["archive", "list", str(archive), "--current", *database])
    assert listed.exit_code == 0 and "1 products" in listed.output and "2*" in listed.output
    missing = runner.invoke(app, ["archive", "list", str(tmp_path / "nothing"), *database])
    assert missing.exit_code == 2 and "is not an archive" in missing.output
