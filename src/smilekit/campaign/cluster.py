"""The Dask cluster of a run: its checked address, smilekit's local cluster, the client, the workers' threads.

One home for how smilekit's runs reach dask.distributed (``smilekit run --workers``/``--scheduler``,
:mod:`smilekit.runs`; ``smilekit evaluate``, :mod:`smilekit.campaign.evaluate`; ``smilekit campaign``,
:mod:`smilekit.campaign.chunks`). :func:`check_execution` refuses a bad ``workers``, ``scheduler`` or
dashboard address before any work (an unreachable scheduler within :data:`SCHEDULER_TIMEOUT_S`).
:func:`dask_client` gives the client: of a running scheduler (``scheduler="tcp://..."``), or of
:func:`local_cluster`: one worker thread in this process (``workers=None``, ``processes=False``: the
line-of-sight kernel already uses every core through numba), or N single-threaded worker processes (on
Linux forked from a server that imported smilekit once; no statistical profiler). A local cluster's
scheduler, workers and dashboard listen on 127.0.0.1 only (the in-process one's scheduler is not on the
network at all; its dashboard on a free loopback port); ``dashboard_address="host:port"`` moves the
dashboard (only) elsewhere. Local workers share the cores through their numba threads: each task runs its
kernels on cores / N threads (:func:`worker_threads`, :func:`use_worker_threads`).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numba
import numpy as np

from smilekit._io import write_text
from smilekit.errors import InputError

if TYPE_CHECKING:
    from distributed import LocalCluster

__all__ = [
    "FORK_SERVER",
    "LOST_FILE",
    "MAX_LOSSES",
    "SCHEDULER_TIMEOUT_S",
    "WORKER_CONFIG",
    "WORKER_PRELOAD",
    "LostTasks",
    "check_execution",
    "check_scheduler",
    "dask_client",
    "local_cluster",
    "use_worker_threads",
    "worker_threads",
]


#: Seconds to wait for a dask scheduler to accept a connection before giving up on it.
SCHEDULER_TIMEOUT_S = 5.0


def check_execution(workers=None, scheduler=None, dashboard_address=None) -> None:
    """Refuse a bad ``workers``, ``scheduler`` or ``dashboard_address`` of a run before any work: workers
    and scheduler together, workers not a positive integer, a dashboard address that is not host:port or
    given with a scheduler, an unreachable scheduler (:func:`check_scheduler`)."""
    if workers is not None and scheduler is not None:
        raise InputError("give workers or scheduler, not both")
    if workers is not None and (not isinstance(workers, int | np.integer) or workers < 1):
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    if dashboard_address is not None:
        if scheduler is not None:
            raise InputError(
                f"dashboard_address {dashboard_address!r} applies to a local cluster; a running scheduler "
                f"({scheduler}) serves its dashboard where it was started"
            )
        _check_address(dashboard_address)
    check_scheduler(scheduler)


def check_scheduler(address: str | None) -> None:
    """Fail fast on a dask scheduler address that does not answer: one TCP connection within
    :data:`SCHEDULER_TIMEOUT_S` seconds (dask itself waits 30 s, then raises a bare OSError).

    Addresses of the form ``[tcp://|tls://]host:port`` are checked; other protocols (``inproc://``,
    ``ucx://``) are left to dask.

    Raises
    ------
    InputError
        For an address without a host and a port number, or one that cannot be reached, with the reason.
    """
    if address is None:
        return
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return
    host, colon, port = rest.rstrip("/").rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(
            f"scheduler {address!r} is not a scheduler address: expected tcp://HOST:PORT (e.g. "
            "tcp://127.0.0.1:8786)"
        )
    try:
        with socket.create_connection((host, int(port)), timeout=SCHEDULER_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise InputError(
            f"scheduler {address}: cannot reach a dask scheduler there within {SCHEDULER_TIMEOUT_S:g} s "
            f"({reason}); start one (dask scheduler) or check the address"
        ) from None


def worker_threads(workers: int | None) -> int | None:
    """The numba threads each of ``workers`` local worker processes may use, so that together they fill
    the cores once (cores / workers, at most ``NUMBA_NUM_THREADS``); None (no local workers): the
    process's own."""
    if workers is None:
        return None
    threads = max(1, (os.cpu_count() or 1) // int(workers))
    if os.environ.get("NUMBA_NUM_THREADS", "").isdigit():
        threads = min(threads, int(os.environ["NUMBA_NUM_THREADS"]))
    return threads


def use_worker_threads(threads: int | None) -> None:
    """In a worker task: run this thread's numba kernels on ``threads`` threads (:func:`worker_threads`;
    None leaves them). ``numba.set_num_threads``, because a worker's thread pool is launched with the
    machine's cores whatever the environment it is given later."""
    if threads:
        numba.set_num_threads(min(int(threads), numba.config.NUMBA_NUM_THREADS))


def _check_address(address) -> str:
    """``address`` if it is ``"host:port"`` (host may be empty or a bracketed IPv6 address; port 0-65535)."""
    host, colon, port = str(address).rpartition(":") if isinstance(address, str) else ("", "", "")
    if not colon or not port.isdigit() or int(port) > 65535 or any(c.isspace() for c in host):
        raise InputError(
            f"dashboard address {address!r} is not host:port; give e.g. '127.0.0.1:8787', "
            "'0.0.0.0:8787' (every interface) or '127.0.0.1:0' (any free port)"
        )
    return address


#: A free port on the loopback interface: where a local cluster's HTTP servers listen by default.
_LOOPBACK = "127.0.0.1:0"
#: The dask configuration of a local cluster's workers (:func:`local_cluster`): no statistical profiler.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
#: What the server that forks a local cluster's worker processes imports first (:func:`_preload_fork_server`).
WORKER_PRELOAD = ("smilekit.campaign", "smilekit.runs")
#: Whether local worker processes are forked from that server: on Linux; elsewhere each is spawned (Windows
#: has no fork, and macOS's system libraries are not safe to fork without exec).
FORK_SERVER = sys.platform.startswith("linux")


def local_cluster(workers: int | None, dashboard_address: str | None = None) -> LocalCluster:
    """The local dask cluster of a run: scheduler, workers and (by default) dashboard on 127.0.0.1 only.

    ``workers=None``: one worker thread in this process (its scheduler speaks ``inproc://``, on no
    network); else that many single-threaded worker processes on ``tcp://127.0.0.1``. The dashboard goes
    to ``dashboard_address`` (default ``127.0.0.1:0``, a free loopback port: a fixed port such as dask's
    8787 may be held by another cluster on the machine). Each worker's own HTTP server (health and
    metrics; it listens on every interface when given no address) is put on a free loopback port too.

    The workers run without dask's statistical profiler (:data:`WORKER_CONFIG`): it walked the stack of
    the running task every 10 ms, 2 % of an SXI frame's CPU (362 against 354 ms a frame on two workers,
    means of eight, benchmarks/README.md), so the dashboard's Profile page stays empty; a cluster of one's
    own (``scheduler``) keeps its configuration. On Linux the worker processes are forked from a server
    that imported smilekit once (:func:`_preload_fork_server`).
    """
    import dask  # dask only where a cluster is asked for: importing it is ~0.5 s of every command
    from distributed import LocalCluster

    dashboard = dashboard_address or _LOOPBACK
    if workers is None:  # dask in this process: one worker thread, no pickling round trip
        with dask.config.set(WORKER_CONFIG):
            return LocalCluster(
                n_workers=1,
                threads_per_worker=1,
                processes=False,
                dashboard_address=dashboard,
                worker_dashboard_address=_LOOPBACK,
            )
    # the workers share the cores through their numba threads, set per task (use_worker_threads); their
    # environment without dask's MALLOC_TRIM_THRESHOLD_ (_worker_environment); on Linux forked from a
    # server that imported smilekit once (_preload_fork_server)
    config = {**WORKER_CONFIG, "distributed.nanny.pre-spawn-environ": _worker_environment()}
    if FORK_SERVER:
        config["distributed.worker.multiprocessing-method"] = "forkserver"
    with dask.config.set(config):
        if FORK_SERVER:  # within the configuration: dask's multiprocessing context is the one it names
            _preload_fork_server()
        return LocalCluster(
            n_workers=int(workers),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=dashboard,
            worker_dashboard_address=_LOOPBACK,
        )


def _preload_fork_server() -> None:
    """Have the server that forks the local worker processes import :data:`WORKER_PRELOAD` when it starts.

    Each worker process is then a fork of one that imported smilekit (its stages, retrievals and plots:
    ~2.5 s of CPU) instead of a fresh interpreter importing it again, so N workers cost one import, not N
    (four workers up with the stages imported: 2.2-2.4 s of CPU and 2.3-2.5 s against 10.4-10.8 s and
    5.5-5.8 s, benchmarks/README.md). The list is set for every cluster (dask sets its own at its first
    call here), but the server is started once per process, by the first cluster that needs it, and keeps
    what it had then: its environment (the first cluster's ``pre-spawn-environ``) and its imports. So in a
    notebook, edits to smilekit reach new local workers only after the kernel restarts; and a server started
    earlier by other code, or a preload that fails to import (smilekit on a ``sys.path`` entry added at
    run time rather than installed or on ``PYTHONPATH``), leaves the workers importing smilekit themselves,
    as spawned ones do. Linux only (:data:`FORK_SERVER`).
    """
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(["distributed", *WORKER_PRELOAD])


def _worker_environment() -> dict:
    """The environment dask sets for a local worker process before it starts, less MALLOC_TRIM_THRESHOLD_.

    Setting that variable at all (dask sets 64 KiB, to hand freed memory back to the system) also fixes
    glibc's mmap threshold at 128 KiB, where malloc otherwise raises it to the size of the arrays freed: so
    every temporary array of an image (a 62 x 112 float64 image is 56 KiB, a rebinned stack or a ray
    sample larger) was mapped and unmapped afresh, and a frame's retrievals took 0.70 s in a worker
    against 0.45 s in a plain process (benchmarks/README.md, "Campaign").
    """
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


@contextmanager
def dask_client(workers=None, scheduler=None, dashboard_address=None, console=None):
    """A dask.distributed client for a run (module notes), its dashboard address printed; closed after.

    ``scheduler``: connect to that running scheduler; else a local cluster (:func:`local_cluster`) of
    ``workers`` processes (``None``: one worker thread in this process), closed with the client.
    """
    from distributed import Client

    cluster = None
    if scheduler is not None:
        client = Client(scheduler)
    else:
        cluster = local_cluster(workers, dashboard_address)
        client = Client(cluster)
    try:
        if console is not None:
            console.print(f"Dask dashboard: {_dashboard_link(client, cluster, dashboard_address)}",
                          soft_wrap=True, markup=False)  # fmt: skip
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dashboard_link(client, cluster, dashboard_address) -> str:
    """Where the dashboard is: a local cluster's on the host it listens on (dask's own link names the
    machine's network address even when the dashboard is on loopback only), else the scheduler's link."""
    if cluster is None:
        return client.dashboard_link
    host = (dashboard_address or _LOOPBACK).rpartition(":")[0] or "127.0.0.1"
    return f"http://{host}:{cluster.scheduler.http_server.port}/status"


#: Runs in which a task may kill its workers (dask's ``KilledWorker``, after dask's own retries) before the
#: last of them records it as failed instead of leaving it to the next: a frame that kills its worker every
#: time (its memory, say) must not keep a campaign from finishing. A lost scheduler is not counted.
MAX_LOSSES = 3
#: The file, in a run's output folder, that counts its tasks' losses (:class:`LostTasks`).
LOST_FILE = "lost.json"


class LostTasks:
    """The tasks of a run lost on the cluster, counted across reruns in the JSON file ``path`` (a task's
    key: its chunk or case), so that a task lost :data:`MAX_LOSSES` times is given up."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            counts = json.loads(self.path.read_text()) if self.path.exists() else {}
            self.counts = {str(k): int(v) for k, v in counts.items()}
        except (OSError, ValueError, TypeError, AttributeError):  # unreadable or not counts: afresh
            self.counts = {}

    def lost(self, key) -> int:
        """Count one more loss of ``key`` (written at once) and return how many it has had."""
        key = str(key)
        self.counts[key] = self.counts.get(key, 0) + 1
        write_text(self.path, json.dumps(self.counts, indent=1) + "\n")
        return self.counts[key]

    def give_up(self, key, exc: BaseException, text: str) -> BaseException | None:
        """The error to record task ``key`` with, where its failure ``exc`` (no rows came back; ``text`` its
        description) makes it one that killed its workers in :data:`MAX_LOSSES` runs (dask's
        ``KilledWorker``, counted); None where it is left to the next run (a lost scheduler: not counted)."""
        from distributed import KilledWorker  # dask only where a cluster is asked for

        times = self.lost(key) if isinstance(exc, KilledWorker) else 0
        if times < MAX_LOSSES:
            return None
        return RuntimeError(f"killed its workers in {times} runs, the last: {text}")
