"""Writes are atomic: a writer that fails half way (an exception, a full disk) leaves the previous file
whole and no temporary behind, for the helper itself and for every product format written through it
(FITS L1/L2, CDF, PNG, GIF, CSV, JSON; SXI's and UVI's); concurrent writers of one file never share a
temporary."""

import errno
import json
import threading

import astropy.units as u
import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from astropy.io import fits
from matplotlib.figure import Figure
from PIL import Image

from smilekit import _io
from smilekit._io import atomic_open, atomic_path, save_figure, write_table, write_text
from smilekit.campaign.cases import CASE_COLUMNS, write_cases
from smilekit.errors import ProductError
from smilekit.instruments import uvi
from smilekit.instruments.sxi.l2 import make_l2
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.products import cdf as cdf_module
from smilekit.products import uvi_fits
from smilekit.products.l3_cdf import write_l3_cdf
from smilekit.products.plots.sxi import write_sxi_movie
from smilekit.products.plots.uvi import plot_uvi_frame, write_uvi_movie
from smilekit.products.report import write_summary
from smilekit.products.sxi_fits import read_l2, write_l1, write_l2
from smilekit.products.uvi_l3_cdf import write_uvi_l3_cdf
from smilekit.science.aurora import image_boundaries, image_hemispheric_power
from smilekit.science.estimates import MagnetopauseEstimate
from smilekit.units import RAYLEIGH, RE
from testsupport.sxi import small_event_list

matplotlib.use("Agg")


class Interrupted(Exception):
    """What the monkeypatched writers raise after writing part of a file."""


def only(folder):
    """The names in ``folder`` (a temporary left behind would show here)."""
    return sorted(p.name for p in folder.iterdir())


def half_then_raise(path, data=b"half a file"):
    with open(path, "wb") as stream:
        stream.write(data)
    raise Interrupted


def full_disk(fileno):
    raise OSError(errno.ENOSPC, "No space left on device")


# ---------------------------------------------------------------------------------------------------
# the helper
# ---------------------------------------------------------------------------------------------------
def test_a_stream_that_fails_midway_leaves_the_old_file(tmp_path):
    target = write_text(tmp_path / "state.json", '{"old": true}')
    with pytest.raises(Interrupted), atomic_open(target) as stream:
        stream.write('{"new": ')
        raise Interrupted
    assert target.read_text() == '{"old": true}' and only(tmp_path) == ["state.json"]


