"""The mission's frames over a period (smilekit.campaign.schedule) and the campaign that runs them
(smilekit.campaign.mission, ``smilekit campaign``): the orbit's modes and the pointing choose the frames,
the OMNI hours map onto the mission's dates as documented, the answer counts the domain frames, a rerun
resumes, and bad input is refused before any work."""

from __future__ import annotations

import errno
import json
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from smilekit._data import data_path
from smilekit.campaign import chunks as chunks_module
from smilekit.campaign.cases import CASE_COLUMNS, read_cases, write_cases
from smilekit.campaign.chunks import (
    INSITU_DIR,
    RESULTS_DIR,
    UVI_DIR,
    read_chunk_results,
    time_chunks,
    verify_chunk,
    verify_rows,
    write_chunk,
)
from smilekit.campaign.insitu import INSITU_COLUMNS
from smilekit.campaign.mission import FRAMES_FILE, campaign_answer, run_campaign
from smilekit.campaign.schedule import mission_frames, omni_on_mission_dates
from smilekit.cli import app
from smilekit.errors import InputError, ProductError
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import sample_times, science_orbit
from smilekit.mission.propagator import propagate
from smilekit.solarwind import SolarWind
from smilekit.solarwind.readers import read_omni2


@pytest.fixture(scope="module")
def three_days():
    return mission_frames("2026-06-01", "2026-06-04")


def test_the_frames_are_the_observed_intervals_with_their_solar_wind(three_days):
    frames, schedule = three_days
    assert list(frames.columns) == list(CASE_COLUMNS)
    assert schedule["intervals"] == 3 * 288 and schedule["sxi_observing"] > 0 and len(frames) > 0
    lost = schedule["no_aim"] + schedule["excluded"] + schedule["no_solar_wind"]
    assert schedule["frames"] == len(frames) == schedule["sxi_observing"] - lost
    times = frames["time"].to_numpy(dtype="datetime64[ns]")
    assert (np.diff(times) > np.timedelta64(0)).all()
    assert ((times - np.datetime64("2026-06-01", "ns")) % np.timedelta64(300, "s") == np.timedelta64(0)).all()
    # independently: the orbit from the same epoch, every interval's mode; a frame only where SXI observes
    starts = np.datetime64("2026-06-01", "ns") + np.arange(864) * np.timedelta64(300, "s")
    track = propagate(science_orbit("2026-06-01"), sample_times(starts[0], starts[-1], 300 * u.s,
                                                                include_stop=True))  # fmt: skip
    timeline = mode_timeline(track)
    observing = starts[np.asarray(timeline.sxi_on & timeline.sxi_shutter_open)]
    assert set(times) <= set(observing) and schedule["sxi_observing"] == observing.size
    radius = np.linalg.norm(frames[["sc_x", "sc_y", "sc_z"]].to_numpy(), axis=1)
    assert radius.min() > 50_000 / 6371.0  # SXI observes above 50 000 km
    assert (frames["aim_x"] > 0).all() and (frames[["aim_y", "aim_z"]].to_numpy() == 0).all()  # +X GSE axis
    assert frames["case_id"].is_unique and (frames["exposure_s"] == 300).all()
    again, _ = mission_frames("2026-06-01", "2026-06-04")
    pd.testing.assert_frame_equal(frames, again)  # the same period gives the same frames


def test_omni_maps_onto_the_mission_by_time_of_year():
    omni = read_omni2(data_path("omni/omni2_2000.dat"))
    # 2027-03-15 is day 74 of a common year: 73 days after 1 January, which in 2000 (leap) is 14 March
    got = omni_on_mission_dates(["2027-03-15T10:20", "2028-12-31T23:59"])
    assert list(got["omni_time"]) == [
        np.datetime64("2000-03-14T10:00", "ns"),
        np.datetime64("2000-12-31T23:00", "ns"),
    ]
    index = np.searchsorted(omni.time.values, got["omni_time"])
    np.testing.assert_array_equal(got["n"], omni.ds["n"].values[index])
    np.testing.assert_array_equal(got["b_gsm"], omni.ds["b_gsm"].values[index])
    np.testing.assert_allclose(got["v"], np.linalg.norm(omni.ds["v_gse"].values[index], axis=1))


