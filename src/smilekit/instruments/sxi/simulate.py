"""SXI photon-event simulation: Poisson events over an exposure from a sky image and the backgrounds.

Input sky image
---------------
An xarray DataArray with dims ("v", "u") (u along body +X, the 27 deg axis; v along body +Y), coordinates
in deg at the pixel centres (increasing or decreasing, regular or not), values in keV cm^-2 s^-1 sr^-1
(``attrs["units"]``), as made by :func:`smilekit.instruments.sxi.sky.intensity_map`. Pixel edges are the
midpoints between centres (half a spacing beyond the ends). The pointing comes from the keyword arguments
or from the attrs: ``time`` (ISO), ``sc_position_gse_re``, and the body axes ``boresight_gse`` and
``long_axis_gse`` (or ``aim_point_gse_re``, then the attitude law of
:func:`smilekit.mission.pointing.attitude_values` with the long axis towards the Earth). Photons come only
from the image: a sky that stops at the FOV edge loses what the PSF wings would have scattered in from
outside, so an image that should conserve flux at the edges must extend beyond the detector by the PSF
wings (about 3 deg).

Chain (each source "layer": the SWCX image, the 3/4 keV and 1/4 keV astrophysical sky)
--------------------------------------------------------------------------------------
The astrophysical sky is not limited to the input image: it is sampled on its own tangent-plane grid
(0.25 deg pixels) covering the sensitive area plus 4 PSF-wing sigmas.

1. Expected photons detected per sky pixel before the energy cuts:
   ``mu = I * Omega * V * T * sum(w A QE) / sum(w E)`` (I the energy intensity, Omega the pixel's exact
   solid angle in the gnomonic projection, V the vignetting at the pixel centre, T the exposure; the last
   factor converts energy intensity to detected photons with the layer's photon-weighted mean energy, see
   :mod:`~smilekit.instruments.sxi.response`). Counts per pixel are Poisson(mu).
2. Each photon is placed uniformly in the pixel's focal-plane box ``f (tan u, tan v)``, offset by the PSF
   (:mod:`~smilekit.instruments.sxi.psf`), and kept if it lands on a CCD inside the FOV frame.
3. Its true energy is a line of the layer's spectrum drawn with probability ``w A(E) QE``; the measured
   energy adds Gaussian noise of the energy resolution; PI = floor(E / channel width); events below the
   threshold or above the top channel are dropped.
4. Its time is the middle of a CCD frame drawn uniformly among the ``floor(T / frame time)`` frames.

Particle and stray-light events are uniform over the sensitive area with flat measured-energy spectra
(:mod:`~smilekit.instruments.sxi.background`). :func:`expected_counts` gives the expected number of events
of each layer analytically (Gaussian-box integrals over the CCD rectangles, the resolution as normal CDFs),
so the simulation can be checked against it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_generator, as_rotation, as_value, as_vector, whole_frames
from smilekit.errors import InputError
from smilekit.instruments.sxi.background import (
    particle_rate_values,
    r12_intensity_value,
    r45_to_intensity_values,
    rosat_r45_values,
    stray_rate_values,
    sun_geometry_values,
    xrb_spectra,
)
from smilekit.instruments.sxi.config import SXIConfig, ccd_rectangles
from smilekit.instruments.sxi.l1 import (
    FLAG_SUN_IN_FOV,
    FLAG_SUN_NEAR,
    ORIGINS,
    TIME_ZERO,
    EventList,
    ccd_pixel_values,
    edge_flag_values,
    sky_pixel_values,
    sky_wcs_parameters,
)
from smilekit.instruments.sxi.psf import box_probability_values, psf_offsets_values, vignetting_values
from smilekit.instruments.sxi.response import (
    band_edges_values,
    effective_area_values,
    measured_fraction_values,
    sigma_values,
)
from smilekit.instruments.sxi.spectrum import band_limits
from smilekit.mission.pointing import attitude_values
from smilekit.times import as_datetime64
from smilekit.units import RE, SXI_INTENSITY

__all__ = ["BACKGROUNDS", "expected_counts", "pixel_solid_angle_values", "simulate_events", "tangent_grid"]

#: Background families that :func:`simulate_events` can add.
BACKGROUNDS = ("xrb", "particle", "stray")


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------
def _corner(a, b):
    return np.arctan(a * b / np.sqrt(1.0 + a * a + b * b))


def pixel_solid_angle_values(a_lo, a_hi, b_lo, b_hi) -> np.ndarray:
    """Kernel: exact solid angle (sr) of tangent-plane rectangles ``a = tan u``, ``b = tan v``.

    The gnomonic area element is ``da db / (1 + a^2 + b^2)^(3/2)``, whose integral over a rectangle is
    ``F(a2, b2) - F(a1, b2) - F(a2, b1) + F(a1, b1)`` with ``F(a, b) = atan(a b / sqrt(1 + a^2 + b^2))``.
    """
    return _corner(a_hi, b_hi) - _corner(a_lo, b_hi) - _corner(a_hi, b_lo) + _corner(a_lo, b_lo)


def _edges(centres: np.ndarray, name: str, pixel: float | None) -> np.ndarray:
    if centres.size == 1:
        if pixel is None:
            raise InputError(f"a sky image with one {name} pixel needs attrs['pixel_deg'] to know its size")
        return np.array([centres[0] - 0.5 * pixel, centres[0] + 0.5 * pixel])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


class _Grid(NamedTuple):
    intensity: np.ndarray  # (nv, nu) keV cm^-2 s^-1 sr^-1
    u_deg: np.ndarray
    v_deg: np.ndarray
    a_lo: np.ndarray  # (nv, nu) tan edges
    a_hi: np.ndarray
    b_lo: np.ndarray
    b_hi: np.ndarray
    omega: np.ndarray  # (nv, nu) sr
    tan_u: np.ndarray  # (nv, nu) centres
    tan_v: np.ndarray


def sky_grid(sky: xr.DataArray) -> _Grid:
    """Check a sky image and return its values, pixel edges (tan u, tan v), solid angles and centres."""
    if not isinstance(sky, xr.DataArray):
        raise InputError(f"sky must be an xarray DataArray with dims ('v', 'u'), got {type(sky).__name__}")
    if set(sky.dims) != {"u", "v"}:
        raise InputError(f"sky must have dims ('v', 'u') (angles in deg), got {sky.dims}")
    unit = sky.attrs.get("units")
    if unit is None:
        raise InputError("sky.attrs['units'] is missing; give the intensity unit, e.g. 'keV cm-2 s-1 sr-1'")
    try:
        scale = u.Unit(unit).to(SXI_INTENSITY)
    except (ValueError, u.UnitConversionError):
        raise InputError(f"sky has units {unit!r}, which do not convert to keV cm-2 s-1 sr-1") from None
    sky = sky.transpose("v", "u")
    if sky.sizes["u"] < 1 or sky.sizes["v"] < 1:
        raise InputError("sky is empty")
    coords = {}
    for name in ("u", "v"):
        c = sky.coords.get(name)
        if c is None:
            raise InputError(f"sky has no {name!r} coordinate (angles in deg)")
        c_unit = u.Unit(c.attrs.get("units", "deg"))
        if c_unit.physical_type != "angle":
            raise InputError(f"sky coordinate {name!r} must be an angle, has units {c_unit}")
        coords[name] = np.asarray(c.values, dtype=np.float64) * c_unit.to(u.deg)
    values = np.asarray(sky.values, dtype=np.float64) * scale
    if not np.isfinite(values).all():
        raise InputError(f"sky contains {int((~np.isfinite(values)).sum())} non-finite intensities")
    if (values < 0).any():
        raise InputError(f"sky contains negative intensities (minimum {values.min():g} keV cm-2 s-1 sr-1)")
    order = {}
    for name in ("u", "v"):
        c = coords[name]
        if not np.isfinite(c).all() or (np.abs(c) >= 90.0).any():
            raise InputError(f"sky coordinate {name!r} must be finite angles within (-90, 90) deg")
        idx = np.argsort(c)
        if np.any(np.diff(c[idx]) <= 0):
            raise InputError(f"sky coordinate {name!r} has repeated values")
        order[name] = idx
    values = values[np.ix_(order["v"], order["u"])]
    cu, cv = coords["u"][order["u"]], coords["v"][order["v"]]
    pixel = sky.attrs.get("pixel_deg")
    pix = np.atleast_1d(np.asarray(pixel, dtype=np.float64)) if pixel is not None else None
    eu = _edges(cu, "u", None if pix is None else float(pix[0]))
    ev = _edges(cv, "v", None if pix is None else float(pix[-1]))
    if (np.abs(eu) >= 90).any() or (np.abs(ev) >= 90).any():
        raise InputError("sky pixels must lie within 90 deg of the boresight")
    tu, tv = np.tan(np.radians(eu)), np.tan(np.radians(ev))
    b_lo, a_lo = np.meshgrid(tv[:-1], tu[:-1], indexing="ij")
    b_hi, a_hi = np.meshgrid(tv[1:], tu[1:], indexing="ij")
    cv2, cu2 = np.meshgrid(np.tan(np.radians(cv)), np.tan(np.radians(cu)), indexing="ij")
    omega = pixel_solid_angle_values(a_lo, a_hi, b_lo, b_hi)
    return _Grid(values, cu, cv, a_lo, a_hi, b_lo, b_hi, omega, cu2, cv2)


# ---------------------------------------------------------------------------------------------------
# Pointing and inputs
# ---------------------------------------------------------------------------------------------------
def _attr_vector(attrs, key):
    value = attrs.get(key)
    if value is None:
        return None
    a = np.asarray(value, dtype=np.float64)
    return a if a.shape == (3,) and np.isfinite(a).all() else None


def _pointing(sky, start, rotation, sc_position):
    attrs = sky.attrs
    t = start if start is not None else attrs.get("time")
    if t is None:
        raise InputError("give start (a time) or a sky image with attrs['time']")
    t0 = as_datetime64(t)
    if t0.ndim != 0:
        raise InputError(f"start must be one time, got shape {t0.shape}")
    if sc_position is not None:
        p = as_vector(sc_position, RE, "sc_position")
    else:
        p = _attr_vector(attrs, "sc_position_gse_re")
        if p is None:
            raise InputError("give sc_position (GSE) or a sky image with attrs['sc_position_gse_re']")
    if p.shape != (3,) or np.linalg.norm(p) <= 1.0:
        raise InputError(f"sc_position must be one GSE position outside the Earth, got {p} RE")
    aim = _attr_vector(attrs, "aim_point_gse_re")
    if rotation is not None:
        rot = as_rotation(rotation)
    else:
        bz, bx = _attr_vector(attrs, "boresight_gse"), _attr_vector(attrs, "long_axis_gse")
        if bz is not None and bx is not None:
            rot = as_rotation(np.stack([bx, np.cross(bz, bx), bz], axis=-1))
        elif aim is not None:
            rot = attitude_values(p[None], aim[None], np.zeros((1, 3)), "earth")[0][0]
            if not np.isfinite(rot).all():
                raise InputError("the aim point in sky.attrs coincides with the spacecraft")
        else:
            raise InputError("give rotation (body -> GSE) or a sky image with its pointing in the attrs")
    return t0[()], p, rot, (aim if aim is not None else np.full(3, np.nan))


def _backgrounds(backgrounds) -> frozenset:
    if backgrounds is None:
        return frozenset()
    if isinstance(backgrounds, str):
        backgrounds = [backgrounds]
    if not isinstance(backgrounds, Iterable):
        raise InputError(f"backgrounds must be a subset of {BACKGROUNDS}, got {backgrounds!r}")
    chosen = frozenset(backgrounds)
    unknown = chosen - set(BACKGROUNDS)
    if unknown:
        raise InputError(f"unknown backgrounds {sorted(unknown)}; choose from {BACKGROUNDS}")
    return chosen


class _Layer(NamedTuple):
    name: str
    mu: np.ndarray  # detected photons per sky pixel before the energy cuts, flat
    box: tuple  # focal-plane boxes of the pixels (x_lo, x_hi, y_lo, y_hi), mm, flat
    energy_kev: np.ndarray
    p_line: np.ndarray  # probability of each line among detected photons


class _Scene(NamedTuple):
    cfg: object
    grid: _Grid
    exposure_s: float
    n_frames: int
    t0: np.datetime64
    position: np.ndarray
    rotation: np.ndarray
    aim: np.ndarray
    layers: list
    rectangles: np.ndarray
    backgrounds: frozenset
    sun_angle_deg: float
    sun_in_fov: bool


def _layer(name, intensity, spectrum, grid, vig, exposure_s, v) -> _Layer:
    e = spectrum.energy_kev
    detect = spectrum.weight * effective_area_values(e, v) * v.qe
    per_intensity = float(detect.sum() / np.sum(spectrum.weight * e))  # cm^2 keV^-1, before energy cuts
    mu = intensity * per_intensity * grid.omega * vig * exposure_s
    f = v.focal_mm
    box = tuple(f * np.ravel(a) for a in (grid.a_lo, grid.a_hi, grid.b_lo, grid.b_hi))
    return _Layer(name, mu.ravel(), box, e, detect / detect.sum())


def tangent_edges_values(
    half_xi_deg: float, half_eta_deg: float, step_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: pixel edges (deg) of a tangent-plane grid centred on the boresight, covering +-half extents.

    Edges lie at multiples of ``step`` from 0 on the axis with an even number of pixels per axis, so that
    grids with steps dividing one another nest.
    """
    nx = 2 * math.ceil(half_xi_deg / step_deg - 1e-9)
    ny = 2 * math.ceil(half_eta_deg / step_deg - 1e-9)
    return (np.arange(nx + 1) - 0.5 * nx) * step_deg, (np.arange(ny + 1) - 0.5 * ny) * step_deg


