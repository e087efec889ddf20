"""The UVI imager model: pixel grid, photon budget, point spread function, intensifier and CCD noise.

Photon budget
-------------
The rayleigh is the column emission rate of 1e6 photons cm^-2 s^-1 into 4 pi sr (Hunten, Roach and
Chamberlain 1956, :cite:`hunten1956`): a surface of brightness B rayleighs has the photon radiance
``B * 1e6 / (4 pi)`` photons cm^-2 s^-1 sr^-1 (:data:`smilekit.units.RAYLEIGH`). A pixel of solid angle
Omega seen through an in-band effective area A_eff (cm^2) thus receives ``B * 1e6 / (4 pi) * A_eff * Omega``
photons s^-1 (the brief's ``B * 1e10 / (4 pi) * A_eff * Omega`` with A_eff in m^2), and the photocathode
turns a fraction QE of them into photoevents:

    events s^-1 = B * 1e6 / (4 pi) * Omega * A_eff * QE.

Pixels are uniform on the flat focal plane: along each axis the edges are at the tangent-plane
coordinates ``xi_i = tan(fov/2) (2 i / N - 1)``, i = 0..N, and the exact solid angle of the pixel box is
``F(x1, y1) - F(x0, y1) - F(x1, y0) + F(x0, y0)`` with ``F(x, y) = atan(x y / sqrt(1 + x^2 + y^2))``
(the solid angle a tangent-plane rectangle subtends at the projection centre).

Out-of-band leak
----------------
The sunlit Earth seen as a Lambertian reflector of albedo a under the solar photon irradiance F (photons
cm^-2 s^-1, visible and near infrared) has the photon radiance ``a F / pi``; in rayleighs
``a F / pi / (1e6 / 4 pi) = 4 a F / 1e6``, ~1.4e12 R for the defaults. A visible rejection r (the ratio of
the in-band to the visible response per photon) makes the visible light count as an in-band brightness
``4 a F / (1e6 r)``: 1.4e-4 R at r = 1e16.

Point spread function
---------------------
Gaussian optics and Gaussian intensifier blur, combined in quadrature and integrated over the pixel:
the 1-D kernel is ``Phi((j + 1/2) / s) - Phi((j - 1/2) / s)`` (s the combined sigma in pixels, j the
pixel offset, to 5 s), applied separably to the expected photon map, with nothing coming from beyond the
edges of the map. Applying the whole blur to the mean before the Poisson draw is exact for the optics
and, for the intensifier, neglects that one event's charge is spread over neighbouring pixels (which
correlates the noise of neighbours without changing the noise of a sum over a resolution element).

Intensifier and CCD statistics (per pixel, over an exposure of ``n_f`` frames)
------------------------------------------------------------------------------
Photoevents and intensifier dark counts are Poisson with mean ``lambda``. Each event's charge after the
MCP follows a Polya (gamma) law of mean G and shape k (:cite:`wiza1979`), and the phosphor, the relay
and the CCD multiply it by ``c / G`` electrons per MCP electron (c the mean CCD electrons per event), so
the sum of N events is ``Gamma(N k, c / k)`` electrons (a sum of gammas of one scale is a gamma). The
Poisson noise of the phosphor photons and of their detection adds a variance ~``c`` per event, below
``c^2 / k`` by the factor ``k / c`` ~ 3e-4, and is neglected. The CCD adds Poisson dark current and
Gaussian read noise of ``sigma_r sqrt(n_f)``; the conversion gain g (e- / DN) gives the DN, rounded to
integers. The mean and variance in DN of a sum over pixels are

    mean = (lambda c + D) / g,      var = (lambda c^2 (1 + 1/k) + D + n_f sigma_r^2) / g^2,

(D the CCD dark electrons), which :func:`expected_snr` evaluates and the Monte Carlo of
:func:`~smilekit.instruments.uvi.simulate.simulate_image` reproduces.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
from scipy.ndimage import convolve1d
from scipy.special import ndtr

from smilekit._validation import as_scalar, whole_frames
from smilekit.errors import InputError
from smilekit.instruments.uvi.config import UVIConfig, UVIValues, electrons_per_event
from smilekit.units import RAYLEIGH, RE

__all__ = [
    "counts_per_rayleigh",
    "expected_snr",
    "pixel_centres",
    "psf_fwhm",
    "requirement_resolution",
    "visible_leak",
]

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
#: Photons cm^-2 s^-1 sr^-1 in one rayleigh (Hunten et al. 1956).
_PH_PER_R = 1e6 / (4.0 * math.pi)


# ---------------------------------------------------------------------------------------------------
# Kernels (plain floats in fixed units; they trust their callers)
# ---------------------------------------------------------------------------------------------------
def tangent_edges_values(n: int, fov_deg: float) -> np.ndarray:
    """Kernel: the UVI pixel grid, the one definition every UVI module uses.

    Tangent-plane coordinates (dimensionless, ``tan`` of the angle from the boresight) of the ``n + 1``
    pixel edges along one axis of a square field ``fov_deg`` wide: ``tan(fov/2) (2 i / n - 1)``, i = 0..n.
    The model sky (:mod:`~smilekit.instruments.uvi.sky`) gives them in degrees (times 180/pi, the FITS
    ``TAN`` convention); the detector takes them as they are.
    """
    half = math.tan(math.radians(0.5 * fov_deg))
    return np.linspace(-half, half, int(n) + 1)


def tangent_centres_deg_values(n: int, fov_deg: float) -> np.ndarray:
    """Kernel: the pixel centres of :func:`tangent_edges_values` in tangent-plane degrees (FITS ``TAN``)."""
    e = tangent_edges_values(n, fov_deg)
    return np.degrees(0.5 * (e[1:] + e[:-1]))


def pixel_edges_values(v: UVIValues) -> np.ndarray:
    """Kernel: tangent-plane coordinates of the pixel edges along one axis, shape (pixels + 1,)."""
    return tangent_edges_values(v.pixels, v.fov_deg)


def pixel_solid_angle_values(v: UVIValues) -> np.ndarray:
    """Kernel: exact solid angle (sr) of every pixel, shape (pixels, pixels), index [iy, ix]."""
    e = pixel_edges_values(v)
    x, y = np.meshgrid(e, e)
    f = np.arctan(x * y / np.sqrt(1.0 + x * x + y * y))
    return f[1:, 1:] - f[1:, :-1] - f[:-1, 1:] + f[:-1, :-1]


def events_per_rayleigh_values(v: UVIValues) -> np.ndarray:
    """Kernel: photoevents s^-1 per rayleigh in each pixel, ``1e6/(4 pi) Omega A_eff QE``."""
    return _PH_PER_R * pixel_solid_angle_values(v) * (v.aperture_cm2 * v.throughput * v.qe)


def leak_rayleigh_value(v: UVIValues) -> float:
    """Kernel: the in-band brightness equivalent (R) of the fully sunlit Earth, ``4 a F / (1e6 r)``."""
    return 4.0 * v.albedo * v.solar_photons_cm2 / 1e6 / v.rejection


def dark_events_value(v: UVIValues) -> float:
    """Kernel: intensifier dark counts s^-1 per pixel (the rate times the photocathode area of a pixel)."""
    pitch_cm = 0.1 * v.cathode_mm / v.pixels
    return v.dark_rate_cm2 * pitch_cm * pitch_cm


def psf_sigma_pixels(v: UVIValues) -> float:
    """Kernel: sigma of the combined (optics and intensifier) Gaussian PSF, in pixels at the centre."""
    fwhm_deg = math.hypot(v.optics_fwhm_deg, v.intensifier_fwhm_deg)
    return fwhm_deg / _FWHM_PER_SIGMA / (v.fov_deg / v.pixels)


def psf_kernel_values(v: UVIValues) -> np.ndarray:
    """Kernel: the pixel-integrated 1-D PSF (sums to 1), odd length, centred."""
    s = psf_sigma_pixels(v)
    r = max(1, math.ceil(5.0 * s))
    j = np.arange(-r, r + 1, dtype=np.float64)
    k = ndtr((j + 0.5) / s) - ndtr((j - 0.5) / s)
    return k / k.sum()


def blur_values(image: np.ndarray, v: UVIValues) -> np.ndarray:
    """Kernel: the image convolved with the separable PSF (zero beyond the edges)."""
    k = psf_kernel_values(v)
    out = convolve1d(image, k, axis=0, mode="constant", cval=0.0)
    return convolve1d(out, k, axis=1, mode="constant", cval=0.0)


def dn_moments_values(
    events: float | np.ndarray, npix: int, exposure_s: float, v: UVIValues
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: mean and variance (DN) of a sum over ``npix`` pixels holding ``events`` mean events in all.

    See the module docstring for the formula; ``exposure_s`` must be a whole number of frames.
    """
    n_frames = round(exposure_s / v.frame_s)
    c = electrons_per_event(v)
    dark_e = v.ccd_dark_e * exposure_s * npix
    ev = np.asarray(events, dtype=np.float64)
    mean = (ev * c + dark_e) / v.ccd_gain
    var = (
        ev * c * c * (1.0 + 1.0 / v.mcp_shape) + dark_e + npix * n_frames * v.read_noise_e**2
    ) / v.ccd_gain**2
    return mean, var