def test_the_subsolar_rule_aims_at_the_shue_1998_nose_of_each_frames_wind():
    from smilekit.geospace.boundaries import standoff

    frames, _ = mission_frames("2026-06-01", "2026-06-01T06:00", aim="subsolar")
    assert len(frames) > 0
    r0 = standoff("shue1998", warn=False, bz=frames["bz"].to_numpy() * u.nT,
                  pdyn=2e-6 * frames["n"].to_numpy() * frames["v"].to_numpy() ** 2 * u.nPa)  # fmt: skip
    # the frames' wind is rounded (n to 0.01 cm^-3 of >= 1.5, v to 0.1 km/s, Bz to 0.01 nT): r0 ~ Pdyn^-1/6.6
    # moves by < 0.004 RE at 12 RE; the aim point is rounded to 0.001 RE
    np.testing.assert_allclose(frames["aim_x"], r0.to_value("RE"), atol=0.005)


def test_a_users_solar_wind_is_used_and_must_cover_the_period(tmp_path):
    time = np.datetime64("2026-06-01", "ns") + np.arange(0, 181) * np.timedelta64(60, "s")
    flow = np.tile([-500.0, 0, 0], (181, 1)) * u.km / u.s
    sw = SolarWind(time, n=np.full(181, 12.0) * u.cm**-3, v_gse=flow,
                   b_gsm=np.tile([0.0, 1.0, -4.0], (181, 1)) * u.nT, t=np.full(181, 1e5) * u.K)  # fmt: skip
    frames, _ = mission_frames("2026-06-01", "2026-06-01T02:00", solar_wind=sw)
    assert len(frames) > 0
    assert (frames["n"] == 12.0).all() and (frames["v"] == 500.0).all() and (frames["bz"] == -4.0).all()
    with pytest.raises(InputError, match="outside the solar wind data"):
        mission_frames("2026-06-01", "2026-06-01T04:00", solar_wind=sw)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("2026-06-02", "2026-06-01"), "must come after"),
        (("2026-06-01", "2026-06-01T00:04"), "at least one"),
        (("2026-06-01", "2032-06-01"), "at most"),
        (("2026-06-01", "2026-06-02", "nadir"), "aim 'nadir' is not one of"),
    ],
)
def test_bad_periods_and_rules_are_refused(args, match):
    start, end, *aim = args
    with pytest.raises(InputError, match=match):
        mission_frames(start, end, aim=aim[0] if aim else "limb")


def test_the_answer_counts_fractions_of_the_domain_frames():
    rows = []
    for case, domain, errors in (
        ("a", True, (0.1, 0.7)),
        ("b", True, (-0.3, None)),
        ("c", False, (0.0, 2.0)),
    ):
        for method, error in zip(("m1", "m2"), errors, strict=True):
            rows.append({"case_id": case, "method": method, "in_domain": domain, "r0_true": 10.0,
                         "r0_est": np.nan if error is None else 10.0 + error,
                         "status": "failed" if error is None else "ok"})  # fmt: skip
    answer = campaign_answer(pd.DataFrame(rows))
    assert answer["sxi_frames"] == 3 and answer["frames_in_domain"] == 2
    assert answer["methods"]["m1"] == {"answered": 1.0, "rms_re": pytest.approx(np.sqrt((0.01 + 0.09) / 2)),
                                       "within_0p5_re": 1.0}  # fmt: skip
    assert answer["methods"]["m2"] == {"answered": 0.5, "rms_re": pytest.approx(0.7), "within_0p5_re": 0.0}


