"""SXI's product files: the level-1 event list and the level-2 images as FITS, written and read back.

The instrument makes the products in memory (:mod:`smilekit.instruments.sxi`): the
:class:`~smilekit.instruments.sxi.l1.EventList` of :func:`~smilekit.instruments.sxi.simulate.simulate_events`
and the Dataset of :func:`~smilekit.instruments.sxi.l2.make_l2`; this module maps them to files and back.

Level 1: :func:`write_l1`, :func:`read_l1`
------------------------------------------
OGIP/93-003 event files (Arnaud, George & Tennant, OGIP memos); FITS 4.0 for the WCS.

* Primary HDU: no data; mission keywords.
* ``EVENTS`` (binary table, HDUCLASS 'OGIP', HDUCLAS1 'EVENTS', HDUCLAS2 'ALL'), one row per event, the
  columns of :data:`~smilekit.instruments.sxi.l1.COLUMNS` (TIME, X, Y, DETX, DETY, RAWX, RAWY, CCDNR, PI,
  ENERGY, FLAG, ORIGIN; their meaning in :mod:`smilekit.instruments.sxi.l1`).

  Keywords: TELESCOP 'SMILE', INSTRUME 'SXI', TIMESYS 'UTC', MJDREFI/MJDREFF (2000-01-01T00:00 UTC),
  TIMEUNIT 's', TIMEREF 'LOCAL', TSTART, TSTOP, TIMEDEL (frame time), EXPOSURE, ONTIME, LIVETIME,
  DATE-OBS, DATE-END, TLMINn/TLMAXn of X, Y, RAWX, RAWY, CCDNR and PI, CHANTYPE 'PI', DETCHANS.
  The sky columns carry TCTYPn 'GSLN-TAN'/'GSLT-TAN' (GSE longitude and latitude, a FITS "xyLN/xyLT"
  celestial pair, Calabretta & Greisen 2002 sect. 3,
  :cite:`calabretta2002`), TCRVLn (the boresight), TCRPXn, TCDLTn and TCROTn:
  a gnomonic projection about the boresight, so ``(X - TCRPX) * |TCDLT| = (180/pi) tan(u)`` along body X
  and likewise Y with tan(v). The pointing (body axes, spacecraft and aim point in GSE) is in keywords
  BXGSE1..3, BYGSE1..3, BZGSE1..3, SCGSE1..3 (RE), AIMGSE1..3 (RE).
* ``GTI`` (HDUCLAS1 'GTI', HDUCLAS2 'STANDARD'): START, STOP (s since MJDREF).

Level 2: :func:`write_l2`, :func:`read_l2`
------------------------------------------
Image extensions FOREGROUND and UNCERT (the standard deviation, ``UTYPE = 'StdDevUncertainty'`` so that
``astropy.nddata.CCDData.read`` reads it), COUNTS, BACKGROUND, one BKG_<component> per background,
EXPOSURE, VIGNET, COVERAGE, each a cube (time, v, u) or an image (v, u) with the sky WCS (GSE
longitude/latitude, TAN) and a linear TIME third axis (s since MJDREF, bin centres), plus a TIMES table
(START, STOP, LIVETIME, QUALITY, and the particle level of each bin PRATE, PRATEERR in
ct s-1 cm-2 keV-1 and PCOUNTS, the particle-band events). The primary header says what background was
subtracted (:mod:`smilekit.instruments.sxi.background_fit`): BKGMETH ('fitted' or 'model'), SKYLEVEL and
SKYLVERR (the sky level relative to the map model, 'NaN' when not fitted), SKYSRC (where it comes from),
SKYNPIX (its clean-sky pixels), CLEANDST (RE), PBAND_LO/PBAND_HI (keV), PSPEC and STRAYMTH.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr
from astropy.io import fits
from astropy.io.fits.verify import VerifyError, VerifyWarning
from astropy.utils.exceptions import AstropyUserWarning

from smilekit._io import atomic_path
from smilekit.errors import InputError, ProductError
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.l1 import COLUMNS, MJDREF, TIME_ZERO, EventList

__all__ = ["read_l1", "read_l2", "write_l1", "write_l2"]

#: Primary-header keywords of the pointing (the L1 event file's names): key prefix, attribute, comment.
_POINTING_CARDS = (
    ("SCGSE", "sc_position_gse_re", "spacecraft GSE [RE]"),
    ("AIMGSE", "aim_point_gse_re", "SXI aim point GSE [RE]"),
    ("BZGSE", "boresight_gse", "body Z axis (boresight), GSE"),
    ("BXGSE", "long_axis_gse", "body X axis (27 deg axis), GSE"),
)
_EXTNAMES = {
    "xrb_3/4keV": "BKG_XRB34",
    "xrb_1/4keV": "BKG_XRB14",
    "particle": "BKG_PART",
    "stray": "BKG_STRAY",
}


@functools.lru_cache(maxsize=2048, typed=True)
def _formatted_card(key: str, value, comment, negative_zero: bool) -> fits.Card:
    """A card, formatted once: the products repeat most of their cards from HDU to HDU and file to file.
    The cache is typed (1, 1.0 and True stay apart) and told the sign of a zero (-0.0 == 0.0 and they hash
    alike, but astropy writes them apart)."""
    card = fits.Card(key, value, comment)
    card.image  # noqa: B018 - formats the 80 characters now
    return card


def _add_cards(header: fits.Header, cards) -> None:
    """Append ``(key, value, comment)`` cards to ``header``, copies of the cached formatted ones (astropy's
    per-card formatting and checks were most of the cost of writing a frame's files)."""
    header.extend([copy.copy(_formatted_card(*card, _negative_zero(card[1]))) for card in cards])


def _negative_zero(value) -> bool:
    return isinstance(value, float | np.floating) and value == 0.0 and math.copysign(1.0, value) < 0.0


def _pointing_cards(ev: EventList) -> list[tuple[str, float, str]]:
    cards = []
    for axis, col in (("BX", 0), ("BY", 1), ("BZ", 2)):
        for k in range(3):
            cards.append(
                (f"{axis}GSE{k + 1}", float(ev.rotation[k, col]), f"body {axis[1]} axis, GSE comp. {k + 1}")
            )
    for k in range(3):
        cards.append((f"SCGSE{k + 1}", float(ev.sc_position_gse_re[k]), "spacecraft position GSE [RE]"))
    for k in range(3):
        value = float(ev.aim_point_gse_re[k])
        cards.append((f"AIMGSE{k + 1}", value if math.isfinite(value) else "NaN", "SXI aim point GSE [RE]"))
    return cards


def _iso(seconds: float) -> str:
    t = TIME_ZERO + np.timedelta64(round(seconds * 1e9), "ns")
    return np.datetime_as_string(t, unit="ms")


def write_l1(events: EventList, path, *, overwrite: bool = False, provenance=None, losses=None) -> Path:
    """Write an :class:`EventList` as an OGIP FITS event file (module docstring).

    ``losses``, for a list made from telemetry, is the frame table's attrs of
    :func:`~smilekit.instruments.sxi.l1.event_list_from_telemetry`: its ``frames_lost`` and
    ``events_dropped`` go to the EVENTS header as ``FRMLOST`` and ``EVTDROP`` (the frames the downlink lost,
    outside the GTIs, and the events of incomplete frames left out).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ProductError
        When the file exists and ``overwrite`` is False.
    """
    if not isinstance(events, EventList):
        raise InputError(f"events must be an EventList, got {type(events).__name__}")
    path = Path(path)
    cfg = events.config
    v = cfg.values
    wcs = events.wcs_parameters()

    def common(extname):
        return [
            ("EXTNAME", extname, None),
            ("TELESCOP", "SMILE", "mission"),
            ("INSTRUME", "SXI", "instrument"),
            ("ORIGIN", "smilekit", "simulated data"),
            ("TIMESYS", "UTC", "time system"),
            ("MJDREFI", int(MJDREF), "MJD of 2000-01-01T00:00 UTC, integer part"),
            ("MJDREFF", 0.0, "MJD reference, fraction"),
            ("TIMEUNIT", "s", "time unit"),
            ("TIMEREF", "LOCAL", "times at the spacecraft"),
            ("TSTART", events.tstart, "start of the first GTI"),
            ("TSTOP", events.tstop, "end of the last GTI"),
            ("DATE-OBS", _iso(events.tstart), "UTC start"),
            ("DATE-END", _iso(events.tstop), "UTC end"),
        ]

    cols = [
        fits.Column(name=name, format=fmt, unit=unit or None, array=events.columns[name])
        for name, (fmt, _, unit, _) in COLUMNS.items()
    ]
    ev_hdu = fits.BinTableHDU.from_columns(cols)
    exposure = float(events.exposure.to_value(u.s))
    cards = [
        *common("EVENTS"),
        ("HDUCLASS", "OGIP", "format conforms to OGIP standard"),
        ("HDUCLAS1", "EVENTS", "event list"),
        ("HDUCLAS2", "ALL", "all events"),
        ("EXPOSURE", exposure, "[s] exposure (sum of GTIs)"),
        ("ONTIME", exposure, "[s] sum of GTIs"),
        ("LIVETIME", exposure, "[s] live time (no dead time modelled)"),
        ("TIMEDEL", v.frame_s, "[s] CCD frame time"),
        ("CHANTYPE", "PI", "channel type"),
        ("DETCHANS", v.pi_channels, "number of PI channels"),
        ("PICHWID", v.pi_width_kev * 1e3, "[eV] PI channel width"),
        ("FOCALLEN", v.focal_mm, "[mm] focal length"),
        ("SKYPIX", v.sky_pixel_deg, "[deg] sky pixel"),
        ("SUNANGLE", events.sun_angle_deg, "[deg] Sun to boresight"),
        ("SUNINFOV", bool(events.sun_in_fov), "Sun inside the field of view (frame flagged)"),
        *_pointing_cards(events),
    ]
    if losses is not None:
        cards.append(("FRMLOST", int(losses["frames_lost"]), "frames lost in the downlink"))
        cards.append(("EVTDROP", int(losses["events_dropped"]), "events of incomplete frames dropped"))
    index = {name: k + 1 for k, name in enumerate(COLUMNS)}
    limits = {
        "X": (0.5, wcs["naxis"][0] + 0.5),
        "Y": (0.5, wcs["naxis"][1] + 0.5),
        "RAWX": (0, v.ccd_pixels - 1),
        "RAWY": (0, v.ccd_pixels - 1),
        "CCDNR": (1, 2),
        "PI": (0, v.pi_channels - 1),
    }
    for name, (lo, hi) in limits.items():
        cards += [(f"TLMIN{index[name]}", lo, None), (f"TLMAX{index[name]}", hi, None)]
    for k, name in enumerate(("X", "Y")):
        n = index[name]
        cards += [
            (f"TCTYP{n}", ("GSLN-TAN", "GSLT-TAN")[k], "GSE longitude/latitude, gnomonic"),
            (f"TCUNI{n}", "deg", None),
            (f"TCRVL{n}", wcs["crval"][k], "boresight"),
            (f"TCRPX{n}", wcs["crpix"][k], None),
            (f"TCDLT{n}", wcs["cdelt"][k], None),
        ]
    cards.append((f"TCROT{index['Y']}", wcs["crota"], "[deg] rotation of the sky axes"))
    _add_cards(ev_hdu.header, cards)

    gti_hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="START", format="D", unit="s", array=events.gti[:, 0]),
            fits.Column(name="STOP", format="D", unit="s", array=events.gti[:, 1]),
        ]
    )
    _add_cards(
        gti_hdu.header,
        [
            *common("GTI"),
            ("HDUCLASS", "OGIP", "format conforms to OGIP standard"),
            ("HDUCLAS1", "GTI", "good time intervals"),
            ("HDUCLAS2", "STANDARD", "standard GTI"),
        ],
    )

    primary = fits.PrimaryHDU()
    _add_cards(
        primary.header, [("TELESCOP", "SMILE", None), ("INSTRUME", "SXI", None), ("ORIGIN", "smilekit", None)]
    )
    if provenance is not None:
        provenance.add_to_fits(primary.header)
    with atomic_path(path, overwrite=overwrite) as temporary:
        fits.HDUList([primary, ev_hdu, gti_hdu]).writeto(temporary, overwrite=True, output_verify="ignore")
    return path


