"""Checking a movie writer's frames against full drawings of its figure."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from smilekit.products.plots.animation import render_frames


class MovieRecorder:
    """A stand-in for :func:`~smilekit.products.plots.animation.write_gif`: keeps what a movie writer
    passes (monkeypatch it into the writer's module), for :meth:`assert_frames_are_full_drawings`."""

    def __call__(self, fig, show, n_frames, path, *, animated, layout_frame=0, fps=2.0):
        self.fig, self.show, self.n_frames = fig, show, n_frames
        self.animated, self.layout_frame = list(animated), layout_frame

    def assert_frames_are_full_drawings(self) -> None:
        """Each blitted frame equals a full drawing of the figure showing that frame (to a rounding level):
        the writer's animated artists are the ones that change and the ones over them, in zorder."""
        frames = render_frames(
            self.fig, self.show, self.n_frames, animated=self.animated, layout_frame=self.layout_frame
        )
        for k, frame in enumerate(frames):
            self.show(k)
            canvas = FigureCanvasAgg(self.fig)
            canvas.draw()
            full = np.asarray(canvas.buffer_rgba()).astype(int)
            worst = np.abs(frame.astype(int) - full).max()
            assert worst <= 1, f"frame {k} differs from a full drawing by {worst} levels"
