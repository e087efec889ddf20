"""MAG simulation: the true field along the orbit (GSE, nT) and the attitude -> the two sensors' counts.

The chain, per sample (:mod:`~smilekit.instruments.mag.sensor` gives each step's formula):

1. The truth is interpolated linearly to the vector rate (:attr:`MAGConfig.vector_rate`) from its first
   time to its last: the true field holds no variation finer than its own sampling.
2. GSE -> body with the attitude (the transpose of body -> GSE,
   :func:`~smilekit.mission.pointing.body_to_gse_values`); the spacecraft's field (static
   dipole plus the switched dipole) is added at each sensor; body -> sensor frame with the mounts.
3. Each sensor reads ``G B + o + noise`` (coupling, offsets, white noise) and digitises it to int32 counts
   of :attr:`MAGConfig.lsb` over +-range; beyond the range it gives the end code (saturation).
   A failed sensor (``failed=``) returns the fill value.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_generator, as_value
from smilekit.errors import InputError
from smilekit.instruments.mag.config import SENSORS, MAGConfig
from smilekit.instruments.mag.sensor import (
    INT32_FILL,
    coupling_values,
    sensor_output_values,
    spacecraft_field_values,
)
from smilekit.mission.pointing import body_to_gse_values
from smilekit.times import as_datetime64

__all__ = ["l0_attrs", "simulate_mag", "true_field_values", "vector_times"]


def l0_attrs(v, rate_hz: float) -> dict:
    """The attributes of MAG's raw (L0) readings: the digitisation of :class:`MAGConfig` ``v`` and the
    vector rate, shared by :func:`simulate_mag` and the telemetry's :func:`~smilekit.telemetry.mag_raw`."""
    return {
        "instrument": "MAG",
        "level": "L0",
        "lsb_nT": v.lsb_nt,
        "range_nT": v.range_nt,
        "adc_bits": v.adc_bits,
        "vector_rate_hz": rate_hz,
    }


def true_field_values(b_true, time=None) -> tuple[np.ndarray, np.ndarray]:
    """The true field as (datetime64[ns] times (M,), GSE components in nT (M, 3)), checked.

    ``b_true`` is an xarray DataArray with a ``time`` dimension, a dimension of length 3 and
    ``attrs["units"]`` (and, if it says, ``attrs["frame"] == "GSE"``), or a Quantity of shape (M, 3) with
    ``time`` given.

    Raises
    ------
    InputError
        Without units or times, in another frame, with NaN, of the wrong shape, or times not strictly
        increasing.
    """
    if isinstance(b_true, xr.DataArray):
        frame = b_true.attrs.get("frame", b_true.attrs.get("COORDINATE_SYSTEM", "GSE"))
        if str(frame).upper() != "GSE":
            raise InputError(f"b_true must be in GSE, its attrs say frame {frame!r}")
        if "time" not in b_true.dims or b_true.ndim != 2:
            raise InputError(f"b_true must have dims ('time', component), got {b_true.dims}")
        if time is not None:
            raise InputError("give time only with a Quantity b_true (a DataArray carries its own times)")
        unit = b_true.attrs.get("units")
        if unit is None:
            raise InputError("b_true is a DataArray without a 'units' attribute; give attrs['units'] = 'nT'")
        time = b_true["time"].values
        other = next(d for d in b_true.dims if d != "time")
        values = np.asarray(b_true.transpose("time", other).values) * u.Unit(unit)
    else:
        values = b_true
        if time is None:
            raise InputError("give time (one per vector) with a Quantity b_true")
    b = as_value(values, u.nT, "b_true")
    t = np.atleast_1d(as_datetime64(time))
    if b.ndim != 2 or b.shape[1] != 3 or t.shape != (b.shape[0],):
        raise InputError(f"b_true must have shape (M, 3) with M times, got {b.shape} and {t.shape} times")
    if t.size < 2 or np.any(np.diff(t) <= np.timedelta64(0, "ns")):
        raise InputError("b_true needs at least two times, strictly increasing")
    return t, b


def vector_times(start, stop, rate_hz: float) -> np.ndarray:
    """The sample times (datetime64[ns]) from ``start`` at ``rate_hz`` up to ``stop`` (inclusive)."""
    step_ns = 1e9 / rate_hz
    n = int(np.floor((stop - start).astype(np.int64) / step_ns + 1e-9)) + 1
    return start + np.rint(np.arange(n) * step_ns).astype(np.int64).astype("timedelta64[ns]")


