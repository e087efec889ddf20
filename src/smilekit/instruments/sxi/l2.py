"""SXI ground processing to level 2: band selection, exposure, vignetting and background maps, foreground.

From an :class:`~smilekit.instruments.sxi.l1.EventList`, :func:`make_l2` bins the events of one energy band
onto a sky grid and into time bins (1 or 5 min, :data:`CADENCES`), and models each pixel:

* the sky grid is regular on the tangent plane about the boresight, ``xi = (180/pi) tan u`` and
  ``eta = (180/pi) tan v`` (deg), the pixels of a FITS TAN projection (see
  :mod:`~smilekit.instruments.sxi.l1`);
  its 1-D coordinates ``u = atan(xi)`` and ``v = atan(eta)`` are the FOV angles of the SXI convention;
* ``coverage``: the fraction of the pixel's focal-plane box on a CCD inside the FOV frame; ``solid_angle``:
  its exact solid angle; ``vignetting``: the vignetting at its centre;
* ``exposure`` (s): the good time in the time bin times the coverage (not vignetted);
* ``background_<component>`` (counts): each background in the band — the astrophysical sky
  (ROSAT 3/4 keV along each direction and the uniform 1/4 keV, through the band response and the
  vignetting, convolved with the PSF on a finer grid that extends beyond the field), the particle
  background (per cm^2 of detector, not vignetted) and the stray light — and their sum ``background``.
  With ``background="fitted"`` (the default) the particle level of each time bin is measured from the
  events above the optic's response and the sky model's level is fitted on clean sky
  (:mod:`~smilekit.instruments.sxi.background_fit`, which states the assumptions and where they fail);
  with ``background="model"`` the configuration's levels are taken as exact (simulation studies);
* ``foreground = (counts - background) / (exposure * solid_angle * vignetting * C)`` in
  keV cm^-2 s^-1 sr^-1, with C the SWCX counts per unit energy intensity in the band
  (:func:`~smilekit.instruments.sxi.response.counts_per_intensity`: photon-weighted mean energy, effective
  area, QE and the fraction measured in the band), and ``foreground_error`` the same scaling of
  ``sqrt(max(counts, 1) + var_b)``, the Poisson error and the variance of the fitted background of the
  pixel (0 for "model": exact levels). The background errors of the pixels are correlated (one particle
  level per time bin, one sky level); ``var_b`` is each pixel's own.

The PSF is not deconvolved: the foreground is the PSF-smoothed intensity, exact for a linear intensity
gradient (the PSF is symmetric) and biased within the PSF wings of sharp features and of the edges of
the field. Pixels with a small coverage lose the PSF wings of their neighbours off the CCD; keep
``coverage >= 0.9`` for science.

The result is written as FITS by :func:`smilekit.products.sxi_fits.write_l2` and read back by
:func:`smilekit.products.sxi_fits.read_l2`.
"""

from __future__ import annotations

import itertools
import math

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter1d

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.sxi.background import particle_rate_values, stray_rate_values, xrb_spectra
from smilekit.instruments.sxi.background_fit import (
    CLEAN_DISTANCE,
    MIN_PARTICLE_COUNTS,
    as_particle_band,
    check_particle_band,
    clean_sky_values,
    fit_level_values,
    particle_counts_values,
    science_band_width,
    shape_integral_values,
)
from smilekit.instruments.sxi.config import ccd_rectangles
from smilekit.instruments.sxi.l1 import (
    MJDREF,
    TIME_ZERO,
    EventList,
    celestial_parameters,
)
from smilekit.instruments.sxi.psf import psf_components_values, vignetting_values
from smilekit.instruments.sxi.response import band_edges_values, counts_per_intensity_values
from smilekit.instruments.sxi.simulate import (
    XRB_MARGIN_SIGMAS,
    XRB_STEP_DEG,
    pixel_solid_angle_values,
    tangent_edges_values,
    tangent_grid,
    xrb_intensity_values,
)
from smilekit.instruments.sxi.spectrum import band_limits
from smilekit.units import RE

__all__ = ["BACKGROUND_METHODS", "CADENCES", "QUALITY", "make_l2"]

#: The L2 cadences of the issue: 1 min and 5 min.
CADENCES = (1.0 * u.min, 5.0 * u.min)

