"""Speed and memory of the pipeline: one 51-h orbit of every instrument's packets through packet files.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_pipeline.py [HOURS] [FILE_HOURS] [IMAGERS]
[UVI_EVERY_MIN]`` (``IMAGERS`` 0 leaves SXI and UVI out, as the first version of this benchmark did).

Made once (not timed): the science orbit from apogee (``kepler_track`` every second), the attitude
(``mission.pointing.attitude``, aim 10 RE sunward), the modes (``mode_timeline``) and housekeeping at 1 s;
MAG at the job's vector rate (1 Hz, ``runs.stages.mag``) of a rotating 30 nT field, both sensors; LIA one
4-s distribution a minute (the job's ``every_s``) of 8 cm^-3, 420 km/s, 2e5 K protons with the attitude; SXI
5-min exposures back to back wherever the timeline has SXI on (``simulate_events`` of a flat sky of 8 keV
cm^-2 s^-1 sr^-1 on the 27 x 16 deg field, about 15 000 events an exposure, the attitude's rotation and
position); UVI 60-s images every ``UVI_EVERY_MIN`` minutes (10) wherever it has UVI on (the 512 x 512
detector; the model sky, a 1 kR ring at 65-75 deg MLAT on a 100 R floor, with the geometry of each image's
start, each image its own Poisson draw: the instrument's 1-min cadence would be ten times the UVI time and
about 20 MB of L1 and L2 files an image, 55 GB an orbit, more than this machine's disk); all packetised in
time order and cut into one packet file per ``FILE_HOURS`` (6 h by default: a stand-in for the ground
passes) with the auxiliary files and the orbit as ``ephemeris.cdf`` (1-min samples). The pipeline runs
without its L3 (``make_l3`` false: the retrievals' cost is the science stage's, 6 s an SXI image). Timed, in
a fresh process each: ``process`` of the whole folder, and of its first half (the same file size, half the
run) to show the peak memory does not grow with the run. Reported: packets per second through L0 (scan, CRC,
ccsdspy, time), each stage's share of ``process``'s time (``summary.json``'s ``time_s``: the L0 decoding,
housekeeping, the MAG chain with its CDF writing, the LIA chain with its CDF writing, the SXI and UVI chains
with their FITS writing), and the peak RSS of the processing process (Linux's ``VmHWM``; ``ru_maxrss`` would
report the parent's peak from before the exec).
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
from smilekit.pipeline import (
    EPHEMERIS_FILE,
    SETTINGS_FILE,
    ProcessingSettings,
    write_mag_calibration,
    write_settings,
    write_time_correlation,
)
from smilekit.products.ephemeris import write_ephemeris_cdf
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
                  "sxi": {k: s["sxi"][k] for k in ("exposures", "events", "frames_lost")},
                  "uvi": {k: s["uvi"][k] for k in ("images", "missing_rows")}, "errors": s["errors"][:3],
                  "import_rss_mib": imported, "peak_rss_mib": hwm()}))
"""


def _ring(mlat, mlt, lat, lon, zenith):
    """A 1 kR ring at 65-75 deg MLAT on a 100 R floor (the UVI sky)."""
    from smilekit.units import RAYLEIGH

    return (100.0 + np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0)) * RAYLEIGH


