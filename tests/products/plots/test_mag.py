"""MAG quick-look: it renders, draws the L2 it is given, shades the regions where they are, marks flags."""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import to_rgb

from smilekit._io import save_figure
from smilekit.errors import InputError
from smilekit.instruments.mag import ground_calibration, make_l1, make_l2, simulate_mag
from smilekit.products.plots.mag import REGION_COLOURS, plot_mag

T0 = np.datetime64("2026-03-20T06:00", "ns")


@pytest.fixture(scope="module")
def l2():
    t = T0 + np.arange(0, 601, 10) * np.timedelta64(1, "s")
    b = np.column_stack([np.linspace(-3, 20, t.size), np.full(t.size, 4.0), np.linspace(2, -30, t.size)])
    b[30:33] = [14000.0, 0.0, 0.0]  # beyond the range: flagged, no number
    truth = xr.DataArray(b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT"})
    return make_l2(make_l1(simulate_mag(truth, np.eye(3), 1)), np.eye(3), ground_calibration(rng=1))


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_draws_the_components_and_the_magnitude(l2):
    fig = plot_mag(l2, frame="GSE")
    axes = fig.axes
    assert len(axes) == 4
    t = mdates.date2num(l2["time"].values)
    for i, axis in enumerate("xyz"):
        (line,) = by_gid(axes[i], f"b_{axis}")
        x, y = line.get_data()
        np.testing.assert_allclose(x, t)
        np.testing.assert_array_equal(y, l2["b_gse"].values[:, i])
        assert "GSE" in axes[i].get_ylabel()
    (mag,) = by_gid(axes[3], "b_magnitude")
    np.testing.assert_array_equal(mag.get_data()[1], l2["b_magnitude"].values)
    (flagged,) = by_gid(axes[3], "flagged")
    assert len(flagged.get_data()[0]) == int((l2["quality"].values != 0).sum()) > 0
    assert axes[3].get_xlabel() == "UT"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regions_are_shaded_where_they_are(l2, tmp_path):
    t = T0 + np.arange(0, 601, 60) * np.timedelta64(1, "s")
    names = ["solar_wind"] * 4 + ["magnetosheath"] * 5 + ["solar_wind"] * 2
    regions = xr.DataArray(names, dims=("time",), coords={"time": t})
    fig = plot_mag(l2, regions=regions)
    spans = by_gid(fig.axes[1], "region:solar_wind")
    assert len(spans) == 2 and len(by_gid(fig.axes[1], "region:magnetosheath")) == 1
    sheath = by_gid(fig.axes[0], "region:magnetosheath")[0]
    xs = np.array([sheath.get_x(), sheath.get_x() + sheath.get_width()])
    # the sheath run spans samples 4..8: from halfway between 3 and 4 to halfway between 8 and 9
    edges = mdates.date2num(t[[3, 8]] + np.timedelta64(30, "s"))
    np.testing.assert_allclose([xs.min(), xs.max()], edges)
    assert sheath.get_facecolor()[:3] == pytest.approx(to_rgb(REGION_COLOURS["magnetosheath"]))
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert labels == ["solar wind", "magnetosheath"]
    path = save_figure(fig, tmp_path / "smile_mag_ql_fields_20260320T060000_v01.png")
    assert path.stat().st_size > 1000


def test_bad_input(l2):
    with pytest.raises(InputError, match="frame"):
        plot_mag(l2, frame="SM")
    with pytest.raises(InputError, match="b_gsm"):
        plot_mag(l2.drop_vars("b_gsm"))
    with pytest.raises(InputError, match="regions"):
        plot_mag(l2, regions=xr.DataArray(np.zeros((2, 2)), dims=("a", "b")))