@pytest.mark.slow
def test_a_campaign_runs_its_frames_resumes_and_refuses_another_in_its_folder(tmp_path):
    """Parquet chunks of 2 frames: a rerun recomputes nothing; a torn chunk file and a missing one are
    redone, and the rows come back the same, none lost or duplicated."""
    out = tmp_path / "campaign"
    runner = CliRunner()
    args = ["campaign", "--start", "2026-06-01", "--end", "2026-06-01T00:20", "--out", str(out),
            "--method", "max_intensity", "--no-cusp", "--chunk-frames", "2", "--quiet"]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "Dask dashboard: http://127.0.0.1:" in first.output
    summary = json.loads((out / "summary.json").read_text())
    cases, malformed = read_cases(out / FRAMES_FILE)
    assert summary["sxi_frames"] == len(cases) == summary["schedule"]["frames"] == 4 and malformed == []
    files = sorted((out / RESULTS_DIR).glob("chunk-*.parquet"))
    assert [f.name for f in files] == ["chunk-00000.parquet", "chunk-00001.parquet"]
    results = read_chunk_results(out)
    assert sorted(results["case_id"]) == sorted(c.case_id for c in cases)  # one row a frame and method
    insitu, uvi = read_chunk_results(out, INSITU_DIR), read_chunk_results(out, UVI_DIR)
    assert sorted(insitu["case_id"]) == sorted(c.case_id for c in cases)  # one in situ row a frame
    assert list(uvi["case_id"]) == [min(c.case_id for c in cases)]  # the 20 min are in one clock hour
    assert summary["uvi"]["uvi_frames"] == 1 and sum(r["frames"] for r in summary["insitu"]) == 4
    assert (insitu["error"] == "").all() and insitu["n_lia"].notna().all()  # every row made, none failed
    assert list(uvi["status"]) == ["ok"] and uvi["ovation_window_hours"].tolist() == [4.0]
    assert pd.read_parquet(out / RESULTS_DIR).shape == results.shape  # one dataset for any Parquet reader
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "resuming: 2 of 2 chunks verified complete" in again.output
    assert json.loads((out / "summary.json").read_text())["resume"]["chunks_run"] == 0
    files[1].write_bytes(files[1].read_bytes()[:100])  # a torn write
    files[0].unlink()  # killed before its chunk finished
    third = runner.invoke(app, args)
    assert third.exit_code == 0 and "results/chunk-00001.parquet: unreadable" in third.output
    resume = json.loads((out / "summary.json").read_text())["resume"]
    assert (resume["chunks_verified"], resume["chunks_redone"], resume["chunks_run"]) == (0, 1, 2)
    torn = out / INSITU_DIR / "chunk-00001.parquet"  # a companion part torn: its chunk is redone
    torn.write_bytes(torn.read_bytes()[:100])
    fourth = runner.invoke(app, args)
    assert fourth.exit_code == 0 and "insitu/chunk-00001.parquet: unreadable" in fourth.output
    resume = json.loads((out / "summary.json").read_text())["resume"]
    assert (resume["chunks_verified"], resume["chunks_redone"], resume["chunks_run"]) == (1, 1, 1)
    pd.testing.assert_frame_equal(  # same seeds, same rows
        read_chunk_results(out, INSITU_DIR).drop(columns="seconds"), insitu.drop(columns="seconds")
    )
    redone = read_chunk_results(out)
    key = ["case_id", "method"]
    pd.testing.assert_frame_equal(
        redone.sort_values(key).reset_index(drop=True).drop(columns=["seconds_truth", "seconds_simulate",
                                                                     "seconds_method", "seconds_cusp"]),
        results.sort_values(key).reset_index(drop=True).drop(columns=["seconds_truth", "seconds_simulate",
                                                                      "seconds_method", "seconds_cusp"]),
    )  # fmt: skip
    other = runner.invoke(app, [*args[:4], "2026-06-01T00:30", *args[5:]])
    assert other.exit_code == 2 and "holds a campaign of other settings" in other.output
    bigger = runner.invoke(app, [*args[:-2], "3", "--quiet"])
    assert bigger.exit_code == 2 and "holds a campaign of other settings" in bigger.output