def imager_batches(packetiser, track, att, timeline, uvi_every_min: int = 10) -> tuple[list, dict]:
    """SXI exposures and UVI images back to back where the timeline has them on (module docstring)."""
    import xarray as xr

    from smilekit.instruments.sxi import simulate_events
    from smilekit.instruments.uvi import simulate_image
    from smilekit.instruments.uvi.sky import model_sky, shell_geometry
    from smilekit.mission.fov import UVI

    times = track.time
    pos = track.position("GSE")
    rng = np.random.default_rng(7)
    sky = xr.DataArray(np.full((16, 27), 8.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    batches, made = [], {"sxi_exposures": 0, "sxi_events": 0, "uvi_images": 0}
    for name, length_s, step_s in (("sxi", 300, 300), ("uvi", 60, 60 * uvi_every_min)):
        on = np.asarray(timeline.sxi_on if name == "sxi" else timeline.uvi_on, dtype=bool)
        k = 0
        while k + length_s < times.size:  # track at 1 s: index = seconds
            if not on[k : k + length_s + 1].all():
                k += 60
                continue
            if name == "sxi":
                ev = simulate_events(sky, length_s * u.s, start=str(times[k]), rotation=att.rotation[k],
                                     sc_position=pos[k], rng=rng)  # fmt: skip
                batches.append(packetiser.sxi(ev))
                made["sxi_exposures"] += 1
                made["sxi_events"] += len(ev)
            else:
                frame = UVI.frame_values(att.rotation[k][None], att.uvi_boresight_gse[k][None])[0]
                image_sky = model_sky(
                    None, None, None, _ring, geometry=shell_geometry(pos[k], frame, times[k])
                )
                batches.append(packetiser.uvi(simulate_image(image_sky, length_s * u.s, rng), start=times[k]))
                made["uvi_images"] += 1
            k += step_s
    return batches, made


def make_l0(
    folder: Path, hours: float, file_hours: float, imagers: bool = True, uvi_every_min: int = 10
) -> dict:
    orbit = science_orbit("2026-03-20")
    stop = np.datetime64(START) + np.timedelta64(int(hours * 3600), "s")
    times = sample_times(START, str(stop), 1 * u.s, include_stop=True)
    track = kepler_track(orbit, times)
    att = attitude(track, [10.0, 0.0, 0.0] * u.Unit("RE"))
    timeline = mode_timeline(track)
    hk = housekeeping(att, timeline)
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
    made = {}
    if imagers:
        more, made = imager_batches(packetiser, track, att, timeline, uvi_every_min)
        batches += more
    batch = merge(*batches)
    folder.mkdir(parents=True)
    coarse = kepler_track(orbit, times[::60])
    write_ephemeris_cdf(
        folder / EPHEMERIS_FILE, coarse, attitude=attitude(coarse, [10.0, 0.0, 0.0] * u.Unit("RE"))
    )
    write_settings(folder / SETTINGS_FILE, ProcessingSettings(make_l3=False))
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
            "lia_distributions": int(lia_t.size), "hk_samples": int(times.size), **made}  # fmt: skip


def child(l0: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", _CHILD, str(l0), str(out)], capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"process({l0}) failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 51.0
    file_hours = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    imagers = bool(int(sys.argv[3])) if len(sys.argv) > 3 else True
    uvi_every_min = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made = make_l0(tmp / "l0", hours, file_hours, imagers, uvi_every_min)
        files = sorted((tmp / "l0").glob("*.bin"))
        half = tmp / "half"
        half.mkdir()
        for f in [*(tmp / "l0").glob("*.json"), *(tmp / "l0").glob("*.cdf"), *files[: len(files) // 2]]:
            shutil.copy(f, half / f.name)
        first = tmp / "first"
        first.mkdir()
        for f in [*(tmp / "l0").glob("*.json"), *(tmp / "l0").glob("*.cdf"), files[0]]:
            shutil.copy(f, first / f.name)
        child(first, tmp / "warm")  # numba kernels compiled and cached, the imports in the page cache
        runs = {"half": child(half, tmp / "out_half"), "all": child(tmp / "l0", tmp / "out_all")}
    size = made["octets"] / 2**20
    print(f"{hours:g} h in {len(files)} files of {file_hours:g} h: {made['packets']} packets, "
          f"{size:.1f} MiB; MAG {made['mag_vectors']} vectors, "
          f"LIA {made['lia_distributions']} distributions, HK {made['hk_samples']} samples, "
          f"SXI {made.get('sxi_exposures', 0)} exposures ({made.get('sxi_events', 0)} events), "
          f"UVI {made.get('uvi_images', 0)} images")  # fmt: skip
    for name, r in runs.items():
        t = r["time_s"]
        total = sum(t.values())
        shares = ", ".join(f"{k} {v:.2f} s ({100 * v / total:.0f} %)" for k, v in t.items())
        print(f"  {name}: {r['files']} files, {r['packets']} packets, {r['products']} products; wall "
              f"{r['wall_s']:.1f} s; L0 {r['packets'] / t['l0']:.0f} packets/s; {shares}; "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB "
              f"({r['import_rss_mib']:.0f} after the imports)")  # fmt: skip
        print(f"    mag {r['mag']}\n    lia {r['lia']}\n    sxi {r['sxi']}\n    uvi {r['uvi']}")
        print(f"    errors {r['errors']}")


if __name__ == "__main__":
    main()
