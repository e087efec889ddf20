"""Speed of smilekit.science.aurora.model_boundaries: a year of hourly times (issue 15: under 1 min).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_aurora.py`` (one process, numpy single-threaded
for these array sizes). Drives OVATION Prime 2010 with the shipped OMNI2 2000 hourly data.
"""

import resource
import time

import numpy as np

from smilekit._data import data_path
from smilekit.science.aurora import model_boundaries
from smilekit.solarwind import read_omni2


def main() -> None:
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    model_boundaries(sw.time.values[4:10], sw)  # warm: coefficient files read once per process
    times = np.arange(np.datetime64("2000-01-01T04"), np.datetime64("2001-01-01T04"), np.timedelta64(1, "h"))
    times = times[times <= sw.time.values[-1]]
    start = time.perf_counter()
    b = model_boundaries(times, sw)
    seconds = time.perf_counter() - start
    found = float((b["equatorward_flag"] == 0).mean())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{times.size} times: {seconds:.1f} s ({times.size / seconds:.0f} times/s); "
        f"equatorward edge found in {100 * found:.1f} % of (time, sector); peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