def test_a_rerun_with_another_wind_or_cusp_setting_in_the_same_folder_is_refused(tmp_path, monkeypatch):
    """A campaign stopped before its chunks, then rerun on the same folder: the same wind and settings
    resume; another wind (even one whose frames are the same: only its temperature differs, which the UVI
    rows read) or another cusp setting would mix chunks of two campaigns, and is refused before any work;
    a folder of a version that recorded no wind digest is still checked by its frames."""
    from smilekit.campaign import mission as mission_module

    def wind(n, t=1e5):
        time = np.datetime64("2026-06-01", "ns") + np.arange(0, 61) * np.timedelta64(60, "s")
        flow = np.tile([-500.0, 0, 0], (61, 1)) * u.km / u.s
        field = np.tile([0.0, 1.0, -4.0], (61, 1)) * u.nT
        return SolarWind(time, n=np.full(61, n) * u.cm**-3, v_gse=flow, b_gsm=field, t=np.full(61, t) * u.K)

    class Stopped(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stopped

    monkeypatch.setattr(mission_module, "run_chunks", stop)
    out = tmp_path / "c"
    kwargs = {"methods": ["max_intensity"], "progress": False}
    for _ in range(2):  # the first run writes the frames, the second finds them the same
        with pytest.raises(Stopped):
            run_campaign("2026-06-01", "2026-06-01T00:20", out, solar_wind=wind(12.0), **kwargs)
    for other in (wind(13.0), wind(12.0, t=2e5)):
        with pytest.raises(InputError, match="holds a campaign of other settings"):
            run_campaign("2026-06-01", "2026-06-01T00:20", out, solar_wind=other, **kwargs)
    with pytest.raises(InputError, match="holds a campaign of other settings"):
        run_campaign(
            "2026-06-01", "2026-06-01T00:20", out, solar_wind=wind(12.0), cusp_method=False, **kwargs
        )
    schedule = json.loads((out / "schedule.json").read_text())
    del schedule["solar_wind_sha256"]  # as an earlier version wrote it
    (out / "schedule.json").write_text(json.dumps(schedule))
    with pytest.raises(Stopped):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, solar_wind=wind(12.0), **kwargs)
    with pytest.raises(InputError, match="holds a campaign of other frames"):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, solar_wind=wind(13.0), **kwargs)
    # chunks left without the files that say whose they are: not taken for this campaign's
    (out / RESULTS_DIR).mkdir()
    write_chunk(out / RESULTS_DIR / "chunk-00000.parquet", [{"case_id": "x", "method": "max_intensity"}])
    for name in ("state.json", FRAMES_FILE, "schedule.json"):
        (out / name).unlink()
    with pytest.raises(InputError, match=r"results exists without state\.json"):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, solar_wind=wind(13.0), **kwargs)


@pytest.mark.slow
def test_a_full_disk_stops_the_campaign_cleanly_and_it_resumes(tmp_path, monkeypatch):
    """The second chunk's write fails (no space left): the run stops with a clear error naming what is
    saved; the rerun keeps the first chunk and computes the rest, no row lost or duplicated."""
    out = tmp_path / "c"
    kwargs = {"methods": ["max_intensity"], "cusp_method": False, "chunk_frames": 2, "progress": False}
    real = chunks_module.write_chunk
    written = []

    def full_after_one(path, rows, columns):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, rows, columns)
        if path.parent.name == RESULTS_DIR:  # a chunk's results are its last file
            written.append(path)

    monkeypatch.setattr(chunks_module, "write_chunk", full_after_one)
    with pytest.raises(ProductError, match=r"No space left on device\); 1 of 2 chunks are saved"):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, **kwargs)
    monkeypatch.setattr(chunks_module, "write_chunk", real)
    summary = run_campaign("2026-06-01", "2026-06-01T00:20", out, **kwargs)
    assert (summary["resume"]["chunks_verified"], summary["resume"]["chunks_run"]) == (1, 1)
    results = read_chunk_results(out)
    assert len(results) == 4 and results["case_id"].is_unique
    insitu = read_chunk_results(out, INSITU_DIR)
    assert sorted(insitu["case_id"]) == sorted(results["case_id"])
    torn = out / RESULTS_DIR / "chunk-00000.parquet"  # a torn file is there but not saved: not counted
    torn.write_bytes(torn.read_bytes()[:100])
    written.append(torn)
    monkeypatch.setattr(chunks_module, "write_chunk", full_after_one)
    with pytest.raises(ProductError, match=r"No space left on device\); 1 of 2 chunks are saved"):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, **kwargs)


