"""MAG level 2: the calibrated ambient field in GSE and GSM, the spacecraft's field removed, quality bits.

Per sample (:mod:`~smilekit.instruments.mag.calibration` gives the formulas):

1. Each usable reading (not missing, not saturated) is calibrated with the ground calibration and put in
   the body frame: ``B = M G^-1 (m - o)``.
2. With both sensors usable, the dual-magnetometer method (Ness et al. 1971, :cite:`ness1971`) gives the
   ambient field ``B_0`` and the spacecraft's field at the outboard sensor.
3. With one sensor usable, the spacecraft's field there is taken from the dual-sensor samples of the same
   product: ``c``, the median over them of ``r2^3 x`` (the field at the outboard sensor), scaled to the
   sensor's distance (``c / r^3``); the sample is flagged *single sensor* (the switched part of the
   spacecraft field is then not followed). With no dual-sensor sample at all, nothing is removed and the
   sample is flagged *spacecraft field not removed*. With neither sensor usable, ``B`` is NaN and flagged
   *no data*: a saturated sample (a field beyond +-12 800 nT) is never given a number.
4. Body -> GSE with the attitude, GSE -> GSM
   (:func:`~smilekit.instruments.mag.calibration.gse_to_gsm_values`).

Quality (``quality``, uint16, a sum of the bits of :data:`L2_QUALITY`; 0 is a dual-sensor measurement).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.instruments.mag.calibration import (
    MAGCalibration,
    calibrate_values,
    gradiometer_values,
    gse_to_gsm_values,
    rotate_gse_to_gsm_values,
)
from smilekit.instruments.mag.l1 import L1_MISSING, L1_SATURATED
from smilekit.mission.pointing import body_to_gse_values

__all__ = [
    "INBOARD_MISSING",
    "INBOARD_SATURATED",
    "L2_QUALITY",
    "L2_QUALITY_TEXT",
    "NO_DATA",
    "OUTBOARD_MISSING",
    "OUTBOARD_SATURATED",
    "SC_FIELD_NOT_REMOVED",
    "SINGLE_SENSOR",
    "make_l2",
]

INBOARD_SATURATED = 1
OUTBOARD_SATURATED = 2
INBOARD_MISSING = 4
OUTBOARD_MISSING = 8
SINGLE_SENSOR = 16
SC_FIELD_NOT_REMOVED = 32
NO_DATA = 64

#: The L2 quality bits.
L2_QUALITY = {
    INBOARD_SATURATED: "inboard sensor saturated (field beyond +-12 800 nT on an axis)",
    OUTBOARD_SATURATED: "outboard sensor saturated (field beyond +-12 800 nT on an axis)",
    INBOARD_MISSING: "inboard sensor missing",
    OUTBOARD_MISSING: "outboard sensor missing",
    SINGLE_SENSOR: "single sensor: spacecraft field removed with the median dual-sensor estimate",
    SC_FIELD_NOT_REMOVED: "single sensor and no dual-sensor sample: the spacecraft field is not removed",
    NO_DATA: "no usable sensor: B is fill (NaN)",
}
#: The quality bits as one line of text, for attributes.
L2_QUALITY_TEXT = "; ".join(f"{bit}: {text}" for bit, text in L2_QUALITY.items())


def make_l2(l1: xr.Dataset, attitude, calibration: MAGCalibration) -> xr.Dataset:
    """Level 2: the ambient field in GSE and GSM from both sensors' L1 (module docstring for the steps).

    Parameters
    ----------
    l1 : xarray.Dataset
        :func:`~smilekit.instruments.mag.l1.make_l1`'s output
        (or :func:`smilekit.products.insitu_cdf.read_mag_l1`).
    attitude : smilekit.mission.pointing.Attitude or array_like
        The attitude covering the samples, or one fixed 3 x 3 body -> GSE rotation.
    calibration : MAGCalibration
        The ground calibration (:func:`~smilekit.instruments.mag.calibration.ground_calibration`).

    Returns
    -------
    xarray.Dataset
        On ``time`` and ``component``: ``b_gse``, ``b_gsm`` (nT, NaN where no data), ``b_magnitude`` (nT),
        ``sc_field_body`` (the spacecraft's field estimated at the outboard sensor, body frame, nT) and
        ``quality`` (uint16, :data:`L2_QUALITY`). Attrs: ``instrument``, ``level`` "L2", ``calibration``,
        ``sc_dipole_coefficient_nT_m3`` (the median ``c``, body frame), ``vector_rate_hz``.

    Raises
    ------
    InputError
        For an L1 without its variables, a calibration that is not a MAGCalibration, or an attitude that
        does not cover the samples.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> from smilekit.instruments.mag import ground_calibration, make_l1, simulate_mag
    >>> t = np.array(["2026-03-20T00:00", "2026-03-20T00:01"], dtype="datetime64[ns]")
    >>> l1 = make_l1(simulate_mag([[3.0, -4.0, 2.0]] * 2 * u.nT, np.eye(3), 1, time=t))
    >>> l2 = make_l2(l1, np.eye(3), ground_calibration(rng=2))
    >>> bool(np.abs(l2["b_gse"].mean("time") - [3.0, -4.0, 2.0]).max() < 0.5)
    True
    """
    needed = {"b_inboard", "b_outboard", "flag_inboard", "flag_outboard"}
    if not isinstance(l1, xr.Dataset) or not needed <= set(l1.data_vars):
        raise InputError(f"make_l2: l1 must be the Dataset of make_l1 with {sorted(needed)}")
    if not isinstance(calibration, MAGCalibration):
        raise InputError(f"make_l2: calibration must be a MAGCalibration, got {type(calibration).__name__}")
    cal = calibration.values
    r1, r2 = cal.distance_m
    time = np.asarray(l1["time"].values, dtype="datetime64[ns]")
    if time.size == 0:
        raise InputError("make_l2: l1 holds no samples")
    readings, usable, quality = [], [], np.zeros(time.size, dtype=np.uint16)
    for k, name in enumerate(("inboard", "outboard")):
        m = np.asarray(l1[f"b_{name}"].transpose("time", "component").values, dtype=np.float64)
        flag = np.asarray(l1[f"flag_{name}"].values).astype(np.uint16)
        saturated = (flag & L1_SATURATED) > 0
        missing = ((flag & L1_MISSING) > 0) | ~np.isfinite(m).all(axis=1)
        quality |= np.where(saturated, (INBOARD_SATURATED, OUTBOARD_SATURATED)[k], 0).astype(np.uint16)
        quality |= np.where(missing, (INBOARD_MISSING, OUTBOARD_MISSING)[k], 0).astype(np.uint16)
        usable.append(~saturated & ~missing)
        readings.append(calibrate_values(m, k, cal))
    both = usable[0] & usable[1]
    b0, sc_out = gradiometer_values(readings[0], readings[1], r1, r2)
    b_body = np.where(both[:, None], b0, np.nan)
    sc_field = np.where(both[:, None], sc_out, np.nan)
    coefficient = np.median(sc_out[both] * r2**3, axis=0) if both.any() else np.full(3, np.nan)
    for k, r in enumerate((r1, r2)):
        alone = usable[k] & ~both
        if not alone.any():
            continue
        if both.any():
            b_body[alone] = readings[k][alone] - coefficient / r**3
            sc_field[alone] = coefficient / r2**3
            quality[alone] |= SINGLE_SENSOR
        else:
            b_body[alone] = readings[k][alone]
            quality[alone] |= SC_FIELD_NOT_REMOVED
    quality[~(usable[0] | usable[1])] |= NO_DATA
    rotation = body_to_gse_values(attitude, time)
    b_gse = np.einsum("nij,nj->ni", rotation, b_body)
    cos_t, sin_t = gse_to_gsm_values(time)
    b_gsm = rotate_gse_to_gsm_values(b_gse, cos_t, sin_t)
    dims = ("time", "component")
    return xr.Dataset(
        {
            "b_gse": (dims, b_gse, {"units": "nT", "frame": "GSE", "CATDESC": "ambient magnetic field, GSE"}),
            "b_gsm": (dims, b_gsm, {"units": "nT", "frame": "GSM", "CATDESC": "ambient magnetic field, GSM"}),
            "b_magnitude": (
                ("time",),
                np.linalg.norm(b_gse, axis=1),
                {"units": "nT", "CATDESC": "magnitude of the ambient magnetic field"},
            ),
            "sc_field_body": (
                dims,
                sc_field,
                {
                    "units": "nT",
                    "frame": "body",
                    "CATDESC": "spacecraft field estimated at the outboard sensor",
                },
            ),
            "quality": (
                ("time",),
                quality,
                {"units": " ", "CATDESC": "quality bits", "FLAG_BITS": L2_QUALITY_TEXT},
            ),
        },
        coords={"time": time, "component": ["x", "y", "z"]},
        attrs={
            "instrument": "MAG",
            "level": "L2",
            "vector_rate_hz": float(l1.attrs.get("vector_rate_hz", np.nan)),
            "calibration": calibration.source,
            "sc_dipole_coefficient_nT_m3": coefficient,
            "processing": "ground calibration, dual-magnetometer method (Ness et al. 1971), "
            "body -> GSE -> GSM (smilekit.instruments.mag.l2)",
        },
    )
