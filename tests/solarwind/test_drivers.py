"""The one builder of the boundary-model drivers {pdyn, pm, bz, tilt} (smilekit.solarwind.drivers)."""

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.frames import dipole_tilt
from smilekit.solarwind import SolarWind
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.state import SolarWindState


def _series(times):
    return SolarWind(
        times,
        n=[5.0, np.nan, 20.0] * u.cm**-3,
        v_gse=[[-400, 0, 0]] * 3 * u.km / u.s,
        b_gsm=[[0, 0, -2], [0, 0, -2], [0, 3, -4]] * u.nT,
        t=[1e5, 1e5, 1e5] * u.K,
        allow_gaps=True,
    )


def test_drivers_from_a_state_hold_at_every_time():
    sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[1, 2, -5] * u.nT)
    t = np.array(["2026-03-20T00:00", "2026-06-21T17:00"], dtype="datetime64[ns]")
    d = drivers_at(sw, t)
    assert list(d) == ["tilt", "pdyn", "pm", "bz"]
    assert d["pdyn"].to_value(u.nPa).tolist() == [sw.pdyn.to_value(u.nPa)] * 2
    assert d["pm"].to_value(u.nPa).tolist() == [sw.pm.to_value(u.nPa)] * 2
    assert d["bz"].to_value(u.nT).tolist() == [-5.0, -5.0]
    assert d["tilt"].unit == u.deg
    assert d["tilt"].to_value(u.deg) == pytest.approx(dipole_tilt(t).to_value(u.deg))
    assert drivers_at(sw, "2026-03-20")["bz"].shape == (1,)
    with pytest.raises(InputError, match="time is required"):
        drivers_at(sw)


def test_drivers_interpolate_a_series_over_its_valid_records():
    t = np.datetime64("2026-03-20T00:00", "ns") + np.arange(3) * np.timedelta64(30, "m")
    sw = _series(t)
    d = drivers_at(sw, t[[0, 1, 2]])
    pdyn = sw.pdyn.values
    # the missing middle record is skipped: linear in time between the first and the last
    assert d["pdyn"].to_value(u.nPa) == pytest.approx(
        [pdyn[0], 0.5 * (pdyn[0] + pdyn[2]), pdyn[2]], rel=1e-12
    )
    assert d["bz"].to_value(u.nT) == pytest.approx([-2.0, -3.0, -4.0], rel=1e-12)
    with pytest.raises(InputError, match="outside the valid solar wind"):
        drivers_at(sw, "2026-03-21")
    with pytest.raises(InputError, match="SolarWind series or a SolarWindState"):
        drivers_at("fast wind", t)


def test_drivers_on_a_series_own_records_keep_them_as_they_are():
    t = np.datetime64("2026-03-20T00:00", "ns") + np.arange(3) * np.timedelta64(30, "m")
    sw = _series(t)
    d = drivers_at(sw)
    assert list(d) == ["tilt", "pdyn", "pm", "bz"]
    for name, unit in (("pdyn", u.nPa), ("pm", u.nPa), ("bz", u.nT)):
        np.testing.assert_array_equal(d[name].to_value(unit), getattr(sw, name).values)
    assert np.isnan(d["pdyn"][1]) and np.isfinite(d["bz"][1])  # no interpolation over the missing n
    np.testing.assert_array_equal(d["tilt"].to_value(u.deg), dipole_tilt(t).to_value(u.deg))
