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

Pixels not measured (rows lost in the downlink: a boolean coordinate ``valid`` of the DN image, False
there, as :func:`image_from_telemetry` sets it) are NaN in every L1 image, and the expected events of the
variance (step 4) are averaged over the measured pixels of the box only. So are the **saturated** pixels:
those whose DN reach the summed frames' full well less five read-noise sigmas
(:func:`saturation_dn_value`; the simulator clips the charge at the full well), whose brightness is only
a lower bound; their number is the attribute ``saturated_pixels``.

The kernel (:func:`l1_values`) works on plain float arrays; :func:`make_l1` wraps it in an xarray Dataset.
:func:`image_from_telemetry` makes the DN image and the viewing geometry of a telemetered frame
(:func:`smilekit.telemetry.depacketise.uvi_images`) from the housekeeping attitude and the orbit.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.ndimage import uniform_filter

from smilekit._validation import as_scalar, as_vector, whole_frames
from smilekit.errors import InputError
from smilekit.instruments.uvi.config import UVIConfig, UVIValues, electrons_per_event
from smilekit.instruments.uvi.detector import (
    dark_events_value,
    events_per_rayleigh_values,
    tangent_centres_deg_values,
)
from smilekit.instruments.uvi.simulate import _POINTING

__all__ = [
    "POINTING_ATTRS",
    "flat_field",
    "image_from_telemetry",
    "l1_values",
    "make_l1",
    "saturation_dn_value",
]

#: Side (pixels) of the box over which the expected events of the variance are estimated: about the PSF's
#: FWHM (3.3 pixels), so that the estimate follows the image but is not the pixel's own count.
_SMOOTH = 5

#: Attributes carried from the image (those of :func:`~smilekit.instruments.uvi.sky.shell_geometry`) to L1/L2.
POINTING_ATTRS = _POINTING

#: Attributes of a telemetered image (:func:`smilekit.telemetry.depacketise.uvi_images`) carried to L1/L2:
#: the rows lost in the downlink and the L0 quality bits.
_TELEMETRY_ATTRS = ("missing_rows", "telemetry_quality", "image_id", "source")


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


