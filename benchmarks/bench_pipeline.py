"""Speed and memory of the pipeline: one 51-h orbit of MAG, LIA and housekeeping through packet files.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_pipeline.py [HOURS] [FILE_HOURS]``.

Made once (not timed): the science orbit from apogee (``kepler_track`` every second), the attitude
(``mission.pointing.attitude``, aim 10 RE sunward), the modes (``mode_timeline``) and housekeeping at 1 s;
MAG at the job's vector rate (1 Hz, ``runs.stages.mag``) of a rotating 30 nT field, both sensors; LIA one
4-s distribution a minute (the job's ``every_s``) of 8 cm^-3, 420 km/s, 2e5 K protons with the attitude;
all packetised in time order and cut into one packet file per ``FILE_HOURS`` (6 h by default: a stand-in
for the ground passes) with the auxiliary files. Timed, in a fresh process each: ``process`` of the whole
folder, and of its first half (the same file size, half the run) to show the peak memory does not grow
with the run. Reported: packets per second through L0 (scan, CRC, ccsdspy, time), each stage's share of
``process``'s time (``summary.json``'s ``time_s``: the L0 decoding, housekeeping, the MAG chain with its
CDF writing, the LIA chain with its CDF writing), and the peak RSS of the processing process (Linux's
``VmHWM``; ``ru_maxrss`` would report the parent's peak from before the exec).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import astropy.units as u
import numpy as np

from smilekit.instruments.lia import simulate_counts
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.mag import ground_calibration, simulate_mag
from smilekit.instruments.mag.config import MAGConfig
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, body_to_gse_values
from smilekit.pipeline import write_mag_calibration, write_time_correlation
from smilekit.telemetry import Packetiser, TimeCorrelation, housekeeping, merge

START = "2026-03-21T00:00:00"

_CHILD = """
import json, sys, time


def hwm():  # this process's peak RSS (MiB); ru_maxrss would keep the parent's from before the exec
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM")).split()[1]) / 1024


from smilekit.pipeline import process

imported = hwm()
t0 = time.perf_counter()
s = process(sys.argv[1], sys.argv[2])
wall = time.perf_counter() - t0
losses = s["losses"]
packets = sum(v["kept"] for v in losses.values() if isinstance(v, dict))
print(json.dumps({"wall_s": wall, "time_s": s["time_s"], "packets": packets, "files": len(s["files"]),
                  "products": len(s["products"]), "mag": s["mag"], "lia": s["lia"],
                  "import_rss_mib": imported, "peak_rss_mib": hwm()}))
"""


def make_l0(folder: Path, hours: float, file_hours: float) -> dict:
    orbit = science_orbit("2026-03-20")
    stop = np.datetime64(START) + np.timedelta64(int(hours * 3600), "s")
    times = sample_times(START, str(stop), 1 * u.s, include_stop=True)
    track = kepler_track(orbit, times)
    att = attitude(track, [10.0, 0.0, 0.0] * u.Unit("RE"))
    hk = housekeeping(att, mode_timeline(track))
    t_b = times[::60]
    phase = np.linspace(0.0, 50.0, t_b.size)
    b = np.column_stack([30 * np.cos(phase), 30 * np.sin(phase), 5 + 0 * phase]) * u.nT
    config = MAGConfig(vector_rate=1 * u.Hz)
    raw = simulate_mag(b, att, 11, time=t_b, config=config)
    packetiser = Packetiser(TimeCorrelation.ideal())
    batches = [packetiser.mag(raw), packetiser.hk(hk)]
    lia_t = times[30:-30:60]
    rot = body_to_gse_values(att, lia_t)
    for k in range(0, lia_t.size, 500):
        s = slice(k, k + 500)
        n = lia_t[s].size
        pop = Population("proton", [8.0] * n / u.cm**3, [[-420.0, 30.0, 10.0]] * n * u.km / u.s,
                         [2e5] * n * u.K, [2e5] * n * u.K, [[0.6, 0.8, 0.0]] * n)  # fmt: skip
        counts = simulate_counts([pop], k, attitude=rot[s], time=lia_t[s], keep_expected=False)
        batches.append(packetiser.lia(counts))
    batch = merge(*batches)
    folder.mkdir(parents=True)
    write_time_correlation(folder / "time_correlation.json", packetiser.correlation)
    write_mag_calibration(folder / "mag_calibration.json", ground_calibration(config, 5))
    edge = np.arange(0, hours * 3600 + file_hours * 3600, file_hours * 3600) * 65536
    t0 = batch.ticks[0]
    cut = np.searchsorted(batch.ticks - t0, edge)
    cut[-1] = len(batch)  # the last file up to the end (packets at the stop time included)
    for k in range(cut.size - 1):
        data = b"".join(batch.packets[cut[k] : cut[k + 1]])
        if data:
            (folder / f"smile_tm_pass_{k:04d}.bin").write_bytes(data)
    return {"packets": len(batch), "octets": batch.nbytes, "mag_vectors": raw.sizes["time"],
            "lia_distributions": int(lia_t.size), "hk_samples": int(times.size)}  # fmt: skip


def child(l0: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", _CHILD, str(l0), str(out)], capture_output=True, text=True,
                            check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 51.0
    file_hours = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made = make_l0(tmp / "l0", hours, file_hours)
        files = sorted((tmp / "l0").glob("*.bin"))
        half = tmp / "half"
        half.mkdir()
        for f in list((tmp / "l0").glob("*.json")) + files[: len(files) // 2]:
            shutil.copy(f, half / f.name)
        child(half, tmp / "warm")  # numba kernels cached, files in the page cache
        runs = {"half": child(half, tmp / "out_half"), "all": child(tmp / "l0", tmp / "out_all")}
    size = made["octets"] / 2**20
    print(f"{hours:g} h in {len(files)} files of {file_hours:g} h: {made['packets']} packets, "
          f"{size:.1f} MiB; MAG {made['mag_vectors']} vectors, "
          f"LIA {made['lia_distributions']} distributions, HK {made['hk_samples']} samples")  # fmt: skip
    for name, r in runs.items():
        t = r["time_s"]
        total = sum(t.values())
        shares = ", ".join(f"{k} {v:.2f} s ({100 * v / total:.0f} %)" for k, v in t.items())
        print(f"  {name}: {r['files']} files, {r['packets']} packets, {r['products']} products; wall "
              f"{r['wall_s']:.1f} s; L0 {r['packets'] / t['l0']:.0f} packets/s; {shares}; "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB "
              f"({r['import_rss_mib']:.0f} after the imports)")  # fmt: skip
        print(f"    mag {r['mag']}\n    lia {r['lia']}")


if __name__ == "__main__":
    main()