def simulate_mag(
    b_true, attitude, rng, *, time=None, config: MAGConfig | None = None, failed=None
) -> xr.Dataset:
    """Simulate both MAG sensors along a true field time series (module docstring for the chain).

    Parameters
    ----------
    b_true : xarray.DataArray or Quantity
        The true field in GSE along the orbit: a DataArray with dims ``("time", component)`` and
        ``attrs["units"]`` (e.g. "nT"), or a Quantity of shape (M, 3) with ``time``. Finite.
    attitude : smilekit.mission.pointing.Attitude or array_like
        The spacecraft attitude covering the times (:func:`smilekit.mission.pointing.attitude`), or one
        fixed 3 x 3 body -> GSE rotation.
    rng : numpy.random.Generator or int
        The random generator or a seed; the same seed gives the same counts.
    time : time-like, optional
        The times of a Quantity ``b_true``.
    config : MAGConfig, optional
        The instrument (default ``MAGConfig()``).
    failed : {"inboard", "outboard"}, optional
        A sensor that returns no data (every sample the fill value).

    Returns
    -------
    xarray.Dataset
        On ``time`` (the samples, at the vector rate) and ``component`` (x, y, z of each sensor's frame):
        ``counts_inboard``, ``counts_outboard`` (int32, fill -2147483648 where missing) and, for reference
        (not a measurement), ``b_true_gse`` (nT) and ``sc_field_body`` (the spacecraft's field at each
        sensor, body frame, dims time, sensor, component). Attrs: ``instrument``, ``level`` "L0",
        ``lsb_nT``, ``range_nT``, ``adc_bits``, ``vector_rate_hz``, ``saturated_inboard`` and
        ``saturated_outboard`` (sample counts).

    Raises
    ------
    InputError
        For a bad truth, attitude, seed or ``failed``; samples outside the attitude's span.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> t = np.array(["2026-03-20T00:00", "2026-03-20T00:01"], dtype="datetime64[ns]")
    >>> raw = simulate_mag([[3.0, -4.0, 2.0]] * 2 * u.nT, np.eye(3), 1, time=t)
    >>> raw.sizes["time"], raw["counts_outboard"].dtype
    (1921, dtype('int32'))
    """
    cfg = MAGConfig.resolve(config)
    v = cfg.values
    if failed is not None and failed not in SENSORS:
        raise InputError(f"failed must be None or one of {SENSORS}, got {failed!r}")
    t_true, b = true_field_values(b_true, time)
    generator = as_generator(rng)
    t = vector_times(t_true[0], t_true[-1], v.rate_hz)
    x_true = (t_true - t_true[0]).astype(np.int64).astype(np.float64)
    x = (t - t_true[0]).astype(np.int64).astype(np.float64)
    b_gse = np.column_stack([np.interp(x, x_true, b[:, i]) for i in range(3)])
    rotation = body_to_gse_values(attitude, t)
    b_body = np.einsum("nji,nj->ni", rotation, b_gse)
    sc = spacecraft_field_values(t, v)
    variables = {}
    saturated = {}
    for k, name in enumerate(SENSORS):
        b_sensor = (b_body + sc[:, k]) @ v.mount[k]  # body -> sensor: M^T b, written as b @ M
        coupling = coupling_values(v.scale[k], v.angles_deg[k])
        counts, sat = sensor_output_values(b_sensor, coupling, v.offset_nt[k], v.noise_nt, v, generator)
        if failed == name:
            counts[:] = INT32_FILL
            sat[:] = False
        saturated[name] = int(sat.sum())
        variables[f"counts_{name}"] = (
            ("time", "component"),
            counts,
            {
                "units": "count",
                "CATDESC": f"{name} sensor output, ADC counts, sensor frame",
                "FILLVAL": INT32_FILL,
            },
        )
    variables["b_true_gse"] = (
        ("time", "component"),
        b_gse,
        {
            "units": "nT",
            "frame": "GSE",
            "CATDESC": "the model truth interpolated to the samples (not measured)",
        },
    )
    variables["sc_field_body"] = (
        ("time", "sensor", "component"),
        sc,
        {
            "units": "nT",
            "frame": "body",
            "CATDESC": "the spacecraft's own field at each sensor (model truth)",
        },
    )
    return xr.Dataset(
        variables,
        coords={"time": t, "component": ["x", "y", "z"], "sensor": list(SENSORS)},
        attrs={
            **l0_attrs(v, v.rate_hz),
            "saturated_inboard": saturated["inboard"],
            "saturated_outboard": saturated["outboard"],
            "failed_sensor": failed or "",
        },
    )
