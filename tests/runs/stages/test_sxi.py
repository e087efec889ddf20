"""The SXI stage of the main job: frames, L1 and L2 files, the movie."""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from smilekit import runs
from smilekit.products.names import parse_product_name
from smilekit.products.sxi_fits import read_l2
from smilekit.runs import Stage
from smilekit.runs.stages.sxi import (
    SXISettings,
    _back_to_back,
    _frame_indices,
    _peak_frame,
    _whole_exposures,
)
from smilekit.solarwind import SolarWind


def test_sxi_stage_recovers_the_model_sky_and_writes_l1_l2_and_a_movie(finished_run):
    out, summary, _ = finished_run
    stage = summary["stages"]["sxi"]
    assert 1 <= stage["frames"] <= 4  # three spread frames plus the one nearest peak pressure
    for row in stage["frame_table"]:
        # The foreground averaged over the field is the model intensity: 1e4 counts give ~1 % noise, and
        # the background model's mismatch is bounded in the L2 tests; 10 % is a sanity bound here.
        assert row["foreground_mean"] == pytest.approx(row["model_mean_keV_cm-2_s-1_sr-1"], rel=0.10)
    names = stage["files"]
    assert sum(n.startswith("smile_sxi_l1_") for n in names) == stage["frames"]
    assert sum(n.startswith("smile_sxi_l2_") for n in names) == stage["frames"]
    # every product follows the mission's file-name rule, stamped with the start of its exposure
    products = [parse_product_name(n) for n in names if n.endswith(".fits")]
    frame_times = [np.datetime64(row["start"], "s") for row in stage["frame_table"]]
    assert [(p.level, p.descriptor, p.version) for p in products] == [
        ("l1", "events", 1),
        ("l2", "images", 1),
    ] * len(frame_times)
    assert [p.time for p in products] == [t for t in frame_times for _ in range(2)]
    assert all((out / "sxi" / n).is_file() for n in names if n.endswith(".fits"))

    with Image.open(out / "sxi_movie.gif") as movie:
        assert movie.n_frames == stage["frames"]


def test_each_frame_is_one_exposure_centred_on_the_time_that_drives_it(finished_run):
    out, summary, _ = finished_run
    stage = summary["stages"]["sxi"]
    exposure = np.timedelta64(int(stage["exposure_s"]), "s")
    for row in stage["frame_table"]:
        start, end, middle = (np.datetime64(row[key]) for key in ("start", "end", "middle"))
        assert end - start == exposure and middle - start == exposure / 2
        # the L2 file's one time bin is the exposure, start to end
        (name,) = [n for n in stage["files"] if n.startswith("smile_sxi_l2_") and parse_product_name(n).time
                   == np.datetime64(start, "s")]  # fmt: skip
        l2 = read_l2(out / "sxi" / name)
        assert l2.sizes["time"] == 1
        assert l2["time"].values[0] == start and l2["time_end"].values[0] == end
    # on the short event SXI is on at the peak (apogee): the frame of the peak contains it
    peak = np.datetime64(summary["stages"]["solar_wind"]["peak_pdyn_time"])
    frame = stage["peak_frame"]
    assert frame["contains_peak"] and frame["note"] is None
    assert np.datetime64(frame["start"]) <= peak <= np.datetime64(frame["end"])
    assert frame["start"] in [row["start"] for row in stage["frame_table"]]


def _times(minutes) -> np.ndarray:
    return np.datetime64("2015-06-22T12:00", "ns") + np.asarray(minutes) * np.timedelta64(60, "s")


def test_an_exposure_needs_sxi_usable_throughout_and_inside_the_track():
    times = _times(np.arange(20))
    usable = np.ones(20, bool)
    usable[10] = False
    half = np.timedelta64(150, "s")  # 5-min exposures, k - 2.5 to k + 2.5 min: samples k - 2 .. k + 2
    whole = _whole_exposures(times, usable, half)
    # inside the track (0 to 19 min): k = 3 .. 16; sample 10 unusable: not k = 8 .. 12
    assert np.flatnonzero(whole).tolist() == [3, 4, 5, 6, 7, 13, 14, 15, 16]


