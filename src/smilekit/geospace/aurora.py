"""The statistical northern auroral oval, the target of SMILE's UVI.

The oval is modelled as a ring between two circles on the sphere at :data:`AURORA_ALTITUDE` (120 km, within
the 110-150 km layer where auroral LBH emission peaks), about a centre whose SM colatitude is
:data:`OVAL_CENTRE_OFFSET` (4 deg) towards magnetic midnight. A circle fitted to the oval has its centre
displaced a few degrees antisunward of the magnetic pole (Holzworth & Meng 1975, GRL 2, 377,
:cite:`holzworth1975`; Meng, Holzworth & Akasofu 1977, JGR 82, 164, :cite:`meng1977`; about 3-5 deg, *check*
the exact values in the papers); 4 deg is our choice in that range. The angular radii of the poleward and
equatorward edges about that centre, :data:`OVAL_RADII` (15 and 21 deg, an assumption), put the oval at 65-71
deg magnetic latitude at midnight and 73-79 deg at noon, the statistical oval of Feldstein & Starkov (1967,
Planet. Space Sci. 15, 209, :cite:`feldstein1967`) for moderate activity (Kp ~ 3).

* :func:`oval_centre`: the oval centre (the UVI target of :func:`smilekit.mission.pointing.attitude`);
* :func:`oval_points`: points on the oval's edges (the visibility of the whole oval,
  :func:`smilekit.mission.visibility.visibility`).

Both return GSE positions in RE (the SM -> GSE rotation of :mod:`smilekit.frames`, IGRF-14 dipole).
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.times import as_datetime64
from smilekit.units import RE

__all__ = ["AURORA_ALTITUDE", "OVAL_CENTRE_OFFSET", "OVAL_RADII", "oval_centre", "oval_points"]

#: Altitude of the auroral emission that UVI images (LBH emission peaks in the 110-150 km layer; 120 km).
AURORA_ALTITUDE = 120.0 * u.km

#: SM colatitude of the auroral-oval centre, displaced towards midnight (a few degrees: Holzworth & Meng
#: 1975; Meng et al. 1977; 4 deg is our choice, see the module docstring).
OVAL_CENTRE_OFFSET = 4.0 * u.deg

#: Angular radii about the oval centre of the oval's poleward and equatorward edges (assumption): with the
#: 4 deg offset they put the oval at 65-71 deg magnetic latitude at midnight and 73-79 deg at noon, the
#: statistical oval of Feldstein & Starkov (1967) for moderate activity (Kp ~ 3).
OVAL_RADII = [15.0, 21.0] * u.deg


def _oval_frame_sm(offset_rad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The oval centre direction in SM and two unit vectors perpendicular to it (noon side, dusk)."""
    c = np.array([-np.sin(offset_rad), 0.0, np.cos(offset_rad)])
    e1 = np.array([np.cos(offset_rad), 0.0, np.sin(offset_rad)])  # towards noon
    e2 = np.array([0.0, 1.0, 0.0])
    return c, e1, e2


def oval_centre(time, *, offset=OVAL_CENTRE_OFFSET, altitude=AURORA_ALTITUDE) -> u.Quantity:
    """The centre of the northern auroral oval: SM colatitude ``offset`` towards midnight, at ``altitude``.

    Returns GSE positions in RE, shape (N, 3). See the module docstring for the sources.

    Examples
    --------
    >>> import astropy.units as u
    >>> c = oval_centre("2026-03-20T12:00")
    >>> round(float(np.linalg.norm(c.to_value(u.km))), 1)  # 6371 + 120 km
    6491.0
    """
    t = np.atleast_1d(as_datetime64(time))
    off = float(as_value(offset, u.rad, "offset", nonnegative=True))
    r = 1.0 + float(as_value(altitude, RE, "altitude", nonnegative=True))
    c, _, _ = _oval_frame_sm(off)
    sm_to_gse = rotation_matrix(t, "SM", "GSE")
    return (sm_to_gse @ (r * c)) * RE


def oval_points(
    time, *, n: int = 36, offset=OVAL_CENTRE_OFFSET, radii=OVAL_RADII, altitude=AURORA_ALTITUDE
) -> u.Quantity:
    """Points on the edges of the northern auroral oval, modelled as circles about :func:`oval_centre`.

    Parameters
    ----------
    time : time-like
        N times.
    n : int
        Points per circle (>= 3), evenly spaced in azimuth about the oval centre, the first at noon.
    offset, radii, altitude : Quantity
        Centre offset towards midnight, the angular radii of the circles (default the poleward and
        equatorward edges, :data:`OVAL_RADII`) and the emission altitude.

    Returns
    -------
    Quantity
        GSE positions in RE, shape (N, len(radii) * n, 3).
    """
    t = np.atleast_1d(as_datetime64(time))
    if int(n) < 3:
        raise InputError(f"n must be >= 3, got {n}")
    off = float(as_value(offset, u.rad, "offset", nonnegative=True))
    rad = np.atleast_1d(as_value(radii, u.rad, "radii", positive=True))
    r = 1.0 + float(as_value(altitude, RE, "altitude", nonnegative=True))
    c, e1, e2 = _oval_frame_sm(off)
    phi = np.linspace(0.0, 2 * np.pi, int(n), endpoint=False)
    ring = np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2
    pts = np.concatenate([np.cos(a) * c + np.sin(a) * ring for a in rad])  # (M, 3) in SM, unit
    sm_to_gse = rotation_matrix(t, "SM", "GSE")
    return np.einsum("nij,mj->nmi", sm_to_gse, r * pts) * RE
