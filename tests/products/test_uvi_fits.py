"""UVI L1/L2 FITS: lossless round trips, a WCS that gives each pixel its line of sight, broken files refused,
atomic writes."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from smilekit.errors import InputError, ProductError
from smilekit.instruments.uvi import UVIConfig, make_l1, make_l2, simulate_image
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.products.names import product_name
from smilekit.products.uvi_fits import read_l1, read_l2, write_l1, write_l2
from smilekit.units import RAYLEIGH, RE

T = "2026-06-21T12:00"
CFG = UVIConfig(pixels=64)


def tilted_frame(tilt_deg: float) -> np.ndarray:
    """A UVI -> GSE rotation (columns X, Y, Z) looking down on the pole, tilted ``tilt_deg`` about GSE X."""
    a = np.radians(tilt_deg)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    down = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    return rot @ down


def ring(mlat, mlt, lat, lon, zenith):
    return np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0) * RAYLEIGH


def make_frame(attitude):
    position = -16.0 * attitude[:, 2] * RE  # the boresight through the Earth's centre
    g = shell_geometry(position, attitude, T, config=CFG)
    sky = model_sky(None, None, None, ring, geometry=g)
    l1 = make_l1(simulate_image(sky, 60 * u.s, 3, config=CFG), CFG)
    return g, l1, make_l2(l1, g, dayglow="none", config=CFG)


@pytest.fixture(scope="module", params=[0.0, 25.0], ids=["nadir", "tilted"])
def frame(request):
    return make_frame(tilted_frame(request.param))


def assert_same(read, original, extra=()):
    for name in original.data_vars:
        np.testing.assert_array_equal(read[name].values, original[name].values, err_msg=name)
        assert read[name].dims == original[name].dims, name
        # FITS drops trailing blanks: the ISTP-style " " (dimensionless) comes back as ""
        assert read[name].attrs.get("units", "") == original[name].attrs.get("units", "").strip(), name
        assert read[name].attrs.get("CATDESC") == original[name].attrs.get("CATDESC"), name
    for name in original.coords:
        np.testing.assert_allclose(read[name].values, original[name].values, rtol=0, atol=1e-12, err_msg=name)
    for key, value in original.attrs.items():
        assert read.attrs[key] == value, key


def assert_fits_units(hdul) -> None:
    """Every extension's BUNIT is a unit astropy's FITS unit parser reads."""
    for hdu in hdul[1:]:
        if "BUNIT" in hdu.header:
            u.Unit(hdu.header["BUNIT"], format="fits")


def test_l1_round_trip(frame, tmp_path):
    g, l1, _ = frame
    name = product_name("uvi", "l1", "images", np.datetime64(T), ext="fits")
    assert name == "smile_uvi_l1_images_20260621T120000_v01.fits"
    path = write_l1(l1, tmp_path / name, geometry=g, config=CFG)
    back = read_l1(path)
    assert_same(back, l1)
    np.testing.assert_array_equal(back["pixel_mlat"].values, g["mlat"].values)
    np.testing.assert_array_equal(back["pixel_mlt"].values, g["mlt"].values)
    assert back.attrs["config"] == {k: float(v) for k, v in CFG.values._asdict().items()}
    with fits.open(path) as hdul:
        p = hdul[0].header
        assert (p["INSTRUME"], p["LEVEL"], p["EXPOSURE"], p["DATE-END"]) == (
            "UVI",
            "L1",
            60.0,
            "2026-06-21T12:01:00.000",
        )
        assert hdul["BRIGHT"].header["BUNIT"] == "R" and hdul["RATE"].header["BUNIT"] == "ct / s"
        assert_fits_units(hdul)  # FLAT's was "1", which astropy's FITS unit parser refuses
        assert hdul["BRIGHTERR"].header["UTYPE"] == "StdDevUncertainty"


def test_l2_round_trip(frame, tmp_path):
    g, _, l2 = frame
    path = write_l2(
        l2, tmp_path / product_name("uvi", "l2", "images", np.datetime64(T), ext="fits"), geometry=g
    )
    back = read_l2(path)
    assert_same(back, l2)
    assert back["coverage"].dtype == bool
    assert "pixel_mlat" in back
    # without the geometry: no pixel maps, the rest the same
    bare = read_l2(write_l2(l2, tmp_path / "bare.fits"))
    assert "pixel_mlat" not in bare
    assert_same(bare, l2)
    # a file of smilekit 0.1.0 had no MAPDGERR: it reads, without dayglow_err; a MAPERR missing does not
    with fits.open(path) as hdul:
        assert "MAPDGERR" in {h.name for h in hdul}
        assert_fits_units(hdul)
        fits.HDUList([h.copy() for h in hdul if h.name != "MAPDGERR"]).writeto(tmp_path / "old.fits")
        fits.HDUList([h.copy() for h in hdul if h.name != "MAPERR"]).writeto(tmp_path / "torn.fits")
    old = read_l2(tmp_path / "old.fits")
    assert "dayglow_err" not in old
    assert_same(old, l2.drop_vars("dayglow_err"))
    again = read_l2(write_l2(old, tmp_path / "old-again.fits"))  # and writes again (no geometry given)
    assert_same(again, old.drop_vars(["pixel_mlat", "pixel_mlt"]))
    with pytest.raises(ProductError, match=r"torn\.fits.*missing extensions \['MAPERR'\]"):
        read_l2(tmp_path / "torn.fits")


def test_wcs_gives_each_pixel_its_line_of_sight(frame, tmp_path):
    """astropy's world coordinate of a pixel is the direction of xi X + eta Y + Z of the dataset's grid."""
    _, l1, _ = frame
    path = write_l1(l1, tmp_path / "l1.fits")
    with fits.open(path) as hdul:
        wcs = WCS(hdul["BRIGHT"].header)
    x_axis = np.asarray(l1.attrs["x_axis_gse"])
    z_axis = np.asarray(l1.attrs["boresight_gse"])
    y_axis = np.cross(z_axis, x_axis)
    iy, ix = np.meshgrid([0, 5, 31, 63], [0, 17, 40, 63], indexing="ij")
    lon, lat = wcs.pixel_to_world_values(ix, iy)  # 0-based pixel (x, y)
    lon, lat = np.radians(lon), np.radians(lat)
    seen = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    xi = np.radians(l1["xi"].values[ix])[..., None]
    eta = np.radians(l1["eta"].values[iy])[..., None]
    expected = xi * x_axis + eta * y_axis + z_axis
    expected /= np.linalg.norm(expected, axis=-1, keepdims=True)
    np.testing.assert_allclose(seen, expected, atol=1e-10)
    # and the inverse: the intermediate coordinates are the dataset's tangent-plane coordinates
    px, py = wcs.world_to_pixel_values(np.degrees(lon), np.degrees(lat))
    np.testing.assert_allclose(px, ix, atol=1e-6)
    np.testing.assert_allclose(py, iy, atol=1e-6)


def test_the_geometry_line_of_sight_matches_the_wcs(frame, tmp_path):
    """The point on the shell seen by a pixel lies along the WCS direction from the spacecraft."""
    g, l1, _ = frame
    with fits.open(write_l1(l1, tmp_path / "l1.fits")) as hdul:
        wcs = WCS(hdul["BRIGHT"].header)
    on = np.argwhere(g["on_shell"].values)[::97]
    lon, lat = np.radians(wcs.pixel_to_world_values(on[:, 1], on[:, 0]))
    d = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    to_point = g["point_gse"].values[on[:, 0], on[:, 1]] - np.asarray(g.attrs["sc_position_gse_re"])
    to_point /= np.linalg.norm(to_point, axis=-1, keepdims=True)
    np.testing.assert_allclose(to_point, d, atol=1e-9)


def test_overwrite_and_bad_input(frame, tmp_path):
    _, l1, l2 = frame
    path = write_l1(l1, tmp_path / "l1.fits")
    with pytest.raises(ProductError, match="exists"):
        write_l1(l1, path)
    write_l1(l1, path, overwrite=True)
    with pytest.raises(InputError, match="make_l1"):
        write_l1(l2, tmp_path / "x.fits")
    with pytest.raises(InputError, match="pointing"):
        no_pointing = l1.copy()
        del no_pointing.attrs["boresight_gse"]
        write_l1(no_pointing, tmp_path / "x.fits")
    with pytest.raises(InputError, match="grid"):
        write_l1(
            l1, tmp_path / "x.fits", geometry=shell_geometry([0, 0, 15] * RE, tilted_frame(0), T, n_pixels=16)
        )
    with pytest.raises(InputError, match=r"write_l1: the image is of .* the geometry of"):
        # another frame's pixel MLAT/MLT would be written as this one's
        position = -16.0 * tilted_frame(0)[:, 2] * RE
        write_l1(
            l1,
            tmp_path / "x.fits",
            geometry=shell_geometry(position, tilted_frame(0), "2026-01-01", config=CFG),
        )
    with pytest.raises(ProductError, match="not a UVI L2"):
        read_l2(path)


@pytest.mark.parametrize(
    "damage",
    ["missing", "empty", "not_fits", "truncated_header", "truncated_data", "no_config"],
)
def test_broken_files_raise_product_error_naming_the_file(frame, tmp_path, damage):
    _, l1, _ = frame
    path = write_l1(l1, tmp_path / "good.fits")
    whole = path.read_bytes()
    bad = tmp_path / "bad.fits"
    if damage == "missing":
        bad = tmp_path / "absent.fits"
    elif damage == "empty":
        bad.write_bytes(b"")
    elif damage == "not_fits":
        bad.write_text("time,brightness\n1,2\n")
    elif damage == "truncated_header":
        bad.write_bytes(whole[:4000])
    elif damage == "truncated_data":
        bad.write_bytes(whole[: len(whole) - 5000])
    else:
        with fits.open(path) as hdul:
            fits.HDUList([h.copy() for h in hdul if h.name != "CONFIG"]).writeto(bad)
    with pytest.raises(ProductError, match=r"(bad|absent)\.fits"):
        read_l1(bad)


class Interrupted(Exception):
    pass


def test_an_interrupted_write_keeps_the_old_file(frame, tmp_path, monkeypatch):
    _, _, l2 = frame
    path = write_l2(l2, tmp_path / "l2.fits")
    old = path.read_bytes()

    def half_then_raise(self, name, **kw):
        with open(name, "wb") as stream:
            stream.write(b"half a file")
        raise Interrupted

    monkeypatch.setattr(fits.HDUList, "writeto", half_then_raise)
    with pytest.raises(Interrupted):
        write_l2(l2, path, overwrite=True)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l2.fits"]


def test_an_l2_whose_dayglow_fell_back_to_the_model_writes_without_a_warning(frame, tmp_path):
    """make_l2 says "model (too few to fit)" when no sunlit sub-auroral pixels are there to fit; the header
    card must hold it (a longer text once made astropy warn "Card is too long", an error in this suite)."""
    g, _, l2 = frame
    fallback = l2.copy()
    fallback.attrs = {**l2.attrs, "dayglow_method": "model (too few to fit)"}
    back = read_l2(write_l2(fallback, tmp_path / "fallback.fits", geometry=g))
    assert back.attrs["dayglow_method"] == "model (too few to fit)"
