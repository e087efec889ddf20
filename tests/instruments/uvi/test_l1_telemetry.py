"""UVI level 1 and 2 from telemetry: simulate -> packets -> L0 -> image_from_telemetry -> make_l1/make_l2.

Where nothing is lost the products equal those made from the simulator's memory; rows lost in the
downlink are NaN in L1, left out of the L2 map, and flagged in both.
"""

from __future__ import annotations

import types

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.l1 import image_from_telemetry, make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import read_l0
from smilekit.telemetry.packetise import Packetiser, housekeeping, merge
from smilekit.units import RAYLEIGH, RE

DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])  # nadir over the north pole
T = np.datetime64("2026-06-21T12:00", "ns")
SC = [0, 0, 15] * RE
NADIR = [0.0, 0.0, -1.0]


def _ring(mlat, mlt, lat, lon, zenith):
    """A 1 kR ring at 65-75 deg MLAT on a 100 R floor."""
    return (100.0 + np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0)) * RAYLEIGH


def _hk(rotation, t0=T, n_s=70):
    t = t0 + np.arange(n_s) * np.timedelta64(1, "s")
    att = types.SimpleNamespace(time=t, rotation=np.broadcast_to(rotation, (n_s, 3, 3)))
    tl = types.SimpleNamespace(time=t, mode=np.full(n_s, "FSM"), sxi_shutter_open=np.ones(n_s, bool))
    return housekeeping(att, tl)


@pytest.fixture(scope="module")
def memory():
    """The frame made in memory: geometry, DN image, L1 and L2 (the body frame is the UVI frame here)."""
    g = shell_geometry(SC, DOWN, T)
    img = simulate_image(model_sky(None, None, None, _ring, geometry=g), 60 * u.s, 4)
    l1 = make_l1(img)
    return g, img, l1, make_l2(l1, g)


def _l0(img, drop=()):
    p = Packetiser()
    uvi = p.uvi(img)
    kept = [x for i, x in enumerate(uvi.packets) if i not in drop]
    return read_l0(b"".join(kept + merge(p.hk(_hk(DOWN))).packets))


def test_products_from_telemetry_equal_those_from_memory(memory):
    g, img, l1, l2 = memory
    l0 = _l0(img)
    (raw,) = dp.uvi_images(l0)
    dn, g_tm = image_from_telemetry(raw, dp.hk(l0), SC, uvi_boresight_gse=NADIR)
    np.testing.assert_array_equal(dn.values, img.values)
    assert dn["valid"].values.all() and dn.attrs["missing_rows"] == 0
    assert dn.attrs["time"] == img.attrs["time"]
    for k in ("boresight_gse", "x_axis_gse", "sc_position_gse_re", "altitude_km", "n_pixels"):
        np.testing.assert_allclose(dn.attrs[k], img.attrs[k], atol=1e-14)
    for k in ("mlat", "mlt", "slant_factor", "view_zenith"):
        np.testing.assert_allclose(g_tm[k].values, g[k].values, rtol=1e-9, atol=1e-9, equal_nan=True)
    l1_tm = make_l1(dn)
    for k in l1.data_vars:
        np.testing.assert_array_equal(l1_tm[k].values, l1[k].values)
    l2_tm = make_l2(l1_tm, g_tm)
    np.testing.assert_array_equal(l2_tm["n_pixels"].values, l2["n_pixels"].values)
    for k in ("brightness", "brightness_err", "image_brightness"):
        np.testing.assert_allclose(l2_tm[k].values, l2[k].values, rtol=1e-9, equal_nan=True)


