"""UVI frame simulation: a brightness map in rayleighs -> the summed CCD image (DN) of one exposure.

The chain (:mod:`~smilekit.instruments.uvi.detector` gives each step's source):

1. The brightness map (rayleighs, one value per detector pixel, index ``[iy, ix]``), plus the visible
   leak ``sunlit_fraction * 4 a F / (1e6 r)`` R, is blurred by the system PSF.
2. Mean photoevents per pixel: ``blurred * 1e6/(4 pi) * Omega * A_eff * QE * T``, plus the intensifier
   dark counts (not blurred); the events are Poisson.
3. The charge of N events: ``Gamma(N k, c / k)`` CCD electrons (Polya MCP gain of shape k, c electrons
   per event on average through the phosphor, the relay and the CCD).
4. CCD dark current (Poisson) and read noise (Gaussian, ``sigma_r sqrt(n_frames)``); electrons above
   ``n_frames * full_well`` are lost (saturation, counted in the attrs); DN = round(electrons / gain).
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_generator, as_scalar, as_value, check_range, whole_frames
from smilekit.errors import InputError
from smilekit.instruments.uvi.config import UVIConfig, UVIValues, electrons_per_event
from smilekit.instruments.uvi.detector import (
    blur_values,
    dark_events_value,
    events_per_rayleigh_values,
    leak_rayleigh_value,
    tangent_centres_deg_values,
)
from smilekit.units import RAYLEIGH

__all__ = ["MAX_BRIGHTNESS", "simulate_image"]

#: The largest brightness accepted in a map: 1e9 R, a thousand times the brightest visual aurora (class IV
#: of the International Brightness Coefficient, 1000 kR at 557.7 nm; the class is quoted from memory, not
#: from a source held here) and far above what saturates a pixel within one CCD frame. A larger value is a
#: unit or scaling mistake (and overflows the Poisson draws beyond about 1e18 events).
MAX_BRIGHTNESS = 1.0e9 * RAYLEIGH

#: The pointing attributes of a model sky (:func:`~smilekit.instruments.uvi.sky.model_sky`) that the image
#: keeps, so that the processing (:mod:`~smilekit.instruments.uvi.l1`) knows when and where it looked.
_POINTING = (
    "time",
    "altitude_km",
    "layer_thickness_km",
    "sc_position_gse_re",
    "boresight_gse",
    "x_axis_gse",
    "n_pixels",
)


def _brightness(value, n: int) -> np.ndarray:
    if isinstance(value, xr.DataArray):
        unit = value.attrs.get("units")
        if unit is None:
            raise InputError(
                "brightness_map_R is a DataArray without a 'units' attribute; give attrs['units'] = 'R'"
            )
        try:
            value = np.asarray(value.values) * u.Unit(unit)
        except ValueError:
            raise InputError(f"brightness_map_R has units {unit!r}, which astropy does not parse") from None
    b = as_value(value, RAYLEIGH, "brightness_map_R", nonnegative=True)
    why = "a thousand times the brightest aurora (MAX_BRIGHTNESS); more is a unit mistake"
    check_range(b, "brightness_map_R", 0.0, MAX_BRIGHTNESS.to_value(RAYLEIGH), "R", why)
    if b.shape != (n, n):
        raise InputError(
            f"brightness_map_R must be on the detector grid, shape ({n}, {n}) (index [iy, ix]), got {b.shape}"
        )
    return b


def _sunlit(value, n: int) -> np.ndarray | float:
    if value is None:
        return 0.0
    if isinstance(value, u.Quantity):
        value = as_value(value, u.dimensionless_unscaled, "sunlit_fraction")
    try:
        s = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"sunlit_fraction must be a number in [0, 1] or an array of them, got {value!r:.60}"
        ) from None
    if s.ndim not in (0, 2) or (s.ndim == 2 and s.shape != (n, n)):
        raise InputError(f"sunlit_fraction must be a number or an array of shape ({n}, {n}), got {s.shape}")
    if not np.isfinite(s).all() or (s < 0).any() or (s > 1).any():
        raise InputError("sunlit_fraction must lie in [0, 1] everywhere (the sunlit part of each pixel)")
    return s


def simulate_image_values(
    brightness_r: np.ndarray,
    sunlit: np.ndarray | float,
    exposure_s: float,
    n_frames: int,
    v: UVIValues,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int]:
    """Kernel: the DN image (int64) and the number of saturated pixels (see the module docstring)."""
    sky = brightness_r + sunlit * leak_rayleigh_value(v)
    mean_events = blur_values(sky, v) * events_per_rayleigh_values(v) * exposure_s
    mean_events += dark_events_value(v) * exposure_s
    n = rng.poisson(mean_events)
    c = electrons_per_event(v)
    k = v.mcp_shape
    electrons = rng.gamma(n * k, c / k)  # a shape of 0 gives exactly 0
    if v.ccd_dark_e > 0.0:
        electrons += rng.poisson(v.ccd_dark_e * exposure_s, size=electrons.shape)
    cap = n_frames * v.full_well_e
    saturated = int(np.count_nonzero(electrons > cap))
    np.minimum(electrons, cap, out=electrons)
    if v.read_noise_e > 0.0:
        electrons += rng.normal(0.0, v.read_noise_e * math.sqrt(n_frames), size=electrons.shape)
    return np.rint(electrons / v.ccd_gain).astype(np.int64), saturated


def simulate_image(
    brightness_map_R,
    exposure,
    rng,
    *,
    sunlit_fraction=None,
    config: UVIConfig | None = None,
) -> xr.DataArray:
    """Simulate one UVI exposure: the summed CCD image in DN of a brightness map (module docstring).

    Parameters
    ----------
    brightness_map_R : Quantity or xarray.DataArray
        In-band (160-180 nm) brightness on the detector's pixel grid, shape (pixels, pixels), index
        ``[iy, ix]`` (:func:`~smilekit.instruments.uvi.detector.pixel_centres`), in rayleighs or a unit
        that converts to them (a DataArray gives its unit in ``attrs["units"]``); finite and >= 0.
    exposure : Quantity
        Exposure time, a whole number of CCD frames (60 s: the nominal 1-min exposure).
    rng : numpy.random.Generator or int
        The random generator or a seed; the same seed gives the same image.
    sunlit_fraction : float or array_like, optional
        Fraction of each pixel covered by the sunlit Earth, in [0, 1] (a number or a (pixels, pixels)
        array), which adds the visible leak; default 0 (no sunlit Earth in view).
    config : UVIConfig, optional
        The instrument model (default ``UVIConfig()``).

    Returns
    -------
    xarray.DataArray
        int64 DN, dims ("eta", "xi") with the tangent-plane coordinates of the pixel centres (deg, FITS
        ``TAN``: the grid of :func:`~smilekit.instruments.uvi.sky.model_sky`), or the dims and coordinates
        of the input DataArray; attrs: ``units`` "DN", ``exposure_s``, ``n_frames``, ``dn_per_event``
        (the mean DN of one photoevent), ``saturated_pixels``, ``visible_leak_R``, and the pointing
        attributes of a model sky DataArray (``time``, ``boresight_gse``, ...), where given.

    Raises
    ------
    InputError
        For a brightness without units or in a unit that is not a brightness, negative, NaN, above
        :data:`MAX_BRIGHTNESS` or off the grid; an exposure not positive or not a whole number of frames;
        a bad ``rng`` or sunlit fraction.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> img = simulate_image(np.full((512, 512), 150.0) * u.R, 60 * u.s, 1)
    >>> img.dims, img.attrs["units"], img.attrs["n_frames"]
    (('eta', 'xi'), 'DN', 60)
    """
    cfg = UVIConfig.resolve(config)
    v = cfg.values
    b = _brightness(brightness_map_R, v.pixels)
    t = as_scalar(exposure, u.s, "exposure", positive=True)
    n_frames = whole_frames(t, v.frame_s)
    sunlit = _sunlit(sunlit_fraction, v.pixels)
    generator = as_generator(rng)
    dn, saturated = simulate_image_values(b, sunlit, t, n_frames, v, generator)
    if isinstance(brightness_map_R, xr.DataArray) and brightness_map_R.ndim == 2:
        coords = {
            d: brightness_map_R[d].values for d in brightness_map_R.dims if d in brightness_map_R.coords
        }
        dims = brightness_map_R.dims
        carried = {k: brightness_map_R.attrs[k] for k in _POINTING if k in brightness_map_R.attrs}
    else:
        carried = {}
        centres = tangent_centres_deg_values(v.pixels, v.fov_deg)
        coords, dims = {"eta": centres, "xi": centres}, ("eta", "xi")
    return xr.DataArray(
        dn,
        dims=dims,
        coords=coords,
        attrs={
            "units": "DN",
            "exposure_s": t,
            "n_frames": n_frames,
            "dn_per_event": electrons_per_event(v) / v.ccd_gain,
            "saturated_pixels": saturated,
            "visible_leak_R": leak_rayleigh_value(v),
            **carried,
        },
    )
