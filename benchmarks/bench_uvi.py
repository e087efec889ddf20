"""Speed of one UVI frame: simulated and processed to auroral boundaries (issue 15: under 1 s, one core).

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_uvi.py``. One FSM frame of the
science orbit (epoch 2000-07-14, 19.5 RE) with OVATION Prime 2010 driven by the shipped OMNI2 2000 hours.
Each stage is timed (best of 5, after a warm-up call): the viewing geometry (``shell_geometry``, 512 x 512
lines of sight and AACGM-v2 for the ~125 000 on the shell), the model's precipitation at the frame's time
(the geospace input, shared by the frames of an hour), the model sky, the image simulation, L1, L2 and the
boundaries with the hemispheric power.
"""

import resource
import time

import astropy.units as u
import numpy as np

from smilekit._data import data_path
from smilekit.geospace.ovation import OvationPrime2010
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import model_sky, precipitation_emission, shell_geometry
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, limb_offset_aim_points
from smilekit.science.aurora import image_boundaries, image_hemispheric_power
from smilekit.solarwind import read_omni2
from smilekit.units import RE


def best(fn, n=5):
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    times = sample_times("2000-07-14T05:00", "2000-07-14T06:00", 3600 * u.s)
    track = kepler_track(science_orbit("2000-07-14"), times)
    aims = limb_offset_aim_points(track.position("GSE"), errors="nan")
    att = attitude(track, np.where(np.isfinite(aims), aims, [10.0, 0.0, 0.0] * RE))
    t = att.time[0]
    model = OvationPrime2010()
    kinds = ("diffuse", "monoenergetic", "broadband")
    stages = {}
    stages["geometry"], g = best(lambda: shell_geometry(None, att, index=0))
    stages["precipitation (OVATION, per hour)"], prec = best(
        lambda: model.precipitation([t], sw, populations=kinds)
    )
    em = precipitation_emission(prec, t)
    stages["model sky"], sky = best(lambda: model_sky(None, None, None, em, geometry=g))
    stages["simulate_image"], img = best(lambda: simulate_image(sky, 60 * u.s, 1))
    stages["make_l1"], l1 = best(lambda: make_l1(img))
    stages["make_l2"], l2 = best(lambda: make_l2(l1, g))
    stages["boundaries + power"], b = best(lambda: (image_boundaries(l2), image_hemispheric_power(l2)))
    for name, s in stages.items():
        print(f"{name:36s} {1e3 * s:7.1f} ms")
    frame = sum(s for k, s in stages.items() if not k.startswith("precipitation"))
    print(f"{'frame: geometry -> boundaries':36s} {1e3 * frame:7.1f} ms (+ the precipitation once an hour)")
    print(f"{'with the precipitation':36s} {1e3 * sum(stages.values()):7.1f} ms")
    found = int((b[0]["equatorward_flag"] == 0).sum())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"equatorward boundary found in {found}/24 sectors; peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
