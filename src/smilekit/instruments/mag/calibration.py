"""MAG calibration: the ground-calibration parameters, the dual-magnetometer (gradiometer) method, the frames.

Ground calibration
------------------
:class:`MAGCalibration` holds what the processing knows of each sensor: offsets, scale factors,
non-orthogonality angles (the coupling of :mod:`~smilekit.instruments.mag.sensor`), the mounts and the
sensor distances along the boom. :func:`ground_calibration` draws it from the true instrument
(:class:`~smilekit.instruments.mag.config.MAGConfig`) with the configuration's 1-sigma calibration errors;
:func:`true_calibration` gives the exact values (for tests of the method itself). A reading ``m`` is
calibrated to the sensor's orthogonal frame as ``B_s = G^-1 (m - o)`` and put in the body frame with the
mount.

The dual-magnetometer method (Ness et al. 1971, :cite:`ness1971`)
-----------------------------------------------------------------
Along a line through the centre of a dipole the dipole's field has a fixed direction and falls as
``r^-3``: at distance ``r`` along the unit vector ``b`` it is ``c / r^3`` with the constant vector
``c = 100 (3 (m . b) b - m)`` nT m^3 (:func:`~smilekit.instruments.mag.sensor.dipole_field_values`). Two
sensors on the boom line at ``r1 < r2`` read ``B_k = B_0 + c / r_k^3`` (k = 1, 2; the ambient field
``B_0`` is the same at both, its gradient over the 0.8 m between them being negligible). The two equations
give (:func:`gradiometer_values`)

    ``B_0 = (r2^3 B_2 - r1^3 B_1) / (r2^3 - r1^3)``, ``c = r1^3 r2^3 (B_1 - B_2) / (r2^3 - r1^3)``,

and the spacecraft's field at the outboard sensor ``c / r2^3 = r1^3 (B_1 - B_2) / (r2^3 - r1^3)``.
Independent errors ``d_1``, ``d_2`` of the two sensors (noise, residual offsets) enter ``B_0`` as
``(r2^3 d_2 - r1^3 d_1) / (r2^3 - r1^3)``: the gains of :func:`gradiometer_gains`, 1.85 and 0.85 for the
default 3.5 and 2.7 m, so the noise grows by ``sqrt(1.85^2 + 0.85^2) = 2.03``. The method removes any
field that is a dipole at the centre, static or not; what it cannot remove is a source elsewhere (the
configuration's time-varying dipole off the boom line), higher multipoles, and calibration errors, which
it amplifies. Measured (tests/instruments/mag/test_calibration.py, the default configuration, 32 Hz,
0.05 nT noise): in the solar wind the error of any one vector stays below 1.1 nT (rms 0.46 nT), inside the
2 nT accuracy; the outboard sensor alone is 3 to 4 nT off. It fails (beyond 2 nT) with a switched source
near the boom (0.3 A m^2 one metre out along it: 3.6 nT median), with calibration errors it amplifies (an
outboard offset error of 1 nT gives 1.85 nT), near perigee where the scale errors (1e-4, times 1.85) of a
field near 12 800 nT give up to 2.5 nT, and with one sensor (the switched part is not followed; with no
dual-sensor sample the spacecraft field stays in, 7 to 8.5 nT with the inboard sensor alone: flagged).

Frames
------
sensor -> body (the mounts) -> GSE (the attitude: :attr:`smilekit.mission.pointing.Attitude.rotation`,
interpolated to the samples by spherical linear interpolation of its quaternions, :func:`body_to_gse_values`)
-> GSM (:func:`smilekit.frames.rotation_matrix`, :func:`gse_to_gsm_values`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np
from scipy.spatial.transform import Rotation

from smilekit._validation import as_generator, as_rotation, as_value
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.instruments.mag.config import MAGConfig
from smilekit.instruments.mag.sensor import coupling_values
from smilekit.mission.pointing import Attitude

__all__ = [
    "ATTITUDE_GRID_S",
    "GSM_GRID_S",
    "MAGCalibration",
    "body_to_gse_values",
    "gradiometer_gains",
    "gradiometer_values",
    "ground_calibration",
    "gse_to_gsm_values",
    "true_calibration",
]

#: Spacing (s) of the grid on which the attitude is interpolated exactly (:func:`slerp_values`) before the
#: matrices are interpolated linearly to the samples (:func:`body_to_gse_values`).
ATTITUDE_GRID_S = 0.25

#: Spacing (s) of the grid on which the GSE -> GSM angle is taken from :func:`smilekit.frames.rotation_matrix`
#: and interpolated to the samples (:func:`gse_to_gsm_values`).
GSM_GRID_S = 10.0


class CalibrationValues(NamedTuple):
    """A calibration as plain floats: inverse couplings (2, 3, 3), offsets (2, 3, nT), mounts, distances."""

    inverse_coupling: np.ndarray
    offset_nt: np.ndarray
    mount: np.ndarray
    distance_m: np.ndarray


@dataclass(frozen=True, eq=False)
class MAGCalibration:
    """What the ground processing knows of the two sensors (per-sensor arrays, inboard first).

    Attributes
    ----------
    offset : Quantity
        Zero offsets, shape (2, 3), nT.
    scale : numpy.ndarray
        Scale factors, shape (2, 3).
    nonorthogonality : Quantity
        Angles u1, u2, u3 of each sensor (:func:`~smilekit.instruments.mag.sensor.axes_values`), (2, 3).
    mount : numpy.ndarray
        Sensor -> body rotations, shape (2, 3, 3).
    sensor_distance : Quantity
        Distances of the sensors from the spacecraft's dipole centre along the boom, shape (2,).
    source : str
        Where the numbers come from (written to the products' attributes).
    """

    offset: u.Quantity
    scale: np.ndarray
    nonorthogonality: u.Quantity
    mount: np.ndarray
    sensor_distance: u.Quantity
    source: str = field(default="")

    def __post_init__(self):
        _ = self.values

    @cached_property
    def values(self) -> CalibrationValues:
        """The calibration as plain floats, with the inverse coupling matrices."""
        offset = as_value(self.offset, u.nT, "offset")
        angles = as_value(self.nonorthogonality, u.deg, "nonorthogonality")
        scale = np.asarray(self.scale, dtype=np.float64)
        distance = as_value(self.sensor_distance, u.m, "sensor_distance", positive=True)
        mount = np.asarray(self.mount, dtype=np.float64)
        if offset.shape != (2, 3) or angles.shape != (2, 3) or scale.shape != (2, 3):
            raise InputError(
                f"offset, scale and nonorthogonality must have shape (2, 3), got {offset.shape}, "
                f"{scale.shape}, {angles.shape}"
            )
        if not np.isfinite(scale).all() or (scale <= 0).any():
            raise InputError(f"scale must be positive and finite, got {scale.tolist()}")
        if distance.shape != (2,) or not distance[0] < distance[1]:
            raise InputError(
                f"sensor_distance must be (inboard, outboard), increasing, got {self.sensor_distance}"
            )
        if mount.shape != (2, 3, 3):
            raise InputError(f"mount must have shape (2, 3, 3), got {mount.shape}")
        mount = np.stack([as_rotation(m, f"mount[{k}]") for k, m in enumerate(mount)])
        inverse = np.stack([np.linalg.inv(coupling_values(scale[k], angles[k])) for k in range(2)])
        return CalibrationValues(inverse, offset, mount, distance)


def true_calibration(config: MAGConfig | None = None) -> MAGCalibration:
    """The exact sensor parameters of ``config`` as a calibration (no calibration error).

    Examples
    --------
    >>> cal = true_calibration()
    >>> cal.offset.shape, cal.source
    ((2, 3), 'true values of the simulated instrument')
    """
    cfg = MAGConfig.resolve(config)
    v = cfg.values
    return MAGCalibration(
        v.offset_nt * u.nT,
        v.scale.copy(),
        v.angles_deg * u.deg,
        v.mount.copy(),
        v.distance_m * u.m,
        "true values of the simulated instrument",
    )


def ground_calibration(config: MAGConfig | None = None, rng=0) -> MAGCalibration:
    """The ground calibration: the true parameters plus Gaussian errors of the configuration's 1-sigma.

    Offsets get ``offset_error`` (nT), scale factors a relative ``scale_error``, the angles
    ``nonorthogonality_error``; the mounts and the distances are taken as known exactly.

    Parameters
    ----------
    config : MAGConfig, optional
        The true instrument (default ``MAGConfig()``).
    rng : numpy.random.Generator or int
        The random generator or a seed (default 0); the same seed gives the same calibration.

    Examples
    --------
    >>> import numpy as np
    >>> cal = ground_calibration(rng=1)
    >>> err = cal.offset.to_value("nT") - MAGConfig().values.offset_nt
    >>> bool(0.0 < np.abs(err).max() < 0.5)
    True
    """
    cfg = MAGConfig.resolve(config)
    v = cfg.values
    generator = as_generator(rng)
    offset = v.offset_nt + generator.normal(0.0, v.offset_error_nt, (2, 3))
    scale = v.scale * (1.0 + generator.normal(0.0, v.scale_error, (2, 3)))
    angles = v.angles_deg + generator.normal(0.0, v.angle_error_deg, (2, 3))
    return MAGCalibration(
        offset * u.nT,
        scale,
        angles * u.deg,
        v.mount.copy(),
        v.distance_m * u.m,
        f"ground calibration drawn with 1-sigma errors {v.offset_error_nt:g} nT (offsets), "
        f"{v.scale_error:g} (scale), {v.angle_error_deg:g} deg (angles)",
    )


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------
def gradiometer_gains(r1_m: float, r2_m: float) -> tuple[float, float]:
    """Gains ``(r1^3, r2^3) / (r2^3 - r1^3)`` with which inboard and outboard errors enter ``B_0``.

    Examples
    --------
    >>> [round(k, 3) for k in gradiometer_gains(2.7, 3.5)]
    [0.849, 1.849]
    """
    d = r2_m**3 - r1_m**3
    return r1_m**3 / d, r2_m**3 / d


def gradiometer_values(
    b_in: np.ndarray, b_out: np.ndarray, r1_m: float, r2_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: the ambient field ``B_0`` and the spacecraft field at the outboard sensor (module docstring).

    ``b_in``, ``b_out``: fields (nT, one frame, e.g. the body) at the inboard and outboard sensors, shape
    (N, 3).
    """
    k_in, k_out = gradiometer_gains(r1_m, r2_m)
    b0 = k_out * b_out - k_in * b_in
    return b0, b_out - b0


def calibrate_values(reading_nt: np.ndarray, k: int, cal: CalibrationValues) -> np.ndarray:
    """Kernel: readings (N, 3, nT) of sensor ``k`` -> the field in the body frame, ``M G^-1 (m - o)``."""
    return (reading_nt - cal.offset_nt[k]) @ (cal.mount[k] @ cal.inverse_coupling[k]).T


def body_to_gse_values(attitude, time_ns: np.ndarray) -> np.ndarray:
    """Body -> GSE rotation matrices (N, 3, 3) at the sample times ``time_ns`` (datetime64[ns]).

    Parameters
    ----------
    attitude : smilekit.mission.pointing.Attitude or array_like
        An attitude with at least two samples covering the times, or one fixed 3 x 3 body -> GSE rotation.
        The attitude is interpolated by spherical linear interpolation (:func:`slerp_values`) every
        :data:`ATTITUDE_GRID_S` (0.25 s) and the matrices linearly between those: the linear blend of two
        rotations ``d`` apart departs from the rotation by at most ``d^2 / 8``, 2.4e-6 rad for a turn of
        1 deg/s (far faster than the pointing law's), 0.03 nT at 12 800 nT. With fewer than four samples
        per grid step, every sample is interpolated exactly.

    Raises
    ------
    InputError
        For times outside the attitude's span, an undefined (NaN) attitude next to a sample, or an
        attitude that is neither an Attitude nor a rotation matrix.
    """
    n = time_ns.shape[0]
    if not isinstance(attitude, Attitude):
        m = as_rotation(attitude, "attitude")
        return np.broadcast_to(m, (n, 3, 3))
    t_att = np.asarray(attitude.time, dtype="datetime64[ns]")
    if t_att.shape[0] < 2:
        raise InputError("attitude must hold at least two samples (or give one fixed 3 x 3 rotation)")
    if time_ns[0] < t_att[0] or time_ns[-1] > t_att[-1]:
        raise InputError(
            f"the samples ({time_ns[0]} to {time_ns[-1]}) reach outside the attitude's span "
            f"({t_att[0]} to {t_att[-1]}); give an attitude that covers them"
        )
    x_att = (t_att - t_att[0]).astype(np.int64) * 1e-9
    x = (time_ns - t_att[0]).astype(np.int64) * 1e-9
    finite = np.isfinite(attitude.rotation).all(axis=(-2, -1))
    if not finite.all():
        after = np.clip(np.searchsorted(x_att, x, side="right"), 1, x_att.size - 1)
        bad = ~(finite[after] & finite[after - 1])
        if bad.any():
            first = np.flatnonzero(bad)[0]
            raise InputError(
                f"the attitude is undefined (NaN) next to the sample at {time_ns[first]} "
                f"({int(bad.sum())} samples); an attitude with aim points at all the MAG times is needed"
            )
    x_att, rotations = x_att[finite], attitude.rotation[finite]
    quat = Rotation.from_matrix(rotations).as_quat()
    grid = np.arange(x[0], x[-1], ATTITUDE_GRID_S)
    if grid.size * 4 > x.size:  # few samples: interpolate at each
        return slerp_values(x_att, quat, x)
    grid = np.append(grid, x[-1])
    m = slerp_values(x_att, quat, grid).reshape(-1, 9)
    k = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    f = ((x - grid[k]) / (grid[k + 1] - grid[k]))[:, None]
    return (m[k] + f * (m[k + 1] - m[k])).reshape(-1, 3, 3)


def slerp_values(x_knots: np.ndarray, quat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Kernel: rotation matrices (N, 3, 3) at ``x`` by spherical linear interpolation of knot quaternions.

    ``quat`` (K, 4), scalar last (scipy's order), at increasing ``x_knots``; ``x`` within them. Between
    knots ``q = (sin((1 - f) w) q_k + sin(f w) q_k+1) / sin(w)``, ``cos(w) = q_k . q_k+1`` with the sign of
    ``q_k+1`` chosen for the shorter arc (Shoemake 1985, Computer Graphics 19, 245); the same interpolation as
    :class:`scipy.spatial.transform.Slerp` (tests/instruments/mag/test_frames.py compares them), written
    out here because scipy's composes a Rotation per sample, four times slower on a day at 32 Hz.
    """
    q = np.array(quat, dtype=np.float64)
    for k in range(1, q.shape[0]):  # the shorter arc: consecutive quaternions in the same hemisphere
        if q[k] @ q[k - 1] < 0.0:
            q[k] = -q[k]
    k = np.clip(np.searchsorted(x_knots, x, side="right") - 1, 0, x_knots.size - 2)
    f = ((x - x_knots[k]) / (x_knots[k + 1] - x_knots[k]))[:, None]
    q0, q1 = q[k], q[k + 1]
    cos_w = np.clip(np.sum(q0 * q1, axis=1, keepdims=True), -1.0, 1.0)
    w = np.arccos(cos_w)
    sin_w = np.sin(w)
    small = sin_w < 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(small, 1.0 - f, np.sin((1.0 - f) * w) / sin_w)
        b = np.where(small, f, np.sin(f * w) / sin_w)
    qi = a * q0 + b * q1
    qi /= np.linalg.norm(qi, axis=1, keepdims=True)
    x_, y_, z_, w_ = qi.T
    out = np.empty((x.size, 3, 3))
    out[:, 0, 0] = 1 - 2 * (y_ * y_ + z_ * z_)
    out[:, 0, 1] = 2 * (x_ * y_ - z_ * w_)
    out[:, 0, 2] = 2 * (x_ * z_ + y_ * w_)
    out[:, 1, 0] = 2 * (x_ * y_ + z_ * w_)
    out[:, 1, 1] = 1 - 2 * (x_ * x_ + z_ * z_)
    out[:, 1, 2] = 2 * (y_ * z_ - x_ * w_)
    out[:, 2, 0] = 2 * (x_ * z_ - y_ * w_)
    out[:, 2, 1] = 2 * (y_ * z_ + x_ * w_)
    out[:, 2, 2] = 1 - 2 * (x_ * x_ + y_ * y_)
    return out


def gse_to_gsm_values(time_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: cosine and sine of the GSE -> GSM rotation about X at the sample times.

    GSE and GSM share the X axis (the Sun), so GSE -> GSM is a rotation about X by an angle ``theta``
    (Hapgood 1992, :cite:`hapgood1992`): ``y' = cos(theta) y + sin(theta) z``, ``z' = -sin(theta) y +
    cos(theta) z``. ``theta`` is taken from :func:`smilekit.frames.rotation_matrix` every
    :data:`GSM_GRID_S` seconds and at the last sample, and interpolated linearly: it changes by at most a
    few tenths of a degree a minute (the dipole's daily turn about the geographic axis), so the
    interpolation error is below 1e-6 rad (tests/instruments/mag/test_frames.py compares the result with
    the full matrices).
    """
    x = (time_ns - time_ns[0]).astype(np.int64) * 1e-9
    grid = np.arange(0.0, x[-1] + GSM_GRID_S, GSM_GRID_S)
    grid = np.append(grid[grid < x[-1]], x[-1])
    t_grid = time_ns[0] + (grid * 1e9).astype(np.int64).astype("timedelta64[ns]")
    m = rotation_matrix(t_grid, "GSE", "GSM")
    theta = np.unwrap(np.arctan2(m[:, 1, 2], m[:, 1, 1]))
    angle = np.interp(x, grid, theta)
    return np.cos(angle), np.sin(angle)


def rotate_gse_to_gsm_values(b_gse: np.ndarray, cos_t: np.ndarray, sin_t: np.ndarray) -> np.ndarray:
    """Kernel: GSE components (N, 3) -> GSM with :func:`gse_to_gsm_values`' cosine and sine."""
    out = np.empty_like(b_gse)
    out[:, 0] = b_gse[:, 0]
    out[:, 1] = cos_t * b_gse[:, 1] + sin_t * b_gse[:, 2]
    out[:, 2] = -sin_t * b_gse[:, 1] + cos_t * b_gse[:, 2]
    return out
