"""The auxiliary inputs a ground segment holds beside the packets, as files of fixed names in the L0 folder.

=========================  ========  ===============================================================
file                       needed    content
=========================  ========  ===============================================================
``time_correlation.json``  yes       the time-correlation table (:class:`~.obtime.TimeCorrelation`):
                                     ``obt_s`` (on-board seconds of each row), ``utc`` (ISO 8601
                                     UTC, ns), ``gradient`` (TAI s per on-board s from each row on)
``mag_calibration.json``   yes       the MAG ground calibration (:class:`~.calibration.MAGCalibration`):
                                     ``offset_nT`` (2 x 3), ``scale`` (2 x 3),
                                     ``nonorthogonality_deg`` (2 x 3), ``mount`` (2 x 3 x 3),
                                     ``sensor_distance_m`` (2), ``source``
``processing.json``        no        the processing settings (:class:`ProcessingSettings`)
``ephemeris.cdf``          no        the orbit (and pointing), as
                                     :func:`~smilekit.products.ephemeris.write_ephemeris_cdf` writes
                                     it: SXI and UVI need the spacecraft position (without the file
                                     they are skipped, and the summary says so); the position at an
                                     exposure is interpolated linearly in time between its samples
                                     (:func:`ephemeris_at`)
``solar_wind.csv``         no        the upstream solar wind (any table :func:`~smilekit.solarwind.
                                     read_solar_wind` reads): the SXI L3 retrievals take their
                                     starting values and priors from it (without it they run
                                     without, as on an image alone)
=========================  ========  ===============================================================

The attitude is not an auxiliary file: it comes from the housekeeping packets. Numbers are written with
Python's shortest round-trip representation, so a file read back gives the same float64 values bit for bit.
Each reader refuses a malformed file with :class:`~smilekit.errors.InputError` naming the file and what
is wrong.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import astropy.units as u
import numpy as np

from smilekit._io import write_text
from smilekit.errors import InputError, ProductError
from smilekit.instruments.mag.calibration import MAGCalibration
from smilekit.products.ephemeris import read_ephemeris_cdf
from smilekit.telemetry.obtime import TimeCorrelation

__all__ = [
    "EPHEMERIS_FILE",
    "MAG_CALIBRATION_FILE",
    "SETTINGS_FILE",
    "SOLAR_WIND_FILE",
    "TIME_CORRELATION_FILE",
    "ProcessingSettings",
    "ephemeris_at",
    "read_ephemeris",
    "read_mag_calibration",
    "read_settings",
    "read_time_correlation",
    "read_upstream",
    "write_mag_calibration",
    "write_settings",
    "write_time_correlation",
]

#: The upstream solar wind's file name in an L0 folder (optional).
SOLAR_WIND_FILE = "solar_wind.csv"
#: The time-correlation table's file name in an L0 folder.
TIME_CORRELATION_FILE = "time_correlation.json"
#: The MAG calibration's file name in an L0 folder.
MAG_CALIBRATION_FILE = "mag_calibration.json"
#: The (optional) processing settings' file name in an L0 folder.
SETTINGS_FILE = "processing.json"
#: The (optional) ephemeris file name in an L0 folder (needed by SXI and UVI).
EPHEMERIS_FILE = "ephemeris.cdf"


def _dump(path, content: dict) -> Path:
    return write_text(path, json.dumps(content, indent=1) + "\n")


def _load(path, what: str) -> dict:
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: the {what} file is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: the {what} file cannot be read as JSON ({exc})") from None
    if not isinstance(content, dict):
        raise InputError(f"{path}: the {what} file must hold a JSON object, got {type(content).__name__}")
    return content


def _array(content: dict, key: str, shape: tuple, path, what: str) -> np.ndarray:
    if key not in content:
        raise InputError(f"{path}: the {what} file lacks {key!r}")
    try:
        a = np.asarray(content[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{path}: {key!r} must be numbers, got {content[key]!r:.80}") from None
    if shape and a.shape != shape:
        raise InputError(f"{path}: {key!r} must have shape {shape}, got {a.shape}")
    if not np.isfinite(a).all():
        raise InputError(f"{path}: {key!r} must be finite numbers")
    return a


# ---------------------------------------------------------------------------------------------------
# time correlation
# ---------------------------------------------------------------------------------------------------
def write_time_correlation(path, correlation: TimeCorrelation) -> Path:
    """Write a time-correlation table as JSON (module docstring), atomically; returns the path."""
    if not isinstance(correlation, TimeCorrelation):
        raise InputError(f"give a TimeCorrelation, got {type(correlation).__name__}")
    return _dump(path, {
        "obt_s": [int(t) / 65536 for t in correlation.obt_ticks],
        "utc": [str(t) for t in correlation.utc.astype("datetime64[ns]")],
        "gradient": [float(g) for g in correlation.gradient],
    })  # fmt: skip


def read_time_correlation(path) -> TimeCorrelation:
    """The time-correlation table of a file :func:`write_time_correlation` wrote.

    Raises
    ------
    InputError
        Naming the file: missing, not JSON, a key missing, rows of different lengths or out of order.
    """
    what = "time-correlation"
    content = _load(path, what)
    obt = _array(content, "obt_s", (), path, what)
    gradient = _array(content, "gradient", obt.shape, path, what)
    utc = content.get("utc")
    if not isinstance(utc, list) or len(utc) != obt.size:
        raise InputError(f"{path}: 'utc' must be a list of {obt.size} ISO 8601 times")
    try:
        times = np.array(utc, dtype="datetime64[ns]")
        return TimeCorrelation(obt * u.s, times, gradient)
    except (ValueError, TypeError, InputError) as exc:
        raise InputError(f"{path}: not a valid time-correlation table: {exc}") from None


# ---------------------------------------------------------------------------------------------------
# MAG calibration
# ---------------------------------------------------------------------------------------------------
def write_mag_calibration(path, calibration: MAGCalibration) -> Path:
    """Write a MAG calibration as JSON (module docstring), atomically; returns the path."""
    if not isinstance(calibration, MAGCalibration):
        raise InputError(f"give a MAGCalibration, got {type(calibration).__name__}")
    return _dump(path, {
        "offset_nT": calibration.offset.to_value(u.nT).tolist(),
        "scale": np.asarray(calibration.scale, dtype=np.float64).tolist(),
        "nonorthogonality_deg": calibration.nonorthogonality.to_value(u.deg).tolist(),
        "mount": np.asarray(calibration.mount, dtype=np.float64).tolist(),
        "sensor_distance_m": calibration.sensor_distance.to_value(u.m).tolist(),
        "source": str(calibration.source),
    })  # fmt: skip


def read_mag_calibration(path) -> MAGCalibration:
    """The MAG calibration of a file :func:`write_mag_calibration` wrote.

    Raises
    ------
    InputError
        Naming the file: missing, not JSON, a key missing, a wrong shape, values the calibration refuses
        (a non-positive scale, a mount that is not a rotation, distances out of order).
    """
    what = "MAG calibration"
    c = _load(path, what)
    try:
        return MAGCalibration(
            offset=_array(c, "offset_nT", (2, 3), path, what) * u.nT,
            scale=_array(c, "scale", (2, 3), path, what),
            nonorthogonality=_array(c, "nonorthogonality_deg", (2, 3), path, what) * u.deg,
            mount=_array(c, "mount", (2, 3, 3), path, what),
            sensor_distance=_array(c, "sensor_distance_m", (2,), path, what) * u.m,
            source=str(c.get("source", "")),
        )
    except InputError as exc:
        if str(path) in str(exc):
            raise
        raise InputError(f"{path}: not a valid MAG calibration: {exc}") from None


# ---------------------------------------------------------------------------------------------------
# processing settings
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessingSettings:
    """The settings of :func:`smilekit.pipeline.process` (all optional; written to every product's
    provenance).

    Attributes
    ----------
    lia_alpha_temperature_ratio : float
        The ``T_alpha / T_p`` assumed where the E/q split fails
        (:func:`~smilekit.instruments.lia.moments.compute_moments`); 0: no inference (every count a proton).
    lia_field_window_s : float
        The window (s) of the MAG L2 mean giving each distribution's field direction
        (:func:`~smilekit.science.regions.average_field`): LIA's 4-s accumulation by default.
    make_l3 : bool
        Whether to make the L3 products from the SXI and UVI L2 images (the magnetopause stand-off by every
        method and the cusp edges; the auroral boundaries and hemispheric power): about 6 s per SXI
        exposure.
    make_quicklooks : bool
        Whether to draw the quick-look figure of every L2 and L3 product
        (:func:`~smilekit.products.quicklooks.write_quicklook`): well under a second each.
    """

    lia_alpha_temperature_ratio: float = 4.0
    lia_field_window_s: float = 4.0
    make_l3: bool = True
    make_quicklooks: bool = True

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in (bool, "bool"):
                if not isinstance(value, bool):
                    raise InputError(f"setting {f.name} must be true or false, got {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
                raise InputError(f"setting {f.name} must be a finite number, got {value!r}")
        if self.lia_alpha_temperature_ratio < 0:
            raise InputError(
                f"setting lia_alpha_temperature_ratio must be >= 0, got {self.lia_alpha_temperature_ratio}"
            )
        if not 0 < self.lia_field_window_s <= 600:
            raise InputError(
                f"setting lia_field_window_s must lie in (0, 600] s, got {self.lia_field_window_s}"
            )

    def as_dict(self) -> dict:
        """The settings as a plain dict (for provenance and the summary)."""
        return asdict(self)


def write_settings(path, settings: ProcessingSettings) -> Path:
    """Write processing settings as JSON, atomically; returns the path."""
    return _dump(path, settings.as_dict())


def read_settings(path) -> ProcessingSettings:
    """The processing settings of a file; unknown keys are refused (naming the file and the keys known)."""
    content = _load(path, "processing settings")
    known = {f.name for f in fields(ProcessingSettings)}
    unknown = sorted(set(content) - known)
    if unknown:
        raise InputError(f"{path}: unknown settings {unknown}; known: {sorted(known)}")
    try:
        return ProcessingSettings(**content)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


# ---------------------------------------------------------------------------------------------------
# ephemeris
# ---------------------------------------------------------------------------------------------------
def read_ephemeris(path):
    """The ephemeris of ``path`` (:func:`~smilekit.products.ephemeris.read_ephemeris_cdf`).

    Raises
    ------
    InputError
        Naming the file: missing, not an ephemeris CDF, or times not strictly increasing.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: the ephemeris file is missing")
    try:
        ds = read_ephemeris_cdf(path)
    except ProductError as exc:
        raise InputError(f"{path}: not a valid ephemeris file: {exc}") from None
    t = ds["time"].values.astype(np.int64)
    if t.size < 2 or not np.all(np.diff(t) > 0):
        raise InputError(f"{path}: the ephemeris needs two or more samples, in strictly increasing time")
    return ds


