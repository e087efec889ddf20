"""SXI level-1 event lists: the in-memory :class:`EventList`, its columns and its sky WCS.

Columns (:data:`COLUMNS`), one row per event:

  ========  =====  ==================================================================================
  TIME      D, s   seconds since MJDREF (UTC, no leap seconds), the middle of the event's CCD frame
  X, Y      E      sky pixel on the tangent plane about the boresight (FITS 1-based), with WCS keywords
  DETX/Y    E, mm  focal-plane position (CCD x along body X, y along body Y; origin on the boresight)
  RAWX/Y    I      CCD pixel (0-based) on its CCD
  CCDNR     I      1 (x < 0) or 2 (x > 0)
  PI        I      PI channel, floor(measured energy / channel width)
  ENERGY    E, eV  measured energy
  FLAG      J      bits: 1 within one PSF FWHM of a sensitive-area edge, 2 Sun closer than the
                   avoidance angle during the frame, 4 Sun inside the field of view
  ORIGIN    I      simulation truth: 0 SWCX, 1 3/4 keV sky, 2 1/4 keV sky, 3 particle, 4 stray light;
                   -1 unknown (events from telemetry: real data do not say where a photon came from)
  ========  =====  ==================================================================================

Events from telemetry
---------------------
The instrument telemeters RAWX, RAWY, CCDNR, PI, the frame and its Sun flags
(:func:`smilekit.telemetry.depacketise.sxi_events`); :func:`event_list_from_telemetry` derives the other
columns on the ground, as a real pipeline must. The sub-pixel position and the exact energy are not
telemetered, so DETX/DETY are the centre of the CCD pixel (error at most half a pixel,
``ccd_size / ccd_pixels / 2`` = 9.0 um by default, 0.10 of a 1-arcmin sky pixel, along each axis), X/Y
follow through the same WCS (at most half a CCD pixel's angle, 0.10 sky pixel), ENERGY is the centre of
the PI channel (error at most half a channel, 2.5 eV by default), and the edge bit of FLAG is computed
from the pixel centre (it can differ from the true position's only for events within half a pixel of the
contour one PSF FWHM inside an edge). ORIGIN is :data:`ORIGIN_UNKNOWN`.

The sky pixels (:func:`sky_wcs_parameters`) are those of a gnomonic projection about the boresight in
GSE longitude and latitude ('GSLN-TAN'/'GSLT-TAN', a FITS "xyLN/xyLT" celestial pair, Calabretta & Greisen
2002 sect. 3, :cite:`calabretta2002`): ``(X - CRPIX) * |CDELT| = (180/pi) tan(u)`` along body X and
likewise Y with tan(v).

The OGIP FITS event file of an event list is written and read by :func:`smilekit.products.sxi_fits.write_l1`
and :func:`smilekit.products.sxi_fits.read_l1`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np
from astropy.table import QTable
from astropy.wcs import WCS

from smilekit._validation import as_vector
from smilekit.errors import InputError
from smilekit.imaging.gnomonic import tangent_plane_wcs_values
from smilekit.instruments.sxi.config import SXIConfig, ccd_rectangles
from smilekit.units import RE

__all__ = [
    "COLUMNS",
    "FRAME_EVENTS_MISSING",
    "FRAME_HEADER_LOST",
    "MJDREF",
    "ORIGIN_UNKNOWN",
    "TIME_ZERO",
    "EventList",
    "ccd_pixel_values",
    "celestial_parameters",
    "edge_flag_values",
    "event_list_from_telemetry",
    "pixel_centre_values",
    "sky_pixel_values",
    "sky_wcs_parameters",
]

#: The time reference of the event lists: 2000-01-01T00:00:00 UTC (MJD 51544).
TIME_ZERO = np.datetime64("2000-01-01T00:00:00", "ns")
#: MJD of :data:`TIME_ZERO`.
MJDREF = 51544.0

#: Event columns: name -> (FITS format, numpy dtype, unit, description).
COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "TIME": ("D", "f8", "s", "middle of the CCD frame, seconds since MJDREF (UTC)"),
    "X": ("E", "f4", "pixel", "sky x on the tangent plane (FITS pixel)"),
    "Y": ("E", "f4", "pixel", "sky y on the tangent plane (FITS pixel)"),
    "DETX": ("E", "f4", "mm", "focal-plane x (body X)"),
    "DETY": ("E", "f4", "mm", "focal-plane y (body Y)"),
    "RAWX": ("I", "i2", "pixel", "CCD column (0-based)"),
    "RAWY": ("I", "i2", "pixel", "CCD row (0-based)"),
    "CCDNR": ("I", "i2", "", "CCD number"),
    "PI": ("I", "i2", "chan", "PI channel"),
    "ENERGY": ("E", "f4", "eV", "measured energy"),
    "FLAG": ("J", "i4", "", "event flags (bits: 1 edge, 2 Sun near, 4 Sun in FOV)"),
    "ORIGIN": ("I", "i2", "", "sim. truth: 0 SWCX 1 xrb3/4 2 xrb1/4 3 particle 4 stray -1 unknown"),
}

#: FLAG bits.
FLAG_EDGE, FLAG_SUN_NEAR, FLAG_SUN_IN_FOV = 1, 2, 4

#: ORIGIN of an event whose source is not known: every event of real data (from telemetry).
ORIGIN_UNKNOWN = -1

#: ORIGIN codes.
ORIGINS = {"swcx": 0, "xrb_3/4keV": 1, "xrb_1/4keV": 2, "particle": 3, "stray": 4, "unknown": ORIGIN_UNKNOWN}

#: The longest exposure a frame header may claim: one orbit, 51 h (the orbit period of
#: :func:`smilekit.mission.science_orbit`); more is a corrupt header, refused rather than allocated.
MAX_EXPOSURE_S = 51 * 3600.0

#: Frame quality bits of :func:`event_list_from_telemetry`'s frame table (a frame with any is out of the
#: GTIs and its events are dropped): the frame header never arrived, or fewer events arrived than it counts
#: (the value of :data:`smilekit.telemetry.depacketise.SXI_EVENTS_MISSING`).
FRAME_HEADER_LOST, FRAME_EVENTS_MISSING = 32, 16


def sky_wcs_parameters(rotation: np.ndarray, config) -> dict:
    """The sky-pixel WCS of an event list or image: gnomonic about the boresight, GSE longitude/latitude.

    Parameters
    ----------
    rotation : numpy.ndarray
        Body -> GSE rotation (3 x 3; columns the body X, Y, Z axes in GSE).
    config : SXIConfig
        Gives the pixel (``sky_pixel``) and the extent (the sensitive focal-plane area).

    Returns
    -------
    dict
        ``crval`` (boresight GSE longitude, latitude, deg), ``crpix`` (FITS, 1-based), ``cdelt``
        (signed deg per pixel, per axis), ``crota`` (deg), ``naxis`` (pixels per axis) and ``pixel``
        (deg). Pixel p maps to tangent-plane coordinates ``(p - crpix) * pixel = (180/pi) (tan u, tan v)``.
    """
    cfg = SXIConfig.resolve(config)
    v = cfg.values
    rect = ccd_rectangles(v)
    pixel = v.sky_pixel_deg
    xi_max = math.degrees(float(np.max(np.abs(rect[:, :2]))) / v.focal_mm)
    eta_max = math.degrees(float(np.max(np.abs(rect[:, 2:]))) / v.focal_mm)
    nx, ny = 2 * math.ceil(xi_max / pixel), 2 * math.ceil(eta_max / pixel)
    return {
        **celestial_parameters(rotation, pixel),
        "crpix": (0.5 * nx + 0.5, 0.5 * ny + 0.5),
        "naxis": (nx, ny),
    }


def celestial_parameters(rotation: np.ndarray, pixel: float) -> dict:
    """CRVAL, CDELT and CROTA2 of a TAN projection whose pixel axes are the body X and Y axes.

    The intermediate world coordinates of a TAN projection are (180/pi) times the tangent-plane
    coordinates, in axes fixed by the FITS conventions (Calabretta & Greisen 2002; also at the poles):
    ``intermediate = r (180/pi) (tan u, tan v)`` with the matrix r of
    :func:`~smilekit.imaging.gnomonic.tangent_plane_wcs_values` (the one home of the imagers' celestial
    WCS), written here as r = rotation(CROTA2) @ diag(sign, 1).
    """
    lon0, lat0, r = tangent_plane_wcs_values(rotation)
    s = 1.0 if np.linalg.det(r) > 0 else -1.0
    rr = r @ np.diag([s, 1.0])
    crota = math.degrees(math.atan2(rr[1, 0], rr[0, 0]))
    return {"crval": (float(lon0), float(lat0)), "cdelt": (s * pixel, pixel), "crota": crota, "pixel": pixel}


# ---------------------------------------------------------------------------------------------------
# Kernels of the focal-plane geometry (shared by the simulator and the processing of telemetry)
# ---------------------------------------------------------------------------------------------------
def _ccd_x0(ccd: np.ndarray, v) -> np.ndarray:
    """Focal-plane x (mm) of the first column of CCD 1 or 2 (the layout of :func:`ccd_rectangles`)."""
    return np.where(ccd == 1, -0.5 * v.gap_mm - v.ccd_mm, 0.5 * v.gap_mm)


def ccd_pixel_values(x: np.ndarray, y: np.ndarray, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(CCDNR, RAWX, RAWY)`` (int16) of focal-plane positions (mm): CCD 1 where x < 0, else 2;
    ``RAWX = floor((x - x0) / p)``, ``RAWY = floor((y + size / 2) / p)`` with p = size / pixels, clipped
    to the CCD."""
    ccd = np.where(x < 0.0, 1, 2).astype(np.int16)
    pix_mm = v.ccd_mm / v.ccd_pixels
    rawx = np.clip(np.floor((x - _ccd_x0(ccd, v)) / pix_mm), 0, v.ccd_pixels - 1).astype(np.int16)
    rawy = np.clip(np.floor((y + 0.5 * v.ccd_mm) / pix_mm), 0, v.ccd_pixels - 1).astype(np.int16)
    return ccd, rawx, rawy


