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
interpolated to the samples by spherical linear interpolation of its quaternions,
:func:`smilekit.mission.pointing.body_to_gse_values`)
-> GSM (:func:`smilekit.frames.rotation_matrix`, :func:`gse_to_gsm_values`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit._validation import as_generator, as_rotation, as_value
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.instruments.mag.config import MAGConfig
from smilekit.instruments.mag.sensor import coupling_values

__all__ = [
    "GSM_GRID_S",
    "MAGCalibration",
    "gradiometer_gains",
    "gradiometer_values",
    "ground_calibration",
    "gse_to_gsm_values",
    "true_calibration",
]

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