def test_a_library_writer_that_fails_midway_leaves_the_old_file(tmp_path):
    target = tmp_path / "image.fits"
    target.write_bytes(b"old")
    with pytest.raises(Interrupted), atomic_path(target) as temporary:
        half_then_raise(temporary)
    assert target.read_bytes() == b"old" and only(tmp_path) == ["image.fits"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = write_text(tmp_path / "a.csv", "x\n1\n")
    monkeypatch.setattr(_io.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_text(target, "x\n2\n")
    with pytest.raises(OSError, match="No space"), atomic_path(target) as temporary:
        temporary.write_text("x\n3\n")
    assert target.read_text() == "x\n1\n" and only(tmp_path) == ["a.csv"]


def test_a_writer_that_leaves_no_file_is_an_error_not_an_empty_product(tmp_path):
    with pytest.raises(FileNotFoundError, match="left no file"), atomic_path(tmp_path / "a.cdf") as temporary:
        temporary.unlink()
    assert only(tmp_path) == []


def test_a_new_file_in_a_new_folder_and_its_permissions(tmp_path):
    target = write_text(tmp_path / "new" / "deeper" / "summary.json", "{}")
    assert target.read_text() == "{}" and (target.stat().st_mode & 0o777) == 0o644


def test_temporaries_keep_the_suffix_sit_beside_the_target_and_are_unique(tmp_path):
    target = tmp_path / "movie.gif"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second
        assert first.parent == second.parent == tmp_path
        assert first.suffix == second.suffix == ".gif" and first.name.startswith(".movie.gif.")
        first.write_text("first")
        second.write_text("second")
    assert target.read_text() == "first"  # the last to finish wins, whole
    assert only(tmp_path) == ["movie.gif"]


def test_concurrent_writers_of_one_file_never_tear_it(tmp_path):
    target = tmp_path / "results.json"
    payloads = [json.dumps({"writer": k, "data": [k] * 20_000}) for k in range(8)]
    threads = [threading.Thread(target=write_text, args=(target, p)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert target.read_text() in payloads and only(tmp_path) == ["results.json"]


def test_atomic_open_only_writes_whole_files(tmp_path):
    with pytest.raises(ValueError, match="mode must be"), atomic_open(tmp_path / "a", "a"):
        pass


def test_overwrite_false_refuses_an_existing_file_before_writing_anything(tmp_path):
    target = write_text(tmp_path / "a.fits", "old")
    with pytest.raises(ProductError, match=r"a\.fits exists; pass overwrite=True"):
        with atomic_path(target, overwrite=False):
            raise AssertionError("the block must not run")
    assert target.read_text() == "old" and only(tmp_path) == ["a.fits"]
    with atomic_path(tmp_path / "b.fits", overwrite=False) as tmp:  # a new file is written
        tmp.write_text("new")
    assert (tmp_path / "b.fits").read_text() == "new"


# ---------------------------------------------------------------------------------------------------
# the product writers go through it
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def events():
    return small_event_list()


def test_an_interrupted_write_l2_keeps_the_old_file(events, tmp_path, monkeypatch):
    l2 = make_l2(events, pixel=1.0 * u.deg, cadence=2 * u.min)
    path = write_l2(l2, tmp_path / "l2.fits")
    old = path.read_bytes()
    monkeypatch.setattr(fits.HDUList, "writeto", lambda self, name, **kw: half_then_raise(name))
    with pytest.raises(Interrupted):
        write_l2(l2, path, overwrite=True)
    assert path.read_bytes() == old and only(tmp_path) == ["l2.fits"]
    monkeypatch.undo()
    np.testing.assert_array_equal(read_l2(path).counts.values, l2.counts.values)


def test_an_interrupted_write_l1_keeps_the_old_file(events, tmp_path, monkeypatch):
    path = write_l1(events, tmp_path / "ev.fits")
    old = path.read_bytes()
    monkeypatch.setattr(fits.HDUList, "writeto", lambda self, name, **kw: half_then_raise(name))
    with pytest.raises(Interrupted):
        write_l1(events, path, overwrite=True)
    assert path.read_bytes() == old and only(tmp_path) == ["ev.fits"]


def l3(path):
    t = np.datetime64("2026-03-20T12:00", "ns")
    est = MagnetopauseEstimate("max_intensity", 9.1 * RE, 0.3 * RE, "ok", {}, t)
    return write_l3_cdf(path, [[est]], sc_position=[[6, 0, 18]] * RE)


def assert_an_interrupted_cdf_keeps_the_old_file(path, write, monkeypatch):
    """``write()`` rewrites the CDF ``path`` and is cut short half-way: the old file stays, whole, and
    nothing else is left beside it."""
    old = path.read_bytes()
    seen = []

    def interrupted(dataset, name, **kwargs):
        seen.append(path.read_bytes() == old)  # the old file is still there while the new one is written
        half_then_raise(name)

    monkeypatch.setattr(cdf_module, "xarray_to_cdf", interrupted)
    with pytest.raises(Interrupted):
        write()
    assert seen == [True] and path.read_bytes() == old and only(path.parent) == [path.name]


def test_the_cdf_writer_keeps_the_old_file_until_the_new_one_is_whole(tmp_path, monkeypatch):
    path = l3(tmp_path / "smile_sxi_l3_boundaries_20260320T120000_v01.cdf")
    assert_an_interrupted_cdf_keeps_the_old_file(path, lambda: l3(path), monkeypatch)


def test_a_cdf_failing_the_istp_checks_keeps_the_old_file(tmp_path, monkeypatch):
    path = l3(tmp_path / "smile_sxi_l3_boundaries_20260320T120000_v01.cdf")
    old = path.read_bytes()

    def not_istp(dataset, name, **kwargs):
        raise cdf_module.ISTPError("VAR_TYPE missing")

    monkeypatch.setattr(cdf_module, "xarray_to_cdf", not_istp)
    with pytest.raises(ProductError, match="not ISTP compliant"):
        l3(path)
    assert path.read_bytes() == old and only(tmp_path) == [path.name]


def test_the_cdf_writers_replace_by_default_and_refuse_with_overwrite_false(tmp_path):
    path = l3(tmp_path / "smile_sxi_l3_boundaries_20260320T120000_v01.cdf")
    old = path.read_bytes()
    assert l3(path) == path  # replaced, as the CDF writers always did
    t = np.datetime64("2026-03-20T12:00", "ns")
    est = MagnetopauseEstimate("max_intensity", 9.1 * RE, 0.3 * RE, "ok", {}, t)
    with pytest.raises(ProductError, match="exists; pass overwrite=True"):
        write_l3_cdf(path, [[est]], sc_position=[[6, 0, 18]] * RE, overwrite=False)
    assert len(path.read_bytes()) == len(old) and only(tmp_path) == [path.name]


def test_figures_are_written_whole_in_the_format_of_their_suffix(tmp_path, monkeypatch):
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "orbit.png", dpi=30)
    old = path.read_bytes()
    assert old.startswith(b"\x89PNG")
    assert save_figure(fig, tmp_path / "orbit.svg").read_text().lstrip().startswith("<?xml")
    monkeypatch.setattr(Figure, "savefig", lambda self, name, **kw: half_then_raise(name))
    with pytest.raises(Interrupted):
        save_figure(fig, path)
    assert path.read_bytes() == old and only(tmp_path) == ["orbit.png", "orbit.svg"]


def test_an_interrupted_movie_keeps_the_old_gif(tmp_path, monkeypatch):
    frames = [
        xr.DataArray(np.full((4, 6), k + 1.0), dims=("v", "u"), attrs={"time": f"2015-06-22T0{k}:00"})
        for k in range(2)
    ]
    path = tmp_path / "sxi_movie.gif"
    write_sxi_movie(frames, path)
    old = path.read_bytes()
    assert old.startswith(b"GIF8")

    def save(self, fp, *args, **kwargs):
        half_then_raise(fp)

    monkeypatch.setattr(Image.Image, "save", save)
    with pytest.raises(Interrupted):
        write_sxi_movie(frames, path)
    assert path.read_bytes() == old and only(tmp_path) == ["sxi_movie.gif"]


def test_an_interrupted_csv_keeps_the_old_table(tmp_path, monkeypatch):
    cases = pd.DataFrame([[f"c{k}"] + [k] * (len(CASE_COLUMNS) - 1) for k in range(3)], columns=CASE_COLUMNS)
    path = write_cases(cases, tmp_path / "cases.csv")
    old = path.read_bytes()
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda self, name, **kw: half_then_raise(name, b"case_id,ti"))
    with pytest.raises(Interrupted):
        write_cases(cases, path)
    with pytest.raises(Interrupted):
        write_table(cases, tmp_path / "other.csv")
    assert path.read_bytes() == old and only(tmp_path) == ["cases.csv"]


def test_json_on_a_full_disk_keeps_the_old_summary(tmp_path, monkeypatch):
    path = write_summary(tmp_path / "summary.json", {"run": 1})
    monkeypatch.setattr(_io.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_summary(path, {"run": 2})
    assert json.loads(path.read_text()) == {"run": 1} and only(tmp_path) == ["summary.json"]


# ---------------------------------------------------------------------------------------------------
# the UVI products (issue 15): L1/L2 FITS, the L3 CDF, the quick-look and the movie
# ---------------------------------------------------------------------------------------------------
UVI64 = uvi.UVIConfig(pixels=64)


def ring(mlat, mlt, lat, lon, zenith):
    return np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0) * RAYLEIGH


@pytest.fixture(scope="module")
def uvi_frame():
    """(geometry, L1, L2) of one 60-s UVI frame of a 1 kR ring, from 16 RE above the pole (64 pixels)."""
    down = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])
    g = shell_geometry([0, 0, 16] * RE, down, "2026-06-21T12:00", config=UVI64)
    sky = model_sky(None, None, None, ring, geometry=g)
    l1 = uvi.make_l1(uvi.simulate_image(sky, 60 * u.s, 1, config=UVI64), UVI64)
    return g, l1, uvi.make_l2(l1, g, dayglow="none", config=UVI64)


