"""Benchmark: GSE -> GSM transforms per second for 1e6 vectors at 1e6 distinct times, and peak memory.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_frames.py            # 1e6 vectors, 3 repeats
    .venv/bin/python benchmarks/bench_frames.py --n 100000 --repeat 5

Prints the best wall time of ``transform`` (Quantity in RE, one time per vector) and of the kernel path
``rotation_matrix`` + einsum, the throughput, and the peak memory traced by ``tracemalloc`` during one
call (numpy registers its allocations with tracemalloc) next to the size of the input.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from smilekit.frames import rotation_matrix, transform
from smilekit.units import RE


def _inputs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2000-01-01", "ns")
    span = (np.datetime64("2030-01-01", "ns") - t0).astype(np.int64)
    times = t0 + rng.integers(0, span, n).astype("timedelta64[ns]")
    vectors = rng.normal(size=(n, 3)) * 20.0
    return times, vectors


def _best(func, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of vectors and times")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times, vectors = _inputs(args.n)
    positions = vectors * RE

    def public():
        return transform(positions, times, "GSE", "GSM")

    def kernel():
        return np.einsum("...ij,...j->...i", rotation_matrix(times, "GSE", "GSM"), vectors)

    public()  # warm up (parses the IGRF file once)
    for label, func in (("transform (Quantity, RE)", public), ("rotation_matrix + einsum", kernel)):
        seconds = _best(func, args.repeat)
        tracemalloc.start()
        func()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{label:28s} n={args.n:.0e}: {seconds:.3f} s, {args.n / seconds:.3g} transforms/s, "
            f"peak traced memory {peak / 2**20:.0f} MiB (input vectors {vectors.nbytes / 2**20:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