# ---------------------------------------------------------------------------------------------------
# Public functions (Quantities in and out)
# ---------------------------------------------------------------------------------------------------
def pixel_centres(config: UVIConfig | None = None) -> u.Quantity:
    """Angles of the pixel centres along either axis of the square field, ``atan`` of the tangent-plane
    centres (deg), shape (pixels,): index ``ix`` along the instrument +X axis, ``iy`` along +Y.

    Examples
    --------
    >>> c = pixel_centres()
    >>> c.shape, round(float(c[-1].to_value("deg")), 4)
    ((512,), 4.9903)
    """
    v = UVIConfig.resolve(config).values
    e = pixel_edges_values(v)
    return np.degrees(np.arctan(0.5 * (e[1:] + e[:-1]))) * u.deg


def counts_per_rayleigh(config: UVIConfig | None = None) -> u.Quantity:
    """Photoevents per second per rayleigh in every pixel (ct s^-1 R^-1), shape (pixels, pixels).

    ``1e6 / (4 pi) * Omega * A_eff * QE`` (module docstring; the rayleigh of :cite:`hunten1956`).

    Examples
    --------
    >>> k = counts_per_rayleigh()
    >>> round(float(k[256, 256].to_value("ct / (s Rayleigh)")), 5)
    0.00292
    """
    v = UVIConfig.resolve(config).values
    return events_per_rayleigh_values(v) * u.ct / (u.s * RAYLEIGH)


