"""Runs of a condition along a sampled track, with their edges placed between samples.

Ground passes (elevation above the mask), eclipses (shadow fraction above zero), mode segments and the
figures all need the same two steps: find the runs of consecutive samples where a condition holds, then
place each run's start and stop where a continuous ``margin`` (positive inside the run) crosses zero,
by linear interpolation between the samples either side.
"""

from __future__ import annotations

import numpy as np

__all__ = ["crossing_edges", "runs"]


def runs(flag) -> np.ndarray:
    """Index pairs ``[first, stop)`` of the runs of True in a 1-D boolean array, shape (K, 2).

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1], dtype=bool)).tolist()
    [[1, 3], [4, 5]]
    """
    edges = np.diff(np.concatenate([[0], np.asarray(flag, dtype=np.int8), [0]]))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)]).astype(np.int64)


def crossing_edges(t_s, margin, pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start and stop times of each run, where ``margin`` (> 0 inside) crosses zero between samples.

    Parameters
    ----------
    t_s : array, shape (N,)
        Sample times in seconds.
    margin : array, shape (N,)
        A continuous quantity positive inside the runs (e.g. elevation minus mask).
    pairs : array, shape (K, 2)
        From :func:`runs`.

    Returns
    -------
    start, stop : arrays (K,)
        Interpolated edge times (s); a run touching the start or end of the samples keeps that sample.
    cut_start, cut_stop : bool arrays (K,)
        True where the run is cut by the first or last sample.

    Examples
    --------
    >>> t = np.arange(5.0)
    >>> crossing_edges(t, np.array([-1.0, 1.0, 1.0, -3.0, -1.0]), runs([0, 1, 1, 0, 0]))[:2]
    (array([0.5]), array([2.25]))
    """
    t_s = np.asarray(t_s, dtype=np.float64)
    m = np.asarray(margin, dtype=np.float64)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    first, last = pairs[:, 0], pairs[:, 1] - 1
    cut_start = first == 0
    cut_stop = last == t_s.size - 1
    before = np.maximum(first - 1, 0)
    after = np.minimum(last + 1, t_s.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_start = np.where(cut_start, 1.0, m[before] / (m[before] - m[first]))
        f_stop = np.where(cut_stop, 0.0, m[last] / (m[last] - m[after]))
    start = t_s[before] + f_start * (t_s[first] - t_s[before])
    stop = t_s[last] + f_stop * (t_s[after] - t_s[last])
    return start, stop, cut_start, cut_stop
