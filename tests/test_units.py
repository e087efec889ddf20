"""Units and input validation at the public boundary."""

import astropy.units as u
import numpy as np
import pytest

from smilekit import RE, InputError, SmilekitError
from smilekit._validation import as_value, as_vector
from smilekit.units import RAYLEIGH, RE_KM


def test_earth_radius_is_6371_km():
    # DESIGN.md convention: RE = 6371 km (mean radius), not astropy's equatorial earthRad (6378.1 km).
    assert (1 * RE).to_value(u.km) == 6371.0 == RE_KM
    assert (20 * RE).to(u.km) == 127420 * u.km


def test_rayleigh_definition():
    # Hunten, Roach & Chamberlain (1956): 1 R = 1e6 / (4 pi) photons cm^-2 s^-1 sr^-1.
    value = (1 * RAYLEIGH).to_value(u.ph / (u.cm**2 * u.s * u.sr))
    assert value == pytest.approx(1e6 / (4 * np.pi), rel=1e-12)


def test_input_error_is_a_value_error_and_a_smilekit_error():
    assert issubclass(InputError, SmilekitError)
    assert issubclass(InputError, ValueError)


def test_unitless_input_is_rejected_with_the_name_and_value():
    with pytest.raises(InputError, match=r"pdyn must be an astropy Quantity.*3\.5"):
        as_value(3.5, u.nPa, "pdyn")


def test_wrong_dimension_is_rejected():
    with pytest.raises(InputError, match="does not convert to nPa"):
        as_value(3.5 * u.km, u.nPa, "pdyn")


@pytest.mark.parametrize(
    ("value", "checks", "message"),
    [
        (-1.0 * u.nPa, {"positive": True}, r"must be > 0 nPa, got -1"),
        (0.0 * u.nPa, {"positive": True}, r"must be > 0"),
        (-1.0 * u.nPa, {"nonnegative": True}, r"must be >= 0"),
        (np.nan * u.nPa, {}, r"contains NaN"),
        (np.inf * u.nPa, {}, r"infinite"),
    ],
)
def test_out_of_range_values_are_rejected(value, checks, message):
    with pytest.raises(InputError, match=message):
        as_value(value, u.nPa, "pdyn", **checks)


def test_conversion_and_nan_allowed_when_asked():
    out = as_value([1.0, np.nan] * u.Pa, u.nPa, "p", allow_nan=True)
    assert out[0] == pytest.approx(1e9)
    assert np.isnan(out[1])


def test_vectors_need_three_components():
    assert as_vector([1, 2, 3] * u.nT, u.nT, "b").shape == (3,)
    with pytest.raises(InputError, match=r"shape \(\.\.\., 3\)"):
        as_vector([1, 2] * u.nT, u.nT, "b")
