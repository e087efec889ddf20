"""SXI backgrounds estimated from the data: the particle level above the optic's response, the sky level.

:mod:`~smilekit.instruments.sxi.background` holds the *models* of the backgrounds (the simulator's truth);
this module estimates their levels from an event list, as a ground pipeline that does not know them
must. :func:`~smilekit.instruments.sxi.l2.make_l2` uses it with ``background="fitted"``.

Particle background
-------------------
The micropore optic reflects only soft X-rays: its effective area falls as ``E^-4`` above the
``optic_cutoff_energy`` (:mod:`~smilekit.instruments.sxi.response`), and the sources of the sky (the SWCX
lines below 1.4 keV, the ROSAT 1/4 and 3/4 keV bands) have no photons there. Events measured in the
*particle band* (default :data:`PARTICLE_BAND`, 3.5 keV to the top of the PI range, 5.12 keV) are then
particles only. Their number N in a time bin of live time T over the whole sensitive area A gives the
level ``r = N / (T A W_p)`` (counts s^-1 cm^-2 keV^-1) with ``W_p = integral of S(E) dE`` over the
particle band for the relative spectral shape S. The particle counts of a pixel of sensitive area a in
the science band are ``r T a W_b`` (W_b the same integral over the kept part of the science band). The
error is Poisson, ``sqrt(max(N, 1)) / (T A W_p)``.

Assumptions: the shape S is flat in energy (the simulator's,
:class:`~smilekit.instruments.sxi.config.SXIConfig` ``particle_background``; a user can give another as
a function of energy), uniform over the detector and not vignetted. Checked: the configured SWCX and
astrophysical spectra put at most :data:`MAX_PHOTON_LEAK` of their science-band counts into the
particle band (:func:`photon_leak_values`), otherwise the band is refused. Not modelled: a hard sky
component (the extragalactic power law) is not in the simulator's sky; with the assumed ``E^-4``
roll-off of the effective area a real one would add photons to the particle band and bias the level
up. The CCD areas outside the field-of-view frame would be a cross-check (they see particles only), but
the simulator puts no events there.

Sky (astrophysical) background
------------------------------
The shape is the model of :mod:`~smilekit.instruments.sxi.background` (the ROSAT 3/4 keV map and the
uniform 1/4 keV level through the response, the vignetting and the PSF); its level ``a`` (1 = the model)
is fitted by Poisson maximum likelihood, ``counts = B + a S``, over the pixels of *clean sky* of every
time bin, B the particle (fitted) and stray-light (model) counts and S the sky model counts
(:func:`fit_level_values`; the likelihood equation ``sum(n S / (B + a S)) = sum(S)`` is solved by Brent's
method, the error is the Fisher information ``1 / sum(S^2 / mu)`` plus the particle level's error carried
through).

Clean sky: by default the pixels whose line of sight passes farther than :data:`CLEAN_DISTANCE` (15 RE)
from the Earth's centre (or points away from it): outside the subsolar bow shock of Jelinek et al. (2012,
:cite:`jelinek2012`; 15.0 RE at 1 nPa), where no magnetosheath is crossed; or a mask the user gives. The
fit assumes the SWCX foreground there is negligible: what is left of it (the solar wind's own charge
exchange with the exospheric hydrogen, falling as r^-3) is counted as sky and biases ``a`` up by the ratio
of foreground to sky counts in those pixels. It fails where a frame has no clean sky, the usual case of
SXI looking at the dayside magnetosheath from apogee (none of the 180 requirement-domain frames of the
shipped case set has a line of sight beyond 12.1 RE): then the level stays at the model's (a = 1) and
the time bins are flagged (``sky_level_from_map``), never silently, unless a level measured on a frame
with clean sky is given (``make_l2(..., sky_level=(a, error))``).

Stray light keeps its model (a function of the Sun angle,
:func:`~smilekit.instruments.sxi.background.stray_light_rate`); it matters only for Sun angles near the
avoidance angle, whose frames are flagged.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
from scipy.optimize import brentq

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.sxi.background import _kept_band, xrb_spectra
from smilekit.instruments.sxi.config import SXIConfig, ccd_rectangles
from smilekit.instruments.sxi.l1 import EventList
from smilekit.instruments.sxi.response import band_edges_values, counts_per_intensity_values
from smilekit.instruments.sxi.spectrum import band_limits
from smilekit.units import RE

__all__ = [
    "CLEAN_DISTANCE",
    "MAX_PHOTON_LEAK",
    "MIN_PARTICLE_COUNTS",
    "PARTICLE_BAND",
    "estimate_particle_level",
]

#: Default particle band (keV): from 3.5 keV to the top of the PI range (None).
PARTICLE_BAND = (3.5, None)
#: Largest accepted ratio of the sky's photon counts in the particle band to those in the science band.
MAX_PHOTON_LEAK = 1e-3
#: Time bins with fewer particle-band events are flagged ``particle_few_counts``.
MIN_PARTICLE_COUNTS = 10
#: Lines of sight passing farther than this from the Earth's centre are clean sky (module docstring).
CLEAN_DISTANCE = 15.0 * RE

_SHAPE_SAMPLES = 2001


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------
def particle_band_values(particle_band, v) -> tuple[float, float]:
    """Kernel: the particle band (keV pair, None for the top of the PI range) snapped to whole channels."""
    top = v.pi_channels * v.pi_width_kev
    lo, hi = particle_band
    hi = top if hi is None else min(float(hi), top)
    if not lo < hi:
        raise InputError(
            f"particle band {lo:g}-{hi:g} keV is empty: the PI range ends at {top:g} keV; "
            "give two increasing energies below it"
        )
    return band_edges_values(float(lo), hi, v)


def photon_leak_values(cfg, particle_kev, band_kev) -> float:
    """Kernel: largest ratio, over the SWCX and astrophysical spectra, of counts in the particle band to
    counts in the science band (resolution included)."""
    v = cfg.values
    leak = 0.0
    for spec in (cfg.spectrum, *xrb_spectra(cfg).values()):
        inside = counts_per_intensity_values(spec.energy_kev, spec.weight, v, band_kev)
        above = counts_per_intensity_values(spec.energy_kev, spec.weight, v, particle_kev)
        if inside > 0:
            leak = max(leak, above / inside)
    return leak


def shape_integral_values(shape, lo_kev: float, hi_kev: float) -> float:
    """Kernel: integral of the relative particle spectrum over [lo, hi] keV (flat when ``shape`` is None)."""
    if hi_kev <= lo_kev:
        return 0.0
    if shape is None:
        return hi_kev - lo_kev
    e = np.linspace(lo_kev, hi_kev, _SHAPE_SAMPLES)
    s = np.asarray(shape(e), dtype=np.float64)
    if s.shape != e.shape or not np.isfinite(s).all() or (s < 0).any():
        raise InputError(
            "particle_spectrum must map an array of energies (keV) to finite values >= 0 of the same shape"
        )
    return float(np.trapezoid(s, e))


def particle_counts_values(time, pi, t_edges, channels) -> np.ndarray:
    """Kernel: events per time bin with PI in [channels[0], channels[1])."""
    sel = (pi >= channels[0]) & (pi < channels[1])
    counts, _ = np.histogram(time[sel], bins=t_edges)
    return counts


def closest_approach_values(xi_deg, eta_deg, rotation, sc_position_re) -> np.ndarray:
    """Kernel: closest approach (RE) to the Earth's centre of the line of sight of each pixel (v, u).

    A line of sight from r along d reaches its closest approach ``|r x d|`` ahead when ``r . d < 0``,
    otherwise the spacecraft is its closest point (``|r|``).
    """
    tu, tv = np.meshgrid(np.radians(xi_deg), np.radians(eta_deg))
    body = np.stack([tu, tv, np.ones_like(tu)], axis=-1)
    d = body @ np.asarray(rotation, dtype=np.float64).T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    r = np.asarray(sc_position_re, dtype=np.float64)
    ahead = d @ r < 0.0
    return np.where(ahead, np.linalg.norm(np.cross(r, d), axis=-1), np.linalg.norm(r))


def clean_sky_values(xi_deg, eta_deg, rotation, sc_position_re, distance_re) -> np.ndarray:
    """Kernel: pixels (v, u) whose line of sight stays beyond ``distance_re`` from the Earth's centre."""
    return closest_approach_values(xi_deg, eta_deg, rotation, sc_position_re) > distance_re


