"""Level 0 -> the simulators' structures again: the inverse of each packetiser of :mod:`.packetise`.

Each function takes an :class:`~smilekit.telemetry.l0.L0` and returns what the instrument's simulator
returns (the telemetered part of it), so that the existing L1 chains run on telemetry as on the
simulator's memory: :func:`mag_raw` -> :func:`smilekit.instruments.mag.make_l1`, :func:`lia_counts`,
:func:`sxi_events`, :func:`uvi_images`, :func:`hk`. What the link lost stays visible: MAG samples of a lost
packet are absent (the gap list says where), a lost LIA part (-1) or UVI row block (:data:`UVI_FILL`) is
filled and flagged, an SXI frame whose events arrived short of its header's count is flagged.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit.errors import TelemetryError
from smilekit.telemetry.obtime import TimeCorrelation
from smilekit.telemetry.packets import inflate_words

__all__ = [
    "LIA_PART_MISSING",
    "SXI_EVENTS_MISSING",
    "UVI_FILL",
    "UVI_ROWS_MISSING",
    "hk",
    "lia_counts",
    "mag_raw",
    "sxi_events",
    "uvi_images",
]

#: LIA quality bit (``telemetry_quality``): a part (energy steps) of the distribution was lost (-1 there).
LIA_PART_MISSING = 16
#: UVI quality: rows of the image were lost (:data:`UVI_FILL` there).
UVI_ROWS_MISSING = 16
#: The DN of a UVI pixel whose row was lost (-1 would be a valid DN: read noise makes DN negative).
UVI_FILL = -(2**31)
#: SXI frame quality: fewer events arrived than the frame header counts.
SXI_EVENTS_MISSING = 16


def _need(l0, name: str) -> xr.Dataset:
    if name not in l0.datasets:
        raise TelemetryError(f"the L0 holds no {name!r} packets (it holds {sorted(l0.datasets)})")
    return l0.datasets[name]


def mag_raw(l0, config=None) -> xr.Dataset:
    """MAG counts of both sensors as :func:`~smilekit.instruments.mag.simulate_mag` returns them.

    Returns
    -------
    xarray.Dataset
        ``counts_inboard``, ``counts_outboard`` (int32, time x component) and ``telemetry_quality``
        (uint8, the L0 quality of each sample's packet); attrs as the simulator's (``lsb_nT``,
        ``range_nT``, ``adc_bits`` from ``config``; ``vector_rate_hz`` from the packets).

    Each packet's first vector has the packet's UTC; the others follow at the packet's period in UTC (the
    clock's drift over one packet, 1 s, is neglected: under 1 us for a rate within 1e-6 of TAI's).
    """
    from smilekit.instruments.mag.config import MAGConfig
    from smilekit.instruments.mag.simulate import l0_attrs

    v = MAGConfig.resolve(config).values
    ds = _need(l0, "mag_vectors")
    n_vec = ds["n_vectors"].values.astype(np.int64)
    period = ds["period_ns"].values.astype(np.int64)
    if np.any(n_vec > ds.sizes["counts_inboard_1"]):
        raise TelemetryError("a MAG packet claims more vectors than it holds")
    k = np.arange(ds.sizes["counts_inboard_1"])
    keep = (k[None, :] < n_vec[:, None]).reshape(-1)
    t0 = ds["time"].values.astype(np.int64)
    time = (t0[:, None] + k[None, :] * period[:, None]).reshape(-1)[keep].astype("datetime64[ns]")
    counts = {s: ds[f"counts_{s}"].values.reshape(-1, 3)[keep] for s in ("inboard", "outboard")}
    quality = np.repeat(ds["quality"].values, ds.sizes["counts_inboard_1"])[keep]
    rate = 1e9 / float(period[0]) if period.size else v.rate_hz
    return xr.Dataset(
        {
            **{
                f"counts_{s}": (("time", "component"), counts[s].astype(np.int32), {"units": "count"})
                for s in counts
            },
            "telemetry_quality": ("time", quality, {"units": " "}),
        },
        coords={"time": time, "component": ["x", "y", "z"]},
        attrs={**l0_attrs(v, rate), "source": "telemetry"},
    )


def lia_counts(l0, config=None) -> xr.Dataset:
    """LIA distributions as :func:`~smilekit.instruments.lia.simulate_counts`'s ``counts``.

    Returns
    -------
    xarray.Dataset
        ``counts`` (time, energy, elevation, azimuth) int32, -1 where a part was lost;
        ``telemetry_quality`` (time,) with :data:`LIA_PART_MISSING` and the L0 bits; the grid's
        coordinates from ``config`` (default ``LIAConfig()``); attrs ``accumulation_s``.
    """
    from smilekit.instruments.lia.config import LIAConfig
    from smilekit.instruments.lia.model import grid_values

    grid = grid_values(LIAConfig.resolve(config).values)
    ds = _need(l0, "lia_distribution")
    t = ds["time"].values
    key = np.stack([ds["obt_coarse"].values.astype(np.int64) * 65536 + ds["obt_fine"].values,
                    ds["distribution"].values.astype(np.int64)], axis=1)  # fmt: skip
    uniq, which = np.unique(key, axis=0, return_inverse=True)
    which = which.reshape(-1)
    n_e = grid.e_centres.size
    if ds.sizes["packet"] and int((ds["first_energy"].values + ds["n_energy"].values).max()) > n_e:
        raise TelemetryError(f"LIA packets hold energy steps beyond the configuration's {n_e}")
    n_el, n_az = int(ds["n_elevation"].values[0]), int(ds["n_azimuth"].values[0])
    counts = np.full((uniq.shape[0], n_e, n_el, n_az), -1, dtype=np.int32)
    got = np.zeros((uniq.shape[0], n_e), dtype=bool)
    quality = np.zeros(uniq.shape[0], dtype=np.uint8)
    times = np.empty(uniq.shape[0], dtype="datetime64[ns]")
    first, n_energy = ds["first_energy"].values, ds["n_energy"].values
    n_elev, data, pq = ds["n_elevation"].values, ds["data"].values, ds["quality"].values
    for i in range(ds.sizes["packet"]):
        d, e0, ne = which[i], int(first[i]), int(n_energy[i])
        block = inflate_words(np.asarray(data[i], dtype=np.uint8).tobytes(), ">u4").reshape(
            ne, int(n_elev[i]), -1
        )
        counts[d, e0 : e0 + ne] = block.astype(np.int32)
        got[d, e0 : e0 + ne] = True
        quality[d] |= pq[i]
        times[d] = t[i]
    quality |= np.where(got.all(axis=1), 0, LIA_PART_MISSING).astype(np.uint8)
    el, az = grid.el_edges, grid.az_edges
    return xr.Dataset(
        {
            "counts": (
                ("time", "energy", "elevation", "azimuth"),
                counts,
                {"units": "counts", "FILLVAL": -1},
            ),
            "telemetry_quality": ("time", quality, {"units": " "}),
        },
        coords={
            "time": times,
            "energy": ("energy", grid.e_centres, {"units": "eV"}),
            "elevation": ("elevation", np.degrees(0.5 * (el[1:] + el[:-1])), {"units": "deg"}),
            "azimuth": ("azimuth", np.degrees(0.5 * (az[1:] + az[:-1])), {"units": "deg"}),
        },
        attrs={"accumulation_s": float(ds["accumulation_ms"].values[0]) / 1000.0, "source": "telemetry"},
    )


def sxi_events(l0, correlation: TimeCorrelation | None = None) -> tuple[xr.Dataset, xr.Dataset]:
    """SXI events and frames: the telemetered columns of an :class:`~smilekit.instruments.sxi.l1.EventList`.

    Returns
    -------
    events : xarray.Dataset
        On ``event``: ``TIME`` (s since :data:`~smilekit.instruments.sxi.l1.TIME_ZERO`, the frame
        middle, computed as the simulator does), ``RAWX``, ``RAWY``, ``CCDNR``, ``PI`` (int16),
        ``FLAG`` (int32: the frame's Sun bits 2 and 4; the edge bit 1 needs the focal-plane position, which
        the processing derives), ``FRAME``, ``EXPOSURE_ID``; sorted by time.
    frames : xarray.Dataset
        On ``frame``: ``time`` (frame start, UTC), ``exposure_id``, ``frame``, ``n_events`` (the header's),
        ``received`` (events that arrived), ``sun_flags``, ``quality`` (:data:`SXI_EVENTS_MISSING` and the
        L0 bits); attrs ``untimed_events`` (events of an exposure none of whose frame headers arrived: they
        cannot be timed and are not in ``events``). Events whose own frame's header was lost are kept
        (timed from their exposure's other headers); that frame has no row here.
    """
    from smilekit.instruments.sxi.l1 import TIME_ZERO

    tct = correlation or TimeCorrelation.ideal()
    fh = _need(l0, "sxi_frame_header")
    exp_t, _ = tct.utc_from_obt(fh["exposure_coarse"].values, fh["exposure_fine"].values)
    tstart = (exp_t - TIME_ZERO) / np.timedelta64(1, "s")
    frame_s = fh["frame_ms"].values / 1000.0
    fkey = fh["exposure_id"].values.astype(np.int64) * 2**32 + fh["frame"].values
    cols = {k: [] for k in ("TIME", "RAWX", "RAWY", "CCDNR", "PI", "FLAG", "FRAME", "EXPOSURE_ID")}
    sun_flags = fh["sun_flags"].values.astype(np.int32)
    received = np.zeros(fkey.size, dtype=np.int64)
    untimed = 0
    if "sxi_events" in l0.datasets:
        ev = l0.datasets["sxi_events"]
        order = np.argsort(fkey, kind="stable")
        sorted_keys = fkey[order]
        ev_exp, ev_frame, ev_n = ev["exposure_id"].values, ev["frame"].values, ev["n_events"].values
        names = {"RAWX": "rawx", "RAWY": "rawy", "CCDNR": "ccd", "PI": "pi"}
        columns = {name: ev[src].values for name, src in names.items()}
        # an exposure's start and frame time, from any of its headers: events whose own frame header was
        # lost are still timed (and the processing knows their frame is incomplete); without any header of
        # their exposure they cannot be, and are counted in attrs["untimed_events"]
        exposure_header = {int(e): k for k, e in enumerate(fh["exposure_id"].values)}
        for i in range(ev.sizes["packet"]):
            key = int(ev_exp[i]) * 2**32 + int(ev_frame[i])
            j = np.searchsorted(sorted_keys, key)
            n = int(ev_n[i])
            if j < fkey.size and sorted_keys[j] == key:
                h = order[j]
                received[h] += n
            elif int(ev_exp[i]) in exposure_header:
                h = exposure_header[int(ev_exp[i])]
            else:
                untimed += n
                continue
            f = float(ev_frame[i])
            cols["TIME"].append(np.full(n, tstart[h] + (f + 0.5) * frame_s[h]))
            for name, values in columns.items():
                cols[name].append(np.asarray(values[i]).astype(np.int16))
            cols["FLAG"].append(np.full(n, sun_flags[h], dtype=np.int32))
            cols["FRAME"].append(np.full(n, int(f), dtype=np.int64))
            cols["EXPOSURE_ID"].append(np.full(n, int(ev_exp[i]), dtype=np.int64))
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
    order = np.argsort(arrays["TIME"], kind="stable")
    events = xr.Dataset({k: ("event", a[order]) for k, a in arrays.items()}, attrs={"source": "telemetry"})
    n_hdr = fh["n_events"].values.astype(np.int64)
    quality = fh["quality"].values | np.where(received < n_hdr, SXI_EVENTS_MISSING, 0).astype(np.uint8)
    frames = xr.Dataset(
        {"exposure_id": ("frame_index", fh["exposure_id"].values),
         "frame": ("frame_index", fh["frame"].values),
         "n_events": ("frame_index", n_hdr), "received": ("frame_index", received),
         "sun_flags": ("frame_index", fh["sun_flags"].values), "quality": ("frame_index", quality),
         "exposure_start": ("frame_index", exp_t), "n_frames": ("frame_index", fh["n_frames"].values),
         "frame_s": ("frame_index", frame_s)},
        coords={"time": ("frame_index", fh["time"].values)},
        attrs={"untimed_events": untimed},
    )  # fmt: skip
    return events, frames


def uvi_images(l0, config=None) -> list[xr.DataArray]:
    """UVI images as :func:`~smilekit.instruments.uvi.simulate_image` returns them (DN), one per image.

    Rows lost in the link are :data:`UVI_FILL` and counted in ``attrs["missing_rows"]``
    (``attrs["telemetry_quality"]`` has :data:`UVI_ROWS_MISSING`): mask them before
    :func:`~smilekit.instruments.uvi.make_l1`, which would read the fill as a DN. Coordinates: the
    configuration's tangent-plane pixel centres (for an image of its size).
    """
    from smilekit.instruments.uvi.config import UVIConfig
    from smilekit.instruments.uvi.detector import tangent_centres_deg_values

    v = UVIConfig.resolve(config).values
    ds = _need(l0, "uvi_image")
    # one image per (on-board time, image number): 32 + 16 + 16 bits, unsigned (a coarse time >= 2^31 s
    # would overflow a signed key)
    key = ds["obt_coarse"].values.astype(np.uint64) << np.uint64(32)
    key |= ds["obt_fine"].values.astype(np.uint64) << np.uint64(16)
    key |= ds["image_id"].values.astype(np.uint64)
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(key[order]) != 0])
    images = []
    first, rows, words, data = (ds[k].values for k in ("first_row", "n_rows", "word_bytes", "data"))
    for idx in np.split(order, starts[1:]) if key.size else []:
        parts = [
            (int(first[i]), int(rows[i]), int(words[i]), np.asarray(data[i], dtype=np.uint8).tobytes())
            for i in idx
        ]
        blocks = []
        for r0, nr, word, block in parts:
            raw = inflate_words(block, ">i2" if word == 2 else ">i4")
            blocks.append((r0, raw.reshape(nr, -1)))
        i0 = idx[0]
        n_rows, n_cols = int(ds["image_rows"].values[i0]), int(ds["image_cols"].values[i0])
        image = np.full((n_rows, n_cols), UVI_FILL, dtype=np.int64)
        got = np.zeros(n_rows, dtype=bool)
        for r0, b in blocks:
            image[r0 : r0 + b.shape[0]] = b
            got[r0 : r0 + b.shape[0]] = True
        quality = int(np.bitwise_or.reduce(ds["quality"].values[idx])) | (
            0 if got.all() else UVI_ROWS_MISSING
        )
        centres = tangent_centres_deg_values(v.pixels, v.fov_deg)
        coords = {"eta": centres, "xi": centres} if image.shape == (v.pixels, v.pixels) else {}
        images.append(xr.DataArray(image, dims=("eta", "xi"), coords=coords, attrs={
            "units": "DN", "exposure_s": float(ds["exposure_ms"].values[i0]) / 1000.0,
            "n_frames": int(ds["n_frames"].values[i0]), "time": str(ds["time"].values[i0]),
            "image_id": int(ds["image_id"].values[i0]), "missing_rows": int((~got).sum()),
            "telemetry_quality": quality, "source": "telemetry"}))  # fmt: skip
    return images


def hk(l0) -> xr.Dataset:
    """Platform housekeeping as :func:`~smilekit.telemetry.packetise.housekeeping` returns it, with the
    packets' ``telemetry_quality``."""
    from smilekit.telemetry.packetise import hk_dataset

    ds = _need(l0, "hk_platform")
    columns = (ds[k].values for k in ("time", "quaternion", "mode", "sxi_shutter_open", "temperature"))
    return hk_dataset(*columns, telemetry_quality=ds["quality"].values, source="telemetry")
