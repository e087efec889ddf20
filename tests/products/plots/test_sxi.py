"""SXI pictures: the projection into the field of view, the frame figure and the movie."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from smilekit.errors import InputError
from smilekit.products.plots.sxi import fov_coordinates, plot_sxi_frame, write_sxi_movie
from testsupport.movies import MovieRecorder


def rotation_about_z(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@settings(max_examples=40, deadline=None)
@given(st.floats(-20, 20), st.floats(-20, 20), st.floats(1.0, 50.0), st.floats(0, 2 * np.pi))
def test_fov_coordinates_invert_the_gnomonic_imaging_convention(u_deg, v_deg, distance, roll):
    # A direction with FOV coordinates (u, v) is normalise(tan u X + tan v Y + Z) in the body frame.
    rotation = rotation_about_z(roll)
    body = np.array([np.tan(np.radians(u_deg)), np.tan(np.radians(v_deg)), 1.0])
    body /= np.linalg.norm(body)
    sc = np.array([3.0, -2.0, 17.0])
    point = sc + distance * (rotation @ body)
    u, v = fov_coordinates(point, sc, rotation)
    assert float(u) == pytest.approx(u_deg, abs=1e-9)
    assert float(v) == pytest.approx(v_deg, abs=1e-9)


def test_points_behind_the_spacecraft_are_nan():
    u, v = fov_coordinates([[0.0, 0.0, -5.0]], [0.0, 0.0, 0.0], np.eye(3))
    assert np.isnan(u).all() and np.isnan(v).all()


def image(values, time="2015-06-22T18:00"):
    v = np.linspace(-7.5, 7.5, values.shape[0])
    u = np.linspace(-13, 13, values.shape[1])
    return xr.DataArray(values, dims=("v", "u"), coords={"v": v, "u": u}, attrs={"units": "x", "time": time})


def test_frame_figure_shows_the_inputs_and_the_overlays():
    rng = np.random.default_rng(1)
    truth = image(rng.random((4, 6)))
    l2 = xr.Dataset({"counts": truth * 10, "foreground": truth * 2}).expand_dims(time=1)
    fig = plot_sxi_frame(truth, l2, overlays={"mp": ([0, 1], [0, 1])})
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    np.testing.assert_array_equal(shown[0], truth.values)
    np.testing.assert_array_equal(shown[1], truth.values * 10)
    assert all(any(line.get_gid() == "mp" for line in ax.lines) for ax in fig.axes if ax.images)
    with pytest.raises(InputError, match="foreground"):
        plot_sxi_frame(truth, xr.Dataset({"counts": truth}))


def test_movie_has_one_frame_per_image(tmp_path):
    frames = [image(np.full((4, 6), k + 1.0), time=f"2015-06-22T0{k}:00") for k in range(3)]
    path = tmp_path / "m.gif"
    write_sxi_movie(frames, path, overlays=[{"mp": ([0, 1], [0, k])} for k in range(3)])
    with Image.open(path) as movie:
        assert movie.n_frames == 3
    with pytest.raises(InputError, match="one per frame"):
        write_sxi_movie(frames, path, overlays=[{}])


def test_movie_frames_are_what_a_full_drawing_shows(monkeypatch, tmp_path):
    rng = np.random.default_rng(5)
    frames = [image(rng.uniform(1.0, 9.0, (16, 24)), time=f"2015-06-22T0{k}:00") for k in range(3)]
    lines = [{"mp": ([-1.0, 1.0], [0.0, 0.5 * k])} for k in range(3)]
    recorder = MovieRecorder()
    monkeypatch.setattr("smilekit.products.plots.sxi.write_gif", recorder)
    write_sxi_movie(frames, tmp_path / "m.gif", overlays=lines)
    recorder.assert_frames_are_full_drawings()


def test_each_movie_frame_is_drawn_afresh(tmp_path):
    # frames 0 and 2 show the same image and overlay, frame 1 another: below the title (which numbers
    # the frames) 0 and 2 are the same picture (up to each frame's GIF palette), so nothing of frame 1 is
    # left over in frame 2, and 1 differs
    rng = np.random.default_rng(3)
    a, b = rng.uniform(1.0, 9.0, (16, 24)), rng.uniform(1.0, 9.0, (16, 24))
    frames = [image(values, time=f"2015-06-22T0{k}:00") for k, values in enumerate((a, b, a))]
    lines = [
        {"mp": ([-1.0, 1.0], [0.0, 0.5])},
        {"mp": ([-1.0, 1.0], [0.5, -1.0])},
        {"mp": ([-1.0, 1.0], [0.0, 0.5])},
    ]
    path = tmp_path / "m.gif"
    write_sxi_movie(frames, path, overlays=lines)
    shown = []
    with Image.open(path) as movie:
        for k in range(3):
            movie.seek(k)
            shown.append(np.asarray(movie.convert("RGB"), dtype=int)[movie.height // 5 :])

    def changed(i, j):  # the fraction of pixels that differ by more than the GIF palettes do (each frame
        # quantised to its own 256 colours: the same picture quantised twice moves a channel by less than 40)
        return (np.abs(shown[i] - shown[j]).max(axis=-1) > 40).mean()

    # another random image changes most of the image area (about half the figure); 5 % is far below that
    assert changed(0, 2) == 0.0 and changed(0, 1) > 0.05