def fit_level_values(n, b, s) -> tuple[float, float]:
    """Kernel: Poisson maximum-likelihood level a of ``mu = b + a s`` (a >= 0) and its Fisher error.

    Solves ``sum(n s / (b + a s)) = sum(s)`` (decreasing in a). A zero level (the likelihood's maximum on
    the boundary) is returned as 0 with the error of the Fisher information there.
    """
    n, b, s = (np.asarray(x, dtype=np.float64).ravel() for x in (n, b, s))
    keep = s > 0
    n, b, s = n[keep], b[keep], s[keep]
    total = float(s.sum())
    if total <= 0:
        raise InputError("the sky model has no counts in the pixels of the fit")

    def score(a):
        return float(np.sum(n * s / (b + a * s))) - total

    # no counts at all with b = 0: the score is -total for every a > 0, maximum at 0
    if float(n.sum()) == 0.0 or (np.all(b > 0) and score(0.0) <= 0.0):
        a = 0.0
    else:
        hi = max(1.0, 2.0 * float(n.sum()) / total)
        while score(hi) > 0:
            hi *= 2.0
        lo = 0.0 if np.all(b > 0) else 1e-12 * hi
        a = brentq(score, lo, hi, xtol=1e-12 * hi, rtol=1e-12) if score(lo) > 0 else lo
    mu = b + a * s
    info = float(np.sum(s * s / np.where(mu > 0, mu, np.inf)))
    if a == 0.0 and info == 0.0:
        info = float(np.sum(s * s / np.maximum(b + s / total, 1e-300)))
    return a, math.sqrt(1.0 / info) if info > 0 else math.inf


