"""Benchmark: the main job's SXI frames on a local Dask cluster, the workers' CPU per frame.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_worker_frames.py                        # 2 workers, every 10th frame
    .venv/bin/python benchmarks/bench_worker_frames.py --every 5 --repeat 3
    .venv/bin/python benchmarks/bench_worker_frames.py --set distributed.worker.profile.enabled=true

The frames are those of ``smilekit run --every-frame`` on the default event (the stages before the SXI stage
that do not park run here first: solar wind, stand-off, mission; the SXI stage's frame specs are taken where
it submits them), every ``--every``-th of them. Each frame is what the run's workers do: ``make_frame`` (model
sky, L1, L2, files) then ``retrieve_frame`` on the L2 it left on the worker, the numba kernels on the threads
the run gives a worker (the cores shared among the workers). The cluster is ``smilekit``'s own local one
(``campaign.cluster.local_cluster``), with ``--set KEY=VALUE`` dask configuration on top of its
``WORKER_CONFIG`` (YAML values); each worker imports the stages and makes a frame before the clock starts.
Prints the time the cluster took to start with the stages imported on every worker and the CPU of its
processes by then (the fork server's included), then, per repeat (``--repeat 0``: none), the wall time and the
CPU time of this process's children (``psutil``: the workers, what the frames and dask's own work on them
cost, and the idle fork server and resource tracker; this process's scheduler and client left out) per frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import dask
import psutil
import yaml


class _Captured(Exception):
    """Raised by :class:`_Capture` with the frame specs the SXI stage submitted."""


def frame_specs(folder: Path) -> list:
    """The SXI stage's frame specs of the every-frame run on the default event, writing into ``folder``."""
    from smilekit.runs import STAGES, JobContext, JobSettings
    from smilekit.solarwind import load_event
    from smilekit.solarwind.events import DEFAULT_EVENT

    @dataclasses.dataclass
    class _Capture(JobContext):
        def submit(self, func, *iterables, keep=()):
            raise _Captured(list(iterables[0]))

    settings = JobSettings()
    settings = settings.replace(sxi=dataclasses.replace(settings.sxi, every_frame=True))
    ctx = _Capture(solar_wind=load_event(DEFAULT_EVENT), out=folder, event=DEFAULT_EVENT, settings=settings)
    for stage in STAGES:
        if stage.name == "sxi":
            try:
                next(stage.run(ctx))
            except _Captured as captured:
                return captured.args[0]
            raise RuntimeError("the SXI stage submitted no frames")
        if not stage.parks and all(name in ctx.results for name in stage.requires):
            stage.run(ctx)
    raise RuntimeError("no SXI stage registered")


def _frame(threads, spec):
    """A frame on a worker, as in the run: its numba kernels on ``threads`` threads, made, then retrieved
    (the L2 stays where it was made)."""
    from smilekit.campaign.cluster import use_worker_threads
    from smilekit.runs.stages.science import retrieve_frame
    from smilekit.runs.stages.sxi import make_frame

    use_worker_threads(threads)
    made = make_frame(spec)
    return retrieve_frame(spec.middle, spec.state, made["l2"])[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=int, default=10, help="every n-th frame of the run (default 10)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="dask configuration")
    args = parser.parse_args()
    config = {}
    for item in args.set:
        key, _, value = item.partition("=")
        config[key] = yaml.safe_load(value)
    from distributed import Client

    from smilekit.campaign import cluster as local
    from smilekit.campaign.cluster import local_cluster, worker_threads
    from smilekit.runs.context import _import_stages

    with tempfile.TemporaryDirectory() as out:
        specs = frame_specs(Path(out))[:: args.every]
        print(f"{len(specs)} frames (every {args.every}th of the run), {args.workers} workers, {config}")
        local.WORKER_CONFIG = {**local.WORKER_CONFIG, **config}  # what the local cluster sets, and more
        t0 = time.perf_counter()
        with dask.config.set(config), local_cluster(args.workers) as cluster, Client(cluster) as client:
            client.gather([client.submit(_import_stages, workers=[a], pure=False) for a in client.nthreads()])
            started = sum(sum(p.cpu_times()[:2]) for p in psutil.Process().children(recursive=True))
            up = time.perf_counter() - t0
            print(f"  workers up, the stages imported: {up:.1f} s, their CPU {started:.1f} s")
            threads = [worker_threads(args.workers)] * len(specs)  # the cores shared, as in the run
            warm = [client.submit(_frame, threads[0], spec, workers=[a], pure=False)
                    for a, spec in zip(client.nthreads(), specs, strict=False)]  # fmt: skip
            client.gather(warm)  # each worker's kernels compiled or loaded before the clock starts
            workers = psutil.Process().children(recursive=True)
            for _ in range(args.repeat):
                cpu0 = sum(sum(w.cpu_times()[:2]) for w in workers)
                t0 = time.perf_counter()
                client.gather(client.map(_frame, threads, specs, pure=False))
                wall = time.perf_counter() - t0
                cpu = sum(sum(w.cpu_times()[:2]) for w in workers) - cpu0
                per_frame = 1e3 * cpu / len(specs)
                print(f"  wall {wall:6.1f} s, workers' CPU {cpu:6.1f} s = {per_frame:5.0f} ms a frame")


if __name__ == "__main__":
    main()
