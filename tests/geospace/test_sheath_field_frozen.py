"""Tests of smilekit.geospace.sheath_field's "frozen_compression" model: the shock jump, div B = 0.

(The Kobel & Flückiger model's tests are in test_sheath_field_kf.py.) At every shock point B_n is
continuous (div B = 0 across the surface); for a perpendicular shock (B0_n = 0) the MHD jump is
B2 / B1 = n2 / n1 (tangential E continuous, v_n2 B_t2 = v_n1 B_t1); for an oblique shock the model's jump
is B_t = X B0_t - (X - 1) (B0_n / n_x) x_hat_t (the compression along the flow, module notes), checked
here as the model's definition.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.magnetosheath import Magnetosheath, _surface_normal, rankine_hugoniot_values
from smilekit.geospace.sheath_field import frozen_compression_values as sheath_field_values


def _sheath(b=(1.0, 3.0, -2.0), n=5.0, v=400.0):
    return Magnetosheath(n=n * u.cm**-3, v=v * u.km / u.s, t=1e5 * u.K, b_gsm=list(b) * u.nT)


def _shock_point(sheath, theta, phi, depth):
    """A point ``depth`` RE radially below (depth > 0) or above the shock, and the shock normal there."""
    normal, r_bs = _surface_normal(sheath._bs_kernel, sheath._bs_params, np.array(theta), np.array(phi))
    r_hat = np.array([np.cos(theta), np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi)])
    return (float(r_bs) - depth) * r_hat, normal


@pytest.mark.parametrize("theta", [0.0, 0.4, 0.8, 1.2])
@pytest.mark.parametrize("b", [(1.0, 3.0, -2.0), (4.0, 0.5, 1.0), (-2.0, -2.0, 2.0)])
def test_jump_at_the_shock(theta, b):
    """5e-3 RE behind the shock: B_n equals the IMF's (1e-3 relative) and B_t is the model's jump (1 %;
    the compression grows by < 0.5 % over that depth), X the plasma model's Rankine-Hugoniot density
    ratio at the local normal Mach number."""
    sheath = _sheath(b)
    point, normal = _shock_point(sheath, theta, 0.7, 5e-3)
    field = sheath_field_values(sheath, *point)
    b0 = sheath.b_gsm
    b0n = b0 @ normal
    x_ratio = rankine_hugoniot_values(sheath.mach * abs(normal[0]), sheath.gamma)[0]
    np.testing.assert_allclose(field @ normal, b0n, rtol=1e-3, atol=1e-3 * np.linalg.norm(b0))
    x_hat_t = np.array([1.0, 0.0, 0.0]) - normal[0] * normal
    expected = x_ratio * (b0 - b0n * normal) - (x_ratio - 1.0) * b0n / normal[0] * x_hat_t
    np.testing.assert_allclose(field - (field @ normal) * normal, expected, rtol=1e-2, atol=1e-2)


def test_perpendicular_shock_compression_equals_density_compression():
    """At the nose with an IMF perpendicular to the normal (B_x = 0): |B2| / |B1| = n2 / n1 of the plasma
    model at the same point (1 %)."""
    sheath = _sheath((0.0, 3.0, -2.0))
    point, _ = _shock_point(sheath, 0.0, 0.0, 5e-3)
    ratio_b = np.linalg.norm(sheath_field_values(sheath, *point)) / np.linalg.norm(sheath.b_gsm)
    n2 = sheath.plasma_values(*point)[0]
    np.testing.assert_allclose(ratio_b, n2 / sheath.n1, rtol=1e-2)


def test_upstream_is_the_imf_exactly():
    sheath = _sheath()
    for theta in (0.0, 0.6, 1.3):
        point, _ = _shock_point(sheath, theta, -1.0, -0.05)
        np.testing.assert_array_equal(sheath_field_values(sheath, *point), sheath.b_gsm)


@settings(max_examples=25, deadline=None)
@given(
    bx=st.floats(-5, 5),
    by=st.floats(-5, 5),
    bz=st.floats(-5, 5),
    n=st.floats(1.0, 30.0),
    seed=st.integers(0, 2**31),
)
def test_divergence_free_in_the_sheath(bx, by, bz, n, seed):
    """Numerical div B (central differences, 0.01 RE) over random sheath points at least 0.05 RE from
    either boundary is < 1e-4 |B| per RE (measured ~1e-6; grad psi is itself by differences): div B = 0
    by construction."""
    if np.hypot(np.hypot(bx, by), bz) < 0.5:
        return
    sheath = _sheath((bx, by, bz), n=n)
    rng = np.random.default_rng(seed)
    pts = rng.uniform([-5, -25, -25], [20, 25, 25], (300, 3))
    r, theta, phi = cartesian_to_angles(*pts.T)
    r_bs = sheath._bs_kernel(theta, phi, **sheath._bs_params)
    r_mp = sheath._mp_kernel(theta, phi, **sheath._mp_params)
    clear = (sheath.region(*pts.T) == 1) & (r_bs - r > 0.05) & (r - r_mp > 0.05)  # not straddling a boundary
    pts = pts[clear][:40]
    if len(pts) == 0:
        return
    h = 0.01
    div = sum(
        (
            sheath_field_values(sheath, *(pts + h * e).T)[:, k]
            - sheath_field_values(sheath, *(pts - h * e).T)[:, k]
        )
        / (2 * h)
        for k, e in enumerate(np.eye(3))
    )
    b = np.linalg.norm(sheath_field_values(sheath, *pts.T), axis=1)
    assert np.max(np.abs(div) / b) < 1e-4


def test_field_piles_up_towards_the_nose_magnetopause():
    """Along the Sun-Earth line the tangential field grows from X B1 behind the shock to the plasma
    model's n / n1 times B1 at the magnetopause (the stagnation density exceeds the shock's)."""
    sheath = _sheath((0.0, 3.0, -2.0))
    r_mp = float(sheath._mp_kernel(0.0, 0.0, **sheath._mp_params))
    r_bs = float(sheath._bs_kernel(0.0, 0.0, **sheath._bs_params))
    x = np.linspace(r_bs - 0.01, r_mp + 0.01, 30)
    mag = np.linalg.norm(sheath_field_values(sheath, x, 0.0, 0.0), axis=1)
    assert np.all(np.diff(mag) > 0)
    n_mp = sheath.plasma_values(r_mp + 0.01, 0.0, 0.0)[0]
    np.testing.assert_allclose(mag[-1] / np.linalg.norm(sheath.b_gsm), n_mp / sheath.n1, rtol=2e-2)
