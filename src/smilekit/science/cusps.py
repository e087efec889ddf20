"""The mid-altitude cusp edges from an SXI image: a cusp funnel fitted by Poisson likelihood.

Reference distance
------------------
Edges are given as GSM latitudes in the noon meridian at :data:`CUSP_REFERENCE_DISTANCE` = 7 RE
geocentric: the mid-altitude cusp of the requirement (SXI science requirement 2 of the handbook chapter
:cite:`branduardiraymont2022`, sec. 3.1), the altitude range where
Cluster and Polar crossed the cusp (about 4-9 RE geocentric), and a distance where the cusp funnel lies
inside the magnetopause for the pressures of the requirement domain (the Shue 1998 magnetopause at the
funnel's zenith angle, about 55-60 deg from +X, is beyond 7 RE unless the stand-off falls below about
6 RE). Edge errors in RE are 7 RE times the latitude error in radians.

Truth (:func:`true_cusp_edges`)
-------------------------------
The geospace model's cusp (:mod:`smilekit.geospace.cusps`: Newell et al. 2006 footprints, :cite:`newell2006`,
with the Tsyganenko & Russell 1999 tilt term, :cite:`tsyganenko1999`, mapped outward by the T&R cusp-line
form) at 7 RE with the dipole tilt
at the time; NaN for an edge that lies outside the true magnetopause (Shue et al. 1998, :cite:`shue1998`, with
the state's
pdyn and Bz), where the truth has no cusp plasma.

Retrieval (:func:`estimate_cusp_edges`)
---------------------------------------
Expected counts ``m = a_s S_sheath + a_c S_cusp(lambda_eq, lambda_pole) + b`` fitted to the L2 counts by
Poisson likelihood (:mod:`smilekit.science.forward`):

* ``S_sheath``: the image of the emissivity model fitted by boundary fitting (the ``magnetopause``
  estimate's ``boundary`` parameters, or :func:`~smilekit.science.boundary_fit.boundary_fitting_jorgensen`
  run here), its amplitude ``a_s`` refitted;
* ``S_cusp``: a cusp funnel of a deliberately different, textbook form from the truth's:
  the footprint (r = 1 RE) between SM latitudes ``lambda_eq`` and ``lambda_pole`` mapped along dipole
  field lines, ``sin^2(c) / r = const`` (c the SM colatitude; e.g. Kivelson & Russell 1995, Eq. 7.6,
  :cite:`kivelson1995`),
  within 1.5 h of noon in SM longitude (a 3 h MLT width, an assumption shared with the truth's model),
  between 3 RE and the fitted magnetopause, with emissivity ``a_c (r / 10 RE)^-3`` (the shape of the
  Cravens et al. 2001 exosphere, :cite:`cravens2001`, n_H = 25 (10 RE / r)^3 cm^-3, under a uniform cusp
  plasma); its images (:class:`CuspFunnel`) by the reduced forward model of
  :mod:`smilekit.science.reduced_cusp` (the rays sampled once per image, the funnel's fixed geometry on
  them, a compiled integral per pair of edges; within 0.5 % of the peak pixel of the full model, tests),
  the sheath's by the adaptive integrator;
* ``a_s, a_c >= 0`` are profiled exactly; the footprints by Nelder-Mead from the best of a grid of
  footprint centres (70-82 deg, 2 deg wide) that does not use the solar wind;
* the equatorward footprint is kept above the lowest footprint whose dipole line reaches the fitted
  magnetopause (:func:`lowest_open_footprint_values`, ~70-73 deg): the cusp is where lines that thread
  the magnetopause come down (Russell 2000, Adv. Space Res. 25, 1413, :cite:`russell2000`); a "funnel" on
  closed lines is a
  band inside the magnetosphere. Without this bound 60-min images (below) gave confident cusps 4-6 RE
  equatorward of the truth, on closed lines, where the fitted sheath's mismatch near the nose is largest.

The fitted footprint edges are mapped to 7 RE along the same dipole lines and turned into GSM by the
dipole tilt at the image time. Their 1-sigma errors come from the curvature of the profile likelihood
(inverse Hessian in the two footprint latitudes, amplitudes profiled), carried through the mapping. This
is the statistical error only: the mismatch between the dipole funnel and the real cusp is a systematic
not yet measured (the truth's cusp is never detected in 5 min, see below), so unlike the boundary fits no
systematic term is added.

What the physical truth gives (benchmarks/bench_cusp_signal.py: the 180 requirement-domain cases of the
shipped orbit case set, 300 s, all backgrounds): the truth's cusp plasma (half the sheath density, inside
the magnetopause) adds a median 66 counts (quartiles 27-118) to a 5-min image, 0.08-2.4 % of the SWCX
counts (5-95 %) on 7 500-16 000 background counts. With the sheath known exactly its detection
significance is a median dchi2 = sum c^2 / (S + b) of 1.5 and at most 22 (5 sigma needs 25; a median 84
min of exposure), and the Cramer-Rao bound of its position at 7 RE is a median 0.78 RE (a 5-sigma
detection and a 0.25 RE bound together need a median 2 h). So no retrieval can find these cusps in single
5-min images, and this one answers "no cusp signal": the 0.25 RE cusp requirement is not met for this
truth. A funnel of the retrieval's own form ~30 % of the image's emission is recovered to ~0.5 deg (0.06
RE at 7 RE) (tests).

The truth's cusp is not too faint for want of plasma: at 5-9 RE it is 0.9-2.0 times the upstream density,
against the mean 0.8 that Polar measured (Walsh et al. 2016, :cite:`walsh2016`;
:mod:`smilekit.geospace.cusps`).

Longer exposures (benchmarks/bench_cusp_retrieval.py ``--every 3 --exposure 3600``, 60 of the domain
cases; 2026-12-05): with 60-min images 11 of 60 give an answer, edges RMS 0.51 RE (equatorward) and
0.62 RE (poleward), 55 % and 45 % of them within 0.25 RE; on a truth without cusp plasma 3 of 60 answer
(false detections). The Cramer-Rao bound would allow 0.25 RE in a third of the cases at 60 min; the
retrieval stays far from it even on the truth's own sheath (``--exact-sheath``: 17 of 60, RMS 1.2 and
0.7 RE): beyond the photons, the funnel's form (a dipole funnel with an r^-3 emissivity, not the truth's)
and the fitted sheath's mismatch limit it (benchmarks/README.md).

Status: ``"ok"``; ``"cusp not in field of view"`` when no pixel sees any of a broad funnel (footprints
65-85 deg) inside the fitted magnetopause; ``"no sheath model"`` when the boundary fit has no fitted model
to build the sheath on; ``"no cusp signal"`` when the funnel improves ln L by less than
:data:`~smilekit.science.boundary_fit.MIN_SIGNAL_DLNL`; ``"edge at bound"`` when a footprint ends at the
edge of its range (the equatorward one at the lowest open footprint); ``"no convergence"`` when the
curvature is not positive. An edge that maps outside the fitted magnetopause at 7 RE is NaN while the
other stays an answer (status ``"ok"``: the requirement asks for the poleward *and/or* the equatorward
edge); ``"cusp outside the magnetopause at the reference distance"`` when both do.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
from scipy.optimize import minimize

from smilekit.errors import InputError
from smilekit.frames import dipole_tilt
from smilekit.geospace import boundaries
from smilekit.geospace import cusps as geo_cusps
from smilekit.science.boundary_fit import (
    MIN_SIGNAL_DLNL,
    boundary_fitting_jorgensen,
    boundary_model,
    central_hessian_values,
    profile_amplitudes_values,
    rebinned_frame,
)
from smilekit.science.estimates import OK, CuspEstimate, MagnetopauseEstimate
from smilekit.science.forward import ForwardModel
from smilekit.science.geometry import image_geometry
from smilekit.science.magnetopause import METHODS, SharedInputs
from smilekit.science.reduced_cusp import ReducedFunnelModel
from smilekit.times import as_datetime64
from smilekit.units import RE

__all__ = [
    "CUSP_FIT_PIXEL_DEG",
    "CUSP_HALF_WIDTH_DEG",
    "CUSP_MLT_WIDTH_H",
    "CUSP_REFERENCE_DISTANCE",
    "CuspFunnel",
    "dipole_footprint_to_gsm_latitude_values",
    "edges_inside_magnetopause",
    "estimate_cusp_edges",
    "lowest_open_footprint_values",
    "retrieve_image",
    "sheath_context",
    "true_cusp_edges",
]

#: Geocentric distance of the reported cusp edges (module notes).
CUSP_REFERENCE_DISTANCE = 7.0 * RE
#: MLT width of the retrieval's funnel (h), the same assumption as the truth's.
CUSP_MLT_WIDTH_H = geo_cusps.DEFAULT_MLT_WIDTH_H
#: Half the funnel's width in SM longitude (deg): 15 deg per hour of MLT.
CUSP_HALF_WIDTH_DEG = 7.5 * CUSP_MLT_WIDTH_H
#: Inner edge of the retrieval's funnel (RE), as the physical emissivity's inner cut.
CUSP_INNER_RADIUS = 3.0
#: Pixel size of the cusp fit (deg): the funnel is ~2-3 deg wide as seen from apogee.
CUSP_FIT_PIXEL_DEG = 0.5
#: The boundary fits whose fitted sheath the cusp retrieval works on, in order of preference.
SHEATH_CONTEXT_METHODS = ("boundary_fitting_jorgensen", "boundary_fitting_cmem")
#: Range of the footprint latitudes (deg SM) searched, and of the footprint width (deg).
FOOTPRINT_RANGE = (60.0, 88.0)
WIDTH_RANGE = (0.2, 10.0)
#: Grid of footprint centres (deg) for the start, and its width (deg).
START_CENTRES = (70.0, 72.0, 74.0, 76.0, 78.0, 80.0, 82.0)
START_WIDTH = 2.0
#: Finite-difference step (deg of footprint latitude) of the profile-likelihood curvature.
HESSIAN_STEP_DEG = 0.1

_HEMISPHERES = {"north": 1.0, "south": -1.0}


def _hemisphere_sign(hemisphere) -> float:
    if hemisphere not in _HEMISPHERES:
        raise InputError(f"hemisphere must be 'north' or 'south', got {hemisphere!r}")
    return _HEMISPHERES[hemisphere]


# ---------------------------------------------------------------------------------------------------
# Truth
# ---------------------------------------------------------------------------------------------------
def true_cusp_edges(
    state, time, hemisphere: str = "north", *, width=geo_cusps.DEFAULT_WIDTH_DEG * u.deg
) -> tuple[u.Quantity, u.Quantity]:
    """The geospace model's cusp edges at :data:`CUSP_REFERENCE_DISTANCE` (module notes).

    Parameters
    ----------
    state : SolarWindState
        Upstream conditions (IMF Bz for the footprint, pdyn and Bz for the magnetopause).
    time : time-like
        UTC time (the dipole tilt).
    hemisphere : {"north", "south"}
    width : Quantity
        The cusp's footprint width (deg), as the truth's sheath model was given it (default: the geospace
        model's 2 deg assumption).

    Returns
    -------
    (equatorward, poleward) : Quantity
        Noon-meridian GSM latitudes (deg); NaN for an edge outside the Shue et al. (1998) magnetopause.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.state import SolarWindState
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, 0] * u.nT)
    >>> eq, pw = true_cusp_edges(sw, "2026-03-20T12:00")
    >>> bool(eq < pw)
    True
    """
    _hemisphere_sign(hemisphere)
    if not hasattr(state, "pdyn") or not hasattr(state, "bz"):
        raise InputError(f"state must be a SolarWindState, got {type(state).__name__}")
    t = as_datetime64(time)
    if np.ndim(t) != 0:
        raise InputError("time must be a single time")
    tilt = dipole_tilt(t)
    edges = geo_cusps.cusp_edges(
        state, hemisphere, altitude=CUSP_REFERENCE_DISTANCE - 1.0 * RE, tilt=tilt, width=width
    )
    pdyn, bz = float(state.pdyn.to_value(u.nPa)), float(state.bz.to_value(u.nT))
    (eq, pw), _, _ = edges_inside_magnetopause(
        [edges.equatorward.to_value(u.deg), edges.poleward.to_value(u.deg)],
        [math.nan, math.nan],
        lambda theta, phi: boundaries.shue1998_values(theta, pdyn=pdyn, bz=bz),
        CUSP_REFERENCE_DISTANCE.to_value(RE),
    )
    return eq * u.deg, pw * u.deg


# ---------------------------------------------------------------------------------------------------
# The retrieval's funnel
# ---------------------------------------------------------------------------------------------------
def dipole_footprint_to_gsm_latitude_values(footprint_deg, r, tilt_rad, sign=1.0):
    """Kernel: GSM noon-meridian latitude (deg) at distance r (RE) of the dipole line from a footprint.

    The dipole field line through SM latitude ``footprint_deg`` at r = 1 has ``sin^2(c) = r cos^2(lambda)``
    at distance r (c the SM colatitude); the point in the SM noon meridian is rotated to GSM by the tilt.
    NaN where the line does not reach r (r cos^2(lambda) > 1).
    """
    lam = np.radians(np.asarray(footprint_deg, dtype=np.float64))
    s2 = r * np.cos(lam) ** 2
    with np.errstate(invalid="ignore"):
        c = np.where(s2 <= 1.0, np.arcsin(np.sqrt(np.minimum(s2, 1.0))), np.nan)
    xs, zs = r * np.sin(c), sign * r * np.cos(c)
    xg, _yg, zg = geo_cusps.sm_to_gsm_values(xs, np.zeros_like(xs), zs, tilt_rad)
    return np.degrees(np.arctan2(zg, xg))


class CuspFunnel:
    """The retrieval's cusp emissivity: a dipole funnel inside a magnetopause (module notes).

    ``evaluate(x, y, z)`` (RE, GSM) -> ``amplitude (r / 10)^-3`` inside the funnel, else 0 (eV cm^-3 s^-1
    for the amplitude in those units).
    """

    def __init__(self, equatorward_deg, poleward_deg, *, tilt_rad, sign, magnetopause, amplitude=1.0):
        self.equatorward = float(equatorward_deg)
        self.poleward = float(poleward_deg)
        self.tilt = float(tilt_rad)
        self.sign = float(sign)
        self.magnetopause = magnetopause
        self.amplitude = float(amplitude)

    def evaluate(self, x, y, z) -> np.ndarray:
        x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
        xs, ys, zs = geo_cusps.gsm_to_sm_values(x, y, z, self.tilt)
        r = np.sqrt(x * x + y * y + z * z)
        safe = np.maximum(r, 1e-9)
        # footprint latitude of the dipole line: cos^2(lambda) = sin^2(c) / r
        sin2c = (xs * xs + ys * ys) / (safe * safe)
        lam = np.degrees(np.arccos(np.sqrt(np.clip(sin2c / safe, 0.0, 1.0))))
        mlt_ok = np.abs(np.degrees(np.arctan2(ys, xs))) <= CUSP_HALF_WIDTH_DEG
        inside = (
            (self.sign * zs > 0)
            & (r >= CUSP_INNER_RADIUS)
            & mlt_ok
            & (lam >= self.equatorward)
            & (lam <= self.poleward)
        )
        out = np.zeros(x.shape)
        if inside.any():
            xi, yi, zi, ri = x[inside], y[inside], z[inside], r[inside]
            theta = np.arccos(np.clip(xi / ri, -1.0, 1.0))
            within = ri < self.magnetopause(theta, np.arctan2(zi, yi))
            out[inside] = np.where(within, self.amplitude * (ri / 10.0) ** -3, 0.0)
        return out


def lowest_open_footprint_values(surface, tilt_rad, sign=1.0, *, samples: int = 181) -> float:
    """Kernel: lowest SM footprint latitude (deg) whose dipole field line reaches the magnetopause.

    The cusp is where field lines that thread the magnetopause reach the ionosphere (e.g. Russell 2000,
    Adv. Space Res. 25, 1413): a funnel whose footprints all lie below this latitude is a band of closed
    dipole lines inside the magnetosphere, not a cusp. The line from footprint latitude lambda is
    ``r = sin^2(c) / cos^2(lambda)`` (c the SM colatitude); it is sampled over the hemisphere ``sign``
    (``samples`` points of c), turned into GSM by the tilt and compared with ``surface(theta, phi)`` (RE).
    Bisection to 0.01 deg over :data:`FOOTPRINT_RANGE`; the range's lower end when every line of the
    range reaches the surface, its upper end when none does.
    """
    c = np.linspace(1e-3, 0.5 * np.pi, samples)

    def reaches(lam_deg: float) -> bool:
        r = np.sin(c) ** 2 / math.cos(math.radians(lam_deg)) ** 2
        xs, zs = r * np.sin(c), sign * r * np.cos(c)
        x, _y, z = geo_cusps.sm_to_gsm_values(xs, np.zeros_like(xs), zs, tilt_rad)
        theta = np.arccos(np.clip(x / r, -1.0, 1.0))
        phi = np.where(z >= 0.0, 0.5 * np.pi, -0.5 * np.pi)
        return bool(np.any(r >= surface(theta, phi)))

    lo, hi = FOOTPRINT_RANGE
    if reaches(lo):
        return lo
    if not reaches(hi):
        return hi
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    return hi


def edges_inside_magnetopause(edges, sigmas, surface, r_ref: float):
    """Keep the noon-meridian edges (deg GSM latitude at ``r_ref`` RE) that lie inside the magnetopause.

    ``surface(theta, phi)`` is the magnetopause radius (RE). An edge at or beyond it has no cusp plasma:
    it and its sigma become NaN, and the other edge is still an answer (the requirement asks for the
    poleward *and/or* the equatorward edge). Returns ``(edges, sigmas, status)``: status ``"ok"`` unless
    neither edge is left.
    """
    edges, sigmas = [float(e) for e in edges], [float(s) for s in sigmas]
    for i in range(len(edges)):
        if not math.isfinite(edges[i]):
            edges[i] = sigmas[i] = math.nan
            continue
        lat = math.radians(edges[i])  # the point (cos lat, 0, sin lat) r_ref: theta = |lat|, phi = +-90 deg
        if r_ref >= float(surface(abs(lat), math.copysign(math.pi / 2, lat))):
            edges[i] = sigmas[i] = math.nan
    if not any(math.isfinite(e) for e in edges):
        return edges, sigmas, "cusp outside the magnetopause at the reference distance"
    return edges, sigmas, OK


# ---------------------------------------------------------------------------------------------------
# Fit
# ---------------------------------------------------------------------------------------------------
class _CuspObjective:
    def __init__(self, fm, funnel, sheath_counts, lowest_footprint):
        self.fm = fm
        self.funnel = funnel
        self.lowest = float(lowest_footprint)
        self.k = fm.counts[fm.mask]
        self.b = fm.background[fm.mask]
        self.sheath = sheath_counts
        self.cache: dict = {}
        self.best = (math.inf, None, None)
        self.n_images = 0

    @staticmethod
    def key(lam):
        return (round(float(lam[0]), 9), round(float(lam[1]), 9))

    def funnel_counts(self, edges) -> np.ndarray:
        """(p, n_masked) counts of the unit funnel for (p, 2) edges, one batched PSF."""
        self.n_images += len(edges)
        return self.funnel.counts(edges)[:, self.fm.mask]

    def prefetch(self, lams) -> None:
        """Profile the points ``lams`` not yet cached, their funnel images made together."""
        keys = list(dict.fromkeys(k for k in map(self.key, lams) if k not in self.cache))
        if keys:
            for key, s_c in zip(keys, self.funnel_counts(keys), strict=True):
                self._store(key, s_c)

    def _store(self, key, s_c):
        a, lnl = profile_amplitudes_values(self.k, np.stack([self.sheath, s_c]), self.b)
        self.cache[key] = (a, lnl)
        if -lnl < self.best[0]:
            self.best = (-lnl, np.array(key), a)

    def profile(self, lam):
        key = self.key(lam)
        if key not in self.cache:
            self._store(key, self.funnel_counts([key])[0])
        return self.cache[key]

    def from_free(self, y):
        eq, width = float(y[0]), math.exp(float(y[1]))
        if not (self.lowest <= eq and eq + width <= FOOTPRINT_RANGE[1]):
            return None
        if not WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1]:
            return None
        return np.array([eq, eq + width])

    def __call__(self, y):
        lam = self.from_free(y)
        return 1e30 if lam is None else -self.profile(lam)[1]


def _failed(hemisphere, status, time) -> CuspEstimate:
    nan = np.nan * u.deg
    return CuspEstimate(
        hemisphere, nan, nan, nan, nan, CUSP_REFERENCE_DISTANCE, status, np.datetime64(time, "ns")
    )


def sheath_context(estimates) -> tuple[str, MagnetopauseEstimate | None]:
    """The boundary fit whose sheath the cusp retrieval works on, from the estimates of one image.

    ``estimates`` maps method names to :class:`~smilekit.science.estimates.MagnetopauseEstimate`. Returns
    ``(name, estimate)``: the first of :data:`SHEATH_CONTEXT_METHODS` with status ``"ok"``; else the first
    with fitted parameters whatever its status (e.g. "nose not in view": the fitted model still describes
    the image); else the first that ran (its empty fit makes the retrieval say "no sheath model");
    ``("", None)`` when none ran (:func:`estimate_cusp_edges` then fits Jorgensen itself). The one rule
    for the main job and the evaluation harness.
    """
    ran = [(name, estimates[name]) for name in SHEATH_CONTEXT_METHODS if estimates.get(name) is not None]
    for keep in (lambda est: est.status == OK, lambda est: bool(est.boundary), lambda est: True):
        for name, est in ran:
            if keep(est):
                return name, est
    return "", None


def retrieve_image(l2, *, solar_wind=None) -> tuple[dict, object]:
    """Every stand-off method of :data:`~smilekit.science.magnetopause.METHODS` and the north-cusp edges
    (:func:`estimate_cusp_edges` on the sheath of :func:`sheath_context`) on the first time bin of an L2
    image: ``(estimates by method name, cusp estimate)``. The one sequence of the main job's science stage
    and the pipeline's L3; ``solar_wind`` (a state, or None) gives the starting values and priors."""
    shared = SharedInputs(l2, solar_wind=solar_wind)  # the fits' forward model, the limb, made once
    found = {
        name: method(l2, solar_wind=solar_wind, **shared.kwargs(name)) for name, method in METHODS.items()
    }
    return found, estimate_cusp_edges(l2, solar_wind=solar_wind, magnetopause=sheath_context(found)[1])


