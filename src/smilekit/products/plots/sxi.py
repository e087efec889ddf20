"""SXI pictures: the model sky, the simulated counts and the processed foreground, and the X-ray movie.

Images are in the SXI field-of-view coordinates of :mod:`smilekit.instruments.sxi` (u along the 27 deg
axis, v along the 16 deg axis, gnomonic, deg). The model magnetopause is drawn by projecting its
noon-midnight and equatorial cross-sections (GSM surfaces, rotated to GSE) into those coordinates.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.animation import numbered_titles, write_gif

__all__ = ["fov_coordinates", "plot_sxi_frame", "ut_text", "write_sxi_movie"]

_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d*)?)?(?:\s*UTC?\b)?")


def ut_text(text) -> str:
    """``text`` with each ISO time in it written as the figures write times: ``2015-06-22 18:48 UT``.

    >>> ut_text("SXI, 2015-06-22T18:48 UTC, 5-min exposure")
    'SXI, 2015-06-22 18:48 UT, 5-min exposure'
    >>> ut_text("2015-06-21T21:57:00.000000000")
    '2015-06-21 21:57 UT'
    """
    return _ISO.sub(lambda m: f"{m.group(1)} {m.group(2)} UT", str(text))


def fov_coordinates(points_gse, sc_position_gse, rotation) -> tuple[np.ndarray, np.ndarray]:
    """Field-of-view coordinates (u, v) in deg of GSE points (RE) seen from the spacecraft.

    The inverse of the imaging convention: a body-frame direction ``b`` maps to ``u = atan(b_x / b_z)``,
    ``v = atan(b_y / b_z)``. Points behind the spacecraft (``b_z <= 0``) come back as NaN.

    Parameters
    ----------
    points_gse : array (..., 3)
        Positions in RE, GSE.
    sc_position_gse : array (3,)
        Spacecraft position in RE, GSE.
    rotation : array (3, 3)
        Body -> GSE rotation (columns: body X, Y, Z in GSE).
    """
    d = np.asarray(points_gse, dtype=np.float64) - np.asarray(sc_position_gse, dtype=np.float64)
    b = d @ np.asarray(rotation, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        front = b[..., 2] > 0
        u = np.where(front, np.degrees(np.arctan2(b[..., 0], b[..., 2])), np.nan)
        v = np.where(front, np.degrees(np.arctan2(b[..., 1], b[..., 2])), np.nan)
    return u, v


def _extent(image: xr.DataArray) -> list[float]:
    du = float(image.u[1] - image.u[0]) if image.u.size > 1 else 0.1
    dv = float(image.v[1] - image.v[0]) if image.v.size > 1 else 0.1
    return [
        float(image.u[0]) - du / 2,
        float(image.u[-1]) + du / 2,
        float(image.v[0]) - dv / 2,
        float(image.v[-1]) + dv / 2,
    ]


def _draw(ax, image: xr.DataArray, title: str, label: str, overlays, vmax=None):
    values = np.asarray(image.values, dtype=np.float64)
    mesh = ax.imshow(
        values, origin="lower", extent=_extent(image), cmap="inferno", vmin=0.0, vmax=vmax, aspect="equal"
    )
    for name, (u, v) in (overlays or {}).items():
        ax.plot(u, v, color="cyan", lw=1.0, gid=name)
    ax.set_xlim(_extent(image)[:2])
    ax.set_ylim(_extent(image)[2:])
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel("u, along the 27° axis (deg)")
    ax.set_ylabel("v, along the 16° axis (deg)")
    ax.figure.colorbar(mesh, ax=ax, shrink=0.8, label=label)
    return mesh


def plot_sxi_frame(
    truth: xr.DataArray,
    l2: xr.Dataset,
    *,
    overlays=None,
    title: str = "",
    overlay_label: str = "the model magnetopause",
) -> Figure:
    """The model intensity, the L2 counts and the L2 foreground of one frame, with overlays drawn.

    Parameters
    ----------
    truth : xarray.DataArray
        The model sky (``intensity_map``), dims ("v", "u").
    l2 : xarray.Dataset
        One time bin of :func:`~smilekit.instruments.sxi.l2.make_l2` (``counts``, ``foreground``).
    overlays : dict, optional
        Name -> (u, v) arrays in deg (e.g. the projected magnetopause), drawn on every panel with that
        name as ``gid``.
    title : str
        The figure's title; ISO times in it are written in UT (:func:`ut_text`).
    overlay_label : str
        What the overlays are, for the note under the panels.
    """
    for name in ("counts", "foreground"):
        if name not in l2:
            raise InputError(f"l2 lacks {name!r}: pass a time bin of make_l2()")
    if "time" in l2.dims:
        if l2.sizes["time"] != 1:
            raise InputError(f"pass one time bin of the L2 dataset, got {l2.sizes['time']}")
        l2 = l2.isel(time=0)
    fig = Figure(figsize=(15, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    _draw(axes[0], truth, "model sky (intensity)", truth.attrs.get("units", ""), overlays)
    _draw(axes[1], l2["counts"], "L1 events binned", "counts per pixel", overlays)
    foreground = l2["foreground"]
    _draw(
        axes[2],
        foreground,
        "L2 foreground (corrected)",
        foreground.attrs.get("units", ""),
        overlays,
        vmax=float(np.nanpercentile(foreground.values, 99.5))
        if np.isfinite(foreground.values).any()
        else None,
    )
    if overlays:
        fig.text(0.01, 0.01, f"cyan: {overlay_label}, projected into the field of view (GSE to FOV)",
                 fontsize="small", color="0.3")  # fmt: skip
    fig.suptitle(ut_text(title))
    return fig


def write_sxi_movie(
    frames,
    path,
    *,
    fps: float = 2.0,
    overlays=None,
    title: str = "",
    overlay_label: str = "the model magnetopause",
) -> None:
    """An animated GIF of L2 foreground images, with per-frame overlays (e.g. the model magnetopause).

    Parameters
    ----------
    frames : sequence of xarray.DataArray
        Foreground images (dims ("v", "u")), each with a ``time`` attribute or coordinate.
    path : path
        Output ``.gif``.
    overlays : sequence of dict, optional
        One dict per frame: name -> (u, v) in deg.
    title : str
        Each frame's title starts with it; the frame's time follows, in UT, and its number.
    overlay_label : str
        What the overlays are, for the legend.
    """

    frames = list(frames)
    if not frames:
        raise InputError("write_sxi_movie needs at least one frame")
    overlays = list(overlays) if overlays is not None else [{}] * len(frames)
    if len(overlays) != len(frames):
        raise InputError(f"{len(overlays)} overlays for {len(frames)} frames: give one per frame")
    vmax = float(np.nanpercentile(np.concatenate([np.ravel(f.values) for f in frames]), 99.5))
    fig = Figure(figsize=(7, 4.8), layout="constrained")
    ax = fig.subplots()
    mesh = _draw(ax, frames[0], "", frames[0].attrs.get("units", ""), None, vmax=vmax)
    lines = {name: ax.plot([], [], color="cyan", lw=1.0)[0] for name in overlays[0]}
    if lines:
        next(iter(lines.values())).set_label(overlay_label)
        ax.legend(loc="lower right", fontsize="small", framealpha=0.7)
    ax.set_title("", fontsize="medium")

    titles, longest = numbered_titles(
        title, (ut_text(f.attrs.get("time") or str(f.coords.get("time", ""))) for f in frames)
    )

    def show(k):
        mesh.set_data(np.asarray(frames[k].values, dtype=np.float64))
        for name, line in lines.items():
            line.set_data(*overlays[k].get(name, ([], [])))
        ax.title.set_text(titles[k])

    legend = [ax.get_legend()] if lines else []
    animated = [mesh, *lines.values(), *ax.spines.values(), ax.title, *legend]
    write_gif(fig, show, len(frames), path, animated=animated, layout_frame=longest, fps=fps)