@pytest.mark.parametrize("level", ["l1", "l2"])
def test_an_interrupted_uvi_fits_write_keeps_the_old_file(uvi_frame, level, tmp_path, monkeypatch):
    g, l1, l2 = uvi_frame
    write, read, ds = {
        "l1": (uvi_fits.write_l1, uvi_fits.read_l1, l1),
        "l2": (uvi_fits.write_l2, uvi_fits.read_l2, l2),
    }[level]
    name = f"smile_uvi_{level}_images_20260621T120000_v01.fits"
    path = write(ds, tmp_path / name, geometry=g, config=UVI64)
    old = path.read_bytes()
    monkeypatch.setattr(fits.HDUList, "writeto", lambda self, name, **kw: half_then_raise(name))
    with pytest.raises(Interrupted):
        write(ds, path, geometry=g, config=UVI64, overwrite=True)
    assert path.read_bytes() == old and only(tmp_path) == [path.name]
    monkeypatch.undo()
    np.testing.assert_array_equal(read(path)["brightness"].values, ds["brightness"].values)


def test_an_interrupted_uvi_l3_cdf_keeps_the_old_file(uvi_frame, tmp_path, monkeypatch):
    l2 = uvi_frame[2]
    frames = [image_boundaries(l2)], [image_hemispheric_power(l2)]
    path = write_uvi_l3_cdf(tmp_path / "smile_uvi_l3_boundaries_20260621T120000_v01.cdf", *frames)
    assert_an_interrupted_cdf_keeps_the_old_file(path, lambda: write_uvi_l3_cdf(path, *frames), monkeypatch)