def tangent_grid(xi_e: np.ndarray, eta_e: np.ndarray) -> _Grid:
    """The pixel grid (no intensities) of tangent-plane edges in deg: bounds, centres, solid angles."""
    tu, tv = np.radians(xi_e), np.radians(eta_e)  # tan u, tan v
    b_lo, a_lo = np.meshgrid(tv[:-1], tu[:-1], indexing="ij")
    b_hi, a_hi = np.meshgrid(tv[1:], tu[1:], indexing="ij")
    cv, cu = np.meshgrid(0.5 * (tv[1:] + tv[:-1]), 0.5 * (tu[1:] + tu[:-1]), indexing="ij")
    omega = pixel_solid_angle_values(a_lo, a_hi, b_lo, b_hi)
    u_deg, v_deg = np.degrees(np.arctan(cu[0])), np.degrees(np.arctan(cv[:, 0]))
    return _Grid(np.zeros(omega.shape), u_deg, v_deg, a_lo, a_hi, b_lo, b_hi, omega, cu, cv)


#: Step (deg) of the tangent-plane grid on which the astrophysical sky is sampled (the ROSAT map has
#: 0.675 deg pixels), and its margin beyond the detector in PSF-wing sigmas.
XRB_STEP_DEG = 0.25
XRB_MARGIN_SIGMAS = 4.0


