"""Benchmark of the solar-wind layer: reading the bundled files, regularizing, gap filling, derived values.

Reports records per second and peak Python memory (tracemalloc); not run by the test suite.
Run: ``.venv/bin/python benchmarks/bench_solarwind.py``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from smilekit._data import data_path
from smilekit.solarwind import EVENTS, fill_gaps, read_solar_wind, regularize


def _timed(label: str, func, records: int, repeat: int = 3):
    best = np.inf
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<55s} {best * 1e3:8.1f} ms  {records / best:12.0f} records/s")
    return result


def _chain(path):
    sw = read_solar_wind(path)
    cadence = np.median(np.diff(sw.time.values)).astype("timedelta64[s]")
    return fill_gaps(regularize(sw, cadence), max_gap=np.timedelta64(10, "m")).pdyn


def main() -> None:
    for name, event in EVENTS.items():
        path = data_path(event.file)
        sw = read_solar_wind(path)
        n = len(sw)
        _timed(f"read {name} ({n} records)", lambda path=path: read_solar_wind(path), n)
        cadence = np.median(np.diff(sw.time.values)).astype("timedelta64[s]")
        reg = _timed(f"regularize {name} to {cadence}", lambda sw=sw, c=cadence: regularize(sw, c), n)
        _timed(
            f"fill_gaps {name} (10 min)",
            lambda reg=reg: fill_gaps(reg, max_gap=np.timedelta64(10, "m")),
            len(reg),
        )
        _timed(
            f"derived quantities {name}",
            lambda sw=sw: [sw.pdyn, sw.newell_coupling, sw.alfven_mach, sw.clock_angle, sw.magnetosonic_mach],
            n,
        )
    for name, event in EVENTS.items():  # memory separately: tracemalloc slows the parsing down
        tracemalloc.start()
        _chain(data_path(event.file))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak traced memory, read + regularize + fill_gaps + pdyn, {name}: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