def pixel_centre_values(ccd, rawx, rawy, v) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: focal-plane centre (mm) of CCD pixels, the inverse of :func:`ccd_pixel_values` to within
    half a pixel along each axis."""
    pix_mm = v.ccd_mm / v.ccd_pixels
    ccd = np.asarray(ccd)
    x = _ccd_x0(ccd, v) + (np.asarray(rawx, dtype=np.float64) + 0.5) * pix_mm
    y = -0.5 * v.ccd_mm + (np.asarray(rawy, dtype=np.float64) + 0.5) * pix_mm
    return x, y


def sky_pixel_values(x: np.ndarray, y: np.ndarray, wcs: dict, v) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: sky pixels X, Y (FITS, 1-based) of focal-plane positions (mm): ``CRPIX + (180/pi) (x / f) /
    pixel`` (``x / f = tan u``; ``wcs`` of :func:`sky_wcs_parameters`)."""
    sky_x = wcs["crpix"][0] + np.degrees(x / v.focal_mm) / wcs["pixel"]
    sky_y = wcs["crpix"][1] + np.degrees(y / v.focal_mm) / wcs["pixel"]
    return sky_x, sky_y


def edge_flag_values(x: np.ndarray, y: np.ndarray, rects: np.ndarray, v, ccd=None) -> np.ndarray:
    """Kernel: :data:`FLAG_EDGE` where a position lies within one PSF FWHM of its sensitive area's edge.

    Without ``ccd`` (true positions, the simulator's) the distance is to the edge of the rectangle the
    position lies in (none: not flagged). With ``ccd`` (pixel centres of telemetered events) it is the
    signed distance to the edge of that CCD's rectangle, negative outside it: a pixel that straddles the
    field-of-view frame has its centre up to half a pixel outside, and is flagged.
    """
    fwhm_mm = v.psf_sigma_mm * 2.0 * math.sqrt(2.0 * math.log(2.0))
    if ccd is not None:
        r = rects[np.asarray(ccd, dtype=np.int64) - 1]
        d = np.minimum.reduce([x - r[:, 0], r[:, 1] - x, y - r[:, 2], r[:, 3] - y])
        return np.where(d < fwhm_mm, FLAG_EDGE, 0).astype(np.int32)
    edge = np.full(np.shape(x), np.inf)
    for x_lo, x_hi, y_lo, y_hi in rects:
        inside = (x >= x_lo) & (x < x_hi) & (y >= y_lo) & (y < y_hi)
        d = np.minimum.reduce([x - x_lo, x_hi - x, y - y_lo, y_hi - y])
        edge = np.where(inside, np.minimum(edge, d), edge)
    return np.where(edge < fwhm_mm, FLAG_EDGE, 0)


