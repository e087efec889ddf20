"""The SXI stage of the main job: frames, L1 and L2 files, the movie."""

import numpy as np
import pytest
from PIL import Image

from smilekit.products.names import parse_product_name


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
    # every product follows the mission's file-name rule, stamped with its frame's time
    products = [parse_product_name(n) for n in names if n.endswith(".fits")]
    frame_times = [np.datetime64(row["time"], "s") for row in stage["frame_table"]]
    assert [(p.level, p.descriptor, p.version) for p in products] == [
        ("l1", "events", 1),
        ("l2", "images", 1),
    ] * len(frame_times)
    assert [p.time for p in products] == [t for t in frame_times for _ in range(2)]
    assert all((out / "sxi" / n).is_file() for n in names if n.endswith(".fits"))

    with Image.open(out / "sxi_movie.gif") as movie:
        assert movie.n_frames == stage["frames"]
