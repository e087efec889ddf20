"""The rays of an imager's pixels: the gnomonic (tangent-plane) projection, one home for every imager.

A point (xi, eta) of the tangent plane, in degrees, is the ray (xi, eta, 1) in the instrument frame (xi and
eta in radians as "standard coordinates": the TAN projection of FITS WCS, Calabretta & Greisen 2002,
:cite:`calabretta2002`), normalised and rotated into the frame of ``rotation``. SXI's science code and
UVI's sky use it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["tangent_plane_directions_values"]


def tangent_plane_directions_values(xi_deg, eta_deg, rotation) -> np.ndarray:
    """Kernel: unit vectors (..., 3) of tangent-plane points (deg; broadcast) through a body rotation.

    Parameters
    ----------
    xi_deg, eta_deg : array_like
        Tangent-plane coordinates, degrees (broadcast together).
    rotation : (3, 3) array_like
        Instrument frame -> output frame (its columns are the instrument axes in the output frame).

    Examples
    --------
    >>> tangent_plane_directions_values(0.0, 0.0, np.eye(3))
    array([0., 0., 1.])
    """
    xi, eta = np.broadcast_arrays(np.asarray(xi_deg, dtype=np.float64), np.asarray(eta_deg, dtype=np.float64))
    body = np.stack([np.radians(xi), np.radians(eta), np.ones_like(xi)], axis=-1)
    body /= np.linalg.norm(body, axis=-1, keepdims=True)
    return body @ np.asarray(rotation, dtype=np.float64).T