@contextmanager
def _open_product(path, what: str) -> Iterator[fits.HDUList]:
    """Open a FITS product for reading, every HDU and its data checked to be there; a file that is missing,
    empty, not FITS, cut short (inside any HDU, the last one included) or whose contents do not read as
    ``what`` (e.g. "an SXI L2") is a :class:`~smilekit.errors.ProductError` naming the file and what is wrong.

    astropy opens a truncated file with only a warning ("File may have been truncated") and fails later
    with a bare TypeError or IndexError where the data are read; both are turned into the error here.
    """
    path = Path(path)
    if not path.is_file():
        raise ProductError(f"{path}: no such file ({what} FITS file expected)")
    if path.stat().st_size == 0:
        raise ProductError(f"{path} is empty (0 bytes), not {what} FITS file")
    try:
        with warnings.catch_warnings():
            # a cut-short file or a broken header is an error for a product, not a warning
            warnings.simplefilter("error", AstropyUserWarning)
            warnings.simplefilter("error", VerifyWarning)
            # the file opened here, so that it is closed when astropy fails half-way through opening it
            with open(path, "rb") as file, fits.open(file, lazy_load_hdus=False, memmap=False) as hdul:
                yield hdul
    except ProductError:
        raise
    except (OSError, ValueError, TypeError, IndexError, KeyError, VerifyError, Warning) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if len(reason) > 200:
            reason = reason[:197] + "..."
        raise ProductError(
            f"{path} cannot be read as {what} FITS file ({type(exc).__name__}: {reason}); expected a whole "
            f"file as smilekit writes it (size {path.stat().st_size} bytes)"
        ) from None


