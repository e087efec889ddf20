"""Tests of smilekit.imaging.cube_walk: the exact line-of-sight integral through a gridded cube.

Independent references: scipy's ``interpn`` on the gridded cube integrated by a fine midpoint rule, and
the closed-form integral of a linear field (reproduced exactly by trilinear interpolation).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import interpn

from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.imaging.adaptive import ray_lengths_values
from smilekit.imaging.los import INTENSITY_FACTOR, los_intensity
from smilekit.units import RE, SXI_INTENSITY
from testsupport.sources import fan


def test_default_on_a_cube_matches_scipy_interpn_integration():
    model = Jorgensen2019.ppmlr_fit(mp=9.3 * RE, bs=12.0 * RE)
    g = np.arange(-20.0, 20.01, 0.5)
    cube = EmissivityCube.from_model(model, g, g, g)
    origin = np.array([5.9, 6.7, 17.7])
    dirs = fan(origin, (7.8, 0.0, 0.0), n=8, spread=0.15, seed=7)
    out = los_intensity(cube, origin * RE, dirs).to_value(SXI_INTENSITY)
    length = ray_lengths_values(np.broadcast_to(origin, dirs.shape), dirs, 80.0)
    ref = []
    for d, L in zip(dirs, length, strict=True):
        n = int(np.ceil(L / 0.005))
        s = (np.arange(n) + 0.5) * (L / n)
        p = origin + s[:, None] * d
        inside = np.all(np.abs(p) <= 20.0, axis=1)
        vals = np.zeros(s.size)
        vals[inside] = interpn((g, g, g), cube.data.values, p[inside], method="linear")
        ref.append(vals.sum() * (L / n))
    # the cell walk is exact; the reference's midpoint rule on the continuous trilinear field is good to
    # about 2e-5 at this step
    np.testing.assert_allclose(out, np.array(ref) * INTENSITY_FACTOR, rtol=1e-4)


@pytest.mark.parametrize("extrude", [False, True])
def test_cube_walk_is_exact_for_a_linear_field(extrude):
    # trilinear interpolation reproduces a linear field, whose integral over a chord is the chord length
    # times the value at the chord's middle. A planar cube (one y node) extruded along y is the same field
    # without its y term.
    def linear(x, y, z):
        return 1e-5 * (3.0 + 0.2 * x + (0.0 if extrude else 0.1 * y) - 0.15 * z)

    class Field:
        def evaluate(self, x, y, z):
            return linear(np.asarray(x), np.asarray(y), np.asarray(z))

    gx, gz = np.linspace(-6.0, 10.0, 17), np.linspace(-5.0, 5.0, 11)
    gy = np.array([0.0]) if extrude else np.linspace(-7.0, 7.0, 15)
    cube = EmissivityCube.from_model(Field(), gx, gy, gz, extrude=extrude)
    origin = np.array([3.0, -4.0, 16.0])
    dirs = fan(origin, (2.0, 0.0, 0.0), n=20, spread=0.2, seed=5)
    out = los_intensity(cube, origin * RE, dirs).to_value(SXI_INTENSITY) / INTENSITY_FACTOR
    length = ray_lengths_values(np.broadcast_to(origin, dirs.shape), dirs, 80.0)
    expected = []
    for d, L in zip(dirs, length, strict=True):
        # the chord inside the box (y unbounded when extruded)
        lo = np.array([gx[0], -np.inf if extrude else gy[0], gz[0]])
        hi = np.array([gx[-1], np.inf if extrude else gy[-1], gz[-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (lo - origin) / d, (hi - origin) / d
        s0 = max(0.0, *np.nanmin([t1, t2], axis=0))
        s1 = min(L, *np.nanmax([t1, t2], axis=0))
        mid = origin + 0.5 * (s0 + s1) * d
        expected.append(max(s1 - s0, 0.0) * linear(*mid))
    assert np.count_nonzero(expected) > 10
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-18)
