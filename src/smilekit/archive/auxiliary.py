"""The auxiliary files a run hands on, archived as products named by the mission's rule.

``smilekit orbit``, ``smilekit run`` and the pipeline's input folder keep the orbit and the upstream solar
wind under fixed names (:data:`~smilekit.pipeline.auxiliary.EPHEMERIS_FILE`,
:data:`~smilekit.pipeline.auxiliary.SOLAR_WIND_FILE`). The archive keeps them as products, so that they
have a time range, versions and the data policy's clock like the instruments' products, and the service
serves them as time series:

=====================  =====================================================================================
``ephemeris.cdf``      ``smile_sc_l2_ephemeris_<start>_vNN.cdf``: the ISTP ephemeris CDF, as it is
``solar_wind.csv``     ``smile_aux_l2_solarwind_<start>_vNN.cdf``: the table read
                       (:func:`~smilekit.solarwind.readers.read_solar_wind`) and written as an ISTP CDF
                       (:func:`~smilekit.products.solar_wind_cdf.write_solar_wind_cdf`)
=====================  =====================================================================================
"""

from __future__ import annotations

import shutil
from pathlib import Path

from smilekit.errors import InputError, ProductError
from smilekit.pipeline.auxiliary import EPHEMERIS_FILE, SOLAR_WIND_FILE
from smilekit.products.coverage import product_time_range
from smilekit.products.names import product_name

__all__ = ["AUXILIARY_FILES", "archived_name", "read_auxiliary", "write_product"]

#: The fixed names the archive takes as auxiliary files: (instrument code, level, descriptor) of each.
AUXILIARY_FILES = {EPHEMERIS_FILE: ("sc", "l2", "ephemeris"), SOLAR_WIND_FILE: ("aux", "l2", "solarwind")}


def _solar_wind(path: Path):
    from smilekit.solarwind.readers import read_solar_wind

    try:
        return read_solar_wind(path)
    except (InputError, OSError, ValueError) as exc:
        raise ProductError(f"{path.name}: not a solar-wind table: {exc}") from None


def archived_name(path, start, version: int) -> str:
    """The product name the auxiliary file ``path`` is archived under, for data from ``start``."""
    instrument, level, descriptor = AUXILIARY_FILES[Path(path).name]
    return product_name(instrument, level, descriptor, start, version, ext="cdf")


def read_auxiliary(path):
    """The auxiliary file ``path`` read once: ``(first time of its data, its data)``, the data a
    :class:`~smilekit.solarwind.SolarWind` for the solar wind, the file itself for the ephemeris (archived as
    it is).

    Raises
    ------
    ProductError
        If the file cannot be read as what its name says.
    """
    path = Path(path)
    if path.name == SOLAR_WIND_FILE:
        sw = _solar_wind(path)
        return sw.time.values[0], sw
    return product_time_range(path)[0], path


def write_product(path, data, target) -> Path:
    """Write the auxiliary file ``path`` (its ``data`` from :func:`read_auxiliary`) as its archived product
    at ``target`` (:data:`AUXILIARY_FILES`; named by :func:`archived_name`)."""
    path = Path(path)
    if path.name == EPHEMERIS_FILE:
        shutil.copyfile(path, target)
    else:
        from smilekit.products.solar_wind_cdf import write_solar_wind_cdf

        write_solar_wind_cdf(target, data, text=f"From {path.name}.")
    return Path(target)
