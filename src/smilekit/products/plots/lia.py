"""The LIA quick-look: an energy-time spectrogram over the proton density, speed and temperature.

:func:`plot_lia` draws the counts (:func:`smilekit.instruments.lia.simulate_counts`, or
:func:`smilekit.products.insitu_cdf.read_lia_l1`) summed over the angular bins, per energy step and
accumulation, on a logarithmic colour scale (bins with no count left blank), over the proton moments
(:func:`smilekit.instruments.lia.compute_moments`, or :func:`~smilekit.products.insitu_cdf.read_lia_l2`)
on a shared UT axis (:func:`~smilekit.products.plots.style.ut_time_axis`). Accumulations with a nonzero
quality flag are marked along the top of the density panel. Quick-look figures are for browsing, not for
publication (SMILE data policy, :cite:`branduardiraymont2022`, sec. 5.3). Artists carry a ``gid``
(``"spectrogram"``, ``"density_p"``, ``"speed_p"``, ``"temperature_p"``, ``"flagged"``) for tests and users.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.style import ut_time_axis

__all__ = ["plot_lia"]


def _edges(centres: np.ndarray, *, log: bool, half_width: float) -> np.ndarray:
    """Bin edges halfway (geometrically with ``log``) between ``centres``; ``half_width`` for one bin."""
    x = np.log(centres) if log else centres
    if x.size == 1:
        inner = np.array([])
        first, last = x[0] - half_width, x[0] + half_width
    else:
        inner = 0.5 * (x[1:] + x[:-1])
        first, last = x[0] - (inner[0] - x[0]), x[-1] + (x[-1] - inner[-1])
    edges = np.concatenate([[first], inner, [last]])
    return np.exp(edges) if log else edges


def plot_lia(counts: xr.Dataset, moments: xr.Dataset, *, title: str = "") -> Figure:
    """The LIA quick-look: counts per energy step against UT, and the proton n, \\|V\\| and T.

    Parameters
    ----------
    counts : xarray.Dataset
        With ``counts`` on (time, energy, elevation, azimuth) and the ``energy`` coordinate (eV).
    moments : xarray.Dataset
        With ``density_p`` (cm^-3), ``velocity_p`` (km/s, on time and component), ``temperature_p`` (K) and
        optionally ``quality_flag``.
    title : str
        Figure title (default: "SMILE LIA" and the date).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For datasets without these variables or without datetime64 times.
    """
    if not isinstance(counts, xr.Dataset) or "counts" not in counts or "energy" not in counts.coords:
        raise InputError("counts must be a LIA counts Dataset with 'counts' and its 'energy' coordinate")
    need = ("density_p", "velocity_p", "temperature_p")
    if not isinstance(moments, xr.Dataset) or any(n not in moments for n in need):
        raise InputError(f"moments must be a LIA moments Dataset with {list(need)}")
    for name, ds in (("counts", counts), ("moments", moments)):
        if not np.issubdtype(ds["time"].dtype, np.datetime64):
            raise InputError(f"{name} needs datetime64 times, got {ds['time'].dtype}")
    time = np.asarray(counts["time"].values, dtype="datetime64[ns]")
    spectrum = counts["counts"].sum(("elevation", "azimuth")).transpose("time", "energy").values
    spectrum = np.ma.masked_less_equal(spectrum.astype(np.float64), 0.0)
    energy = np.asarray(counts["energy"].values, dtype=np.float64)
    accumulation_days = float(counts.attrs.get("accumulation_s", 4.0)) / 86400.0
    t_edges = _edges(mdates.date2num(time), log=False, half_width=0.5 * accumulation_days)
    e_edges = _edges(energy, log=True, half_width=0.05)

    fig = Figure(figsize=(10, 8), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, height_ratios=(2, 1, 1, 1))
    norm = LogNorm(vmin=1.0, vmax=max(1.0, float(spectrum.max()))) if spectrum.count() else LogNorm(1.0, 10.0)
    mesh = axes[0].pcolormesh(t_edges, e_edges, spectrum.T, norm=norm, cmap="viridis", gid="spectrogram")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("E/q (eV)")
    fig.colorbar(mesh, ax=axes[0], label="counts (summed over angles)")

    t_mom = mdates.date2num(np.asarray(moments["time"].values, dtype="datetime64[ns]"))
    density = np.asarray(moments["density_p"].values, dtype=np.float64)
    speed = np.linalg.norm(np.asarray(moments["velocity_p"].transpose("time", "component").values), axis=1)
    temperature = np.asarray(moments["temperature_p"].values, dtype=np.float64)
    for ax, values, gid, label in (
        (axes[1], density, "density_p", "n$_p$ (cm$^{-3}$)"),
        (axes[2], speed, "speed_p", "|V$_p$| (km/s)"),
        (axes[3], temperature, "temperature_p", "T$_p$ (K)"),
    ):
        ax.plot(t_mom, values, color="k", lw=0.8, marker=".", ms=3, gid=gid)
        ax.set_ylabel(label)
    if np.nanmin(temperature, initial=np.inf) > 0.0 and np.isfinite(temperature).any():
        axes[3].set_yscale("log")
    if "quality_flag" in moments:
        flagged = np.asarray(moments["quality_flag"].values) != 0
        if flagged.any():
            top = np.nanmax(density) if np.isfinite(density).any() else 1.0
            axes[1].plot(t_mom[flagged], np.full(int(flagged.sum()), top), "|", color="tab:red", ms=6,
                         gid="flagged", label="quality flag set")  # fmt: skip
            axes[1].legend(loc="upper right", fontsize="small")
    for ax in axes:
        ax.xaxis_date()
    ut_time_axis(axes[3])
    axes[3].set_xlim(t_edges[0], t_edges[-1])
    day = np.datetime_as_string(time[0], unit="D") if time.size else ""
    fig.suptitle(title or f"SMILE LIA {day} (quick-look, not for publication)")
    return fig
