"""What the line-of-sight integrators share: the checked evaluation of an emissivity source, the threads.

Used by :mod:`smilekit.imaging.los` and :mod:`smilekit.imaging.cube_walk`.
"""

from __future__ import annotations

import numba
import numpy as np

from smilekit.errors import InputError

__all__ = ["CHUNK_SAMPLES", "EVALUATE_PIECE", "evaluate_checked", "worker_threads"]

#: Samples per ``evaluate`` call (see :func:`evaluate_checked`).
EVALUATE_PIECE = 16384
#: Samples per work unit in fixed-step integration and in the cube walk (bounds memory).
CHUNK_SAMPLES = 1_000_000


def evaluate_checked(evaluate, x, y, z, rays, index_offset, frame, direct=False, out=None):
    """``evaluate`` with a check for non-finite values (the error names the position and the ray).

    ``rays`` is the ray index of each sample (``direct``) or the offsets of each ray's samples. The
    samples go to ``evaluate`` in pieces of :data:`EVALUATE_PIECE`: vectorised numpy models run about
    1.7 times faster on pieces whose temporaries stay in the CPU caches (and below glibc's mmap
    threshold) than on one large array. ``out``: an array of x's size to write into.
    """
    eta = np.empty(x.size) if out is None else out
    for a in range(0, x.size, EVALUATE_PIECE):
        b = min(x.size, a + EVALUATE_PIECE)
        eta[a:b] = np.broadcast_to(np.asarray(evaluate(x[a:b], y[a:b], z[a:b]), dtype=np.float64), (b - a,))
    if not np.isfinite(eta).all():
        bad = ~np.isfinite(eta)
        k = int(np.flatnonzero(bad)[0])
        ray = int(rays[k]) if direct else int(np.searchsorted(rays, k, side="right") - 1)
        where = np.round([x[k], y[k], z[k]], 4).tolist()
        raise InputError(
            f"the emissivity source returned a non-finite value ({eta[k]!r}) at {where} RE ({frame}) on "
            f"ray {ray + index_offset} ({int(bad.sum())} non-finite samples); a source must return finite "
            "values (0 where there is no emission)"
        )
    return eta


def worker_threads(threads) -> int:
    """Worker threads for chunks of rays: ``threads``, or ``numba.get_num_threads()`` for None (>= 1)."""
    if threads is None:
        return max(1, int(numba.get_num_threads()))
    return max(1, int(threads))