def visible_leak(config: UVIConfig | None = None) -> u.Quantity:
    """The in-band brightness equivalent of a fully sunlit Earth after the visible rejection (R).

    Examples
    --------
    >>> f"{visible_leak().to_value('Rayleigh'):.2e}"
    '1.36e-04'
    """
    v = UVIConfig.resolve(config).values
    return leak_rayleigh_value(v) * RAYLEIGH


def psf_fwhm(config: UVIConfig | None = None) -> u.Quantity:
    """FWHM of the system PSF (optics and intensifier in quadrature), arcmin.

    Examples
    --------
    >>> round(float(psf_fwhm().to_value("arcmin")), 2)
    3.91
    """
    v = UVIConfig.resolve(config).values
    return math.hypot(v.optics_fwhm_deg, v.intensifier_fwhm_deg) * 60.0 * u.arcmin


#: The seed chapter's resolution requirement: 150 km from 15 RE geocentric.
REQUIRED_RESOLUTION_SIZE = 150.0 * u.km
REQUIRED_RESOLUTION_DISTANCE = 15.0 * RE


def requirement_resolution(
    size=REQUIRED_RESOLUTION_SIZE, distance=REQUIRED_RESOLUTION_DISTANCE
) -> u.Quantity:
    """The angle a feature of ``size`` spans from ``distance`` (the seed's 150 km from 15 RE), arcmin.

    Examples
    --------
    >>> round(float(requirement_resolution().to_value("arcmin")), 3)
    5.396
    """
    s = as_scalar(size, u.km, "size", positive=True)
    d = as_scalar(distance, u.km, "distance", positive=True)
    return math.degrees(s / d) * 60.0 * u.arcmin


def expected_snr(
    brightness,
    exposure,
    *,
    npix: int = 1,
    background=None,
    sunlit_fraction: float = 0.0,
    config: UVIConfig | None = None,
) -> float:
    """Analytic signal-to-noise ratio of a uniform source summed over ``npix`` central pixels.

    The signal is the mean DN of the source alone; the noise is the standard deviation of the summed DN,
    with the Poisson noise of source, visible leak and dark counts, the MCP gain spread, the CCD dark
    current and read noise (module docstring). The known means of leak and dark are taken as subtracted.

    Parameters
    ----------
    brightness : Quantity
        Source brightness (R), >= 0.
    exposure : Quantity
        Exposure (a whole number of frames).
    npix : int
        Pixels summed (e.g. 16 for a 4 x 4 box, about one 150-km element from 15 RE).
    background : Quantity, optional
        A uniform in-band brightness under the source (R), e.g. the sunlit LBH dayglow
        (:func:`smilekit.geospace.fuv_emission.dayglow_brightness`); its mean is taken as subtracted, its
        noise counts. Default 0 R.
    sunlit_fraction : float
        Fraction of each pixel on the sunlit Earth (the leak), in [0, 1].
    config : UVIConfig, optional

    Examples
    --------
    >>> import astropy.units as u
    >>> round(expected_snr(150 * u.R, 60 * u.s, npix=16), 1)
    14.5
    >>> round(expected_snr(150 * u.R, 60 * u.s, npix=16, background=2000 * u.R), 1)  # subsolar dayglow
    3.8
    """
    v = UVIConfig.resolve(config).values
    b = as_scalar(brightness, RAYLEIGH, "brightness", nonnegative=True)
    t = as_scalar(exposure, u.s, "exposure", positive=True)
    bg = 0.0 if background is None else as_scalar(background, RAYLEIGH, "background", nonnegative=True)
    whole_frames(t, v.frame_s)
    if not isinstance(npix, int | np.integer) or npix < 1:
        raise InputError(f"npix must be a positive integer, got {npix!r}")
    if not 0.0 <= sunlit_fraction <= 1.0:
        raise InputError(f"sunlit_fraction must lie in [0, 1], got {sunlit_fraction!r}")
    k = events_per_rayleigh_values(v)[v.pixels // 2, v.pixels // 2]
    per_pixel = (b + bg + sunlit_fraction * leak_rayleigh_value(v)) * k + dark_events_value(v)
    _, var = dn_moments_values(per_pixel * t * npix, int(npix), t, v)
    signal = b * k * t * npix * electrons_per_event(v) / v.ccd_gain
    return float(signal / math.sqrt(float(var)))