def test_an_interrupted_uvi_quick_look_keeps_the_old_png(uvi_frame, tmp_path, monkeypatch):
    g, _, l2 = uvi_frame
    fig = plot_uvi_frame(l2, geometry=g, boundaries=image_boundaries(l2))
    path = save_figure(fig, tmp_path / "smile_uvi_ql_frame_20260621T120000_v01.png", dpi=30)
    old = path.read_bytes()
    assert old.startswith(b"\x89PNG")
    monkeypatch.setattr(Figure, "savefig", lambda self, name, **kw: half_then_raise(name))
    with pytest.raises(Interrupted):
        save_figure(fig, path, dpi=30)
    assert path.read_bytes() == old and only(tmp_path) == [path.name]


def test_an_interrupted_uvi_movie_keeps_the_old_gif(uvi_frame, tmp_path, monkeypatch):
    l2 = uvi_frame[2]
    later = l2.copy(deep=True).assign_attrs(time="2026-06-21T12:10:00.000")
    path = tmp_path / "uvi_movie.gif"
    write_uvi_movie([l2, later], path)
    old = path.read_bytes()
    assert old.startswith(b"GIF8")

    def save(self, fp, *args, **kwargs):
        half_then_raise(fp)

    monkeypatch.setattr(Image.Image, "save", save)
    with pytest.raises(Interrupted):
        write_uvi_movie([l2, later], path)
    assert path.read_bytes() == old and only(tmp_path) == ["uvi_movie.gif"]
