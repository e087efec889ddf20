"""Benchmark: the main job (``smilekit run``) on a bundled event, wall time per stage and peak memory.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_main_job.py                     # the default event
    .venv/bin/python benchmarks/bench_main_job.py --event 2003-10-29-halloween
    .venv/bin/python benchmarks/bench_main_job.py --telemetry          # smilekit run --telemetry
    .venv/bin/python benchmarks/bench_main_job.py --every-frame --workers 2 --repeat 2 --against /tmp/old/src

Peak memory is the process's maximum resident set size (``resource.getrusage``), which includes the
interpreter and the imported libraries.

With ``--every-frame``, ``--workers``, ``--repeat`` or ``--against`` each run is a ``smilekit run -q`` process
instead, timed from outside: wall time and the CPU time of it and every process under it (its Dask workers
included; ``psutil`` looks five times a second); at the end, the largest resident set seen in any of them.
``--against SRC`` runs the smilekit source tree at SRC too (e.g. ``git worktree add /tmp/old <commit>``, then
``/tmp/old/src``, through ``PYTHONPATH``, as this tree's own ``src``), alternating with this one (the order
swapped at each repeat), so that a change is measured against the machine's drift; run the other tree once
first, so that its numba caches are compiled before it is timed. A run that fails is flagged with its failed
stages.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", default=None, help="bundled event name (default: the default event)")
    parser.add_argument("--telemetry", action="store_true", help="take the packet path (run --telemetry)")
    parser.add_argument(
        "--every-frame", action="store_true", help="every usable SXI frame (run --every-frame)"
    )
    parser.add_argument("--workers", type=_positive, default=None, help="local Dask workers (run --workers)")
    parser.add_argument(
        "--repeat", type=_positive, default=1, help="runs of each tree, alternated (default 1)"
    )
    parser.add_argument("--against", default=None, help="another smilekit source tree (its src folder)")
    args = parser.parse_args()
    if args.against and not (Path(args.against) / "smilekit" / "__init__.py").is_file():
        parser.error(f"--against must be a source folder holding smilekit/__init__.py, got {args.against}")
    if args.every_frame or args.workers or args.repeat > 1 or args.against:
        compare_runs(args)
        return

    t0 = time.perf_counter()
    from smilekit.runs import run_job
    from smilekit.solarwind import load_event
    from smilekit.solarwind.events import DEFAULT_EVENT

    import_s = time.perf_counter() - t0
    name = args.event or DEFAULT_EVENT
    t1 = time.perf_counter()
    sw = load_event(name)
    load_s = time.perf_counter() - t1
    with tempfile.TemporaryDirectory() as out:
        summary = run_job(sw, out, event=name, telemetry=args.telemetry)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"event {name}: {len(sw)} records")
    print(f"  import smilekit      {import_s:6.2f} s")
    print(f"  load event           {load_s:6.2f} s")
    for stage, result in summary["stages"].items():
        print(f"  stage {stage:<14} {result['seconds']:6.2f} s  ({result['status']})")
    print(f"  job total            {summary['seconds']:6.2f} s")
    print(f"  peak RSS             {peak_mib:6.0f} MiB")
    if args.telemetry and summary["stages"]["telemetry"]["status"] == "ok":
        t = summary["stages"]["telemetry"]
        print(f"  packets {t['packets']}, {t['volume_MB']:.1f} MB; downlink {t['downlink']}")
        print(f"  link {t['link']}")
        for source, row in t["per_instrument"].items():
            print(f"  {source:<4} {row}")
        ground = t["ground"]
        late, errors = ground["late_packets"], ground["errors"][:3]
        print(f"  ground: gaps {ground['gaps']}, late {late}, errors {errors}")
        for chain in ("mag", "lia", "sxi", "uvi"):
            print(f"  {chain} {ground[chain]}")


def _run_measured(command: list[str], env: dict, every_s: float = 0.2) -> tuple[int, float, float, int]:
    """Run ``command``; return its exit status, the CPU seconds of it and of every process under it, those of
    it alone, and the largest resident set (bytes) seen in any of them, from ``psutil`` looks every
    ``every_s`` seconds (each process's CPU as last seen: at most that much of each is missed at its end).
    Counted from outside because a local cluster's workers are the children of dask's fork server, which the
    run does not wait for: ``RUSAGE_CHILDREN`` does not see them."""
    import psutil

    cpu: dict[tuple[int, float], float] = {}  # by (pid, start time): a pid may be reused
    largest = 0
    process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            try:
                tree = [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in tree:
                try:
                    with p.oneshot():
                        times, rss = p.cpu_times(), p.memory_info().rss
                        cpu[p.pid, p.create_time()] = times.user + times.system
                except psutil.Error:
                    continue
                largest = max(largest, rss)
            time.sleep(every_s)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    own = sum(v for (pid, _), v in cpu.items() if pid == process.pid)
    return process.returncode, sum(cpu.values()), own, largest


def compare_runs(args) -> None:
    """``smilekit run`` as processes, this tree and ``--against`` alternated (their order swapped from one
    repeat to the next), ``--repeat`` times each."""
    # the CLI of whichever smilekit PYTHONPATH puts first
    command = [sys.executable, "-c", "from smilekit.cli import app; app()", "run", "-q"]
    command += ["--event", args.event] if args.event else []
    command += ["--telemetry"] if args.telemetry else []
    command += ["--every-frame"] if args.every_frame else []
    command += ["--workers", str(args.workers)] if args.workers else []
    trees = [("this tree", str(Path(__file__).resolve().parents[1] / "src"))]
    trees += [(args.against, args.against)] if args.against else []
    largest = 0
    for k in range(args.repeat):
        for label, src in trees if k % 2 == 0 else trees[::-1]:
            env = {**os.environ, "PYTHONPATH": src}
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                returncode, cpu, own, rss = _run_measured([*command, "--out", out], env)
                wall = time.perf_counter() - t0
                summary_path = Path(out) / "summary.json"
                summary = json.loads(summary_path.read_text()) if summary_path.is_file() else None
            largest = max(largest, rss)
            if summary is None:
                raise SystemExit(f"run {k + 1}, {label}: exit status {returncode} and no summary.json")
            failed = [name for name, s in summary["stages"].items() if s["status"] != "ok"]
            flag = f" -- exit status {returncode}, failed stages: {failed}" if returncode or failed else ""
            print(
                f"run {k + 1}, {label}: wall {wall:.1f} s, CPU {cpu:.1f} s (the run and its workers; "
                f"the run's own process {own:.1f} s){flag}"
            )
            stages = ", ".join(f"{name} {s['seconds']:.1f}" for name, s in summary["stages"].items())
            print(f"    stages (s): {stages}", flush=True)
    print(f"largest resident set seen in any of their processes: {largest / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
