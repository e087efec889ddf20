"""Benchmark: the regions and crossings of a 51-h orbit of 4-s ion moments, and the accuracy table.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_regions.py            # timing, one orbit
    .venv/bin/python benchmarks/bench_regions.py --table    # every test orbit, 3 seeds

The orbits and the measured series are those of ``tests/science/test_regions.py``
(``tests/testsupport/insitu.py``: the science orbit through ``insitu_truth``; 4-s moments with 5 % n,
1 % V, 10 % T errors, B with 0.5 nT noise). Prints the time of :func:`classify_regions` and
:func:`find_crossings` (best of ``--repeat``; the truth's own cost is ``bench_insitu_truth.py``'s) and,
with ``--table``, the accuracy against the truth per orbit and seed: fraction of the classified time
correct (solar wind, magnetosheath, magnetosphere, all), true / found crossings, detection rate, false
crossings, crossing-time error (median, 90th percentile) and |r - model boundary radius| at the found
crossings (median, 90th percentile). The 2006-12-14 CME orbit is one the thresholds were not chosen on.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

RADIUS = ("radius_error_median_re", "radius_error_p90_re", "radius_error_max_re", "radius_compared")


def main() -> None:
    import numpy as np

    from smilekit.science.regions import classify_regions, compare_with_truth, find_crossings

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' orbits
    from testsupport.insitu import ORBITS, measured, orbit_truth

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    def classify(m):
        return classify_regions(m["time"], density=m["n"], velocity=m["v"], temperature=m["t"], b=m["b"],
                                positions=m["positions"])  # fmt: skip

    name, event, start, hours, kp = ORBITS[1]
    truth = orbit_truth(event, start, hours, kp)
    m = measured(truth, 1)
    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = find_crossings(classify(m))
        best = min(best, time.perf_counter() - t0)
    size = truth.sizes["time"]
    print(f"{name}: {size} samples (4 s, {hours:g} h): classify + crossings {best * 1e3:.0f} ms "
          f"({size / best:.2e} samples/s), {found.sizes['crossing']} crossings")  # fmt: skip
    if not args.table:
        return
    print("| orbit | seed | SW | sheath | MS | all | true / found | detected | false | dt med / p90 (s) "
          "| dr med / p90 / max (RE) (compared) |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, event, start, hours, kp in ORBITS:
        truth = orbit_truth(event, start, hours, kp)
        for seed in (1, 2, 3):
            r = compare_with_truth(classify(measured(truth, seed)), truth)
            c = r["correct"]
            cells = [
                name,
                seed,
                *(f"{c[k]:.4f}" for k in ("solar_wind", "magnetosheath", "magnetosphere", "all")),
            ]
            cells += [f"{r['true_crossings']} / {r['found_crossings']}", f"{r['detected']:.3f}", r["false"]]
            cells += [f"{r['time_error_median_s']:.1f} / {r['time_error_p90_s']:.1f}"]
            cells += ["{:.3f} / {:.3f} / {:.3f} ({})".format(*(r[k] for k in RADIUS))]
            print("| " + " | ".join(str(x) for x in cells) + " |")


if __name__ == "__main__":
    main()
