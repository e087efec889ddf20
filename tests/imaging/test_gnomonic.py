"""The imagers' gnomonic projection and its celestial WCS (smilekit.imaging.gnomonic), against wcslib."""

import numpy as np
import pytest
from astropy.wcs import WCS
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from smilekit.imaging.gnomonic import tangent_plane_directions_values, tangent_plane_wcs_values


def wcslib_lonlat(rotation, xi_deg, eta_deg):
    """Longitude and latitude (deg) of tangent-plane points through wcslib, given the kernel's WCS."""
    lon0, lat0, pc = tangent_plane_wcs_values(rotation)
    w = WCS(naxis=2)
    w.wcs.ctype = ["GSLN-TAN", "GSLT-TAN"]
    w.wcs.crval = [lon0, lat0]
    w.wcs.crpix = [0.0, 0.0]
    w.wcs.cdelt = [1.0, 1.0]
    w.wcs.pc = pc
    w.wcs.lonpole = 180.0
    w.wcs.set()
    return w.wcs_pix2world(xi_deg, eta_deg, 1)  # FITS pixels: with CRPIX 0, pixel p is p deg


def direct_lonlat(rotation, xi_deg, eta_deg):
    d = tangent_plane_directions_values(xi_deg, eta_deg, rotation)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0])) % 360.0, np.degrees(np.arcsin(d[..., 2]))


def assert_same_sky(rotation):
    xi, eta = np.meshgrid(np.linspace(-8.0, 8.0, 5), np.linspace(-6.0, 6.0, 5))
    lon, lat = wcslib_lonlat(rotation, xi.ravel(), eta.ravel())
    lon_d, lat_d = direct_lonlat(rotation, xi.ravel(), eta.ravel())
    # angular separation, not longitude differences (they blow up near the poles)
    a = np.stack(
        [
            np.cos(np.radians(lat)) * np.cos(np.radians(lon)),
            np.cos(np.radians(lat)) * np.sin(np.radians(lon)),
            np.sin(np.radians(lat)),
        ],
        -1,
    )
    b = np.stack(
        [
            np.cos(np.radians(lat_d)) * np.cos(np.radians(lon_d)),
            np.cos(np.radians(lat_d)) * np.sin(np.radians(lon_d)),
            np.sin(np.radians(lat_d)),
        ],
        -1,
    )
    sep = np.degrees(np.linalg.norm(a - b, axis=-1))  # the chord: the angle for small ones, without round-off
    assert sep.max() < 1e-9  # deg: round-off (the WCS is exact for the TAN projection)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_wcs_puts_every_tangent_plane_point_on_its_ray(seed):
    assert_same_sky(Rotation.random(random_state=seed).as_matrix())


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_wcs_holds_with_the_boresight_on_a_pole(sign):
    yaw = np.radians(37.0)
    x = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    z = np.array([0.0, 0.0, sign])
    rotation = np.column_stack([x, np.cross(z, x), z])
    _, lat0, pc = tangent_plane_wcs_values(rotation)
    assert lat0 == sign * 90.0
    assert np.linalg.det(pc) == pytest.approx(1.0, abs=1e-15)
    assert_same_sky(rotation)
