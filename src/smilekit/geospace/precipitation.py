"""The interface every auroral precipitation model implements, and what is derived from any of them.

A precipitation model maps a time and the solar wind that drives it to particle fluxes on a regular grid of
magnetic latitude (``mlat``, degrees, bin centres) and magnetic local time (``mlt``, hours, bin centres)
in one hemisphere. Its output is an :class:`xarray.Dataset` on dims ``(time, mlat, mlt)`` whose variables
are named ``<type>_energy_flux`` (erg cm^-2 s^-1, i.e. mW m^-2) and ``<type>_number_flux``
(cm^-2 s^-1), each with a ``units`` attribute, where ``<type>`` names a population (for OVATION Prime:
``diffuse``, ``monoenergetic``, ``broadband`` electrons and ``ion``); the grid's bin widths are given as
the dataset attributes ``mlat_bin_width`` (deg) and ``mlt_bin_width`` (h).

* :class:`PrecipitationModel`: the abstract interface (:class:`smilekit.geospace.ovation.OvationPrime2010`
  implements it);
* :func:`bin_area`: the area of each (mlat, mlt) bin on a sphere at the emission altitude;
* :func:`hemispheric_power`: the energy flux integrated over the grid, in GW, for each population.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.geospace.aurora import AURORA_ALTITUDE
from smilekit.units import RE_KM

__all__ = ["ENERGY_FLUX_UNITS", "NUMBER_FLUX_UNITS", "PrecipitationModel", "bin_area", "hemispheric_power"]

#: Units of every ``*_energy_flux`` variable (1 erg cm^-2 s^-1 = 1 mW m^-2).
ENERGY_FLUX_UNITS = "erg cm^-2 s^-1"
#: Units of every ``*_number_flux`` variable.
NUMBER_FLUX_UNITS = "cm^-2 s^-1"


class PrecipitationModel(ABC):
    """An auroral precipitation model: solar wind -> fluxes on an (mlat, mlt) grid of one hemisphere."""

    #: Short name of the model (used in dataset attributes).
    name: str = ""

    @abstractmethod
    def precipitation(self, times, solar_wind, *, hemisphere: str = "north") -> xr.Dataset:
        """Fluxes at ``times`` driven by ``solar_wind`` (a :class:`smilekit.solarwind.SolarWind`).

        Returns a Dataset on ``(time, mlat, mlt)`` as in :mod:`smilekit.geospace.precipitation`.
        """


def bin_area(mlat_deg, mlat_width_deg: float, mlt_width_h: float, altitude_km: float) -> np.ndarray:
    """Area (m^2) of bins centred at ``mlat_deg`` on a sphere of radius RE + ``altitude_km``.

    A bin spanning latitudes [l1, l2] and an MLT width dT (h) has area
    (RE + h)^2 (2 pi dT / 24) ``|sin l2 - sin l1|`` (the spherical zone). Plain floats in, plain floats out.
    """
    radius_m = (RE_KM + altitude_km) * 1e3
    lat = np.radians(np.abs(np.asarray(mlat_deg, dtype=float)))
    half = np.radians(mlat_width_deg) / 2.0
    return radius_m**2 * (2.0 * np.pi * mlt_width_h / 24.0) * np.abs(np.sin(lat + half) - np.sin(lat - half))


def hemispheric_power(ds: xr.Dataset, *, altitude=AURORA_ALTITUDE) -> xr.Dataset:
    """Hemispheric power (GW): each ``*_energy_flux`` of ``ds`` integrated over its (mlat, mlt) grid.

    The area of each bin is that of the spherical zone at ``altitude`` above RE (:func:`bin_area`; default
    :data:`smilekit.geospace.aurora.AURORA_ALTITUDE`, 120 km; the area scales as (RE + h)^2, so 110 km
    instead would lower the power by 0.3 %). Returns one variable ``<type>_power`` per energy flux, plus
    ``electron_power`` (the sum of the electron populations: every type but ``ion``) and ``total_power``,
    each on dim ``time`` with ``units`` "GW".

    Raises
    ------
    InputError
        If ``ds`` has no ``*_energy_flux`` variable or no bin-width attributes.
    """
    h = as_value(altitude, u.km, "altitude", positive=True)
    names = [name for name in ds.data_vars if str(name).endswith("_energy_flux")]
    if not names:
        raise InputError("hemispheric_power: the dataset has no '*_energy_flux' variable")
    try:
        dlat, dmlt = float(ds.attrs["mlat_bin_width"]), float(ds.attrs["mlt_bin_width"])
    except KeyError as err:
        raise InputError(f"hemispheric_power: the dataset lacks the attribute {err}") from None
    area = xr.DataArray(bin_area(ds["mlat"].values, dlat, dmlt, float(h)), dims="mlat")
    out = xr.Dataset(coords={"time": ds["time"]})
    electron = 0.0
    total = 0.0
    for name in names:
        kind = str(name)[: -len("_energy_flux")]
        # erg cm^-2 s^-1 = 1e-3 W m^-2; W -> GW: 1e-9
        power = (ds[name] * area).sum(("mlat", "mlt")) * 1e-12
        out[f"{kind}_power"] = power.assign_attrs(units="GW", CATDESC=f"hemispheric power, {kind}")
        total = total + power
        if kind != "ion":
            electron = electron + power
    out["electron_power"] = xr.DataArray(electron).assign_attrs(
        units="GW", CATDESC="electron hemispheric power"
    )
    out["total_power"] = xr.DataArray(total).assign_attrs(units="GW", CATDESC="total hemispheric power")
    out.attrs["emission_altitude_km"] = float(h)
    return out