def xrb_grid_values(v, step_deg: float = XRB_STEP_DEG) -> _Grid:
    """Kernel: the tangent-plane grid of the astrophysical sky: the sensitive area plus 4 wing sigmas."""
    rects = ccd_rectangles(v)
    margin = XRB_MARGIN_SIGMAS * math.degrees(v.wing_sigma_mm / v.focal_mm)
    half_xi = math.degrees(float(np.max(np.abs(rects[:, :2]))) / v.focal_mm) + margin
    half_eta = math.degrees(float(np.max(np.abs(rects[:, 2:]))) / v.focal_mm) + margin
    return tangent_grid(*tangent_edges_values(half_xi, half_eta, step_deg))


def xrb_intensity_values(grid: _Grid, rotation: np.ndarray, t0, v) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: 3/4 keV and 1/4 keV energy intensities (keV cm^-2 s^-1 sr^-1) at a grid's pixel centres."""
    body = np.stack([grid.tan_u, grid.tan_v, np.ones_like(grid.tan_u)], axis=-1)
    directions = body @ rotation.T
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    i34 = r45_to_intensity_values(rosat_r45_values(directions, t0), v)
    return i34, np.full(i34.shape, r12_intensity_value(v))


def _scene(sky, exposure, config, start, rotation, sc_position, backgrounds) -> _Scene:
    cfg = SXIConfig.resolve(config)
    v = cfg.values
    grid = sky_grid(sky)
    exposure_s = as_value(exposure, u.s, "exposure", positive=True)
    if exposure_s.ndim:
        raise InputError(f"exposure must be one duration, got shape {exposure_s.shape}")
    n_frames = whole_frames(float(exposure_s), v.frame_s)  # 301 s is refused, not cut to 300 s
    exposure_s = n_frames * v.frame_s
    t0, p, rot, aim = _pointing(sky, start, rotation, sc_position)
    chosen = _backgrounds(backgrounds)
    vig = vignetting_values(grid.tan_u, grid.tan_v, v)
    layers = [_layer("swcx", grid.intensity, cfg.spectrum, grid, vig, exposure_s, v)]
    if "xrb" in chosen:
        # the astrophysical sky exists beyond the input image: its own grid, detector + PSF wings
        spectra = xrb_spectra(cfg)
        xg = xrb_grid_values(v)
        i34, i14 = xrb_intensity_values(xg, rot, t0, v)
        xvig = vignetting_values(xg.tan_u, xg.tan_v, v)
        layers.append(_layer("xrb_3/4keV", i34, spectra["xrb_3/4keV"], xg, xvig, exposure_s, v))
        layers.append(_layer("xrb_1/4keV", i14, spectra["xrb_1/4keV"], xg, xvig, exposure_s, v))
    sun_angle, sun_in = sun_geometry_values(p, rot, v)
    return _Scene(
        cfg, grid, exposure_s, n_frames, t0, p, rot, aim, layers, ccd_rectangles(v), chosen, sun_angle, sun_in
    )


