"""The runs the main job's tests share: a short event and one finished run of every stage on it."""

import numpy as np
import pytest

from smilekit import runs
from smilekit.runs.stages.sxi import SXISettings
from smilekit.solarwind import load_event, load_event_indices


@pytest.fixture(scope="session")
def short_event():
    """Six hours of the default event (2015-06-21), enough for every stage and quick."""
    sw = load_event("2015-06-21-high-density")
    return sw.select(sw.time.values[0], sw.time.values[0] + np.timedelta64(6, "h"))


@pytest.fixture(scope="session")
def finished_run(short_event, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    calls = []
    # a few SXI frames are enough here
    settings = runs.JobSettings().replace(sxi=SXISettings(max_frames=3))
    summary = runs.run_job(
        short_event,
        out,
        event="test",
        progress=lambda *a: calls.append(a),
        settings=settings,
        indices=load_event_indices("2015-06-21-high-density"),
    )
    return out, summary, calls