def test_lost_rows_are_masked_and_flagged(memory):
    g, img, l1, l2 = memory
    l0 = _l0(img, drop=(13,))  # rows 208-223, across the oval
    (raw,) = dp.uvi_images(l0)
    dn, g_tm = image_from_telemetry(raw, dp.hk(l0), SC, uvi_boresight_gse=NADIR)
    lost = np.zeros(img.shape[0], bool)
    lost[208:224] = True
    assert (~dn["valid"].values).all(axis=1).tolist() == lost.tolist()
    l1_tm = make_l1(dn)
    assert l1_tm.attrs["missing_rows"] == 16 and l1_tm.attrs["telemetry_quality"] & dp.UVI_ROWS_MISSING
    for k in l1.data_vars:
        if k == "flat":
            continue
        assert np.isnan(l1_tm[k].values[lost]).all()
    for k in ("rate", "brightness"):  # the measured rows keep their values
        np.testing.assert_array_equal(l1_tm[k].values[~lost], l1[k].values[~lost])
    # the errors change only within the variance box (5 pixels: 2 rows) of the lost rows; elsewhere to the
    # rounding of the box filter's running sums, which run through the lost rows
    near = np.zeros_like(lost)
    near[206:226] = True
    np.testing.assert_allclose(l1_tm["rate_err"].values[~near], l1["rate_err"].values[~near], rtol=1e-9)
    changed = ~np.isclose(l1_tm["rate_err"].values[near & ~lost], l1["rate_err"].values[near & ~lost])
    assert changed.any()
    l2_tm = make_l2(l1_tm, g_tm)
    assert l2_tm.attrs["missing_rows"] == 16
    mapped = np.isfinite(l2["image_brightness"].values) & (g["mlat"].values >= 50.0)
    used_lost = int(mapped[lost].sum())
    assert used_lost > 0  # the lost rows crossed the oval's map
    assert int(l2["n_pixels"].sum()) - int(l2_tm["n_pixels"].sum()) == used_lost
    assert np.isnan(l2_tm["image_brightness"].values[lost]).all()
    assert np.all(l2_tm["n_pixels"].values <= l2["n_pixels"].values)
    assert np.isfinite(l2_tm["brightness"].values[l2_tm["coverage"].values]).all()


def test_default_uvi_pointing_is_the_missions():
    from smilekit.mission import kepler_track, sample_times, science_orbit
    from smilekit.mission.pointing import attitude, limb_offset_aim_points

    times = sample_times("2026-03-20", "2026-03-22", 3600 * u.s)
    track = kepler_track(science_orbit("2026-03-20"), times)
    att = attitude(track, limb_offset_aim_points(track.position("GSE"), errors="nan"))
    k = int(np.flatnonzero(att.valid & (np.linalg.norm(att.position_gse.to_value(RE), axis=1) > 12))[0])
    g = shell_geometry(None, att, index=k, n_pixels=16, on_miss="flag")
    t = att.time[k]
    raw = simulate_image(np.zeros((512, 512)) * RAYLEIGH, 60 * u.s, 1).assign_attrs(time=str(t))
    _, g_tm = image_from_telemetry(raw, _hk(att.rotation[k], t0=t), att.position_gse[k], on_miss="flag")
    for name in ("boresight_gse", "x_axis_gse"):
        np.testing.assert_allclose(g_tm.attrs[name], g.attrs[name], atol=1e-12)


def test_refusals(memory):
    _, img, _, _ = memory
    with pytest.raises(InputError, match="uvi_images"):
        image_from_telemetry(img.drop_attrs(), DOWN, SC)
    with pytest.raises(InputError, match="quaternion"):
        image_from_telemetry(img, _hk(DOWN, t0=T + np.timedelta64(3600, "s")), SC, uvi_boresight_gse=NADIR)
    with pytest.raises(InputError, match="boresight"):
        image_from_telemetry(img, DOWN, SC, uvi_boresight_gse=[0, 0, 0])


def test_the_flags_survive_the_fits_files(memory, tmp_path):
    from smilekit.products.uvi_fits import read_l1, read_l2, write_l1, write_l2

    _, img, _, _ = memory
    l0 = _l0(img, drop=(13,))
    dn, g_tm = image_from_telemetry(dp.uvi_images(l0)[0], DOWN, SC, uvi_boresight_gse=NADIR)
    l1 = make_l1(dn)
    l2 = make_l2(l1, g_tm)
    back1 = read_l1(write_l1(l1, tmp_path / "l1.fits", geometry=g_tm))
    back2 = read_l2(write_l2(l2, tmp_path / "l2.fits", geometry=g_tm))
    for back in (back1, back2):
        assert back.attrs["missing_rows"] == 16 and back.attrs["telemetry_quality"] & dp.UVI_ROWS_MISSING
    assert np.isnan(back1["brightness"].values[208:224]).all()