#: Time-bin quality bits.
QUALITY = {
    "partial_exposure": 1,
    "sun_near": 2,
    "sun_in_fov": 4,
    "particle_few_counts": 8,
    "sky_level_from_map": 16,
}

#: Background methods of :func:`make_l2`: levels fitted to the data, or the configuration's taken as exact.
BACKGROUND_METHODS = ("fitted", "model")

_INTENSITY = "keV cm-2 s-1 sr-1"
_COMPONENTS = ("xrb_3/4keV", "xrb_1/4keV", "particle", "stray")


def _overlap(lo, hi, a, b):
    return np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)


def make_l2(
    events,
    *,
    band="broad",
    cadence=5.0 * u.min,
    pixel=0.25 * u.deg,
    backgrounds=None,
    background="fitted",
    particle_band=None,
    particle_spectrum=None,
    sky_region=None,
    clean_distance=CLEAN_DISTANCE,
    sky_level=None,
) -> xr.Dataset:
    """Level-2 images of one energy band at one cadence from an event list (module docstring).

    Parameters
    ----------
    events : EventList
    band : str or Quantity
        A name of :data:`~smilekit.instruments.sxi.spectrum.BANDS` ("broad" 0.2-2.5 keV, "soft",
        "oxygen", "hard") or two energies; snapped to whole PI channels.
    cadence : Quantity
        Time-bin length, a whole number of CCD frames (1 and 5 min are the issue's cadences).
    pixel : Quantity
        Sky pixel on the tangent plane (default 0.25 deg).
    backgrounds : iterable of str, optional
        Background components to subtract (default all four: "xrb_3/4keV", "xrb_1/4keV", "particle",
        "stray"); the simulation's choice should be mirrored here.
    background : {"fitted", "model"}
        "fitted" (default, what a pipeline without the truth does): the particle level of each time bin
        from the events above the optic's response and the sky level fitted on clean sky
        (:mod:`~smilekit.instruments.sxi.background_fit`); "model": the configuration's levels taken as
        exact (for simulation studies).
    particle_band : Quantity, optional
        "fitted": the band of particle-only events (default 3.5 keV to the top of the PI range).
    particle_spectrum : callable, optional
        "fitted": relative particle counts per keV as a function of energy (keV); default flat.
    sky_region : array_like of bool, optional
        "fitted": the clean-sky pixels (v, u) of the L2 grid on which the sky level is fitted; default
        those whose line of sight passes farther than ``clean_distance`` from the Earth's centre.
    clean_distance : Quantity
        See ``sky_region`` (default 15 RE).
    sky_level : (float, float), optional
        "fitted": a sky level and its 1-sigma error measured elsewhere (e.g. on a frame with clean sky,
        attrs ``sky_level``, ``sky_level_error``), used instead of a fit: the way to give the sheath
        frames, which have no clean sky, a measured level.

    Returns
    -------
    xarray.Dataset
        dims ("time", "v", "u"); variables counts, exposure, background_<component>, background,
        foreground, foreground_error (time, v, u) and vignetting, coverage, solid_angle (v, u); coords
        time (bin start, UTC), time_end, u, v (deg) and xi, eta (tangent plane, deg), quality, livetime,
        and the particle level of each bin (particle_rate, particle_rate_error in ct s-1 cm-2 keV-1 and
        particle_counts, the particle-band events; "model": the configuration's level, error 0, counts
        -1). Quality bits (:data:`QUALITY`) 8 and 16 flag a particle level from fewer than 10 events and a
        sky level left at the map's (no clean sky). The
        attrs ``background_method``, ``sky_level``, ``sky_level_error``, ``sky_level_source`` ("fitted",
        "given" or "map (no clean sky)"), ``sky_pixels``,
        ``particle_band_kev``, ``particle_spectrum`` and ``stray_method`` say what was subtracted.

    Raises
    ------
    InputError
        For an unknown band, a cadence that is not a whole number of frames, a bad pixel size, an
        unknown ``background``, a particle band that overlaps the science band or collects sky photons,
        or a ``sky_region`` not of the grid's shape.

    Examples
    --------
    >>> import astropy.units as u, numpy as np, xarray as xr
    >>> from smilekit.instruments.sxi.simulate import simulate_events
    >>> sky = xr.DataArray(np.full((16, 27), 5.0), dims=("v", "u"),
    ...     coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
    ...     attrs={"units": "keV cm-2 s-1 sr-1"})
    >>> ev = simulate_events(sky, 120 * u.s, start="2026-03-20T12:00", rotation=np.eye(3)[:, [1, 2, 0]],
    ...     sc_position=[0, 0, 20] * u.Unit("RE"), rng=1, backgrounds=())
    >>> l2 = make_l2(ev, cadence=1 * u.min, pixel=1 * u.deg, backgrounds=())
    >>> l2.foreground.dims, l2.sizes["time"]
    (('time', 'v', 'u'), 2)
    """
    if not isinstance(events, EventList):
        raise InputError(f"events must be an EventList, got {type(events).__name__}")
    cfg = events.config
    v = cfg.values
    band_kev = band_limits(band)
    e_lo, e_hi = band_edges_values(*band_kev, v)
    c_lo, c_hi = round(e_lo / v.pi_width_kev), round(e_hi / v.pi_width_kev)
    components = _COMPONENTS if backgrounds is None else tuple(backgrounds)
    unknown = set(components) - set(_COMPONENTS)
    if unknown:
        raise InputError(f"unknown background components {sorted(unknown)}; choose from {_COMPONENTS}")
    cad = float(as_value(cadence, u.s, "cadence", positive=True))
    n_per = cad / v.frame_s
    if abs(n_per - round(n_per)) > 1e-9 or round(n_per) < 1:
        raise InputError(f"cadence {cad:g} s must be a whole number of CCD frames ({v.frame_s:g} s)")
    pix = float(as_value(pixel, u.deg, "pixel", positive=True))
    if background not in BACKGROUND_METHODS:
        raise InputError(f"background must be one of {BACKGROUND_METHODS}, got {background!r}")

    # sky grid on the tangent plane (deg), covering the sensitive area
    rects = ccd_rectangles(v)
    f = v.focal_mm
    xi_max = math.degrees(float(np.max(np.abs(rects[:, :2]))) / f)
    eta_max = math.degrees(float(np.max(np.abs(rects[:, 2:]))) / f)
    xi_e, eta_e = tangent_edges_values(xi_max, eta_max, pix)
    nx, ny = xi_e.size - 1, eta_e.size - 1
    xi_c, eta_c = 0.5 * (xi_e[1:] + xi_e[:-1]), 0.5 * (eta_e[1:] + eta_e[:-1])
    a_e, b_e = np.radians(xi_e), np.radians(eta_e)  # tan u, tan v at the edges
    x_e, y_e = f * a_e, f * b_e  # focal plane, mm

    # static maps (v, u)
    covered_area = np.zeros((ny, nx))  # mm^2
    for x0, x1, y0, y1 in rects:
        covered_area += np.outer(_overlap(y_e[:-1], y_e[1:], y0, y1), _overlap(x_e[:-1], x_e[1:], x0, x1))
    box_area = np.outer(np.diff(y_e), np.diff(x_e))
    coverage = covered_area / box_area
    bb_lo, aa_lo = np.meshgrid(b_e[:-1], a_e[:-1], indexing="ij")
    bb_hi, aa_hi = np.meshgrid(b_e[1:], a_e[1:], indexing="ij")
    omega = pixel_solid_angle_values(aa_lo, aa_hi, bb_lo, bb_hi)
    tv, tu = np.meshgrid(np.radians(eta_c), np.radians(xi_c), indexing="ij")
    vig = vignetting_values(tu, tv, v)

    # time bins and live time per bin from the GTIs
    t_lo, t_hi = events.tstart, events.tstop
    n_t = max(1, math.ceil((t_hi - t_lo) / cad - 1e-9))
    t_e = t_lo + np.arange(n_t + 1) * cad
    live = np.array(
        [
            float(np.sum(_overlap(events.gti[:, 0], events.gti[:, 1], a, b)))
            for a, b in itertools.pairwise(t_e)
        ]
    )
    exposure = live[:, None, None] * coverage[None]

    # counts
    col = events.columns
    sel = (col["PI"] >= c_lo) & (col["PI"] < c_hi)
    xi_ev = np.degrees(col["DETX"][sel].astype(np.float64) / f)
    eta_ev = np.degrees(col["DETY"][sel].astype(np.float64) / f)
    counts, _ = np.histogramdd((col["TIME"][sel], eta_ev, xi_ev), bins=(t_e, eta_e, xi_e))

    # background models (counts)
    t0 = TIME_ZERO + np.timedelta64(round(t_lo * 1e9), "ns")
    bkg = {}
    area_cm2 = covered_area / 100.0
    if "xrb_3/4keV" in components or "xrb_1/4keV" in components:
        rates = _xrb_rates(cfg, events.rotation, t0, pix, nx, ny, band_kev)
        for name in ("xrb_3/4keV", "xrb_1/4keV"):
            if name in components:
                bkg[name] = live[:, None, None] * rates[name][None]
    if "stray" in components:
        rate = float(stray_rate_values(events.sun_angle_deg, v, band_kev))
        bkg["stray"] = live[:, None, None] * (rate * area_cm2)[None]
    quality = np.zeros(n_t, dtype=np.int16)
    variance = np.zeros_like(counts)  # of the background estimate, per pixel (0 for exact models)
    fit_attrs = {"background_method": background, "stray_method": "model"}
    p_rate = np.full(n_t, v.particle_rate if "particle" in components else np.nan)
    p_err = np.zeros(n_t) if "particle" in components else np.full(n_t, np.nan)
    p_counts = np.full(n_t, -1, dtype=np.int64)
    if background == "model":
        if "particle" in components:
            bkg["particle"] = live[:, None, None] * (particle_rate_values(v, band_kev) * area_cm2)[None]
    else:
        if "particle" in components:  # measured only when it is subtracted
            p_kev = as_particle_band(particle_band, v)
            check_particle_band(cfg, p_kev, band_kev)
            p_counts = particle_counts_values(
                col["TIME"],
                col["PI"],
                t_e,
                (round(p_kev[0] / v.pi_width_kev), round(p_kev[1] / v.pi_width_kev)),
            )
            width_p = shape_integral_values(particle_spectrum, *p_kev)
            if width_p <= 0:
                raise InputError("particle_spectrum integrates to zero over the particle band")
            with np.errstate(divide="ignore", invalid="ignore"):
                norm = live * (float(covered_area.sum()) / 100.0) * width_p
                p_rate = np.where(norm > 0, p_counts / norm, np.nan)
                p_err = np.where(norm > 0, np.sqrt(np.maximum(p_counts, 1.0)) / norm, np.nan)
            quality[p_counts < MIN_PARTICLE_COUNTS] |= QUALITY["particle_few_counts"]
            fit_attrs.update(
                particle_band_kev=list(p_kev),
                particle_spectrum="flat" if particle_spectrum is None else "user",
            )
            width_b = science_band_width(v, band_kev, particle_spectrum)
            per_pixel = live[:, None, None] * width_b * area_cm2[None]
            bkg["particle"] = np.nan_to_num(p_rate)[:, None, None] * per_pixel
            variance += (np.nan_to_num(p_err)[:, None, None] * per_pixel) ** 2
        sky_names = [name for name in ("xrb_3/4keV", "xrb_1/4keV") if name in bkg]
        if sky_names:
            sky = sum(bkg[name] for name in sky_names)
            clean = _sky_region(sky_region, (ny, nx), xi_c, eta_c, events, clean_distance) & (coverage >= 0.5)
            other = sum((bkg[name] for name in bkg if name not in sky_names), np.zeros_like(counts))
            in_fit = np.broadcast_to(clean, counts.shape) & (live[:, None, None] > 0)
            if sky_level is not None:
                level, level_err = _given_level(sky_level)
                source = "given"
            elif float(sky[in_fit].sum()) > 0:
                source = "fitted"
                level, level_err = fit_level_values(counts[in_fit], other[in_fit], sky[in_fit])
                # the particle level's error moves the sky level: d(level) = -d(particles) / sum(sky)
                if "particle" in components:
                    particle_in_fit = np.where(in_fit, bkg["particle"], 0.0).sum(axis=(1, 2))
                    rel = np.where(p_rate > 0, p_err / np.where(p_rate > 0, p_rate, 1.0), 0.0)
                    shift = float(np.sqrt(np.sum((particle_in_fit * rel) ** 2))) / float(sky[in_fit].sum())
                    level_err = math.hypot(level_err, shift)
            else:
                level, level_err, source = 1.0, math.nan, "map (no clean sky)"
                quality |= QUALITY["sky_level_from_map"]
            for name in sky_names:
                bkg[name] = level * bkg[name]
            variance += (level_err * sky) ** 2 if math.isfinite(level_err) else 0.0
            fit_attrs.update(
                sky_level=level,
                sky_level_error=level_err,
                sky_level_source=source,
                sky_pixels=int(clean.sum()) if source == "fitted" else 0,
            )
        fit_attrs["clean_distance_re"] = float(as_value(clean_distance, RE, "clean_distance", positive=True))
    total_bkg = sum(bkg.values()) if bkg else np.zeros_like(counts)

    # foreground
    spec = cfg.spectrum
    c_swcx = counts_per_intensity_values(spec.energy_kev, spec.weight, v, band_kev)
    denom = exposure * (omega * vig * c_swcx)[None]
    with np.errstate(divide="ignore", invalid="ignore"):
        fg = np.where(denom > 0, (counts - total_bkg) / denom, np.nan)
        fg_err = np.where(denom > 0, np.sqrt(np.maximum(counts, 1.0) + variance) / denom, np.nan)

    quality[live < cad - 1e-6] |= QUALITY["partial_exposure"]
    if events.sun_angle_deg < v.sun_avoidance_deg:
        quality |= QUALITY["sun_near"]
    if events.sun_in_fov:
        quality |= QUALITY["sun_in_fov"]

    dims3, dims2 = ("time", "v", "u"), ("v", "u")
    times = TIME_ZERO + np.rint(t_e * 1e9).astype("timedelta64[ns]")
    data_vars = {
        "counts": (dims3, counts.astype(np.int32), {"units": "ct"}),
        "exposure": (dims3, exposure, {"units": "s", "long_name": "good time x coverage (not vignetted)"}),
        **{
            f"background_{name.replace('/', '_')}": (dims3, val, {"units": "ct", "component": name})
            for name, val in bkg.items()
        },
        "background": (dims3, np.asarray(total_bkg, dtype=np.float64), {"units": "ct"}),
        "foreground": (
            dims3,
            fg,
            {"units": _INTENSITY, "long_name": "SWCX intensity (background subtracted)"},
        ),
        "foreground_error": (dims3, fg_err, {"units": _INTENSITY, "long_name": "1-sigma Poisson error"}),
        "vignetting": (dims2, vig, {"units": ""}),
        "coverage": (dims2, coverage, {"units": ""}),
        "solid_angle": (dims2, omega, {"units": "sr"}),
    }
    coords = {
        "time": ("time", times[:-1]),
        "time_end": ("time", times[1:]),
        "livetime": ("time", live, {"units": "s"}),
        "quality": ("time", quality),
        "particle_rate": ("time", p_rate, {"units": "ct s-1 cm-2 keV-1", "long_name": "particle level"}),
        "particle_rate_error": ("time", p_err, {"units": "ct s-1 cm-2 keV-1"}),
        "particle_counts": ("time", p_counts, {"units": "ct", "long_name": "events in the particle band"}),
        "u": ("u", np.degrees(np.arctan(np.radians(xi_c))), {"units": "deg"}),
        "v": ("v", np.degrees(np.arctan(np.radians(eta_c))), {"units": "deg"}),
        "xi": ("u", xi_c, {"units": "deg", "long_name": "tangent-plane x, (180/pi) tan u"}),
        "eta": ("v", eta_c, {"units": "deg", "long_name": "tangent-plane y, (180/pi) tan v"}),
    }
    cel = celestial_parameters(events.rotation, pix)
    attrs = {
        "band_kev": [e_lo, e_hi],
        "cadence_s": cad,
        "pixel_deg": pix,
        "counts_per_intensity": c_swcx,
        "backgrounds": list(bkg),
        "frame": "GSE",
        "sc_position_gse_re": [float(x) for x in events.sc_position_gse_re],
        "aim_point_gse_re": [float(x) for x in events.aim_point_gse_re],
        "boresight_gse": [float(x) for x in events.rotation[:, 2]],
        "long_axis_gse": [float(x) for x in events.rotation[:, 0]],
        "sun_angle_deg": events.sun_angle_deg,
        "sun_in_fov": int(events.sun_in_fov),
        "wcs_crval": list(cel["crval"]),
        "wcs_crpix": [0.5 * nx + 0.5, 0.5 * ny + 0.5],
        "wcs_cdelt": list(cel["cdelt"]),
        "wcs_crota": cel["crota"],
        "tstart": t_lo,
        "mjdref": MJDREF,
        **fit_attrs,
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _given_level(sky_level) -> tuple[float, float]:
    try:
        level, error = (float(x) for x in sky_level)
    except (TypeError, ValueError):
        raise InputError(f"sky_level must be two numbers (level, 1-sigma error), got {sky_level!r}") from None
    if not (math.isfinite(level) and math.isfinite(error)) or level < 0 or error < 0:
        raise InputError(f"sky_level must be a finite level >= 0 and error >= 0, got {sky_level!r}")
    return level, error


def _sky_region(sky_region, shape, xi_c, eta_c, events, clean_distance) -> np.ndarray:
    """The clean-sky pixels: the user's mask (checked) or the lines of sight beyond ``clean_distance``."""
    if sky_region is not None:
        mask = np.asarray(sky_region)
        if mask.shape != shape or mask.dtype != bool:
            raise InputError(
                f"sky_region must be a boolean array of the L2 grid's shape {shape} (v, u), "
                f"got {mask.dtype} {mask.shape}"
            )
        return mask
    distance = float(as_value(clean_distance, RE, "clean_distance", positive=True))
    return clean_sky_values(xi_c, eta_c, events.rotation, events.sc_position_gse_re, distance)


def _xrb_rates(cfg, rotation, t0, pix, nx, ny, band_kev) -> dict:
    """Expected astrophysical-background count rates (ct/s) per L2 pixel, the PSF included.

    The sky is sampled on a finer tangent-plane grid (step <= 0.25 deg dividing the L2 pixel) extending
    4 wing sigmas beyond the L2 grid; the detected-photon rate of each cell (intensity x band response x
    solid angle x vignetting) is convolved with the four Gaussian PSF components (separable filters), then
    multiplied by the cell's CCD coverage and summed into the L2 pixels.
    """

    v = cfg.values
    k = math.ceil(pix / XRB_STEP_DEG - 1e-9)
    step = pix / k
    margin_pix = math.ceil(XRB_MARGIN_SIGMAS * math.degrees(v.wing_sigma_mm / v.focal_mm) / pix - 1e-9)
    xi_e, eta_e = tangent_edges_values(
        0.5 * nx * pix + margin_pix * pix, 0.5 * ny * pix + margin_pix * pix, step
    )
    grid = tangent_grid(xi_e, eta_e)
    i34, i14 = xrb_intensity_values(grid, rotation, t0, v)
    weight = grid.omega * vignetting_values(grid.tan_u, grid.tan_v, v)
    f = v.focal_mm
    x_e, y_e = f * np.radians(xi_e), f * np.radians(eta_e)
    cover = np.zeros(weight.shape)
    for x0, x1, y0, y1 in ccd_rectangles(v):
        cover += np.outer(_overlap(y_e[:-1], y_e[1:], y0, y1), _overlap(x_e[:-1], x_e[1:], x0, x1))
    cover /= np.outer(np.diff(y_e), np.diff(x_e))
    w_psf, sx, sy = psf_components_values(v)
    mm_to_cells = math.degrees(1.0 / f) / step
    spectra = xrb_spectra(cfg)
    m = margin_pix * k
    out = {}
    for name, intensity in (("xrb_3/4keV", i34), ("xrb_1/4keV", i14)):
        spec = spectra[name]
        rate = intensity * weight * counts_per_intensity_values(spec.energy_kev, spec.weight, v, band_kev)
        smoothed = np.zeros_like(rate)
        for wk, sxk, syk in zip(w_psf, sx, sy, strict=True):
            tmp = gaussian_filter1d(rate, sxk * mm_to_cells, axis=1, mode="nearest")
            smoothed += wk * gaussian_filter1d(tmp, syk * mm_to_cells, axis=0, mode="nearest")
        detected = (smoothed * cover)[m : m + ny * k, m : m + nx * k]
        out[name] = detected.reshape(ny, k, nx, k).sum(axis=(1, 3))
    return out