def read_l1(path, config=None) -> EventList:
    """Read an SXI event file written by :func:`write_l1`.

    Parameters
    ----------
    path : str or Path
    config : SXIConfig, optional
        The base configuration; the file's focal length, frame time, PI channels and sky pixel replace
        its values.

    Raises
    ------
    ProductError
        When the file is missing, empty, not FITS or cut short, or lacks the EVENTS or GTI extension, a
        column or a pointing keyword.
    """
    base = SXIConfig.resolve(config)
    with _open_product(path, "an SXI L1 event") as hdul:
        names = [hdu.name for hdu in hdul]
        if "EVENTS" not in names or "GTI" not in names:
            raise ProductError(f"{path} has no EVENTS and GTI extensions (found {names})")
        h = hdul["EVENTS"].header
        data = hdul["EVENTS"].data
        try:
            columns = {name: np.array(data[name]) for name in COLUMNS}
            gti = np.stack([np.array(hdul["GTI"].data["START"]), np.array(hdul["GTI"].data["STOP"])], axis=-1)
            rotation = np.array(
                [[h[f"{axis}GSE{k + 1}"] for axis in ("BX", "BY", "BZ")] for k in range(3)], dtype=np.float64
            )
            sc = np.array([h[f"SCGSE{k + 1}"] for k in range(3)], dtype=np.float64)
            aim = np.array([float(h[f"AIMGSE{k + 1}"]) for k in range(3)], dtype=np.float64)
            cfg = dataclasses.replace(
                base,
                focal_length=h["FOCALLEN"] * u.mm,
                frame_time=h["TIMEDEL"] * u.s,
                pi_channels=int(h["DETCHANS"]),
                pi_channel_width=h["PICHWID"] * u.eV,
                sky_pixel=h["SKYPIX"] * u.deg,
            )
            sun_angle, sun_in_fov = float(h["SUNANGLE"]), bool(h["SUNINFOV"])
        except KeyError as exc:
            raise ProductError(f"{path} is not an SXI event file: {exc}") from None
    return EventList(columns, gti, rotation, sc, aim, sun_angle, sun_in_fov, cfg)


