"""The SXI forward model for fitting: expected counts per L2 pixel from an emissivity model.

For one time bin of an L2 image (:func:`~smilekit.instruments.sxi.l2.make_l2`) and any emissivity model
with ``evaluate(x, y, z)`` (RE, GSM -> eV cm^-3 s^-1), the expected counts in pixel i are

    m_i = c_i * sum_j K(i - j) * I_j * T * Omega_j * V_j * C  +  b_i,

the chain of :mod:`~smilekit.instruments.sxi.simulate` written per pixel:

* ``I_j``: the line-of-sight intensity (keV cm^-2 s^-1 sr^-1) along the centre ray of sky pixel j, from
  the spacecraft through the model in GSM (:func:`smilekit.science.geometry.image_geometry`), integrated by
  the adaptive kernel :func:`~smilekit.imaging.los.los_integral_values` and converted with
  :data:`~smilekit.imaging.los.INTENSITY_FACTOR` exactly as
  :func:`~smilekit.imaging.los.los_intensity` does (rays stop at the Earth or after 80 RE);
* ``T`` the live time of the bin, ``Omega_j`` the pixel's exact solid angle, ``V_j`` the vignetting at its
  centre, ``C`` the SWCX counts per unit intensity in the L2 band (``counts_per_intensity`` attribute);
* ``K``: the PSF as a pixel-to-pixel kernel, the probability that a photon arriving uniformly over one
  pixel's focal-plane box lands in a box k pixels away
  (:func:`~smilekit.instruments.sxi.psf.box_probability_values`: spot, the two cruciform arms along the
  detector axes, which are the image axes u and v, and the diffuse part), applied as a linear
  convolution; the PSF is the product of one profile along u and one along v
  (:func:`~smilekit.instruments.sxi.psf.axis_profile_values`), so the convolution is two banded matrix
  products, one per axis;
* ``c_i`` the pixel's CCD coverage (photons landing off the CCD are lost), ``b_i`` the L2 background
  model (counts, taken as exact, as the L2 processing does).

Approximations (each small against the Poisson noise of a 5-min image, see the tests):

1. The intensity of a pixel is its centre ray's (no sub-pixel average); fitting on coarser pixels
   (:func:`rebin`) smooths sharp edges less than the real pixels would.
2. The L2 grid is regular in the tangent plane, i.e. in the focal plane, so ``K`` is the same for every
   pixel: the PSF model is shift-invariant in focal-plane millimetres (exact for the Gaussian PSF of
   :mod:`~smilekit.instruments.sxi.psf`). The coverage multiplies the smoothed counts, i.e. photons are
   taken as uniform across a partly covered pixel.
3. Sky beyond the image contributes through the PSF wings: the intensity is computed on the image grid
   extended by ``margin`` (default 2 wing sigmas, 2 deg) and continued with the values at the margin's
   edge out to the kernel's reach (4 wing sigmas: a kernel cut at 2 sigmas would lose 3.4 % of the
   photons).
4. The pixels used in a likelihood are those with coverage >= 0.9 (the L2 notes' advice for science).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from scipy.linalg import convolution_matrix
from scipy.special import gammaln

from smilekit.errors import InputError
from smilekit.imaging.adaptive import ray_lengths_values
from smilekit.imaging.los import INTENSITY_FACTOR, adjacent_rays, los_integral_values
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.psf import axis_profile_values, box_probability_values, vignetting_values
from smilekit.instruments.sxi.simulate import pixel_solid_angle_values
from smilekit.science.geometry import image_geometry, pixel_directions_values

__all__ = [
    "MIN_COVERAGE",
    "ForwardModel",
    "expected_counts_image",
    "poisson_log_likelihood_values",
    "psf_kernel_values",
    "psf_profile_values",
    "rebin",
]

#: Pixels with a smaller CCD coverage are left out of likelihoods (L2 notes: keep coverage >= 0.9).
MIN_COVERAGE = 0.9
#: Longest ray (RE), as the default of :func:`~smilekit.imaging.los.los_intensity`.
MAX_DISTANCE_RE = 80.0
#: Margin of sky around the image, in PSF-wing sigmas (module notes, approximation 3).
MARGIN_WING_SIGMAS = 2.0
#: Reach of the PSF kernel in wing sigmas (the kernel then holds all but 4e-5 of the photons).
KERNEL_WING_SIGMAS = 4.0

_SUMMED = ("counts", "background", "solid_angle")


def _check_l2(l2) -> None:
    if not isinstance(l2, xr.Dataset) or "counts" not in l2 or "xi" not in l2.coords:
        raise InputError("l2 must be an SXI L2 Dataset (make_l2 or read_l2)")
    missing = [k for k in ("background", "exposure", "coverage", "vignetting") if k not in l2]
    if missing:
        raise InputError(f"the L2 dataset lacks the variables {missing}")
    if "counts_per_intensity" not in l2.attrs:
        raise InputError("the L2 dataset lacks its counts_per_intensity attribute")


def rebin(l2: xr.Dataset, factor: int) -> xr.Dataset:
    """An L2 dataset on pixels ``factor`` times larger (e.g. 2: 0.25 deg -> 0.5 deg).

    Counts, backgrounds and solid angles are summed over the ``factor x factor`` blocks; exposure,
    coverage and the tangent-plane coordinates are block means; the vignetting is the solid-angle
    weighted mean; the foreground and its error are recomputed as in :func:`make_l2`. Rows or columns that
    do not fill a block are dropped, half at each side (the image stays centred on the boresight when it
    was). Attributes are kept (``pixel_deg`` multiplied by ``factor``).

    Raises
    ------
    InputError
        If ``l2`` is not an L2 dataset, or ``factor`` is not a positive integer that leaves at least one
        pixel per axis.
    """
    _check_l2(l2)
    if isinstance(factor, bool) or not isinstance(factor, int | np.integer) or factor < 1:
        raise InputError(f"factor must be a positive integer, got {factor!r}")
    factor = int(factor)
    if factor == 1:
        return l2
    ny, nx = l2.sizes["v"], l2.sizes["u"]
    if ny < factor or nx < factor:
        raise InputError(f"factor {factor} exceeds the image size ({ny} x {nx} pixels)")
    ry, rx = ny % factor, nx % factor
    rows, cols = slice(ry // 2, ny - (ry - ry // 2)), slice(rx // 2, nx - (rx - rx // 2))
    by, bx = (ny - ry) // factor, (nx - rx) // factor

    def blocks(a: np.ndarray) -> np.ndarray:  # (..., v, u) cropped, as (..., by, f, bx, f)
        return a[..., rows, cols].reshape(*a.shape[:-2], by, factor, bx, factor)

    # numpy throughout and one Dataset at the end: xarray's per-operation overhead was most of the cost
    # (the variables as plain Variables, not DataArrays with their coordinates)
    omega = blocks(l2["solid_angle"].values) if "solid_angle" in l2 else None
    out = {}
    for name in l2.data_vars:
        var = l2.variables[name]
        if set(var.dims) >= {"v", "u"} and name not in ("foreground", "foreground_error"):
            dims = (*(d for d in var.dims if d not in ("v", "u")), "v", "u")
            a = np.asarray(var.transpose(*dims).values, dtype=np.float64)
            if name in _SUMMED or name.startswith("background"):
                val = blocks(a).sum(axis=(-3, -1))
            elif name == "vignetting" and omega is not None:
                val = (blocks(a) * omega).sum(axis=(-3, -1)) / omega.sum(axis=(-3, -1))
            else:
                val = blocks(a).mean(axis=(-3, -1))
            out[name] = (dims, val.astype(var.dtype) if name == "counts" else val, dict(var.attrs))
    xi = l2["xi"].values[cols].reshape(bx, factor).mean(axis=1)
    eta = l2["eta"].values[rows].reshape(by, factor).mean(axis=1)
    coords = {k: c for k, c in l2.coords.items() if "u" not in c.dims and "v" not in c.dims}
    coords.update(
        {
            "u": ("u", np.degrees(np.arctan(np.radians(xi))), dict(l2["u"].attrs)),
            "v": ("v", np.degrees(np.arctan(np.radians(eta))), dict(l2["v"].attrs)),
            "xi": ("u", xi, dict(l2["xi"].attrs)),
            "eta": ("v", eta, dict(l2["eta"].attrs)),
        }
    )
    if "solid_angle" in out and "foreground" in l2:
        counts, exposure = out["counts"][1], out["exposure"][1]
        denom = exposure * out["solid_angle"][1] * out["vignetting"][1] * l2.attrs["counts_per_intensity"]
        good = denom > 0
        safe = np.where(good, denom, 1.0)
        out["foreground"] = (
            out["exposure"][0],
            np.where(good, (counts - out["background"][1]) / safe, np.nan),
            dict(l2["foreground"].attrs),
        )
        out["foreground_error"] = (
            out["exposure"][0],
            np.where(good, np.sqrt(np.maximum(counts, 1.0)) / safe, np.nan),
            dict(l2["foreground_error"].attrs),
        )
    ds = xr.Dataset(
        out, coords=coords, attrs={**l2.attrs, "pixel_deg": l2.attrs.get("pixel_deg", 0) * factor}
    )
    if "foreground" in ds:
        ds = ds.transpose("time", "v", "u", ...)
    return ds


def psf_kernel_values(pixel_deg: float, half_width: int, v) -> np.ndarray:
    """Kernel: the PSF between tangent-plane pixels, shape (2 h + 1, 2 h + 1) (rows v, columns u).

    Entry (h + a, h + b) is the probability that a photon arriving uniformly over a pixel's focal-plane
    box lands in the box ``a`` pixels away along v (body Y) and ``b`` along u (body X):
    :func:`~smilekit.instruments.sxi.psf.box_probability_values` with a pixel of ``f * radians(pixel)``
    mm. The Gaussian components are symmetric, so the kernel is too (convolution = correlation). The
    forward model uses its separable form (:func:`psf_profile_values`, whose outer product this is); this
    two-dimensional one is the independent reference the tests hold that to.
    """
    side = v.focal_mm * math.radians(pixel_deg)
    k = np.arange(-half_width, half_width + 1, dtype=np.float64) * side
    yy, xx = np.meshgrid(k, k, indexing="ij")
    target = np.array([[-0.5 * side, 0.5 * side, -0.5 * side, 0.5 * side]])
    return box_probability_values(
        xx - 0.5 * side, xx + 0.5 * side, yy - 0.5 * side, yy + 0.5 * side, target, v
    )


def psf_profile_values(pixel_deg: float, half_width: int, v) -> np.ndarray:
    """Kernel: the PSF between tangent-plane pixels along one axis, shape (2 h + 1,); the kernel of
    :func:`psf_kernel_values` is its outer product with itself
    (:func:`~smilekit.instruments.sxi.psf.axis_profile_values`). Symmetric."""
    side = v.focal_mm * math.radians(pixel_deg)
    k = np.arange(-half_width, half_width + 1, dtype=np.float64) * side
    return axis_profile_values(k - 0.5 * side, k + 0.5 * side, -0.5 * side, 0.5 * side, v)


def poisson_log_likelihood_values(counts, expected) -> float:
    """Kernel: Poisson log-likelihood sum(k ln m - m - ln k!) of counts k given expected counts m > 0."""
    k = np.asarray(counts, dtype=np.float64)
    m = np.maximum(np.asarray(expected, dtype=np.float64), 1e-300)
    return float(np.sum(k * np.log(m) - m - gammaln(k + 1.0)))


def _extend(centres: np.ndarray, pix: float, n: int) -> np.ndarray:
    """Regular pixel centres continued by ``n`` pixels at both ends."""
    return np.concatenate(
        [centres[0] + np.arange(-n, 0) * pix, centres, centres[-1] + (np.arange(n) + 1) * pix]
    )


class ForwardModel:
    """The forward model of one L2 time bin with its geometry, PSF kernel and weights precomputed.

    Parameters
    ----------
    l2 : xarray.Dataset
        An L2 dataset (already :func:`rebin`-ned if fitting on coarser pixels).
    time_index : int
        The time bin.
    config : SXIConfig, optional
        The instrument model the L2 was made with (default ``SXIConfig()``): PSF and vignetting.
    margin_deg : float, optional
        Sky margin around the image (deg); default :data:`MARGIN_WING_SIGMAS` PSF-wing sigmas.

    Attributes
    ----------
    counts, background, coverage : numpy.ndarray
        (nv, nu) of the time bin.
    mask : numpy.ndarray
        (nv, nu) bool, the pixels used by :meth:`log_likelihood` (coverage >= :data:`MIN_COVERAGE`,
        positive exposure).
    directions : numpy.ndarray
        (nv + 2 h, nu + 2 h, 3) GSM unit vectors of the extended sky grid (h the margin in pixels).
    sc_gsm : numpy.ndarray
        Spacecraft position (GSM, RE).
    ray_origins, ray_directions, ray_lengths : numpy.ndarray
        The flattened rays of the extended grid: (n_rays, 3) starts (GSM, RE) and unit vectors, (n_rays,)
        lengths (RE) to the Earth or :data:`MAX_DISTANCE_RE`.
    time : numpy.datetime64
        Middle of the time bin.
    """

    def __init__(self, l2: xr.Dataset, *, time_index: int = 0, config=None, margin_deg: float | None = None):
        _check_l2(l2)
        geo = image_geometry(l2, time_index)
        cfg = SXIConfig.resolve(config)
        v = cfg.values
        self.time = geo.time
        self.geometry = geo
        xi, eta = geo.xi_deg, geo.eta_deg
        if xi.size < 2 or eta.size < 2:
            raise InputError("the L2 image must have at least 2 x 2 pixels")
        pix = float(np.median(np.diff(xi)))
        if not np.allclose(np.diff(xi), pix, rtol=1e-6) or not np.allclose(np.diff(eta), pix, rtol=1e-6):
            raise InputError("the L2 pixels must be a regular square tangent-plane grid")
        self.pixel_deg = pix
        wing_deg = math.degrees(v.wing_sigma_mm / v.focal_mm)
        margin = MARGIN_WING_SIGMAS * wing_deg if margin_deg is None else float(margin_deg)
        h = max(0, math.ceil(margin / pix - 1e-9))
        k = max(h, math.ceil(KERNEL_WING_SIGMAS * wing_deg / pix - 1e-9))
        self.half_width = h
        self._pad = k - h
        n_v, n_u = eta.size + 2 * h, xi.size + 2 * h
        # the grid extended by its edge values (numpy.pad's "edge" mode): one gather of these flat indices
        rows = np.clip(np.arange(-self._pad, n_v + self._pad), 0, n_v - 1)
        cols = np.clip(np.arange(-self._pad, n_u + self._pad), 0, n_u - 1)
        self._pad_index = (rows[:, None] * n_u + cols[None, :]).ravel()
        xi_ext, eta_ext = _extend(xi, pix, k), _extend(eta, pix, k)
        tu, tv = np.radians(xi_ext), np.radians(eta_ext)
        half = 0.5 * math.radians(pix)
        b_lo, a_lo = np.meshgrid(tv - half, tu - half, indexing="ij")
        b_hi, a_hi = np.meshgrid(tv + half, tu + half, indexing="ij")
        omega = pixel_solid_angle_values(a_lo, a_hi, b_lo, b_hi)
        tvv, tuu = np.meshgrid(tv, tu, indexing="ij")
        vig = vignetting_values(tuu, tvv, v)
        live = float(l2["livetime"].values[time_index]) if "livetime" in l2.coords else None
        sel = l2.isel(time=time_index)
        self.counts = np.asarray(sel["counts"].values, dtype=np.float64)
        self.background = np.asarray(sel["background"].values, dtype=np.float64)
        self.coverage = np.asarray(sel["coverage"].values, dtype=np.float64)
        exposure = np.asarray(sel["exposure"].values, dtype=np.float64)
        if live is None:
            good = self.coverage > 0
            live = float(np.median(exposure[good] / self.coverage[good])) if good.any() else 0.0
        self.livetime = live
        self.counts_per_intensity = float(l2.attrs["counts_per_intensity"])
        #: counts per unit intensity of each extended sky pixel before the PSF and the coverage
        self.weight = omega * vig * live * self.counts_per_intensity
        #: the PSF between pixels along one axis (:func:`psf_profile_values`); the kernel is its outer product
        self.psf_profile = psf_profile_values(pix, k, v)
        # valid correlation with the profile along each axis, as matrices (the profile is symmetric)
        m = self.psf_profile.size
        self._psf_rows = convolution_matrix(self.psf_profile[::-1], eta.size + m - 1, mode="valid")
        self._psf_cols = convolution_matrix(self.psf_profile[::-1], xi.size + m - 1, mode="valid").T
        self.mask = (self.coverage >= MIN_COVERAGE) & (exposure > 0) & np.isfinite(self.background)
        self.directions = pixel_directions_values(_extend(xi, pix, h), _extend(eta, pix, h), geo.body_to_gsm)
        self.sc_gsm = geo.sc_gsm
        d = self.directions.reshape(-1, 3)
        self.ray_origins = np.broadcast_to(self.sc_gsm, d.shape).copy()
        self.ray_directions = np.ascontiguousarray(d)
        self.ray_lengths = ray_lengths_values(self.ray_origins, self.ray_directions, MAX_DISTANCE_RE)
        self._neighbours = adjacent_rays(self.directions.shape[:2])
        self.n_rays = d.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """(nv, nu) of the image."""
        return self.counts.shape

    def intensity_values(self, evaluate, *, threads: int | None = 1) -> np.ndarray:
        """Intensity (keV cm^-2 s^-1 sr^-1) on the extended sky grid, (nv + 2 h, nu + 2 h).

        ``evaluate(x, y, z)`` on plain floats (RE, GSM) -> eV cm^-3 s^-1; one thread by default (the fits
        run one image per core).
        """
        integral, _ = los_integral_values(
            evaluate,
            self.ray_origins,
            self.ray_directions,
            self.ray_lengths,
            threads=threads,
            neighbours=self._neighbours,
        )
        return (integral * INTENSITY_FACTOR).reshape(self.directions.shape[:2])

    def source_counts(self, intensity: np.ndarray) -> np.ndarray:
        """Expected SWCX counts (..., nv, nu) from intensities on the extended grid (PSF and coverage).

        ``intensity`` is (nv + 2 h, nu + 2 h) or a stack of them (..., nv + 2 h, nu + 2 h); the PSF is a
        linear convolution, separable (module notes): a banded matrix product along v, then one along u.
        """
        x = np.asarray(intensity, dtype=np.float64)
        grid = self.directions.shape[:2]
        if x.shape[-2:] != grid:
            raise InputError(
                f"intensity must be (..., {grid[0]}, {grid[1]}) on the extended sky grid (rows v, columns "
                f"u), got shape {x.shape}"
            )
        if self._pad:  # extend by the edge values (numpy.pad's "edge" mode, a twentieth of its cost)
            lead = x.shape[:-2]
            x = np.take(x.reshape(*lead, -1), self._pad_index, axis=-1).reshape(*lead, *self.weight.shape)
        return np.maximum(self._psf_rows @ (x * self.weight) @ self._psf_cols, 0.0) * self.coverage

    def expected(self, model, *, threads: int | None = 1) -> np.ndarray:
        """Expected counts (nv, nu): SWCX through the instrument plus the background."""
        return self.source_counts(self.intensity_values(model.evaluate, threads=threads)) + self.background

    def log_likelihood(self, expected: np.ndarray) -> float:
        """Poisson log-likelihood of the counts in the masked pixels given expected counts (nv, nu)."""
        return poisson_log_likelihood_values(self.counts[self.mask], expected[self.mask])


def expected_counts_image(model, l2: xr.Dataset, *, time_index: int = 0, config=None) -> xr.DataArray:
    """Expected counts per L2 pixel for an emissivity model (module notes), as an xarray image.

    Parameters
    ----------
    model : EmissivityModel
        Anything with ``evaluate(x, y, z)`` (RE, GSM) -> eV cm^-3 s^-1 (e.g.
        :class:`~smilekit.geospace.emissivity.Jorgensen2019`).
    l2 : xarray.Dataset
        An L2 dataset (:func:`~smilekit.instruments.sxi.l2.make_l2`, or :func:`rebin`-ned).
    time_index : int
        The time bin.
    config : SXIConfig, optional
        The instrument model of the L2 (default ``SXIConfig()``).

    Returns
    -------
    xarray.DataArray
        dims ("v", "u"), units "ct": the SWCX counts plus the L2 background; attrs ``swcx_counts`` (the
        total SWCX part, ct).

    Raises
    ------
    InputError
        If ``l2`` is not an L2 dataset or ``time_index`` is out of range, or ``model`` has no evaluate.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.geospace.emissivity import Jorgensen2019
    >>> from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
    >>> from smilekit.units import RE
    >>> model = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)
    >>> sky = intensity_map(model, [6, 0, 18] * RE, [7.5, 0, 0] * RE, pixel=1 * u.deg,
    ...                     fov=(33, 22) * u.deg, time="2026-03-20T12:00")
    >>> l2 = make_l2(simulate_events(sky, 300 * u.s, rng=1, backgrounds=()), pixel=1 * u.deg,
    ...              backgrounds=())
    >>> m = expected_counts_image(model, l2)
    >>> m.dims, m.attrs["units"], bool(abs(m.sum() / l2.counts.sum() - 1) < 0.1)
    (('v', 'u'), 'ct', True)
    """
    if not callable(getattr(model, "evaluate", None)):
        raise InputError(
            f"model must have evaluate(x, y, z) (an EmissivityModel), got {type(model).__name__}"
        )
    fm = ForwardModel(l2, time_index=time_index, config=config)
    swcx = fm.source_counts(fm.intensity_values(model.evaluate, threads=None))
    return xr.DataArray(
        swcx + fm.background,
        dims=("v", "u"),
        coords={"v": l2["v"], "u": l2["u"], "xi": l2["xi"], "eta": l2["eta"]},
        attrs={"units": "ct", "swcx_counts": float(swcx.sum()), "long_name": "expected counts"},
        name="expected_counts",
    )
