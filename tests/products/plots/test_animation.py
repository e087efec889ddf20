"""The movies' GIF writer: each frame drawn over the still background is the figure as a full drawing
would show it (the artists drawn anew in zorder, a translucent legend laid once), and the GIF is whole."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from smilekit.errors import InputError
from smilekit.products.plots.animation import render_frames, write_gif
from testsupport.movies import MovieRecorder


def _figure(images):
    """An image that fills the axes, a line over it, the grid and a translucent legend half outside."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    mesh = ax.imshow(images[0], vmin=0.0, vmax=1.0, cmap="viridis", extent=(0, 1, 0, 1), aspect="auto")
    fig.colorbar(mesh, ax=ax)
    (line,) = ax.plot([], [], color="red", lw=2, label="a line")
    ax.grid(True, color="white", lw=1.5)
    ax.legend(loc="lower left", bbox_to_anchor=(-0.15, -0.15), framealpha=0.5)

    def show(k):
        mesh.set_data(images[k])
        line.set_data([0.1, 0.9], [0.2 + 0.3 * k, 0.8 - 0.3 * k])
        ax.title.set_text(f"frame {k + 1} of {len(images)}")

    return fig, show, [mesh, ax.xaxis, ax.yaxis, line, *ax.spines.values(), ax.title, ax.get_legend()]


def test_each_frame_is_what_a_full_drawing_shows():
    rng = np.random.default_rng(11)
    images = [rng.uniform(0.0, 1.0, (12, 16)) for _ in range(3)]
    fig, show, animated = _figure(images)
    movie = MovieRecorder()
    movie(fig, show, 3, None, animated=animated[::-1])  # drawn in zorder, whatever the order given
    movie.assert_frames_are_full_drawings()
    assert not any(artist.get_animated() for artist in animated)  # left as it found them
    frames = render_frames(fig, show, 3, animated=animated)
    assert np.abs(frames[0].astype(int) - frames[1]).max() > 100  # the frames do differ


def test_the_gif_has_a_frame_each_and_is_written_atomically(tmp_path, monkeypatch):
    images = [np.full((4, 6), v) for v in (0.2, 0.8)]
    fig, show, animated = _figure(images)
    path = tmp_path / "m.gif"
    write_gif(fig, show, 2, path, animated=animated, fps=4.0)
    with Image.open(path) as movie:
        assert (movie.n_frames, movie.info["duration"]) == (2, 250)
        # opaque frames reduced to the palette from RGB: the colour bar keeps its shades (246 colours
        # measured; Pillow's palette from the RGBA frames kept 90, the bar in bands)
        assert len(movie.convert("RGB").getcolors(1 << 20)) > 200
        movie.seek(1)
        assert movie.convert("RGB").size == (400, 300)
    old = path.read_bytes()

    def save(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", save)
    fig, show, animated = _figure(images)
    with pytest.raises(OSError, match="disk full"):
        write_gif(fig, show, 2, path, animated=animated)
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == ["m.gif"]


def test_a_movie_needs_frames_and_a_layout_frame_among_them(tmp_path):
    fig, show, animated = _figure([np.zeros((2, 2))])
    with pytest.raises(InputError, match="at least one frame"):
        write_gif(fig, show, 0, tmp_path / "m.gif", animated=animated)
    with pytest.raises(InputError, match="layout_frame"):
        write_gif(fig, show, 1, tmp_path / "m.gif", animated=animated, layout_frame=1)
    assert not (tmp_path / "m.gif").exists()
