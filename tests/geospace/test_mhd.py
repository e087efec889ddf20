"""Tests of smilekit.geospace.mhd: the BATS-R-US IDL ASCII reader (against SpacePy's pybats reader)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.geospace.exosphere import Cravens2001
from smilekit.geospace.mhd import mhd_emissivity_values, read_batsrus_idl_ascii

DATA = Path(__file__).resolve().parents[1] / "data" / "mhd" / "batsrus_swmf_test3_y0_ascii.out"


@pytest.fixture(scope="module")
def ds():
    return read_batsrus_idl_ascii(DATA)


def test_counts_ranges_and_header(ds):
    assert ds.sizes["cell"] == 2560
    assert set(ds.coords) == {"x", "z"}
    assert float(ds.x.min()) == -220.0 and float(ds.x.max()) == 31.0
    assert float(ds.z.min()) == -124.0 and float(ds.z.max()) == 124.0
    assert list(ds.data_vars) == "rho ux uy uz bx by bz p b1x b1y b1z e jx jy jz".split()
    assert ds.attrs["iteration"] == 68 and ds.attrs["time_s"] == 10.0 and ds.attrs["ndim"] == -2
    assert ds.attrs["rbody"] == 2.5 and ds.attrs["g"] == pytest.approx(1.66667)
    # units line of the file: R ... Mp/cc km/s ... nPa
    assert ds.x.attrs["units"] == "RE"
    assert ds.rho.attrs["units"] == "amu cm-3" and ds.ux.attrs["units"] == "km/s"
    assert ds.p.attrs["units"] == "nPa" and ds.bz.attrs["units"] == "nT"


def test_known_cell(ds):
    # line 6 of the file: the first cell
    first = ds.isel(cell=0)
    assert float(first.x) == -220.0 and float(first.z) == -124.0
    assert float(first.rho) == 4.9999999745
    assert float(first.ux) == -3.9999999425e02
    assert float(first.p) == 6.9034999451e-03


def test_upstream_solar_wind(ds):
    # SWMF test 3 upstream boundary: n = 5 cm^-3, Vx = -400 km/s (values of the run as given in the task
    # brief). The most sunward column (x >= 28 RE) is still undisturbed solar wind.
    up = ds.where(ds.x >= 28.0, drop=True)
    assert up.sizes["cell"] > 10
    assert np.allclose(up.rho, 5.0, rtol=2e-3)
    assert np.allclose(up.ux, -400.0, rtol=1e-3)


def test_against_spacepy(ds, tmp_path):
    # Independent reader: SpacePy 0.7 pybats.IdlFile (needs a file name without '_t<digits>' confusion).
    pybats = pytest.importorskip("spacepy.pybats")
    copy = tmp_path / "y0_ascii.out"
    shutil.copy(DATA, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pybats.IdlFile(str(copy), format="ascii")
    for name in ["x", "z", *ds.data_vars]:
        assert np.array_equal(np.asarray(ref[name]), ds[name].values), name
    assert ref.attrs["rbody"] == ds.attrs["rbody"]


def _write(tmp_path, lines):
    path = tmp_path / "bad.out"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_malformed_files_raise_with_line(tmp_path):
    lines = DATA.read_text().splitlines()
    bad_row = lines.copy()
    bad_row[6] = " ".join(bad_row[6].split()[:-1])  # a column missing in the 2nd cell
    with pytest.raises(InputError, match="line 7"):
        read_batsrus_idl_ascii(_write(tmp_path, bad_row))
    bad_num = lines.copy()
    bad_num[9] = bad_num[9].replace("E", "Q", 1)
    with pytest.raises(InputError, match="line 10"):
        read_batsrus_idl_ascii(_write(tmp_path, bad_num))
    with pytest.raises(InputError, match="2560 data rows"):
        read_batsrus_idl_ascii(_write(tmp_path, lines[:100]))
    bad_head = lines.copy()
    bad_head[1] = "68 10.0 -2 3"
    with pytest.raises(InputError, match="line 2"):
        read_batsrus_idl_ascii(_write(tmp_path, bad_head))
    bad_names = lines.copy()
    bad_names[4] = "x z rho"
    with pytest.raises(InputError, match="line 5"):
        read_batsrus_idl_ascii(_write(tmp_path, bad_names))
    with pytest.raises(InputError, match="cannot read"):
        read_batsrus_idl_ascii(tmp_path / "missing.out")


def test_emissivity_of_cells(ds):
    # eta = alpha n v_eff n_H with T = p / (2 n k) (Te = Tp), by hand for the first cell.
    nh = Cravens2001().density_values(ds.x.values, 0.0, ds.z.values)
    eta = mhd_emissivity_values(ds, nh, alpha=6e-16, inner_radius=2.5)
    c = ds.isel(cell=0)
    n, p = float(c.rho), float(c.p) * 1e-9
    t = p / (2 * n * 1e6 * 1.380649e-23)
    v2 = float(c.ux) ** 2 + float(c.uy) ** 2 + float(c.uz) ** 2
    v_eff_cm = np.sqrt(v2 + 3 * 1.380649e-23 * t / 1.67262192595e-27 * 1e-6) * 1e5
    assert eta[0] == pytest.approx(6e-16 * n * nh[0] * v_eff_cm, rel=1e-8)
    r = np.hypot(ds.x.values, ds.z.values)
    assert (eta[r < 2.5] == 0).all() and (eta[r >= 2.5] > 0).all()
