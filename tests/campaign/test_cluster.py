"""smilekit's local dask cluster: its workers without dask's statistical profiler and, on Linux, forked from a
server that imported smilekit once."""

import sys

import dask
import pytest
from distributed import Client

from smilekit.campaign.cluster import FORK_SERVER, local_cluster


@pytest.mark.parametrize("workers", [None, 1])  # in process; one worker process (~3 s)
def test_local_workers_run_without_the_statistical_profiler(workers):
    """The profiler that samples a task's stack every 10 ms (2 % of a frame's CPU) is off in the local
    cluster's workers, though on in dask's configuration here."""
    assert dask.config.get("distributed.worker.profile.enabled") is True
    with local_cluster(workers) as cluster, Client(cluster) as client:
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    assert len(callbacks) == 1
    (names,) = callbacks.values()
    assert "heartbeat" in names and not any(name.startswith("profile") for name in names)


PRELOADED = ("smilekit.runs", "smilekit.campaign")


def test_local_worker_processes_start_with_smilekit_imported():  # ~3 s: two worker processes
    """On Linux forked from a server that imported smilekit once (nothing a task sent has imported it there
    yet); elsewhere spawned, each importing it when a task needs it."""
    with local_cluster(2) as cluster, Client(cluster) as client:
        imported = client.run(lambda: [name in sys.modules for name in PRELOADED])
    assert len(imported) == 2
    assert all(flags == [FORK_SERVER, FORK_SERVER] for flags in imported.values())
