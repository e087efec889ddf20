"""Visibility of SMILE's targets along the orbit: the magnetopause nose and the cusps (SXI), the northern
auroral oval (UVI); per sample, per orbit and by season.

Criteria (per sample; each is a variable of :func:`visibility`'s dataset):

* **Nose visible** (``nose_visible``): the subsolar magnetopause point ``(r0, 0, 0)`` GSE (r0 from the
  magnetopause model for the solar wind at that time, :func:`smilekit.mission.pointing.subsolar_aim_points`)
  lies inside the SXI FOV (27 x 16 deg, :cite:`branduardiraymont2022`, Table 1); the spacecraft is above the
  SXI lower altitude limit of 50 000 km (:cite:`branduardiraymont2022`, sec. 4.4: the Full Science Mode and
  RSM1 limit); and neither exclusion of
  :func:`smilekit.mission.pointing.exclusions` applies (the Sun inside the avoidance cone about the
  boresight, the Earth's disc in the FOV). The Moon is counted only when ``moon_angle`` is given.
* **Cusps visible** (``cusps_visible``): both the northern and the southern cusp centres at
  :data:`CUSP_RADIUS` (6 RE geocentric, the mid-altitude cusp; the centre is the mid-point of the
  equatorward and poleward edges of :func:`smilekit.geospace.cusps.cusp_edges` in the noon meridian, for
  the IMF Bz and dipole tilt at that time) lie inside the SXI FOV and are not hidden behind the Earth, under
  the same altitude and exclusion conditions. ``north_cusp_visible`` and ``south_cusp_visible`` are kept.
* **Whole oval visible** (``oval_visible``): every sampled point of the poleward and equatorward edges of
  the northern oval (:func:`smilekit.geospace.aurora.oval_points`, 120 km altitude) lies inside the UVI
  FOV (10 x 10 deg) and on the visible disc (the ground point beneath it faces the spacecraft, i.e. lies
  inside the horizon circle ``cos(angle) > 1 RE / r``; aurora beyond it is seen edge-on or not at all), with
  the spacecraft above the UVI lower altitude limit of 30 000 km (:cite:`branduardiraymont2022`, sec. 4.4,
  RSM2). With the default oval
  and FOV, the oval fills the 10 deg FOV to within about 1 deg at 30 000 km: the altitude limit and the
  FOV are matched; above the limit, time is lost only where the spacecraft is at low latitude and the
  far side of the oval slips beyond the horizon.

Mid-altitude cusp distance: an assumption (Cluster and Polar sampled the mid- and high-altitude cusp
between about 4 and 10 RE); pass ``cusp_radius`` to change it. The dipole tilt comes from IGRF-14.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pandas as pd
import xarray as xr

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.frames import transform, unit_vectors
from smilekit.geospace.aurora import oval_points
from smilekit.geospace.boundaries import is_inside_values, model_kernel, resolve_model
from smilekit.geospace.cusps import cusp_edges
from smilekit.mission.fov import SXI, UVI
from smilekit.mission.modes import SXI_MIN_ALTITUDE, UVI_MIN_ALTITUDE
from smilekit.mission.orbit import Track, kepler_track, sample_times
from smilekit.mission.pointing import (
    LIMB_OFFSET,
    Attitude,
    angle_values,
    attitude,
    exclusions,
    fov_distance_values,
    limb_offset_aim_points,
    subsolar_aim_points,
)
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.state import SolarWindState
from smilekit.times import as_datetime64
from smilekit.units import RE

__all__ = [
    "CUSP_RADIUS",
    "SXI_MIN_ALTITUDE",
    "TYPICAL_SOLAR_WIND",
    "UVI_MIN_ALTITUDE",
    "cusp_centres",
    "occulted_values",
    "orbit_fractions",
    "seasonal_visibility",
    "visibility",
]

#: Geocentric distance of the mid-altitude cusp points (assumption; see the module docstring).
CUSP_RADIUS = 6.0 * RE
#: Quiet, typical solar wind for mission-long statistics: n = 5 cm^-3 and V = 400 km/s (near the OMNI
#: medians of about 4-5 cm^-3 and 400-420 km/s), IMF Bz = 0 (its median); Pdyn = 1.6 nPa.
TYPICAL_SOLAR_WIND = SolarWindState(
    n=5.0 * u.cm**-3, v_gse=[-400.0, 0.0, 0.0] * u.km / u.s, b_gsm=[0.0, 0.0, 0.0] * u.nT
)

#: Sample dates within a day of the equinoxes and solstices (the exact instants move by hours from year to
#: year, which one orbit of 51 h does not resolve).
_SEASON_DATES = (
    ("March equinox", "03-20"),
    ("June solstice", "06-21"),
    ("September equinox", "09-22"),
    ("December solstice", "12-21"),
)


def occulted_values(observer_re: np.ndarray, target_re: np.ndarray, radius: float = 1.0) -> np.ndarray:
    """Kernel: True where the straight segment from observer to target passes inside a sphere (RE).

    Shapes broadcast over leading axes, (..., 3).
    """
    p = np.asarray(observer_re, dtype=np.float64)
    q = np.asarray(target_re, dtype=np.float64)
    d = q - p
    dd = np.sum(d * d, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(-np.sum(p * d, axis=-1) / dd, 0.0, 1.0)
    closest = p + s[..., None] * d
    return np.linalg.norm(closest, axis=-1) < radius


def cusp_centres(time, solar_wind, *, radius=CUSP_RADIUS) -> dict[str, u.Quantity]:
    """The northern and southern cusp centres at geocentric distance ``radius``, GSE.

    The centre is the mid-point (on the sphere of that radius) of the equatorward and poleward cusp edges
    in the noon meridian of :func:`smilekit.geospace.cusps.cusp_edges`, for the IMF Bz and the dipole tilt
    at each time.

    Returns
    -------
    dict
        ``{"north": Quantity (N, 3), "south": Quantity (N, 3)}`` in RE, GSE.

    Examples
    --------
    >>> c = cusp_centres("2026-03-20T12:00", TYPICAL_SOLAR_WIND)
    >>> float(np.linalg.norm(c["north"][0].to_value(RE))), bool(c["north"][0, 2] > 0 > c["south"][0, 2])
    (6.0, True)
    """
    t = np.atleast_1d(as_datetime64(time))
    r = float(as_value(radius, RE, "radius", positive=True))
    if r < 1.0:
        raise InputError(f"radius must be >= 1 RE (at or above the surface), got {r:g} RE")
    drivers = drivers_at(solar_wind, t)
    out = {}
    for hemisphere in ("north", "south"):
        edges = cusp_edges(
            hemisphere=hemisphere, altitude=(r - 1.0) * RE, bz=drivers["bz"], tilt=drivers["tilt"]
        )
        mid = unit_vectors(edges.equatorward_gsm.to_value(RE) + edges.poleward_gsm.to_value(RE)) * r
        out[hemisphere] = transform(mid, t, "GSM", "GSE") * RE
    return out


def _pointing(track, pointing, solar_wind, model, long_axis) -> Attitude:
    if isinstance(pointing, Attitude):
        if len(pointing) != len(track) or not np.array_equal(pointing.time, track.time):
            raise InputError("the attitude given as pointing must share the track's times")
        return pointing
    if pointing == "subsolar":
        aim = subsolar_aim_points(track.time, solar_wind, model=model)
    elif pointing == "limb":
        aim = limb_offset_aim_points(track.position("GSE"), LIMB_OFFSET, errors="nan")
    else:
        raise InputError(f"pointing must be 'subsolar', 'limb' or an Attitude, got {pointing!r}")
    return attitude(track, aim, long_axis=long_axis)


def visibility(
    track,
    pointing="subsolar",
    solar_wind=TYPICAL_SOLAR_WIND,
    *,
    model="shue1998",
    long_axis: str = "earth",
    sxi_min_altitude=SXI_MIN_ALTITUDE,
    uvi_min_altitude=UVI_MIN_ALTITUDE,
    cusp_radius=CUSP_RADIUS,
    sun_angle=30.0 * u.deg,
    limb_margin=0.0 * u.deg,
    moon_angle=None,
    n_oval: int = 24,
) -> xr.Dataset:
    """Per-sample visibility of the nose, the cusps and the northern oval (criteria: module docstring).

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
    pointing : {"subsolar", "limb"} or Attitude
        SXI aim rule (the subsolar magnetopause, or 20.3 deg from the limb on the GSE X axis), or a ready
        attitude on the track's times.
    solar_wind : SolarWind or SolarWindState
        Drives the magnetopause (nose) and the cusp latitude; default :data:`TYPICAL_SOLAR_WIND`.
    model : str or callable
        Magnetopause model (default Shue et al. 1998, :cite:`shue1998`).
    long_axis : {"earth", "gse_z"}
        The SXI long-axis rule of :func:`smilekit.mission.pointing.attitude` (when ``pointing`` is a rule).
    sxi_min_altitude, uvi_min_altitude : Quantity
        Lower altitude limits of the imagers (default 50 000 and 30 000 km).
    cusp_radius : Quantity
        Geocentric distance of the cusp points (default 6 RE).
    sun_angle, limb_margin, moon_angle : Quantity
        Exclusion settings passed to :func:`smilekit.mission.pointing.exclusions` (``moon_angle=None``,
        the default here, leaves the Moon out).
    n_oval : int
        Points per oval edge circle.

    Returns
    -------
    xarray.Dataset
        On ``time``: the visibility flags ``nose_visible``, ``cusps_visible``, ``north_cusp_visible``,
        ``south_cusp_visible``, ``oval_visible``; their parts (``*_in_fov``, ``sxi_altitude_ok``,
        ``uvi_altitude_ok``, ``oval_on_disc``, the exclusion flags); angles from the SXI boresight
        (``*_angle``, deg) and signed distances to the FOVs (``*_fov_distance``, deg, negative inside);
        ``altitude`` (km), ``orbit`` (perigee-to-perigee counter) and ``inside_magnetopause`` (the spacecraft
        itself, for information).
    """
    att = _pointing(track, pointing, solar_wind, model, long_axis)
    t = track.time
    sxi_lim = float(as_value(sxi_min_altitude, u.km, "sxi_min_altitude", nonnegative=True))
    uvi_lim = float(as_value(uvi_min_altitude, u.km, "uvi_min_altitude", nonnegative=True))
    altitude = track.altitude.to_value(u.km)
    p = att.position_gse.to_value(RE)
    sxi = SXI.frame_values(att.rotation, att.sxi_boresight_gse)
    uvi = UVI.frame_values(att.rotation, att.uvi_boresight_gse)

    def seen(frame, targets, fov):
        d = unit_vectors(targets - (p if targets.ndim == 2 else p[:, None, :]))
        spec = "nji,nj->ni" if targets.ndim == 2 else "nji,nmj->nmi"
        return np.degrees(fov_distance_values(np.einsum(spec, frame, d), *fov)), d

    nose = subsolar_aim_points(t, solar_wind, model=model).to_value(RE)
    nose_dist, nose_dir = seen(sxi, nose, SXI.fov_deg)
    cusps = {k: v.to_value(RE) for k, v in cusp_centres(t, solar_wind, radius=cusp_radius).items()}
    ex = exclusions(track, att, sun_angle=sun_angle, limb_margin=limb_margin, moon_angle=moon_angle)
    sxi_ok = (altitude > sxi_lim) & att.valid & ~ex["excluded"].to_numpy()
    data = {
        "altitude": (altitude, "km", "Altitude above the 6378.137 km equatorial radius"),
        "orbit": (track.orbit_number(), "1", "Orbit counter, +1 at each perigee"),
        "pointing_valid": (att.valid, "1", "An aim point exists"),
        "sxi_altitude_ok": (altitude > sxi_lim, "1", f"Above the SXI limit {sxi_lim:g} km"),
        "uvi_altitude_ok": (altitude > uvi_lim, "1", f"Above the UVI limit {uvi_lim:g} km"),
        "nose_angle": (
            np.degrees(angle_values(nose_dir, att.sxi_boresight_gse)),
            "deg",
            "Nose to SXI boresight",
        ),
        "nose_fov_distance": (nose_dist, "deg", "Signed angle from the nose to the SXI FOV (<0 inside)"),
        "nose_in_fov": (nose_dist <= 0.0, "1", "Nose inside the SXI FOV"),
    }
    data["nose_visible"] = (data["nose_in_fov"][0] & sxi_ok, "1", "SXI sees the magnetopause nose")
    for name, where in cusps.items():
        dist, direction = seen(sxi, where, SXI.fov_deg)
        hidden = occulted_values(p, where)
        data[f"{name}_cusp_angle"] = (
            np.degrees(angle_values(direction, att.sxi_boresight_gse)),
            "deg",
            f"{name.capitalize()} cusp to SXI boresight",
        )
        data[f"{name}_cusp_fov_distance"] = (dist, "deg", f"Signed angle from the {name} cusp to the SXI FOV")
        data[f"{name}_cusp_in_fov"] = (
            (dist <= 0.0) & ~hidden,
            "1",
            f"{name.capitalize()} cusp in the FOV, unocculted",
        )
        data[f"{name}_cusp_visible"] = (
            data[f"{name}_cusp_in_fov"][0] & sxi_ok,
            "1",
            f"SXI sees the {name} cusp",
        )
    data["cusps_visible"] = (
        data["north_cusp_visible"][0] & data["south_cusp_visible"][0],
        "1",
        "SXI sees both cusps",
    )
    oval = oval_points(t, n=n_oval).to_value(RE)
    oval_dist, _ = seen(uvi, oval, UVI.fov_deg)
    # on the visible disc: the ground point beneath each oval point faces the spacecraft (p . q_hat > 1 RE)
    on_disc = (np.sum(p[:, None, :] * unit_vectors(oval), axis=-1) > 1.0).all(axis=-1)
    worst = oval_dist.max(axis=-1)
    data["oval_fov_distance"] = (
        worst,
        "deg",
        "Largest signed angle of an oval point to the UVI FOV (<0: all in)",
    )
    data["oval_on_disc"] = (on_disc, "1", "Every oval point on the visible disc")
    data["oval_visible"] = (
        (worst <= 0.0) & on_disc & (altitude > uvi_lim) & att.valid,
        "1",
        "UVI sees the whole northern oval",
    )
    data["sun_angle"] = (ex["sun_angle_deg"].to_numpy(), "deg", "Sun to SXI boresight")
    data["earth_angle"] = (
        np.degrees(angle_values(unit_vectors(-p), att.sxi_boresight_gse)),
        "deg",
        "Earth centre to SXI boresight",
    )
    for column, description in (
        ("sun_excluded", "Sun inside the avoidance cone"),
        ("earth_in_fov", "Earth's disc in (or within the margin of) the SXI FOV"),
        ("moon_in_fov", "Moon's disc in (or within the margin of) the SXI FOV"),
    ):
        if column in ex:
            data[column] = (ex[column].to_numpy(), "1", description)
    kernel, names = model_kernel(resolve_model(model))
    drivers = drivers_at(solar_wind, t)
    gsm = track.position("GSM").to_value(RE)
    params = {name: drivers[name].to_value(u.rad if name == "tilt" else drivers[name].unit) for name in names}
    data["inside_magnetopause"] = (
        is_inside_values(kernel, gsm[:, 0], gsm[:, 1], gsm[:, 2], **params),
        "1",
        "The spacecraft is inside the model magnetopause",
    )
    ds = xr.Dataset(
        {
            name: ("time", np.asarray(v), {"units": unit, "description": text})
            for name, (v, unit, text) in data.items()
        },
        coords={"time": t},
    )
    ds.attrs.update(
        {
            "pointing": pointing if isinstance(pointing, str) else "attitude",
            "long_axis": att.long_axis,
            "model": model if isinstance(model, str) else getattr(model, "__name__", str(model)),
            "sxi_min_altitude_km": sxi_lim,
            "uvi_min_altitude_km": uvi_lim,
            "cusp_radius_RE": float(as_value(cusp_radius, RE, "cusp_radius")),
            **{k: v for k, v in ex.attrs.items() if v is not None},
            "criteria": "see smilekit.mission.visibility module docstring",
        }
    )
    return ds


_FLAGS = ("nose_visible", "cusps_visible", "north_cusp_visible", "south_cusp_visible", "oval_visible")


def orbit_fractions(vis: xr.Dataset) -> pd.DataFrame:
    """Fraction of each orbit (perigee to perigee) during which each target is visible.

    Parameters
    ----------
    vis : xarray.Dataset
        From :func:`visibility`, on a regular time grid.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``orbit``: ``<flag>_fraction`` and ``<flag>_hours`` for the nose, the cusps (both, north,
        south) and the oval; ``sxi_altitude_fraction``; ``duration_h``; ``complete`` (both bounding
        perigees lie in the samples; orbit 0 and the last orbit are partial).
    """
    missing = [name for name in (*_FLAGS, "orbit", "sxi_altitude_ok") if name not in vis]
    if missing:
        raise InputError(f"vis lacks {missing}: pass the dataset returned by visibility()")
    time = vis["time"].values
    if time.size < 2:
        raise InputError("vis needs at least two samples")
    step_h = float(np.median(np.diff(time)) / np.timedelta64(1, "h"))
    orbit = vis["orbit"].values
    rows = {}
    for k in np.unique(orbit):
        sel = orbit == k
        row = {}
        for flag in _FLAGS:
            values = vis[flag].values[sel]
            name = flag.removesuffix("_visible")
            row[f"{name}_fraction"] = float(values.mean())
            row[f"{name}_hours"] = float(values.sum() * step_h)
        row["sxi_altitude_fraction"] = float(vis["sxi_altitude_ok"].values[sel].mean())
        row["duration_h"] = float(sel.sum() * step_h)
        row["complete"] = bool(0 < k < orbit.max())
        rows[int(k)] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "orbit"
    return out


def seasonal_visibility(
    elements,
    years: int = 3,
    *,
    samples: str = "seasons",
    start=None,
    step=10.0 * u.min,
    propagator=kepler_track,
    pointing: str = "subsolar",
    solar_wind=TYPICAL_SOLAR_WIND,
    **options,
) -> pd.DataFrame:
    """Visibility fractions of one orbit at each season (or month) over the mission.

    For each sample date (the equinoxes and solstices, ``samples="seasons"``; or the 15th of each month,
    ``samples="months"``) falling within ``years`` years from ``start``, the orbit that begins at the first
    perigee after that date is propagated at ``step`` and its visibility computed.

    Parameters
    ----------
    elements : smilekit.mission.orbit.KeplerianElements
    years : int
        Mission years to cover (default 3, the nominal science phase: :cite:`cas2026`).
    samples : {"seasons", "months"}
    start : time-like, optional
        Start of the period (default the elements' epoch).
    step : Quantity
        Sampling step along each orbit (default 10 min).
    propagator : callable
        ``propagator(elements, times) -> Track``, called once with the times of all sample orbits; default
        the two-body :func:`kepler_track`; :func:`smilekit.mission.propagator.propagate` adds the J2 and
        Sun/Moon drifts of the orbit over the mission.
    pointing, solar_wind, **options
        Passed to :func:`visibility`.

    Returns
    -------
    pandas.DataFrame
        One row per date: ``date``, ``season``, ``orbit_start``, the fractions of :func:`orbit_fractions`
        (nose, cusps, north_cusp, south_cusp, oval, sxi_altitude) and the apogee position
        ``apogee_x_gse``, ``apogee_y_gse``, ``apogee_z_gse`` (RE).
    """
    n_years = int(years)
    if n_years < 1 or n_years != years:
        raise InputError(f"years must be a positive whole number, got {years!r}")
    if samples not in ("seasons", "months"):
        raise InputError(f"samples must be 'seasons' or 'months', got {samples!r}")
    t0 = as_datetime64(elements.epoch if start is None else start).reshape(())
    t_end = t0 + np.timedelta64(round(n_years * 365.25 * 86400), "s")
    first_year = int(str(t0)[:4])
    if samples == "seasons":
        candidates = [
            (name, f"{y}-{md}")
            for y in range(first_year, first_year + n_years + 1)
            for name, md in _SEASON_DATES
        ]
    else:
        candidates = [
            (np.datetime64(f"{y}-{m:02d}", "M").astype(object).strftime("%B"), f"{y}-{m:02d}-15")
            for y in range(first_year, first_year + n_years + 1)
            for m in range(1, 13)
        ]
    period_s = float(elements.period.to_value(u.s))
    window = np.timedelta64(int(2.1 * period_s), "s")  # holds one whole orbit, perigee to perigee
    chosen = [(season, np.datetime64(date, "ns")) for season, date in candidates]
    chosen = [(season, day) for season, day in chosen if t0 <= day < t_end]
    if not chosen:
        raise InputError(f"no sample date falls between {t0} and {t_end}")
    windows = [sample_times(day, day + window, step) for _, day in chosen]
    # one propagator call for all windows (they do not overlap): a numerical propagator integrates once
    whole = propagator(elements, np.concatenate(windows))
    rows = []
    start = 0
    for (season, day), times in zip(chosen, windows, strict=True):
        stop = start + times.size
        track = Track(
            whole.time[start:stop], whole.position_gei_km[start:stop], whole.velocity_gei_km_s[start:stop]
        )
        start = stop
        orbit = track.orbit_number()
        one = orbit == 1
        if one.sum() < 3 or orbit.max() < 2:
            raise InputError(
                f"could not isolate one full orbit after {day}; is the step ({step}) too coarse?"
            )
        sub = track.select(track.time[one][0], track.time[one][-1])
        vis = visibility(sub, pointing, solar_wind, **options)
        fractions = {
            f"{flag.removesuffix('_visible')}_fraction": float(vis[flag].values.mean()) for flag in _FLAGS
        }
        apogee = sub.position("GSE").to_value(RE)[np.argmax(sub.radius_km)]
        rows.append(
            {
                "date": day,
                "season": season,
                "orbit_start": sub.time[0],
                **fractions,
                "sxi_altitude_fraction": float(vis["sxi_altitude_ok"].values.mean()),
                "apogee_x_gse": apogee[0],
                "apogee_y_gse": apogee[1],
                "apogee_z_gse": apogee[2],
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["units"] = "fractions of one orbit (perigee to perigee); apogee_* in RE"
    return out
