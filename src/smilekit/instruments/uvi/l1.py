"""UVI level 1: the summed CCD image (DN) -> calibrated photoevent rate and brightness, with uncertainties.

The inverse of the detector model (:mod:`~smilekit.instruments.uvi.detector`), pixel by pixel, for an
exposure of ``T`` s in ``n_f`` frames (``c`` the mean CCD electrons per photoevent, ``g`` the CCD gain in
e-/DN, ``d_ccd`` the CCD dark current in e- s^-1, ``d_ict`` the intensifier dark counts s^-1 per pixel):

1. **Dark.** The known mean dark is subtracted: photoevents ``N = (g DN - d_ccd T) / c - d_ict T``.
2. **Flat field.** The response of pixel ``i`` to a uniform brightness is ``k_i = 1e6/(4 pi) Omega_i
   A_eff QE`` photoevents s^-1 R^-1 (:func:`~smilekit.instruments.uvi.detector.counts_per_rayleigh`,
   the rayleigh of :cite:`hunten1956`). The flat is ``f_i = k_i / k_centre``: the pixel solid-angle
   variation of the flat focal plane (``Omega`` falls by 2.2 % from the centre to the corners of the
   10 x 10 deg field) times the **instrumental flat**, which is uniform (1) here: the simulator has no
   photocathode or MCP non-uniformity, so none is calibrated out. A measured flat (an array, mean 1, of
   the photocathode/MCP/relay response) is given as ``flat=`` and multiplies the solid-angle part.
3. **Rate and brightness.** ``rate = N / T`` (photoevents s^-1, flat-fielded to the centre pixel's
   solid angle: ``rate_flat = rate / f``) and ``B = rate / k = rate_flat / k_centre`` (R): the photon budget
   inverted. This is the brightness of the PSF-blurred sky (no deconvolution) and includes the visible
   leak (1.4e-4 R over the sunlit Earth, negligible).
4. **Uncertainty.** The variance of the DN is ``(lambda c^2 (1 + 1/k) + D + n_f sigma_r^2) / g^2``
   (:func:`~smilekit.instruments.uvi.detector.expected_snr`'s formula), with ``lambda`` the expected
   photoevents (signal and intensifier dark) estimated from the image itself: ``N + d_ict T`` averaged
   over the 5 x 5 pixels about the pixel (about the PSF's FWHM; a pixel's own count would give the
   pixels that happen to be dark too small an error: the bias of a variance taken from the data at a
   few events per pixel), clipped at 0. ``D`` is the CCD dark electrons. The simulated noise is
   independent from pixel to pixel (the PSF blurs the mean before the Poisson draw).

The kernel (:func:`l1_values`) works on plain float arrays; :func:`make_l1` wraps it in an xarray Dataset.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.ndimage import uniform_filter

from smilekit._validation import as_scalar, whole_frames
from smilekit.errors import InputError
from smilekit.instruments.uvi.config import UVIConfig, UVIValues, electrons_per_event
from smilekit.instruments.uvi.detector import (
    dark_events_value,
    events_per_rayleigh_values,
    tangent_centres_deg_values,
)
from smilekit.instruments.uvi.simulate import _POINTING

__all__ = ["POINTING_ATTRS", "flat_field", "l1_values", "make_l1"]

#: Side (pixels) of the box over which the expected events of the variance are estimated: about the PSF's
#: FWHM (3.3 pixels), so that the estimate follows the image but is not the pixel's own count.
_SMOOTH = 5

#: Attributes carried from the image (those of :func:`~smilekit.instruments.uvi.sky.shell_geometry`) to L1/L2.
POINTING_ATTRS = _POINTING


def flat_field(config: UVIConfig | None = None, flat=None) -> np.ndarray:
    """The flat field ``f`` (1 at the centre): pixel solid-angle variation times the instrumental flat.

    Parameters
    ----------
    config : UVIConfig, optional
    flat : array_like, optional
        The instrumental flat (photocathode, MCP, relay and CCD), shape (pixels, pixels), positive and
        finite; default uniform (1), the simulator's.

    Examples
    --------
    >>> f = flat_field()
    >>> round(float(f[256, 256]), 4), round(float(f[0, 0]), 4)
    (1.0, 0.9776)
    """
    v = UVIConfig.resolve(config).values
    k = events_per_rayleigh_values(v)
    f = k / k[v.pixels // 2, v.pixels // 2]
    if flat is None:
        return f
    inst = np.asarray(flat, dtype=np.float64)
    if inst.shape != f.shape or not np.isfinite(inst).all() or (inst <= 0).any():
        raise InputError(f"flat must be a positive finite array of shape {f.shape}, got shape {inst.shape}")
    return f * inst


def l1_values(dn: np.ndarray, exposure_s: float, n_frames: int, v: UVIValues, flat: np.ndarray):
    """Kernel: ``(rate, rate_err, brightness, brightness_err)`` (events s^-1; R) of a DN image.

    ``flat`` is :func:`flat_field`; see the module docstring for the steps.
    """
    c = electrons_per_event(v)
    dark_ccd_e = v.ccd_dark_e * exposure_s
    dark_ict = dark_events_value(v) * exposure_s
    events = (v.ccd_gain * dn - dark_ccd_e) / c - dark_ict
    lam = np.maximum(uniform_filter(events, _SMOOTH, mode="nearest") + dark_ict, 0.0)
    var_e = lam * c * c * (1.0 + 1.0 / v.mcp_shape) + dark_ccd_e + n_frames * v.read_noise_e**2
    events_err = np.sqrt(var_e) / c
    k_centre = float(events_per_rayleigh_values(v)[v.pixels // 2, v.pixels // 2])
    rate = events / exposure_s / flat
    rate_err = events_err / exposure_s / flat
    return rate, rate_err, rate / k_centre, rate_err / k_centre


def _attribute_exposure(value) -> float:
    """The image's ``exposure_s`` attribute (s), checked as the ``exposure`` argument is."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"make_l1: the image's exposure_s attribute {value!r:.40} is not a number of seconds"
        ) from None
    return as_scalar(seconds * u.s, u.s, "the image's exposure_s attribute", positive=True)


