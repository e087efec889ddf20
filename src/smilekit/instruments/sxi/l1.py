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
  ORIGIN    I      simulation truth: 0 SWCX, 1 3/4 keV sky, 2 1/4 keV sky, 3 particle, 4 stray light
  ========  =====  ==================================================================================

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

from smilekit.errors import InputError
from smilekit.imaging.gnomonic import tangent_plane_wcs_values
from smilekit.instruments.sxi.config import SXIConfig, ccd_rectangles

__all__ = [
    "COLUMNS",
    "MJDREF",
    "TIME_ZERO",
    "EventList",
    "celestial_parameters",
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
    "ORIGIN": ("I", "i2", "", "simulation truth: 0 SWCX 1 xrb3/4 2 xrb1/4 3 particle 4 stray"),
}

#: FLAG bits.
FLAG_EDGE, FLAG_SUN_NEAR, FLAG_SUN_IN_FOV = 1, 2, 4

#: ORIGIN codes.
ORIGINS = {"swcx": 0, "xrb_3/4keV": 1, "xrb_1/4keV": 2, "particle": 3, "stray": 4}


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
