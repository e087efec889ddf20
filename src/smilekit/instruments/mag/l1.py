"""MAG level 1: the raw readings of both sensors in nT, in each sensor's frame, with their flags.

Counts times the digitisation step (:attr:`~smilekit.instruments.mag.config.MAGConfig.lsb`): engineering
units, not yet calibrated (offsets, scale factors and non-orthogonality are still in them), so that the
calibration can be redone from L1. Flags per sample and sensor (:data:`L1_FLAGS`): a reading at the end of
the range on any axis is *saturated* (its value is the end of the range, not the field); a fill value is
*missing* and its reading NaN.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.instruments.mag.config import SENSORS, MAGConfig
from smilekit.instruments.mag.sensor import INT32_FILL

__all__ = ["L1_FLAGS", "L1_FLAG_TEXT", "L1_MISSING", "L1_SATURATED", "make_l1"]

L1_SATURATED = 1  #: a component at the end of the range: the field is beyond +-range
L1_MISSING = 2  #: no reading (fill value)
#: The L1 flag bits.
L1_FLAGS = {
    L1_SATURATED: "saturated: a component at the end of the range, the field there is beyond +-12 800 nT",
    L1_MISSING: "missing: no reading from the sensor (fill value)",
}
#: The flags as one line of text, for attributes.
L1_FLAG_TEXT = "; ".join(f"{bit}: {text}" for bit, text in L1_FLAGS.items())


def make_l1(raw: xr.Dataset, config: MAGConfig | None = None) -> xr.Dataset:
    """Level 1: the readings of both sensors in nT (sensor frames, uncalibrated) with flags.

    Parameters
    ----------
    raw : xarray.Dataset
        :func:`~smilekit.instruments.mag.simulate.simulate_mag`'s output (``counts_inboard``,
        ``counts_outboard``: int32 on ``time``, ``component``).
    config : MAGConfig, optional
        The instrument (default ``MAGConfig()``): its step and range.

    Returns
    -------
    xarray.Dataset
        ``b_inboard``, ``b_outboard`` (nT, NaN where missing) and ``flag_inboard``, ``flag_outboard`` (uint8,
        :data:`L1_FLAGS`) on ``time`` and ``component``; attrs ``instrument``, ``level`` "L1",
        ``vector_rate_hz``, ``lsb_nT``, ``range_nT``, ``frame_inboard``, ``frame_outboard``.

    Raises
    ------
    InputError
        For a dataset without the counts or with another step than the configuration's.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> from smilekit.instruments.mag import simulate_mag
    >>> t = np.array(["2026-03-20T00:00", "2026-03-20T00:01"], dtype="datetime64[ns]")
    >>> l1 = make_l1(simulate_mag([[3.0, -4.0, 2.0]] * 2 * u.nT, np.eye(3), 1, time=t))
    >>> int(l1["flag_outboard"].max()), l1["b_outboard"].attrs["units"]
    (0, 'nT')
    """
    v = MAGConfig.resolve(config).values
    if not isinstance(raw, xr.Dataset) or not {"counts_inboard", "counts_outboard"} <= set(raw.data_vars):
        raise InputError("make_l1: raw must be the Dataset of simulate_mag (counts_inboard, counts_outboard)")
    if "lsb_nT" in raw.attrs and not np.isclose(float(raw.attrs["lsb_nT"]), v.lsb_nt, rtol=1e-12):
        raise InputError(
            f"make_l1: raw was digitised with {raw.attrs['lsb_nT']} nT steps, the config has {v.lsb_nt}"
        )
    lo, hi = -(2 ** (v.adc_bits - 1)), 2 ** (v.adc_bits - 1) - 1
    variables = {}
    for name in SENSORS:
        counts = np.asarray(raw[f"counts_{name}"].transpose("time", "component").values)
        if counts.ndim != 2 or counts.shape[1] != 3:
            raise InputError(f"make_l1: counts_{name} must have shape (N, 3), got {counts.shape}")
        missing = (counts == INT32_FILL).any(axis=1)
        saturated = ((counts <= lo) | (counts >= hi)).any(axis=1) & ~missing
        b = counts.astype(np.float64) * v.lsb_nt
        b[missing] = np.nan
        flag = (saturated * L1_SATURATED + missing * L1_MISSING).astype(np.uint8)
        variables[f"b_{name}"] = (
            ("time", "component"),
            b,
            {
                "units": "nT",
                "frame": f"sensor_{name}",
                "CATDESC": f"{name} sensor reading, uncalibrated, sensor frame",
            },
        )
        variables[f"flag_{name}"] = (
            ("time",),
            flag,
            {"units": " ", "CATDESC": f"{name} sensor flag bits", "FLAG_BITS": L1_FLAG_TEXT},
        )
    return xr.Dataset(
        variables,
        coords={"time": raw["time"].values, "component": ["x", "y", "z"]},
        attrs={
            "instrument": "MAG",
            "level": "L1",
            "vector_rate_hz": float(raw.attrs.get("vector_rate_hz", v.rate_hz)),
            "lsb_nT": v.lsb_nt,
            "range_nT": v.range_nt,
            "frame_inboard": "sensor_inboard",
            "frame_outboard": "sensor_outboard",
            "processing": "counts x digitisation step; fill -> NaN; end codes flagged "
            "(smilekit.instruments.mag.l1)",
        },
    )
