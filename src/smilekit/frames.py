"""Geophysical coordinate frames: GEI, GEO, GSE, GSM, SM and MAG, vectorised over times and vectors.

Definitions follow Hapgood (1992, Planet. Space Sci. 40, 711, doi:10.1016/0032-0633(92)90012-D,
:cite:`hapgood1992`; with the corrigendum Hapgood 1997, Planet. Space Sci. 45, 1047, :cite:`hapgood1997`)
and Russell (1971, Cosmic Electrodyn. 2, 184, :cite:`russell1971`):

========  ==========================================================================================
GEI       geocentric equatorial inertial: X to the vernal equinox, Z to the celestial pole (of date)
GEO       geographic: X to (0 N, 0 E), Z to the geographic north pole; rotates with the Earth
GSE       geocentric solar ecliptic: X to the Sun, Z to the ecliptic north pole
GSM       geocentric solar magnetospheric: X to the Sun, the (northward) dipole axis in the X-Z plane
SM        solar magnetic: Z along the northward dipole axis, Y as in GSM (perpendicular to Sun and dipole)
MAG       geomagnetic: Z along the northward dipole axis, Y perpendicular to the geographic poles
========  ==========================================================================================

The formulas are Hapgood's: Greenwich mean sidereal time ``theta = 100.461 + 36000.770 T0 + 15.04107 H``
(deg), the mean obliquity ``eps = 23.439 - 0.013 T0``, and the Sun's ecliptic longitude
``lambda = L + (1.915 - 0.0048 T0) sin M + 0.020 sin 2M`` with ``M = 357.528 + 35999.050 T0 + 0.04107 H``
and ``L = 280.460 + 36000.772 T0 + 0.04107 H`` (T0: Julian centuries from J2000.0 to the midnight
starting the day, H: UT hours). They are accurate to about 0.01 deg over 1900-2100; nutation (below 0.005
deg) is neglected, so the mean and true equator and equinox of date are not distinguished (GEI is
"of date" in Hapgood's sense). UT1 and TT are taken equal to UTC (see :mod:`smilekit.times`).

The magnetic frames use the centred dipole of IGRF-14 (g10, g11, h11 from :mod:`smilekit.igrf`;
:cite:`igrf14`). The
northward dipole axis (the direction of the northern geomagnetic pole) in GEO is
``-(g11, h11, g10) / sqrt(g10^2 + g11^2 + h11^2)``, i.e. the pole at longitude ``atan2(-h11, -g11)``
and colatitude ``acos(-g10 / B0)`` (Hapgood 1992, sect. 3, as corrected in 1997).

Each frame F is built as a rotation matrix GEI -> F whose rows are F's unit axes in GEI; the matrix
A -> B is ``M_B @ M_A.T``, so an inverse is exactly a transpose. Hot paths work on plain float64 arrays
(``rotation_matrix``); :func:`transform` wraps them for astropy Quantities.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.igrf import check_igrf_range, dipole_coefficients_values
from smilekit.times import as_datetime64, day_fraction, decimal_year

__all__ = [
    "FRAMES",
    "dipole_axis",
    "dipole_tilt",
    "frame_name",
    "rotation_matrix",
    "sun_direction",
    "transform",
    "unit_vectors",
]

#: The frames smilekit knows (names are case-insensitive on input).
FRAMES = ("GEI", "GEO", "GSE", "GSM", "SM", "MAG")

_MAGNETIC = frozenset({"GSM", "SM", "MAG"})


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64 arrays, no astropy.units
# ---------------------------------------------------------------------------------------------------
def frame_name(name, argument: str = "frame") -> str:
    """The upper-case name of a frame of :data:`FRAMES`, given in any case; else an InputError naming
    ``argument`` and the accepted names."""
    if not isinstance(name, str) or name.upper() not in FRAMES:
        raise InputError(f"{argument} must be one of {', '.join(FRAMES)} (any case), got {name!r}")
    return name.upper()


def _rot_z(angle: np.ndarray) -> np.ndarray:
    """Hapgood's <angle, Z>: the matrix rotating the axes by ``angle`` (rad) about Z, shape (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((*np.shape(angle), 3, 3))
    out[..., 0, 0] = c
    out[..., 0, 1] = s
    out[..., 1, 0] = -s
    out[..., 1, 1] = c
    out[..., 2, 2] = 1.0
    return out


