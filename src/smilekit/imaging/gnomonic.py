"""The rays of an imager's pixels: the gnomonic (tangent-plane) projection, one home for every imager.

A point (xi, eta) of the tangent plane, in degrees, is the ray (xi, eta, 1) in the instrument frame (xi and
eta in radians as "standard coordinates": the TAN projection of FITS WCS, Calabretta & Greisen 2002,
:cite:`calabretta2002`), normalised and rotated into the frame of ``rotation``. SXI's science code and
UVI's sky use it.

The same projection as a celestial FITS WCS, in the longitude and latitude of the frame of ``rotation``
(GSE for both imagers' products), is :func:`tangent_plane_wcs_values`: the one home of the reference value
and the rotation that the SXI event lists and images and the UVI images write, each in its own keywords.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["tangent_plane_directions_values", "tangent_plane_wcs_values"]


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


def tangent_plane_wcs_values(rotation) -> tuple[float, float, np.ndarray]:
    """Kernel: the celestial WCS of the tangent plane of ``rotation``, a TAN projection about its Z axis.

    The reference point (CRVAL) is the boresight (Z) as a longitude and latitude of the output frame. With
    the native longitude of the celestial pole at its default of 180 deg (LONPOLE, the zenithal case of
    Calabretta & Greisen 2002, sect. 2.4, :cite:`calabretta2002`), the intermediate world coordinates point
    east and north at the boresight (at a pole, along the output frame's +Y and -X); the tangent-plane point
    ``(xi, eta)`` is the direction ``Z + xi X + eta Y`` (xi, eta in radians), so its intermediate
    coordinates are exactly ``matrix @ (xi, eta)``, with the columns of ``matrix`` the body X and Y axes
    projected on east and north.

    Parameters
    ----------
    rotation : (3, 3) array_like
        Instrument frame -> output frame (columns: the instrument X, Y, Z axes in the output frame).

    Returns
    -------
    lon0_deg, lat0_deg : float
        The boresight's longitude in [0, 360) and latitude (deg): CRVAL1, CRVAL2.
    matrix : numpy.ndarray
        (2, 2): rows east and north, columns body X and Y (the PC matrix of a pixel grid along X and Y;
        a proper rotation gives determinant +1).

    Examples
    --------
    >>> lon, lat, m = tangent_plane_wcs_values(np.array([[0.0, 0, 1], [1, 0, 0], [0, 1, 0]]))
    >>> lon, lat, m.tolist()  # Z along the frame's +X; body X east (+Y), body Y north (+Z)
    (0.0, 0.0, [[1.0, 0.0], [0.0, 1.0]])
    """
    rot = np.asarray(rotation, dtype=np.float64)
    x, y, z = rot[:, 0], rot[:, 1], rot[:, 2]
    lon0 = math.atan2(z[1], z[0])
    lat0 = math.asin(float(np.clip(z[2] / np.linalg.norm(z), -1.0, 1.0)))
    east = np.array([-math.sin(lon0), math.cos(lon0), 0.0])
    north = np.array([-math.sin(lat0) * math.cos(lon0), -math.sin(lat0) * math.sin(lon0), math.cos(lat0)])
    matrix = np.array([[x @ east, y @ east], [x @ north, y @ north]])
    return math.degrees(lon0) % 360.0, math.degrees(lat0), matrix