def make_l1(dn_image, config: UVIConfig | None = None, exposure=None, *, flat=None) -> xr.Dataset:
    """Level 1: dark-subtracted, flat-fielded photoevent rate and brightness of one UVI exposure.

    Parameters
    ----------
    dn_image : xarray.DataArray
        The summed CCD image in DN (:func:`~smilekit.instruments.uvi.simulate.simulate_image`), shape
        (pixels, pixels), ``attrs["units"]`` "DN".
    config : UVIConfig, optional
        The instrument (default ``UVIConfig()``), the one the image was taken with.
    exposure : Quantity, optional
        Exposure time (a whole number of frames); default the image's ``exposure_s`` attribute.
    flat : array_like, optional
        Instrumental flat (see :func:`flat_field`).

    Returns
    -------
    xarray.Dataset
        On the image's dims (``eta``, ``xi``: tangent-plane deg): ``rate`` and ``rate_err`` (ct/s, flat
        fielded), ``brightness`` and ``brightness_err`` (R), ``flat`` (1). Attrs: ``level`` "L1",
        ``exposure_s``, ``n_frames``, ``units_convention``, ``processing`` and the pointing attributes of
        the image (:data:`POINTING_ATTRS`, e.g. ``time``, ``boresight_gse``) where it has them.

    Raises
    ------
    InputError
        Not a DataArray in DN, the wrong shape, an exposure that differs from the image's or is not a whole
        number of frames, a bad flat.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> from smilekit.instruments.uvi import simulate_image
    >>> img = simulate_image(np.full((512, 512), 1000.0) * u.R, 60 * u.s, 1)
    >>> l1 = make_l1(img)
    >>> round(float(l1["brightness"].mean()), -1), l1["brightness"].attrs["units"]
    (1000.0, 'R')
    """
    cfg = UVIConfig.resolve(config)
    v = cfg.values
    if not isinstance(dn_image, xr.DataArray) or dn_image.attrs.get("units") != "DN":
        raise InputError("make_l1: dn_image must be an xarray.DataArray with attrs['units'] == 'DN'")
    if dn_image.shape != (v.pixels, v.pixels):
        raise InputError(f"make_l1: dn_image must have shape ({v.pixels}, {v.pixels}), got {dn_image.shape}")
    if exposure is None:
        if "exposure_s" not in dn_image.attrs:
            raise InputError("make_l1: give exposure (the image has no 'exposure_s' attribute)")
        t = _attribute_exposure(dn_image.attrs["exposure_s"])
    else:
        t = as_scalar(exposure, u.s, "exposure", positive=True)
        if "exposure_s" in dn_image.attrs and not math.isclose(t, float(dn_image.attrs["exposure_s"])):
            raise InputError(
                f"make_l1: exposure {t:g} s differs from the image's "
                f"exposure_s {dn_image.attrs['exposure_s']} s"
            )
    n_frames = whole_frames(t, v.frame_s)
    f = flat_field(cfg, flat)
    dn = np.asarray(dn_image.values, dtype=np.float64)
    if not np.isfinite(dn).all():
        raise InputError("make_l1: dn_image holds NaN or infinite values")
    rate, rate_err, b, b_err = l1_values(dn, t, n_frames, v, f)
    dims = dn_image.dims
    coords = {d: dn_image[d] for d in dims if d in dn_image.coords}
    if not coords and dims == ("eta", "xi"):
        centres = tangent_centres_deg_values(v.pixels, v.fov_deg)
        coords = {"eta": centres, "xi": centres}
    attrs = {k: dn_image.attrs[k] for k in POINTING_ATTRS if k in dn_image.attrs}
    return xr.Dataset(
        {
            "rate": (dims, rate, {"units": "ct / s", "CATDESC": "dark-subtracted flat-fielded event rate"}),
            "rate_err": (dims, rate_err, {"units": "ct / s", "CATDESC": "1-sigma uncertainty of rate"}),
            "brightness": (dims, b, {"units": "R", "CATDESC": "160-180 nm brightness (PSF-blurred sky)"}),
            "brightness_err": (dims, b_err, {"units": "R", "CATDESC": "1-sigma error of brightness"}),
            "flat": (dims, f, {"units": "1", "CATDESC": "flat field, 1 at the centre"}),
        },
        coords=coords,
        attrs={
            "instrument": "UVI",
            "level": "L1",
            "exposure_s": t,
            "n_frames": n_frames,
            "processing": "dark subtracted (CCD + intensifier mean), flat fielded, photon budget inverted "
            "(smilekit.instruments.uvi.l1)",
            **attrs,
        },
    )
