"""Benchmark: a campaign's throughput on Dask at 1 and 2 workers, the per-task overhead, and the projection
to the whole mission (issue 19 item 6).

Run (not part of the test suite; about 4 min with the defaults on 2 cores)::

    .venv/bin/python benchmarks/bench_campaign.py [--start 2026-07-10T06:00] [--hours 2] [--chunk-frames 8]

Three measurements:

1. **Dask overhead per task**: 2 000 tasks that do nothing, submitted and gathered as the campaign
   submits its chunks (``client.submit`` + ``as_completed``), on a local cluster of 1 and of 2
   single-threaded worker processes: wall time per task.
2. **Campaign throughput**: :func:`smilekit.campaign.mission.run_campaign` over the same period (every
   method, the cusp retrieval, the in situ rows and the hourly UVI images; Parquet chunks) into a fresh
   folder with ``workers=1`` and ``workers=2``: frames per second of wall clock, the median core-seconds
   per SXI frame from the results' ``seconds_*`` columns (truth, simulation, each method, cusp), the in
   situ and UVI rows' ``seconds`` (per row, and summed per SXI frame), and each worker's peak resident
   memory (``ru_maxrss``, read on the workers at the end with ``client.run``; the campaign's own cluster
   is closed by then, so the benchmark measures it on a second cluster that runs the same chunks).
3. **Projection** to ``--mission-frames`` frames (default 206 356: three years from 2026-06-01 laid out by
   ``mission_frames``) on ``--cores`` cores (default 64): frames x core-seconds per frame (SXI, in situ and
   UVI) measured with the 2 workers busy / cores, plus the scheduler's per-task overhead for the mission's
   chunks on one scheduler. The 2-worker seconds carry the cores' sharing already (the efficiency, the
   2-worker speed-up over 1 worker divided by 2, is printed, not applied again): the same loss is assumed
   at 64 cores (no shared state between chunks, the scheduler's per-task cost measured in 1 and
   negligible at 48 frames a task). Projections printed before 2026-12-06 22:30 UTC divided by the
   efficiency as well, counting the sharing twice (~1.3x too long).

Prints every figure; the README table is made from them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from distributed import as_completed
from rich.console import Console

from smilekit.campaign.chunks import INSITU_DIR, UVI_DIR, read_chunk_results
from smilekit.campaign.cluster import dask_client
from smilekit.campaign.mission import run_campaign


def _nothing(i: int) -> int:
    return i


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def task_overhead(workers: int, n: int = 2000) -> float:
    """Seconds per empty task, submitted and gathered as the campaign does."""
    with dask_client(workers=workers) as client:
        client.gather(client.map(_nothing, range(50), pure=False))  # warm-up
        t = time.perf_counter()
        futures = [client.submit(_nothing, i, pure=False) for i in range(n)]
        for f in as_completed(futures):
            f.result()
        return (time.perf_counter() - t) / n


def campaign_run(start, end, workers: int, chunk_frames: int) -> dict:
    """One fresh campaign: wall time, frames, per-stage median seconds, and the worker peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "c"
        t = time.perf_counter()
        summary = run_campaign(start, end, out, workers=workers, chunk_frames=chunk_frames, progress=False,
                               console=Console(quiet=True))  # fmt: skip
        wall = time.perf_counter() - t
        results = read_chunk_results(out)
        insitu, uvi = read_chunk_results(out, INSITU_DIR), read_chunk_results(out, UVI_DIR)
    frames = results.drop_duplicates("case_id")
    per_method = results.groupby("method")["seconds_method"].median().to_dict()
    stages = {"truth": frames["seconds_truth"].median(), "simulation": frames["seconds_simulate"].median(),
              "cusp": frames["seconds_cusp"].median(), **per_method}  # fmt: skip
    per_frame = (
        frames["seconds_truth"] + frames["seconds_simulate"] + frames["seconds_cusp"]
        + results.groupby("case_id")["seconds_method"].sum().reindex(frames["case_id"]).to_numpy()
    )  # fmt: skip
    n = int(summary["sxi_frames"])
    companions = (insitu["seconds"].sum() + uvi["seconds"].sum()) / n  # per SXI frame
    return {"wall_s": wall, "frames": n, "frames_per_s": n / wall,
            "median_core_s_per_frame": float(np.median(per_frame)),
            "mean_core_s_per_frame": float(np.mean(per_frame)), "stages_median_s": stages,
            "insitu_median_s": float(insitu["seconds"].median()), "uvi_frames": len(uvi),
            "uvi_median_s": float(uvi["seconds"].median()) if len(uvi) else None,
            "insitu_and_uvi_core_s_per_frame": float(companions)}  # fmt: skip


def worker_memory(workers: int) -> list[float]:
    """Peak RSS (MiB) of each worker of a fresh cluster after it ran one frame of every stage."""
    from smilekit._data import data_path
    from smilekit.campaign.cases import SHIPPED_CASES, read_cases
    from smilekit.campaign.evaluate import run_case

    cases, _ = read_cases(data_path(SHIPPED_CASES))
    with dask_client(workers=workers) as client:
        client.gather(client.map(run_case, cases[:workers], pure=False))
        return sorted(client.run(_peak_rss_mib).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2026-07-10T06:00", help="period start (default in-domain July)")
    parser.add_argument("--hours", type=float, default=2.0, help="period length, hours (default 2)")
    parser.add_argument("--chunk-frames", type=int, default=8, help="frames per task (default 8)")
    parser.add_argument("--mission-frames", type=int, default=206_356)
    parser.add_argument("--cores", type=int, default=64)
    args = parser.parse_args()
    start = np.datetime64(args.start)
    end = start + np.timedelta64(round(args.hours * 3600), "s")
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; period {start} to {end}")

    overhead = {w: task_overhead(w) for w in (1, 2)}
    for w, s in overhead.items():
        print(f"dask overhead per task, {w} worker(s): {1e3 * s:.2f} ms")
    runs = {w: campaign_run(start, end, w, args.chunk_frames) for w in (1, 2)}
    for w, r in runs.items():
        print(f"{w} worker(s): " + json.dumps(r, default=float))
    memory = worker_memory(2)
    shown = ", ".join(f"{m:.0f}" for m in memory)
    print(f"peak resident memory per worker (2 workers, one frame each): {shown} MiB")

    speedup = runs[1]["wall_s"] / runs[2]["wall_s"]
    efficiency = speedup / 2.0
    # the seconds a frame took on a worker while the other worker ran too: the cores' sharing (the
    # efficiency below 1) is in them already, so they are not divided by the efficiency again
    core_s = runs[2]["mean_core_s_per_frame"] + runs[2]["insitu_and_uvi_core_s_per_frame"]
    chunks = int(np.ceil(args.mission_frames / 48))
    hours = (args.mission_frames * core_s / args.cores + chunks * overhead[2]) / 3600.0
    print(f"speed-up 1 -> 2 workers: {speedup:.2f} (efficiency {efficiency:.2f})")
    print(f"projection: {args.mission_frames} frames x {core_s:.2f} core-s (2 workers busy) / {args.cores} "
          f"cores + {chunks} tasks x {1e3 * overhead[2]:.1f} ms = {hours:.2f} h")  # fmt: skip


if __name__ == "__main__":
    main()
