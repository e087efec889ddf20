"""Tests of smilekit.imaging.los: the adaptive line-of-sight integrator and its fixed-step reference.

Independent references: analytic integrals (chords of uniform spheres and shells, a radial r^-3 field),
the unit conversion done by astropy, and fixed-step integration converged by hand. The cube walk is
tested in test_cube_walk.py, the SXI intensity map in tests/instruments/sxi/test_sky.py.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.geospace.emissivity import EMISSIVITY_UNIT, Jorgensen2019
from smilekit.imaging.adaptive import ray_lengths_values
from smilekit.imaging.los import INTENSITY_FACTOR, adjacent_rays, los_integral_values, los_intensity
from smilekit.mission.pointing import attitude_values
from smilekit.units import RE, SXI_INTENSITY
from testsupport.sources import ETA0, Ball, fan, unit


class PowerLaw:
    """eta = A (10 / r)^3, the solar-wind term of Jorgensen et al. (2019)."""

    A = 1.0e-5

    def evaluate(self, x, y, z):
        r = np.sqrt(x * x + y * y + z * z)
        return self.A * (10.0 / r) ** 3


class Poisoned:
    def evaluate(self, x, y, z):
        return np.where(x > 5.0, np.nan, 1e-6)


# --- units and analytic integrals ----------------------------------------------------------------------


def test_intensity_factor_is_the_unit_conversion_done_by_astropy():
    # (1 / 4 pi sr) * eta [eV cm^-3 s^-1] * 1 RE, converted by astropy to keV cm^-2 s^-1 sr^-1
    expected = (1.0 * EMISSIVITY_UNIT * (1.0 * RE) / (4 * math.pi * u.sr)).to_value(SXI_INTENSITY)
    assert INTENSITY_FACTOR == pytest.approx(expected, rel=1e-12)
    # I = (1/4 pi) int eta dl (:cite:`cravens2001`), dl in RE = 6.371e8 cm, I in keV
    assert INTENSITY_FACTOR == pytest.approx(6371e5 / 1e3 / (4 * math.pi), rel=1e-12)


@pytest.mark.parametrize("step", [None, 0.05 * RE])
def test_uniform_field_gives_eta_times_path_over_four_pi(step):
    class Uniform:
        def evaluate(self, x, y, z):
            return np.full(np.shape(x), ETA0)

    # a ray that misses the Earth stops at max_distance; one aimed at the Earth stops at its surface
    origin = [0.0, 0.0, 20.0] * RE
    dirs = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], unit([0.03, 0.0, -1.0])])
    out = los_intensity(Uniform(), origin, dirs, step=step, max_distance=37 * RE)
    hit = 20.0 * math.cos(math.atan(0.03)) - math.sqrt(1.0 - (20.0 * math.sin(math.atan(0.03))) ** 2)
    paths = np.array([37.0, 19.0, hit]) * RE
    expected = (ETA0 * EMISSIVITY_UNIT * paths / (4 * math.pi * u.sr)).to(SXI_INTENSITY)
    assert out.unit == SXI_INTENSITY
    # the midpoint rule is exact for a constant; the default's fourth-order rules nearly so
    np.testing.assert_allclose(out.value, expected.value, rtol=1e-7 if step is not None else 1e-5)


def _image_rays(sc, aim, nu=40, nv=20):
    """Directions of an nv x nu image over the SXI field of view, pointed by the attitude law."""
    rot = attitude_values(np.asarray(sc, float)[None], np.asarray(aim, float)[None], np.zeros((1, 3)))[0][0]
    cu, cv = np.linspace(-13.0, 13.0, nu), np.linspace(-7.5, 7.5, nv)
    tv, tu = np.meshgrid(np.tan(np.radians(cv)), np.tan(np.radians(cu)), indexing="ij")
    return unit(np.stack([tu, tv, np.ones_like(tu)], axis=-1)) @ rot.T


# derandomized: the same 12 shells on every machine (a random draw found the miss of the test below)
@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    cx=st.floats(-4, 12),
    cz=st.floats(-5, 5),
    r_out=st.floats(2.0, 7.0),
    thickness=st.floats(0.2, 3.0),
)
def test_default_matches_the_exact_chords_of_a_uniform_shell(cx, cz, r_out, thickness):
    # uniform emissivity in a shell: I = eta0 * chord / (4 pi), the chord computed analytically. The
    # emissivity jumps at both radii, and a shell 0.2 RE thick is thinner than the node spacing (about
    # 0.1 r), so this exercises the refinement and the search on neighbouring pixels.
    shell = Ball(centre=(cx, 2.0, cz), r_out=r_out, r_in=max(r_out - thickness, 0.0))
    sc = np.array([4.0, -3.0, 18.0])
    dirs = _image_rays(sc, shell.c, nu=36, nv=18)
    flat = dirs.reshape(-1, 3)
    length = ray_lengths_values(np.broadcast_to(sc, flat.shape), flat, 80.0)
    chords = np.array([shell.chord(sc, d, L) for d, L in zip(flat, length, strict=True)]).reshape(
        dirs.shape[:2]
    )
    out = los_intensity(shell, sc * RE, dirs).to_value(SXI_INTENSITY)
    expected = ETA0 * chords * INTENSITY_FACTOR
    # the error of each jump is bounded by a fraction of the ray's own integral; compare against the
    # intensity of a diameter. A lone pixel may still miss a sliver (a chord much shorter than the node
    # spacing that no neighbour saw either): in 650 random shells the worst pixel was off by 3 %.
    scale = ETA0 * 2 * r_out * INTENSITY_FACTOR
    err = np.abs(out - expected) / scale
    assert np.percentile(err, 99) < 2e-3
    assert err.max() < 0.1


@pytest.mark.xfail(strict=True, reason="known limit: a ray grazing a shell thinner than the node spacing")
def test_a_ray_grazing_a_thin_shell_twice_keeps_both_crossings():
    # Found by hypothesis (2026-12-04), the code unchanged since issue 4: of 648 rays, the one that crosses
    # this 0.25 RE shell twice near its tangent (chord 1.52 RE) keeps one crossing only, 11.5 % of a
    # diameter's intensity lost, while its neighbours did not see the layer either (the limitation in the
    # notes of smilekit.imaging.adaptive). Strict: when the scheme catches it, this test says so.
    shell = Ball(centre=(11.375, 2.0, 3.875), r_out=3.296875, r_in=3.296875 - 0.25)
    sc = np.array([4.0, -3.0, 18.0])
    dirs = _image_rays(sc, shell.c, nu=36, nv=18)
    flat = dirs.reshape(-1, 3)
    length = ray_lengths_values(np.broadcast_to(sc, flat.shape), flat, 80.0)
    chords = np.array([shell.chord(sc, d, L) for d, L in zip(flat, length, strict=True)]).reshape(
        dirs.shape[:2]
    )
    out = los_intensity(shell, sc * RE, dirs).to_value(SXI_INTENSITY)
    err = np.abs(out - ETA0 * chords * INTENSITY_FACTOR) / (ETA0 * 2 * shell.r_out * INTENSITY_FACTOR)
    assert err.max() < 0.1


def test_radial_inverse_cube_field_has_its_closed_form():
    # eta = A (10/r)^3 along radial rays: integral = 500 A (1/r0^2 - 1/r1^2) (A in eV cm^-3 s^-1, r in RE)
    law = PowerLaw()
    r0 = 12.0
    origin = np.array([r0, 0.0, 0.0])
    out = los_intensity(law, origin * RE, [[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]], max_distance=50 * RE)
    outward = 500.0 * law.A * (1 / r0**2 - 1 / (r0 + 50.0) ** 2)
    inward = 500.0 * law.A * (1 / 1.0**2 - 1 / r0**2)  # stops at the Earth's surface, r = 1
    np.testing.assert_allclose(
        out.to_value(SXI_INTENSITY), np.array([outward, inward]) * INTENSITY_FACTOR, rtol=2e-5
    )


def test_rays_stop_at_the_earth_and_at_max_distance():
    shell = Ball(centre=(0.0, 0.0, 0.0), r_out=30.0, r_in=0.0)
    origin = np.array([0.0, 0.0, 15.0])
    # straight down: 14 RE to the surface; the part behind the Earth must not count
    down = los_intensity(shell, origin * RE, [[0.0, 0.0, -1.0]]).to_value(SXI_INTENSITY)[0]
    assert down == pytest.approx(ETA0 * 14.0 * INTENSITY_FACTOR, rel=1e-5)
    # sideways, limited by max_distance
    for dist in (5.0, 12.5):
        side = los_intensity(shell, origin * RE, [[1.0, 0.0, 0.0]], max_distance=dist * RE)
        assert side.to_value(SXI_INTENSITY)[0] == pytest.approx(ETA0 * dist * INTENSITY_FACTOR, rel=1e-5)
    np.testing.assert_allclose(
        ray_lengths_values(np.array([[0.0, 0.0, 15.0]]), np.array([[0.0, 0.0, -1.0]]), 80.0), [14.0]
    )


# --- convergence and accuracy ----------------------------------------------------------------------------


def test_fixed_step_converges_with_order_one_at_jumps_and_two_when_smooth():
    origin = np.array([4.0, -3.0, 18.0])
    dirs = fan(origin, (2.0, 1.0, 0.0), n=60, spread=0.2, seed=3)
    o = np.broadcast_to(origin, dirs.shape)
    length = ray_lengths_values(o, dirs, 60.0)
    shell = Ball(centre=(2.0, 1.0, 0.0), r_out=7.0, r_in=3.0)
    exact = np.array([shell.chord(origin, d, L) for d, L in zip(dirs, length, strict=True)]) * ETA0
    steps = np.array([0.4, 0.2, 0.1, 0.05])
    jump_err = [
        np.abs(los_integral_values(shell.evaluate, o, dirs, length, step=h)[0] - exact).max() for h in steps
    ]
    # midpoint rule across jumps: error bounded by ~h * jump, so it falls roughly in proportion to h
    slope = np.polyfit(np.log(steps), np.log(jump_err), 1)[0]
    assert 0.6 < slope < 1.6
    assert jump_err[-1] < jump_err[0] / 4
    # smooth integrand (the r^-3 field on rays missing the Earth): second order
    far = np.array([unit([1.0, 0.3, -0.2]), unit([0.2, 1.0, 0.1])])
    of = np.broadcast_to([0.0, 0.0, 18.0], far.shape)
    lf = ray_lengths_values(of, far, 40.0)
    fine = los_integral_values(PowerLaw().evaluate, of, far, lf, step=0.005)[0]
    smooth_err = [
        np.abs(los_integral_values(PowerLaw().evaluate, of, far, lf, step=h)[0] - fine).max() for h in steps
    ]
    ratios = np.array(smooth_err[:-1]) / np.array(smooth_err[1:])
    assert np.all(ratios > 3.0) and np.all(ratios < 5.0)


def test_default_within_half_a_percent_of_a_fine_fixed_step_on_jorgensen():
    # the published PPMLR fit on boundaries like those of n = 10 cm^-3; reference: midpoint rule at
    # 0.005 RE (its own error, from the jumps at the boundaries, is below ~0.05 %)
    model = Jorgensen2019.ppmlr_fit(mp=9.3 * RE, bs=12.0 * RE)
    sc, aim = np.array([3.5, -2.3, 17.1]), np.array([3.5, -2.3, 0.0])
    rot = attitude_values(sc[None], aim[None], np.zeros((1, 3)))[0][0]
    cu, cv = np.linspace(-13, 13, 14), np.linspace(-7.5, 7.5, 8)
    tv, tu = np.meshgrid(np.tan(np.radians(cv)), np.tan(np.radians(cu)), indexing="ij")
    dirs = unit(np.stack([tu, tv, np.ones_like(tu)], axis=-1)) @ rot.T
    default = los_intensity(model, sc * RE, dirs).value
    reference = los_intensity(model, sc * RE, dirs, step=0.005 * RE).value
    err = np.abs(default / reference - 1.0)
    assert np.percentile(err, 99) < 5e-3
    assert err.max() < 1e-2


def test_results_do_not_depend_on_the_threads():
    model = Jorgensen2019.ppmlr_fit(mp=9.3 * RE, bs=12.0 * RE)
    origin = np.array([5.9, 6.7, 17.7])
    dirs = fan(origin, (7.8, 0.0, 0.0), n=2500, spread=0.12, seed=1)
    o = np.broadcast_to(origin, dirs.shape)
    length = ray_lengths_values(o, dirs, 80.0)
    one = los_integral_values(model.evaluate, o, dirs, length, threads=1)[0]
    two = los_integral_values(model.evaluate, o, dirs, length, threads=2)[0]
    np.testing.assert_array_equal(one, two)


# --- frames and the image --------------------------------------------------------------------------------


def test_time_rotates_the_rays_into_gsm():
    # a source that is not symmetric about X: a ball off the X axis
    ball = Ball(centre=(6.0, 3.0, 4.0), r_out=3.0)
    origin = np.array([2.0, -3.0, 17.0])
    dirs = fan(origin, (6.0, 3.0, 4.0), n=10, spread=0.1, seed=2)
    t = "2026-06-21T12:00"
    rot = rotation_matrix(t, "GSE", "GSM")
    with_time = los_intensity(ball, origin * RE, dirs, time=t)
    by_hand = los_intensity(ball, (rot @ origin) * RE, dirs @ rot.T)
    np.testing.assert_allclose(with_time.value, by_hand.value, rtol=1e-12)
    assert not np.allclose(with_time.value, los_intensity(ball, origin * RE, dirs).value, rtol=1e-3)


def test_adjacent_rays_of_an_image():
    nb = adjacent_rays((3, 4))
    assert nb.shape == (12, 8)
    assert sorted(nb[5][nb[5] >= 0].tolist()) == [0, 1, 2, 4, 6, 8, 9, 10]
    assert sorted(nb[0][nb[0] >= 0].tolist()) == [1, 4, 5]


# --- bad input -------------------------------------------------------------------------------------------


def test_bad_input_raises_input_error():
    model = Jorgensen2019.ppmlr_fit(mp=9.0 * RE, bs=12.0 * RE)
    d = [[0.0, 0.0, -1.0]]
    with pytest.raises(InputError, match="outside the Earth"):
        los_intensity(model, [0.0, 0.3, 0.5] * RE, d)
    with pytest.raises(InputError, match="unit vectors"):
        los_intensity(model, [0.0, 0.0, 18.0] * RE, [[0.0, 0.0, -2.0]])
    with pytest.raises(InputError, match="shape"):
        los_intensity(model, [0.0, 0.0, 18.0] * RE, [0.0, -1.0])
    with pytest.raises(InputError, match="Quantity"):
        los_intensity(model, [0.0, 0.0, 18.0], d)
    with pytest.raises(InputError, match="Quantity"):
        los_intensity(model, [0.0, 0.0, 18.0] * RE, d, step=0.1)
    with pytest.raises(InputError, match="max_distance"):
        los_intensity(model, [0.0, 0.0, 18.0] * RE, d, max_distance=-3 * RE)
    with pytest.raises(InputError, match="evaluate"):
        los_intensity(object(), [0.0, 0.0, 18.0] * RE, d)


@pytest.mark.parametrize("step", [None, 0.1 * RE])
def test_non_finite_emissivity_names_where(step):
    with pytest.raises(InputError, match=r"non-finite value .* at \[.*\] RE .* on ray 1"):
        los_intensity(Poisoned(), [0.0, 0.0, 18.0] * RE, [[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], step=step)