# ---------------------------------------------------------------------------------------------------
# Expected counts
# ---------------------------------------------------------------------------------------------------
def expected_counts(
    sky,
    exposure,
    *,
    config=None,
    start=None,
    rotation=None,
    sc_position=None,
    backgrounds=BACKGROUNDS,
    band=None,
) -> dict[str, u.Quantity]:
    """The expected number of events of each source, computed analytically (no random numbers).

    Same inputs as :func:`simulate_events`, plus ``band`` (count only events whose measured energy lies
    in the band; default every kept event).

    Returns
    -------
    dict
        Expected counts (Quantity, ct) for "swcx", and for "xrb_3/4keV", "xrb_1/4keV", "particle",
        "stray" when those backgrounds are on, and "total".
    """
    scene = _scene(sky, exposure, config, start, rotation, sc_position, backgrounds)
    v = scene.cfg.values
    if band is None:
        lo, hi = 0.0, math.inf
        band_kev = None
    else:
        band_kev = band_limits(band)
        lo, hi = band_edges_values(*band_kev, v)
    out = {}
    for layer in scene.layers:
        p_det = box_probability_values(*layer.box, scene.rectangles, v)
        eps = float(np.sum(layer.p_line * measured_fraction_values(layer.energy_kev, lo, hi, v)))
        out[layer.name] = float(np.sum(layer.mu * p_det)) * eps
    area_cm2 = _area_cm2(scene.rectangles)
    if "particle" in scene.backgrounds:
        out["particle"] = particle_rate_values(v, band_kev) * area_cm2 * scene.exposure_s
    if "stray" in scene.backgrounds:
        out["stray"] = (
            float(stray_rate_values(scene.sun_angle_deg, v, band_kev)) * area_cm2 * scene.exposure_s
        )
    out["total"] = sum(out.values())
    return {k: val * u.ct for k, val in out.items()}