def _wcs_cards(ds: xr.Dataset, cube: bool) -> list:
    a = ds.attrs
    cards = [
        ("CTYPE1", "GSLN-TAN", "GSE longitude, gnomonic about the boresight"),
        ("CTYPE2", "GSLT-TAN", "GSE latitude"),
        ("CUNIT1", "deg", ""),
        ("CUNIT2", "deg", ""),
        ("CRVAL1", a["wcs_crval"][0], "boresight GSE longitude"),
        ("CRVAL2", a["wcs_crval"][1], "boresight GSE latitude"),
        ("CRPIX1", a["wcs_crpix"][0], ""),
        ("CRPIX2", a["wcs_crpix"][1], ""),
        ("CDELT1", a["wcs_cdelt"][0], ""),
        ("CDELT2", a["wcs_cdelt"][1], ""),
        ("CROTA2", a["wcs_crota"], "[deg]"),
    ]
    if cube:
        cad = a["cadence_s"]
        cards += [
            ("CTYPE3", "TIME", "bin centre, s since MJDREF (UTC)"),
            ("CUNIT3", "s", ""),
            ("CRPIX3", 1.0, ""),
            ("CRVAL3", a["tstart"] + 0.5 * cad, ""),
            ("CDELT3", cad, ""),
            ("TIMESYS", "UTC", ""),
            ("MJDREFI", int(a["mjdref"]), "MJD of the time zero, integer part"),
            ("MJDREFF", 0.0, "MJD of the time zero, fraction"),
            ("DATEREF", "2000-01-01T00:00:00", "time zero (UTC)"),
        ]
    return cards


