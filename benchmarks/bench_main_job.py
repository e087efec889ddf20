"""Benchmark: the main job (``smilekit run``) on a bundled event, wall time per stage and peak memory.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_main_job.py                     # the default event
    .venv/bin/python benchmarks/bench_main_job.py --event 2003-10-29-halloween
    .venv/bin/python benchmarks/bench_main_job.py --telemetry          # smilekit run --telemetry

Peak memory is the process's maximum resident set size (``resource.getrusage``), which includes the
interpreter and the imported libraries.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", default=None, help="bundled event name (default: the default event)")
    parser.add_argument("--telemetry", action="store_true", help="take the packet path (run --telemetry)")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