def l1_values(dn: np.ndarray, exposure_s: float, n_frames: int, v: UVIValues, flat: np.ndarray, valid=None):
    """Kernel: ``(rate, rate_err, brightness, brightness_err)`` (events s^-1; R) of a DN image.

    ``flat`` is :func:`flat_field`; ``valid`` (boolean, optional) marks the measured pixels: the others are
    NaN and left out of the box average of the variance. See the module docstring for the steps.
    """
    c = electrons_per_event(v)
    dark_ccd_e = v.ccd_dark_e * exposure_s
    dark_ict = dark_events_value(v) * exposure_s
    partial = valid is not None and not valid.all()
    if partial:
        dn = np.where(valid, dn, 0.0)
    events = (v.ccd_gain * dn - dark_ccd_e) / c - dark_ict
    if not partial:
        box = uniform_filter(events, _SMOOTH, mode="nearest")
    else:  # the mean over the measured pixels of the box (normalised convolution)
        w = valid.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            box = uniform_filter(events * w, _SMOOTH, mode="nearest") / uniform_filter(
                w, _SMOOTH, mode="nearest"
            )
        events = np.where(valid, events, np.nan)
    lam = np.maximum(box + dark_ict, 0.0)
    var_e = lam * c * c * (1.0 + 1.0 / v.mcp_shape) + dark_ccd_e + n_frames * v.read_noise_e**2
    events_err = np.sqrt(var_e) / c
    if partial:
        events_err = np.where(valid, events_err, np.nan)
    k_centre = float(events_per_rayleigh_values(v)[v.pixels // 2, v.pixels // 2])
    rate = events / exposure_s / flat
    rate_err = events_err / exposure_s / flat
    return rate, rate_err, rate / k_centre, rate_err / k_centre


def saturation_dn_value(n_frames: int, v: UVIValues) -> float:
    """Kernel: the DN at and above which a pixel is taken as saturated: the summed frames' full well less
    five read-noise sigmas and one DN (a pixel clipped at the full well reads within them, but for one in
    3 million), in DN."""
    return (n_frames * v.full_well_e - 5.0 * v.read_noise_e * math.sqrt(n_frames)) / v.ccd_gain - 1.0


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
        The summed CCD image in DN (:func:`~smilekit.instruments.uvi.simulate.simulate_image`, or
        :func:`image_from_telemetry`), shape (pixels, pixels), ``attrs["units"]`` "DN"; an optional
        boolean coordinate ``valid`` (False: not measured, e.g. a row lost in the downlink).
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
        fielded), ``brightness`` and ``brightness_err`` (R), ``flat`` (1); NaN where the pixel is not
        ``valid`` or is saturated. Attrs: ``level`` "L1", ``exposure_s``, ``n_frames``,
        ``saturated_pixels`` (left out, NaN), ``units_convention``,
        ``processing``, the pointing attributes of the image (:data:`POINTING_ATTRS`, e.g. ``time``,
        ``boresight_gse``) and of a telemetered one (``missing_rows``, ``telemetry_quality``) where it has
        them.

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
    valid = None
    if "valid" in dn_image.coords:
        valid = np.asarray(dn_image["valid"].values)
        if valid.dtype != bool or valid.shape != dn.shape:
            raise InputError(f"make_l1: the image's 'valid' coordinate must be boolean of shape {dn.shape}")
    if not np.isfinite(dn if valid is None else dn[valid]).all():
        raise InputError("make_l1: dn_image holds NaN or infinite values (in pixels marked valid)")
    unsaturated = dn < saturation_dn_value(n_frames, v)
    n_saturated = int(np.count_nonzero(~unsaturated if valid is None else valid & ~unsaturated))
    valid = unsaturated if valid is None else valid & unsaturated  # all True: l1_values' whole-image path
    rate, rate_err, b, b_err = l1_values(dn, t, n_frames, v, f, valid)
    dims = dn_image.dims
    coords = {d: dn_image[d] for d in dims if d in dn_image.coords}
    if not coords and dims == ("eta", "xi"):
        centres = tangent_centres_deg_values(v.pixels, v.fov_deg)
        coords = {"eta": centres, "xi": centres}
    attrs = {k: dn_image.attrs[k] for k in (*POINTING_ATTRS, *_TELEMETRY_ATTRS) if k in dn_image.attrs}
    return xr.Dataset(
        {
            "rate": (dims, rate, {"units": "ct / s", "CATDESC": "dark-subtracted flat-fielded event rate"}),
            "rate_err": (dims, rate_err, {"units": "ct / s", "CATDESC": "1-sigma uncertainty of rate"}),
            "brightness": (dims, b, {"units": "R", "CATDESC": "160-180 nm brightness (PSF-blurred sky)"}),
            "brightness_err": (dims, b_err, {"units": "R", "CATDESC": "1-sigma error of brightness"}),
            "flat": (dims, f, {"units": " ", "CATDESC": "flat field, 1 at the centre"}),
        },
        coords=coords,
        attrs={
            "instrument": "UVI",
            "level": "L1",
            "exposure_s": t,
            "n_frames": n_frames,
            "saturated_pixels": n_saturated,
            "processing": "dark subtracted (CCD + intensifier mean), flat fielded, photon budget inverted "
            "(smilekit.instruments.uvi.l1)",
            **attrs,
        },
    )


def image_from_telemetry(
    image: xr.DataArray,
    attitude,
    position,
    *,
    uvi_boresight_gse=None,
    altitude=None,
    layer_thickness=None,
    on_miss: str = "raise",
    config: UVIConfig | None = None,
) -> tuple[xr.DataArray, xr.Dataset]:
    """The DN image that :func:`make_l1` takes and the geometry :func:`~smilekit.instruments.uvi.l2.make_l2`
    takes, of one telemetered UVI frame.

    Parameters
    ----------
    image : xarray.DataArray
        One image of :func:`smilekit.telemetry.depacketise.uvi_images` (DN, lost rows
        :data:`~smilekit.telemetry.depacketise.UVI_FILL`, ``attrs["time"]`` the exposure start).
    attitude : array_like or xarray.Dataset
        The body -> GSE rotation (3 x 3) or the housekeeping (:func:`smilekit.telemetry.depacketise.hk`):
        the mean of its quaternions over the exposure (:func:`smilekit.telemetry.attitude.exposure_rotation`).
    position : Quantity
        Spacecraft position (GSE, length, shape (3,)) at the frame, from the orbit or ephemeris.
    uvi_boresight_gse : array_like, optional
        The UVI boresight (GSE unit vector). Default: the mission's pointing law,
        :func:`smilekit.mission.pointing.attitude`'s, towards the centre of the northern oval
        (:func:`smilekit.geospace.aurora.oval_centre`) at the frame's time. The housekeeping here carries
        the body attitude only (an **assumption** of :mod:`smilekit.telemetry.layouts`); a UVI fixed on the
        body would give its boresight as ``rotation @ mount``.
    altitude, layer_thickness, on_miss, config :
        As :func:`~smilekit.instruments.uvi.sky.shell_geometry` (defaults its defaults).

    Returns
    -------
    dn_image : xarray.DataArray
        The image on the geometry's ``(eta, xi)`` with the geometry's pointing attributes
        (:data:`POINTING_ATTRS`), ``exposure_s``, ``n_frames``, the telemetry's ``missing_rows`` and
        ``telemetry_quality``, and a boolean coordinate ``valid`` (False on the rows lost in the downlink,
        which :func:`make_l1` leaves NaN).
    geometry : xarray.Dataset
        :func:`~smilekit.instruments.uvi.sky.shell_geometry` of the frame.

    Raises
    ------
    InputError
        An image that is not a telemetered DN image of the configuration's size, no attitude within the
        exposure, a bad position or boresight.
    """
    from smilekit.geospace.aurora import oval_centre
    from smilekit.instruments.uvi.sky import shell_geometry
    from smilekit.mission.fov import UVI
    from smilekit.telemetry.attitude import exposure_rotation
    from smilekit.telemetry.depacketise import UVI_FILL
    from smilekit.times import as_datetime64
    from smilekit.units import RE

    cfg = UVIConfig.resolve(config)
    v = cfg.values
    if not isinstance(image, xr.DataArray) or image.attrs.get("units") != "DN" or "time" not in image.attrs:
        raise InputError("image_from_telemetry: give one image of uvi_images (DN, with attrs['time'])")
    if image.shape != (v.pixels, v.pixels):
        raise InputError(f"image_from_telemetry: the image is {image.shape}, the configuration's "
                         f"{(v.pixels, v.pixels)}")  # fmt: skip
    t = np.ravel(as_datetime64(image.attrs["time"]))[0]
    exposure_s = _attribute_exposure(image.attrs.get("exposure_s"))
    rotation, spread = exposure_rotation(attitude, t, t + np.timedelta64(round(exposure_s * 1e9), "ns"))
    p = as_vector(position, RE, "position")
    if p.shape != (3,):
        raise InputError(f"position must be one GSE position of shape (3,), got shape {p.shape}")
    if uvi_boresight_gse is None:
        aim = oval_centre(t).to_value(RE)[0] - p
    else:
        aim = np.asarray(uvi_boresight_gse, dtype=np.float64)
        if aim.shape != (3,) or not np.isfinite(aim).all() or not np.linalg.norm(aim) > 0:
            raise InputError(
                f"uvi_boresight_gse must be a finite non-zero GSE vector, got {uvi_boresight_gse!r}"
            )
    z = aim / np.linalg.norm(aim)
    frame = UVI.frame_values(rotation[None], z[None])[0]
    options = {
        k: val for k, val in (("altitude", altitude), ("layer_thickness", layer_thickness)) if val is not None
    }
    g = shell_geometry(p * RE, frame, t, on_miss=on_miss, config=cfg, **options)
    dn = np.asarray(image.values)
    valid = dn != UVI_FILL
    pointing = {k: g.attrs[k] for k in POINTING_ATTRS if k in g.attrs}
    carried = {k: image.attrs[k] for k in ("exposure_s", "n_frames", *_TELEMETRY_ATTRS) if k in image.attrs}
    out = xr.DataArray(
        dn,
        dims=("eta", "xi"),
        coords={"eta": g["eta"].values, "xi": g["xi"].values, "valid": (("eta", "xi"), valid)},
        attrs={"units": "DN", **carried, **pointing, "attitude_spread_deg": spread},
    )
    return out, g
