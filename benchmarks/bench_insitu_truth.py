"""Benchmark: the in situ truth (plasma and field) along a 51-h science orbit at 4-s cadence.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_insitu_truth.py
    .venv/bin/python benchmarks/bench_insitu_truth.py --event 2003-10-29-halloween --hours 47

Builds the orbit (``science_orbit``, two-body, node 180 deg so that the apogee half crosses the dayside
sheath), rotates it to GSE and calls :func:`smilekit.geospace.insitu_truth` once over the whole track
with the bundled event's solar wind. Prints the samples, the solar-wind records the track spans (one
magnetosheath model is built per record), the time in each region, the sheath samples outside the
Kobel-Flückiger paraboloids (quality bit 4), the crossings found, the wall time
(best of ``--repeat``) and the process's peak resident set size.
"""

from __future__ import annotations

import argparse
import resource
import time


def main() -> None:
    import astropy.units as u
    import numpy as np

    from smilekit.frames import transform
    from smilekit.geospace import crossings, insitu_truth
    from smilekit.mission.orbit import science_orbit
    from smilekit.solarwind.events import DEFAULT_EVENT, load_event
    from smilekit.units import RE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", default=DEFAULT_EVENT)
    parser.add_argument("--hours", type=float, default=51.0)
    parser.add_argument("--step", type=float, default=4.0, help="cadence, s")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sheath-field", default="kobel1994", help="kobel1994 or frozen_compression")
    args = parser.parse_args()

    sw = load_event(args.event)
    start = sw.time.values[0]
    times = start + np.arange(0, args.hours * 3600, args.step).astype("timedelta64[s]")
    position, _ = science_orbit(start, raan=180 * u.deg).state_values(times)
    pos_gse = transform(position * u.km, times, "GEI", "GSE").to(RE)
    records = sw.time.values
    spanned = int(np.count_nonzero((records >= times[0]) & (records <= times[-1])))

    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        truth = insitu_truth(pos_gse, times, sw, kp=3.0, sheath_field=args.sheath_field)
        best = min(best, time.perf_counter() - t0)
    found = crossings(truth)
    counts = np.bincount(truth["region"].values, minlength=4)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outside_kf = int(np.count_nonzero(truth["quality"].values & 4))
    print(
        "| event | sheath field | samples | records | SW / sheath / MS / cusp | sheath outside KF "
        "| crossings | wall | samples/s | peak RSS |"
    )
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.event} | {args.sheath_field} | {times.size} | {spanned} | "
        f"{' / '.join(str(c) for c in counts)} | {outside_kf} | {found.sizes['crossing']} | {best:.1f} s | "
        f"{times.size / best:.0f} | {peak_mib:.0f} MiB |"
    )


if __name__ == "__main__":
    main()