def test_the_frame_of_the_peak_brackets_the_peak():
    times = _times(np.arange(30))
    usable = np.ones(30, bool)
    half, exposure = np.timedelta64(150, "s"), np.timedelta64(300, "s")
    whole = _whole_exposures(times, usable, half)
    peak = np.datetime64("2015-06-22T12:12:40", "ns")  # between samples, 20 s before 12:13
    k, entry = _peak_frame(times, usable, whole, peak, half, exposure)
    assert times[k] == np.datetime64("2015-06-22T12:13")
    assert entry == {"start": "2015-06-22T12:10:30.000000000", "end": "2015-06-22T12:15:30.000000000",
                     "contains_peak": True, "note": None}  # fmt: skip
    # SXI off from 12:09 to 12:20: the nearest usable exposure (centred 12:06, ends 12:08:30), said so
    usable[9:21] = False
    whole = _whole_exposures(times, usable, half)
    k, entry = _peak_frame(times, usable, whole, peak, half, exposure)
    assert times[k] == np.datetime64("2015-06-22T12:06") and not entry["contains_peak"]
    assert "not usable" in entry["note"] and "6.7 min before the peak" in entry["note"]
    # the peak's exposure is always among the frames, however few are asked for
    assert k in _frame_indices(whole, k, 1)


def test_the_frame_of_a_pressure_step_is_after_the_step(tmp_path):
    # ACE-like 16-s records, a pressure jump at 18:03:20 (5 to 30 cm^-3) that then decays over an hour: the
    # peak of the smoothed pressure is just after the jump, the frame of the peak contains it, and the state
    # that drives that frame (at its middle) is after the jump. Before, the frame was the track sample
    # nearest the highest record (18:03:28), up to half a track step before it (18:03:00), driven by the
    # state at its start, before the jump (as the Halloween storm's frame "at peak").
    start = np.datetime64("2015-06-21T15:00", "ns")
    time = start + np.arange(6 * 225) * np.timedelta64(16, "s")  # 6 h
    jump = np.datetime64("2015-06-21T18:03:20", "ns")  # the first record after it: 18:03:28
    since = (time - jump) / np.timedelta64(1, "m")
    n = np.where(since < 0, 5.0, 5.0 + 25.0 * np.exp(-np.clip(since, 0, None) / 60.0))
    size = time.size
    sw = SolarWind(
        time,
        n=n * u.cm**-3,
        v_gse=np.tile([-450.0, 0.0, 0.0], (size, 1)) * u.km / u.s,
        b_gsm=np.tile([0.0, 2.0, -5.0], (size, 1)) * u.nT,
        t=np.full(size, 1e5) * u.K,
        source="pressure step",
    )
    seen = {}

    def keep(ctx):
        seen["frames"] = ctx.results["sxi_frames"]
        return {}

    stages = [*(runs.STAGES.by_name(n) for n in ("solar_wind", "mission", "sxi")),
              Stage("probe", keep, requires=("sxi_frames",), description="Keeps the frames.")]  # fmt: skip
    settings = runs.JobSettings().replace(sxi=SXISettings(max_frames=1))
    summary = runs.run_job(sw, tmp_path, event="step", stages=stages, settings=settings)
    assert {name: s["status"] for name, s in summary["stages"].items()} == dict.fromkeys(
        ("solar_wind", "mission", "sxi", "probe"), "ok"
    )
    peak = np.datetime64(summary["stages"]["solar_wind"]["peak_pdyn_time"])
    # the first window all after the jump: centred 9 records (144 s) after the first record after it
    assert peak == np.datetime64("2015-06-21T18:03:28") + np.timedelta64(144, "s")
    frame = summary["stages"]["sxi"]["peak_frame"]
    assert frame["contains_peak"] and np.datetime64(frame["start"]) <= peak <= np.datetime64(frame["end"])
    (state,) = [
        s for when, s, _ in seen["frames"] if when == np.datetime64(frame["start"]) + np.timedelta64(150, "s")
    ]
    assert state.n.to_value(u.cm**-3) > 20.0  # after the jump (5 before it)


