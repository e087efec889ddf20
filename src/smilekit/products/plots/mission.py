"""Mission figures in the manner of the handbook's orbit, visibility and FOV simulator (its Fig. 15).

The handbook is the SMILE chapter :cite:`branduardiraymont2022`.

Three figures, each returned as a :class:`matplotlib.figure.Figure` (Agg backend, no pyplot state, so they
need no closing; save one with ``fig.savefig(path)``):

* :func:`plot_orbit_planes`: the orbit in the GSE X-Y, X-Z and Y-Z planes with the Earth, the model
  magnetopause and bow shock;
* :func:`plot_visibility`: angles from the SXI boresight of the Sun, the Earth, the nose and the cusps
  along the orbit, the altitude against the imagers' limits, and bars where each target is visible;
* :func:`plot_fov_view`: the sky seen from the spacecraft at one time, in angular coordinates about the
  SXI boresight, with the SXI and UVI fields of view, the Earth's disc, the nose, the cusps and the oval.

Artists that tests (or users) may want to find carry a ``gid`` (e.g. ``"orbit"``, ``"nose"``,
``"sxi_fov"``). Quick-look figures are for browsing, not for publication (SMILE data policy:
:cite:`branduardiraymont2022`, sec. 5.3).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import astropy.units as u
import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon

from smilekit._validation import as_value
from smilekit.constants import R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.geospace.aurora import oval_points
from smilekit.geospace.boundaries import jelinek2012_bow_shock, model_kernel, resolve_model
from smilekit.mission.fov import SXI
from smilekit.mission.intervals import runs
from smilekit.mission.pointing import (
    Attitude,
    fov_edge_rays,
    subsolar_aim_points,
    view_angles,
)
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND, cusp_centres
from smilekit.products.plots.style import ut_time_axis
from smilekit.solarwind.drivers import drivers_at
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM

__all__ = ["plot_fov_view", "plot_operations", "plot_orbit_planes", "plot_transfer", "plot_visibility"]

_PLANES = (("X", "Y", 0, 1), ("X", "Z", 0, 2), ("Y", "Z", 1, 2))
_TARGET_COLOURS = {"nose": "tab:orange", "north_cusp": "tab:red", "south_cusp": "tab:pink", "oval": "k"}


def _boundary_curves(solar_wind, time, model) -> dict[str, tuple[np.ndarray, float]]:
    """(theta grid in rad, r(theta) in RE) for the magnetopause and the bow shock, plus r at 90 deg."""
    drivers = {k: v[:1] for k, v in drivers_at(solar_wind, time).items()}
    theta = np.radians(np.linspace(-150.0, 150.0, 301))
    func = resolve_model(model)
    names = model_kernel(func)[1]
    out = {}
    for name, f, params in (
        ("magnetopause", func, {k: drivers[k] for k in names}),
        ("bow shock", jelinek2012_bow_shock, {"pdyn": drivers["pdyn"]}),
    ):
        # a drawing of the model: the stage's summary flags its fitted range, the plot does not warn
        r = f(np.abs(theta) * u.rad, warn=False, **params).to_value(RE)
        r90 = float(f(90 * u.deg, warn=False, **params).to_value(RE)[0])
        out[name] = (theta, np.where(np.isfinite(r), r, np.nan), r90)
    return out


def plot_orbit_planes(
    track,
    *,
    solar_wind=TYPICAL_SOLAR_WIND,
    model="shue1998",
    att: Attitude | None = None,
    time=None,
    title: str = "",
) -> Figure:
    """The orbit in the GSE X-Y, X-Z and Y-Z planes, with the Earth and the model boundaries.

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
    solar_wind : SolarWind or SolarWindState
        Sets the magnetopause (``model``) and the Jelínek et al. (2012) bow shock (:cite:`jelinek2012`), taken
        at the track's
        first time (or ``time``); their X-Y and X-Z traces are the model curves r(theta), their Y-Z traces
        the terminator cross-sections r(90 deg).
    model : str or callable
        Magnetopause model (default Shue et al. 1998, :cite:`shue1998`).
    att : Attitude, optional
        With ``time``, draws the SXI line of sight from the spacecraft to the aim point.
    time : time-like, optional
        A time to mark on the orbit (the nearest sample).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Three axes; the orbit line has ``gid="orbit"``, boundaries ``"magnetopause"`` and ``"bow shock"``.
    """
    position = track.position("GSE").to_value(RE)
    when = track.time[0] if time is None else as_datetime64(time).reshape(())
    curves = _boundary_curves(solar_wind, when, model)
    k = None if time is None else int(np.argmin(np.abs(track.time - when)))
    fig = Figure(figsize=(14, 4.8), layout="constrained")
    axes = fig.subplots(1, 3)
    limit = 1.1 * max(float(np.max(np.abs(position))), curves["magnetopause"][2])
    for ax, (h_name, v_name, i, j) in zip(axes, _PLANES, strict=True):
        ax.plot(position[:, i], position[:, j], color="k", lw=1.0, gid="orbit", label="orbit")
        ax.add_patch(Circle((0, 0), 1.0, color="tab:blue", gid="earth"))
        for name, (theta, r, r90) in curves.items():
            style = "-" if name == "magnetopause" else "--"
            if h_name == "X":
                ax.plot(r * np.cos(theta), r * np.sin(theta), style, color="tab:orange", lw=0.9, gid=name)
            else:
                phi = np.linspace(0, 2 * np.pi, 181)
                ax.plot(r90 * np.cos(phi), r90 * np.sin(phi), style, color="tab:orange", lw=0.9, gid=name)
        if k is not None:
            ax.plot(position[k, i], position[k, j], "s", color="tab:green", gid="spacecraft")
            if att is not None:
                aim = att.aim_point_gse.to_value(RE)[k]
                ax.plot([position[k, i], aim[i]], [position[k, j], aim[j]], ":", color="0.3", gid="sxi_los")
                ax.plot(aim[i], aim[j], "x", color="k", gid="aim_point")
        ax.set_aspect("equal")
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        if h_name == "X":
            ax.invert_xaxis()  # the Sun to the left, as in the quick-look figures
        ax.set_xlabel(f"{h_name} GSE (R$_E$)")
        ax.set_ylabel(f"{v_name} GSE (R$_E$)")
        ax.set_title(f"{h_name}-{v_name} plane")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize="small")
    fig.suptitle(title or f"Orbit from {str(track.time[0])[:16]} to {str(track.time[-1])[:16]} UTC")
    return fig


def plot_visibility(vis: xr.Dataset, *, title: str = "") -> Figure:
    """Visibility along the orbit: angles from the SXI boresight, altitude, and visibility bars.

    Parameters
    ----------
    vis : xarray.Dataset
        From :func:`smilekit.mission.visibility.visibility` (regular time grid).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Three axes sharing time: the angles (lines with ``gid`` ``"<name>_angle"``; the Sun-avoidance
        angle dashed), the altitude (``gid="altitude"``) with the SXI and UVI limits, and one bar row per
        target (``broken_barh`` collections with ``gid`` ``"<flag>"``; each bar spans its samples +- half a
        step).
    """
    needed = ("altitude", "nose_visible", "oval_visible", "sun_angle", "earth_angle", "nose_angle")
    missing = [name for name in needed if name not in vis]
    if missing:
        raise InputError(f"vis lacks {missing}: pass the dataset returned by visibility()")
    t = vis["time"].values
    step = np.median(np.diff(t)) if t.size > 1 else np.timedelta64(60, "s")
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    for name, colour in (
        ("sun_angle", "gold"),
        ("earth_angle", "tab:blue"),
        ("nose_angle", _TARGET_COLOURS["nose"]),
        ("north_cusp_angle", _TARGET_COLOURS["north_cusp"]),
        ("south_cusp_angle", _TARGET_COLOURS["south_cusp"]),
    ):
        if name in vis:
            label = name.removesuffix("_angle").replace("_", " ")
            axes[0].plot(t, vis[name].values, color=colour, lw=1.0, gid=name, label=label)
    if "sun_angle_deg" in vis.attrs:
        axes[0].axhline(vis.attrs["sun_angle_deg"], color="gold", ls="--", lw=0.8, gid="sun_avoidance")
    half_length = 0.5 * SXI.fov_deg[0]
    axes[0].axhline(half_length, color="0.5", ls=":", lw=0.8)
    axes[0].text(
        t[0], half_length + 1.0, f"SXI FOV half-length ({half_length:g} deg)", fontsize="x-small", color="0.4"
    )
    axes[0].set_ylabel("angle from SXI boresight (deg)")
    axes[0].set_ylim(0, 180)
    axes[0].legend(loc="upper right", ncols=5, fontsize="small")
    axes[1].plot(t, vis["altitude"].values / 1e3, color="k", lw=1.0, gid="altitude")
    for key, label in (("sxi_min_altitude_km", "SXI limit"), ("uvi_min_altitude_km", "UVI limit")):
        if key in vis.attrs:
            axes[1].axhline(vis.attrs[key] / 1e3, color="0.5", ls="--", lw=0.8)
            axes[1].text(t[0], vis.attrs[key] / 1e3, label, fontsize="x-small", color="0.4", va="bottom")
    axes[1].set_ylabel("altitude (10$^3$ km)")
    flags = [
        name
        for name in (
            "nose_visible",
            "north_cusp_visible",
            "south_cusp_visible",
            "cusps_visible",
            "oval_visible",
        )
        if name in vis
    ]
    half = step / 2
    for row, name in enumerate(flags):
        values = np.asarray(vis[name].values, dtype=bool)
        spans = [
            (mdates.date2num(t[a] - half), mdates.date2num(t[b - 1] + half) - mdates.date2num(t[a] - half))
            for a, b in runs(values)
        ]
        colour = _TARGET_COLOURS.get(name.removesuffix("_visible"), "tab:purple")
        axes[2].broken_barh(spans, (row - 0.35, 0.7), color=colour, gid=name)
        axes[2].text(
            1.005, row, f"{100 * values.mean():.0f}%", transform=axes[2].get_yaxis_transform(), va="center"
        )
    axes[2].set_yticks(range(len(flags)))
    axes[2].set_yticklabels([name.removesuffix("_visible").replace("_", " ") for name in flags])
    axes[2].set_ylim(-0.6, len(flags) - 0.4)
    axes[2].set_xlim(mdates.date2num(t[0] - half), mdates.date2num(t[-1] + half))
    ut_time_axis(axes[2])
    fig.suptitle(title or "SMILE target visibility along the orbit")
    return fig


def _outline(att: Attitude, instrument: str, n: int = 16) -> np.ndarray:
    return view_angles(att, fov_edge_rays(att, instrument, n)).to_value(u.deg)[0]


def _cap(centre: np.ndarray, radius: float, n: int = 181) -> np.ndarray:
    """Unit directions (n, 3) on the circle at angle ``radius`` (rad) about the unit vector ``centre``."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(centre[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(centre, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(centre, e1)
    phi = np.linspace(0.0, 2 * np.pi, n)
    return np.cos(radius) * centre + np.sin(radius) * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)