def _sheath_model(l2, time_index, solar_wind, magnetopause, sheath):
    """The sheath emissivity model to fit the cusp on (a given one, or a boundary fit's); None if none."""
    if sheath is not None:
        if magnetopause is not None:
            raise InputError("give a magnetopause estimate or a sheath model, not both")
        if not (
            callable(getattr(sheath, "evaluate", None))
            and callable(getattr(sheath, "magnetopause_values", None))
        ):
            raise InputError(
                "sheath must have evaluate(x, y, z) and magnetopause_values(theta, phi), "
                f"got {type(sheath).__name__}"
            )
        return sheath
    if magnetopause is None:
        magnetopause = boundary_fitting_jorgensen(l2, time_index=time_index, solar_wind=solar_wind)
    elif not isinstance(magnetopause, MagnetopauseEstimate):
        raise InputError(
            "magnetopause must be a MagnetopauseEstimate of a boundary fit, got "
            f"{type(magnetopause).__name__}"
        )
    if magnetopause.boundary.get("model") not in ("jorgensen2019", "cmem"):
        if magnetopause.boundary:
            raise InputError(
                "magnetopause must come from boundary_fitting_jorgensen or boundary_fitting_cmem"
            )
        return None
    return boundary_model(magnetopause.boundary)


def estimate_cusp_edges(
    l2, *, time_index: int = 0, solar_wind=None, magnetopause=None, sheath=None, hemisphere: str = "north"
) -> CuspEstimate:
    """Equatorward and poleward cusp edges at :data:`CUSP_REFERENCE_DISTANCE` from one L2 image.

    Parameters
    ----------
    l2 : xarray.Dataset
        SXI L2 images with the pointing attributes.
    time_index : int
        The time bin.
    solar_wind : SolarWindState, optional
        Upstream conditions, passed to the boundary fit when ``magnetopause`` is not given.
    magnetopause : MagnetopauseEstimate, optional
        A :func:`~smilekit.science.boundary_fit.boundary_fitting_jorgensen` or ``_cmem`` estimate of the
        same image (its ``boundary`` parameters give the sheath, whatever its status, e.g. "nose not in
        view": the fitted model still describes the image); default: fit Jorgensen here.
    sheath : object, optional
        Instead of ``magnetopause``: any sheath emissivity model with ``evaluate(x, y, z)`` (GSM, RE) and
        ``magnetopause_values(theta, phi)`` (RE), e.g. one from an MHD run, or the truth's own in a
        benchmark of what an exact sheath would give.
    hemisphere : {"north", "south"}

    Returns
    -------
    CuspEstimate
        GSM noon-meridian latitudes (deg) of the edges at 7 RE and their 1-sigma errors; NaN and a status
        when there is no answer (module notes).

    Raises
    ------
    InputError
        For bad input: not an L2 dataset, time_index out of range, an unknown hemisphere, a magnetopause
        estimate that is not from boundary fitting, a sheath without those methods, or both.
    """
    sign = _hemisphere_sign(hemisphere)
    geo = image_geometry(l2, time_index)
    ti = int(time_index) % l2.sizes["time"]
    model = _sheath_model(l2, ti, solar_wind, magnetopause, sheath)
    if model is None:
        return _failed(hemisphere, "no sheath model", geo.time)
    tilt = float(dipole_tilt(geo.time).to_value(u.rad))
    surface = model.magnetopause_values  # r_mp(theta, phi) in RE
    fm = ForwardModel(rebinned_frame(l2, ti, CUSP_FIT_PIXEL_DEG))
    if fm.mask.sum() < 10:
        return _failed(hemisphere, "no usable pixels", geo.time)
    sheath_counts = fm.source_counts(fm.intensity_values(model.evaluate))[fm.mask]
    lowest = lowest_open_footprint_values(surface, tilt, sign)
    funnel = ReducedFunnelModel(
        fm,
        surface,
        tilt_rad=tilt,
        sign=sign,
        inner_radius=CUSP_INNER_RADIUS,
        half_width_deg=CUSP_HALF_WIDTH_DEG,
    )
    obj = _CuspObjective(fm, funnel, sheath_counts, lowest)
    broad = obj.funnel_counts([(65.0, 85.0)])[0]
    if not np.any(broad > 1e-6 * max(float(broad.max()), 1e-300)) or broad.sum() <= 0:
        return _failed(hemisphere, "cusp not in field of view", geo.time)
    _, lnl0 = profile_amplitudes_values(obj.k, sheath_counts[None, :], obj.b)
    centres = [c for c in START_CENTRES if c - 0.5 * START_WIDTH >= lowest] or [lowest + 0.5 * START_WIDTH]
    starts = [np.array([c - 0.5 * START_WIDTH, c + 0.5 * START_WIDTH]) for c in centres]
    obj.prefetch(starts)
    lam0 = min(starts, key=lambda lam: -obj.profile(lam)[1])
    y0 = np.array([lam0[0], math.log(lam0[1] - lam0[0])])
    simplex = np.vstack([y0, y0 + np.array([0.7, 0.0]), y0 + np.array([0.0, 0.3])])
    options = {"initial_simplex": simplex, "xatol": 0.02, "fatol": 0.05, "maxfev": 60}
    minimize(obj, y0, method="Nelder-Mead", options=options)
    lam = obj.best[1]
    a, lnl = obj.profile(lam)
    if lnl - lnl0 < MIN_SIGNAL_DLNL or a[1] <= 0:
        return _failed(hemisphere, "no cusp signal", geo.time)
    if (
        lam[0] <= lowest + 0.05
        or lam[1] >= FOOTPRINT_RANGE[1] - 0.05
        or lam[1] - lam[0] <= WIDTH_RANGE[0] + 0.01
        or lam[1] - lam[0] >= WIDTH_RANGE[1] - 0.01
    ):
        return _failed(hemisphere, "edge at bound", geo.time)

    def neg_lnl(v):  # -ln L (amplitudes profiled) in the two footprint latitudes
        return math.inf if v[1] - v[0] < WIDTH_RANGE[0] else -obj.profile(v)[1]

    hess = central_hessian_values(neg_lnl, lam, np.full(2, HESSIAN_STEP_DEG))  # edges and sigmas at lam
    try:
        cov = np.linalg.inv(hess)
        ok = np.all(np.linalg.eigvalsh(hess) > 0) and np.all(np.diag(cov) > 0)
    except np.linalg.LinAlgError:
        ok = False
    if not ok:
        return _failed(hemisphere, "no convergence", geo.time)
    r_ref = CUSP_REFERENCE_DISTANCE.to_value(RE)
    edges, sigmas = [], []
    for i in range(2):
        lat = float(dipole_footprint_to_gsm_latitude_values(lam[i], r_ref, tilt, sign))
        d = 0.01
        slope = (
            float(dipole_footprint_to_gsm_latitude_values(lam[i] + d, r_ref, tilt, sign))
            - float(dipole_footprint_to_gsm_latitude_values(lam[i] - d, r_ref, tilt, sign))
        ) / (2 * d)
        edges.append(lat)
        sigmas.append(abs(slope) * math.sqrt(cov[i, i]))
    edges, sigmas, status = edges_inside_magnetopause(edges, sigmas, surface, r_ref)
    return CuspEstimate(
        hemisphere, edges[0] * u.deg, edges[1] * u.deg, sigmas[0] * u.deg, sigmas[1] * u.deg,
        CUSP_REFERENCE_DISTANCE, status, geo.time,
    )  # fmt: skip
