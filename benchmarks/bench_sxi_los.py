"""Benchmark: SXI line-of-sight images (smilekit.imaging, smilekit.instruments.sxi.sky), speed and accuracy.

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=2 .venv/bin/python benchmarks/bench_sxi_los.py            # everything (~6 min)
    NUMBA_NUM_THREADS=2 .venv/bin/python benchmarks/bench_sxi_los.py --quick    # no SWCX, no fine refs

Measures, for 100 x 50-ray images over the 27 x 16 deg field of view (``intensity_map`` with pixel
(0.27, 0.32) deg):

1. the time of a Jorgensen2019.from_solar_wind image (n = 10 cm^-3, V = 400 km/s, B = (2, 2, -5) nT) on
   one and on two threads (``numba.set_num_threads``; best of ``--repeat`` after a warm-up), and of the
   default 270 x 160 image (0.1 deg pixels);
2. for Jorgensen2019, CMEM, SWCXEmissivity (gas-dynamic sheath x Hodges 1994 exosphere, from the same
   solar wind) and an EmissivityCube (the SWCX model sampled on a 0.5 RE grid) on three geometries
   (spacecraft (3.5, -2.3, 17.1) RE aiming at (3.5, -2.3, 0), as in Jung et al. 2024, :cite:`jung2024`;
   (5.9, 6.7, 17.7) at (7.8, 0, 0), an SXI-team simulation geometry; and a low-latitude one, (2, 18, 5) RE,
   aiming by the 20.3 deg limb rule of :cite:`wharton2025`): samples per ray, time on
   one thread, and the relative error per pixel (50th, 99th percentile, max) against the midpoint rule
   at 0.02 RE over the whole image and against the midpoint rule at 0.001 RE on every 20th pixel (a
   converged reference: the 0.02 RE rule is itself off by up to a few 0.1 % where it steps across a
   boundary, and by more across the SWCX model's thin cusp funnels, as the last column shows);
3. for the cube (integrated by default by the exact cell walk, ``cube_integral_values``), a per-pixel
   scipy ``interpn`` integration (trilinear, midpoint rule at 0.02 RE) in the same run: its time over
   the default's, and the largest pixel difference;
4. peak memory: the process's peak resident set size (``resource.getrusage``) and the tracemalloc peak
   of one adaptive image.

Prints Markdown tables for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import astropy.units as u
import numba
import numpy as np
from scipy.interpolate import interpn

from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.imaging.adaptive import ray_lengths_values
from smilekit.imaging.cube_walk import cube_integral_values
from smilekit.imaging.los import INTENSITY_FACTOR, adjacent_rays, los_integral_values
from smilekit.instruments.sxi.sky import intensity_map
from smilekit.mission.pointing import attitude_values, limb_offset_aim_points
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

PIXEL = [0.27, 0.32] * u.deg  # 100 x 50 pixels over 27 x 16 deg
SHAPE = (50, 100)


def geometries() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    low = np.array([2.0, 18.0, 5.0])
    return {
        "A (3.5,-2.3,17.1)->(3.5,-2.3,0)": (np.array([3.5, -2.3, 17.1]), np.array([3.5, -2.3, 0.0])),
        "B (5.9,6.7,17.7)->(7.8,0,0)": (np.array([5.9, 6.7, 17.7]), np.array([7.8, 0.0, 0.0])),
        "C (2,18,5) limb rule": (low, limb_offset_aim_points(low * RE).to_value(RE)[0]),
    }


def image_rays(sc: np.ndarray, aim: np.ndarray) -> np.ndarray:
    """The (50 * 100, 3) GSE directions of intensity_map's pixels (same construction)."""
    rot = attitude_values(sc[None], aim[None], np.zeros((1, 3)))[0][0]
    cu = (np.arange(SHAPE[1]) - 0.5 * (SHAPE[1] - 1)) * PIXEL[0].value
    cv = (np.arange(SHAPE[0]) - 0.5 * (SHAPE[0] - 1)) * PIXEL[1].value
    tv, tu = np.meshgrid(np.tan(np.radians(cv)), np.tan(np.radians(cu)), indexing="ij")
    body = np.stack([tu, tv, np.ones_like(tu)], axis=-1)
    body /= np.linalg.norm(body, axis=-1, keepdims=True)
    return (body @ rot.T).reshape(-1, 3)


