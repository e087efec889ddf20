"""UVI quick-look and movie: they are written, whole, and draw the boundaries they are given."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from PIL import Image

from smilekit._io import save_figure
from smilekit.errors import InputError
from smilekit.instruments.uvi import make_l1, make_l2, simulate_image
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.products.names import product_name
from smilekit.products.plots.uvi import plot_uvi_frame, write_uvi_movie
from smilekit.products.uvi_fits import read_l2, write_l2
from smilekit.science.aurora import image_boundaries
from smilekit.units import RAYLEIGH, RE
from testsupport.movies import MovieRecorder

DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
TIMES = ["2026-06-21T12:00", "2026-06-21T12:10"]


def oval(mlat, mlt, lat, lon, zenith):
    """A 1 kR oval at 65-72 deg MLAT, brighter on the night side."""
    night = 1.0 + 0.8 * np.cos(np.radians(mlt.to_value(u.h) * 15.0))
    return np.where(np.abs(mlat.to_value(u.deg) - 68.5) < 3.5, 800.0 * night, 0.0) * RAYLEIGH


@pytest.fixture(scope="module")
def frames():
    out = []
    for k, t in enumerate(TIMES):
        g = shell_geometry([0, 0, 16] * RE, DOWN, t)
        l1 = make_l1(simulate_image(model_sky(None, None, None, oval, geometry=g), 60 * u.s, k))
        l2 = make_l2(l1, g, dayglow="none")
        out.append((g, l2, image_boundaries(l2)))
    return out


def test_quick_look_is_written_and_marks_the_boundaries(frames, tmp_path):
    g, l2, b = frames[0]
    assert (b["equatorward_flag"] == 0).mean() > 0.5  # the frame sees the oval
    fig = plot_uvi_frame(l2, geometry=g, boundaries=b)
    image_ax, polar_ax = fig.axes[0], next(a for a in fig.axes if a.name == "polar")
    marks = [line for line in image_ax.get_lines() if line.get_gid() == "equatorward"]
    assert marks and len(marks[0].get_xdata()) > 10
    eq = next(line for line in polar_ax.get_lines() if line.get_gid() == "equatorward")
    np.testing.assert_allclose(90.0 - np.asarray(eq.get_ydata()), b["equatorward_mlat"].values)
    name = product_name("uvi", "ql", "frame", np.datetime64(TIMES[0]), ext="png")
    path = save_figure(fig, tmp_path / name, dpi=80)
    assert path.stat().st_size > 30_000
    with Image.open(path) as im:
        assert im.size[0] > 800


def test_quick_look_from_a_file_read_back(frames, tmp_path):
    g, l2, b = frames[0]
    back = read_l2(write_l2(l2, tmp_path / "l2.fits", geometry=g))
    fig = plot_uvi_frame(back, boundaries=b)  # the grid from the file's MLAT/MLT extensions
    assert [line for line in fig.axes[0].get_lines() if line.get_gid() == "poleward"]
    assert save_figure(fig, tmp_path / "ql.png", dpi=60).stat().st_size > 20_000


def test_movie_is_written_with_a_frame_per_image(frames, tmp_path):
    path = tmp_path / product_name("uvi", "ql", "movie", np.datetime64(TIMES[0]), ext="gif")
    write_uvi_movie([f[1] for f in frames], path, boundaries=[f[2] for f in frames])
    assert path.stat().st_size > 20_000
    with Image.open(path) as im:
        assert im.n_frames == len(frames)


def test_movie_frames_are_what_a_full_drawing_shows(frames, monkeypatch, tmp_path):
    # the grid over the brightness and under the boundaries, the rim, the title above the 12 MLT label
    recorder = MovieRecorder()
    monkeypatch.setattr("smilekit.products.plots.uvi.write_gif", recorder)
    write_uvi_movie([f[1] for f in frames], tmp_path / "m.gif", boundaries=[f[2] for f in frames])
    recorder.assert_frames_are_full_drawings()


def test_bad_input(frames, tmp_path):
    with pytest.raises(InputError, match="at least one"):
        write_uvi_movie([], tmp_path / "m.gif")
    with pytest.raises(InputError, match="one per frame"):
        write_uvi_movie([frames[0][1]], tmp_path / "m.gif", boundaries=[None, None])
    with pytest.raises(InputError, match="make_l2"):
        plot_uvi_frame(frames[0][2])


def test_an_interrupted_movie_keeps_the_old_gif(frames, tmp_path, monkeypatch):
    path = tmp_path / "m.gif"
    write_uvi_movie([frames[0][1]], path)
    old = path.read_bytes()

    def save(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", save)
    with pytest.raises(OSError, match="disk full"):
        write_uvi_movie([f[1] for f in frames], path)
    assert path.read_bytes() == old and sorted(p.name for p in tmp_path.iterdir()) == ["m.gif"]
