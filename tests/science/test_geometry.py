"""The viewing geometry of an L2 image: pixel directions against the simulator's own convention."""

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.instruments.sxi import make_l2, simulate_events
from smilekit.mission.pointing import attitude_values, limb_offset_aim_points
from smilekit.products.sxi_fits import read_l2, write_l2
from smilekit.science.geometry import image_geometry
from smilekit.units import RE

T0 = np.datetime64("2026-03-20T12:00")


@pytest.fixture(scope="module")
def l2():
    sc = np.array([6.0, 0.0, 18.0])
    aim = limb_offset_aim_points(sc * RE)[0].to_value(RE)
    rot = attitude_values(sc[None], aim[None], np.array([[0.0, 0.0, 1.0]]))[0][0]
    sky = xr.DataArray(
        np.full((16, 27), 5.0),
        dims=("v", "u"),
        coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
        attrs={"units": "keV cm-2 s-1 sr-1"},
    )
    ev = simulate_events(sky, 60 * u.s, start=T0, rotation=rot, sc_position=sc * RE, rng=3, backgrounds=())
    return make_l2(ev, cadence=1 * u.min, pixel=1 * u.deg, backgrounds=()), rot, sc


def test_directions_follow_the_fov_angles(l2):
    ds, rot, sc = l2
    g = image_geometry(ds)
    d = g.directions("GSE")
    assert d.shape == (ds.sizes["v"], ds.sizes["u"], 3)
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(g.rotation, rot, atol=1e-12)
    np.testing.assert_allclose(g.sc_gse, sc)
    # the angle from the boresight along body X is the pixel's u coordinate (gnomonic)
    body = d @ rot  # components on the body axes
    u_deg = np.degrees(np.arctan2(body[..., 0], body[..., 2]))
    np.testing.assert_allclose(u_deg[0], ds.u.values, atol=1e-9)
    # GSM directions are the GSE ones rotated at the middle of the bin
    r = rotation_matrix(T0 + np.timedelta64(30, "s"), "GSE", "GSM")
    np.testing.assert_allclose(g.directions("GSM"), d @ r.T, atol=1e-12)
    np.testing.assert_allclose(g.sc_gsm, r @ sc, atol=1e-12)


def test_the_rotation_of_a_time_is_made_once_and_read_only(l2):
    # every method asks for the image's geometry: the GSE -> GSM rotation of its time is made once and
    # shared, so it is read-only; it is rotation_matrix's, bit for bit
    ds = l2[0]
    a, b = image_geometry(ds), image_geometry(ds.copy())
    assert a.gse_to_gsm is b.gse_to_gsm and not a.gse_to_gsm.flags.writeable
    np.testing.assert_array_equal(a.gse_to_gsm, rotation_matrix(a.time, "GSE", "GSM"))
    with pytest.raises(ValueError, match="read-only"):
        a.gse_to_gsm[0, 0] = 2.0
    # a time numpy's ns cast would wrap around (the year 2500 into 1915) is refused, not rotated
    late = ds.assign_coords(time=ds["time"].values.astype("datetime64[s]") + np.timedelta64(474 * 365, "D"))
    late = late.assign_coords(time_end=late["time"].values + np.timedelta64(60, "s"))
    with pytest.raises(InputError, match="outside the range"):
        image_geometry(late)


def test_geometry_survives_the_fits_file(l2, tmp_path):
    ds = l2[0]
    back = read_l2(write_l2(ds, tmp_path / "l2.fits"))
    a, b = image_geometry(ds), image_geometry(back)
    np.testing.assert_allclose(b.directions("GSM"), a.directions("GSM"), atol=1e-6)


def test_bad_input(l2):
    ds = l2[0]
    with pytest.raises(InputError, match="L2 Dataset"):
        image_geometry(ds["counts"])
    with pytest.raises(InputError, match="time_index"):
        image_geometry(ds, time_index=5)
    with pytest.raises(InputError, match="pointing"):
        image_geometry(ds.drop_attrs())
    with pytest.raises(InputError, match="frame"):
        image_geometry(ds).directions("GEO")
