"""The SXI requirement domain: the mission's numbers, strict bounds, units converted, bad input refused."""

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.science.requirement import (
    FLUX_THRESHOLD,
    MIN_DISTANCE,
    in_requirement_domain,
    in_requirement_domain_values,
)
from smilekit.units import RE


def test_the_thresholds_are_the_mission_requirement():
    # seed handbook chapter sec. 3.1, SXI requirement 1: "solar wind flux > 4.9 x 10^8 cm-2 s-1 and from
    # positions in orbit greater than 15 Earth radii (RE) geocentric"
    assert FLUX_THRESHOLD.to_value(u.cm**-2 / u.s) == pytest.approx(4.9e8, rel=1e-12)
    assert MIN_DISTANCE.to_value(RE) == pytest.approx(15.0, rel=1e-12)


def test_both_bounds_are_strict():
    flux = np.array([4.9e8, 4.9e8 * (1 + 1e-9), 6e8, 6e8])
    distance = np.array([18.0, 18.0, 15.0, 15.0 + 1e-9])
    np.testing.assert_array_equal(in_requirement_domain_values(flux, distance), [False, True, False, True])


def test_quantities_in_other_units_give_the_kernel_answer():
    n = [12.0, 13.0, 13.0, 20.0] * u.cm**-3
    v = [400.0, 400.0, 400.0, 300.0] * u.km / u.s
    sc = [[0.0, 0.0, 18.0], [0.0, 0.0, 18.0], [0.0, 0.0, 14.0], [10.0, 10.0, 10.0]] * RE
    expected = in_requirement_domain_values(
        n.to_value(u.cm**-3) * v.to_value(u.cm / u.s), np.linalg.norm(sc.to_value(RE), axis=-1)
    )
    np.testing.assert_array_equal(expected, [False, True, False, True])
    got = in_requirement_domain(n.to(u.m**-3), v.to(u.m / u.s), sc.to(u.km))
    np.testing.assert_array_equal(got, expected)


def test_one_case_and_bad_input():
    assert in_requirement_domain(20 * u.cm**-3, 400 * u.km / u.s, [0, 0, 18] * RE).tolist() == [True]
    with pytest.raises(InputError):
        in_requirement_domain(20, 400 * u.km / u.s, [0, 0, 18] * RE)  # no unit
    with pytest.raises(InputError):
        in_requirement_domain(-1 * u.cm**-3, 400 * u.km / u.s, [0, 0, 18] * RE)  # not positive
    with pytest.raises(InputError):
        in_requirement_domain(20 * u.cm**-3, 400 * u.km / u.s, [0, 0, 18] * u.s)  # not a length
