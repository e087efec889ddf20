"""What the stages of one run of the main job share: the :class:`JobContext`, and how they write numbers."""

from __future__ import annotations

import logging
import operator
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smilekit.errors import SmilekitError
from smilekit.runs.settings import JobSettings
from smilekit.solarwind import GeomagneticIndices, SolarWind

__all__ = ["Batch", "JobContext", "MissingResultError", "StageResults", "finite_or_none", "spread_evenly"]

log = logging.getLogger(__name__)


class MissingResultError(SmilekitError, LookupError):
    """A stage asked for a result that no stage put into the context (the stage that provides it failed)."""


class StageResults(dict):
    """The results the stages put into the context, by name; a missing one is a :class:`MissingResultError`.

    So a stage whose input was never made (its provider failed) fails with a reason, and is recorded like
    any failing stage, instead of stopping the run with a bare ``KeyError``.
    """

    def __missing__(self, name: str):
        raise MissingResultError(
            f"the result {name!r} is not there: the stage that provides it failed or did not run "
            f"(results so far: {', '.join(map(repr, self)) or 'none'})"
        )


@dataclass
class JobContext:
    """What the stages of one run share: the input, the output folder, the settings and the results so far.

    A stage reads ``results[name]`` for each name it ``requires``, puts each name it ``provides`` there,
    reads its section of ``settings``, and registers each figure it writes with :meth:`figure_path`.
    ``indices`` are the storm's SYM-H and AL when the run has them (a bundled event's, or a user's file),
    else None: context for the figures and the report, no stage needs them.

    When the run takes the packet path (``smilekit run --telemetry``), ``packetiser`` is the on-board
    software's :class:`~smilekit.telemetry.Packetiser` and each instrument stage hands it the data its
    simulator made with :meth:`telemeter`; the packets gather in ``packets`` for the telemetry stage. Else
    ``packetiser`` is None and :meth:`telemeter` does nothing.

    ``workers`` (local worker processes) or ``scheduler`` (a running dask.distributed scheduler's address)
    give the run Dask workers, started by :meth:`start_workers` (the runner calls it first) or when a stage
    first calls :meth:`map` or :meth:`submit`, and closed by :meth:`close`;
    with neither, :meth:`map` runs in this process.

    ``task_progress``, when given, is called as ``task_progress(name, done, total)`` as each task of a
    :meth:`map` or :meth:`submit` is finished (``name``: the function's, e.g. ``"make_frame"``; a task that
    fails is not counted): on workers from dask's callback thread, while this process runs the next stages.
    """

    solar_wind: SolarWind
    out: Path
    event: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    results: dict = field(default_factory=StageResults)
    settings: JobSettings = field(default_factory=JobSettings)
    indices: GeomagneticIndices | None = None
    packetiser: Any = None
    packets: list = field(default_factory=list)
    workers: int | None = None
    scheduler: str | None = None
    task_progress: Callable[[str, int, int], None] | None = None
    _client: Any = field(default=None, init=False, repr=False)
    _resources: ExitStack = field(default_factory=ExitStack, init=False, repr=False)
    #: the workers' import tasks (:meth:`start_workers`), held so that dask does not drop them unrun
    _warming: list = field(default_factory=list, init=False, repr=False)
    #: the start of the workers under way in a thread (:meth:`start_workers`), until a stage needs them
    _starting: Any = field(default=None, init=False, repr=False)  # a concurrent.futures.Future

    def map(self, func: Callable, *iterables, keep: tuple[str, ...] = ()) -> list:
        """``[func(*args) for args in zip(*iterables)]``, in order: on the run's Dask workers when it has
        them (each task's numba kernels on the cores / workers of a local cluster), else here. ``func``
        must be importable by the workers (a module-level function); a task's exception is raised here.

        ``keep``: names of entries of ``func``'s dict results to leave where they were made: on workers,
        those entries of the returned dicts are handles (Dask futures) that a later :meth:`map` or
        :meth:`submit` takes as arguments (the worker that holds one runs its task, nothing passes through
        this process) and :meth:`fetch` brings here; in this process they are the values. So the SXI frames'
        L2 images go from the SXI stage's tasks to the science stage's without a round trip through the
        client.
        """
        return self.submit(func, *iterables, keep=keep).result()

    def submit(self, func: Callable, *iterables, keep: tuple[str, ...] = ()) -> Batch:
        """:meth:`map`, started and not waited for: the :class:`Batch` gives the results when they are
        made, and the handles of the ``keep`` entries at once. On workers the tasks run while this process
        goes on (a stage that parks, :mod:`smilekit.runs.registry`); in this process they run here, now."""
        calls = list(zip(*iterables, strict=True))
        report = _Tally(self.task_progress, getattr(func, "__name__", type(func).__name__), len(calls))
        if (self.workers is None and self.scheduler is None) or not calls:
            results = []
            for args in calls:
                results.append(func(*args))
                report()
            return Batch(results, keep)
        from dask.distributed import Future  # dask only where asked for

        from smilekit.campaign.cluster import worker_threads

        client, n = self._dask_client(), len(calls)
        # arguments that are values are scattered to the workers first, not packed into the task graph (with
        # keys of their own: dask's hashing of 674 frame specs took longer than sending them); handles
        # (futures) of an earlier map's kept entries are passed as they are
        columns = [
            column if all(isinstance(a, Future) for a in column) else client.scatter(list(column), hash=False)
            for column in zip(*calls, strict=True)
        ]
        futures = client.map(
            _call_in_worker, [func] * n, [worker_threads(self.workers)] * n, *columns, pure=False
        )
        if self.task_progress is not None:
            for future in futures:
                future.add_done_callback(report)
        if not keep:
            return Batch(futures, keep, client)
        kept = {name: client.map(operator.getitem, futures, [name] * n, pure=False) for name in keep}
        return Batch(client.map(_without, futures, [keep] * n, pure=False), keep, client, kept)

    def start_workers(self) -> None:
        """Start the run's Dask workers, if it has any, in a thread, and return at once: the first stages run
        here while the worker processes start (a local cluster of two takes ~2.3 s), and each worker, once
        up, imports the stages in a task nobody waits for, instead of when the first frames reach it. The
        first stage that submits work waits for the start to end (:meth:`_dask_client`). A start that fails
        is logged there and left to that stage, which tries again, fails then and is reported as any
        failing stage."""
        no_workers = self.workers is None and self.scheduler is None
        if no_workers or self._client is not None or self._starting is not None:
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix="smilekit-workers")
        self._starting = pool.submit(self._start_client)
        pool.shutdown(wait=False)

    def _start_client(self) -> tuple[Any, ExitStack, list]:
        """:meth:`start_workers`' thread: the client (its cluster entered in an exit stack of its own,
        handed to the run's when a stage takes the client) and the workers' import tasks."""
        from smilekit.campaign.cluster import dask_client  # dask only where asked for

        with ExitStack() as stack:
            client = stack.enter_context(dask_client(self.workers, self.scheduler))
            if self.workers is not None:
                client.wait_for_workers(int(self.workers), timeout=60)
            warming = [  # every worker (scheduler_info() lists a few in some dasks)
                client.submit(_import_stages, workers=[address], allow_other_workers=False, pure=False)
                for address in client.nthreads()
            ]
            return client, stack.pop_all(), warming

    def _started(self) -> tuple | None:
        """Wait for the start :meth:`start_workers` put under way, if any: its (client, exit stack, import
        tasks), or None where there was none or it failed (logged; the stage that needs the workers then
        reports the failure). An interrupt while waiting leaves the start to :meth:`close`."""
        if self._starting is None:
            return None
        try:
            started = self._starting.result()
        except Exception as exc:  # any failure to start
            log.warning("the run's Dask workers did not start ahead of the stages (%s)", exc, exc_info=True)
            started = None
        self._starting = None
        return started

    def _dask_client(self):
        """The run's Dask client: the one :meth:`start_workers` started (waited for here), else one started
        now."""
        from smilekit.campaign.cluster import dask_client  # dask only where asked for

        if self._client is None and (started := self._started()) is not None:
            client, stack, self._warming = started
            self._resources.enter_context(stack)
            self._client = client
        if self._client is None:
            self._client = self._resources.enter_context(dask_client(self.workers, self.scheduler))
        return self._client

    def fetch(self, handles: list) -> list:
        """The values of entries :meth:`map` kept on the workers (``keep``), brought here, in order;
        values (a run in this process) are returned as they are."""
        values = list(handles)
        if "distributed" not in sys.modules:  # nothing has run on workers
            return values
        from dask.distributed import Future

        remote = [k for k, h in enumerate(handles) if isinstance(h, Future)]
        if remote and self._client is None:
            raise SmilekitError("the run's Dask workers are closed: fetch what map kept before close()")
        if remote:
            for k, value in zip(remote, self._client.gather([values[k] for k in remote]), strict=True):
                values[k] = value
        return values

    def close(self) -> None:
        """Close the run's Dask client and local cluster, if :meth:`start_workers`, :meth:`map` or
        :meth:`submit` started them (a start still under way is waited for, then closed)."""
        try:
            if (started := self._started()) is not None:
                started[1].close()
        finally:
            self._starting = None
            self._warming.clear()
            self._resources.close()
            self._client = None

    def telemeter(self, instrument: str, data, **options) -> None:
        """Packetise ``data``, what the simulator of ``instrument`` (``"mag"``, ``"lia"``, ``"sxi"`` or
        ``"uvi"``, a :class:`~smilekit.telemetry.Packetiser` method) made, when the run takes the packet
        path; ``options`` go to that method. Nothing otherwise."""
        if self.packetiser is not None:
            self.packets.append(getattr(self.packetiser, instrument)(data, **options))

    def figure_path(self, name: str, caption: str) -> Path:
        """Register a figure for the report and return where to write it."""
        self.figures.append((name, caption))
        return self.out / name


