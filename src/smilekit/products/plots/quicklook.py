"""Quick-look figures: the pictures a user looks at first (matplotlib, Agg backend, PNG files).

Quick-look plots are for browsing events, not for publication (SMILE data policy:
:cite:`branduardiraymont2022`, sec. 5.3).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

from smilekit._io import save_figure
from smilekit.products.plots.style import model_label, ut_time_axis

__all__ = ["plot_emissivity_slices", "plot_solar_wind", "plot_standoff"]

_DPI = 110


def _save(fig, path: Path) -> Path:
    save_figure(fig, path, dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def plot_solar_wind(sw, path: Path, *, indices=None) -> Path:
    """Overview: density, speed, IMF (GSM), dynamic pressure, clock angle; gaps shaded; and, with
    ``indices`` (a :class:`~smilekit.solarwind.GeomagneticIndices`), SYM-H and AL below them (UT, nT)."""
    t = sw.time.values
    rows = 5 + (2 if indices is not None else 0)
    fig, axes = plt.subplots(rows, 1, figsize=(10, 2.0 * rows), sharex=True)
    axes[0].plot(t, sw.ds["n"].values, color="k", lw=0.8)
    axes[0].set_ylabel("n (cm$^{-3}$)")
    axes[1].plot(t, sw.speed.values, color="k", lw=0.8)
    axes[1].set_ylabel("|V| (km/s)")
    b = sw.ds["b_gsm"].values
    for i, (label, colour) in enumerate(zip("xyz", ("tab:blue", "tab:green", "tab:red"), strict=True)):
        axes[2].plot(t, b[:, i], color=colour, lw=0.8, label=f"B{label}")
    axes[2].axhline(0, color="0.6", lw=0.5)
    axes[2].set_ylabel("B GSM (nT)")
    axes[2].legend(loc="upper right", ncols=3, fontsize="small")
    axes[3].plot(t, sw.pdyn.values, color="k", lw=0.8)
    axes[3].set_ylabel("P$_{dyn}$ (nPa)")
    axes[4].plot(t, sw.clock_angle.values, ".", color="k", ms=1.5)
    axes[4].set_ylabel("clock angle (deg)")
    axes[4].set_ylim(0, 360)
    axes[4].set_yticks([0, 90, 180, 270, 360])
    if indices is not None:
        ti = indices.time.values
        for ax, name, label, colour in (
            (axes[5], "sym_h", "SYM-H (nT)", "tab:purple"),
            (axes[6], "al", "AL (nT)", "tab:orange"),
        ):
            values = indices.ds[name].values
            ax.plot(ti, values, color=colour, lw=0.8)
            ax.axhline(0, color="0.6", lw=0.5)
            ax.set_ylabel(label)
            if not np.isfinite(values).any():
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.4")
    if "quality" in sw.ds:
        missing = sw.ds["quality"].values == 2
        for ax in axes[:5]:
            ax.fill_between(t, 0, 1, where=missing, color="0.85", transform=ax.get_xaxis_transform(), lw=0)
    ut_time_axis(axes[-1])
    title = f"Solar wind: {sw.ds.attrs.get('source', '')} (grey: data gaps)"
    if indices is not None:
        title += f"; SYM-H and AL: {indices.source or 'WDC Kyoto'}"
    axes[0].set_title(title, fontsize="medium")
    return _save(fig, path)


def _with_edges(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one sample each side, so that the pieces of a line drawn by parts join."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    return out


def plot_standoff(
    times,
    standoffs: dict[str, np.ndarray],
    path: Path,
    *,
    outside: dict[str, np.ndarray] | None = None,
    far_outside: dict[str, np.ndarray] | None = None,
) -> Path:
    """Subsolar stand-off distance of each model against time (UT), models named by author and year.

    ``outside`` and ``far_outside`` (per model, bool per record; see
    :mod:`smilekit.geospace.validity`) say where the solar wind is outside the range a model was fitted
    to: there its line is thin and dashed, and where far outside it also lies on a grey band, so that a
    model used far beyond its data (Shue et al. 1997 at Bz = -48 nT) is not read as a prediction.
    """
    outside = outside or {}
    far_outside = far_outside or {}
    fig, ax = plt.subplots(figsize=(10, 4.8))
    any_outside = any_far = False
    for i, (name, r0) in enumerate(standoffs.items()):
        colour = f"C{i}"
        out = np.asarray(outside.get(name, np.zeros(r0.shape, bool)), dtype=bool)
        far = np.asarray(far_outside.get(name, np.zeros(r0.shape, bool)), dtype=bool)
        inside_style = ":" if "bow shock" in name else "-"
        ax.plot(times, np.where(out, np.nan, r0), inside_style, color=colour, lw=1.3, label=model_label(name))
        if out.any():
            any_outside = True
            ax.plot(times, np.where(_with_edges(out), r0, np.nan), "--", color=colour, lw=0.8, alpha=0.6)
        if far.any():
            any_far = True
            ax.plot(times, np.where(_with_edges(far), r0, np.nan), "-", color="0.6", lw=7, alpha=0.35,
                    solid_capstyle="butt", zorder=0)  # fmt: skip
    ax.axhline(6.6, color="0.5", lw=0.6, ls=":")
    ax.text(times[0], 6.7, "geosynchronous orbit", fontsize="small", color="0.4")
    ax.set_ylabel("subsolar distance (R$_E$)")
    handles, labels = ax.get_legend_handles_labels()
    if any_outside:
        handles.append(Line2D([], [], ls="--", color="0.3", lw=0.8, alpha=0.6))
        labels.append("dashed: solar wind outside the model's fitted range")
    if any_far:
        handles.append(Line2D([], [], color="0.6", lw=7, alpha=0.35))
        labels.append("grey band: far outside it (by more than half the range)")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    ax.grid(alpha=0.3)
    ut_time_axis(ax)
    ax.set_title("Magnetopause and bow-shock stand-off distance")
    return _save(fig, path)


def plot_emissivity_slices(
    slices: dict[str, xr.DataArray],
    sheath,
    path: Path,
    *,
    title: str = "",
    outside_fit_range: list[str] | None = None,
    far_outside: bool = False,
) -> Path:
    """The emissivity in the XZ and XY planes, log colour scale, with the Earth and the model boundaries.

    ``sheath`` (a :class:`~smilekit.geospace.magnetosheath.Magnetosheath`) supplies the region map whose
    edges are drawn: the magnetopause (white) and the bow shock (grey). ``outside_fit_range`` (the
    reasons of :meth:`smilekit.geospace.validity.RangeCheck.reasons`) puts a warning under the title when
    the state is outside the range the model was fitted to; ``far_outside`` says it is far outside.
    """
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True)
    positive = np.concatenate([s.values[s.values > 0] for s in slices.values()])
    vmax = float(positive.max()) if positive.size else 1.0
    norm = LogNorm(vmin=vmax * 1e-3, vmax=vmax)
    for ax, (plane, data) in zip(axes, slices.items(), strict=True):
        vertical = next(dim for dim in data.dims if dim != "x")
        data = data.transpose(vertical, "x")  # X across, the other axis up
        h = data["x"].values
        v = data[vertical].values
        values = np.where(data.values > 0, data.values, np.nan)
        image = ax.pcolormesh(h, v, values, norm=norm, cmap="inferno", shading="auto")
        hh, vv = np.meshgrid(h, v)
        xyz = {"x": hh, "y": np.zeros_like(hh), "z": np.zeros_like(hh)}
        xyz[vertical] = vv
        region = np.asarray(sheath.region(xyz["x"], xyz["y"], xyz["z"]), dtype=float)
        ax.contour(h, v, (region == 0).astype(float), levels=[0.5], colors="0.7", linewidths=0.8)
        ax.contour(h, v, np.isin(region, (2, 3)).astype(float), levels=[0.5], colors="w", linewidths=0.8)
        ax.add_patch(plt.Circle((0, 0), 1.0, color="tab:blue"))
        ax.set_aspect("equal")
        ax.set_xlim(h.max(), h.min())  # the Sun to the left, as in most magnetospheric figures
        ax.set_xlabel("X GSM (R$_E$)")
        ax.set_ylabel(f"{vertical.upper()} GSM (R$_E$)")
        ax.set_title(f"{plane.upper()} plane")
    fig.colorbar(image, ax=axes, label="emissivity (eV cm$^{-3}$ s$^{-1}$)", shrink=0.9)
    if outside_fit_range:
        how = "FAR OUTSIDE" if far_outside else "outside"
        warning = f"state {how} the model's fitted range: " + "; ".join(outside_fit_range)
        title = f"{title}\n{warning}" if title else warning
    if title:
        fig.suptitle(title, color="firebrick" if outside_fit_range else "black")
    fig.text(
        0.01,
        -0.02,
        "lines: the physical sheath model's magnetopause (white) and bow shock (grey); blue: the Earth; "
        "white fill: no emission",
        fontsize="small",
        color="0.3",
    )
    return _save(fig, path)
