"""Peak memory of the long requests of issue 14: a year of 1-min OMNI HRO, a long gap, a long plan.

Each case runs in a child process (``/usr/bin/time -v`` style peak RSS from ``resource.getrusage``), so
the figures do not add up across cases::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_memory.py hro [--lines 525600]
    PYTHONPATH=src .venv/bin/python benchmarks/bench_memory.py swmf [--lines 525600]
    PYTHONPATH=src .venv/bin/python benchmarks/bench_memory.py gap
    PYTHONPATH=src .venv/bin/python benchmarks/bench_memory.py plan --days 30 [--days 60 ...]
    PYTHONPATH=src .venv/bin/python benchmarks/bench_memory.py estimate --days 1200

``hro`` writes a year of made-up 1-min HRO records (525 600 lines, 46 words, the test writers' layout)
into a temporary folder and reads it with :func:`smilekit.solarwind.read_solar_wind`; ``swmf`` the same
as an SWMF IMF file (15 numbers a record); ``gap`` regularises
a four-record series whose last record is ten years later; ``plan`` runs ``smilekit plan --days N``;
``estimate`` prints the size check's estimate for a span without running it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_CHILD = (
    "import resource, sys; {body}; "
    "print('peak_rss_mib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
)


def write_hro_year(path: Path, lines: int = 525_600, start: str = "2023-01-01") -> Path:
    """``lines`` 1-min OMNI HRO records (46 words) from ``start``, written 50 000 at a time."""
    t0 = np.datetime64(start, "m")
    tail = (
        " 71  71   60   60    0    3000      20   0.05      60     5.00     2.00     3.00    -2.00     3.00"
        "    -2.00     0.50     0.70    420.0   -420.0      0.0     -5.0    5.00     60000   1.76    1.00"
        "    1.10    9.0   200.00   200.00   200.00    14.00     0.00     0.00    150    -50    100      3"
        "    -10     10     30    1.50   6.5"
    )
    with path.open("w") as handle:
        for a in range(0, lines, 50_000):
            t = t0 + np.arange(a, min(a + 50_000, lines))
            year = t.astype("datetime64[Y]")
            doy = (t.astype("datetime64[D]") - year).astype(int) + 1
            mins = (t - t.astype("datetime64[D]")).astype(int)
            yr = year.astype(int) + 1970
            handle.writelines(
                f"{y:4d} {d:4d} {m // 60:3d} {m % 60:3d} {tail}\n"
                for y, d, m in zip(yr.tolist(), doy.tolist(), mins.tolist(), strict=True)
            )
    return path


def write_swmf_year(path: Path, lines: int = 525_600, start: str = "2023-01-01") -> Path:
    """``lines`` 1-min SWMF IMF records (GSE) from ``start``, written 50 000 at a time."""
    t0 = np.datetime64(start, "m")
    with path.open("w") as handle:
        handle.write("#COORDINATES\nGSE\n\nyear mo dy hr mn sc msc bx by bz ux uy uz rho t\n#START\n")
        for a in range(0, lines, 50_000):
            stamps = np.datetime_as_string(t0 + np.arange(a, min(a + 50_000, lines)), unit="m")
            handle.writelines(
                f"{s[:4]} {s[5:7]} {s[8:10]} {s[11:13]} {s[14:16]} 00 000 1.00 2.00 -3.00 -420.0 0.0 -5.0 "
                "5.00 60000.0\n"
                for s in stamps.tolist()
            )
    return path


def _child(body: str) -> tuple[float, float]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD.format(body=body)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    for line in out.stdout.splitlines():
        if line.startswith("peak_rss_mib"):
            return float(line.split()[1]), time.perf_counter() - started
    raise SystemExit(out.stdout)


def bench_read(kind: str, lines: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "hro":
            path = write_hro_year(Path(tmp) / "omni_min2023.asc", lines)
        else:
            path = write_swmf_year(Path(tmp) / "IMF_2023.dat", lines)
        size = path.stat().st_size / 2**20
        base, _ = _child("import smilekit.solarwind")
        peak, seconds = _child(
            f"from smilekit.solarwind import read_solar_wind; sw = read_solar_wind({str(path)!r}); "
            "assert len(sw) == " + str(lines)
        )
    print(
        f"{kind.upper()} 1-min, {lines} lines ({size:.0f} MiB): peak RSS {peak:.0f} MiB "
        f"(import alone {base:.0f} MiB), {seconds:.1f} s with the import"
    )


def bench_gap() -> None:
    body = (
        "import numpy as np, astropy.units as u; from smilekit.solarwind import SolarWind; "
        "from smilekit.solarwind.gaps import fill_gaps, regularize; "
        "t = np.datetime64('2015-01-01T00:00', 'ns') "
        "+ np.array([0, 60, 120, 10 * 365 * 86400], 'timedelta64[s]'); "
        "sw = SolarWind(t, n=[5.0] * 4 * u.cm**-3, v_gse=[[-400.0, 0, 0]] * 4 * u.km / u.s, "
        "b_gse=[[0, 0, -5.0]] * 4 * u.nT, t=[1e5] * 4 * u.K); "
        "out = fill_gaps(regularize(sw, '1min'), max_gap='10min'); print('rows', len(out))"
    )
    peak, seconds = _child(body)
    print(
        f"4 records over ten years, regularize + fill_gaps at 1 min: peak RSS {peak:.0f} MiB, {seconds:.1f} s"
    )


def bench_plan(days: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        body = (
            "from smilekit.cli import app; sys.argv = ['smilekit', 'plan', '-q', '--days', "
            f"'{days:g}', '--out', {str(Path(tmp) / 'plan')!r}]\n"
            "try:\n    app()\nexcept SystemExit as e:\n    assert not e.code, e.code"
        )
        peak, seconds = _child(body.replace("; sys.argv", "\nsys.argv"))
    print(f"smilekit plan --days {days:g}: peak RSS {peak:.0f} MiB, {seconds:.0f} s")


def bench_estimate(days: float) -> None:
    from smilekit.mission.orbit import track_memory_estimate

    need = track_memory_estimate(days * 86400 / 60, "plan")
    print(f"smilekit plan --days {days:g}: estimated {need / 2**30:.1f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("hro", "swmf", "gap", "plan", "estimate"))
    parser.add_argument("--lines", type=int, default=525_600)
    parser.add_argument("--days", type=float, action="append")
    args = parser.parse_args()
    if args.case in ("hro", "swmf"):
        bench_read(args.case, args.lines)
    elif args.case == "gap":
        bench_gap()
    else:
        for days in args.days or [30.0]:
            (bench_plan if args.case == "plan" else bench_estimate)(days)


if __name__ == "__main__":
    main()
