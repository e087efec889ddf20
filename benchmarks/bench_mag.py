"""Speed of a day of MAG at the full vector rate: simulated, L1, and calibrated to L2 (issue 16: L2 < 10 s).

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_mag.py [--hours 24]``. A day of
the science orbit from 2026-03-20 (attitude of :func:`smilekit.mission.pointing.attitude` every minute, SXI at
10 RE on the X axis) and a true field every second (a 5-nT IMF turning once an hour); both sensors at the
default 32 vectors/s (2 764 801 vectors each). The simulation is timed once, L1 and L2 best of three
(imports and caches are warmed by a minute of data first): the simulation, L1, and L2 (the
ground calibration, the gradiometer, body -> GSE by Slerp of the attitude, GSE -> GSM). It reports the
largest and rms error of L2 against the truth, and the peak memory.
"""

import argparse
import resource
import time

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.instruments.mag import ground_calibration, make_l1, make_l2, simulate_mag
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude
from smilekit.units import RE


def truth(start: str, hours: float) -> xr.DataArray:
    t = np.datetime64(start, "ns") + np.arange(0, int(hours * 3600) + 1) * np.timedelta64(1, "s")
    phase = 2 * np.pi * np.arange(t.size) / 3600.0
    b = np.column_stack([np.full(t.size, -2.0), 4.0 * np.cos(phase), 4.0 * np.sin(phase)])
    return xr.DataArray(b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT"})


def timed(fn, n=1):
    """Best of ``n`` calls (the machine is shared: the best is the least disturbed)."""
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    hours = parser.parse_args().hours
    start = "2026-03-20T00:00"
    stop = np.datetime64(start, "s") + np.timedelta64(int(hours * 3600), "s")
    track = kepler_track(science_orbit(start), sample_times(start, str(stop), 60 * u.s))
    att = attitude(track, [10.0, 0.0, 0.0] * RE)
    cal = ground_calibration(rng=1)
    warm = make_l2(make_l1(simulate_mag(truth(start, 1 / 60), att, 0)), att, cal)  # imports, caches
    assert warm.sizes["time"] > 0
    b = truth(start, hours)
    stages = {}
    stages["simulate_mag"], raw = timed(lambda: simulate_mag(b, att, 2))
    stages["make_l1"], l1 = timed(lambda: make_l1(raw), 3)
    stages["make_l2 (calibration)"], l2 = timed(lambda: make_l2(l1, att, cal), 3)
    n = raw.sizes["time"]
    for name, s in stages.items():
        print(f"{name:24s} {s:7.2f} s")
    print(
        f"{'L1 + L2':24s} {stages['make_l1'] + stages['make_l2 (calibration)']:7.2f} s, {n} vectors a sensor"
    )
    err = np.linalg.norm(l2["b_gse"].values - raw["b_true_gse"].values, axis=1)
    print(f"L2 - truth: max {err.max():.3f} nT, rms {np.sqrt(np.mean(err**2)):.3f} nT; quality 0: "
          f"{float((l2['quality'] == 0).mean()):.3f}")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
