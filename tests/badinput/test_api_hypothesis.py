"""Hypothesis over the public functions' inputs: nothing but a smilekit error (or warning) ever comes out.

The strategies mix good values with NaN, infinities, negatives, huge and tiny numbers, wrong shapes, wrong
units, unitless numbers, complex numbers, strings and None. Whatever the input, a call either returns, or
raises a :class:`~smilekit.errors.SmilekitError`; the only warnings are the project's
(:class:`~smilekit.errors.SmilekitWarning`, e.g. the fitted-range flag). A raw numpy or astropy error, a
TypeError, a numpy RuntimeWarning: each is a failure.
"""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smilekit.errors import SmilekitError, SmilekitWarning
from smilekit.geospace import boundaries as b
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CM3 = u.cm**-3
KMS = u.km / u.s

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e4, max_value=1e4),  # the physical neighbourhood, so that good calls happen too
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-30, 1e-6, 1.0, 1e9, 1e300, -1e300]),
)


def arrays(size=None):
    """A number, or lists of numbers of a fixed or a random shape."""
    if size is not None:
        return st.lists(numbers, min_size=size, max_size=size)
    return st.one_of(
        numbers,
        st.lists(numbers, min_size=0, max_size=4),
        st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=1, max_size=3),
    )


WRONG_UNITS = [u.km, u.s, u.one, u.deg, u.nPa, u.K, u.mag]


def anything(unit, size=None):
    """Values for an argument that wants a Quantity in ``unit``: mostly right, often wrong."""
    good = st.builds(lambda v: np.asarray(v, dtype=float) * unit, arrays(size))
    wrong_unit = st.builds(
        lambda v, w: np.asarray(v, dtype=float) * w, arrays(size), st.sampled_from(WRONG_UNITS)
    )
    return st.one_of(
        good,
        good,
        wrong_unit,
        arrays(size),  # unitless
        st.complex_numbers(allow_nan=True, allow_infinity=True).map(lambda c: c * unit),
        st.text(max_size=6),
        st.none(),
        st.just(object()),
    )


times = st.one_of(
    st.none(),
    st.sampled_from(["2026-03-20T12:00", "yesterday", "", "2026-13-45", "1900-01-01", "NaT"]),
    st.integers(),
    st.floats(),
    st.lists(st.sampled_from(["2026-03-20T12:00", "2026-03-20T13:00", "x"]), max_size=3),
)


def _call(func, *args, **kwargs):
    """Run ``func``; let only smilekit errors and warnings through (the assertion of this module)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func(*args, **kwargs)
        except SmilekitError:
            result = None
    foreign = [
        f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, SmilekitWarning)
    ]
    assert not foreign, foreign
    return result


def _good_state():
    return SolarWindState(n=5 * CM3, v_gse=[-400, 0, 0] * KMS, b_gsm=[0, 0, -5] * u.nT)


states = st.one_of(
    st.builds(
        lambda n, v, bz: _call(
            SolarWindState, n=n * CM3, v_gse=[-v, 0.0, 0.0] * KMS, b_gsm=[0.0, 0.0, bz] * u.nT
        ),
        st.floats(0.005, 2000),
        st.floats(-500, 4000),
        st.floats(-2000, 2000),
    ),
    st.none(),
    st.text(max_size=4),
    st.just(_good_state()),
)


@SETTINGS
@given(n=anything(CM3), v=anything(KMS, 3), b=anything(u.nT, 3), t=anything(u.K), time=times)
def test_solar_wind_state(n, v, b, t, time):
    _call(SolarWindState, n=n, v_gse=v, b_gsm=b, t=t, time=time)


@SETTINGS
@given(
    n=anything(CM3),
    v=st.one_of(
        anything(KMS), st.builds(lambda v: np.asarray(v) * KMS, st.lists(arrays(3), min_size=1, max_size=3))
    ),
    t=anything(u.K),
    time=st.one_of(
        times, st.just(np.array(["2015-06-22T00:00", "2015-06-22T00:01"], dtype="datetime64[ns]"))
    ),
    gaps=st.booleans(),
)
def test_solar_wind_series(n, v, t, time, gaps):
    b = np.tile([0.0, 0.0, -5.0], (2, 1)) * u.nT
    _call(SolarWind, time, n=n, v_gse=v, b_gse=b, t=t, allow_gaps=gaps)


@SETTINGS
@given(
    func=st.sampled_from(
        [b.shue1997, b.shue1998, b.lin2010, b.jelinek2012_magnetopause, b.jelinek2012_bow_shock]
    ),
    theta=anything(u.deg),
    phi=anything(u.deg),
    pdyn=anything(u.nPa),
    bz=anything(u.nT),
    pm=anything(u.nPa),
    tilt=anything(u.deg),
)
def test_boundary_functions(func, theta, phi, pdyn, bz, pm, tilt):
    params = {"pdyn": pdyn}
    if func in (b.shue1997, b.shue1998, b.lin2010):
        params["bz"] = bz
    if func is b.lin2010:
        params.update(pm=pm, tilt=tilt)
    r = _call(func, theta, phi, **params)
    if r is not None:  # a success is a length, positive where it is finite
        assert r.unit == RE and not (r.value <= 0).any()


@SETTINGS
@given(
    model=st.one_of(st.sampled_from(["shue1997", "shue1998", "lin2010", "jelinek2012", "nope", None, 3])),
    pdyn=anything(u.nPa),
    bz=anything(u.nT),
    extra=st.dictionaries(st.sampled_from(["pm", "tilt", "foo"]), anything(u.nPa), max_size=2),
)
def test_standoff(model, pdyn, bz, extra):
    _call(b.standoff, model, pdyn=pdyn, bz=bz, **extra)


@SETTINGS
@given(state=states, tilt=anything(u.deg), which=st.sampled_from([SWCXEmissivity, Jorgensen2019, CMEM]))
def test_emissivity_from_solar_wind(state, tilt, which):
    if which is Jorgensen2019:
        _call(which.from_solar_wind, state)
    else:
        _call(which.from_solar_wind, state, tilt=tilt)


JORGENSEN = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)


@SETTINGS
@given(x=anything(RE), y=anything(RE), z=anything(RE))
def test_emissivity_call(x, y, z):
    eta = _call(JORGENSEN, x, y, z)
    if eta is not None:
        assert not (eta.value < 0).any()


@SETTINGS
@given(source=states, time=times)
def test_drivers_at(source, time):
    _call(drivers_at, source, time)


@SETTINGS
@given(x=anything(RE), y=anything(RE), z=anything(RE), pdyn=anything(u.nPa))
def test_is_inside(x, y, z, pdyn):
    _call(b.is_inside, "shue1998", x, y, z, pdyn=pdyn)


@SETTINGS
@given(n=anything(CM3), v=st.one_of(anything(KMS), anything(KMS, 3)), t=anything(u.K), bvec=anything(u.nT, 3))
@example(n=1.0 * CM3, v=[1.3407807929942597e154] * KMS, t=None, bvec=None)  # norm overflowed (found)
@example(n=1.0 * CM3, v=[1.3e154, 0.0, 0.0] * KMS, t=1e5 * u.K, bvec=[0.0, 0.0, -5.0] * u.nT)
def test_magnetosheath(n, v, t, bvec):
    from smilekit.geospace.magnetosheath import Magnetosheath

    sheath = _call(Magnetosheath, n=n, v=v, t=t, b_gsm=bvec)
    if sheath is not None:
        values = _call(sheath.plasma, [8.0, 12.0, 30.0] * RE, 0 * RE, 0 * RE)
        assert values is None or (values["n"].value >= 0).all()
