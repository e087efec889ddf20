"""The drivers of the boundary models: dynamic pressure, IMF magnetic pressure, IMF Bz and dipole tilt.

Every magnetopause and bow-shock model of :mod:`smilekit.geospace.boundaries` takes some of
``{pdyn, pm, bz, tilt}``; :func:`drivers_at` is the one place that builds them from the solar wind, for a
state, a series at given times (interpolated over its valid records) or a series on its own records.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.frames import dipole_tilt
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.times import as_datetime64

__all__ = ["drivers_at"]

_DRIVER_UNITS = (("pdyn", u.nPa), ("pm", u.nPa), ("bz", u.nT))


def drivers_at(solar_wind, time=None) -> dict[str, u.Quantity]:
    """Boundary-model drivers at ``time``: pdyn, pm (nPa), bz (nT, GSM) and the dipole tilt.

    The one builder of the drivers that the models take
    (:func:`smilekit.geospace.boundaries.model_kernel` says which each uses): pdyn (OMNI definition), pm
    (the IMF magnetic pressure), Bz (GSM) from the solar wind, and the dipole tilt
    (:func:`smilekit.frames.dipole_tilt`, IGRF-14) at the times.

    Parameters
    ----------
    solar_wind : SolarWind or SolarWindState
        A series is interpolated linearly in time over its valid records; one state holds at every time.
    time : time-like, optional
        The times (within the series' span for a series). None (a series only): the series' own records,
        each as it is, without interpolation (a missing record gives NaN drivers).

    Returns
    -------
    dict of Quantity
        ``pdyn``, ``pm``, ``bz`` and ``tilt`` (deg), each of shape ``(N,)``.

    Raises
    ------
    InputError
        For another type, times outside a series' valid records, or no times with a state.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.state import SolarWindState
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT)
    >>> d = drivers_at(sw, ["2026-03-20T12:00", "2026-06-21T17:00"])
    >>> d["pdyn"].round(2), d["bz"]
    (<Quantity [1.6, 1.6] nPa>, <Quantity [-5., -5.] nT>)
    """
    if time is None and isinstance(solar_wind, SolarWind):  # the series' own records, as they are
        out = {"tilt": dipole_tilt(solar_wind.time.values).to(u.deg)}
        for name, unit in _DRIVER_UNITS:
            out[name] = np.asarray(getattr(solar_wind, name).values, dtype=np.float64) * unit
        return out
    if time is None and isinstance(solar_wind, SolarWindState):
        raise InputError("time is required with a SolarWindState (only a series has times of its own)")
    t = np.atleast_1d(as_datetime64(time))
    out = {"tilt": dipole_tilt(t).to(u.deg)}
    if isinstance(solar_wind, SolarWindState):
        for name, unit in _DRIVER_UNITS:
            out[name] = np.full(t.shape, getattr(solar_wind, name).to_value(unit)) * unit
        return out
    if isinstance(solar_wind, SolarWind):
        times = solar_wind.time.values
        valid = solar_wind.valid()
        if not valid.any():
            raise InputError("the solar-wind series has no valid record")
        lo, hi = times[valid][0], times[valid][-1]
        if (t < lo).any() or (t > hi).any():
            raise InputError(
                f"times {t.min()} .. {t.max()} reach outside the valid solar wind, {lo} .. {hi}; "
                "give a series that covers the track"
            )
        x = (times[valid] - lo) / np.timedelta64(1, "s")
        xi = (t - lo) / np.timedelta64(1, "s")
        for name, unit in _DRIVER_UNITS:
            values = np.asarray(getattr(solar_wind, name).values, dtype=np.float64)[valid]
            out[name] = np.interp(xi, x, values) * unit
        return out
    raise InputError(
        f"solar_wind must be a SolarWind series or a SolarWindState, got {type(solar_wind).__name__}"
    )