@dataclass(frozen=True, eq=False)
class EventList:
    """An SXI level-1 event list (see the module docstring for the columns).

    Attributes
    ----------
    columns : dict of numpy.ndarray
        One array per name of :data:`COLUMNS`, all of one length, sorted by TIME.
    gti : numpy.ndarray
        Good time intervals (n, 2), seconds since :data:`TIME_ZERO`.
    rotation : numpy.ndarray
        Body -> GSE rotation (3 x 3) during the exposure (one attitude per event list).
    sc_position_gse_re, aim_point_gse_re : numpy.ndarray
        Spacecraft and aim point (GSE, RE); the aim point may be NaN when only the rotation was known.
    sun_angle_deg : float
        The Sun's angle from the boresight.
    sun_in_fov : bool
        The Sun lies inside the field of view: the frame is flagged (FLAG bit 4 on every event).
    config : SXIConfig
        The instrument configuration the events were simulated with.
    """

    columns: dict
    gti: np.ndarray
    rotation: np.ndarray
    sc_position_gse_re: np.ndarray
    aim_point_gse_re: np.ndarray
    sun_angle_deg: float
    sun_in_fov: bool
    config: object = field(default=None)

    def __post_init__(self):
        missing = [name for name in COLUMNS if name not in self.columns]
        if missing:
            raise InputError(f"EventList columns missing: {', '.join(missing)}")
        lengths = {len(np.asarray(self.columns[name])) for name in COLUMNS}
        if len(lengths) != 1:
            raise InputError(f"EventList columns differ in length: {sorted(lengths)}")
        cols = {name: np.asarray(self.columns[name], dtype=COLUMNS[name][1]) for name in COLUMNS}
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "gti", np.asarray(self.gti, dtype=np.float64).reshape(-1, 2))
        object.__setattr__(self, "config", SXIConfig.resolve(self.config))

    def __len__(self) -> int:
        return len(self.columns["TIME"])

    @property
    def tstart(self) -> float:
        """Start of the first GTI (s since :data:`TIME_ZERO`)."""
        return float(self.gti[:, 0].min())

    @property
    def tstop(self) -> float:
        """End of the last GTI (s since :data:`TIME_ZERO`)."""
        return float(self.gti[:, 1].max())

    @property
    def exposure(self) -> u.Quantity:
        """Total good time (live time: the CCD has no dead time between frames here)."""
        return float(np.sum(self.gti[:, 1] - self.gti[:, 0])) * u.s

    @property
    def start_time(self) -> np.datetime64:
        """UTC start as datetime64[ns]."""
        return TIME_ZERO + np.timedelta64(round(self.tstart * 1e9), "ns")

    def times(self) -> np.ndarray:
        """Event times as UTC datetime64[ns]."""
        return TIME_ZERO + np.rint(self.columns["TIME"] * 1e9).astype("timedelta64[ns]")

    def table(self):
        """The events as an astropy QTable with units."""

        t = QTable()
        for name, (_, _, unit, _) in COLUMNS.items():
            t[name] = self.columns[name] * u.Unit(unit) if unit and unit != "chan" else self.columns[name]
        return t

    def wcs_parameters(self) -> dict:
        """The sky-pixel WCS (:func:`sky_wcs_parameters`)."""
        return sky_wcs_parameters(self.rotation, self.config)

    def wcs(self):
        """The sky-pixel WCS as an astropy WCS (pixel coordinates 1-based with ``origin=1``)."""

        p = self.wcs_parameters()
        w = WCS(naxis=2)
        w.wcs.ctype = ["GSLN-TAN", "GSLT-TAN"]
        w.wcs.crval = list(p["crval"])
        w.wcs.crpix = list(p["crpix"])
        w.wcs.cdelt = list(p["cdelt"])
        w.wcs.crota = [0.0, p["crota"]]
        w.wcs.cunit = ["deg", "deg"]
        w.wcs.set()
        return w

    def select(self, mask) -> EventList:
        """The events where ``mask`` (boolean, one per event) is true; GTIs and pointing unchanged."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (len(self),):
            raise InputError(f"mask must have shape ({len(self)},), got {m.shape}")
        return dataclasses.replace(self, columns={k: a[m] for k, a in self.columns.items()})


# ---------------------------------------------------------------------------------------------------
# Level 1 from telemetry
# ---------------------------------------------------------------------------------------------------
def event_list_from_telemetry(
    events, frames, attitude, sc_position, *, config=None, exposure_id: int | None = None
):
    """The level-1 event list of one exposure from its telemetered events and frames (module docstring).

    Parameters
    ----------
    events, frames : xarray.Dataset
        :func:`smilekit.telemetry.depacketise.sxi_events` of the level 0.
    attitude : array_like or xarray.Dataset
        Body -> GSE rotation (3 x 3) during the exposure, or the housekeeping
        (:func:`smilekit.telemetry.depacketise.hk`): the mean of its finite quaternions within the
        exposure (:func:`smilekit.telemetry.attitude.exposure_rotation`).
    sc_position : Quantity
        Spacecraft position (GSE, length, shape (3,)) during the exposure, from the orbit or ephemeris.
    config : SXIConfig, optional
        The instrument (default ``SXIConfig()``); its frame time must be the frames'.
    exposure_id : int, optional
        The exposure to take when the frames hold several.

    Returns
    -------
    events : EventList
        TIME, RAWX, RAWY, CCDNR, PI and the Sun bits of FLAG as telemetered; DETX/DETY the pixel centres,
        X/Y through :func:`sky_wcs_parameters`, ENERGY the PI channel centre, the edge bit of FLAG from the
        pixel centre, ORIGIN :data:`ORIGIN_UNKNOWN`. The GTIs are the whole frames that arrived complete;
        the events of the others are dropped. ``aim_point_gse_re`` is NaN (not telemetered); the Sun's
        angle and whether it is in the field come from the attitude and position.
    frame_table : xarray.Dataset
        One row per frame of the exposure (``frame`` 0 to n - 1): ``time`` (frame start, UTC),
        ``n_events`` (the header's; -1 when it was lost), ``received``, ``quality``
        (:data:`FRAME_HEADER_LOST`, :data:`FRAME_EVENTS_MISSING`), ``in_gti``. Attrs ``frames_lost``,
        ``events_dropped`` (events of incomplete frames, not in the list), ``attitude_spread_deg`` (largest
        angle of a housekeeping attitude from the mean used), ``exposure_id``.

    Raises
    ------
    InputError
        Several exposures and no ``exposure_id`` (or an unknown one), a frame time other than the
        configuration's, no attitude within the exposure, a bad position.
    TelemetryError
        Frame headers of one exposure that disagree on its start or number of frames, or claim an exposure
        longer than :data:`MAX_EXPOSURE_S`.
    """
    import xarray as xr

    from smilekit.errors import TelemetryError
    from smilekit.instruments.sxi.background import sun_geometry_values
    from smilekit.telemetry.attitude import exposure_rotation

    cfg = SXIConfig.resolve(config)
    v = cfg.values
    ids = np.unique(frames["exposure_id"].values)
    if exposure_id is None:
        if ids.size != 1:
            raise InputError(f"the frames hold exposures {ids.tolist()}: give exposure_id= (one of them)")
        exposure_id = int(ids[0])
    if exposure_id not in ids:
        raise InputError(f"exposure_id {exposure_id} is not among the frames' exposures {ids.tolist()}")
    fr = frames.isel(frame_index=np.flatnonzero(frames["exposure_id"].values == exposure_id))
    for name in ("n_frames", "exposure_start", "frame_s"):
        if np.unique(fr[name].values).size != 1:
            raise TelemetryError(f"the frame headers of SXI exposure {exposure_id} disagree on {name}")
    n_frames = int(fr["n_frames"].values[0])
    frame_s = float(fr["frame_s"].values[0])
    if n_frames < 1 or n_frames * frame_s > MAX_EXPOSURE_S:
        raise TelemetryError(
            f"SXI exposure {exposure_id}: its headers claim {n_frames} frames of {frame_s:g} s, not an "
            f"exposure of one frame to one orbit ({MAX_EXPOSURE_S:g} s): a corrupt header"
        )
    if not math.isclose(frame_s, v.frame_s, rel_tol=1e-9):
        raise InputError(f"the frames last {frame_s:g} s, the configuration's frame_time {v.frame_s:g} s")
    start = fr["exposure_start"].values[0]
    tstart = (start - TIME_ZERO) / np.timedelta64(1, "s")
    frame_ns = round(frame_s * 1e9)
    t_end = start + np.timedelta64(n_frames * frame_ns, "ns")
    rotation, spread = exposure_rotation(attitude, start, t_end)
    position = as_vector(sc_position, RE, "sc_position")
    if position.shape != (3,):
        raise InputError(f"sc_position must be one GSE position of shape (3,), got shape {position.shape}")

    # the frames: every one of the exposure, whether its header arrived or not
    index = fr["frame"].values.astype(np.int64)
    if index.size and (index.min() < 0 or index.max() >= n_frames):
        raise TelemetryError(f"SXI exposure {exposure_id}: a frame header numbers a frame beyond {n_frames}")
    n_hdr = np.full(n_frames, -1, dtype=np.int64)
    received = np.zeros(n_frames, dtype=np.int64)
    quality = np.full(n_frames, FRAME_HEADER_LOST, dtype=np.uint8)
    n_hdr[index] = fr["n_events"].values
    received[index] = fr["received"].values
    quality[index] = np.where(fr["received"].values < fr["n_events"].values, FRAME_EVENTS_MISSING, 0)
    good = quality == 0
    edges = np.diff(np.concatenate([[0], good.astype(np.int8), [0]]))
    runs = np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])
    gti = tstart + runs * frame_s

    # the events of the exposure's complete frames
    mine = events["EXPOSURE_ID"].values == exposure_id
    frame = events["FRAME"].values.astype(np.int64)
    keep = mine & (frame >= 0) & (frame < n_frames)
    keep[keep] = good[frame[keep]]
    cols = {k: events[k].values[keep] for k in ("TIME", "RAWX", "RAWY", "CCDNR", "PI", "FLAG")}
    ccd = cols["CCDNR"].astype(np.int16)
    if ccd.size and not np.isin(ccd, (1, 2)).all():
        bad = np.unique(ccd).tolist()
        raise TelemetryError(f"SXI exposure {exposure_id}: CCDNR other than 1 or 2: {bad}")
    x, y = pixel_centre_values(ccd, cols["RAWX"], cols["RAWY"], v)
    sky_x, sky_y = sky_pixel_values(x, y, sky_wcs_parameters(rotation, cfg), v)
    flag = (cols["FLAG"].astype(np.int32) & (FLAG_SUN_NEAR | FLAG_SUN_IN_FOV)) | edge_flag_values(
        x, y, ccd_rectangles(v), v, ccd=ccd
    )
    columns = {
        "TIME": cols["TIME"],
        "X": sky_x,
        "Y": sky_y,
        "DETX": x,
        "DETY": y,
        "RAWX": cols["RAWX"],
        "RAWY": cols["RAWY"],
        "CCDNR": ccd,
        "PI": cols["PI"],
        "ENERGY": (cols["PI"].astype(np.float64) + 0.5) * v.pi_width_kev * 1e3,
        "FLAG": flag,
        "ORIGIN": np.full(ccd.size, ORIGIN_UNKNOWN, dtype=np.int16),
    }
    sun_angle, sun_in_fov = sun_geometry_values(position, rotation, v)
    ev = EventList(columns, gti, rotation, position, np.full(3, np.nan), sun_angle, sun_in_fov, cfg)
    times = start + (np.arange(n_frames) * frame_ns).astype("timedelta64[ns]")
    table = xr.Dataset(
        {
            "n_events": ("frame", n_hdr),
            "received": ("frame", received),
            "quality": ("frame", quality, {"bits": f"{FRAME_HEADER_LOST} header lost, "
                                                     f"{FRAME_EVENTS_MISSING} events missing"}),
            "in_gti": ("frame", good),
        },
        coords={"frame": np.arange(n_frames), "time": ("frame", times)},
        attrs={
            "exposure_id": int(exposure_id),
            "frames_lost": int((~good).sum()),
            "events_dropped": int((mine & ~keep).sum()),
            "attitude_spread_deg": spread,
        },
    )  # fmt: skip
    return ev, table
