"""Benchmark: the archive's web service under load, ``smilekit serve`` on loopback with N concurrent clients.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_service.py                    # 50 clients, 20 s
    .venv/bin/python benchmarks/bench_service.py --clients 100 --seconds 30 --mag-rate 1

The archive is the service tests' (``tests/testsupport/service_archive.py``: every time-series dataset,
public and proprietary groups, users and tokens, quick-look PNGs) plus a day of MAG L2 (2026-03-22) at
``--mag-rate`` vectors/s (default 8: about 691 000 vectors) made by the instrument chain (the science orbit's
attitude, a rotating 5-nT field, ``simulate_mag``, ``make_l1``, ``make_l2``) and written with
``write_mag_l2`` as two 12-h products: the first received two years ago (public now), the second 30 days
ago (proprietary now). Every group's receipt is set relative to now, since ``smilekit serve`` applies the
data policy at the real clock.

The server is ``smilekit serve --archive DIR --port N`` in a subprocess, on 127.0.0.1 only. ``--clients``
threads (each a ``requests.Session``) send requests, each drawn at random from the kinds below, until
``--seconds`` have passed or ``--max-requests`` were sent; every answer is read to its end and checked
(status; HAPI data: the exact number of records of the window; downloads and figures: their size):

=================  =====================================================================================
``csv``            HAPI data, CSV, a random ``--window`` minutes of the public MAG half, no token
``binary``         the same as HAPI binary
``csv+token``      HAPI data, CSV, of the proprietary half, with an SWT member's Bearer token
``binary+token``   the same as HAPI binary, with the MAG PI's token
``refused``        the proprietary half without a token: must be 401
``small``          HAPI CSV of a small public dataset (the ephemeris, a few hours)
``index``          the quick-look index ``/``
``day``            a day's quick-look page (``/quicklook/2026-03-21``, with ``?instrument=mag`` one in two)
``figure``         a quick-look PNG (``/quicklook/figure/{id}``)
``download``       a small public product (``/products/{id}``)
=================  =====================================================================================

Prints, per kind and for all: requests, errors, latency p50 / p99 / max, bytes; then requests/s,
MB/s, the error count (the issue: 50 clients without errors), the server's CPU time and its peak
memory (``VmHWM`` of ``/proc/PID/status``). Exits 1 if any request failed. The clients are threads of this
process (about one core of Python at 50 clients): on a 2-core machine they and the server share the CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The kinds of request and their weights in the mix.
MIX = {"csv": 3, "binary": 3, "csv+token": 2, "binary+token": 2, "refused": 1, "small": 1, "index": 2,
       "day": 2, "figure": 3, "download": 1}  # fmt: skip
BIG_DAY = "2026-03-22"


def _mag_day(folder: Path, rate_hz: float) -> dict:
    """A day of MAG L2 at ``rate_hz`` as two 12-h products in ``folder``: ``{"public": (path, times),
    "proprietary": (path, times)}``."""
    import astropy.units as u
    import numpy as np
    import xarray as xr

    from smilekit.instruments.mag import ground_calibration, make_l1, make_l2, simulate_mag
    from smilekit.instruments.mag.config import MAGConfig
    from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    from smilekit.mission.pointing import attitude
    from smilekit.products.insitu_cdf import mag_product_name, write_mag_l2
    from smilekit.units import RE

    start = np.datetime64(BIG_DAY + "T00:00:00", "ns")
    seconds = 86_400
    track = kepler_track(science_orbit(BIG_DAY), sample_times(BIG_DAY, "2026-03-23", 60 * u.s))
    att = attitude(track, [10.0, 0.0, 0.0] * RE)
    t = start + np.arange(seconds) * np.timedelta64(1, "s")
    phase = 2 * np.pi * np.arange(t.size) / 3600.0
    b = np.column_stack([np.full(t.size, -2.0), 4.0 * np.cos(phase), 4.0 * np.sin(phase)])
    truth = xr.DataArray(b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT"})
    config = MAGConfig(vector_rate=rate_hz * u.Hz)
    l1 = make_l1(simulate_mag(truth, att, 2, config=config), config)
    l2 = make_l2(l1, att, ground_calibration(config, rng=1))
    half = start + np.timedelta64(12, "h")
    out = {}
    for group, part in (("public", l2.sel(time=slice(None, half - np.timedelta64(1, "ns")))),
                        ("proprietary", l2.sel(time=slice(half, None)))):  # fmt: skip
        times = part["time"].values
        path = write_mag_l2(folder / mag_product_name("l2", times[0]), part)
        out[group] = (path, times)
    return out


def _peak(pid: int) -> dict:
    """The process's memory (VmRSS, VmHWM in MiB) and CPU time (s) from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    fields["cpu_s"] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return fields