def write_l2(ds: xr.Dataset, path, *, overwrite: bool = False, provenance=None) -> Path:
    """Write a :func:`make_l2` dataset as a FITS file (module docstring). Returns the path."""
    if not isinstance(ds, xr.Dataset) or "foreground" not in ds:
        raise InputError("ds must be a Dataset made by make_l2")
    path = Path(path)
    primary = fits.PrimaryHDU()
    h = primary.header
    cards = [
        ("TELESCOP", "SMILE", None),
        ("INSTRUME", "SXI", None),
        ("ORIGIN", "smilekit", None),
        ("E_MIN", ds.attrs["band_kev"][0], "[keV] band low edge"),
        ("E_MAX", ds.attrs["band_kev"][1], "[keV] band high edge"),
        ("CADENCE", ds.attrs["cadence_s"], "[s] time bin"),
        ("CNTPERI", ds.attrs["counts_per_intensity"], "[ct cm2 keV-1] SWCX counts per unit intensity"),
        ("SUNANGLE", ds.attrs["sun_angle_deg"], "[deg]"),
        ("SUNINFOV", bool(ds.attrs["sun_in_fov"]), None),
        *_background_cards(ds.attrs),
    ]
    for key, name, comment in _POINTING_CARDS:
        for k in range(3):
            value = float(ds.attrs[name][k])
            cards.append((f"{key}{k + 1}", value if math.isfinite(value) else "NaN", comment))
    _add_cards(h, cards)
    if provenance is not None:
        provenance.add_to_fits(h)
    hdus = [primary]
    wcs2, wcs3 = _wcs_cards(ds, False), _wcs_cards(ds, True)

    def image(name, var, hduclas2, hduclas3, extra=()):
        data = ds[var].values
        cube = data.ndim == 3
        hdu = fits.ImageHDU(
            np.asarray(data, dtype=np.float32 if data.dtype.kind == "f" else np.int32), name=name
        )
        cards = [
            ("HDUCLASS", "OGIP", None),
            ("HDUCLAS1", "IMAGE", None),
            ("HDUCLAS2", hduclas2, None),
            ("HDUCLAS3", hduclas3, None),
            ("BUNIT", ds[var].attrs.get("units", ""), None),
            ("TELESCOP", "SMILE", None),
            ("INSTRUME", "SXI", None),
            *(wcs3 if cube else wcs2),
            *((key, value, None) for key, value in extra),
        ]
        _add_cards(hdu.header, cards)
        hdus.append(hdu)

    image("FOREGROUND", "foreground", "NET", "INTENSITY")
    image("UNCERT", "foreground_error", "NET", "ERROR", [("UTYPE", "StdDevUncertainty")])
    image("COUNTS", "counts", "TOTAL", "COUNT")
    image("BACKGROUND", "background", "BKG", "COUNT")
    for name in ds.attrs["backgrounds"]:
        image(_EXTNAMES[name], f"background_{name.replace('/', '_')}", "BKG", "COUNT", [("COMPONT", name)])
    image("EXPOSURE", "exposure", "EXPOSURE", "TIME")
    image("VIGNET", "vignetting", "VIGNETTING", "RELATIVE")
    image("COVERAGE", "coverage", "COVERAGE", "FRACTION")
    image("SOLIDANG", "solid_angle", "SOLIDANGLE", "SR")
    t0 = (ds.time.values - TIME_ZERO) / np.timedelta64(1, "s")
    t1 = (ds.time_end.values - TIME_ZERO) / np.timedelta64(1, "s")
    times = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="START", format="D", unit="s", array=t0),
            fits.Column(name="STOP", format="D", unit="s", array=t1),
            fits.Column(name="LIVETIME", format="D", unit="s", array=ds.livetime.values),
            fits.Column(name="QUALITY", format="I", array=ds.quality.values),
            *(
                fits.Column(name=col, format=fmt, unit=unit, array=ds[name].values)
                for col, name, fmt, unit in _PARTICLE_COLUMNS
                if name in ds.coords
            ),
        ],
        name="TIMES",
    )
    _add_cards(
        times.header, [("TIMESYS", "UTC", None), ("MJDREFI", int(MJDREF), None), ("MJDREFF", 0.0, None)]
    )
    hdus.append(times)
    with atomic_path(path, overwrite=overwrite) as temporary:
        fits.HDUList(hdus).writeto(temporary, overwrite=True, output_verify="ignore")
    return path


