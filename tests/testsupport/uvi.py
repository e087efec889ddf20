"""A synthetic UVI L2 map (as :func:`smilekit.instruments.uvi.make_l2` makes it), for the UVI L3 product
tests and the service's test archive."""

from __future__ import annotations

import numpy as np
import xarray as xr

#: The L2 grid: magnetic latitude and MLT bin centres (0.5 deg, 15 min).
MLAT = np.arange(50.25, 90.0, 0.5)
MLT = np.arange(96) / 4 + 0.125


def l2_map(time, centre, seen_hours=24.0, seed=1) -> xr.Dataset:
    """A 1 kR band within 4 deg of ``centre`` (deg MLAT) with 5 R of noise, seen up to ``seen_hours`` MLT
    (NaN beyond)."""
    b = np.where(np.abs(MLAT - centre) < 4.0, 1000.0, 0.0)[:, None] * np.ones(MLT.size)
    b = b + np.random.default_rng(seed).normal(0.0, 5.0, b.shape)
    b[:, MLT > seen_hours] = np.nan
    return xr.Dataset(
        {
            "brightness": (("mlat", "mlt"), b, {"units": "R"}),
            "brightness_err": (("mlat", "mlt"), np.where(np.isfinite(b), 5.0, np.nan), {"units": "R"}),
        },
        coords={"mlat": MLAT, "mlt": MLT},
        attrs={
            "time": np.datetime_as_string(time, unit="ms"),
            "mlat_bin_width": 0.5,
            "mlt_bin_width": 0.25,
            "altitude_km": 120.0,
        },
    )
