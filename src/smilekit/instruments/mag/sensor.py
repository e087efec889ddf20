"""The MAG sensor model: the spacecraft's own field, the fluxgate's response, noise, digitisation, saturation.

Kernels on plain float64 arrays (nT, m, A m^2, s), no astropy.units; :mod:`~smilekit.instruments.mag.simulate`
and :mod:`~smilekit.instruments.mag.calibration` call them. The numbers are in
:class:`~smilekit.instruments.mag.config.MAGConfig`.

1. **Spacecraft field.** A magnetic dipole ``m`` at ``r`` (from the dipole to the point) gives
   ``B = mu0 / (4 pi) (3 (m . r^) r^ - m) / |r|^3`` (e.g. Jackson, Classical Electrodynamics, eq. 5.56);
   with ``mu0 / (4 pi) = 1e-7 T m / A``, ``m`` in A m^2 and ``r`` in m this is ``100 (3 (m . r^) r^ - m) /
   |r|^3`` nT. The spacecraft's field is a static dipole at the body origin (the dipole centre, on the
   boom line) plus a time-varying dipole elsewhere in the body, switched on and off
   (:func:`spacecraft_field_values`).
2. **Sensing axes.** The three sensing directions of a real tri-axial fluxgate are not quite orthogonal.
   In the sensor's orthogonal reference frame they are (:func:`axes_values`)
   ``e_x = (1, 0, 0)``, ``e_y = (sin u1, cos u1, 0)``, ``e_z = (sin u2, sin u3, sqrt(1 - sin^2 u2 -
   sin^2 u3))``: X defines the frame, Y lies in its X-Y plane, 90 deg - u1 from X, and Z leans by u2 and
   u3 towards X and Y (the lower-triangular form used for fluxgate calibration, e.g. on Orsted and Swarm).
3. **Output.** Axis ``i`` reads ``s_i (e_i . B) + o_i + noise``: the coupling matrix
   ``G = diag(s) E`` (rows of ``E`` the ``e_i``), the offsets ``o`` and white Gaussian noise
   (:func:`sensor_output_values`). The reading is digitised to the nearest of ``2**bits`` steps of
   ``2 range / 2**bits`` over +-range; a reading beyond the range gives the end code and the sample is
   saturated.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INT32_FILL",
    "axes_values",
    "coupling_values",
    "digitise_values",
    "dipole_field_values",
    "sensor_output_values",
    "sensor_positions_values",
    "spacecraft_field_values",
    "switching_values",
]

#: Counts of a missing sample (the ISTP fill value of CDF_INT4).
INT32_FILL = np.int32(-2147483648)

#: mu0 / (4 pi) in nT m^3 / (A m^2): 1e-7 T m / A.
_MU0_4PI_NT = 100.0

#: Seconds from 1970-01-01 (the datetime64 epoch) to 2000-01-01T00:00 UTC, the origin of the switching.
_T2000_S = 946684800.0


def dipole_field_values(moment_am2: np.ndarray, r_m: np.ndarray) -> np.ndarray:
    """Kernel: the field (nT) of a dipole ``moment_am2`` (A m^2) at the displacement ``r_m`` (m) from it.

    Broadcasts over leading axes; the last axis of both is the three components.
    """
    r = np.linalg.norm(r_m, axis=-1, keepdims=True)
    rhat = r_m / r
    m_dot = np.sum(moment_am2 * rhat, axis=-1, keepdims=True)
    return _MU0_4PI_NT * (3.0 * m_dot * rhat - moment_am2) / r**3


def switching_values(time_ns: np.ndarray, period_s: float) -> np.ndarray:
    """Kernel: 1.0 in the first half of each ``period_s`` counted from 2000-01-01T00:00 UTC, else 0.0."""
    t_s = time_ns.astype("datetime64[ns]").astype(np.int64) * 1e-9 - _T2000_S
    return (np.mod(t_s, period_s) < 0.5 * period_s).astype(np.float64)


def sensor_positions_values(v) -> np.ndarray:
    """Kernel: positions (m, body frame, from the dipole centre) of the two sensors, shape (2, 3)."""
    return v.distance_m[:, None] * v.boom_body[None, :]


def spacecraft_field_values(time_ns: np.ndarray, v) -> np.ndarray:
    """Kernel: the spacecraft's field (nT, body frame) at the two sensors, shape (N, 2, 3).

    The static dipole ``v.dipole_am2`` at the body origin plus ``v.varying_am2`` at ``v.varying_position_m``
    times :func:`switching_values`.
    """
    positions = sensor_positions_values(v)
    static = dipole_field_values(v.dipole_am2, positions)  # (2, 3)
    varying = dipole_field_values(v.varying_am2, positions - v.varying_position_m)  # (2, 3)
    on = switching_values(time_ns, v.varying_period_s)
    return static[None, :, :] + on[:, None, None] * varying[None, :, :]


def axes_values(angles_deg: np.ndarray) -> np.ndarray:
    """Kernel: the sensing directions (rows) in the sensor's orthogonal frame from ``(u1, u2, u3)`` (deg)."""
    s1, s2, s3 = np.sin(np.radians(angles_deg))
    return np.array(
        [
            [1.0, 0.0, 0.0],
            [s1, np.sqrt(1.0 - s1 * s1), 0.0],
            [s2, s3, np.sqrt(1.0 - s2 * s2 - s3 * s3)],
        ]
    )


def coupling_values(scale: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Kernel: the coupling matrix ``G = diag(scale) E`` of one sensor (reading = G B + offset)."""
    return np.asarray(scale, dtype=np.float64)[:, None] * axes_values(angles_deg)


def digitise_values(reading_nt: np.ndarray, lsb_nt: float, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: int32 counts of readings (nT) and the samples (any axis) at the end of the range.

    ``counts = rint(reading / lsb)`` clipped to ``[-2**(bits-1), 2**(bits-1) - 1]``; NaN readings give
    :data:`INT32_FILL`.
    """
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    missing = np.isnan(reading_nt).any(axis=-1)
    with np.errstate(invalid="ignore"):
        raw = np.rint(np.nan_to_num(reading_nt / lsb_nt))
    saturated = ((raw <= lo) | (raw >= hi)).any(axis=-1) & ~missing
    counts = np.clip(raw, lo, hi).astype(np.int32)
    counts[missing] = INT32_FILL
    return counts, saturated


def sensor_output_values(
    b_sensor_nt: np.ndarray,
    coupling: np.ndarray,
    offset_nt: np.ndarray,
    noise_nt: float,
    v,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: the counts (N, 3) and saturation (N,) of one sensor for fields ``b_sensor_nt`` (N, 3).

    ``reading = coupling @ B + offset + noise`` digitised by :func:`digitise_values`.
    """
    reading = b_sensor_nt @ coupling.T + offset_nt
    if noise_nt > 0.0:
        reading += rng.normal(0.0, noise_nt, size=reading.shape)
    return digitise_values(reading, v.lsb_nt, v.adc_bits)
