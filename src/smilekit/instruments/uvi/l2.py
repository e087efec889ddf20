"""UVI level 2: dayglow removed, vertical-column brightness, and the map on magnetic latitude x MLT.

From an L1 image (:func:`~smilekit.instruments.uvi.l1.make_l1`) and the viewing geometry of the same
frame (:func:`~smilekit.instruments.uvi.sky.shell_geometry`, on the same pixel grid):

1. **Dayglow** (``dayglow="fit"``, the default). The dayglow's shape over the image is modelled from the
   solar zenith angle ``chi`` at the emission shell: the nadir brightness law of
   :func:`smilekit.geospace.fuv_emission.dayglow_brightness` (Chapman grazing incidence, :cite:`chapman1931`,
   the cos(SZA) law of FUV dayglow models, :cite:`immel2000`) for a unit subsolar brightness, times the
   pixel's slant factor, blurred by the instrument PSF: the template ``T``. Its amplitude ``A`` (the
   subsolar nadir dayglow, R) is fitted by weighted least squares, ``A = sum(T y / s^2) / sum(T^2 / s^2)``,
   to the image's sunlit pixels (``T`` > 0.05) away from the oval (magnetic latitude below
   :data:`DAYGLOW_FIT_MAX_MLAT`, 55 deg, where OVATION puts little aurora), clipping pixels more than 3
   sigma above the fit three times (aurora that reaches there), and leaving out each 1-deg latitude band
   whose median residual stands above the fit (:data:`BAND_EXCESS`: a storm-time oval that reaches below
   55 deg fills whole bands at a few sigma a pixel); its error is scaled by ``sqrt(chi^2 / dof)`` where
   that exceeds 1. With fewer than :data:`MIN_FIT_PIXELS` such pixels, or ``dayglow="model"``, ``A`` is
   the model's subsolar value (:data:`~smilekit.geospace.fuv_emission.DAYGLOW_SUBSOLAR`), with a 50 %
   uncertainty (assumption: the dayglow scales with the solar EUV). ``dayglow="none"`` removes nothing.
   ``A T`` is subtracted and its uncertainty, ``T sigma_A``, added in quadrature.
2. **Vertical column.** The rest is divided by the pixel's slant factor (the van Rhijn factor capped at the
   limb, :cite:`vanrhijn1921`; :func:`~smilekit.instruments.uvi.sky.slant_factor_values`), giving the
   brightness seen at nadir, the quantity the emission model and the boundary threshold refer to. Pixels
   seen at a view zenith angle above ``max_view_zenith`` (80 deg; the slant factor's 5.8, growing fast
   towards the limb) are left out.
3. **Map.** The measured pixels (not NaN in L1: a row lost in the downlink is left out) on the shell with
   magnetic latitude (AACGM-v2, the geometry's) of at least 50 deg are averaged in the bins of the OVATION
   Prime grid (:cite:`newell2009`; 0.5 deg x 0.25 h, centres 50.25-89.75 deg and 0.125-23.875 h), each
   pixel weighing 1; the variance of a bin's mean is the noise's ``sum(sigma^2) / n^2`` (the pixel noise
   is independent, :mod:`~smilekit.instruments.uvi.l1`) plus the square of the mean of the pixels'
   ``T sigma_A`` (one amplitude for the whole image: that part does not average down, in a bin or over
   bins; ``dayglow_err`` gives it for the sums over bins). A bin with no pixel is not covered (``coverage``
   False, NaN brightness). The PSF blur is not undone: the map is of the blurred sky (a 3.9 arcmin FWHM,
   110 km at 15 RE, about a 1-deg latitude bin).
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_scalar, check_range
from smilekit.errors import InputError
from smilekit.geospace.fuv_emission import DAYGLOW_SUBSOLAR, dayglow_values, solar_zenith_angle
from smilekit.instruments.uvi.config import UVIConfig
from smilekit.instruments.uvi.detector import blur_values
from smilekit.units import RAYLEIGH

__all__ = [
    "BAND_EXCESS",
    "DAYGLOW_FIT_MAX_MLAT",
    "MAX_VIEW_ZENITH",
    "MIN_FIT_PIXELS",
    "MLAT_BIN",
    "MLT_BIN",
    "bin_values",
    "check_same_frame",
    "fit_dayglow_values",
    "make_l2",
]

#: Pixels below this magnetic latitude (and sunlit) fix the dayglow amplitude (away from the oval).
DAYGLOW_FIT_MAX_MLAT = 55.0 * u.deg
#: Fewest pixels for a dayglow fit; below, the model's amplitude is used.
MIN_FIT_PIXELS = 200
#: A 1-deg latitude band of the dayglow fit whose median residual exceeds this many sigma (and five standard
#: errors of a median) is left out. A choice, made on the synthetic frames of the L2 tests: an uncontaminated
#: fit loses no band (its amplitude bit for bit as without the rule), a 300 R oval at 50-58 deg is removed.
BAND_EXCESS = 0.5
_MEDIAN_SE = math.sqrt(math.pi / 2.0)  # the standard error of a median of n normal values, times sqrt(n)
#: Pixels seen more obliquely than this are left out of the L2 map.
MAX_VIEW_ZENITH = 80.0 * u.deg
#: The L2 map's bins: OVATION Prime's (Newell et al. 2009).
MLAT_BIN = 0.5 * u.deg
MLT_BIN = 0.25 * u.h
_MLAT_LOW = 50.0
_TEMPLATE_MIN = 0.05


def fit_dayglow_values(y, s, template, usable, n_min: int, band=None):
    """Kernel: weighted least-squares amplitude of ``template`` in ``y`` (errors ``s``) over ``usable``.

    Three passes clip pixels more than 3 sigma above the fit and, with ``band`` (an integer label per pixel:
    the 1-deg magnetic-latitude band), leave out every band whose median residual lies above the fit by
    more than :data:`BAND_EXCESS` sigma and five standard errors of a median (aurora that reaches the
    window: a low-latitude storm-time oval fills whole bands at a few sigma a pixel, which the pixel
    clipping alone leaves mostly in). ``sigma_A`` is the fit's statistical error scaled by
    ``sqrt(chi^2 / dof)`` of the pixels kept where that exceeds 1. Returns ``(A, sigma_A, n_used)``, or
    ``(nan, nan, n)`` with fewer than ``n_min`` pixels.
    """
    use = usable & np.isfinite(y) & (s > 0)
    # the candidate pixels, once: every pass works on them alone, not on the whole image
    y, s, template = y[use], s[use], template[use]
    band = None if band is None else np.asarray(band)[use]
    keep = np.ones(y.size, dtype=bool)
    a = np.nan
    var_a = np.nan
    for _ in range(3):
        n = int(keep.sum())
        if n < n_min:
            return np.nan, np.nan, n
        t = template[keep]
        w = t / s[keep] ** 2
        den = float(np.sum(w * t))
        a = float(np.sum(w * y[keep])) / den
        var_a = 1.0 / den
        kept = keep.copy()  # the n pixels the amplitude was fitted on
        pull = (y - a * template) / s
        if band is not None:  # each band's median pull, from one sort by band then pull
            bk, pk = band[kept], pull[kept]
            order = np.lexsort((pk, bk))
            bands, first, count = np.unique(bk[order], return_index=True, return_counts=True)
            pk = pk[order]
            median = 0.5 * (pk[first + (count - 1) // 2] + pk[first + count // 2])
            keep &= ~np.isin(band, bands[median > np.maximum(BAND_EXCESS, 5.0 * _MEDIAN_SE / np.sqrt(count))])
        keep &= pull < 3.0
    chi2 = float(np.sum(pull[kept] ** 2))
    return a, math.sqrt(var_a * max(1.0, chi2 / max(n - 1, 1))), n


def bin_values(mlat, mlt, value, var, mlat_step: float, mlt_step: float, mlat_low: float):
    """Kernel: per-bin mean, variance of the mean and count of pixels on a regular (mlat, mlt) grid.

    ``mlat`` (deg) and ``mlt`` (h) 1-D over the valid pixels; bins ``[mlat_low, 90)`` x ``[0, 24)``.
    Returns arrays of shape (nmlat, nmlt); NaN where a bin is empty.
    """
    nlat = round((90.0 - mlat_low) / mlat_step)
    nlt = round(24.0 / mlt_step)
    i = np.floor((mlat - mlat_low) / mlat_step).astype(np.int64)
    j = np.floor(np.mod(mlt, 24.0) / mlt_step).astype(np.int64) % nlt
    ok = (i >= 0) & (i < nlat)
    flat = i[ok] * nlt + j[ok]
    size = nlat * nlt
    n = np.bincount(flat, minlength=size).astype(np.float64)
    total = np.bincount(flat, weights=value[ok], minlength=size)
    vtot = np.bincount(flat, weights=var[ok], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        vmean = np.where(n > 0, vtot / (n * n), np.nan)
    shape = (nlat, nlt)
    return mean.reshape(shape), vmean.reshape(shape), n.reshape(shape)


def check_same_frame(image: xr.DataArray, attrs, g: xr.Dataset, caller: str = "make_l2") -> None:
    """InputError unless the geometry ``g`` (:func:`~smilekit.instruments.uvi.sky.shell_geometry`) is of the
    frame of ``image`` (an image-plane variable of an L1 or L2 dataset whose attributes are ``attrs``): the
    same pixel grid and coordinates, the same time, the same boresight (within 0.01 deg)."""
    if not isinstance(g, xr.Dataset) or "on_shell" not in g:
        raise InputError(f"{caller}: the geometry must be the Dataset of shell_geometry")
    if image.shape != g["on_shell"].shape:
        raise InputError(
            f"{caller}: the geometry's grid {g['on_shell'].shape} is not the image's {image.shape}; "
            "make it with shell_geometry(..., config=) of the same instrument"
        )
    for d in ("eta", "xi"):
        if d in image.coords and d in g.coords and not np.allclose(image[d].values, g[d].values, rtol=1e-9):
            raise InputError(f"{caller}: the geometry's {d} coordinates differ from the image's")
    if "time" in attrs and attrs["time"] != g.attrs.get("time"):
        raise InputError(f"{caller}: the image is of {attrs['time']}, the geometry of {g.attrs.get('time')}")
    if "boresight_gse" in attrs:
        cosang = float(np.dot(attrs["boresight_gse"], g.attrs["boresight_gse"]))
        if cosang < math.cos(math.radians(0.01)):
            raise InputError(f"{caller}: the geometry's boresight differs from the image's (> 0.01 deg)")


def make_l2(
    l1: xr.Dataset,
    geometry: xr.Dataset,
    *,
    dayglow: str = "fit",
    max_view_zenith=MAX_VIEW_ZENITH,
    config: UVIConfig | None = None,
) -> xr.Dataset:
    """Level 2: dayglow removed, slant path corrected, brightness mapped to (MLAT, MLT) (module docstring).

    Parameters
    ----------
    l1 : xarray.Dataset
        :func:`~smilekit.instruments.uvi.l1.make_l1` of one frame.
    geometry : xarray.Dataset
        :func:`~smilekit.instruments.uvi.sky.shell_geometry` of the same frame and grid (its ``time`` and
        ``boresight_gse`` must match the image's, where the image has them).
    dayglow : {"fit", "model", "none"}
        How the dayglow amplitude is set: fitted to the image's sunlit sub-auroral pixels (default), the
        model's subsolar value, or no removal.
    max_view_zenith : Quantity
        Pixels seen more obliquely are left out of the map (default 80 deg).
    config : UVIConfig, optional
        The instrument (its PSF blurs the dayglow template).

    Returns
    -------
    xarray.Dataset
        On ``(mlat, mlt)`` (deg, h; bin centres of the OVATION grid): ``brightness`` (R, vertical column,
        dayglow removed), ``brightness_err`` (R: the bin's noise and the dayglow amplitude's error in
        quadrature), ``dayglow_err`` (R: the second part alone, one error of the amplitude shared by every
        bin, so that it does not average down over bins as the noise does), ``n_pixels``, ``coverage``
        (bool). On the image's
        ``(eta, xi)``: ``image_brightness`` and ``image_brightness_err`` (R, vertical, dayglow removed, NaN
        where not used) and ``dayglow`` (R, the slant brightness removed). Attrs: those of ``l1`` with
        ``level`` "L2", ``dayglow_method``, ``dayglow_subsolar_R`` and ``dayglow_subsolar_err_R``,
        ``dayglow_fit_pixels``, ``mlat_bin_width`` (deg), ``mlt_bin_width`` (h), ``covered_fraction`` (of
        the bins at or above 50 deg).

    Raises
    ------
    InputError
        Geometry of another frame or grid, an unknown ``dayglow`` method, a flagged geometry.
    """
    if not isinstance(l1, xr.Dataset) or l1.attrs.get("level") != "L1":
        raise InputError("make_l2: l1 must be the Dataset of make_l1 (attrs['level'] == 'L1')")
    if not isinstance(geometry, xr.Dataset) or "slant_factor" not in geometry:
        raise InputError("make_l2: geometry must be the Dataset of shell_geometry")
    if dayglow not in ("fit", "model", "none"):
        raise InputError(f"make_l2: dayglow must be 'fit', 'model' or 'none', got {dayglow!r}")
    if geometry.attrs.get("flag"):
        raise InputError(f"make_l2: the frame's geometry is flagged: {geometry.attrs['flag']}")
    check_same_frame(l1["brightness"], l1.attrs, geometry)
    zmax = as_scalar(max_view_zenith, u.deg, "max_view_zenith", positive=True)
    check_range(
        np.array(zmax),
        "max_view_zenith",
        0.0,
        90.0,
        "deg",
        "a view zenith angle: the emission is seen from above",
    )
    v = UVIConfig.resolve(config).values
    y = l1["brightness"].values
    s = l1["brightness_err"].values
    on = geometry["on_shell"].values
    mlat = geometry["mlat"].values
    slant = geometry["slant_factor"].values
    zen = geometry["view_zenith"].values

    # 1. dayglow template: unit subsolar brightness at nadir x slant factor, blurred like the sky
    template = np.zeros(y.shape)
    if on.any():
        chi = solar_zenith_angle(
            geometry.attrs["time"],
            geometry["geo_lat"].values[on] * u.deg,
            geometry["geo_lon"].values[on] * u.deg,
        ).to_value(u.rad)
        template[on] = dayglow_values(chi, 1.0) * slant[on]
    template = blur_values(template, v)
    a, sa, n_fit, method = 0.0, 0.0, 0, dayglow
    if dayglow == "fit":
        usable = (
            on & (template > _TEMPLATE_MIN) & (mlat < DAYGLOW_FIT_MAX_MLAT.to_value(u.deg)) & (zen <= zmax)
        )
        band = np.floor(np.where(np.isfinite(mlat), mlat, 0.0)).astype(np.int64)  # NaN: not usable anyway
        a, sa, n_fit = fit_dayglow_values(y, s, template, usable, MIN_FIT_PIXELS, band)
        if not np.isfinite(a):
            method = "model (too few to fit)"  # too few sunlit sub-auroral pixels; short: a FITS card
    if dayglow == "model" or not np.isfinite(a):
        a = float(DAYGLOW_SUBSOLAR.to_value(RAYLEIGH))
        sa = 0.5 * a
    glow = a * template

    # 2. vertical column over the usable pixels
    good = on & np.isfinite(zen) & (zen <= zmax) & np.isfinite(mlat) & np.isfinite(y)  # y NaN: not measured
    with np.errstate(invalid="ignore", divide="ignore"):
        vert = np.where(good, (y - glow) / slant, np.nan)
        noise_err = np.where(good, s / slant, np.nan)
        glow_err = np.where(good, template * sa / slant, np.nan)  # one draw of the amplitude for all pixels
    vert_err = np.hypot(noise_err, glow_err)

    # 3. the (mlat, mlt) map: the noise averages down in a bin, the amplitude's error does not
    dl, dt = MLAT_BIN.to_value(u.deg), MLT_BIN.to_value(u.h)
    sel = good & (mlat >= _MLAT_LOW)
    mlat_sel, mlt_sel = mlat[sel], geometry["mlt"].values[sel]
    mean, noise_var, n = bin_values(mlat_sel, mlt_sel, vert[sel], noise_err[sel] ** 2, dl, dt, _MLAT_LOW)
    glow_err_bin, _, _ = bin_values(mlat_sel, mlt_sel, glow_err[sel], np.zeros(sel.sum()), dl, dt, _MLAT_LOW)
    var = noise_var + glow_err_bin**2
    lat_c = _MLAT_LOW + dl * (np.arange(mean.shape[0]) + 0.5)
    lt_c = dt * (np.arange(mean.shape[1]) + 0.5)
    covered = n > 0
    img_dims = l1["brightness"].dims
    return xr.Dataset(
        {
            "brightness": (
                ("mlat", "mlt"),
                mean,
                {"units": "R", "CATDESC": "160-180 nm vertical-column brightness, dayglow removed"},
            ),
            "brightness_err": (
                ("mlat", "mlt"),
                np.sqrt(var),
                {"units": "R", "CATDESC": "1-sigma error (noise and dayglow amplitude)"},
            ),
            "dayglow_err": (
                ("mlat", "mlt"),
                glow_err_bin,
                {"units": "R", "CATDESC": "dayglow amplitude's part of brightness_err, in every bin"},
            ),
            "n_pixels": (("mlat", "mlt"), n.astype(np.int32), {"units": " ", "CATDESC": "pixels in the bin"}),
            "coverage": (("mlat", "mlt"), covered, {"CATDESC": "bin seen by the frame"}),
            "image_brightness": (
                img_dims,
                vert,
                {"units": "R", "CATDESC": "vertical brightness, dayglow removed"},
            ),
            "image_brightness_err": (img_dims, vert_err, {"units": "R", "CATDESC": "1-sigma error"}),
            "dayglow": (img_dims, glow, {"units": "R", "CATDESC": "dayglow removed (slant brightness)"}),
        },
        coords={
            "mlat": ("mlat", lat_c, {"units": "deg", "CATDESC": "AACGM-v2 magnetic latitude, bin centre"}),
            "mlt": ("mlt", lt_c, {"units": "h", "CATDESC": "magnetic local time, bin centre"}),
            **{d: l1[d] for d in img_dims if d in l1.coords},
        },
        attrs={
            **l1.attrs,
            "level": "L2",
            "dayglow_method": method,
            "dayglow_subsolar_R": float(a),
            "dayglow_subsolar_err_R": float(sa),
            "dayglow_fit_pixels": int(n_fit),
            "max_view_zenith_deg": zmax,
            "mlat_bin_width": dl,
            "mlt_bin_width": dt,
            "covered_fraction": float(covered.mean()),
            "altitude_km": float(geometry.attrs["altitude_km"]),
            "time": geometry.attrs["time"],
            "processing": "L1 -> dayglow (SZA template, amplitude fitted) removed -> / slant factor -> "
            "OVATION (mlat, mlt) bins (smilekit.instruments.uvi.l2)",
        },
    )
