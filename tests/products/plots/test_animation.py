"""The movies' GIF writer: each frame drawn over the still background is the figure as a full drawing
would show it (the artists drawn anew in zorder, a translucent legend laid once), and the GIF is whole."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from smilekit.errors import InputError
from smilekit.products.plots.animation import PALETTE_FRAMES, PALETTE_TOLERANCE, render_frames, write_gif
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
        # opaque frames reduced to the palette from RGB: the colour bar keeps its shades (243 colours
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


def test_one_palette_serves_every_frame_of_a_movie(tmp_path):
    # 20 frames, more than the palette is drawn from (PALETTE_FRAMES), each of its own random image: the
    # GIF's frames keep the rendered colours to a palette's rounding, with no frame left to a stray palette
    rng = np.random.default_rng(5)
    images = [rng.uniform(0.0, 1.0, (12, 16)) ** (1 + k / 5) for k in range(20)]
    fig, show, animated = _figure(images)
    path = tmp_path / "m.gif"
    write_gif(fig, show, 20, path, animated=animated)
    fig, show, animated = _figure(images)
    rendered = render_frames(fig, show, 20, animated=animated)
    errors = []
    with Image.open(path) as movie:
        assert movie.n_frames == 20
        for k, frame in enumerate(rendered):
            movie.seek(k)
            shown = np.asarray(movie.convert("RGB")).astype(int)
            errors.append(np.abs(shown - frame[..., :3]).max(axis=2).ravel())
    errors = np.concatenate(errors)
    # measured: 99th percentile 11 and largest 19 levels of 255 (each frame's own median cut: 11 and 118)
    assert np.percentile(errors, 99) <= 16 and errors.max() <= 40


def test_a_frame_with_a_colour_of_its_own_keeps_it(tmp_path):
    # frame 1 of 20 is not among those the shared palette is drawn from, and only it draws a magenta line:
    # its colours must come through (a palette of its own) as the others' do
    rng = np.random.default_rng(7)
    images = [rng.uniform(0.0, 1.0, (12, 16)) for _ in range(20)]
    assert 1 not in np.linspace(0, 19, PALETTE_FRAMES).round()

    def movie():
        fig, show, animated = _figure(images)
        line = fig.axes[0].lines[0]

        def show_coloured(k):
            show(k)
            line.set_color("magenta" if k == 1 else "red")

        return fig, show_coloured, animated

    fig, show, animated = movie()
    write_gif(fig, show, 20, tmp_path / "m.gif", animated=animated)
    fig, show, animated = movie()
    rendered = render_frames(fig, show, 20, animated=animated)
    with Image.open(tmp_path / "m.gif") as gif:
        for k, frame in enumerate(rendered):
            gif.seek(k)
            worst = np.abs(np.asarray(gif.convert("RGB")).astype(int) - frame[..., :3]).max()
            assert worst <= PALETTE_TOLERANCE, f"frame {k} is {worst} levels off"
