"""Tests of smilekit.geospace.cube.EmissivityCube: interpolation, planar cubes, netCDF, MHD."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.units import RE

DATA = Path(__file__).resolve().parents[1] / "data" / "mhd" / "batsrus_swmf_test3_y0_ascii.out"
GX, GY, GZ = np.linspace(-4.0, 16.0, 11), np.linspace(-6.0, 6.0, 7), np.linspace(-5.0, 5.0, 6)


class Linear:
    def __init__(self, a, b, c, d):
        self.k = (a, b, c, d)

    def evaluate(self, x, y, z):
        a, b, c, d = self.k
        return a + b * np.asarray(x) + c * np.asarray(y) + d * np.asarray(z)


coef = st.floats(-5, 5)


@settings(max_examples=60, deadline=None)
@given(a=coef, b=coef, c=coef, d=coef, u=st.floats(0, 1), v=st.floats(0, 1), w=st.floats(0, 1))
def test_trilinear_exact_on_linear_fields(a, b, c, d, u, v, w):
    field = Linear(a, b, c, d)
    cube = EmissivityCube.from_model(field, GX, GY, GZ)
    x, y, z = GX[0] + u * (GX[-1] - GX[0]), GY[0] + v * (GY[-1] - GY[0]), GZ[0] + w * (GZ[-1] - GZ[0])
    assert float(cube.evaluate(x, y, z)) == pytest.approx(float(field.evaluate(x, y, z)), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(i=st.integers(0, 10), j=st.integers(0, 6), k=st.integers(0, 5))
def test_equal_to_model_at_nodes(i, j, k):
    model = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)
    cube = _jorgensen_cube()
    # trilinear weights at a node are 1 and 0 up to rounding: equal to the last few ulps
    assert cube.evaluate(GX[i], GY[j], GZ[k]) == pytest.approx(model.evaluate(GX[i], GY[j], GZ[k]), rel=1e-12)


_CACHE = {}


def _jorgensen_cube():
    if "j" not in _CACHE:
        _CACHE["j"] = EmissivityCube.from_model(Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE), GX, GY, GZ)
    return _CACHE["j"]


def test_outside_is_zero_and_attrs():
    cube = _jorgensen_cube()
    assert cube.evaluate(20.0, 0.0, 0.0) == 0.0 and cube.evaluate(10.0, 0.0, 5.01) == 0.0
    assert cube.data.attrs["units"] == "eV cm-3 s-1"
    assert cube.data.attrs["source"] == "Jorgensen2019"
    assert cube.data.attrs["A1"] == pytest.approx(3.2285e-5)
    out = cube([10, 30] * RE, [0, 0] * RE, [0, 0] * RE)
    assert out.unit.to_string() == "eV / (s cm3)" and out[1].value == 0.0


def test_netcdf_round_trip(tmp_path):
    cube = _jorgensen_cube()
    path = cube.to_netcdf(tmp_path / "cube.nc")
    back = EmissivityCube.open(path)
    xr.testing.assert_identical(back.data.drop_attrs(), cube.data.drop_attrs())
    assert back.data.attrs == cube.data.attrs
    with pytest.raises(InputError, match="cannot read"):
        EmissivityCube.open(tmp_path / "nothing.nc")


def test_plane_matches_evaluate():
    cube = _jorgensen_cube()
    p = cube.plane("xz", y=0 * RE)
    assert p.dims == ("x", "z") and p.shape == (11, 6)
    assert float(p.sel(x=10.0, z=1.0)) == cube.evaluate(10.0, 0.0, 1.0)
    with pytest.raises(InputError, match="y="):
        cube.plane("xz", z=0)


def test_planar_cube_and_extrude():
    da = xr.DataArray(np.arange(6.0).reshape(3, 1, 2), dims=("x", "y", "z"),
                      coords={"x": [0.0, 1.0, 2.0], "y": [0.0], "z": [0.0, 2.0]})  # fmt: skip
    flat = EmissivityCube(da)
    assert flat.evaluate(0.5, 0.0, 1.0) == pytest.approx(0.25 * (0 + 1 + 2 + 3))
    assert flat.evaluate(0.5, 0.3, 1.0) == 0.0
    assert EmissivityCube(da, extrude=True).evaluate(0.5, 0.3, 1.0) == pytest.approx(1.5)


def test_bad_data_rejected():
    with pytest.raises(InputError, match="dims"):
        EmissivityCube(xr.DataArray(np.zeros((2, 2)), dims=("x", "z")))
    da = xr.DataArray(np.zeros((3, 1, 1)), dims=("x", "y", "z"), coords={"x": [0, 1, 3], "y": [0], "z": [0]})
    with pytest.raises(InputError, match="regularly spaced"):
        EmissivityCube(da)


def test_from_mhd_planar_cube():
    x, z = np.linspace(-20, 30, 26), np.linspace(-30, 30, 31)
    cube = EmissivityCube.from_mhd(DATA, x=x, z=z, exosphere="cravens2001")
    assert cube.data.shape == (26, 1, 31) and cube.data.attrs["planar"] == 1
    assert cube.data.attrs["inner_radius_RE"] == 2.5  # the run's rbody
    assert cube.evaluate(0.0, 0.0, 0.0) == 0.0  # inside the inner boundary
    # Upstream solar wind (x = 30 RE): n = 5, V = 400 km/s, n_H = 25 (10/30)^3; T from p is small.
    up = float(cube.evaluate(30.0, 0.0, 0.0))
    assert up == pytest.approx(6e-16 * 5 * 25 / 27 * 400e5, rel=0.02)
    # the sheath is brighter than the upstream wind
    assert float(cube.data.max()) > 3 * up