def plot_fov_view(
    track,
    att: Attitude,
    time,
    *,
    solar_wind=TYPICAL_SOLAR_WIND,
    model="shue1998",
    extent=40.0 * u.deg,
    title: str = "",
) -> Figure:
    """What the spacecraft sees at one time, in angular coordinates about the SXI boresight.

    The projection is azimuthal equidistant about the SXI boresight (:func:`~smilekit.mission.pointing.
    view_angles`): horizontal along the SXI short (16 deg) axis, vertical along its long (27 deg) axis,
    upwards away from the Earth. Drawn: the SXI and UVI FOV outlines, the Earth's disc, the subsolar
    magnetopause point (nose), the mid-altitude cusp centres, the northern oval's edges, the Sun (when
    within ``extent``) and the aim point (the origin).

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
    att : Attitude
        On the track's times.
    time : time-like
        The nearest sample is shown.
    solar_wind : SolarWind or SolarWindState
        For the nose and the cusps (default the typical quiet solar wind).
    model : str or callable
        Magnetopause model for the nose.
    extent : Quantity
        Half-width of the square view (default 40 deg).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        One axes; artists with ``gid`` ``"sxi_fov"``, ``"uvi_fov"``, ``"earth"``, ``"nose"``,
        ``"north_cusp"``, ``"south_cusp"``, ``"oval"``, ``"sun"`` (if in view) and ``"aim_point"``.
    """
    if len(track) != len(att) or not np.array_equal(track.time, att.time):
        raise InputError("the track and the attitude must share their times")
    when = as_datetime64(time).reshape(())
    k = int(np.argmin(np.abs(track.time - when)))
    one = att.select([k])
    if not one.valid[0]:
        raise InputError(f"no valid attitude at {track.time[k]} (no aim point there)")
    half_width = float(as_value(extent, u.deg, "extent", positive=True))
    t = track.time[k : k + 1]
    p = one.position_gse.to_value(RE)[0]

    def angles_to(points):
        return view_angles(one, (np.atleast_2d(points) - p)[None]).to_value(u.deg)[0]

    fig = Figure(figsize=(7.5, 7.5), layout="constrained")
    ax = fig.subplots()
    earth = -p / np.linalg.norm(p)
    rho = np.arcsin(min(1.0, 1.0 / np.linalg.norm(p)))
    disc = view_angles(one, _cap(earth, rho)[None]).to_value(u.deg)[0]
    ax.add_patch(Polygon(disc, closed=True, color="tab:blue", alpha=0.6, gid="earth", label="Earth"))
    oval = angles_to(oval_points(t, n=72).to_value(RE)[0])
    for ring in np.split(oval, 2):
        ax.plot(*np.vstack([ring, ring[:1]]).T, color=_TARGET_COLOURS["oval"], lw=1.0, gid="oval")
    for name, colour, ls in (("SXI", "tab:green", "-"), ("UVI", "tab:purple", "-")):
        xy = _outline(one, name)
        ax.plot(xy[:, 0], xy[:, 1], ls, color=colour, lw=1.5, gid=f"{name.lower()}_fov", label=f"{name} FOV")
    nose = angles_to(subsolar_aim_points(t, solar_wind, model=model).to_value(RE))[0]
    ax.plot(*nose, "o", color=_TARGET_COLOURS["nose"], ms=8, gid="nose", label="nose")
    for name, where in cusp_centres(t, solar_wind).items():
        xy = angles_to(where.to_value(RE))[0]
        ax.plot(
            *xy, "o", color=_TARGET_COLOURS[f"{name}_cusp"], ms=8, gid=f"{name}_cusp", label=f"{name} cusp"
        )
    sun = view_angles(one, np.array([[[1.0, 0.0, 0.0]]])).to_value(u.deg)[0, 0]
    if np.all(np.abs(sun) <= half_width):
        ax.plot(*sun, "*", color="gold", ms=14, gid="sun", label="Sun")
    ax.plot(0.0, 0.0, "+", color="k", ms=12, gid="aim_point", label="aim point")
    ax.set_xlim(-half_width, half_width)
    ax.set_ylim(-half_width, half_width)
    ax.set_aspect("equal")
    ax.set_xlabel("along the SXI 16$\\degree$ axis (deg)")
    ax.set_ylabel("along the SXI 27$\\degree$ axis, away from the Earth (deg)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    altitude = float(track.altitude.to_value(u.km)[k])
    where = f"GSE ({p[0]:.1f}, {p[1]:.1f}, {p[2]:.1f}) R$_E$"
    ax.set_title(title or f"{str(track.time[k])[:16]} UTC, {where}, {altitude:,.0f} km")
    return fig


def plot_transfer(plan, ax=None) -> Figure:
    """The orbit after each burn in the orbit plane (perifocal frame, RE), like Fig. 16 of
    :cite:`branduardiraymont2022` (left).

    Uses matplotlib's object-oriented API (no pyplot, no backend switch); returns the Figure.
    """

    if ax is None:
        fig = Figure(figsize=(7, 5.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    nu = np.linspace(0.0, 2.0 * np.pi, 721)
    burns = plan.burns
    first = burns.iloc[0]
    orbits = [
        (float(first["perigee_alt_before_km"]), float(first["apogee_alt_before_km"])),
        *zip(burns["perigee_alt_km"].to_numpy(), burns["apogee_alt_km"].to_numpy(), strict=True),
    ]
    colours = {"perigee": "tab:blue", "apogee": "tab:red"}
    for i, (hp, ha) in enumerate(orbits):
        rp, ra = (R_EARTH_EQ_KM + hp) / RE_KM, (R_EARTH_EQ_KM + ha) / RE_KM
        a, e = 0.5 * (rp + ra), (ra - rp) / (ra + rp)
        r = a * (1.0 - e * e) / (1.0 + e * np.cos(nu))
        colour = "k" if i == 0 else colours[burns["apsis"].iloc[i - 1]]
        ax.plot(r * np.cos(nu), r * np.sin(nu), color=colour, lw=1.6 if i == len(orbits) - 1 else 0.6)
    ax.add_patch(Circle((0.0, 0.0), R_EARTH_EQ_KM / RE_KM, color="0.3"))
    ax.plot([], [], color="tab:blue", lw=0.6, label=f"{(burns['apsis'] == 'perigee').sum()} burns at perigee")
    ax.plot([], [], color="tab:red", lw=0.6, label=f"{(burns['apsis'] == 'apogee').sum()} burns at apogee")
    ax.set_aspect("equal")
    ax.set_xlabel("along perigee (RE)")
    ax.set_ylabel("in-plane normal (RE)")
    ax.set_title(
        f"{len(burns)} burns, {plan.total_delta_v.to_value(u.km / u.s):.2f} km/s, "
        f"{plan.duration.to_value(u.day):.1f} days"
    )
    ax.legend(loc="upper right", fontsize="small")
    return fig


_MODE_COLOURS = {"FSM": "tab:green", "RSM1": "tab:olive", "RSM2": "tab:cyan", "RSM3": "0.6"}


def plot_operations(timeline, budget, contacts, *, title: str = "") -> Figure:
    """Operations along the track: altitude coloured by mode with the SXI shutter, ground passes, battery.

    Parameters
    ----------
    timeline : smilekit.mission.modes.ModeTimeline
    budget : pandas.DataFrame
        From :func:`smilekit.mission.power.power_budget` on the same samples.
    contacts : pandas.DataFrame
        From :func:`smilekit.mission.ground.passes`.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Three axes sharing time: altitude points per mode (``gid`` = mode name) and the shutter-closed
        spans (``gid="shutter_closed"``); one bar row per station (``gid`` = station name); the state of
        charge (``gid="soc"``) with eclipses shaded (``gid="eclipse"``).
    """
    t = np.asarray(timeline.time)
    if len(budget) != t.size:
        raise InputError(f"budget has {len(budget)} rows, the timeline {t.size} samples: use the same track")
    step = np.median(np.diff(t)) if t.size > 1 else np.timedelta64(60, "s")
    half = step / 2
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    altitude = np.asarray(timeline.altitude_km) / 1e3
    modes = np.asarray(timeline.mode)
    for mode, colour in _MODE_COLOURS.items():
        here = modes == mode
        if here.any():
            axes[0].plot(t[here], altitude[here], ".", ms=2, color=colour, gid=mode, label=mode)

    def spans(flag):
        return [
            (mdates.date2num(t[a] - half), mdates.date2num(t[b - 1] + half) - mdates.date2num(t[a] - half))
            for a, b in runs(np.asarray(flag, dtype=bool))
        ]

    top = float(np.nanmax(altitude)) if altitude.size else 1.0
    axes[0].broken_barh(
        spans(~np.asarray(timeline.sxi_shutter_open)), (0, 0.04 * top), color="k", gid="shutter_closed"
    )
    axes[0].set_ylabel("altitude (10$^3$ km)")
    axes[0].legend(loc="upper right", ncols=4, fontsize="small", markerscale=4)
    stations = sorted(set(contacts.station)) if len(contacts) else []
    for row, name in enumerate(stations):
        rows = contacts[contacts.station == name]
        bars = [
            (mdates.date2num(a), mdates.date2num(b) - mdates.date2num(a))
            for a, b in zip(rows.start.to_numpy(), rows.end.to_numpy(), strict=True)
        ]
        axes[1].broken_barh(bars, (row - 0.35, 0.7), color="tab:blue", gid=name)
    axes[1].set_yticks(range(len(stations)))
    axes[1].set_yticklabels(stations, fontsize="small")
    axes[1].set_ylabel("ground passes")
    axes[2].plot(t, budget["soc"].to_numpy(), color="k", lw=1.0, gid="soc")
    axes[2].broken_barh(spans(budget["eclipse"].to_numpy()), (0, 1.05), color="0.85", gid="eclipse")
    axes[2].set_ylim(0, 1.05)
    axes[2].set_ylabel("battery state of charge")
    axes[2].set_xlim(mdates.date2num(t[0] - half), mdates.date2num(t[-1] + half))
    ut_time_axis(axes[2])
    fig.suptitle(title or "SMILE operations: modes, SXI shutter, ground passes, power")
    return fig