def main() -> None:
    import numpy as np
    import requests

    sys.path.insert(0, str(ROOT / "tests"))  # the service tests' archive
    from smilekit.archive.catalogue import ingest
    from testsupport.service import free_port
    from testsupport.service_archive import build_archive

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the load (at most 600)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="the most requests sent in all")
    parser.add_argument("--mag-rate", type=float, default=8.0, help="vectors/s of the big MAG L2 day")
    parser.add_argument("--window", type=float, default=10.0, help="minutes of MAG per HAPI data request")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a client waits for an answer")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.seconds = min(args.seconds, 600.0)
    if not 0 < args.window <= 600 or args.clients < 1:
        parser.error("--window is 0 to 600 minutes (of a 12-h product), --clients at least 1")
    command = " ".join(["python", "benchmarks/bench_service.py", *sys.argv[1:]])

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    received = {"public": now - dt.timedelta(days=730), "proprietary": now - dt.timedelta(days=30),
                "open": now - dt.timedelta(days=30)}  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="bench-service-"))
    server = log = None
    try:
        t0 = time.perf_counter()
        archive = build_archive(scratch / "small", received=received)
        t1 = time.perf_counter()
        big = _mag_day(scratch, args.mag_rate)
        for group, (path, _) in big.items():
            (result,) = ingest(archive.folder, [path], received=received[group])
            assert result["status"] == "ingested", result
        t2 = time.perf_counter()
        sizes = {g: p.stat().st_size / 2**20 for g, (p, _) in big.items()}
        print(f"archive: the tests' products in {t1 - t0:.1f} s; MAG L2 {BIG_DAY} at {args.mag_rate:g}/s "
              f"({sum(len(t) for _, t in big.values())} vectors, 2 CDFs of {sizes['public']:.1f} MiB) "
              f"in {t2 - t1:.1f} s")  # fmt: skip

        port = free_port()
        log = open(scratch / "server.log", "wb")
        smilekit = shutil.which("smilekit", path=str(Path(sys.executable).parent)) or "smilekit"
        server = subprocess.Popen(
            [smilekit, "serve", "--archive", str(archive.folder), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start: {(scratch / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.2)
        idle = _peak(server.pid)

        # what each kind asks and what a right answer is
        info = requests.get(f"{base}/hapi/info", params={"dataset": "mag_l2_fields"}, timeout=10).json()
        sizes_of = {"double": 8, "integer": 4}
        record_bytes = 27 + sum(sizes_of[p["type"]] * int(np.prod(p.get("size", [1])))
                                for p in info["parameters"][1:])  # fmt: skip
        tokens = {"csv+token": archive.tokens["swt"], "binary+token": archive.tokens["pi_mag"]}
        figures = archive.products["mag_ql_fields"]
        (download,) = archive.products["lia_l2_moments"]
        download_size = archive.path(download).stat().st_size
        figure_size = {i: archive.path(i).stat().st_size for i in figures}
        window = np.timedelta64(int(args.window * 60), "s")
        small_start, small_stop = "2026-03-21T00:00:00Z", "2026-03-21T06:00:00Z"
        small_rows = int(
            np.sum(archive.expected["sc_l2_ephemeris"]["Time"] < np.datetime64("2026-03-21T06:00"))
        )

        def hapi_window(group: str, rng: random.Random):
            times = big[group][1]
            first = times[0].astype("datetime64[m]") + np.timedelta64(1, "m")
            minutes = int((times[-1] - first) / np.timedelta64(1, "m") - args.window)
            a = (first + np.timedelta64(rng.randrange(minutes), "m")).astype("datetime64[ns]")
            b = a + window
            rows = int(np.searchsorted(times, b) - np.searchsorted(times, a))
            return f"{str(a)[:19]}Z", f"{str(b)[:19]}Z", rows

        def request(kind: str, rng: random.Random):
            """``(path, query, headers, expected HTTP status, check of the body or None)``."""
            if kind in ("csv", "binary", "csv+token", "binary+token", "refused"):
                group = "public" if kind in ("csv", "binary") else "proprietary"
                a, b, rows = hapi_window(group, rng)
                fmt = "binary" if kind.startswith("binary") else "csv"
                headers = {"Authorization": f"Bearer {tokens[kind]}"} if kind in tokens else {}
                params = {"dataset": "mag_l2_fields", "start": a, "stop": b, "format": fmt}
                if kind == "refused":
                    return "/hapi/data", params, headers, 401, None
                if fmt == "binary":
                    return (
                        "/hapi/data",
                        params,
                        headers,
                        200,
                        lambda body, n=rows: len(body) == n * record_bytes,
                    )
                return "/hapi/data", params, headers, 200, lambda body, n=rows: body.count(b"\n") == n
            if kind == "small":
                params = {"dataset": "sc_l2_ephemeris", "start": small_start, "stop": small_stop}
                return "/hapi/data", params, {}, 200, lambda body: body.count(b"\n") == small_rows
            if kind == "index":
                return "/", {}, {}, 200, lambda body: b"2026-03-21" in body
            if kind == "day":
                params = {"instrument": "mag"} if rng.random() < 0.5 else {}
                return "/quicklook/2026-03-21", params, {}, 200, lambda body: b"mag_l2_fields" in body
            if kind == "figure":
                i = rng.choice(figures)
                return f"/quicklook/figure/{i}", {}, {}, 200, lambda body, n=figure_size[i]: len(body) == n
            return f"/products/{download}", {}, {}, 200, lambda body: len(body) == download_size

        kinds, weights = list(MIX), list(MIX.values())
        latencies: dict[str, list[float]] = defaultdict(list)
        volume: dict[str, int] = defaultdict(int)
        errors: dict[str, list[str]] = defaultdict(list)
        lock = threading.Lock()
        sent = [0]
        start_gate = threading.Barrier(args.clients + 1)
        stop_at = [0.0]

        def client(number: int) -> None:
            rng = random.Random(args.seed * 10_007 + number)
            session = requests.Session()
            start_gate.wait()
            while time.monotonic() < stop_at[0]:
                with lock:
                    if sent[0] >= args.max_requests:
                        break
                    sent[0] += 1
                kind = rng.choices(kinds, weights)[0]
                path, params, headers, status, check = request(kind, rng)
                a = time.perf_counter()
                problem = None
                try:
                    with session.get(base + path, params=params, headers=headers, timeout=args.timeout,
                                     stream=True) as answer:  # fmt: skip
                        body = b"".join(answer.iter_content(1 << 16))
                    if answer.status_code != status:
                        problem = f"HTTP {answer.status_code} (expected {status}): {body[:200]!r}"
                    elif check is not None and not check(body):
                        problem = f"wrong body ({len(body)} bytes) for {path} {params}"
                except requests.RequestException as exc:
                    problem, body = f"{type(exc).__name__}: {exc}", b""
                elapsed = time.perf_counter() - a
                with lock:
                    latencies[kind].append(elapsed)
                    volume[kind] += len(body)
                    if problem:
                        errors[kind].append(problem)
            session.close()

        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(args.clients)]
        for thread in threads:
            thread.start()
        began = time.monotonic()
        stop_at[0] = began + args.seconds
        start_gate.wait()
        for thread in threads:
            thread.join(args.seconds + args.timeout + 30)
        wall = time.monotonic() - began
        hung = sum(thread.is_alive() for thread in threads)
        loaded = _peak(server.pid)

        print(f"\n`{command}` ({args.clients} clients, {wall:.1f} s, window {args.window:g} min)\n")
        print("| kind | requests | errors | p50 (ms) | p99 (ms) | max (ms) | MB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        everything = []
        for kind in kinds:
            times = latencies.get(kind, [])
            everything += times
            if times:
                p50, p99 = np.percentile(times, [50, 99]) * 1e3
                print(f"| {kind} | {len(times)} | {len(errors[kind])} | {p50:.0f} | {p99:.0f} | "
                      f"{max(times) * 1e3:.0f} | {volume[kind] / 1e6:.1f} |")  # fmt: skip
        total_errors = sum(len(v) for v in errors.values()) + hung
        p50, p99 = np.percentile(everything, [50, 99]) * 1e3
        total_bytes = sum(volume.values())
        print(f"| all | {len(everything)} | {total_errors} | {p50:.0f} | {p99:.0f} | "
              f"{max(everything) * 1e3:.0f} | {total_bytes / 1e6:.1f} |")  # fmt: skip
        print(f"\n{len(everything) / wall:.1f} requests/s, {total_bytes / wall / 1e6:.1f} MB/s, "
              f"{total_errors} errors ({hung} clients still waiting at the end)")  # fmt: skip
        print(f"server: RSS idle {idle['VmRSS']:.0f} MiB, peak {loaded['VmHWM']:.0f} MiB (VmHWM); CPU "
              f"{loaded['cpu_s'] - idle['cpu_s']:.1f} s in {wall:.1f} s of load "
              f"({(loaded['cpu_s'] - idle['cpu_s']) / wall:.2f} cores)")  # fmt: skip
        for kind, problems in errors.items():
            for problem in problems[:3]:
                print(f"error ({kind}, {len(problems)} in all): {problem}")
        server_log = (scratch / "server.log").read_text(errors="replace")
        if "Traceback" in server_log or "ERROR" in server_log:
            print("the server's log:\n" + server_log[-3000:])
        if total_errors:
            sys.exit(1)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        if log is not None:
            log.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
