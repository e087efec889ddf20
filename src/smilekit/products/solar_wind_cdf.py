"""The upstream solar wind as an ISTP CDF: the auxiliary product ``smile_aux_l2_solarwind_<time>_vNN.cdf``.

The solar wind a run or the pipeline used (:class:`~smilekit.solarwind.SolarWind`, from OMNI or another
monitor, propagated to the bow shock nose) as the archive keeps and serves it: proton density, bulk velocity
(GSE), IMF (GSM), proton temperature and the dynamic pressure in OMNI's definition (King & Papitashvili
2005). The variables and units are those of :class:`~smilekit.solarwind.SolarWind`; missing values are
``FILLVAL``. :func:`read_solar_wind_cdf` reads the file back into a :class:`~smilekit.solarwind.SolarWind`.
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.errors import ProductError
from smilekit.products.cdf import (
    component_labels,
    epoch_attrs,
    istp_global_attrs,
    scalar_attrs,
    vector_attrs,
    write_istp_cdf,
)

__all__ = ["DESCRIPTOR", "read_solar_wind_cdf", "solar_wind_dataset", "write_solar_wind_cdf"]

#: The product's descriptor in its name (:func:`~smilekit.products.names.product_name`).
DESCRIPTOR = "solarwind"


def solar_wind_dataset(sw, *, text: str = "") -> xr.Dataset:
    """The ISTP dataset of a :class:`~smilekit.solarwind.SolarWind` (module docstring)."""
    time = np.asarray(sw.time.values, dtype="datetime64[ns]")
    variables = dict(component_labels(["GSE", "GSM"]))
    variables["n"] = xr.Variable(
        ("Epoch",), sw.n.to_value("cm-3"), scalar_attrs("n", "Proton number density", "cm^-3", 0.0, 1000.0)
    )
    variables["v_gse"] = xr.Variable(
        ("Epoch", "component"),
        sw.v_gse.to_value("km/s"),
        vector_attrs("v_gse", "Bulk velocity, GSE", "km/s", -3000.0, 3000.0, "GSE"),
    )
    variables["b_gsm"] = xr.Variable(
        ("Epoch", "component"),
        sw.b_gsm.to_value("nT"),
        vector_attrs("b_gsm", "Interplanetary magnetic field, GSM", "nT", -500.0, 500.0, "GSM"),
    )
    variables["t"] = xr.Variable(
        ("Epoch",), sw.t.to_value("K"), scalar_attrs("t", "Proton temperature", "K", 0.0, 1e8)
    )
    variables["pdyn"] = xr.Variable(
        ("Epoch",),
        sw.pdyn.values,
        scalar_attrs("pdyn", "Dynamic pressure, OMNI definition 2e-6 n V^2", "nPa", 0.0, 1000.0),
    )
    attrs = istp_global_attrs(
        data_type="AUX>Auxiliary",
        descriptor="SW>Upstream solar wind",
        logical_source="smile_aux_l2_solarwind",
        description="The upstream solar wind smilekit used (bow-shock nose)",
        text=f"Source: {sw.ds.attrs.get('source', '') or 'unknown'}. {text}".strip(),
        instrument_type="Plasma and Solar Wind",
    )
    return xr.Dataset(variables, coords={"Epoch": ("Epoch", time, epoch_attrs(time))}, attrs=attrs)


def write_solar_wind_cdf(path, sw, *, text: str = "", overwrite: bool = True, provenance=None) -> Path:
    """Write :func:`solar_wind_dataset` of ``sw`` as an ISTP CDF at ``path`` (atomic); returns the path."""
    return write_istp_cdf(solar_wind_dataset(sw, text=text), path, overwrite=overwrite, provenance=provenance)


def read_solar_wind_cdf(path):
    """The :class:`~smilekit.solarwind.SolarWind` a file of :func:`write_solar_wind_cdf` holds.

    Raises
    ------
    ProductError
        Naming the file, if it is not such a CDF.
    """
    import cdflib

    from smilekit.solarwind import SolarWind

    path = Path(path)
    try:
        cdf = cdflib.CDF(str(path))
        time = np.asarray(cdflib.cdfepoch.to_datetime(cdf.varget("Epoch")), dtype="datetime64[ns]")
        values = {
            name: np.asarray(cdf.varget(name), dtype=np.float64) for name in ("n", "v_gse", "b_gsm", "t")
        }
        fill = {name: float(cdf.varattsget(name)["FILLVAL"]) for name in values}
        source = " ".join(map(str, np.atleast_1d(cdf.globalattsget().get("TEXT", ""))))
    except (OSError, ValueError, KeyError) as exc:
        raise ProductError(f"{path.name} is not a smilekit solar-wind CDF: {exc}") from None
    for name, array in values.items():
        array[array == fill[name]] = np.nan
    return SolarWind(
        time, n=values["n"] * u.cm**-3, v_gse=values["v_gse"] * (u.km / u.s), b_gsm=values["b_gsm"] * u.nT,
        t=values["t"] * u.K, source=str(source), allow_gaps=True,
    )  # fmt: skip
