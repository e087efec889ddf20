"""The UVI stage of the main job: frames where UVI is on, L1/L2/L3 files, the model comparison, the movie."""

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from smilekit.errors import InputError, ModelDomainError
from smilekit.products.names import parse_product_name
from smilekit.products.uvi_fits import read_l2
from smilekit.runs import JobContext
from smilekit.runs.stages.uvi import UVISettings, stage_uvi


def test_uvi_stage_writes_l1_l2_l3_and_a_movie_and_compares_with_the_model(finished_run):
    out, summary, _ = finished_run
    stage = summary["stages"]["uvi"]
    assert stage["status"] == "ok"
    assert 1 <= stage["frames"] <= UVISettings().max_frames == len(stage["frame_table"])
    # every UVI-on sample is a candidate frame or a skipped one with its reason; on the six-hour event the
    # samples of the first four hours lack part of OVATION's 4-h solar-wind window
    assert set(stage["skipped"]) <= {
        "outside_solar_wind",
        "exposure_past_track",
        "ovation_window_short",
        "field_misses_earth",
    }
    assert stage["skipped"]["ovation_window_short"] > 0 and stage["ovation_window_hours"] == 4
    assert stage["uvi_on_samples"] > 0
    assert stage["skipped"]["exposure_past_track"] <= 1  # a 1-min exposure on 1-min samples: the last one
    names = [n for n in stage["files"] if n != "uvi_movie.gif"]
    products = [parse_product_name(n) for n in names]
    times = [np.datetime64(row["time"], "s") for row in stage["frame_table"]]
    assert [(p.level, p.descriptor) for p in products] == [("l1", "images"), ("l2", "images")] * len(
        times
    ) + [("l3", "boundaries")]
    assert [p.time for p in products[:-1]] == [t for t in times for _ in range(2)]
    assert all((out / "uvi" / n).is_file() for n in names)
    l2 = read_l2(out / "uvi" / names[1])
    assert np.datetime64(l2.attrs["time"], "s") == times[0] and l2["brightness"].dims == ("mlat", "mlt")
    for row in stage["frame_table"]:
        assert row["mode"] in ("FSM", "RSM2")
        # the image's oval is the model's: the equatorward edge within 2 deg, all but a sector or two found
        # (the recovery test, tests/instruments/uvi/test_recovery.py, measures it over many frames)
        assert abs(row["equatorward_bias_deg"]) < 2.0 and row["equatorward_sectors_found"] >= 22
        # the detector's 512 pixels see nearly every L2 bin; the power misses what is unseen and the O2
        # absorption of hard electrons (up to ~20 %, science.aurora.image_hemispheric_power), within noise
        assert row["covered_area_fraction"] > 0.98
        ratio = row["hemispheric_power_GW"] / row["model_hemispheric_power_GW"]
        assert 0.8 - 3 * row["hemispheric_power_err_GW"] / row["model_hemispheric_power_GW"] < ratio < 1.1
    assert "uvi_frame.png" in summary["figures"] and "uvi_movie.gif" in summary["figures"]
    with Image.open(out / "uvi_movie.gif") as movie:
        assert movie.n_frames == stage["frames"]


def test_a_run_without_uvi_on_says_why(short_event, tmp_path):
    n = 5
    ctx = JobContext(short_event, tmp_path, "test")
    timeline = SimpleNamespace(mode=np.array(["RSM1"] * n), uvi_on=np.zeros(n, dtype=bool))
    ctx.results.update(solar_wind=short_event, track=None, attitude=None, timeline=timeline)
    with pytest.raises(ModelDomainError, match="UVI is never on"):
        stage_uvi(ctx)


def test_settings_check_the_exposure():
    assert UVISettings().exposure_min == 1.0 and UVISettings().pixels == 512
    with pytest.raises(InputError, match="exposure_min"):
        UVISettings(exposure_min=0.01)
    with pytest.raises(InputError, match="pixels"):
        UVISettings(pixels=4)
