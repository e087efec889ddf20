"""Small real products for the archive tests: what the instruments' writers make, named by the mission's rule.

Used by tests/archive/test_catalogue.py and tests/archive/test_ingest_kill.py.
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.instruments.mag import make_l1, simulate_mag
from smilekit.instruments.mag.config import MAGConfig
from smilekit.instruments.sxi import make_l2, simulate_events
from smilekit.products import sxi_fits
from smilekit.products.insitu_cdf import mag_product_name, write_mag_l1
from smilekit.products.names import product_name
from smilekit.products.provenance import provenance

#: The start of the products' data.
START = np.datetime64("2026-03-21T06:00:00", "ns")


def write_mag_versions(folder, seconds: int = 120, rate_hz: float = 1.0) -> tuple[list[Path], np.ndarray]:
    """A MAG L1 CDF of ``seconds`` of data from :data:`START` in two versions (v02 a reprocessing of v01,
    with its provenance) in ``folder``; returns the two paths and the times of the 1-s truth."""
    folder = Path(folder)
    times = START + np.arange(seconds) * np.timedelta64(1, "s")
    config = MAGConfig(vector_rate=rate_hz * u.Hz)
    raw = simulate_mag([[3.0, -4.0, 2.0]] * times.size * u.nT, np.eye(3), 1, time=times, config=config)
    l1 = make_l1(raw, config)
    mag = [folder / mag_product_name("l1", times[0], v) for v in (1, 2)]
    write_mag_l1(mag[0], l1)
    write_mag_l1(mag[1], l1, provenance=provenance([mag[0].name], {"why": "reprocessed"}))
    return mag, times


def write_sxi(folder) -> list[Path]:
    """An SXI L1 event list (one minute from :data:`START`) and its L2 image (FITS) in ``folder``."""
    folder = Path(folder)
    sky = xr.DataArray(np.full((16, 27), 2.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    events = simulate_events(sky, 60 * u.s, start=str(START), rotation=np.eye(3),
                             sc_position=[0.0, -40.0, 0.0] * u.Unit("RE"), rng=3)  # fmt: skip
    sxi1 = folder / product_name("sxi", "l1", "events", START, ext="fits")
    sxi2 = folder / product_name("sxi", "l2", "images", START, ext="fits")
    sxi_fits.write_l1(events, sxi1)
    sxi_fits.write_l2(make_l2(events, cadence=60 * u.s), sxi2)
    return [sxi1, sxi2]


def write_products(folder) -> dict:
    """A MAG L1 CDF (two versions), an SXI L1 event list and its L2 image (FITS) in ``folder``: a dict of
    ``mag`` (the two paths), ``sxi`` (the two paths) and ``times`` (the MAG truth's times)."""
    mag, times = write_mag_versions(folder)
    return {"mag": mag, "sxi": write_sxi(folder), "times": times}


def drop_tables(url: str) -> None:
    """Drop every table of the database at the SQLAlchemy ``url`` (whatever the catalogue made there)."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        tables.drop_all(engine)
    finally:
        engine.dispose()