@given(
    usable=st.lists(st.booleans(), min_size=8, max_size=80).map(np.array),
    exposure_min=st.integers(1, 7),
    anchor_draw=st.floats(0.0, 1.0),
)
def test_every_frame_lays_usable_exposures_end_to_end_through_the_peaks(usable, exposure_min, anchor_draw):
    times = _times(np.arange(usable.size))
    exposure = np.timedelta64(exposure_min * 60, "s").astype("timedelta64[ns]")
    whole = _whole_exposures(times, usable, exposure // 2)
    candidates = np.flatnonzero(whole)
    if not candidates.size:
        return
    anchor = int(candidates[min(int(anchor_draw * candidates.size), candidates.size - 1)])
    index = _back_to_back(times, whole, anchor, exposure)
    starts, ends = times[index] - exposure // 2, times[index] - exposure // 2 + exposure
    assert anchor in index and whole[index].all()
    assert np.all(np.diff(index) > 0) and np.all(starts[1:] >= ends[:-1])  # in order, none overlapping
    # none left out that would fit: every usable exposure not taken overlaps one taken
    for k in np.setdiff1d(candidates, index):
        start, end = times[k] - exposure // 2, times[k] - exposure // 2 + exposure
        assert np.any((start < ends) & (end > starts)), k


def test_every_frame_on_two_workers_is_the_run_in_one_process(short_event, tmp_path):
    # an hour of SXI around the peak, every 5-min frame: the frames and their retrievals on a local cluster
    # of two processes give the same files' names, frames and retrievals as in this process (each frame's
    # events are seeded by its track sample, not by the order the frames are made in)
    peak = np.datetime64("2015-06-21T17:06", "ns")  # the short event's peak pressure
    sw = short_event.select(peak - np.timedelta64(40, "m"), peak + np.timedelta64(40, "m"))
    stages = [runs.STAGES.by_name(n) for n in ("solar_wind", "standoff", "mission", "sxi", "science")]
    settings = runs.JobSettings().replace(sxi=SXISettings(every_frame=True))
    runs_ = {}
    for workers in (None, 2):
        out = tmp_path / f"workers{workers}"
        summary = runs.run_job(sw, out, event="hour", stages=stages, settings=settings, workers=workers)
        assert {s["status"] for s in summary["stages"].values()} == {"ok"}, summary["stages"]
        runs_[workers] = (summary, pd.read_csv(out / "standoff_retrievals.csv"))
    (one, table), (two, table2) = runs_[None], runs_[2]
    frames = one["stages"]["sxi"]["frame_table"]
    assert one["stages"]["sxi"]["frame_table"] == two["stages"]["sxi"]["frame_table"]
    assert one["stages"]["sxi"]["files"] == two["stages"]["sxi"]["files"]
    pd.testing.assert_frame_equal(table, table2)
    # every frame: end to end, one of them the peak's. SXI is usable through the whole 80 min here (one
    # stretch): the frames abut (the track's 1-min step divides the 5-min exposure) and leave less than an
    # exposure uncovered at each end of the stretch
    starts = np.array([np.datetime64(f["start"]) for f in frames])
    ends = np.array([np.datetime64(f["end"]) for f in frames])
    assert np.all(starts[1:] >= ends[:-1]) and one["stages"]["sxi"]["peak_frame"]["start"] in [
        f["start"] for f in frames
    ]
    usable_min = one["stages"]["sxi"]["sxi_usable_hours"] * 60.0
    assert usable_min == pytest.approx(80.0)
    assert np.all(starts[1:] == ends[:-1])
    assert usable_min - 2 * 5.0 < len(frames) * 5.0 <= usable_min
