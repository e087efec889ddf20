"""Benchmark: one 5-min SXI frame, L1 (events simulated and written) plus L2 (1- and 5-min images written).

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_sxi_frames.py                 # realistic sky from the LOS imager
    .venv/bin/python benchmarks/bench_sxi_frames.py --sky synthetic # no LOS imager: an analytic sheath
    .venv/bin/python benchmarks/bench_sxi_frames.py --repeat 10

The sky is the Jorgensen et al. (2019) emissivity (PPMLR fit, magnetopause 8 RE, bow shock 11 RE) seen
from (3.5, -2.3, 17.1) RE aiming at (3.5, -2.3, 0) RE (the geometry of Jung et al. 2024, :cite:`jung2024`) at
0.1 deg pixels,
made once by ``smilekit.instruments.sxi.intensity_map`` (its time is reported but is not part of the
frame budget), or with ``--sky synthetic`` an analytic crescent of the same size and brightness. One frame
is: ``simulate_events`` (300 s, all backgrounds), ``write_l1``, ``make_l2`` at 5 min and at 1 min (broad
band, 0.25 deg pixels) and ``write_l2`` of both. Prints the first (cold: imports, map read, caches) and the
best warm wall time, the event count, and the peak memory traced by ``tracemalloc`` for one warm frame
next to the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.units import RE

POINTING = {
    "time": "2026-03-20T12:00:00.000",
    "sc_position_gse_re": [3.5, -2.3, 17.1],
    "aim_point_gse_re": [3.5, -2.3, 0.0],
}


def synthetic_sky(pixel: float = 0.1) -> xr.DataArray:
    """A magnetosheath-like crescent (keV cm^-2 s^-1 sr^-1) over the FOV: bright near the +u edge."""
    nu, nv = round(27 / pixel), round(16 / pixel)
    cu = (np.arange(nu) - 0.5 * (nu - 1)) * pixel
    cv = (np.arange(nv) - 0.5 * (nv - 1)) * pixel
    uu, vv = np.meshgrid(cu, cv)
    r = np.hypot(uu - 16.0, vv)
    values = 30.0 * np.exp(-0.5 * ((r - 9.0) / 2.0) ** 2) + 2.0
    return xr.DataArray(
        values,
        dims=("v", "u"),
        coords={"v": ("v", cv, {"units": "deg"}), "u": ("u", cu, {"units": "deg"})},
        attrs={"units": "keV cm-2 s-1 sr-1", **POINTING},
    )


def los_sky() -> tuple[xr.DataArray, float]:
    from smilekit.geospace.emissivity import Jorgensen2019
    from smilekit.instruments.sxi.sky import intensity_map

    model = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)
    start = time.perf_counter()
    sky = intensity_map(
        model,
        POINTING["sc_position_gse_re"] * RE,
        POINTING["aim_point_gse_re"] * RE,
        time=POINTING["time"],
    )
    return sky, time.perf_counter() - start


def frame(sky, out: Path, seed: int) -> int:
    from smilekit.instruments.sxi.l2 import make_l2
    from smilekit.instruments.sxi.simulate import simulate_events
    from smilekit.products.sxi_fits import write_l1, write_l2

    events = simulate_events(sky, 300 * u.s, rng=seed)
    write_l1(events, out / "l1.fits", overwrite=True)
    for minutes in (5, 1):
        images = make_l2(events, cadence=minutes * u.min, pixel=0.25 * u.deg)
        write_l2(images, out / f"l2_{minutes}min.fits", overwrite=True)
    return len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sky", choices=("los", "synthetic"), default="los")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.sky == "los":
        sky, los_seconds = los_sky()
        print(f"sky: LOS image {sky.shape} in {los_seconds:.2f} s (not part of the frame budget)")
    else:
        sky = synthetic_sky()
        print(f"sky: synthetic crescent {sky.shape}")
    print(f"sky intensity: mean {float(sky.mean()):.2f}, max {float(sky.max()):.2f} keV cm-2 s-1 sr-1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        n = frame(sky, out, 0)
        cold = time.perf_counter() - start
        best = np.inf
        for k in range(args.repeat):
            start = time.perf_counter()
            n = frame(sky, out, k + 1)
            best = min(best, time.perf_counter() - start)
        tracemalloc.start()
        frame(sky, out, 99)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"events per 5-min frame: {n}")
    print(f"5-min L1 + L2 frame: first {cold:.3f} s, best of {args.repeat} warm {best:.3f} s (target < 2 s)")
    print(f"peak traced memory {peak / 2**20:.0f} MiB, process peak RSS {rss:.0f} MiB")
    print("files: " + ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