@pytest.mark.slow
def test_a_chunk_that_brings_no_rows_back_gets_no_file_and_a_rerun_runs_it(tmp_path, monkeypatch):
    """A chunk's task lost on the cluster (here its connection closed) leaves no file, as a killed run
    would, not error rows that a rerun would keep as done: the run finishes the other chunk, then stops
    naming what did not come back; the rerun runs that chunk alone."""
    from distributed.comm.core import CommClosedError

    out = tmp_path / "c"
    kwargs = {"methods": ["max_intensity"], "cusp_method": False, "chunk_frames": 2, "progress": False}
    real = chunks_module._run_chunk
    late = np.datetime64("2026-06-01T00:10")

    def lost_late(cases, payload, plan):
        if any(np.datetime64(c.time) >= late for c in cases):
            raise CommClosedError("in <TCP (closed)>: Stream is closed")
        return real(cases, payload, plan)

    monkeypatch.setattr(chunks_module, "_run_chunk", lost_late)
    lost = r"1 of 2 chunks did not come back .*chunk 00001: .*CommClosedError"
    with pytest.raises(ProductError, match=lost):
        run_campaign("2026-06-01", "2026-06-01T00:20", out, **kwargs)
    assert sorted(p.name for p in (out / RESULTS_DIR).glob("*.parquet")) == ["chunk-00000.parquet"]
    assert not (out / "summary.json").exists()
    monkeypatch.setattr(chunks_module, "_run_chunk", real)
    summary = run_campaign("2026-06-01", "2026-06-01T00:20", out, **kwargs)
    assert (summary["resume"]["chunks_verified"], summary["resume"]["chunks_run"]) == (1, 1)
    results = read_chunk_results(out)
    assert len(results) == 4 and results["case_id"].is_unique
    assert not results["status"].str.startswith("error").any()
    assert not (out / "lost.json").exists()  # a lost connection is not the chunk's doing: not counted
    # a chunk that kills its workers every time (dask gives up on it: KilledWorker) is written as failed in
    # the third run, so that the campaign can finish
    from distributed import KilledWorker

    def killing_late(cases, payload, plan):
        if any(np.datetime64(c.time) >= late for c in cases):
            raise KilledWorker("chunk", SimpleNamespace(address="tcp://127.0.0.1:9"), 3)
        return real(cases, payload, plan)

    again = tmp_path / "again"
    monkeypatch.setattr(chunks_module, "_run_chunk", killing_late)
    for _ in range(2):
        with pytest.raises(ProductError, match=r"1 of 2 chunks did not come back .*KilledWorker"):
            run_campaign("2026-06-01", "2026-06-01T00:20", again, **kwargs)
    summary = run_campaign("2026-06-01", "2026-06-01T00:20", again, **kwargs)
    statuses = read_chunk_results(again)["status"]
    assert len(statuses) == 4 and statuses.str.contains("killed its workers in 3 runs").sum() == 2  # chunk 1
    assert summary["sxi_frames"] == 4 and json.loads((again / "lost.json").read_text()) == {"1": 3}


def test_time_chunks_are_consecutive_frames_and_a_chunk_file_is_verified(tmp_path):
    frames, _ = mission_frames("2026-06-01", "2026-06-01T03:00")
    write_cases(frames, tmp_path / "f.csv")
    cases, _ = read_cases(tmp_path / "f.csv")
    shuffled = [cases[i] for i in np.random.default_rng(3).permutation(len(cases))]
    chunks = time_chunks(shuffled, 5)
    assert [len(c) for c in chunks] == [5] * (len(cases) // 5) + ([len(cases) % 5] if len(cases) % 5 else [])
    flat = [c.case_id for chunk in chunks for c in chunk]
    assert flat == [c.case_id for c in sorted(cases, key=lambda c: np.datetime64(c.time))]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InputError, match="chunk_frames"):
            time_chunks(cases, bad)
    names = ["m1", "m2"]
    path = tmp_path / "chunk.parquet"
    rows = [{"case_id": c.case_id, "method": m, "status": "ok", "cusp_status": "skipped", "in_domain": True,
             "r0_est": 9.0, "boundary": "{}"} for c in chunks[0] for m in names]  # fmt: skip
    write_chunk(path, rows)
    assert verify_chunk(path, chunks[0], names) is None
    assert "rows" in verify_chunk(path, chunks[1], names)
    write_chunk(path, rows[:-1])
    assert verify_chunk(path, chunks[0], names) == f"{len(rows) - 1} rows, not one per frame and method (10)"
    write_chunk(path, rows + rows[:1])
    assert "rows" in verify_chunk(path, chunks[0], names)
    assert verify_chunk(tmp_path / "none.parquet", chunks[0], names) == "missing"
    ids = [c.case_id for c in chunks[0]]
    write_chunk(path, [{"case_id": i} for i in ids], INSITU_COLUMNS)
    assert verify_rows(path, INSITU_DIR, ids) is None
    assert verify_rows(path, INSITU_DIR, ids[:-1]) == f"{len(ids)} rows, not one per frame ({len(ids) - 1})"
    assert verify_rows(path, UVI_DIR, ids) == "other columns than this version writes"


def test_an_unreachable_scheduler_is_refused_before_any_work(tmp_path):
    result = CliRunner().invoke(app, ["campaign", "--start", "2026-06-01", "--end", "2026-06-02", "--out",
                                      str(tmp_path / "c"), "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert result.exit_code == 2 and "scheduler" in result.output
    assert not (tmp_path / "c").exists()