class Batch:
    """Work started by :meth:`JobContext.submit`: ``result()``, the list :meth:`JobContext.map` returns
    (waiting for the workers), and ``kept(name)``, the handles of the kept entry ``name``, at once."""

    def __init__(self, results: list, keep: tuple[str, ...], client=None, kept: dict | None = None):
        self._results, self._keep, self._client = results, tuple(keep), client
        self._kept = kept if kept is not None else {name: [r[name] for r in results] for name in keep}

    def kept(self, name: str) -> list:
        """The handles (on workers) or values (in this process) of the kept entry ``name``, task by task."""
        if name not in self._keep:
            raise SmilekitError(f"{name!r} was not kept (kept: {', '.join(map(repr, self._keep)) or 'none'})")
        return list(self._kept[name])

    def result(self) -> list:
        """The tasks' results in order, the kept entries as handles on workers; a task's exception is raised
        here (in this process, :meth:`JobContext.submit` raised it already)."""
        if self._client is None:
            return self._results
        results = self._client.gather(self._results)
        for name in self._keep:
            for result, handle in zip(results, self._kept[name], strict=True):
                result[name] = handle
        return results


class _Tally:
    """Counts the finished tasks of one batch for ``JobContext.task_progress``: called after each task here,
    or with each task's future from dask's callback thread, where a task that failed or was cancelled is
    not counted. A report that raises is logged once and not called again: the display does not fail the
    run."""

    def __init__(self, report: Callable[[str, int, int], None] | None, name: str, total: int):
        self._report, self._name, self._total = report, name, total
        self._done, self._lock = 0, threading.Lock()

    def __call__(self, future=None) -> None:
        if self._report is None or (future is not None and future.status != "finished"):
            return
        with self._lock:  # in order, whichever thread finished the task
            self._done += 1
            try:
                self._report(self._name, self._done, self._total)
            except Exception:  # a broken progress display
                log.warning("task progress of %s not shown: its report failed", self._name, exc_info=True)
                self._report = None


