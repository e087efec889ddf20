"""The MAG instrument configuration: one frozen object holding every number of the magnetometer model.

Published numbers (the seed handbook chapter :cite:`branduardiraymont2022`, sec. 3.4, and ESA's page on
the MAG engineering model :cite:`esasmilemag2020`): a digital fluxgate with two tri-axial sensor heads on
a deployable 3 m boom, 80 cm apart, so that the pair works as a gradiometer; range +-12 800 nT per axis;
accuracy 2.0 nT. The instrument paper (Li et al. 2025, :cite:`li2025mag`) was not readable here: the
vector rate, the ADC resolution, the noise, the sensor offsets, scale factors and non-orthogonalities, the
boom geometry in the body frame and the spacecraft's own field are **assumptions** below, each stated,
chosen like those of comparable boom-mounted dual fluxgates (Wind MFI, Equator-S MAM; the dual-sensor
technique of Ness et al. 1971, :cite:`ness1971`) and to be replaced by the mission's calibration files.

Geometry shared by the MAG modules
----------------------------------
* **Sensors**: index 0 is the inboard sensor, 1 the outboard (:data:`SENSORS`).
* **Body frame**: the spacecraft body frame of :mod:`smilekit.mission.pointing` (+Z the SXI boresight,
  +X the SXI 27 deg axis, +Y = Z x X); body -> GSE is :attr:`smilekit.mission.pointing.Attitude.rotation`.
* **Boom** (assumption): a straight boom along body -Y (away from the imagers' fields of view, which lie
  about +Z), whose line passes through the centre of the spacecraft's static magnetic dipole (the
  gradiometer's premise). The sensors sit on it at distances ``r1`` (inboard) and ``r2`` (outboard) from
  that centre: the boom root 0.5 m from it (assumption), the outboard sensor at the 3 m tip (3.5 m), the
  inboard one 80 cm in (2.7 m, :cite:`esasmilemag2020`).
* **Sensor frames**: each sensor's orthogonal reference frame has +X along the boom (body -Y), +Z along body
  +Z and +Y = Z x X (body +X); :attr:`MAGConfig.mount` holds the sensor -> body matrices. The real sensing
  axes depart from that frame by the non-orthogonality angles (:mod:`smilekit.instruments.mag.sensor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit._validation import as_rotation, as_value
from smilekit.errors import InputError
from smilekit.instruments.config import InstrumentConfig

__all__ = ["SENSORS", "MAGConfig", "MAGValues"]

#: The two sensors, in the order of every (2, ...) array of the configuration.
SENSORS = ("inboard", "outboard")

#: Sensor -> body matrix of the nominal mount (module docstring): columns are the sensor X (along the boom,
#: body -Y), Y (body +X) and Z (body +Z) axes in the body frame.
_MOUNT = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


class MAGValues(NamedTuple):
    """The configuration as plain floats in fixed units (nT, m, A m^2, s, deg) for the kernels."""

    rate_hz: float
    range_nt: float
    adc_bits: int
    lsb_nt: float
    noise_nt: float
    boom_body: np.ndarray  # (3,) unit vector
    distance_m: np.ndarray  # (2,)
    mount: np.ndarray  # (2, 3, 3) sensor -> body
    offset_nt: np.ndarray  # (2, 3)
    scale: np.ndarray  # (2, 3)
    angles_deg: np.ndarray  # (2, 3)
    offset_error_nt: float
    scale_error: float
    angle_error_deg: float
    dipole_am2: np.ndarray  # (3,) body
    varying_am2: np.ndarray  # (3,) body
    varying_position_m: np.ndarray  # (3,) body
    varying_period_s: float


def _array(value, unit, name, shape, **checks) -> np.ndarray:
    out = as_value(value, unit, name, **checks)
    if out.shape != shape:
        raise InputError(f"{name} must have shape {shape}, got {out.shape}")
    return out


@dataclass(frozen=True, eq=False, repr=False)
class MAGConfig(InstrumentConfig):
    """The MAG instrument model: sensors, boom, ADC, noise and the spacecraft's own field.

    Build one with the defaults (``MAGConfig()``) or change fields with :func:`dataclasses.replace`.
    Every field is an astropy Quantity (or a plain number or array where dimensionless); :attr:`values`
    gives the same numbers as plain floats for the kernels. Arrays of shape (2, ...) are per sensor,
    inboard first (:data:`SENSORS`). The sensor parameters are the *true* ones of the simulated
    instrument; what the ground processing knows of them is a
    :class:`~smilekit.instruments.mag.calibration.MAGCalibration`, drawn from these with the stated
    calibration errors by :func:`~smilekit.instruments.mag.calibration.ground_calibration`.

    Attributes
    ----------
    vector_rate : Quantity
        Vectors per second of each sensor, 32 Hz (**assumption**, not confirmed: SMILE's rate is in
        :cite:`li2025mag`, not read here; Wind MFI gives 10.9 and 44 vectors/s, Equator-S MAM 64 with
        both sensors). The rate of the truth is raised to this by linear interpolation in the simulator.
    range : Quantity
        Full scale per axis, 12 800 nT (seed chapter, :cite:`branduardiraymont2022`, sec. 3.4).
    adc_bits : int
        Resolution of the digitised output over +-range, 20 bits (**assumption**): a step of
        25 600 / 2^20 = 0.0244 nT.
    noise : Quantity
        Sensor noise, white, rms per axis and per sample, 0.05 nT (**assumption**: 12 pT/sqrt(Hz) over the
        16 Hz Nyquist band, of the order of good ring-core fluxgates).
    boom_direction : array_like
        The boom in the body frame, a unit vector, (0, -1, 0) (**assumption**, module docstring).
    sensor_distance : Quantity
        Distances of the inboard and outboard sensors from the spacecraft's dipole centre along the boom,
        (2.7, 3.5) m (module docstring: a 3 m boom, sensors 80 cm apart, :cite:`esasmilemag2020`; the
        0.5 m from the dipole centre to the boom root is an **assumption**).
    mount : array_like
        Sensor -> body rotation of each sensor, shape (2, 3, 3): the nominal mount of the module docstring
        (**assumption**) for both.
    offset : Quantity
        Zero offsets of each sensor, shape (2, 3), a few nT (**assumption**: typical fluxgate zero levels).
    scale : array_like
        Scale factors (output per input along each sensing axis), shape (2, 3), within 0.3 % of 1
        (**assumption**).
    nonorthogonality : Quantity
        The three non-orthogonality angles of each sensor (u1, u2, u3 of
        :func:`~smilekit.instruments.mag.sensor.axes_values`), shape (2, 3), below 0.1 deg (**assumption**).
    offset_error, scale_error, nonorthogonality_error : Quantity or float
        1-sigma errors of the ground calibration of the offsets (0.1 nT), the scale factors (1e-4, relative)
        and the angles (0.005 deg) (**assumptions**, typical of a coil-facility calibration).
    dipole_moment : Quantity
        The spacecraft's static magnetic moment, body frame, at the dipole centre, (1.0, -0.5, 0.8) A m^2
        (**assumption**, a spacecraft without a strict magnetic-cleanliness programme): 3.8 nT at the
        outboard sensor, 8.3 nT at the inboard one, above the 2 nT accuracy, so the gradiometer is
        needed.
    varying_moment : Quantity
        Amplitude of the time-varying part, a dipole switched on and off (a heater or a current loop),
        body frame, (0.10, 0.20, -0.10) A m^2 (**assumption**).
    varying_position : Quantity
        Where that source sits in the body frame, (0.6, 0.3, 0.4) m (**assumption**): off the boom line, so
        that the gradiometer (which assumes one source at the dipole centre) removes it only in part.
    varying_period : Quantity
        Period of the switching (on for the first half of each period, counted from 2000-01-01T00:00 UTC),
        600 s (**assumption**).

    Raises
    ------
    InputError
        For a field with the wrong unit, shape or range (e.g. distances not 0 < r1 < r2, a scale factor
        not positive, a mount that is not a rotation).

    Examples
    --------
    >>> cfg = MAGConfig()
    >>> round(float(cfg.lsb.to_value("nT")), 4), float(cfg.vector_rate.to_value("Hz"))
    (0.0244, 32.0)
    """

    vector_rate: u.Quantity = field(default_factory=lambda: 32.0 * u.Hz)
    range: u.Quantity = field(default_factory=lambda: 12800.0 * u.nT)
    adc_bits: int = 20
    noise: u.Quantity = field(default_factory=lambda: 0.05 * u.nT)
    boom_direction: tuple = (0.0, -1.0, 0.0)
    sensor_distance: u.Quantity = field(default_factory=lambda: [2.7, 3.5] * u.m)
    mount: np.ndarray = field(default_factory=lambda: np.stack([_MOUNT, _MOUNT]))
    offset: u.Quantity = field(default_factory=lambda: [[1.2, -0.8, 2.1], [-0.6, 1.5, -1.1]] * u.nT)
    scale: np.ndarray = field(
        default_factory=lambda: np.array([[1.002, 0.998, 1.001], [0.999, 1.003, 0.997]])
    )
    nonorthogonality: u.Quantity = field(
        default_factory=lambda: [[0.05, -0.08, 0.03], [-0.04, 0.06, 0.07]] * u.deg
    )
    offset_error: u.Quantity = field(default_factory=lambda: 0.1 * u.nT)
    scale_error: float = 1e-4
    nonorthogonality_error: u.Quantity = field(default_factory=lambda: 0.005 * u.deg)
    dipole_moment: u.Quantity = field(default_factory=lambda: [1.0, -0.5, 0.8] * u.A * u.m**2)
    varying_moment: u.Quantity = field(default_factory=lambda: [0.10, 0.20, -0.10] * u.A * u.m**2)
    varying_position: u.Quantity = field(default_factory=lambda: [0.6, 0.3, 0.4] * u.m)
    varying_period: u.Quantity = field(default_factory=lambda: 600.0 * u.s)

    @cached_property
    def values(self) -> MAGValues:
        """The configuration as plain floats (nT, m, A m^2, s, deg; see :class:`MAGValues`)."""

        def scalar(name, unit, **checks):
            out = as_value(getattr(self, name), unit, name, **checks)
            if out.ndim != 0:
                raise InputError(f"{name} must be a single value, got shape {out.shape}")
            return float(out)

        bits = self.adc_bits
        if not isinstance(bits, int | np.integer) or isinstance(bits, bool) or not 8 <= bits <= 24:
            raise InputError(f"adc_bits must be an integer from 8 to 24 (counts are int32), got {bits!r}")
        range_nt = scalar("range", u.nT, positive=True)
        boom = np.asarray(self.boom_direction, dtype=np.float64)
        if boom.shape != (3,) or not np.isfinite(boom).all() or not math.isclose(np.linalg.norm(boom), 1.0):
            raise InputError(f"boom_direction must be a unit vector (3 numbers), got {self.boom_direction!r}")
        distance = _array(self.sensor_distance, u.m, "sensor_distance", (2,), positive=True)
        if not distance[0] < distance[1]:
            raise InputError(
                f"sensor_distance must be (inboard, outboard), inboard < outboard, got {self.sensor_distance}"
            )
        mount = np.asarray(self.mount, dtype=np.float64)
        if mount.shape != (2, 3, 3):
            raise InputError(f"mount must have shape (2, 3, 3) (one rotation per sensor), got {mount.shape}")
        mount = np.stack([as_rotation(m, f"mount[{k}]") for k, m in enumerate(mount)])
        scale = np.asarray(self.scale, dtype=np.float64)
        if scale.shape != (2, 3) or not np.isfinite(scale).all() or (scale <= 0).any():
            raise InputError(f"scale must be positive finite numbers of shape (2, 3), got {self.scale!r}")
        angles = _array(self.nonorthogonality, u.deg, "nonorthogonality", (2, 3))
        if (np.abs(angles) >= 10.0).any():
            raise InputError(f"nonorthogonality angles must lie within +-10 deg, got {self.nonorthogonality}")
        s_err = self.scale_error
        if not isinstance(s_err, float | int) or isinstance(s_err, bool) or not 0.0 <= s_err < 0.1:
            raise InputError(f"scale_error must be a number in [0, 0.1), got {s_err!r}")
        return MAGValues(
            rate_hz=scalar("vector_rate", u.Hz, positive=True),
            range_nt=range_nt,
            adc_bits=int(bits),
            lsb_nt=2.0 * range_nt / 2.0**bits,
            noise_nt=scalar("noise", u.nT, nonnegative=True),
            boom_body=boom / np.linalg.norm(boom),
            distance_m=distance,
            mount=mount,
            offset_nt=_array(self.offset, u.nT, "offset", (2, 3)),
            scale=scale,
            angles_deg=angles,
            offset_error_nt=scalar("offset_error", u.nT, nonnegative=True),
            scale_error=float(s_err),
            angle_error_deg=scalar("nonorthogonality_error", u.deg, nonnegative=True),
            dipole_am2=_array(self.dipole_moment, u.A * u.m**2, "dipole_moment", (3,)),
            varying_am2=_array(self.varying_moment, u.A * u.m**2, "varying_moment", (3,)),
            varying_position_m=_array(self.varying_position, u.m, "varying_position", (3,)),
            varying_period_s=scalar("varying_period", u.s, positive=True),
        )

    @property
    def lsb(self) -> u.Quantity:
        """The digitisation step, ``2 range / 2**adc_bits`` (nT)."""
        return self.values.lsb_nt * u.nT
