"""The archive's users, tokens and PI releases (smilekit.archive.access), on SQLite and PostgreSQL, and the
auxiliary files (ephemeris, solar wind) archived as products."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3

import astropy.units as u
import cdflib
import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smilekit.archive.access import (
    add_user,
    authenticate,
    list_releases,
    list_users,
    record_release,
    releases_in,
    revoke_user,
)
from smilekit.archive.catalogue import DATABASE_FILE, database_url, ingest, init_archive, list_products
from smilekit.archive.policy import Holding, User, readable_intervals
from smilekit.cli import app
from smilekit.errors import InputError
from smilekit.mission import kepler_track, sample_times, science_orbit
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.solar_wind_cdf import read_solar_wind_cdf
from smilekit.solarwind.readers import read_solar_wind
from testsupport.solarwind_files import truth, write_csv


@contextlib.contextmanager
def _session(archive, url):
    engine = create_engine(database_url(archive, url))
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def test_a_token_is_shown_once_kept_as_its_hash_and_revoked(tmp_path, catalogue_url):
    archive = init_archive(tmp_path / "a", url=catalogue_url)
    token = add_user(archive, "Ann", "pi", "SXI", url=catalogue_url)
    other = add_user(archive, "Bob", "swt", url=catalogue_url)
    assert len(token) >= 43 and token != other  # 32 random bytes, URL-safe base64
    with _session(archive, catalogue_url) as session:
        assert authenticate(session, token) == User("Ann", "pi", "sxi")
        assert authenticate(session, other) == User("Bob", "swt")
        assert authenticate(session, token + "x") is None and authenticate(session, "") is None
    if catalogue_url is None:  # the token itself is nowhere in the catalogue, its SHA-256 is
        dump = "\n".join(sqlite3.connect(archive / DATABASE_FILE).iterdump())
        assert token not in dump and hashlib.sha256(token.encode()).hexdigest() in dump
    revoke_user(archive, "Ann", url=catalogue_url)
    with _session(archive, catalogue_url) as session:
        assert authenticate(session, token) is None
    users = {u["name"]: u for u in list_users(archive, url=catalogue_url)}
    assert users["Ann"]["revoked"] is not None and users["Bob"]["revoked"] is None
    assert all("token" not in key for u in users.values() for key in u)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("Ann", "pi", "sxi"), "already"),  # the name is taken
        (("Cy", "pi", None), "needs the instrument"),
        (("Cy", "admin", None), "role 'admin' is not one of"),
        (("Cy", "pi", "xyz"), "instrument 'xyz' is not one of"),
        (("  ", "public", None), "needs a name"),
    ],
)
def test_bad_users_are_refused_with_the_reason(tmp_path, args, match):
    archive = init_archive(tmp_path / "a")
    add_user(archive, "Ann", "pi", "sxi")
    with pytest.raises(InputError, match=match):
        add_user(archive, *args)
    assert [u["name"] for u in list_users(archive)] == ["Ann"]  # nothing half-added


def test_a_release_is_recorded_with_its_approver_and_opens_its_overlap(tmp_path, catalogue_url):
    archive = init_archive(tmp_path / "a", url=catalogue_url)
    add_user(archive, "Ann", "pi", "sxi", url=catalogue_url)
    add_user(archive, "Bob", "swt", url=catalogue_url)
    add_user(archive, "Eve", "pi", "uvi", url=catalogue_url)
    record = record_release(
        archive, "sxi", "2026-03-21T02:00", "2026-03-21T04:00", pi="Ann", approved_by="Bob",
        approved_at="2026-04-02T10:00", datasets=["sxi_l3_boundaries"], url=catalogue_url,
    )  # fmt: skip
    assert record["approved_by"] == "Bob" and record["approved_at"] == "2026-04-02T10:00:00"
    assert list_releases(archive, url=catalogue_url) == [record]
    with _session(archive, catalogue_url) as session:
        (release,) = releases_in(session)
    holding = Holding("sxi", "sxi_l3_boundaries", "2026-03-21T00:00", "2026-03-21T06:00", "2026-04-01")
    opened = readable_intervals(User("anyone"), holding, [release], now="2026-04-02T10:00")
    assert opened == [(np.datetime64("2026-03-21T02:00", "ns"), np.datetime64("2026-03-21T04:00", "ns"))]
    with pytest.raises(InputError, match="the SWT's"):  # a PI does not approve
        record_release(
            archive, "sxi", "2026-03-21", "2026-03-22", pi="Ann", approved_by="Eve", url=catalogue_url
        )
    with pytest.raises(InputError, match="only the PI of sxi"):  # nor release another's instrument
        record_release(
            archive, "sxi", "2026-03-21", "2026-03-22", pi="Eve", approved_by="Bob", url=catalogue_url
        )
    with pytest.raises(InputError, match="not a user"):
        record_release(
            archive, "sxi", "2026-03-21", "2026-03-22", pi="Zed", approved_by="Bob", url=catalogue_url
        )
    with pytest.raises(InputError, match="must come before"):
        record_release(
            archive, "sxi", "2026-03-22", "2026-03-21", pi="Ann", approved_by="Bob", url=catalogue_url
        )
    assert len(list_releases(archive, url=catalogue_url)) == 1
    # finer than the catalogue's microsecond: rounded inwards, never opening an instant not approved
    fine = record_release(
        archive, "sxi", "2026-03-21T05:00:00.0000001", "2026-03-21T05:30:00.0000009", pi="Ann",
        approved_by="Bob", approved_at="2026-04-02T10:00:00.0000001", url=catalogue_url,
    )  # fmt: skip
    assert (fine["start"], fine["stop"]) == ("2026-03-21T05:00:00.000001", "2026-03-21T05:30:00")
    assert fine["approved_at"] == "2026-04-02T10:00:00.000001"


def test_the_ephemeris_and_the_solar_wind_are_archived_as_products(tmp_path, catalogue_url):
    archive = init_archive(tmp_path / "a", url=catalogue_url)
    data = truth(minutes=90)
    table = write_csv(tmp_path / "solar_wind.csv", data)
    track = kepler_track(
        science_orbit("2026-03-21"), sample_times("2026-03-21", "2026-03-21T02:00", 600 * u.s)
    )
    ephemeris = write_ephemeris_cdf(tmp_path / "ephemeris.cdf", track)
    results = ingest(archive, [table, ephemeris], received="2026-04-01", url=catalogue_url)
    assert [r["status"] for r in results] == ["ingested", "ingested"]
    rows = {r["dataset"]: r for r in list_products(archive, url=catalogue_url)}
    assert (
        rows["aux_l2_solarwind"]["name"]
        == "smile_aux_l2_solarwind_"
        + str(data["time"][0])[:19].replace("-", "").replace(":", "")
        + "_v01.cdf"
    )
    assert rows["sc_l2_ephemeris"]["name"].startswith("smile_sc_l2_ephemeris_20260321T000000_v01")
    assert (
        rows["aux_l2_solarwind"]["provenance"]["source_sha256"]
        == hashlib.sha256(table.read_bytes()).hexdigest()
    )
    sw, back = read_solar_wind(table), read_solar_wind_cdf(archive / rows["aux_l2_solarwind"]["path"])
    np.testing.assert_array_equal(back.time.values, sw.time.values)
    for name in ("n", "t", "v_gse"):
        np.testing.assert_allclose(getattr(back, name).value, getattr(sw, name).value, rtol=1e-12)
    np.testing.assert_allclose(back.b_gsm.value, sw.b_gsm.value, rtol=1e-12, atol=1e-12)
    epoch = cdflib.CDF(str(archive / rows["sc_l2_ephemeris"]["path"])).varget("Epoch")
    assert len(epoch) == len(track.time)
    again = ingest(archive, [table, ephemeris], url=catalogue_url)  # the same content: nothing new
    assert [r["status"] for r in again] == ["present", "present"]
    data["n"] = data["n"] * 1.1  # a corrected solar wind: the next version, current
    ingest(archive, [write_csv(tmp_path / "solar_wind.csv", data)], url=catalogue_url)
    versions = [r for r in list_products(archive, url=catalogue_url) if r["dataset"] == "aux_l2_solarwind"]
    assert [(r["version"], r["current"]) for r in versions] == [(1, False), (2, True)]


def test_the_command_line_adds_users_prints_the_token_once_and_records_releases(tmp_path):
    runner = CliRunner()
    archive = tmp_path / "a"
    assert runner.invoke(app, ["archive", "init", str(archive)]).exit_code == 0
    added = runner.invoke(
        app, ["archive", "user", "add", str(archive), "Ann", "--role", "pi", "--instrument", "sxi"]
    )
    assert added.exit_code == 0, added.output
    token = added.output.split("keep it):")[1].split()[0]
    with _session(archive, None) as session:
        assert authenticate(session, token) == User("Ann", "pi", "sxi")
    runner.invoke(app, ["archive", "user", "add", str(archive), "Bob", "--role", "swt"])
    listed = runner.invoke(app, ["archive", "user", "list", str(archive)])
    assert "Ann" in listed.output and token not in listed.output
    released = runner.invoke(app, [
        "archive", "release", str(archive), "--instrument", "sxi", "--start", "2026-03-21", "--stop",
        "2026-03-22", "--pi", "Ann", "--approved-by", "Bob",
    ])  # fmt: skip
    assert released.exit_code == 0 and "approved by Bob" in released.output
    refused = runner.invoke(app, ["archive", "user", "add", str(archive), "Cy", "--role", "pi"])
    assert refused.exit_code == 2 and "needs the instrument" in refused.output
    assert runner.invoke(app, ["archive", "user", "revoke", str(archive), "Ann"]).exit_code == 0
    with _session(archive, None) as session:
        assert authenticate(session, token) is None
