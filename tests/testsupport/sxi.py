"""Test skies and a small SXI event list, for the instrument and product tests."""

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.instruments.sxi.simulate import simulate_events

#: The time of the test skies.
T = "2026-03-20T12:00"
#: The pointing of the test skies (the Jung et al. 2024 geometry).
POINTING = {"time": T, "sc_position_gse_re": [3.5, -2.3, 17.1], "aim_point_gse_re": [3.5, -2.3, 0.0]}


def make_sky(values, *, fu=40.0, fv=28.0, pix=0.25, centre=(0.0, 0.0), attrs=POINTING):
    """A sky of ``fu`` x ``fv`` deg on ``pix``-deg pixels about ``centre`` (deg), ``values`` a number or a
    function of (u, v) in deg; by default larger than the detector by 3 PSF-wing sigmas, so that no flux is
    lost at the edges."""
    nu, nv = round(fu / pix), round(fv / pix)
    cu = centre[0] + (np.arange(nu) - 0.5 * (nu - 1)) * pix
    cv = centre[1] + (np.arange(nv) - 0.5 * (nv - 1)) * pix
    data = values(cu[None, :], cv[:, None]) if callable(values) else np.full((nv, nu), float(values))
    return xr.DataArray(
        np.broadcast_to(data, (nv, nu)).copy(),
        dims=("v", "u"),
        coords={"v": ("v", cv, {"units": "deg"}), "u": ("u", cu, {"units": "deg"})},
        attrs={"units": "keV cm-2 s-1 sr-1", **attrs},
    )


def small_event_list():
    """Two minutes of events from a uniform 5 keV cm^-2 s^-1 sr^-1 sky on 1-deg pixels (seed 4)."""
    nu, nv = 30, 18
    sky = xr.DataArray(
        np.full((nv, nu), 5.0),
        dims=("v", "u"),
        coords={"v": (np.arange(nv) - 8.5) * 1.0, "u": (np.arange(nu) - 14.5) * 1.0},
        attrs={
            "units": "keV cm-2 s-1 sr-1",
            "time": T,
            "sc_position_gse_re": [5.9, 6.7, 17.7],
            "aim_point_gse_re": [7.8, 0.0, 0.0],
        },
    )
    return simulate_events(sky, 120 * u.s, rng=4)
