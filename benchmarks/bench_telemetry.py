"""Speed of the telemetry path: one hour of every instrument -> packets -> file -> L0 -> the simulators' data.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_telemetry.py [HOURS]`` (one process).

The instruments' data are made once (not timed): MAG at 32 Hz (``simulate_mag``), LIA every 4 s (12 simulated
solar-wind distributions repeated, new times), SXI one exposure of the hour with every background
(``simulate_events``), UVI one 60-s image a minute (one simulated image repeated), housekeeping at 1 s.
Timed: packetise (every packetiser and the time-ordered merge), write the stream, L0 (scan with CRC
checks, sort, de-duplicate, gaps, ccsdspy decoding, time conversion) and depacketise (every inverse).
Peak memory: tracemalloc's peak over the timed stages (Python and numpy allocations), and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
import types
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.instruments.lia import simulate_counts
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.mag import simulate_mag
from smilekit.instruments.sxi import simulate_events
from smilekit.instruments.uvi import simulate_image
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import read_l0
from smilekit.telemetry.packetise import Packetiser, housekeeping, merge, write_stream

START = np.datetime64("2026-03-20T12:00:00", "ns")


def make_data(hours: float):
    seconds = int(3600 * hours)
    t_mag = START + np.arange(0, seconds + 1, 60) * np.timedelta64(1, "s")
    phase = np.linspace(0.0, 20.0, t_mag.size)
    b = np.column_stack([40 * np.cos(phase), 40 * np.sin(phase), 10 + 0 * phase]) * u.nT
    mag = simulate_mag(b, np.eye(3), 1, time=t_mag)
    n = 12
    pop = Population("proton", [5.0] * n / u.cm**3, [[-400.0, 20.0, 0]] * n * u.km / u.s, [1e5] * n * u.K,
                     [1e5] * n * u.K, [[0, 0, 1]] * n)  # fmt: skip
    few = simulate_counts(pop, 2, time=START + np.arange(n) * np.timedelta64(4, "s"))
    n_lia = seconds // 4
    counts = np.resize(few["counts"].values, (n_lia, *few["counts"].shape[1:]))
    lia = xr.Dataset({"counts": (("time", "energy", "elevation", "azimuth"), counts)},
                     coords={"time": START + np.arange(n_lia) * np.timedelta64(4, "s")},
                     attrs={"accumulation_s": 4.0})  # fmt: skip
    sky = xr.DataArray(np.full((16, 27), 5.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    sxi = simulate_events(sky, seconds * u.s, start=str(START), rotation=np.eye(3)[:, [1, 2, 0]],
                          sc_position=[0, 0, 20] * u.Unit("RE"), rng=5)  # fmt: skip
    y, x = np.mgrid[0:512, 0:512]
    r = np.hypot(x - 256, y - 256)
    uvi = simulate_image((50.0 + 2000.0 * np.exp(-(((r - 150.0) / 20.0) ** 2))) * u.R, 60 * u.s, 3)
    t_hk = START + np.arange(seconds) * np.timedelta64(1, "s")
    att = types.SimpleNamespace(time=t_hk, rotation=np.broadcast_to(np.eye(3), (seconds, 3, 3)))
    shutter = np.ones(seconds, bool)
    tl = types.SimpleNamespace(time=t_hk, mode=np.full(seconds, "FSM"), sxi_shutter_open=shutter)
    return mag, lia, sxi, uvi, housekeeping(att, tl), seconds // 60


def run(mag, lia, sxi, uvi, hk, n_images, folder):
    """The timed stages once: (seconds per stage, packets, file octets, L0, reconstructions)."""
    stages = {}
    t0 = time.perf_counter()
    p = Packetiser()
    batches = [p.mag(mag), p.lia(lia), p.sxi(sxi), p.hk(hk)]
    batches += [p.uvi(uvi, start=START + np.timedelta64(60 * k, "s")) for k in range(n_images)]
    batch = merge(*batches)
    stages["packetise"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    path = write_stream(Path(folder) / "stream.bin", batch)
    stages["write"] = time.perf_counter() - t0
    n, size = len(batch), path.stat().st_size
    del batches, batch
    t0 = time.perf_counter()
    l0 = read_l0(path)
    stages["L0"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = dp.mag_raw(l0), dp.lia_counts(l0), dp.sxi_events(l0), dp.uvi_images(l0), dp.hk(l0)
    stages["depacketise"] = time.perf_counter() - t0
    return stages, n, size, l0, out


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    data = make_data(hours)
    mag, lia, sxi, uvi, hk, n_images = data
    p = Packetiser()  # warm the numba kernels and ccsdspy on a little data
    read_l0(b"".join(merge(p.mag(mag.isel(time=slice(0, 64))), p.hk(hk.isel(time=slice(0, 2)))).packets))
    with tempfile.TemporaryDirectory() as tmp:
        stages, n, size, l0, out = run(*data, tmp)
        (m, c, (ev, _), imgs, h) = out
        assert np.array_equal(m["counts_inboard"].values, mag["counts_inboard"].values)
        assert np.array_equal(c["counts"].values, lia["counts"].values)
        assert np.array_equal(ev["PI"].values, sxi.columns["PI"]) and len(imgs) == n_images
        assert np.array_equal(imgs[-1].values, uvi.values)
        assert np.array_equal(h["quaternion"].values, hk["quaternion"].values)
        del out, m, c, ev, imgs, h
        tracemalloc.start()  # a second pass for the memory (tracemalloc slows the stages down)
        run(*data, tmp)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    total = sum(stages.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{hours:g} h: {n} packets, {size / 2**20:.1f} MiB; {len(sxi)} SXI events")
    for k, s in stages.items():
        print(f"  {k:12s} {s:7.2f} s  {100 * s / total:5.1f} %  {n / s:9.0f} packets/s")
    print(
        f"  total {total:.2f} s; tracemalloc peak of the stages {peak / 2**20:.0f} MiB; "
        f"peak RSS {rss:.0f} MiB"
    )
    raw = {"lia_distribution": lia["counts"].size * 4, "uvi_image": n_images * uvi.size * 4}
    for k, r in l0.report.items():
        if isinstance(r, dict) and "kept" in r:
            ratio = f", {r['octets'] / raw[k]:.3f} of the raw 32-bit words" if k in raw else ""
            print(f"  {k:18s} {r['kept']:6d} packets {r['octets'] / 2**20:7.2f} MiB{ratio}")


if __name__ == "__main__":
    main()
