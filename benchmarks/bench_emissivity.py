"""Emissivity throughput: samples per second and peak memory on 1e6 points (not part of the test suite).

Models: Jorgensen2019 (published PPMLR fit), CMEM (from a solar-wind state), SWCXEmissivity (real
Magnetosheath + Hodges 1994 exosphere) and an EmissivityCube (trilinear interpolation of a 121^3 cube).

Run::

    .venv/bin/python benchmarks/bench_emissivity.py [--n 1000000] [--repeat 3]

Peak memory is the tracemalloc peak of numpy allocations during one call (Python-level heap; numpy
registers its buffers with tracemalloc).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import astropy.units as u
import numpy as np

from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE


def _measure(model, x, y, z, repeat):
    model.evaluate(x[:1000], y[:1000], z[:1000])  # warm-up (table reads, caches)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.evaluate(x, y, z)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    model.evaluate(x, y, z)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return x.size / best, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    x = rng.uniform(-20, 25, args.n)
    y = rng.uniform(-25, 25, args.n)
    z = rng.uniform(-25, 25, args.n)
    sw = SolarWindState(n=10 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -2] * u.nT)
    jorg = Jorgensen2019.ppmlr_fit(mp=9 * RE, bs=12 * RE)
    grid = np.linspace(-30, 30, 121)
    models = {
        "Jorgensen2019": jorg,
        "CMEM": CMEM.from_solar_wind(sw),
        "SWCXEmissivity": SWCXEmissivity.from_solar_wind(sw, exosphere="hodges1994"),
        "EmissivityCube (121^3)": EmissivityCube.from_model(jorg, grid, grid, grid),
    }
    print(f"{'model':<24} {'samples/s':>12} {'peak MiB':>10}   (n = {args.n:g})")
    for name, model in models.items():
        rate, peak = _measure(model, x, y, z, args.repeat)
        print(f"{name:<24} {rate:12.3e} {peak:10.1f}")


if __name__ == "__main__":
    main()
