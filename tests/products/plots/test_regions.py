"""The regions quick-look: it renders, shades each run of one region, marks the crossings."""

from __future__ import annotations

import io

import astropy.units as u
import matplotlib.dates as mdates
import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from smilekit._io import save_figure
from smilekit.errors import InputError
from smilekit.products.plots.mag import REGION_COLOURS
from smilekit.products.plots.regions import plot_regions, shade_regions
from smilekit.science.regions import classify_regions, find_crossings, region_names

T0 = np.datetime64("2026-03-20T06:00", "ns")


@pytest.fixture(scope="module")
def regions():
    n = np.concatenate([np.full(40, 5.0), np.full(40, 20.0), np.full(40, 0.3)])
    vx = np.concatenate([np.full(40, -400.0), np.full(40, -150.0), np.full(40, 0.0)])
    temp = np.concatenate([np.full(40, 1e5), np.full(40, 2e6), np.full(40, 3e7)])
    n[100] = np.nan  # one undetermined sample inside the magnetosphere
    t = T0 + np.arange(n.size) * np.timedelta64(4, "s")
    v = np.column_stack([vx, np.zeros(n.size), np.zeros(n.size)])
    b = np.column_stack([np.full(n.size, 5.0), np.zeros(n.size), np.linspace(0, 50, n.size)])
    return classify_regions(
        t, density=n * u.cm**-3, velocity=v * u.km / u.s, temperature=temp * u.K, b=b * u.nT
    )


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_draws_the_moments_regions_and_crossings(regions):
    fig = plot_regions(regions, find_crossings(regions))
    axes = fig.axes
    assert len(axes) == 3
    t = mdates.date2num(regions["time"].values)
    (line,) = by_gid(axes[0], "density")
    np.testing.assert_array_equal(line.get_xdata(), t)
    assert by_gid(axes[2], "b_magnitude")
    # solar wind, sheath, magnetosphere, the undetermined sample, the magnetosphere again: five spans
    spans = [a.get_gid() for a in axes[1].get_children() if str(a.get_gid()).startswith("region:")]
    assert spans == ["region:solar_wind", "region:magnetosheath", "region:magnetosphere",
                     "region:magnetosphere", "region:undetermined"]  # fmt: skip
    (sw,) = by_gid(axes[0], "region:solar_wind")
    assert sw.get_facecolor()[:3] == pytest.approx(to_rgb(REGION_COLOURS["solar_wind"]))
    # the span runs to halfway between the last solar-wind sample and the first sheath sample
    assert sw.get_x() + sw.get_width() == pytest.approx(0.5 * (t[39] + t[40]))
    assert len(by_gid(axes[0], "crossing:bow shock")) == 1
    assert len(by_gid(axes[0], "crossing:magnetopause")) == 1
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_shade_regions_on_any_axes_takes_names_or_a_classification(regions, tmp_path):
    fig = Figure()
    ax = fig.subplots()
    assert shade_regions(ax, regions) == ["solar_wind", "magnetosheath", "magnetosphere", "undetermined"]
    fig2 = Figure()
    ax2 = fig2.subplots()
    assert shade_regions(ax2, region_names(regions), legend=False) == shade_regions(ax, regions)
    save_figure(fig, tmp_path / "regions.png")
    assert (tmp_path / "regions.png").stat().st_size > 0


def test_not_a_classification(regions):
    with pytest.raises(InputError, match="classify_regions"):
        plot_regions(xr.Dataset())
    with pytest.raises(InputError, match="find_crossings"):
        plot_regions(regions, xr.Dataset())
    assert len(plot_regions(regions).axes) == 3  # without crossings
    with pytest.raises(InputError, match="regions must be"):
        shade_regions(Figure().subplots(), xr.DataArray([1, 2]))


def test_shades_a_truths_codes_cusp_included():
    t = T0 + np.arange(4) * np.timedelta64(4, "s")
    truth = xr.Dataset({"region": ("time", np.array([1, 3, 3, 2], dtype=np.int8))}, coords={"time": t})
    assert shade_regions(Figure().subplots(), truth) == ["magnetosheath", "cusp", "magnetosphere"]