def unit_vectors(v: np.ndarray) -> np.ndarray:
    """``v`` divided by its norm along the last axis (a zero vector gives NaN, without a warning)."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / norm


def _rows(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.stack([x, y, z], axis=-2)


class _Geometry:
    """Angles and axes at an array of (already validated) datetime64[ns] times, computed lazily."""

    def __init__(self, t: np.ndarray):
        self.t = t
        days, hours = day_fraction(t)
        self.T0 = (days - 0.5) / 36525.0  # Julian centuries from J2000.0 to 0h UT of the day (Hapgood T0)
        self.H = hours
        self._cache: dict[str, np.ndarray] = {}

    # Hapgood (1992) sect. 2 and Appendix: sidereal time, obliquity, Sun longitude (degrees).
    def gmst(self) -> np.ndarray:
        return np.radians(np.mod(100.461 + 36000.770 * self.T0 + 15.04107 * self.H, 360.0))

    def obliquity(self) -> np.ndarray:
        return np.radians(23.439 - 0.013 * self.T0)

    def sun_longitude(self) -> np.ndarray:
        mean_anomaly = np.radians(np.mod(357.528 + 35999.050 * self.T0 + 0.04107 * self.H, 360.0))
        mean_longitude = np.mod(280.460 + 36000.772 * self.T0 + 0.04107 * self.H, 360.0)
        longitude = (
            mean_longitude
            + (1.915 - 0.0048 * self.T0) * np.sin(mean_anomaly)
            + 0.020 * np.sin(2.0 * mean_anomaly)
        )
        return np.radians(longitude)

    def matrix(self, frame: str) -> np.ndarray:
        """The rotation GEI -> ``frame``, shape (..., 3, 3)."""
        if frame not in self._cache:
            self._cache[frame] = getattr(self, f"_gei_to_{frame.lower()}")()
        return self._cache[frame]

    def _gei_to_gei(self) -> np.ndarray:
        return np.broadcast_to(np.eye(3), (*self.t.shape, 3, 3))

    def _gei_to_geo(self) -> np.ndarray:
        # Hapgood eq. (2): T1 = <theta, Z>.
        return _rot_z(self.gmst())

    def _gei_to_gse(self) -> np.ndarray:
        # Hapgood eq. (4): T2 = <lambda_sun, Z> * <eps, X>, multiplied out (the product of the
        # two elementary rotations, written out to avoid (..., 3, 3) temporaries).
        lam, eps = self.sun_longitude(), self.obliquity()
        cl, sl, ce, se = np.cos(lam), np.sin(lam), np.cos(eps), np.sin(eps)
        out = np.empty((*np.shape(lam), 3, 3))
        out[..., 0, 0], out[..., 0, 1], out[..., 0, 2] = cl, sl * ce, sl * se
        out[..., 1, 0], out[..., 1, 1], out[..., 1, 2] = -sl, cl * ce, cl * se
        out[..., 2, 0], out[..., 2, 1], out[..., 2, 2] = 0.0, -se, ce
        return out

    def sun_gei(self) -> np.ndarray:
        """Unit vector to the Sun in GEI (the first row of GEI -> GSE)."""
        return self.matrix("GSE")[..., 0, :]

    def dipole_geo(self) -> np.ndarray:
        if "dipole_geo" not in self._cache:
            g10, g11, h11 = dipole_coefficients_values(decimal_year(self.t))
            self._cache["dipole_geo"] = unit_vectors(-np.stack([g11, h11, g10], axis=-1))
        return self._cache["dipole_geo"]

    def dipole_gei(self) -> np.ndarray:
        # GEO -> GEI is the transpose of T1 = <theta, Z>: d_gei = T1^T d_geo, written out.
        if "dipole_gei" not in self._cache:
            theta = self.gmst()
            c, s = np.cos(theta), np.sin(theta)
            d = self.dipole_geo()
            self._cache["dipole_gei"] = np.stack(
                [c * d[..., 0] - s * d[..., 1], s * d[..., 0] + c * d[..., 1], d[..., 2]], axis=-1
            )
        return self._cache["dipole_gei"]

    def _gsm_y(self) -> np.ndarray:
        if "gsm_y" not in self._cache:
            self._cache["gsm_y"] = unit_vectors(np.cross(self.dipole_gei(), self.sun_gei()))
        return self._cache["gsm_y"]

    def _gei_to_gsm(self) -> np.ndarray:
        # X to the Sun, Y = D x S / |D x S| (perpendicular to the dipole), Z = X x Y (Hapgood sect. 3).
        x = self.sun_gei()
        y = self._gsm_y()
        return _rows(x, y, np.cross(x, y))

    def _gei_to_sm(self) -> np.ndarray:
        # Z along the dipole, Y as in GSM, X = Y x Z (Hapgood sect. 3).
        z = self.dipole_gei()
        y = self._gsm_y()
        return _rows(np.cross(y, z), y, z)

    def _gei_to_mag(self) -> np.ndarray:
        # In GEO: Z along the dipole, Y = Z_geo x D / |...| (perpendicular to the geographic poles),
        # X = Y x Z; then GEI -> MAG = (GEO -> MAG) (GEI -> GEO).
        z = self.dipole_geo()
        y = unit_vectors(np.cross(np.array([0.0, 0.0, 1.0]), z))
        geo_to_mag = _rows(np.cross(y, z), y, z)
        return geo_to_mag @ self.matrix("GEO")


def _times(time, frames) -> np.ndarray:
    t = as_datetime64(time)
    if _MAGNETIC.intersection(frames):
        check_igrf_range(t)
    return t


def rotation_matrix(time, from_frame: str, to_frame: str) -> np.ndarray:
    """The rotation matrix that takes vector components in ``from_frame`` to ``to_frame``.

    Parameters
    ----------
    time : time-like
        One time or an array of times (anything :func:`smilekit.times.as_datetime64` accepts).
    from_frame, to_frame : str
        One of :data:`FRAMES`, any case.

    Returns
    -------
    numpy.ndarray
        Shape ``time.shape + (3, 3)``: ``v_to = R @ v_from``. Plain floats; orthonormal with determinant +1;
        ``rotation_matrix(t, B, A)`` is the transpose of ``rotation_matrix(t, A, B)``.

    Raises
    ------
    InputError
        For an unknown frame, an unparsable time, or (for GSM, SM, MAG) a time outside IGRF-14's validity.

    Examples
    --------
    >>> R = rotation_matrix("2020-06-21T17:00", "GSE", "GSM")
    >>> R.shape, bool(abs(R[0, 0] - 1.0) < 1e-12)  # GSE and GSM share the X axis
    ((3, 3), True)
    """
    source = frame_name(from_frame, "from_frame")
    target = frame_name(to_frame, "to_frame")
    t = _times(time, (source, target))
    if source == target:
        return np.broadcast_to(np.eye(3), (*t.shape, 3, 3)).copy()
    geometry = _Geometry(t)
    if source == "GEI":
        return geometry.matrix(target).copy()
    if target == "GEI":
        return np.swapaxes(geometry.matrix(source), -1, -2).copy()
    return np.einsum("...ij,...kj->...ik", geometry.matrix(target), geometry.matrix(source))


def _rotate(matrix: np.ndarray, values: np.ndarray) -> np.ndarray:
    try:
        return np.einsum("...ij,...j->...i", matrix, values)
    except ValueError:
        raise InputError(
            f"the times (shape {matrix.shape[:-2]}) do not broadcast against the vectors (leading shape "
            f"{values.shape[:-1]}); give one time, one time per vector, or many times with one vector"
        ) from None


def transform(vectors, time, from_frame: str, to_frame: str):
    """Transform vectors (positions, fields, velocities) between geophysical frames.

    Parameters
    ----------
    vectors : astropy.units.Quantity or array_like, shape (..., 3)
        Cartesian components. A Quantity in any unit (positions in RE or km, B in nT, velocities in
        km/s) comes back in the same unit; a plain array (dimensionless directions) comes back plain.
        NaN components (data gaps) are passed through as NaN.
    time : time-like
        Broadcast against the leading axes of ``vectors``: one time for all vectors, one time per
        vector, or many times for one vector.
    from_frame, to_frame : str
        One of :data:`FRAMES` (GEI, GEO, GSE, GSM, SM, MAG), any case.

    Returns
    -------
    astropy.units.Quantity or numpy.ndarray
        The vectors in ``to_frame``, shape ``broadcast(time.shape, vectors.shape[:-1]) + (3,)``.

    Raises
    ------
    InputError
        For an unknown frame, vectors not of shape (..., 3) or with infinite components, times that do not
        broadcast, an unparsable time, or a time outside IGRF-14's validity (magnetic frames).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> r_gsm = transform([10.0, 0.0, 0.0] * RE, "2020-06-21T17:00", "GSE", "GSM")
    >>> r_gsm.unit == RE, round(float(r_gsm[0].value), 9)
    (True, 10.0)
    """
    source = frame_name(from_frame, "from_frame")
    target = frame_name(to_frame, "to_frame")
    if isinstance(vectors, u.Quantity):
        unit = vectors.unit
        values = np.asarray(vectors.value, dtype=np.float64)
    else:
        unit = None
        try:
            values = np.asarray(vectors, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"vectors must be numbers of shape (..., 3), got {vectors!r:.80}") from None
    if values.ndim == 0 or values.shape[-1] != 3:
        raise InputError(f"vectors must have shape (..., 3) (x, y, z components), got shape {values.shape}")
    if np.isinf(values).any():
        raise InputError("vectors contain infinite components; finite values (or NaN for gaps) are required")
    matrix = rotation_matrix(time, source, target)
    out = _rotate(matrix, values)
    return out if unit is None else np.asarray(out) << unit


def dipole_axis(time, frame: str = "GEO") -> np.ndarray:
    """Unit vector(s) along the northward IGRF-14 centred-dipole axis (towards the northern pole).

    Parameters
    ----------
    time : time-like
        One time or an array of times within 1900-01-01 .. 2030-01-01.
    frame : str
        The frame of the returned components (default GEO).

    Returns
    -------
    numpy.ndarray
        Shape ``time.shape + (3,)``.

    Examples
    --------
    >>> d = dipole_axis("2025-01-01")
    >>> lat = np.degrees(np.arcsin(d[2])); lon = np.degrees(np.arctan2(d[1], d[0]))
    >>> round(float(lat), 1), round(float(lon), 1)
    (80.8, -72.8)
    """
    target = frame_name(frame, "frame")
    t = as_datetime64(time)
    check_igrf_range(t)
    geometry = _Geometry(t)
    if target == "GEO":
        return geometry.dipole_geo().copy()
    return np.einsum("...ij,...j->...i", geometry.matrix(target), geometry.dipole_gei())


def sun_direction(time, frame: str = "GEI") -> np.ndarray:
    """Unit vector(s) from the Earth to the Sun (Hapgood 1992 Sun longitude, after Russell 1971).

    Parameters
    ----------
    time : time-like
        One time or an array of times.
    frame : str
        The frame of the returned components (default GEI).

    Returns
    -------
    numpy.ndarray
        Shape ``time.shape + (3,)``.

    Examples
    --------
    >>> s = sun_direction("2020-06-20T21:44", "GEO")  # June solstice: declination = obliquity
    >>> round(float(np.degrees(np.arcsin(s[2]))), 2)
    23.44
    """
    target = frame_name(frame, "frame")
    t = _times(time, (target,))
    geometry = _Geometry(t)
    sun = geometry.sun_gei()
    if target == "GEI":
        return sun.copy()
    return np.einsum("...ij,...j->...i", geometry.matrix(target), sun)


def dipole_tilt_values(t: np.ndarray) -> np.ndarray:
    """Kernel: dipole tilt in radians at validated datetime64[ns] times ``t``."""
    geometry = _Geometry(t)
    cosine = np.einsum("...i,...i->...", geometry.dipole_gei(), geometry.sun_gei())
    return np.arcsin(np.clip(cosine, -1.0, 1.0))


def dipole_tilt(time) -> u.Quantity:
    """The dipole tilt angle: between GSM +Z and the northward dipole axis, positive sunward.

    In GSM the northward dipole axis is ``(sin psi, 0, cos psi)``, so ``psi = asin(D . S)`` with D the
    dipole axis and S the Sun direction: positive when the northern magnetic pole leans towards the Sun
    (northern summer afternoon in UT terms), the convention of Hapgood (1992, the angle mu of the
    GSM -> SM rotation), Tsyganenko's GEOPACK and Lin et al. (2010), :cite:`lin2010`.

    Parameters
    ----------
    time : time-like
        One time or an array of times within 1900-01-01 .. 2030-01-01.

    Returns
    -------
    astropy.units.Quantity
        In deg, shape of ``time``; within about +-34 deg.

    Examples
    --------
    >>> round(float(dipole_tilt("2020-06-21T17:00").to_value("deg")), 1)
    32.8
    """
    t = as_datetime64(time)
    check_igrf_range(t)
    return np.asarray(np.degrees(dipole_tilt_values(t))) << u.deg
