"""The MAG quick-look: the field's components and magnitude against UT, with the regions crossed shaded.

:func:`plot_mag` draws an L2 dataset (:func:`smilekit.instruments.mag.make_l2`, or
:func:`smilekit.products.insitu_cdf.read_mag_l2`): one panel per component (GSE or GSM) and one for the
magnitude, on a shared UT axis (:func:`~smilekit.products.plots.style.ut_time_axis`). Samples with a nonzero
quality are drawn as they are (NaN where there is no data) and marked along the top of the magnitude panel.
An optional region series (e.g. "solar_wind", "magnetosheath", "magnetosphere" along the time) shades each
run of one region in every panel. Quick-look figures are for browsing, not for publication (SMILE data
policy, :cite:`branduardiraymont2022`, sec. 5.3). Artists carry a ``gid`` (``"b_x"``, ``"b_y"``, ``"b_z"``,
``"b_magnitude"``, ``"region:<name>"``, ``"flagged"``) for tests and users.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from smilekit.errors import InputError
from smilekit.mission.intervals import runs
from smilekit.products.plots.style import ut_time_axis

__all__ = ["CODE_NAMES", "REGION_COLOURS", "plot_mag", "shade_regions"]

#: Shading of the regions by name (others get the next colour of a fixed cycle).
REGION_COLOURS = {
    "solar_wind": "tab:orange",
    "magnetosheath": "tab:green",
    "magnetosphere": "tab:blue",
}
_CYCLE = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")
_COMPONENT_COLOURS = ("tab:blue", "tab:green", "tab:red")


def _region_spans(regions: xr.DataArray):
    """(name, start, stop) in matplotlib date numbers for each run of one region along ``regions``."""
    if not isinstance(regions, xr.DataArray) or regions.dims != ("time",):
        raise InputError("regions must be an xarray.DataArray on 'time' (one region name per time)")
    names = np.asarray(regions.values).astype(str)
    times = mdates.date2num(np.asarray(regions["time"].values, dtype="datetime64[ns]"))
    if names.size == 0:
        return []
    edges = np.concatenate([times[:1], 0.5 * (times[1:] + times[:-1]), times[-1:]])
    spans = []
    for name in dict.fromkeys(names):
        for first, stop in runs(names == name):
            spans.append((name, edges[first], edges[stop]))
    return spans


#: Below this (nT) the component axes are linear, above logarithmic (symlog), so that the solar wind's and
#: the sheath's few nT and the thousands of nT near perigee show in one figure.
LINEAR_BELOW_NT = 50.0


#: Region names by code (the codes of :func:`smilekit.geospace.insitu_truth` and
#: :func:`smilekit.science.regions.classify_regions`, -1 undetermined; the truth's cusp, 3, by its name).
CODE_NAMES = {-1: "undetermined", 0: "solar_wind", 1: "magnetosheath", 2: "magnetosphere", 3: "cusp"}


def _names(regions: xr.Dataset) -> xr.DataArray:
    if "region" not in regions or "time" not in regions.coords:
        raise InputError("regions must hold integer region codes on 'time' (classify_regions, insitu_truth)")
    codes = np.asarray(regions["region"].values).astype(np.int64)
    names = np.array([CODE_NAMES.get(int(c), f"region {int(c)}") for c in codes])
    return xr.DataArray(names, dims=("time",), coords={"time": regions["time"].values})


def shade_regions(axes, regions, *, alpha: float = 0.15, legend: bool = True) -> list[str]:
    """Shade each run of one region in every axis of ``axes`` (a time axis in matplotlib dates).

    Parameters
    ----------
    axes : matplotlib Axes or sequence of Axes
    regions : xarray.DataArray or xarray.Dataset
        Region names on ``time`` (as :func:`smilekit.products.plots.mag.plot_mag` takes), or a Dataset
        with integer ``region`` codes on ``time`` (a classification or an in situ truth; named by
        :data:`CODE_NAMES`).
    alpha : float
        The shading's opacity.
    legend : bool
        Label the first axis's spans (one legend entry per region).

    Returns
    -------
    list of str
        The region names shaded, in order of first appearance.
    """
    if isinstance(regions, xr.Dataset):
        regions = _names(regions)
    axes = list(np.atleast_1d(axes))
    colours = dict(REGION_COLOURS)
    colours.setdefault("undetermined", "0.6")
    shaded: list[str] = []
    for name, start, stop in _region_spans(regions):
        colour = colours.setdefault(name, _CYCLE[(len(colours) - len(REGION_COLOURS)) % len(_CYCLE)])
        for k, ax in enumerate(axes):
            label = name.replace("_", " ") if legend and k == 0 and name not in shaded else None
            ax.axvspan(start, stop, color=colour, alpha=alpha, lw=0, gid=f"region:{name}", label=label)
        if name not in shaded:
            shaded.append(name)
    return shaded


def plot_mag(
    l2: xr.Dataset,
    *,
    frame: str = "GSM",
    regions: xr.DataArray | None = None,
    title: str = "",
    linear_below=LINEAR_BELOW_NT,
) -> Figure:
    """The MAG quick-look of an L2 dataset: Bx, By, Bz in ``frame`` and ``|B|`` against UT.

    Parameters
    ----------
    l2 : xarray.Dataset
        With ``b_gse`` or ``b_gsm`` (nT, on ``time`` and ``component``), ``b_magnitude`` and optionally
        ``quality``.
    frame : {"GSM", "GSE"}
        The components drawn.
    regions : xarray.DataArray or xarray.Dataset, optional
        Region names on a ``time`` dimension, or integer ``region`` codes on ``time`` (named by
        :data:`CODE_NAMES`); each run of one region is shaded in every panel (:func:`shade_regions`,
        colours :data:`REGION_COLOURS`) and named in the legend.
    title : str
        Figure title (default: "SMILE MAG L2" and the date).
    linear_below : float or None
        The components are drawn on a symmetric-log axis, linear within +-``linear_below`` nT (default 50),
        and ``|B|`` on a log axis, where the field spans more than that; None: linear axes.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For another frame, a dataset without the variables, or regions not on ``time``.
    """
    if not isinstance(frame, str) or frame.upper() not in ("GSE", "GSM"):
        raise InputError(f"frame must be 'GSE' or 'GSM', got {frame!r}")
    name = f"b_{frame.lower()}"
    if not isinstance(l2, xr.Dataset) or name not in l2 or "b_magnitude" not in l2:
        raise InputError(f"l2 must be a MAG L2 Dataset with {name} and b_magnitude")
    time = np.asarray(l2["time"].values, dtype="datetime64[ns]")
    t_num = mdates.date2num(time)
    b = np.asarray(l2[name].transpose("time", "component").values, dtype=np.float64)
    fig = Figure(figsize=(10, 8), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True)
    for i, axis in enumerate("xyz"):
        axes[i].plot(t_num, b[:, i], color=_COMPONENT_COLOURS[i], lw=0.7, gid=f"b_{axis}")
        axes[i].axhline(0.0, color="k", lw=0.4)
        axes[i].set_ylabel(f"B{axis} {frame.upper()} (nT)")
    magnitude = np.asarray(l2["b_magnitude"].values, dtype=np.float64)
    axes[3].plot(t_num, magnitude, color="k", lw=0.7, gid="b_magnitude")
    axes[3].set_ylabel("|B| (nT)")
    if "quality" in l2:
        flagged = np.asarray(l2["quality"].values) != 0
        if flagged.any():
            top = np.nanmax(magnitude) if np.isfinite(magnitude).any() else 1.0
            axes[3].plot(t_num[flagged], np.full(int(flagged.sum()), top), "|", color="tab:red", ms=4,
                         gid="flagged", label="quality flag set")  # fmt: skip
    if regions is not None:
        shade_regions(axes, regions)
        axes[0].legend(loc="upper right", fontsize="small")
    if linear_below is not None and np.nanmax(np.abs(b), initial=0.0) > linear_below:
        decades = 10.0 ** np.arange(np.ceil(np.log10(linear_below)), 6)
        ticks = np.concatenate([-decades[::-1], [0.0], decades])  # none inside the linear part but 0
        for ax in axes[:3]:
            ax.set_yscale("symlog", linthresh=float(linear_below))
            ax.yaxis.set_major_locator(FixedLocator(ticks))
        axes[3].set_yscale("log")
    for ax in axes:
        ax.xaxis_date()
    ut_time_axis(axes[3])
    if t_num.size > 1:
        axes[3].set_xlim(t_num[0], t_num[-1])
    day = np.datetime_as_string(time[0], unit="D") if time.size else ""
    fig.suptitle(title or f"SMILE MAG L2 {day} (quick-look, not for publication)")
    return fig