def ephemeris_at(ephemeris, time) -> tuple[np.ndarray, np.ndarray | None]:
    """The GSE position (RE) and the UVI boresight (GSE unit vector) of ``ephemeris`` at one time.

    Linear interpolation in time between the two samples around ``time`` (the boresight renormalised);
    the error is the orbit's curvature between the file's samples (not quantified here: sample the file
    finely enough for the imagers' geometry). Outside the file's span the position is NaN. The boresight
    is None when the file has no ``uvi_boresight_gse``.
    """
    t = ephemeris["time"].values.astype("datetime64[ns]").astype(np.int64)
    x = np.asarray(time, dtype="datetime64[ns]").astype(np.int64)
    if not t[0] <= x <= t[-1]:
        return np.full(3, np.nan), None

    def at(values):
        return np.array([np.interp(x, t, values[:, k]) for k in range(3)])

    position = at(ephemeris["pos_gse"].values)
    boresight = None
    if "uvi_boresight_gse" in ephemeris:
        b = at(ephemeris["uvi_boresight_gse"].values)
        norm = np.linalg.norm(b)
        boresight = b / norm if np.isfinite(norm) and norm > 0 else None
    return position, boresight


# ---------------------------------------------------------------------------------------------------
# upstream solar wind
# ---------------------------------------------------------------------------------------------------
def read_upstream(path):
    """The upstream solar wind of ``path`` (:func:`~smilekit.solarwind.read_solar_wind`).

    Raises
    ------
    InputError
        Naming the file, with the reader's reason.
    """
    from smilekit.solarwind import read_solar_wind

    try:
        return read_solar_wind(path)
    except InputError as exc:
        raise InputError(f"{path}: not a readable solar-wind table: {exc}") from None