def best_time(fn, repeat: int) -> float:
    fn()  # warm-up (JIT cache, tables)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


class Counting:
    """Counts the samples a source is asked for."""

    def __init__(self, source):
        self.source, self.samples = source, 0

    def evaluate(self, x, y, z):
        self.samples += np.size(x)
        return self.source.evaluate(x, y, z)


def percentiles(err: np.ndarray) -> str:
    p50, p99 = np.percentile(err, [50, 99])
    return f"{100 * p50:.3f} | {100 * p99:.3f} | {100 * err.max():.3f}"


def interpn_image(cube: EmissivityCube, sc: np.ndarray, dirs: np.ndarray, length: np.ndarray, step: float):
    """Per pixel: scipy interpn (linear) on the cube's grid, midpoint rule at ``step`` RE."""
    grid = tuple(cube.data[d].values for d in ("x", "y", "z"))
    values = cube.data.values
    lo = np.array([g[0] for g in grid])
    hi = np.array([g[-1] for g in grid])
    out = np.empty(len(dirs))
    for i, (d, L) in enumerate(zip(dirs, length, strict=True)):
        n = int(np.ceil(L / step))
        s = (np.arange(n) + 0.5) * (L / n)
        p = sc + s[:, None] * d
        inside = np.all((p >= lo) & (p <= hi), axis=1)
        eta = np.zeros(n)
        eta[inside] = interpn(grid, values, p[inside], method="linear")
        out[i] = eta.sum() * (L / n)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="leave out SWCX and the 0.001 RE references")
    args = parser.parse_args()

    sw = SolarWindState(n=10 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[2, 2, -5] * u.nT)
    jorgensen = Jorgensen2019.from_solar_wind(sw)
    geos = geometries()
    sc_a, aim_a = geos["A (3.5,-2.3,17.1)->(3.5,-2.3,0)"]
    max_threads = numba.config.NUMBA_NUM_THREADS

    # 1. the timed image ------------------------------------------------------------------------------
    print(f"numba {numba.__version__}, numpy {np.__version__}, NUMBA_NUM_THREADS={max_threads}")
    print("\n| image | threads | time |\n| --- | ---: | ---: |")
    for threads in sorted({1, min(2, max_threads)}):
        numba.set_num_threads(threads)
        t = best_time(lambda: intensity_map(jorgensen, sc_a * RE, aim_a * RE, pixel=PIXEL), args.repeat)
        print(f"| Jorgensen2019, 100 x 50, geometry A | {threads} | {1e3 * t:.1f} ms |")
    for threads in sorted({1, min(2, max_threads)}):
        numba.set_num_threads(threads)
        t = best_time(lambda: intensity_map(jorgensen, sc_a * RE, aim_a * RE), max(3, args.repeat // 5))
        print(f"| Jorgensen2019, 270 x 160 (0.1 deg pixels), geometry A | {threads} | {1e3 * t:.1f} ms |")
    numba.set_num_threads(1)
    tracemalloc.start()
    intensity_map(jorgensen, sc_a * RE, aim_a * RE, pixel=PIXEL)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    # 2. accuracy and samples -------------------------------------------------------------------------
    models = {"Jorgensen2019": jorgensen, "CMEM": CMEM.from_solar_wind(sw)}
    if not args.quick:
        swcx = SWCXEmissivity.from_solar_wind(sw, exosphere="hodges1994")
        models["SWCXEmissivity"] = swcx
        x = np.arange(-20.0, 25.01, 0.5)
        yz = np.arange(-25.0, 25.01, 0.5)
        t0 = time.perf_counter()
        models["EmissivityCube (SWCX, 0.5 RE)"] = EmissivityCube.from_model(swcx, x, yz, yz)
        print(f"\ncube of {x.size} x {yz.size} x {yz.size} sampled in {time.perf_counter() - t0:.1f} s")
    else:
        g = np.arange(-25.0, 25.01, 0.5)
        models["EmissivityCube (Jorgensen, 0.5 RE)"] = EmissivityCube.from_model(jorgensen, g, g, g)

    neighbours = adjacent_rays(SHAPE)
    header = (
        "\n| source | geometry | samples/ray | time (1 thread) | vs 0.02 RE: p50 | p99 | max (%) "
        "| vs 0.001 RE: p50 | p99 | max (%) | 0.02 RE vs 0.001 RE: p99 / max (%) |"
        "\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    print(header)
    cube_rows = []
    for name, model in models.items():
        is_cube = isinstance(model, EmissivityCube)
        for gname, (sc, aim) in geos.items():
            dirs = image_rays(sc, aim)
            origin = np.broadcast_to(sc, dirs.shape)
            length = ray_lengths_values(origin, dirs, 80.0)
            repeat = max(1, args.repeat // 3)
            if is_cube:  # the default for a cube: the exact cell walk
                value, samples = cube_integral_values(model, origin, dirs, length)
                t_adapt = best_time(
                    lambda m=model, o=origin, d=dirs, L=length: cube_integral_values(m, o, d, L), repeat
                )
            else:
                counter = Counting(model)
                value, _ = los_integral_values(counter.evaluate, origin, dirs, length, neighbours=neighbours)
                samples = counter.samples
                t_adapt = best_time(
                    lambda m=model, o=origin, d=dirs, L=length: los_integral_values(
                        m.evaluate, o, d, L, neighbours=neighbours
                    ),
                    repeat,
                )
            t0 = time.perf_counter()
            coarse, _ = los_integral_values(model.evaluate, origin, dirs, length, step=0.02)
            t_fixed = time.perf_counter() - t0
            err02 = np.abs(value / coarse - 1.0)
            fine_cols = "- | -"
            if not args.quick:
                sub = np.arange(0, len(dirs), 20)
                fine, _ = los_integral_values(model.evaluate, origin[sub], dirs[sub], length[sub], step=0.001)
                fine_cols = percentiles(np.abs(value[sub] / fine - 1.0))
                ref_err = np.abs(coarse[sub] / fine - 1.0)
                fine_cols += f" | {100 * np.percentile(ref_err, 99):.3f} / {100 * ref_err.max():.3f}"
            print(
                f"| {name} | {gname} | {samples / len(dirs):.0f} | {1e3 * t_adapt:.0f} ms "
                f"| {percentiles(err02)} | {fine_cols} |",
                flush=True,
            )
            if is_cube:
                t0 = time.perf_counter()
                ref = interpn_image(model, sc, dirs, length, 0.02)
                t_interpn = time.perf_counter() - t0
                diff = np.abs(value / ref - 1.0)
                p99 = 100 * np.percentile(diff, 99)
                cube_rows.append(
                    f"| {gname} | {1e3 * t_adapt:.0f} ms | {1e3 * t_fixed:.0f} ms | {t_interpn:.1f} s "
                    f"| {t_interpn / t_adapt:.0f} | {100 * diff.max():.3f} % | {p99:.3f} % |"
                )

    # 3. the cube against scipy interpn ---------------------------------------------------------------
    print(
        "\n| cube, geometry | cell walk (default) | midpoint 0.02 RE (cube's trilinear) "
        "| scipy interpn per pixel, 0.02 RE | time ratio | largest pixel difference | p99 difference |"
        "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for row in cube_rows:
        print(row)

    # 4. memory ---------------------------------------------------------------------------------------
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the whole run {rss:.0f} MiB")
    print(f"tracemalloc peak of one 100 x 50 Jorgensen image {traced:.1f} MiB")
    print(f"(intensity factor {INTENSITY_FACTOR:.6g} keV cm^-2 s^-1 sr^-1 per eV cm^-3 s^-1 RE)")


if __name__ == "__main__":
    main()
