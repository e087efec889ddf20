"""A small archive with every kind of time series the service serves, public and proprietary, for the tests
of the archive's web service (tests/service/).

:func:`build_archive` writes small real products with the project's own writers (a few hours of one day,
:data:`DAY`), names them by the mission's rule, ingests them into an archive and adds its users. The data
policy (:mod:`smilekit.archive.policy`) is applied by the service at :data:`CLOCK`, so that, by when the
SWT received them (``received=`` of each ingest):

=====================  =============================  ========================================================
dataset                products (hh:mm of the day)    state at :data:`CLOCK`
=====================  =============================  ========================================================
``sc_l2_ephemeris``    00:00-06:50, every 10 min      public (the spacecraft's: public at receipt)
``aux_l2_solarwind``   00:00-06:55, every 5 min       public (auxiliary: public at receipt)
``lia_l2_moments``     00:00-00:59, every minute      public (received :data:`RECEIVED_PUBLIC`)
``mag_l2_fields``      00:00-00:59, 01:00-01:59       public
                       04:00-04:59 (every 10 s)       proprietary (received :data:`RECEIVED_PROPRIETARY`)
``sxi_l3_boundaries``  00:00-01:55                    public
                       04:00-05:55 (every 5 min)      proprietary
``uvi_l3_boundaries``  04:00-04:09, every minute      proprietary
``sxi_l1_events``,     06:00-06:01 (FITS)             proprietary (downloads only: HAPI serves CDFs)
``sxi_l2_images``
``mag_ql_fields``      of the first public and of     public (quick-looks are public at once)
                       the proprietary MAG product
=====================  =============================  ========================================================

Nothing lies between :data:`PUBLIC_END` (02:00) and :data:`PROPRIETARY_START` (04:00) in the instruments'
datasets: a request there has no data. The proprietary products hold distinctive values (:data:`SENTINELS`)
that the public ones never do, so that a test can search any response for proprietary bytes. The
proprietary period of the proprietary products ends at :data:`PROPRIETARY_UNTIL` (one year after
:data:`RECEIVED_PROPRIETARY`).

Expected values are read back from the archived files with cdflib (an independent reader of the CDFs), as
stored: fill values included.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterator
from pathlib import Path

import astropy.units as u
import cdflib
import numpy as np
import xarray as xr

from smilekit.archive.access import add_user, revoke_user
from smilekit.archive.catalogue import ingest, init_archive, list_products
from smilekit.mission import kepler_track, sample_times, science_orbit
from smilekit.products.cdf import time_series_variables
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.insitu_cdf import lia_product_name, mag_product_name, write_lia_l2, write_mag_l2
from smilekit.products.l3_cdf import write_l3_cdf
from smilekit.products.names import product_name
from smilekit.products.quicklooks import write_quicklook
from smilekit.products.uvi_l3_cdf import write_uvi_l3_cdf
from smilekit.science.estimates import CuspEstimate, MagnetopauseEstimate
from smilekit.units import RE
from testsupport import postgres, solarwind_files
from testsupport.archive import write_sxi
from testsupport.service import live_server
from testsupport.uvi import l2_map

__all__ = [
    "CLOCK",
    "DAY",
    "PROPRIETARY_START",
    "PROPRIETARY_UNTIL",
    "PUBLIC_END",
    "RECEIVED_PROPRIETARY",
    "RECEIVED_PUBLIC",
    "SENTINELS",
    "ServiceArchive",
    "build_archive",
    "dataset_values",
    "served_archive",
]

#: The day of all the data (UTC midnight).
DAY = np.datetime64("2026-03-21T00:00:00", "ns")
#: When the SWT received the public group: more than a year before :data:`CLOCK`.
RECEIVED_PUBLIC = _dt.datetime(2026, 3, 21, 12, 0, 0)
#: When the SWT received the proprietary group (a late delivery): less than a year before :data:`CLOCK`.
RECEIVED_PROPRIETARY = _dt.datetime(2026, 4, 1, 0, 0, 0)
#: The end of the proprietary group's proprietary period (SMILE data policy: one year after receipt).
PROPRIETARY_UNTIL = _dt.datetime(2027, 4, 1, 0, 0, 0)
#: The time at which the tests' service applies the data policy (pass ``lambda: CLOCK`` as its clock).
CLOCK = _dt.datetime(2027, 3, 25, 0, 0, 0)
#: The instruments' public data end before this time (of :data:`DAY`), and the proprietary data start at
#: :data:`PROPRIETARY_START`; nothing lies between.
PUBLIC_END = DAY + np.timedelta64(2, "h")
PROPRIETARY_START = DAY + np.timedelta64(4, "h")

#: Values only the proprietary products hold (each in the named variable of every record of the dataset's
#: proprietary product), chosen so that their text and their IEEE 754 bytes are distinctive. The UVI L3
#: values are the science code's (its boundaries of a made-up auroral oval), distinctive enough in their
#: full precision.
SENTINELS = {
    "mag_l2_fields": ("b_magnitude", 4321.98765),
    "sxi_l3_boundaries": ("r0_max_intensity", 13.5792468),
}


class ServiceArchive(dict):
    """What :func:`build_archive` made, a dict whose keys read as attributes too (``archive["tokens"]`` or
    ``archive.tokens``; no key is named as a dict method).

    Keys
    ----
    folder : Path
        The archive folder.
    url : str or None
        Its catalogue's URL (None: the archive's SQLite file).
    clock : datetime.datetime
        :data:`CLOCK`: pass ``lambda: archive.clock`` to the service.
    tokens : dict
        The users' tokens by name: ``public`` (a user of role public), ``swt``, ``pi_sxi``, ``pi_uvi``,
        ``pi_mag`` and ``revoked`` (an SWT member's token, revoked).
    products : dict
        The catalogue's product ids by dataset, in time order (``"mag_l2_fields": [id, id, id]``), the
        quick-looks (``mag_ql_fields``) and FITS products included.
    public_ids, proprietary_ids : dict
        Of ``products``, by dataset, those of the public and open groups and those of the proprietary group
        (with the default ``received``: those public and those proprietary at :data:`CLOCK`).
    records : dict
        The catalogue's rows (:func:`smilekit.archive.catalogue.list_products`) by product id.
    datasets : list of str
        The time-series datasets (HAPI's catalog), sorted.
    expected : dict
        The values by dataset: ``{"Time": datetime64[ns] array, parameter: array as stored}`` over all its
        products (:func:`dataset_values`).
    public_expected : dict
        The same over the dataset's public products only (datasets that have some).
    times : dict
        By dataset: ``(first, last)`` record time (datetime64[ns]).
    received : dict
        When the SWT received each group (``public``, ``proprietary``, ``open``).
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def path(self, product_id: int) -> Path:
        """The archived file of a product."""
        return self["folder"] / self["records"][product_id]["path"]


# ---------------------------------------------------------------------------------------------------
# The products
# ---------------------------------------------------------------------------------------------------
def _times(start, count: int, step_s: float) -> np.ndarray:
    return start + (np.arange(count) * step_s * 1e9).astype("timedelta64[ns]")


def _mag_l2(times: np.ndarray, seed: int, magnitude: float | None = None) -> xr.Dataset:
    """MAG L2 as :func:`smilekit.instruments.mag.make_l2` gives it, with made-up values: a field rotating
    slowly, a dual-sensor quality (0) but for two records (bits 1 and 4), one record's GSE field missing
    (NaN: written as FILLVAL); ``magnitude`` replaces |B| (the sentinel of the proprietary product)."""
    n = times.size
    k = np.arange(n) + seed
    b_gse = np.stack([3.0 + np.sin(k / 7.0), -4.0 + np.cos(k / 5.0), 2.0 + 0.01 * k], axis=1).round(4)
    b_gsm = (b_gse + np.array([0.0, 0.25, -0.5])).round(4)
    b_gse[n // 3] = np.nan
    quality = np.zeros(n, dtype=np.uint16)
    quality[[1, n - 2]] = [1, 4]
    mag = np.linalg.norm(b_gsm, axis=1) if magnitude is None else np.full(n, magnitude)
    component = ("time", "component")
    return xr.Dataset(
        {
            "b_gse": (component, b_gse, {"units": "nT"}),
            "b_gsm": (component, b_gsm, {"units": "nT"}),
            "b_magnitude": ("time", mag, {"units": "nT"}),
            "sc_field_body": (component, np.tile([0.1, -0.2, 0.3], (n, 1)), {"units": "nT"}),
            "quality": ("time", quality, {"FLAG_BITS": "bit 0: inboard only; bit 2: saturated"}),
        },
        coords={"time": times, "component": ["x", "y", "z"]},
        attrs={"level": "L2", "calibration": "ground (test)", "vector_rate_hz": 0.1},
    )


def _lia_l2(times: np.ndarray) -> xr.Dataset:
    """LIA L2 moments as :func:`smilekit.instruments.lia.compute_moments` gives them, with made-up values
    of a solar-wind beam (one record without counts: NaN moments, flagged)."""
    n = times.size
    k = np.arange(n)
    data: dict = {}
    for s, scale in (("p", 1.0), ("a", 0.04)):
        for name, base in (("density", 6.0 * scale), ("temperature", 1.0e5 / scale ** 0.5),
                           ("t_par", 1.1e5), ("t_perp", 0.95e5), ("pressure", 0.01 * scale)):  # fmt: skip
            value = base * (1.0 + 0.01 * np.sin(k / 3.0))
            value[n // 2] = np.nan
            data[f"{name}_{s}"] = ("time", value)
            data[f"{name}_{s}_uncertainty"] = ("time", 0.05 * np.abs(value))
        for name, base in (("velocity", [-400.0, 20.0, 0.0]), ("heat_flux", [1e-3, 0.0, -1e-3])):
            value = np.tile(base, (n, 1)) + 0.5 * np.sin(k / 4.0)[:, None]
            data[f"{name}_{s}"] = (("time", "component"), value)
            data[f"{name}_{s}_uncertainty"] = (("time", "component"), np.full((n, 3), 2.0))
        data[f"counts_{s}"] = ("time", np.full(n, 1000.0 * scale))
        tensor = np.tile(np.diag([1.0e5, 1.1e5, 0.9e5]), (n, 1, 1)) + 10.0 * k[:, None, None]
        data[f"temperature_tensor_{s}"] = (("time", "component", "component2"), tensor)
        data[f"pressure_tensor_{s}"] = (("time", "component", "component2"), tensor * 1e-7)
    quality = np.zeros(n, dtype=np.uint8)
    quality[n // 2] = 4
    data["quality_flag"] = ("time", quality, {"bits": "bit 2: no counts"})
    return xr.Dataset(
        data,
        coords={"time": times, "component": ["x", "y", "z"], "component2": ["x", "y", "z"]},
        attrs={"frame": "GSE", "accumulation_s": 4.0},
    )


def _write_sxi_l3(path: Path, times: np.ndarray, r0_max_intensity: np.ndarray) -> Path:
    """SXI L3 of two methods and the northern cusp per image; the record at index 2 has no max-intensity
    answer (FILLVAL)."""
    estimates, cusps = [], []
    for k, t in enumerate(times):
        r0 = float(r0_max_intensity[k])
        estimates.append(
            [
                MagnetopauseEstimate(
                    "max_intensity", r0 * RE, 0.25 * RE, "ok" if k != 2 else "no edge", {}, t
                ),
                MagnetopauseEstimate(
                    "boundary_fitting_jorgensen", (9.0 + 0.1 * k) * RE, 0.2 * RE, "ok", {}, t
                ),
            ]
        )
        cusps.append(
            CuspEstimate(
                "north",
                (70.0 + 0.1 * k) * u.deg,
                (74.0 + 0.1 * k) * u.deg,
                0.5 * u.deg,
                0.5 * u.deg,
                8.0 * RE,
                "ok",
                t,
            )
        )
    n = times.size
    return write_l3_cdf(
        path,
        estimates,
        cusps,
        sc_position=np.tile([6.0, 0.0, 18.0], (n, 1)) * RE,
        flux=np.full(n, 8e8) / u.cm**2 / u.s,
        sun_angle=np.full(n, 60.0) * u.deg,
    )


def _write_uvi_l3(path: Path, times: np.ndarray) -> Path:
    """UVI L3 of made-up L2 maps: a 1 kR auroral band centred at 66 deg MLAT, 0.5 deg poleward a map."""
    from smilekit.science.aurora import image_boundaries, image_hemispheric_power

    maps = [l2_map(t, 66.0 + 0.5 * k, seed=k) for k, t in enumerate(times)]
    return write_uvi_l3_cdf(
        path, [image_boundaries(m) for m in maps], [image_hemispheric_power(m) for m in maps]
    )


def _write_ephemeris(folder: Path) -> Path:
    """``ephemeris.cdf``: the science orbit sampled every 10 minutes over 00:00-06:50 of :data:`DAY`, with
    its operating modes (``sxi_shutter_open``: the one integer time series)."""
    from smilekit.mission.modes import mode_timeline

    start = str(DAY)[:19]
    stop = str(DAY + np.timedelta64(410, "m"))[:19]
    track = kepler_track(science_orbit(start), sample_times(start, stop, 600 * u.s))
    return write_ephemeris_cdf(folder / "ephemeris.cdf", track, timeline=mode_timeline(track))


def _write_solar_wind(folder: Path) -> Path:
    """``solar_wind.csv``: seven hours of the made-up solar wind of :mod:`testsupport.solarwind_files`
    (a pressure pulse with a southward turning), every 5 minutes from :data:`DAY`."""
    data = solarwind_files.truth(minutes=420, step_min=5)
    data["time"] = data["time"] - data["time"][0] + DAY
    return solarwind_files.write_csv(folder / "solar_wind.csv", data)


def _write_products(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The products: ``(public, proprietary, open)`` (the instruments' public group, their proprietary
    group, the spacecraft's and auxiliary files), quick-looks of one public and one proprietary product in
    the public group (quick-looks are public at once)."""
    public, proprietary = [], []
    # MAG L2, 10-s cadence: two public hours, one proprietary hour (|B| the sentinel).
    for hour, seed in ((0, 0), (1, 360)):
        t = _times(DAY + np.timedelta64(hour, "h"), 360, 10.0)
        public.append(write_mag_l2(folder / mag_product_name("l2", t[0]), _mag_l2(t, seed)))
    t = _times(PROPRIETARY_START, 360, 10.0)
    magnitude = SENTINELS["mag_l2_fields"][1]
    proprietary.append(write_mag_l2(folder / mag_product_name("l2", t[0]), _mag_l2(t, 720, magnitude)))
    # LIA L2, 1-min moments: one public hour.
    t = _times(DAY, 60, 60.0)
    public.append(write_lia_l2(folder / lia_product_name("l2", t[0]), _lia_l2(t)))
    # SXI L3, one record per 5-min image: public 00:00-01:55, proprietary 04:00-05:55 (r0 the sentinel).
    t = _times(DAY, 24, 300.0)
    name = product_name("sxi", "l3", "boundaries", t[0], ext="cdf")
    public.append(_write_sxi_l3(folder / name, t, 9.5 + 0.01 * np.arange(t.size)))
    t = _times(PROPRIETARY_START, 24, 300.0)
    name = product_name("sxi", "l3", "boundaries", t[0], ext="cdf")
    proprietary.append(_write_sxi_l3(folder / name, t, np.full(t.size, SENTINELS["sxi_l3_boundaries"][1])))
    # UVI L3, one record a minute: proprietary only.
    t = _times(PROPRIETARY_START, 10, 60.0)
    proprietary.append(_write_uvi_l3(folder / product_name("uvi", "l3", "boundaries", t[0], ext="cdf"), t))
    # SXI L1 event list and L2 image (FITS), 06:00-06:01: proprietary, downloads only.
    proprietary += write_sxi(folder)
    # Quick-looks of a public and a proprietary MAG product: public at once.
    public += [write_quicklook(public[0], folder), write_quicklook(proprietary[0], folder)]
    return public, proprietary, [_write_ephemeris(folder), _write_solar_wind(folder)]


# ---------------------------------------------------------------------------------------------------
# Reading back
# ---------------------------------------------------------------------------------------------------
def cdf_values(path) -> dict[str, np.ndarray]:
    """The records of an archived CDF as cdflib reads them: ``Time`` (datetime64[ns]) and every time
    series the service serves (:func:`smilekit.products.cdf.time_series_variables`), shaped
    ``(records, *size)``, as stored (fill values included)."""
    cdf = cdflib.CDF(str(path))
    epoch = np.atleast_1d(cdf.varget("Epoch"))
    out = {"Time": np.asarray(cdflib.cdfepoch.to_datetime(epoch), dtype="datetime64[ns]")}
    for p in time_series_variables(path):
        out[p.name] = np.asarray(cdf.varget(p.name)).reshape((epoch.size, *p.size))
    return out


def dataset_values(paths) -> dict[str, np.ndarray]:
    """:func:`cdf_values` of several products of one dataset, joined in time order."""
    parts = sorted((cdf_values(p) for p in paths), key=lambda v: v["Time"][0])
    return {key: np.concatenate([v[key] for v in parts]) for key in parts[0]}


# ---------------------------------------------------------------------------------------------------
# The archive
# ---------------------------------------------------------------------------------------------------
def _ingested(results: list[dict]) -> list[int]:
    refused = [r for r in results if r["status"] != "ingested"]
    if refused:
        raise RuntimeError(f"the test archive's products were not all ingested: {refused}")
    return [r["id"] for r in results]


def build_archive(folder, *, url: str | None = None, received: dict | None = None) -> ServiceArchive:
    """Write the products (module docstring) in ``folder/incoming``, ingest them into the archive
    ``folder/archive`` (catalogue ``url``: None for its SQLite file) and add its users.

    Parameters
    ----------
    folder : path-like
        An empty folder.
    url : str, optional
        The catalogue's database URL (e.g. a fresh PostgreSQL database's).
    received : dict, optional
        When the SWT received each group: ``{"public": t, "proprietary": t, "open": t}``; default
        :data:`RECEIVED_PUBLIC` for the public and open groups, :data:`RECEIVED_PROPRIETARY` for the
        proprietary group.

    Returns
    -------
    ServiceArchive
        A dict of the archive, its users' tokens, its products and their values (:class:`ServiceArchive`).
    """
    folder = Path(folder)
    incoming = folder / "incoming"
    incoming.mkdir(parents=True)
    received = {"public": RECEIVED_PUBLIC, "proprietary": RECEIVED_PROPRIETARY, "open": RECEIVED_PUBLIC} | (
        received or {}
    )
    public, proprietary, open_files = _write_products(incoming)
    archive = init_archive(folder / "archive", url=url)
    ids = {
        "public": _ingested(ingest(archive, public, received=received["public"], url=url)),
        "proprietary": _ingested(ingest(archive, proprietary, received=received["proprietary"], url=url)),
        "open": _ingested(ingest(archive, open_files, received=received["open"], url=url)),
    }
    tokens = {
        "public": add_user(archive, "ana public", "public", url=url),
        "swt": add_user(archive, "sam swt", "swt", url=url),
        "pi_sxi": add_user(archive, "pat sxi", "pi", "sxi", url=url),
        "pi_uvi": add_user(archive, "uma uvi", "pi", "uvi", url=url),
        "pi_mag": add_user(archive, "max mag", "pi", "mag", url=url),
        "revoked": add_user(archive, "rex revoked", "swt", url=url),
    }
    revoke_user(archive, "rex revoked", url=url)

    records = {r["id"]: r for r in list_products(archive, url=url)}
    products: dict[str, list[int]] = {}
    for r in sorted(records.values(), key=lambda r: (r["dataset"], r["start"])):
        products.setdefault(r["dataset"], []).append(r["id"])
    proprietary_set = set(ids["proprietary"])
    public_ids = {d: [i for i in v if i not in proprietary_set] for d, v in products.items()}
    proprietary_ids = {d: [i for i in v if i in proprietary_set] for d, v in products.items()}
    datasets = sorted(d for d, v in products.items() if records[v[0]]["path"].endswith(".cdf"))
    values, public_values, times = {}, {}, {}
    for d in datasets:
        values[d] = dataset_values([archive / records[i]["path"] for i in products[d]])
        if public_ids[d]:
            public_values[d] = dataset_values([archive / records[i]["path"] for i in public_ids[d]])
        times[d] = (values[d]["Time"][0], values[d]["Time"][-1])
    return ServiceArchive(
        folder=archive, url=url, clock=CLOCK, tokens=tokens, products=products, public_ids=public_ids,
        proprietary_ids=proprietary_ids, records=records, datasets=datasets, expected=values,
        public_expected=public_values, times=times, received=received,
    )  # fmt: skip


@contextlib.contextmanager
def served_archive(folder, backend: str, prepare=None) -> Iterator[tuple[ServiceArchive, str]]:
    """:func:`build_archive` in ``folder`` on the catalogue ``backend`` (``"sqlite"``, or ``"postgresql"``: a
    fresh database on the local server, which must run under CI), ``prepare(archive)`` (e.g. releases to
    record), then a live server at the archive's clock; yields ``(archive, base URL)``."""
    with contextlib.ExitStack() as stack:
        url = None
        if backend == "postgresql":
            postgres.require_server()
            url = stack.enter_context(postgres.fresh_database())
        archive = build_archive(folder, url=url)
        if prepare is not None:
            prepare(archive)
        yield archive, stack.enter_context(live_server(archive.folder, url=url, clock=lambda: archive.clock))
