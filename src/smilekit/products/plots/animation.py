"""Animated GIFs of a figure whose images, lines and title change from frame to frame (SXI and UVI movies).

:func:`render_frames` lays the figure out once and draws its still parts (axes, ticks, colour bar) once; each
frame then only sets and draws the artists that move over that background (blitting with Matplotlib's Agg
canvas). Solving the constrained layout anew and redrawing every tick label for every frame was most of a
movie's cost. :func:`write_gif` has Pillow write them as a GIF, atomically
(:func:`smilekit._io.atomic_path`).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from smilekit._io import atomic_path
from smilekit.errors import InputError

__all__ = ["numbered_titles", "render_frames", "write_gif"]


def numbered_titles(title: str, times) -> tuple[list[str], int]:
    """Each frame's title, ``"<title> <time> (k/n)"``, and the frame whose title is longest (the one to lay
    the figure out on: :func:`render_frames`'s ``layout_frame``).

    Examples
    --------
    >>> numbered_titles("UVI", ["12:00 UT", "12:10 UT"])
    (['UVI 12:00 UT (1/2)', 'UVI 12:10 UT (2/2)'], 0)
    >>> numbered_titles("", ["a"] * 10)[1]  # "a (10/10)" is the longest
    9
    """
    times = list(times)
    titles = [f"{title} {when} ({k + 1}/{len(times)})".strip() for k, when in enumerate(times)]
    return titles, max(range(len(titles)), key=lambda k: len(titles[k]), default=0)


def render_frames(
    fig: Figure,
    show: Callable[[int], None],
    n_frames: int,
    *,
    animated: Sequence[Artist],
    layout_frame: int = 0,
) -> list[np.ndarray]:
    """The ``n_frames`` frames of ``fig`` as (h, w, 4) RGBA arrays (uint8), drawn over the still background.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, its artists made (for frame 0, say); a layout engine, if any, is run once and then
        switched off.
    show : callable
        ``show(k)`` sets frame ``k`` on the ``animated`` artists (image data, line data, title text: set the
        title's text, ``ax.title.set_text``, not ``ax.set_title``, which puts it back at its default
        height, under a polar axes' labels; the layout drawing placed it).
    n_frames : int
        How many frames (at least one).
    animated : sequence of Artist
        The artists drawn anew in every frame, over the still background: those that change (image, lines,
        title) and those that must stay on top of any of them (an axis whose grid or labels lie over the
        image, spines, a legend). Drawn in zorder, as a full drawing draws them (an image 0, the axes 1.5
        under Matplotlib's default ``axes.axisbelow = "line"``, lines 2, spines 2.5, a legend 5; equal
        zorders in the order given); left out of the background, each is drawn once a frame (a translucent
        legend is not laid over itself).
    layout_frame : int
        The frame the layout is solved on (e.g. the one with the longest title), kept for every frame.

    Returns
    -------
    list of numpy.ndarray
        The frames. The figure keeps the layout of ``layout_frame`` (its layout engine is switched off) and
        shows the last frame; its artists are no longer animated.

    Raises
    ------
    InputError
        For no frames or a ``layout_frame`` outside them.
    """
    if n_frames < 1:
        raise InputError(f"a movie needs at least one frame, got {n_frames}")
    if not 0 <= layout_frame < n_frames:
        raise InputError(f"layout_frame must be one of the {n_frames} frames, got {layout_frame}")
    animated = sorted(animated, key=lambda artist: artist.get_zorder())  # stable
    canvas = FigureCanvasAgg(fig)
    show(layout_frame)
    canvas.draw()
    fig.set_layout_engine("none")
    frames = []
    try:
        for artist in animated:
            artist.set_animated(True)
        canvas.draw()  # everything that does not move
        still = canvas.copy_from_bbox(fig.bbox)
        for k in range(n_frames):
            show(k)
            canvas.restore_region(still)
            for artist in animated:
                fig.draw_artist(artist)
            frames.append(np.asarray(canvas.buffer_rgba()).copy())
    finally:
        for artist in animated:
            artist.set_animated(False)
    return frames


def write_gif(
    fig: Figure,
    show: Callable[[int], None],
    n_frames: int,
    path,
    *,
    animated: Sequence[Artist],
    layout_frame: int = 0,
    fps: float = 2.0,
) -> None:
    """Write the frames of :func:`render_frames` as an animated GIF at ``path``, atomically.

    Opaque frames are reduced to the GIF's 256 colours from RGB, as Matplotlib's ``PillowWriter`` does
    (Pillow gives RGBA frames a coarse palette: banded colour bars). ``fps``: frames per second; the other
    parameters and the errors are those of :func:`render_frames`.
    """
    frames = render_frames(fig, show, n_frames, animated=animated, layout_frame=layout_frame)
    images = []
    for k, rgba in enumerate(frames):
        image = Image.fromarray(rgba)
        images.append(image.convert("RGB") if rgba[..., 3].min() == 255 else image)
        frames[k] = None  # each frame held once: its RGBA array let go once it is an image
    with atomic_path(path) as temporary:  # Pillow picks GIF from the suffix, which the temporary keeps
        images[0].save(temporary, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