def read_l2(path) -> xr.Dataset:
    """Read an L2 FITS file written by :func:`write_l2` into a Dataset.

    The main variables and coords, the solid angle, and the pointing attributes (spacecraft position, aim
    point, body axes, SWCX counts per intensity, Sun angle) that :mod:`smilekit.science` needs.

    Raises
    ------
    ProductError
        When the file is missing, empty, not FITS or cut short, or lacks an extension or keyword it needs.
    """
    with _open_product(path, "an SXI L2") as hdul:
        names = {hdu.name for hdu in hdul}
        needed = {"FOREGROUND", "UNCERT", "COUNTS", "BACKGROUND", "EXPOSURE", "VIGNET", "COVERAGE", "TIMES"}
        if not needed <= names:
            raise ProductError(f"{path} is not an SXI L2 file: missing {sorted(needed - names)}")
        h = hdul["FOREGROUND"].header
        nx, ny = h["NAXIS1"], h["NAXIS2"]
        xi = (np.arange(1, nx + 1) - h["CRPIX1"]) * abs(h["CDELT1"])
        eta = (np.arange(1, ny + 1) - h["CRPIX2"]) * abs(h["CDELT2"])
        t = hdul["TIMES"].data
        start = TIME_ZERO + np.rint(np.array(t["START"]) * 1e9).astype("timedelta64[ns]")
        stop = TIME_ZERO + np.rint(np.array(t["STOP"]) * 1e9).astype("timedelta64[ns]")
        dims3, dims2 = ("time", "v", "u"), ("v", "u")
        data_vars = {
            "foreground": (dims3, np.array(hdul["FOREGROUND"].data, dtype=np.float64), {"units": h["BUNIT"]}),
            "foreground_error": (
                dims3,
                np.array(hdul["UNCERT"].data, dtype=np.float64),
                {"units": h["BUNIT"]},
            ),
            "counts": (dims3, np.array(hdul["COUNTS"].data), {"units": "ct"}),
            "background": (dims3, np.array(hdul["BACKGROUND"].data, dtype=np.float64), {"units": "ct"}),
            "exposure": (dims3, np.array(hdul["EXPOSURE"].data, dtype=np.float64), {"units": "s"}),
            "vignetting": (dims2, np.array(hdul["VIGNET"].data, dtype=np.float64), {"units": ""}),
            "coverage": (dims2, np.array(hdul["COVERAGE"].data, dtype=np.float64), {"units": ""}),
        }
        if "SOLIDANG" in names:
            omega = np.array(hdul["SOLIDANG"].data, dtype=np.float64)
            data_vars["solid_angle"] = (dims2, omega, {"units": "sr"})
        coords = {
            "time": ("time", start),
            "time_end": ("time", stop),
            "livetime": ("time", np.array(t["LIVETIME"]), {"units": "s"}),
            "quality": ("time", np.array(t["QUALITY"])),
            "u": ("u", np.degrees(np.arctan(np.radians(xi))), {"units": "deg"}),
            "v": ("v", np.degrees(np.arctan(np.radians(eta))), {"units": "deg"}),
            "xi": ("u", xi, {"units": "deg"}),
            "eta": ("v", eta, {"units": "deg"}),
        }
        p = hdul[0].header
        attrs = {
            "band_kev": [p["E_MIN"], p["E_MAX"]],
            "cadence_s": p["CADENCE"],
            "pixel_deg": abs(h["CDELT2"]),
        }
        for key, name in (("CNTPERI", "counts_per_intensity"), ("SUNANGLE", "sun_angle_deg")):
            if key in p:
                attrs[name] = float(p[key])
        if "SUNINFOV" in p:
            attrs["sun_in_fov"] = int(p["SUNINFOV"])
        for key, name, _comment in _POINTING_CARDS:
            if f"{key}1" in p:
                attrs[name] = [float(p[f"{key}{k + 1}"]) for k in range(3)]
        attrs["frame"] = "GSE"
        attrs.update(_background_attrs(p))
        for col, name, _fmt, unit in _PARTICLE_COLUMNS:
            if col in t.columns.names:
                coords[name] = ("time", np.array(t[col]), {"units": unit})
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


