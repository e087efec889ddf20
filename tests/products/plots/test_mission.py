"""Mission figures: they render, and what they draw is the data they were given."""

import io

import astropy.units as u
import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.geospace.boundaries import jelinek2012_bow_shock, shue1998
from smilekit.mission import kepler_track, sample_times, science_orbit
from smilekit.mission.ground import passes
from smilekit.mission.modes import mode_timeline
from smilekit.mission.pointing import attitude, limb_offset_aim_points, subsolar_aim_points
from smilekit.mission.power import power_budget
from smilekit.mission.transfer import plan_transfer
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND, visibility
from smilekit.products.plots.mission import (
    plot_fov_view,
    plot_operations,
    plot_orbit_planes,
    plot_transfer,
    plot_visibility,
)
from smilekit.units import RE

SW = TYPICAL_SOLAR_WIND


@pytest.fixture(scope="module")
def track():
    return kepler_track(
        science_orbit("2026-03-20"), sample_times("2026-03-20", "2026-03-22T03:00", 30 * u.min)
    )


def by_gid(ax, gid):
    return [artist for artist in ax.get_children() if artist.get_gid() == gid]


def renders(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    return buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_orbit_planes_draw_the_track_and_the_boundaries(track):
    att = attitude(track, subsolar_aim_points(track.time, SW))
    fig = plot_orbit_planes(track, att=att, time="2026-03-20T06:00")
    assert renders(fig)
    position = track.position("GSE").to_value(RE)
    r0 = shue1998(0 * u.deg, pdyn=SW.pdyn, bz=SW.bz).to_value(RE)
    mp90 = shue1998(90 * u.deg, pdyn=SW.pdyn, bz=SW.bz).to_value(RE)
    shock90 = jelinek2012_bow_shock(90 * u.deg, pdyn=SW.pdyn).to_value(RE)
    for ax, (i, j) in zip(fig.axes, ((0, 1), (0, 2), (1, 2)), strict=True):
        (orbit,) = by_gid(ax, "orbit")
        assert np.column_stack(orbit.get_data()) == pytest.approx(position[:, [i, j]])
        (mp,) = by_gid(ax, "magnetopause")
        x, y = mp.get_data()
        if i == 0:  # the X-Y and X-Z traces pass through the nose
            assert np.nanmax(x) == pytest.approx(r0, rel=1e-9)
        else:  # the Y-Z traces are the terminator cross-sections of the magnetopause and the bow shock
            assert np.hypot(x, y) == pytest.approx(mp90, rel=1e-9)
            (bs,) = by_gid(ax, "bow shock")
            assert np.hypot(*bs.get_data()) == pytest.approx(shock90, rel=1e-9)
        (aim,) = by_gid(ax, "aim_point")
        nose = np.array([r0, 0.0, 0.0])
        assert aim.get_xydata()[0] == pytest.approx(nose[[i, j]])
    assert fig.axes[0].xaxis_inverted()  # the Sun to the left


def test_visibility_figure_plots_the_dataset(track):
    vis = visibility(track, "limb")
    fig = plot_visibility(vis)
    assert renders(fig)
    angles, altitude, bars = fig.axes
    (line,) = by_gid(altitude, "altitude")
    assert line.get_ydata() == pytest.approx(vis["altitude"].values / 1e3)
    (nose,) = by_gid(angles, "nose_angle")
    assert np.asarray(nose.get_ydata()) == pytest.approx(vis["nose_angle"].values, nan_ok=True)
    step_days = 30.0 / 1440.0
    for flag in ("nose_visible", "oval_visible", "north_cusp_visible"):
        (collection,) = by_gid(bars, flag)
        widths = [path.get_extents().width for path in collection.get_paths()]
        assert sum(widths) == pytest.approx(vis[flag].values.sum() * step_days, rel=1e-6)
        if vis[flag].values.any():
            first = mdates.date2num(vis["time"].values[np.argmax(vis[flag].values)]) - step_days / 2
            assert min(path.get_extents().x0 for path in collection.get_paths()) == pytest.approx(first)
    with pytest.raises(InputError, match="lacks"):
        plot_visibility(vis.drop_vars("altitude"))


def test_fov_view_places_targets_at_their_angles(track):
    when = "2026-03-20T06:00"
    subsolar = attitude(track, subsolar_aim_points(track.time, SW))
    fig = plot_fov_view(track, subsolar, when)
    assert renders(fig)
    (ax,) = fig.axes
    (nose,) = by_gid(ax, "nose")
    assert nose.get_xydata()[0] == pytest.approx([0.0, 0.0], abs=1e-9)  # aimed at the nose
    (sxi,) = by_gid(ax, "sxi_fov")
    xy = sxi.get_xydata()
    assert np.abs(xy[:, 0]).min() == pytest.approx(0.0, abs=1e-9)
    assert xy[:, 1].max() == pytest.approx(13.5, abs=0.05)  # 27 deg long axis up-down
    assert np.abs(xy[:, 0][np.abs(xy[:, 1]) < 1e-9]) == pytest.approx(8.0)  # 16 deg short axis across
    # limb rule: the Earth's disc stops 20.3 deg below the boresight, the FOV edge 6.8 deg above it
    limb = attitude(track, limb_offset_aim_points(track.position("GSE"), errors="nan"))
    fig = plot_fov_view(track, limb, when)
    (ax,) = fig.axes
    (earth,) = by_gid(ax, "earth")
    assert earth.get_xy()[:, 1].max() == pytest.approx(-20.3, abs=1e-3)
    assert by_gid(ax, "north_cusp") and by_gid(ax, "oval") and by_gid(ax, "uvi_fov")
    with pytest.raises(InputError, match="share"):
        plot_fov_view(track.select(stop=track.time[3]), limb, when)


def test_plot_transfer_draws_every_orbit():
    plan = plan_transfer()

    fig = plot_transfer(plan)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].lines) == 19 + 2  # the launch orbit, one per burn, two legend entries


def test_plot_operations_draws_the_modes_passes_and_battery():
    track = kepler_track(
        science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-03T12:00", 10 * u.min)
    )
    timeline = mode_timeline(track)
    budget = power_budget(track, timeline)
    contacts = passes(track, ["Kiruna", "Sanya"])
    fig = plot_operations(timeline, budget, contacts)
    top, middle, bottom = fig.axes
    drawn = sum(len(line.get_xdata()) for mode in ("FSM", "RSM2", "RSM3") for line in by_gid(top, mode))
    assert drawn == len(track)
    np.testing.assert_array_equal(by_gid(bottom, "soc")[0].get_ydata(), budget["soc"].to_numpy())
    assert [t.get_text() for t in middle.get_yticklabels()] == ["Kiruna", "Sanya"]
    with pytest.raises(InputError, match="same track"):
        plot_operations(timeline, budget.iloc[:-1], contacts)
