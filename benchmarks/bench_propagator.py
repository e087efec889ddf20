"""Benchmark: three years of the science orbit at 1-min output with J2 + Sun + Moon, and its drift.

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_propagator.py
    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_propagator.py --years 1 --step 300 --repeat 1

The numba kernels are compiled into a fresh temporary cache first (``NUMBA_CACHE_DIR``), so the first
call's time is the real JIT compile time, reported apart from the propagation (best of ``--repeat``
runs). Prints the wall time, integration steps, output points per second, the process's peak resident
set size (``resource.getrusage``: numba allocates outside ``tracemalloc``'s view) and the drift of the
orbit per year as a Markdown table (``orbit_evolution``; J2 alone for comparison).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time


def _drift_table(table, years: float) -> list[str]:
    import numpy as np

    days = (table.perigee_time - table.perigee_time.iloc[0]).dt.total_seconds().to_numpy() / 86400.0
    rows = []
    for label, column, fmt in (
        ("perigee altitude (km)", "perigee_alt_km", "{:.0f}"),
        ("apogee altitude (km)", "apogee_alt_km", "{:.0f}"),
        ("inclination (deg)", "inclination_deg", "{:.3f}"),
        ("node (deg)", "raan_deg", "{:.2f}"),
        ("argument of perigee (deg)", "arg_perigee_deg", "{:.2f}"),
    ):
        values = table[column].to_numpy()
        if column == "raan_deg":
            values = np.degrees(np.unwrap(np.radians(values)))
        yearly = [values[np.argmin(np.abs(days - 365.25 * k))] for k in range(1, int(years) + 1)]
        per_year = np.diff([values[0], *yearly])
        cells = [fmt.format(values[0]), *[fmt.format(v) for v in yearly]]
        change = ", ".join(("+" if d >= 0 else "") + fmt.format(d) for d in per_year)
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {change} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2026-03-01", help="epoch (UTC) of the science orbit, at apogee")
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--step", type=float, default=60.0, help="output step, s")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="smilekit-numba-")  # cold JIT, measured below

    import astropy.units as u
    import numpy as np

    from smilekit.mission.orbit import sample_times, science_orbit
    from smilekit.mission.propagator import orbit_evolution, propagate

    orbit = science_orbit(args.start)
    stop = orbit.epoch + np.timedelta64(round(args.years * 365.25 * 86400), "s")
    times = sample_times(orbit.epoch, stop, args.step * u.s)

    t0 = time.perf_counter()
    propagate(orbit, times[:2])
    compile_s = time.perf_counter() - t0
    base_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    best = np.inf
    for _ in range(args.repeat):
        track = None  # let the previous run's arrays go before the next one
        t0 = time.perf_counter()
        track, stats = propagate(orbit, times, return_stats=True)
        best = min(best, time.perf_counter() - t0)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    table = orbit_evolution(track)
    evolution_s = time.perf_counter() - t0
    j2_table = orbit_evolution(propagate(orbit, times, perturbations=("J2",)))

    print(f"science orbit from {args.start}, {args.years:g} years at {args.step:g} s output, J2 + Sun + Moon")
    print(f"  JIT compile (first call, cold cache) {compile_s:6.2f} s")
    print(f"  propagate (best of {args.repeat})            {best:6.2f} s")
    print(
        f"  steps {stats['steps']} accepted, {stats['rejected']} rejected, "
        f"{stats['rhs_evaluations']} force evaluations"
    )
    print(f"  output points {len(times)}: {len(times) / best:.3g} points/s")
    print(f"  orbit_evolution ({len(table)} orbits)  {evolution_s:6.2f} s")
    print(f"  peak RSS {peak_mib:.0f} MiB ({base_mib:.0f} MiB after imports and JIT)")
    years = int(args.years)
    header = " | ".join(["start", *[f"year {k}" for k in range(1, years + 1)]])
    print(f"\n| J2 + Sun + Moon | {header} | change per year |")
    print("| --- |" + " ---: |" * (years + 2))
    print("\n".join(_drift_table(table, args.years)))
    print(f"\n| J2 only | {header} | change per year |")
    print("| --- |" + " ---: |" * (years + 2))
    print("\n".join(_drift_table(j2_table, args.years)))


if __name__ == "__main__":
    main()
