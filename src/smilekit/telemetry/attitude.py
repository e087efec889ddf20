"""The spacecraft attitude of an exposure from the platform housekeeping, as the ground reconstructs it.

The housekeeping (:func:`~smilekit.telemetry.depacketise.hk`) carries the body -> GSE attitude quaternion
(scipy's scalar-last order) at its own cadence. An imager's exposure takes one attitude: the mean rotation
(:meth:`scipy.spatial.transform.Rotation.mean`, the chordal L2 mean) of the finite samples within it, and
the largest angle of a sample from that mean says how steady the pointing was.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit._validation import as_rotation
from smilekit.errors import InputError
from smilekit.times import as_datetime64

__all__ = ["exposure_rotation"]


def exposure_rotation(attitude, start, stop) -> tuple[np.ndarray, float]:
    """Body -> GSE rotation (3 x 3) of an exposure ``[start, stop)`` and the attitude's spread in it (deg).

    Parameters
    ----------
    attitude : array_like or xarray.Dataset
        A body -> GSE rotation matrix (returned as given, spread 0), or the housekeeping Dataset
        (``quaternion`` on ``time``): the mean of its finite quaternions with ``start <= time < stop``.
    start, stop : time-like
        The exposure (UTC).

    Returns
    -------
    rotation : numpy.ndarray
        Columns the body X, Y, Z axes in GSE.
    spread_deg : float
        The largest angle of a sample used from the mean.

    Raises
    ------
    InputError
        Not a rotation nor housekeeping, or no finite quaternion within the exposure (the message gives
        the exposure and the span of the housekeeping).

    Examples
    --------
    >>> rot, spread = exposure_rotation(np.eye(3), "2026-03-20T00:00", "2026-03-20T00:01")
    >>> rot.tolist() == np.eye(3).tolist(), spread
    (True, 0.0)
    """
    from scipy.spatial.transform import Rotation

    if not isinstance(attitude, xr.Dataset):
        return as_rotation(attitude, "attitude"), 0.0
    if "quaternion" not in attitude:
        raise InputError("attitude: give a 3 x 3 body -> GSE rotation or the housekeeping (with quaternion)")
    t0, t1 = (np.ravel(as_datetime64(x))[0] for x in (start, stop))
    t = attitude["time"].values
    q = np.asarray(attitude["quaternion"].values, dtype=np.float64)
    use = (t >= t0) & (t < t1) & np.isfinite(q).all(axis=1)
    if not use.any():
        span = f"{t.min()} to {t.max()}" if t.size else "nothing"
        raise InputError(
            f"attitude: no finite housekeeping quaternion from {t0} to {t1} (the exposure); "
            f"the housekeeping spans {span}"
        )
    rot = Rotation.from_quat(q[use])
    mean = rot.mean()
    spread = float(np.degrees((rot * mean.inv()).magnitude().max()))
    return mean.as_matrix(), spread
