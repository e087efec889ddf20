"""UVI pictures: the quick-look of one frame and the movie of an orbit's frames.

The quick-look (:func:`plot_uvi_frame`) shows the L2 image in the detector's tangent-plane coordinates (xi
along UVI +X, eta along +Y, deg) with the AACGM-v2 magnetic latitude and MLT grid drawn from the pixels'
magnetic coordinates and the boundaries of :func:`smilekit.science.aurora.image_boundaries` marked, and the
L2 map on a polar (MLAT, MLT) dial: magnetic pole at the centre, 50 deg at the rim, noon up, dawn (06 MLT)
right. The movie (:func:`write_uvi_movie`) animates the polar dial through the frames, so frames of
different pointings share one frame of reference.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.animation import numbered_titles, write_gif
from smilekit.products.plots.sxi import ut_text

__all__ = ["plot_uvi_frame", "write_uvi_movie"]

_RIM = 50.0  # deg MLAT at the dial's rim: the L2 map's low edge
_EDGES = {"equatorward": ("cyan", "o"), "poleward": ("lime", "s")}


def _theta(mlt_h):
    """Polar angle (rad, counter-clockwise from the bottom) of MLT: 00 at the bottom, 06 right, 12 top."""
    return np.radians(np.asarray(mlt_h, dtype=np.float64) * 15.0)


def _polar_axes(ax) -> None:
    ax.set_theta_zero_location("S")
    ax.set_thetalim(0.0, 2.0 * np.pi)
    ax.set_ylim(0.0, 90.0 - _RIM)
    ax.set_yticks([10.0, 20.0, 30.0, 40.0])
    ax.set_yticklabels(["80°", "70°", "60°", "50°"], fontsize="small")
    ax.set_xticks(_theta([0, 6, 12, 18]))
    ax.set_xticklabels(["00", "06", "12", "18 MLT"])


def _polar_mesh(ax, l2: xr.Dataset, vmax: float):
    mlat, mlt = l2["mlat"].values, l2["mlt"].values
    dl = float(mlat[1] - mlat[0])
    dt = float(mlt[1] - mlt[0])
    lat_edges = np.append(mlat - dl / 2, mlat[-1] + dl / 2)
    lt_edges = np.append(mlt - dt / 2, mlt[-1] + dt / 2)
    values = l2["brightness"].transpose("mlat", "mlt").values
    return ax.pcolormesh(
        _theta(lt_edges), 90.0 - lat_edges, np.ma.masked_invalid(values), cmap="inferno", vmin=0.0, vmax=vmax,
        shading="flat",
    )  # fmt: skip


def _boundary_lines(ax, boundaries):
    lines = {}
    for edge, (colour, marker) in _EDGES.items():
        (lines[edge],) = ax.plot([], [], color=colour, marker=marker, ms=3, lw=0.8, ls="-", gid=edge,
                                 label=f"{edge} boundary")  # fmt: skip
    _set_boundaries(lines, boundaries)
    return lines


def _set_boundaries(lines, boundaries):
    for edge, line in lines.items():
        if boundaries is None:
            line.set_data([], [])
            continue
        b = boundaries[f"{edge}_mlat"].values
        mlt = boundaries["mlt"].values
        line.set_data(_theta(mlt), np.where(np.isfinite(b), 90.0 - b, np.nan))


def _vmax(values) -> float:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.percentile(finite, 99.5)) if finite.size and np.percentile(finite, 99.5) > 0 else 1.0


def plot_uvi_frame(l2: xr.Dataset, *, geometry=None, boundaries=None, title: str = "") -> Figure:
    """The quick-look of one UVI frame: the image with its MLAT/MLT grid and boundaries, and the polar map.

    Parameters
    ----------
    l2 : xarray.Dataset
        :func:`~smilekit.instruments.uvi.l2.make_l2` of the frame (or
        :func:`smilekit.products.uvi_fits.read_l2` of its file).
    geometry : xarray.Dataset, optional
        :func:`~smilekit.instruments.uvi.sky.shell_geometry` of the frame, for the pixels' MLAT/MLT grid;
        default the dataset's own ``pixel_mlat``/``pixel_mlt`` (a file read back), else no grid.
    boundaries : xarray.Dataset, optional
        :func:`~smilekit.science.aurora.image_boundaries` of the frame: marked on both panels (the image's
        marks at the pixel nearest each boundary's (MLAT, sector centre)).
    title : str
        The figure's title; ISO times are written in UT. Default: the frame's time.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(l2, xr.Dataset) or not {"image_brightness", "brightness"} <= set(l2.data_vars):
        raise InputError("l2 must be the Dataset of make_l2 (image_brightness, brightness)")
    if geometry is not None:
        pmlat, pmlt = geometry["mlat"].values, geometry["mlt"].values
    elif "pixel_mlat" in l2:
        pmlat, pmlt = l2["pixel_mlat"].values, l2["pixel_mlt"].values
    else:
        pmlat = pmlt = None
    if pmlat is not None and pmlat.shape != l2["image_brightness"].shape:
        raise InputError(
            f"the geometry's grid {pmlat.shape} is not the image's {l2['image_brightness'].shape}"
        )
    fig = Figure(figsize=(12, 5.4), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    image = l2["image_brightness"]
    xi, eta = l2["xi"].values, l2["eta"].values
    step = float(xi[1] - xi[0])
    extent = [xi[0] - step / 2, xi[-1] + step / 2, eta[0] - step / 2, eta[-1] + step / 2]
    vmax = _vmax(image.values)
    mesh = ax.imshow(image.values, origin="lower", extent=extent, cmap="inferno", vmin=0.0, vmax=vmax)
    fig.colorbar(mesh, ax=ax, shrink=0.8, label="vertical-column brightness (R)")
    if pmlat is not None and np.isfinite(pmlat).any():
        grid = ax.contour(xi, eta, pmlat, levels=np.arange(50.0, 90.0, 10.0), colors="w", linewidths=0.6)
        ax.clabel(grid, fmt="%d°", fontsize="x-small")
        # MLT as the angle, so that the 24 -> 0 wrap draws no line
        angle = np.where(np.isfinite(pmlt), pmlt, np.nan) * 15.0
        for k in range(0, 24, 3):
            delta = np.angle(np.exp(1j * np.radians(angle - 15.0 * k)))
            near = np.where(np.abs(delta) < np.radians(40.0), delta, np.nan)
            ax.contour(xi, eta, near, levels=[0.0], colors="0.7", linewidths=0.6, linestyles="--")
    if boundaries is not None and pmlat is not None:
        flat_lat, flat_lt = pmlat.ravel(), pmlt.ravel()
        gx, gy = np.meshgrid(xi, eta)
        for edge, (colour, marker) in _EDGES.items():
            points = []
            for b, lt in zip(boundaries[f"{edge}_mlat"].values, boundaries["mlt"].values, strict=True):
                if not np.isfinite(b):
                    continue
                dlt = np.abs((flat_lt - lt + 12.0) % 24.0 - 12.0)
                cost = np.abs(flat_lat - b) + 0.5 * dlt
                if np.isfinite(cost).any():
                    k = int(np.nanargmin(cost))
                    if cost[k] < 1.0:
                        points.append((gx.ravel()[k], gy.ravel()[k]))
            if points:
                px, py = np.array(points).T
                ax.plot(px, py, ls="none", marker=marker, ms=4, mfc="none", color=colour, gid=edge,
                        label=f"{edge} boundary")  # fmt: skip
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", fontsize="small", framealpha=0.7)
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_xlabel("xi, along UVI +X (deg, tangent plane)")
    ax.set_ylabel("eta, along UVI +Y (deg)")
    ax.set_title("L2 image, dayglow removed; MLAT (white) and MLT (grey) grid", fontsize="medium")
    polar = fig.add_subplot(1, 2, 2, projection="polar")
    pm = _polar_mesh(polar, l2, _vmax(l2["brightness"].values))
    _polar_axes(polar)
    fig.colorbar(pm, ax=polar, shrink=0.8, label="brightness (R)")
    _boundary_lines(polar, boundaries)
    polar.set_title("L2 map, AACGM-v2 MLAT/MLT (noon up, dawn right)", fontsize="medium")
    fig.suptitle(ut_text(title or f"SMILE UVI {l2.attrs.get('time', '')}"))
    return fig


def write_uvi_movie(frames, path, *, boundaries=None, fps: float = 2.0, title: str = "SMILE UVI") -> None:
    """An animated GIF of an orbit's UVI frames on the polar MLAT/MLT dial, the boundaries drawn.

    Parameters
    ----------
    frames : sequence of xarray.Dataset
        :func:`~smilekit.instruments.uvi.l2.make_l2` of each frame, on the same (mlat, mlt) grid.
    path : path
        Output ``.gif`` (written atomically).
    boundaries : sequence of xarray.Dataset or None, optional
        :func:`~smilekit.science.aurora.image_boundaries` of each frame (None for a frame without).
    fps : float
        Frames per second.
    title : str
        Each frame's title starts with it; the frame's time (UT) and number follow.
    """
    frames = list(frames)
    if not frames:
        raise InputError("write_uvi_movie needs at least one frame")
    boundaries = list(boundaries) if boundaries is not None else [None] * len(frames)
    if len(boundaries) != len(frames):
        raise InputError(f"{len(boundaries)} boundaries for {len(frames)} frames: give one per frame")
    shape = frames[0]["brightness"].shape
    for k, f in enumerate(frames):
        if f["brightness"].shape != shape:
            raise InputError(f"frame {k} is on another (mlat, mlt) grid than frame 0")
    vmax = _vmax(np.concatenate([np.ravel(f["brightness"].values) for f in frames]))
    fig = Figure(figsize=(6, 5.4), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    mesh = _polar_mesh(ax, frames[0], vmax)
    _polar_axes(ax)
    fig.colorbar(mesh, ax=ax, shrink=0.8, label="brightness (R)")
    lines = _boundary_lines(ax, boundaries[0])
    ax.legend(loc="lower left", fontsize="x-small", framealpha=0.7, bbox_to_anchor=(-0.1, -0.1))
    ax.set_title("", fontsize="medium")

    titles, longest = numbered_titles(title, (ut_text(str(f.attrs.get("time", ""))) for f in frames))

    def show(k):
        values = frames[k]["brightness"].transpose("mlat", "mlt").values
        mesh.set_array(np.ma.masked_invalid(values).ravel())
        _set_boundaries(lines, boundaries[k])
        ax.title.set_text(titles[k])

    # the dial's axes (grid, MLAT labels inside it) over the brightness and under the boundaries
    animated = [mesh, ax.xaxis, ax.yaxis, *lines.values(), *ax.spines.values(), ax.title, ax.get_legend()]
    write_gif(fig, show, len(frames), path, animated=animated, layout_frame=longest, fps=fps)