#: The particle level of each time bin in the TIMES table: column, coordinate, format, unit.
_PARTICLE_COLUMNS = (
    ("PRATE", "particle_rate", "D", "ct s-1 cm-2 keV-1"),
    ("PRATEERR", "particle_rate_error", "D", "ct s-1 cm-2 keV-1"),
    ("PCOUNTS", "particle_counts", "K", "ct"),
)

#: Primary-header keywords of the background estimate: key, attribute, comment.
_BACKGROUND_CARDS = (
    ("BKGMETH", "background_method", "background levels: fitted to the data or model"),
    ("SKYLEVEL", "sky_level", "fitted sky level / sky model"),
    ("SKYLVERR", "sky_level_error", "1-sigma error of SKYLEVEL"),
    ("SKYSRC", "sky_level_source", "where the sky level comes from"),
    ("SKYNPIX", "sky_pixels", "clean-sky pixels of the sky-level fit"),
    ("CLEANDST", "clean_distance_re", "[RE] clean sky: line of sight beyond"),
    ("PSPEC", "particle_spectrum", "particle spectral shape assumed"),
    ("STRAYMTH", "stray_method", "stray light: model (Sun angle)"),
)


def _background_cards(attrs) -> list:
    cards = []
    for key, name, comment in _BACKGROUND_CARDS:
        if name in attrs:
            value = attrs[name]
            if isinstance(value, float) and not math.isfinite(value):
                value = "NaN"
            cards.append((key, value, comment))
    if "particle_band_kev" in attrs:
        cards.append(("PBAND_LO", float(attrs["particle_band_kev"][0]), "[keV] particle band low edge"))
        cards.append(("PBAND_HI", float(attrs["particle_band_kev"][1]), "[keV] particle band high edge"))
    return cards


def _background_attrs(header) -> dict:
    attrs = {}
    for key, name, _comment in _BACKGROUND_CARDS:
        if key in header:
            value = header[key]
            attrs[name] = float("nan") if value == "NaN" else value
    if "PBAND_LO" in header and "PBAND_HI" in header:
        attrs["particle_band_kev"] = [float(header["PBAND_LO"]), float(header["PBAND_HI"])]
    return attrs