# ---------------------------------------------------------------------------------------------------
# Public Quantity API
# ---------------------------------------------------------------------------------------------------
def as_particle_band(particle_band, v) -> tuple[float, float]:
    """Validate a particle band (None: :data:`PARTICLE_BAND`; or a Quantity pair) and snap it (keV)."""
    if particle_band is None:
        return particle_band_values(PARTICLE_BAND, v)
    b = np.atleast_1d(as_value(particle_band, u.keV, "particle_band", nonnegative=True))
    if b.shape != (2,):
        raise InputError(f"particle_band must be two energies, got {particle_band!r}")
    return particle_band_values((float(b[0]), float(b[1])), v)


def check_particle_band(cfg, particle_kev, band_kev) -> None:
    """Refuse a particle band that overlaps the science band or collects sky photons (module docstring)."""
    lo, hi = band_edges_values(*band_kev, cfg.values)
    if particle_kev[0] < hi:
        raise InputError(
            f"particle band {particle_kev[0]:g}-{particle_kev[1]:g} keV overlaps the science band "
            f"{lo:g}-{hi:g} keV; it must lie above it"
        )
    leak = photon_leak_values(cfg, particle_kev, band_kev)
    if leak > MAX_PHOTON_LEAK:
        raise InputError(
            f"particle band {particle_kev[0]:g}-{particle_kev[1]:g} keV collects {leak:.2g} of the sky's "
            f"science-band counts (more than {MAX_PHOTON_LEAK:g}): the optic still responds there; "
            "choose higher energies"
        )


def estimate_particle_level(events, *, band="broad", particle_band=None, particle_spectrum=None) -> dict:
    """The particle background level of a whole event list, from its events above the optic's response.

    Parameters
    ----------
    events : EventList
    band : str or Quantity
        The science band, only to check that the particle band lies above it and collects no sky photons.
    particle_band : Quantity, optional
        Two energies (default :data:`PARTICLE_BAND`: 3.5 keV to the top of the PI range).
    particle_spectrum : callable, optional
        Relative particle counts per keV as a function of energy in keV (array in, array out); default
        flat (the simulator's assumption).

    Returns
    -------
    dict
        ``rate`` and ``rate_error`` (ct s^-1 cm^-2 keV^-1 for a flat spectrum; per unit of the spectrum's
        integral otherwise), ``counts`` (events in the particle band) and ``particle_band`` (keV).

    Raises
    ------
    InputError
        For a particle band that overlaps the science band, lies above the PI range or collects sky
        photons (more than :data:`MAX_PHOTON_LEAK`), or a list with no particle-band event (the level is
        then unconstrained).

    Examples
    --------
    >>> import astropy.units as u, numpy as np, xarray as xr
    >>> from smilekit.instruments.sxi.simulate import simulate_events
    >>> sky = xr.DataArray(np.zeros((16, 27)), dims=("v", "u"),
    ...     coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
    ...     attrs={"units": "keV cm-2 s-1 sr-1"})
    >>> ev = simulate_events(sky, 600 * u.s, start="2026-03-20T12:00", rotation=np.eye(3)[:, [1, 2, 0]],
    ...     sc_position=[0, 0, 20] * u.Unit("RE"), rng=3, backgrounds=("particle",))
    >>> p = estimate_particle_level(ev)
    >>> bool(abs(p["rate"] - 2e-3 * u.Unit("ct s-1 cm-2 keV-1")) < 3 * p["rate_error"])
    True
    """
    if not isinstance(events, EventList):
        raise InputError(f"events must be an EventList, got {type(events).__name__}")
    cfg = SXIConfig.resolve(events.config)
    v = cfg.values
    band_kev = band_limits(band)
    p_kev = as_particle_band(particle_band, v)
    check_particle_band(cfg, p_kev, band_kev)
    channels = (round(p_kev[0] / v.pi_width_kev), round(p_kev[1] / v.pi_width_kev))
    col = events.columns
    n = int(particle_counts_values(col["TIME"], col["PI"], [-np.inf, np.inf], channels)[0])
    if n == 0:
        raise InputError(
            f"no event in the particle band {p_kev[0]:g}-{p_kev[1]:g} keV over {events.exposure:.4g}: "
            "the particle level is unconstrained"
        )
    rects = ccd_rectangles(v)
    area = float(np.sum((rects[:, 1] - rects[:, 0]) * (rects[:, 3] - rects[:, 2]))) / 100.0
    width = shape_integral_values(particle_spectrum, *p_kev)
    if width <= 0:
        raise InputError("particle_spectrum integrates to zero over the particle band")
    norm = events.exposure.to_value(u.s) * area * width
    unit = u.ct / u.s / u.cm**2 / u.keV
    return {
        "rate": n / norm * unit,
        "rate_error": math.sqrt(n) / norm * unit,
        "counts": n,
        "particle_band": p_kev,
    }


def science_band_width(v, band_kev, particle_spectrum) -> float:
    """Kernel: the particle spectrum's integral over the kept part of the science band (keV)."""
    return shape_integral_values(particle_spectrum, *_kept_band(v, band_kev))