def _call_in_worker(func: Callable, threads: int | None, *args):
    """Worker entry of :meth:`JobContext.map`: ``func(*args)`` with this thread's numba kernels on
    ``threads`` threads (:func:`smilekit.campaign.cluster.use_worker_threads`)."""
    from smilekit.campaign.cluster import use_worker_threads

    use_worker_threads(threads)
    return func(*args)


def _import_stages() -> None:
    """Worker side of :meth:`JobContext.start_workers`: the stages imported, and with them what their tasks
    run (unpickling this function already imports its package, :mod:`smilekit.runs`, which imports every
    stage; the first frame spec a worker unpickled did that before)."""
    import smilekit.runs  # noqa: F401


def _without(result: dict, names: tuple[str, ...]) -> dict:
    """Worker side of :meth:`JobContext.map`'s ``keep``: a task's dict result without the kept entries."""
    return {key: value for key, value in result.items() if key not in names}


def finite_or_none(value) -> float | None:
    """``value`` as a float for ``summary.json``, or None (JSON null) where it is NaN or infinite."""
    value = float(value)
    return value if np.isfinite(value) else None


def spread_evenly(candidates: np.ndarray, most: int) -> np.ndarray:
    """Up to ``most`` of ``candidates`` (e.g. the track samples where an instrument is on), evenly spread
    from the first to the last."""
    pick = np.linspace(0, candidates.size - 1, min(most, candidates.size)).round().astype(int)
    return candidates[np.unique(pick)]