def _area_cm2(rectangles: np.ndarray) -> float:
    return (
        float(np.sum((rectangles[:, 1] - rectangles[:, 0]) * (rectangles[:, 3] - rectangles[:, 2]))) / 100.0
    )


# ---------------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------------


def _on_detector(x, y, rects) -> np.ndarray:
    inside = np.zeros(x.shape, dtype=bool)
    for x0, x1, y0, y1 in rects:
        inside |= (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    return inside


def _uniform_on_detector(n, rects, rng) -> tuple[np.ndarray, np.ndarray]:
    areas = (rects[:, 1] - rects[:, 0]) * (rects[:, 3] - rects[:, 2])
    k = rng.choice(len(rects), size=n, p=areas / areas.sum())
    x = rects[k, 0] + rng.random(n) * (rects[k, 1] - rects[k, 0])
    y = rects[k, 2] + rng.random(n) * (rects[k, 3] - rects[k, 2])
    return x, y


def simulate_events(
    sky,
    exposure,
    *,
    config=None,
    start=None,
    rotation=None,
    sc_position=None,
    rng,
    backgrounds=BACKGROUNDS,
) -> EventList:
    """Simulate the SXI events of one pointing over an exposure (see the module docstring).

    Parameters
    ----------
    sky : xarray.DataArray
        The SWCX intensity image, dims ("v", "u") in deg, keV cm^-2 s^-1 sr^-1 (finite, >= 0).
    exposure : Quantity
        Exposure time, a whole number of CCD frames (4 s by default; 301 s is refused).
    config : SXIConfig, optional
        The instrument model (default ``SXIConfig()``).
    start : time-like, optional
        Start of the exposure (UTC); default ``sky.attrs["time"]``.
    rotation : array_like, optional
        Body -> GSE rotation (3 x 3); default from the sky's attrs.
    sc_position : Quantity, optional
        Spacecraft position (GSE); default ``sky.attrs["sc_position_gse_re"]``.
    rng : numpy.random.Generator or int
        The random generator or a seed: same seed, same events.
    backgrounds : iterable of str
        Any of "xrb" (astrophysical sky, needs the time), "particle", "stray"; default all.

    Returns
    -------
    EventList
        Events sorted by time; the GTI is the whole exposure. When the Sun is in the field of view the
        frame is flagged (``sun_in_fov``, FLAG bit 4) but still simulated.

    Raises
    ------
    InputError
        For a non-finite or negative sky, wrong units or dims, a missing pointing or time, an exposure
        shorter than a frame or not a whole number of frames, or unknown backgrounds.

    Examples
    --------
    >>> import astropy.units as u, numpy as np, xarray as xr
    >>> sky = xr.DataArray(np.full((16, 27), 5.0), dims=("v", "u"),
    ...     coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
    ...     attrs={"units": "keV cm-2 s-1 sr-1"})
    >>> ev = simulate_events(sky, 60 * u.s, start="2026-03-20T12:00", rotation=np.eye(3)[:, [1, 2, 0]],
    ...     sc_position=[0, 0, 20] * u.Unit("RE"), rng=1, backgrounds=())
    >>> len(ev) > 0, ev.exposure
    (True, <Quantity 60. s>)
    """
    scene = _scene(sky, exposure, config, start, rotation, sc_position, backgrounds)
    gen = as_generator(rng)
    v = scene.cfg.values
    parts = []  # (x, y, measured energy, origin)
    for layer in scene.layers:
        counts = gen.poisson(layer.mu)
        n = int(counts.sum())
        if n == 0:
            continue
        pix = np.repeat(np.arange(counts.size), counts)
        x_lo, x_hi, y_lo, y_hi = layer.box
        x = x_lo[pix] + gen.random(n) * (x_hi[pix] - x_lo[pix])
        y = y_lo[pix] + gen.random(n) * (y_hi[pix] - y_lo[pix])
        dx, dy, _ = psf_offsets_values(n, v, gen)
        x += dx
        y += dy
        keep = _on_detector(x, y, scene.rectangles)
        x, y = x[keep], y[keep]
        m = x.size
        e_true = layer.energy_kev[gen.choice(layer.energy_kev.size, size=m, p=layer.p_line)]
        e_meas = e_true + gen.standard_normal(m) * sigma_values(e_true, v)
        parts.append((x, y, e_meas, np.full(m, ORIGINS[layer.name], dtype=np.int16)))
    area_cm2 = _area_cm2(scene.rectangles)
    e_top = v.pi_channels * v.pi_width_kev
    if "particle" in scene.backgrounds:
        n = int(gen.poisson(particle_rate_values(v) * area_cm2 * scene.exposure_s))
        x, y = _uniform_on_detector(n, scene.rectangles, gen)
        e = v.threshold_kev + gen.random(n) * (e_top - v.threshold_kev)
        parts.append((x, y, e, np.full(n, ORIGINS["particle"], dtype=np.int16)))
    if "stray" in scene.backgrounds:
        rate = float(stray_rate_values(scene.sun_angle_deg, v)) * area_cm2 * scene.exposure_s
        # stray_rate_values counts only the kept part of the stray band; draw over that part
        lo, hi = max(v.stray_lo_kev, v.threshold_kev), min(v.stray_hi_kev, e_top)
        n = int(gen.poisson(rate))
        x, y = _uniform_on_detector(n, scene.rectangles, gen)
        e = lo + gen.random(n) * (hi - lo)
        parts.append((x, y, e, np.full(n, ORIGINS["stray"], dtype=np.int16)))
    return _event_list(scene, parts, gen)


def _event_list(scene: _Scene, parts, gen) -> EventList:
    v = scene.cfg.values
    if parts:
        x, y, e, origin = (np.concatenate(a) for a in zip(*parts, strict=True))
    else:
        x = y = e = np.zeros(0)
        origin = np.zeros(0, dtype=np.int16)
    e_top = v.pi_channels * v.pi_width_kev
    keep = (e >= v.threshold_kev) & (e < e_top)
    x, y, e, origin = x[keep], y[keep], e[keep], origin[keep]
    n = x.size
    frame = gen.integers(0, scene.n_frames, size=n)
    tstart = (scene.t0 - TIME_ZERO) / np.timedelta64(1, "s")
    time = tstart + (frame + 0.5) * v.frame_s
    ccd, rawx, rawy = ccd_pixel_values(x, y, v)
    pi = np.floor(e / v.pi_width_kev).astype(np.int16)
    sky_x, sky_y = sky_pixel_values(x, y, sky_wcs_parameters(scene.rotation, scene.cfg), v)
    flag = edge_flag_values(x, y, scene.rectangles, v)
    if scene.sun_angle_deg < v.sun_avoidance_deg:
        flag |= FLAG_SUN_NEAR
    if scene.sun_in_fov:
        flag |= FLAG_SUN_IN_FOV
    order = np.argsort(time, kind="stable")
    columns = {
        "TIME": time,
        "X": sky_x,
        "Y": sky_y,
        "DETX": x,
        "DETY": y,
        "RAWX": rawx,
        "RAWY": rawy,
        "CCDNR": ccd,
        "PI": pi,
        "ENERGY": e * 1e3,
        "FLAG": flag,
        "ORIGIN": origin,
    }
    columns = {k: a[order] for k, a in columns.items()}
    gti = np.array([[tstart, tstart + scene.exposure_s]])
    return EventList(
        columns,
        gti,
        scene.rotation,
        scene.position,
        scene.aim,
        scene.sun_angle_deg,
        scene.sun_in_fov,
        scene.cfg,
    )
