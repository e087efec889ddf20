"""JobContext.map and submit: results kept where they were made (``keep``), passed on to a later map, fetched
here."""

import time

import numpy as np
import pytest

from smilekit.errors import SmilekitError
from smilekit.runs.context import JobContext
from smilekit.solarwind import load_event
from smilekit.solarwind.events import DEFAULT_EVENT


def wait_for(condition, seconds: float = 10.0) -> None:
    """Return once ``condition()`` holds (dask's callbacks trail the results they report), or after
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("workers", [None, 2])
def test_kept_entries_feed_a_later_map_and_come_back_whole(tmp_path, workers):
    # dict(pairs) makes each task's dict result; its "image" stays with the task (a handle on workers),
    # a second map sums the images where they are, and fetch brings them here unchanged
    heard = []  # task_progress: each finished task, in order (on workers from a thread of dask's)
    ctx = JobContext(
        solar_wind=load_event(DEFAULT_EVENT), out=tmp_path, event="test", workers=workers,
        task_progress=lambda *a: heard.append(a),
    )  # fmt: skip
    images = [np.arange(12.0).reshape(3, 4) * k for k in range(5)]
    try:
        made = ctx.map(
            dict, [[("row", k), ("image", image)] for k, image in enumerate(images)], keep=("image",)
        )
        assert [m["row"] for m in made] == list(range(5))
        wait_for(lambda: len(heard) >= 5)  # the callbacks of the last tasks may trail the results
        assert heard == [("dict", k, 5) for k in range(1, 6)]
        handles = [m["image"] for m in made]
        assert all(isinstance(h, np.ndarray) for h in handles) is (workers is None)
        assert ctx.map(np.sum, handles) == [float(image.sum()) for image in images]
        for got, image in zip(ctx.fetch(handles), images, strict=True):
            np.testing.assert_array_equal(got, image)
        assert ctx.map(np.sum, []) == []
        # submit: the kept handles at once, usable before the results are waited for
        batch = ctx.submit(
            dict, [[("row", k), ("image", image)] for k, image in enumerate(images)], keep=("image",)
        )
        assert ctx.map(np.sum, batch.kept("image")) == [float(image.sum()) for image in images]
        assert [m["row"] for m in batch.result()] == list(range(5))
        with pytest.raises(SmilekitError, match="'row' was not kept"):
            batch.kept("row")
        # a task's exception: from submit in this process, from result on workers
        with pytest.raises(ZeroDivisionError):
            ctx.submit(divmod, [1, 2], [1, 0]).result()
        wait_for(lambda: any(name == "divmod" for name, *_ in heard))
        time.sleep(0.2)  # time for a wrong count of the failed task to show
        assert [h for h in heard if h[0] == "divmod"] == [("divmod", 1, 2)]  # the failed task not counted
    finally:
        ctx.close()
    if workers:  # what stayed on the workers went with them
        with pytest.raises(SmilekitError, match="closed"):
            ctx.fetch(handles)


def test_started_workers_import_the_stages_while_the_run_goes_on(tmp_path):
    # the runner starts the workers first: each imports the stages (what the frame tasks run) in a task of
    # its own, not waited for, so that the first frames do not wait for it; in one process nothing starts
    ctx = JobContext(solar_wind=load_event(DEFAULT_EVENT), out=tmp_path, event="test", workers=2)
    try:
        ctx.start_workers()  # returns at once: the workers start in a thread while the first stages run
        assert ctx._client is None and ctx._starting is not None
        client = ctx._dask_client()  # what the first stage to submit work does: waits for the start
        assert ctx._starting is None and ctx._dask_client() is client
        assert len(ctx._warming) == 2  # one a worker
        client.gather(ctx._warming)
        imported = client.run(eval, "'smilekit.runs.stages.science' in __import__('sys').modules")
        assert sorted(imported.values()) == [True, True]
        assert ctx.map(np.sum, [np.ones(3), np.ones(4)]) == [3.0, 4.0]
    finally:
        ctx.close()
    one = JobContext(solar_wind=load_event(DEFAULT_EVENT), out=tmp_path, event="test")
    one.start_workers()
    assert one._client is None and one._starting is None


def test_a_start_under_way_is_closed_with_the_run(tmp_path):
    # a run that ends (or fails) before any stage took the workers closes them all the same
    ctx = JobContext(solar_wind=load_event(DEFAULT_EVENT), out=tmp_path, event="test", workers=1)
    ctx.start_workers()
    starting = ctx._starting
    ctx.close()
    client, _, _ = starting.result()
    assert client.status == "closed" and ctx._client is None and ctx._starting is None
