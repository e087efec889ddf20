"""The adaptive line-of-sight integrator: an emissivity integrated along rays from the spacecraft.

The intensity of a ray is the emissivity integrated along it, for optically thin, isotropic emission
(Cravens, Robertson & Snowden 2001, J. Geophys. Res. 106, 24883, :cite:`cravens2001`; the convention of
the SXI simulation papers, Jorgensen et al. 2019, J. Geophys. Res. 124, 4365, doi:10.1029/2018JA025919,
:cite:`jorgensen2019`, and Sun et al. 2019, J. Geophys. Res. 124, 2435, doi:10.1029/2018JA026093,
:cite:`sun2019`):

    I = (1 / 4 pi) * integral of eta dl,

with eta in eV cm^-3 s^-1 and dl in cm, which gives eV cm^-2 s^-1 sr^-1 (the 4 pi spreads the emission
over the full sphere). With dl in RE (6371 km = 6.371e8 cm) and I in keV,
``I [keV cm^-2 s^-1 sr^-1] = (integral of eta dl [eV cm^-3 s^-1 RE]) * 6.371e8 / 1e3 / (4 pi)``
(:data:`INTENSITY_FACTOR`). Rays start at the spacecraft and stop where they meet the Earth (r = 1 RE:
behind the Earth's disc only the emission in front of the Earth counts) or after ``max_distance`` of
path (measured along the ray from the spacecraft), whichever comes first.

:func:`los_integral_values` is the float64 kernel: the integral of any emissivity along the rays, in the
emissivity's unit times RE, whatever that emissivity is. :func:`los_intensity` wraps it for an *energy*
emissivity (eV cm^-3 s^-1, the soft X-ray convention above) and returns the energy intensity in keV cm^-2
s^-1 sr^-1; an imager of a *photon* emissivity (UVI's volume emission rate, a column brightness in
rayleighs) scales the same kernel's integral by its own factor. Nothing here knows an instrument's field
of view or pixels: an instrument's image is built on these (SXI's field of view and pixel map:
:func:`smilekit.instruments.sxi.sky.intensity_map`).

Frames
------
Positions and directions are GSE. The emissivity models evaluate in GSM; with a ``time``, the rays are
rotated GSE -> GSM with :func:`smilekit.frames.rotation_matrix` (a rotation about the common X axis, so
geocentric distances, the Earth stop and ``max_distance`` do not change). Without a time the source is
evaluated at the GSE coordinates unchanged, i.e. taken in the rays' frame (exact for zero dipole tilt).

Integration (``step=None``, the default): the adaptive scheme of :mod:`smilekit.imaging.adaptive` (its
notes say how it works, what it was measured to do and where it is limited).

A gridded :class:`~smilekit.geospace.cube.EmissivityCube` is integrated exactly instead, by the cell walk
of :mod:`smilekit.imaging.cube_walk` (:func:`~smilekit.imaging.cube_walk.cube_integral_values`).

Integration with an explicit ``step``: the plain composite midpoint rule, each ray cut into
``ceil(length / step)`` equal segments (at most ``step`` long); second order for smooth integrands,
first order where the emissivity jumps. It is the reference the default is checked against.
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor

import astropy.units as u
import numpy as np

from smilekit._validation import as_value, as_vector
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.geospace.cube import EmissivityCube
from smilekit.imaging.adaptive import (
    CHUNK_RAYS,
    MIN_CHUNK_RAYS,
    AdaptiveChunk,
    ray_lengths_values,
)
from smilekit.imaging.cube_walk import cube_integral_values
from smilekit.imaging.sampling import CHUNK_SAMPLES, evaluate_checked, worker_threads
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM, SXI_INTENSITY

__all__ = [
    "INTENSITY_FACTOR",
    "adjacent_rays",
    "check_origin",
    "distance_value",
    "los_integral_values",
    "los_intensity",
    "step_value",
]

#: (1 / 4 pi) * (1 RE in cm) / (1000 eV per keV): converts an emissivity integral in eV cm^-3 s^-1 RE
#: to an intensity in keV cm^-2 s^-1 sr^-1 (I = (1/4 pi) int eta dl; Cravens et al. 2001).
INTENSITY_FACTOR: float = RE_KM * 1.0e5 / 1.0e3 / (4.0 * math.pi)


def _fixed_step_chunk(evaluate, origin, directions, length, step, index_offset, frame):
    """Composite midpoint rule with segments of at most ``step`` RE; returns (integral, samples)."""
    n = np.maximum(np.ceil(length / step), 1).astype(np.int64)
    out = np.empty(length.size)
    samples = 0
    start = 0
    while start < length.size:
        stop = start + 1
        total = int(n[start])
        while stop < length.size and total + n[stop] <= CHUNK_SAMPLES:
            total += int(n[stop])
            stop += 1
        counts = n[start:stop]
        ray = np.repeat(np.arange(start, stop), counts)
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        k = np.arange(ray.size) - np.repeat(first, counts)
        seg = length[ray] / n[ray]
        sm = (k + 0.5) * seg
        pos = origin[ray] + sm[:, None] * directions[ray]
        eta = evaluate_checked(
            evaluate, pos[:, 0], pos[:, 1], pos[:, 2], ray, index_offset, frame, direct=True
        )
        out[start:stop] = np.add.reduceat(eta * seg, first)
        samples += ray.size
        start = stop
    return out, samples


def adjacent_rays(shape) -> np.ndarray:
    """Neighbours of each ray in an array of rays of leading shape ``shape`` (its flattened order).

    Entries next to each other along any axis are neighbours, and for a 2-D array (an image) the
    diagonal ones too: shape (N, K) of flat indices, -1 where an entry is at an edge (read-only).

    Examples
    --------
    >>> adjacent_rays((3,)).tolist()
    [[-1, 1], [0, 2], [1, -1]]
    """
    return _adjacent_rays(tuple(int(n) for n in shape))


@functools.lru_cache(maxsize=16)
def _adjacent_rays(shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    if len(shape) == 2:
        steps = [(dv, du) for dv in (-1, 0, 1) for du in (-1, 0, 1) if (dv, du) != (0, 0)]
    else:
        steps = []
        for axis in range(len(shape)):
            for sign in (-1, 1):
                step = [0] * len(shape)
                step[axis] = sign
                steps.append(tuple(step))
    if not steps or n == 0:
        return np.full((n, 0), -1, dtype=np.int64)
    index = np.indices(shape).reshape(len(shape), -1)
    out = np.full((n, len(steps)), -1, dtype=np.int64)
    for col, step in enumerate(steps):
        moved = index + np.asarray(step)[:, None]
        ok = np.all((moved >= 0) & (moved < np.asarray(shape)[:, None]), axis=0)
        out[ok, col] = np.ravel_multi_index(tuple(moved[:, ok]), shape)
    out.flags.writeable = False
    return out


def los_integral_values(
    evaluate,
    origin,
    directions,
    length,
    *,
    step=None,
    threads=None,
    frame="GSM",
    neighbours=None,
    near=None,
) -> tuple[np.ndarray, int]:
    """Kernel: integral of eta dl along rays, in eV cm^-3 s^-1 RE, and the number of emissivity samples.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(x, y, z)`` on plain float arrays (RE) -> eta (eV cm^-3 s^-1), vectorised.
    origin, directions : numpy.ndarray
        Shape (N, 3): ray origins (RE) and unit directions, in the source's frame.
    length : numpy.ndarray
        Shape (N,): path length of each ray (RE), > 0.
    step : float, optional
        Fixed midpoint step (RE); None for the adaptive scheme of the module notes.
    threads : int, optional
        Worker threads (default ``numba.get_num_threads()``): chunks of rays run concurrently (numpy and
        the numba kernels release the GIL).
    frame : str
        Name of the frame, for error messages.
    neighbours : numpy.ndarray, optional
        Shape (N, K), integer: for each ray the indices of up to K nearby rays (-1 for none), e.g. the
        adjacent pixels of an image. Features (jumps, thin layers) found on a ray are then looked for on
        its neighbours too, which catches features thinner than the node spacing that only some rays
        happen to sample. None: every ray on its own.
    near : bool, optional
        Whether the nodes close in on the Earth (see the module notes); None: where a first look finds
        emission within :data:`~smilekit.imaging.adaptive.NEAR_CHECK`.

    Returns
    -------
    integral : numpy.ndarray
        Shape (N,), eV cm^-3 s^-1 RE.
    samples : int
        Number of emissivity samples taken.

    Raises
    ------
    InputError
        If ``evaluate`` returns a non-finite value (the message gives the position and the ray).
    """
    origin = np.ascontiguousarray(origin, dtype=np.float64)
    directions = np.ascontiguousarray(directions, dtype=np.float64)
    length = np.ascontiguousarray(length, dtype=np.float64)
    n = length.size
    if step is None:
        # chunks depend on n only (not on the threads), so that results do not depend on the threads
        chunks = 1 if n < 2 * MIN_CHUNK_RAYS else 2 * math.ceil(n / (2 * CHUNK_RAYS))
        size = max(1, -(-n // chunks))
    else:
        per_ray = max(1.0, float(np.mean(length)) / step) if n else 1.0
        size = max(1, int(CHUNK_SAMPLES / per_ray))
    workers = worker_threads(threads)
    starts = list(range(0, n, size))

    def work(start):
        sl = slice(start, min(n, start + size))
        if step is None:
            local = None
            if neighbours is not None:
                local = np.asarray(neighbours[sl], dtype=np.int64) - start
                local[(local < 0) | (local >= sl.stop - start)] = -1
            chunk = AdaptiveChunk(evaluate, origin[sl], directions[sl], length[sl], local, near, start, frame)
            return chunk.integral, chunk.samples
        return _fixed_step_chunk(evaluate, origin[sl], directions[sl], length[sl], step, start, frame)

    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(starts))) as pool:
            results = list(pool.map(work, starts))
    else:
        results = [work(s) for s in starts]
    if not results:
        return np.zeros(0), 0
    return np.concatenate([r[0] for r in results]), sum(r[1] for r in results)


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------
def _source_evaluate(source):
    evaluate = getattr(source, "evaluate", None)
    if not callable(evaluate):
        raise InputError(
            "source must be an emissivity model with evaluate(x, y, z) in RE -> eV cm^-3 s^-1 (an "
            f"EmissivityModel or an EmissivityCube), got {type(source).__name__}"
        )
    return evaluate


def _directions(directions) -> np.ndarray:
    if isinstance(directions, u.Quantity):
        d = as_value(directions, u.dimensionless_unscaled, "directions")
    else:
        try:
            d = np.asarray(directions, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"directions must be unit vectors of shape (..., 3), got {directions!r:.80}"
            ) from None
        if not np.isfinite(d).all():
            raise InputError("directions must be finite unit vectors")
    if d.ndim == 0 or d.shape[-1] != 3:
        raise InputError(f"directions must have shape (..., 3) (x, y, z components), got shape {d.shape}")
    norm = np.linalg.norm(d, axis=-1)
    bad = np.abs(norm - 1.0) > 1e-6
    if bad.any():
        raise InputError(
            f"directions must be unit vectors (|d| = 1 within 1e-6), got {int(bad.sum())} of {norm.size} "
            f"with other lengths, e.g. |d| = {float(norm[bad][0]):g}"
        )
    return d / norm[..., None]


def _time_and_rotation(time):
    """(datetime64 or None, GSE -> source-frame matrix, frame name) for a single time or None."""
    if time is None:
        return None, np.eye(3), "GSE (source taken in the rays' frame)"
    t = as_datetime64(time)
    if np.ndim(t) != 0:
        if np.size(t) != 1:
            raise InputError(f"time must be a single time, got {np.size(t)} times")
        t = np.ravel(t)[0]
    return t, rotation_matrix(t, "GSE", "GSM"), "GSM"


def check_origin(origin_re: np.ndarray, name: str) -> None:
    """Raise InputError unless every origin (RE, shape (..., 3)) lies outside the Earth; ``name`` names it."""
    r = np.linalg.norm(origin_re, axis=-1)
    if (r <= 1.0).any():
        raise InputError(
            f"{name} must lie outside the Earth (r > 1 RE), got r = {float(np.min(r)):g} RE at "
            f"{np.round(np.reshape(origin_re, (-1, 3))[int(np.argmin(np.ravel(r)))], 4).tolist()} RE"
        )


def step_value(step):
    """A fixed integration step as a float in RE (a single positive length), or None for None."""
    if step is None:
        return None
    value = as_value(step, RE, "step", positive=True)
    if value.ndim != 0:
        raise InputError(f"step must be a single length, got shape {value.shape}")
    return float(value)


def distance_value(max_distance) -> float:
    """The longest path along a ray as a float in RE (a single positive length)."""
    value = as_value(max_distance, RE, "max_distance", positive=True)
    if value.ndim != 0:
        raise InputError(f"max_distance must be a single length, got shape {value.shape}")
    return float(value)


def los_intensity(source, origin, directions, *, step=None, max_distance=80.0 * RE, time=None) -> u.Quantity:
    """Energy intensity along rays from ``origin``: (1 / 4 pi) * integral of eta dl (soft X-rays).

    Parameters
    ----------
    source : EmissivityModel
        Any emissivity source with ``evaluate(x, y, z)`` (RE, GSM) -> eV cm^-3 s^-1, vectorised:
        :class:`~smilekit.geospace.emissivity.Jorgensen2019`, :class:`~smilekit.geospace.emissivity.CMEM`,
        :class:`~smilekit.geospace.emissivity.SWCXEmissivity`,
        :class:`~smilekit.geospace.cube.EmissivityCube`.
    origin : Quantity
        Ray origin (the spacecraft), a length, GSE, shape (3,) or broadcastable to ``directions``; outside
        the Earth.
    directions : array_like or dimensionless Quantity
        Unit vectors (GSE), shape (..., 3).
    step : Quantity, optional
        A fixed step (length) for the composite midpoint rule; None (default) for the adaptive scheme of
        the module notes (errors below 0.2 % at the 99th percentile of pixels, measured in
        benchmarks/bench_sxi_los.py), or the exact cell walk for an EmissivityCube. Adjacent entries of
        ``directions`` (an image's pixels) are taken to be neighbouring rays (module notes, step 3).
    max_distance : Quantity
        Longest path along a ray (default 80 RE); rays also stop at the Earth's surface.
    time : time-like, optional
        With a time, rays are rotated GSE -> GSM before the source is evaluated; without, the source is
        evaluated at the GSE coordinates (taken in the rays' frame).

    Returns
    -------
    Quantity
        Intensity in keV cm^-2 s^-1 sr^-1, shape ``directions.shape[:-1]``.

    Raises
    ------
    InputError
        For unitless or non-length origin, step or max_distance; an origin inside the Earth; directions
        that are not unit vectors of shape (..., 3); a source without ``evaluate``; a non-finite emissivity
        (the message gives the position and the ray).

    Notes
    -----
    Groups of rays are integrated on ``numba.get_num_threads()`` threads (``NUMBA_NUM_THREADS``); the
    source's ``evaluate`` must then be safe to call from several threads at once (the smilekit models
    are: they only read their parameters).

    Examples
    --------
    A uniform emissivity of 1e-4 eV cm^-3 s^-1 over a 10 RE path (max_distance) gives
    1e-4 * 10 * 6.371e8 / 1e3 / (4 pi) = 50.6988 keV cm^-2 s^-1 sr^-1:

    >>> import numpy as np
    >>> from smilekit.units import RE
    >>> class Uniform:
    ...     def evaluate(self, x, y, z):
    ...         return np.full(np.shape(x), 1e-4)
    >>> los_intensity(Uniform(), [0, 0, 20] * RE, [[0.0, 1.0, 0.0]], max_distance=10 * RE).round(4)
    <Quantity [50.6988] keV / (s sr cm2)>
    """
    evaluate = _source_evaluate(source)
    d = _directions(directions)
    o = as_vector(origin, RE, "origin")
    try:
        o = np.broadcast_to(o, d.shape)
    except ValueError:
        raise InputError(
            f"origin (shape {o.shape}) does not broadcast against directions (shape {d.shape})"
        ) from None
    check_origin(o, "origin")
    step_v = step_value(step)
    dist = distance_value(max_distance)
    _t, rot, frame = _time_and_rotation(time)
    shape = d.shape[:-1]
    o2, d2 = o.reshape(-1, 3), d.reshape(-1, 3)
    length = ray_lengths_values(o2, d2, dist)
    if step_v is None and _is_cube(source):
        integral, _ = cube_integral_values(source, o2 @ rot.T, d2 @ rot.T, length, frame=frame)
    else:
        integral, _ = los_integral_values(
            evaluate,
            o2 @ rot.T,
            d2 @ rot.T,
            length,
            step=step_v,
            frame=frame,
            neighbours=adjacent_rays(shape) if step_v is None else None,
        )
    return (integral * INTENSITY_FACTOR).reshape(shape) * SXI_INTENSITY


def _is_cube(source) -> bool:
    return isinstance(source, EmissivityCube)
