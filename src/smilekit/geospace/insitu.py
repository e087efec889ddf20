"""The plasma and magnetic-field truth along a spacecraft track: what LIA and MAG would measure.

For each sample (a GSE position and a UTC time) :func:`insitu_truth` gives the region, the proton and
alpha densities, the bulk velocity, the temperatures and the magnetic field, from the smilekit models:

- **Solar wind** (region 0): the solar-wind record itself (n, V_GSE, T, B).
- **Magnetosheath** (region 1): n, V, T from the gas-dynamic sheath
  (:class:`~smilekit.geospace.magnetosheath.Magnetosheath`, Spreiter et al. 1966, :cite:`spreiter1966`)
  between the chosen magnetopause and bow-shock models, and B from :mod:`~smilekit.geospace.sheath_field`:
  by default (``sheath_field="kobel1994"``) the Kobel & Flückiger (1994) potential field (:cite:`kobel1994`;
  current-free, draped: B . n = 0 on its magnetopause, B_n continuous at its shock) between confocal
  paraboloids fitted to the two boundary models' nose stand-offs (where a sheath sample lies outside
  those paraboloids the field is KF's on the nearer one, quality bit 4); or
  (``sheath_field="frozen_compression"``) the IMF compressed along the flow (B_n continuous at the
  shock, B2 / B1 = n2 / n1 at a perpendicular shock, div B = 0; compressed, not draped).
- **Magnetosphere** (region 2): B = IGRF-14 + Tsyganenko T89c (:mod:`~smilekit.geospace.fields`,
  :cite:`igrf14`, :cite:`tsyganenko1989`) at the given Kp; the plasma is one tenuous, hot, isotropic,
  stationary population of uniform density and temperature (by default n = 0.3 cm^-3 and kT = 3 keV:
  an *assumption* of the order of the central plasma sheet's ions, not a statistical model; no
  plasmasphere, ring current or lobe density structure).
- **Cusp** (region 3, inside the magnetopause within the cusp funnel of
  :mod:`~smilekit.geospace.cusps`): the sheath plasma at the magnetopause with its density scaled (the
  Magnetosheath's own cusp), and the magnetospheric field.

The solar wind at a sample is its nearest valid record (held constant over a record: 1 min for OMNI);
the boundaries and the sheath are driven by that record and the dipole tilt at that record's time
(:func:`smilekit.frames.dipole_tilt`). The models work in GSM (the flow along -X_GSM, aberration ignored);
positions, velocities and fields are rotated between GSE and GSM at each sample's time. Alphas: a density
ratio n_alpha / n_p (default 0.04, a typical solar-wind value; an assumption where the solar wind gives
none), the protons' velocity (no differential streaming) and a temperature ratio T_alpha / T_p (default
4, equal thermal speeds; an assumption), the same in every region.

:func:`crossings` lists the region changes (bow shock, magnetopause, cusp entries) with the time halfway
between the two samples on either side.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import MAX_POSITION_RE, as_scalar, as_value
from smilekit.errors import InputError
from smilekit.frames import dipole_tilt_values, rotation_matrix
from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.fields import _igrf_in, _levels, _t89_in
from smilekit.geospace.magnetosheath import (
    REGION_CUSP,
    REGION_MAGNETOSHEATH,
    REGION_MAGNETOSPHERE,
    REGION_SOLAR_WIND,
    Magnetosheath,
    check_upstream_values,
)
from smilekit.geospace.sheath_field import DEFAULT_SHEATH_FIELD, SHEATH_FIELD_MODELS, sheath_field_values
from smilekit.igrf import check_igrf_range
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.times import as_datetime64, nearest_index
from smilekit.units import RE

__all__ = [
    "DEFAULT_ALPHA_RATIO",
    "DEFAULT_ALPHA_TEMPERATURE_RATIO",
    "DEFAULT_HOT_DENSITY",
    "DEFAULT_HOT_TEMPERATURE",
    "QUALITY_BITS",
    "REGION_NAMES",
    "crossings",
    "insitu_truth",
]

#: Region codes of the truth (the codes of :mod:`smilekit.geospace.magnetosheath`).
REGION_NAMES = {
    REGION_SOLAR_WIND: "solar wind",
    REGION_MAGNETOSHEATH: "magnetosheath",
    REGION_MAGNETOSPHERE: "magnetosphere",
    REGION_CUSP: "cusp",
}

#: n_alpha / n_p where the solar wind gives none (an assumption: a typical slow-wind value).
DEFAULT_ALPHA_RATIO = 0.04
#: T_alpha / T_p (an assumption: equal thermal speeds, T proportional to mass).
DEFAULT_ALPHA_TEMPERATURE_RATIO = 4.0
#: Density of the hot magnetospheric population (an assumption, see the module notes).
DEFAULT_HOT_DENSITY = 0.3 * u.cm**-3
#: Temperature (kT) of the hot magnetospheric population (an assumption, see the module notes).
DEFAULT_HOT_TEMPERATURE = 3.0 * u.keV

#: Bits of the ``quality`` variable (0: all good).
QUALITY_BITS = {
    1: "solar wind: the nearest valid record is further than max_record_gap from the sample",
    2: "field: T89 outside its fitted 4-70 RE (the value is the formula's, not a fitted field)",
    4: (
        "field: magnetosheath sample outside the Kobel-Flueckiger paraboloids fitted to the boundary "
        "noses; the field is KF's on the nearer paraboloid (parabolic coordinate clipped)"
    ),
}

_COMPONENTS = ["x", "y", "z"]


def _attrs(fieldnam: str, catdesc: str, units: str, vector: bool = False, **extra) -> dict:
    attrs = {
        "units": units,
        "FIELDNAM": fieldnam,
        "CATDESC": catdesc,
        "VAR_TYPE": "data",
        "DEPEND_0": "time",
        "DISPLAY_TYPE": "time_series",
    }
    if vector:
        attrs["DEPEND_1"] = "component"
    attrs.update(extra)
    return attrs


def _records(solar_wind) -> dict:
    """The valid solar-wind records as plain arrays (one record for a state)."""
    if isinstance(solar_wind, SolarWindState):
        return {
            "n": np.array([solar_wind.n.to_value(u.cm**-3)]),
            "v_gse": solar_wind.v_gse.to_value(u.km / u.s).reshape(1, 3),
            "b_gsm": solar_wind.b_gsm.to_value(u.nT).reshape(1, 3),
            "t": np.array([solar_wind.t.to_value(u.K)]),
        }
    if not isinstance(solar_wind, SolarWind):
        raise InputError(
            f"solar_wind must be a SolarWind or a SolarWindState, got {type(solar_wind).__name__}"
        )
    valid = solar_wind.valid()
    if not valid.any():
        raise InputError("the solar-wind series has no valid record")
    ds = solar_wind.ds
    out = {"time": solar_wind.time.values[valid], "frame": ds.attrs.get("frame_of_origin", "GSE")}
    for name in ("n", "v_gse", "b_gse", "b_gsm", "t"):
        out[name] = np.asarray(ds[name].values[valid], dtype=np.float64)
    return out


def _ratio(value, name: str, low: float, high: float, accepted: str) -> float:
    """A plain real number in [low, high], or InputError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a real number in {accepted}, got {value!r}")
    value = float(value)
    if not low <= value <= high:
        raise InputError(f"{name} must lie in {accepted}, got {value:g}")
    return value


def insitu_truth(
    positions_gse,
    times,
    solar_wind,
    *,
    kp=2.0,
    alpha_ratio: float = DEFAULT_ALPHA_RATIO,
    alpha_temperature_ratio: float = DEFAULT_ALPHA_TEMPERATURE_RATIO,
    hot_density=DEFAULT_HOT_DENSITY,
    hot_temperature=DEFAULT_HOT_TEMPERATURE,
    magnetopause="shue1998",
    bow_shock="jelinek2012",
    max_record_gap=10 * u.min,
    sheath_field: str = DEFAULT_SHEATH_FIELD,
) -> xr.Dataset:
    """Plasma and magnetic field along a track (see the module notes for the models in each region).

    Parameters
    ----------
    positions_gse : Quantity
        Spacecraft positions in GSE, shape (N, 3), lengths, at r >= 1 RE.
    times : time-like
        N UTC times (anything :func:`smilekit.times.as_datetime64` accepts), within the solar-wind
        series' span (a :class:`~smilekit.solarwind.state.SolarWindState` holds at every time).
    solar_wind : SolarWind or SolarWindState
        The upstream solar wind. The cost grows with the records the track spans (one magnetosheath per
        record, about 0.4-0.6 ms each; ``benchmarks/bench_insitu_truth.py``): for a series finer than a
        minute, ``solar_wind.resample(60 * u.s)`` first is cheaper.
    kp : float or array_like
        Kp (decimal, 0-9; 1- = 0.67) for T89c, one value or one per sample. Default 2 (an assumption, a
        moderately quiet level; give the event's Kp where known).
    alpha_ratio, alpha_temperature_ratio : float
        n_alpha / n_p in [0, 0.5] and T_alpha / T_p in (0, 20].
    hot_density, hot_temperature : Quantity
        The hot magnetospheric population: density (cm^-3, > 0) and temperature (K or an energy, kT).
    magnetopause, bow_shock : str
        Boundary models (:data:`~smilekit.geospace.boundaries.MAGNETOPAUSE_MODELS`,
        :data:`~smilekit.geospace.boundaries.BOW_SHOCK_MODELS`).
    max_record_gap : Quantity
        A sample further than this from the nearest valid solar-wind record is flagged (quality bit 1).
    sheath_field : str
        The magnetosheath field model (:data:`~smilekit.geospace.sheath_field.SHEATH_FIELD_MODELS`):
        ``"kobel1994"`` (default; Kobel & Flückiger 1994 potential field) or ``"frozen_compression"``
        (the IMF compressed along the flow); see :mod:`~smilekit.geospace.sheath_field`.

    Returns
    -------
    xarray.Dataset
        On dimension ``time`` (and ``component`` = x, y, z for vectors), float64 unless said:
        ``region`` (int8: 0 solar wind, 1 magnetosheath, 2 magnetosphere, 3 cusp),
        ``position_gse``, ``position_gsm`` (RE), ``n_p``, ``n_alpha`` (cm^-3), ``v_gse``, ``v_gsm``
        (km/s, the bulk velocity of both species), ``t_p``, ``t_alpha`` (K, isotropic), ``b_gse``,
        ``b_gsm`` (nT), ``r_magnetopause``, ``r_bow_shock`` (RE: the model boundaries' radii along the
        sample's direction, GSM angles), ``dipole_tilt`` (deg), ``kp`` and ``quality`` (uint8, bits in
        :data:`QUALITY_BITS`). Variables carry ISTP-style ``units``, ``FIELDNAM``, ``CATDESC``; the
        dataset's attributes record the models and assumptions.

    Raises
    ------
    InputError
        For positions not of shape (N, 3), unitless, non-finite or below 1 RE; times not one per position
        or outside the solar-wind series; unphysical parameters.
    ModelDomainError
        Where the magnetopause model lies at or beyond the bow shock for a record (see
        :class:`~smilekit.geospace.magnetosheath.Magnetosheath`).

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> from smilekit.solarwind.state import SolarWindState
    >>> from smilekit.units import RE
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT)
    >>> pos = [[20.0, 0, 0], [12.0, 0, 0], [6.0, 0, 0]] * RE
    >>> truth = insitu_truth(pos, np.array(["2026-03-20T12:00"] * 3, "datetime64[ns]"), sw)
    >>> truth["region"].values.tolist()
    [0, 1, 2]
    """
    pos = as_value(positions_gse, RE, "positions_gse")
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] == 0:
        raise InputError(f"positions_gse must have shape (N, 3) with N >= 1, got {pos.shape}")
    radius = np.linalg.norm(pos, axis=1)
    if (radius < 1.0).any():
        k = int(np.argmin(radius))
        raise InputError(f"positions_gse must lie at r >= 1 RE; sample {k} is at {radius[k]:.4g} RE")
    t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
    if t.shape != (pos.shape[0],):
        raise InputError(f"times must be one per position ({pos.shape[0]}), got shape {t.shape}")
    check_igrf_range(t)
    if (radius > MAX_POSITION_RE).any():
        raise InputError(f"positions_gse must lie within {MAX_POSITION_RE:g} RE, got r = {radius.max():g} RE")
    alpha_ratio = _ratio(alpha_ratio, "alpha_ratio (n_alpha / n_p)", 0.0, 0.5, "[0, 0.5]")
    alpha_temperature_ratio = _ratio(alpha_temperature_ratio, "alpha_temperature_ratio", 0.0, 20.0, "(0, 20]")
    if alpha_temperature_ratio == 0.0:
        raise InputError("alpha_temperature_ratio must lie in (0, 20], got 0")
    if not isinstance(sheath_field, str) or sheath_field not in SHEATH_FIELD_MODELS:
        names = ", ".join(SHEATH_FIELD_MODELS)
        raise InputError(f"sheath_field must be one of {names}; got {sheath_field!r}")
    for name, model in (("magnetopause", magnetopause), ("bow_shock", bow_shock)):
        if not (isinstance(model, str) or callable(model)):
            raise InputError(f"{name} must be a model name or a boundary function, got {model!r}")
    n_hot = as_scalar(hot_density, u.cm**-3, "hot_density", positive=True)
    if isinstance(hot_temperature, u.Quantity):
        try:
            hot_temperature = hot_temperature.to(u.K, equivalencies=u.temperature_energy())
        except u.UnitConversionError:
            raise InputError(
                f"hot_temperature must be a temperature or an energy (kT), got {hot_temperature!r}"
            ) from None
    t_hot = as_scalar(hot_temperature, u.K, "hot_temperature", positive=True)
    gap_ns = np.timedelta64(int(as_scalar(max_record_gap, u.s, "max_record_gap", positive=True) * 1e9), "ns")
    level = _levels(kp, pos.shape[0])

    records = _records(solar_wind)
    single = isinstance(solar_wind, SolarWindState)
    if single:  # one state: grouped by the minute, so that the tilt follows the time
        index = np.zeros(t.size, dtype=np.int64)
        group_key = ((t - t.min()) // np.timedelta64(60, "s")).astype(np.int64)
        record_time = t
    else:
        lo, hi = records["time"][0], records["time"][-1]
        if (t < lo).any() or (t > hi).any():
            raise InputError(
                f"times {t.min()} .. {t.max()} reach outside the valid solar wind, {lo} .. {hi}; give a "
                "series that covers the track"
            )
        index = nearest_index(records["time"], t)
        record_time = records["time"][index]
        group_key = index
    quality = np.zeros(t.size, dtype=np.uint8)
    if not single:
        quality[np.abs(t - record_time) > gap_ns] |= 1

    to_gsm = rotation_matrix(t, "GSE", "GSM")
    pos_gsm = np.einsum("nij,nj->ni", to_gsm, pos)
    tilt_record = dipole_tilt_values(record_time)

    region = np.empty(t.size, dtype=np.int8)
    n_p = np.empty(t.size)
    temp = np.empty(t.size)
    v_gsm = np.zeros((t.size, 3))
    b_gsm = np.zeros((t.size, 3))
    r_mp = np.empty(t.size)
    r_bs = np.empty(t.size)
    order = np.argsort(group_key, kind="stable")
    bounds = np.flatnonzero(np.diff(group_key[order])) + 1
    groups = np.split(order, bounds)
    first = np.array([group[0] for group in groups])
    used = index[first]  # each group's record, checked at once rather than sheath by sheath
    speeds = np.array([np.linalg.norm(records["v_gse"][k]) for k in used])
    check_upstream_values(
        records["n"][used], speeds, records["t"][used], records["b_gsm"][used], tilt_record[first],
        record_time[first],
    )  # fmt: skip
    for group, k, speed, tilt in zip(groups, used, speeds, tilt_record[first], strict=True):
        sheath = Magnetosheath._from_checked(
            records["n"][k],
            speed,
            records["t"][k],
            records["b_gsm"][k],
            tilt,
            magnetopause=magnetopause,
            bow_shock=bow_shock,
        )
        x, y, z = pos_gsm[group].T
        n_g, vel_g, t_g, reg_g = sheath._evaluate(x, y, z)
        _, theta, phi = cartesian_to_angles(x, y, z)
        r_mp[group] = sheath._mp_kernel(theta, phi, **sheath._mp_params)
        r_bs[group] = sheath._bs_kernel(theta, phi, **sheath._bs_params)
        region[group], n_p[group], temp[group], v_gsm[group] = reg_g, n_g, t_g, vel_g
        in_sheath = reg_g == REGION_MAGNETOSHEATH
        if in_sheath.any():
            b_sheath, clipped = sheath_field_values(
                sheath, x[in_sheath], y[in_sheath], z[in_sheath], model=sheath_field
            )
            b_gsm[group[in_sheath]] = b_sheath
            quality[group[in_sheath][clipped]] |= 4
        upstream = reg_g == REGION_SOLAR_WIND
        b_gsm[group[upstream]] = sheath.b_gsm

    from_gsm = np.swapaxes(to_gsm, -1, -2)
    v_gse = np.einsum("nij,nj->ni", from_gsm, v_gsm)
    b_gse = np.einsum("nij,nj->ni", from_gsm, b_gsm)

    sw = region == REGION_SOLAR_WIND  # the record itself, with its own flow direction and B_GSE
    v_gse[sw] = records["v_gse"][index[sw]]
    v_gsm[sw] = np.einsum("nij,nj->ni", to_gsm[sw], v_gse[sw])
    if records.get("frame") == "GSE":  # the record's IMF in the frame it was measured in, rotated
        b_gse[sw] = records["b_gse"][index[sw]]  # at the sample's own time to the other frame
        b_gsm[sw] = np.einsum("nij,nj->ni", to_gsm[sw], b_gse[sw])

    hot = region == REGION_MAGNETOSPHERE
    n_p[hot], temp[hot] = n_hot, t_hot
    v_gse[hot], v_gsm[hot] = 0.0, 0.0
    inner = (region == REGION_MAGNETOSPHERE) | (region == REGION_CUSP)
    if inner.any():
        b_in = _igrf_in(pos[inner], t[inner], "GSE") + _t89_in(pos[inner], t[inner], "GSE", level[inner])
        b_gse[inner] = b_in
        b_gsm[inner] = np.einsum("nij,nj->ni", to_gsm[inner], b_in)
        r_in = radius[inner]
        quality[np.flatnonzero(inner)[(r_in < 4.0) | (r_in > 70.0)]] |= 2

    tilt_deg = np.degrees(dipole_tilt_values(t))
    kp_values = np.broadcast_to(np.asarray(kp, dtype=np.float64), t.shape).copy()
    vec = ("time", "component")
    ds = xr.Dataset(
        {
            "region": ("time", region),
            "position_gse": (vec, pos),
            "position_gsm": (vec, pos_gsm),
            "n_p": ("time", n_p),
            "n_alpha": ("time", float(alpha_ratio) * n_p),
            "v_gse": (vec, v_gse),
            "v_gsm": (vec, v_gsm),
            "t_p": ("time", temp),
            "t_alpha": ("time", float(alpha_temperature_ratio) * temp),
            "b_gse": (vec, b_gse),
            "b_gsm": (vec, b_gsm),
            "r_magnetopause": ("time", r_mp),
            "r_bow_shock": ("time", r_bs),
            "dipole_tilt": ("time", tilt_deg),
            "kp": ("time", kp_values),
            "quality": ("time", quality),
        },
        coords={"time": t, "component": _COMPONENTS},
    )
    meta = {
        "region": ("Region", "0 solar wind, 1 magnetosheath, 2 magnetosphere, 3 cusp (model truth)", "1"),
        "position_gse": ("Position GSE", "Spacecraft position, GSE", "RE"),
        "position_gsm": ("Position GSM", "Spacecraft position, GSM", "RE"),
        "n_p": ("Np", "Proton number density (model truth)", "cm^-3"),
        "n_alpha": ("Nalpha", "Alpha-particle number density (model truth)", "cm^-3"),
        "v_gse": ("V GSE", "Ion bulk velocity, GSE (model truth)", "km/s"),
        "v_gsm": ("V GSM", "Ion bulk velocity, GSM (model truth)", "km/s"),
        "t_p": ("Tp", "Proton temperature, isotropic (model truth)", "K"),
        "t_alpha": ("Talpha", "Alpha-particle temperature, isotropic (model truth)", "K"),
        "b_gse": ("B GSE", "Magnetic field, GSE (model truth)", "nT"),
        "b_gsm": ("B GSM", "Magnetic field, GSM (model truth)", "nT"),
        "r_magnetopause": ("R MP", "Magnetopause model radius along the sample direction (GSM)", "RE"),
        "r_bow_shock": ("R BS", "Bow-shock model radius along the sample direction (GSM)", "RE"),
        "dipole_tilt": ("Tilt", "Dipole tilt angle (positive: north pole sunward)", "deg"),
        "kp": ("Kp", "Kp given to T89c", "1"),
        "quality": (
            "Quality",
            "Quality bits (0 good): " + "; ".join(f"{b}: {w}" for b, w in QUALITY_BITS.items()),
            "1",
        ),
    }
    for name, (fieldnam, catdesc, units) in meta.items():
        ds[name].attrs.update(_attrs(fieldnam, catdesc, units, vector=ds[name].ndim == 2))
    ds["time"].attrs.update({"FIELDNAM": "Epoch", "CATDESC": "Sample time, UTC", "VAR_TYPE": "support_data"})
    ds["component"].attrs.update({"CATDESC": "Cartesian vector component", "VAR_TYPE": "metadata"})
    ds.attrs.update(
        {
            "title": "smilekit in situ truth: plasma and magnetic field along the track",
            "magnetopause_model": str(magnetopause),
            "bow_shock_model": str(bow_shock),
            "magnetosheath_plasma": "gas-dynamic sheath (smilekit.geospace.magnetosheath)",
            "magnetosheath_field": f"{sheath_field}: {SHEATH_FIELD_MODELS[sheath_field]}",
            "internal_field": "IGRF-14 to degree 13",
            "external_field": "Tsyganenko T89c",
            "hot_population": (
                f"uniform, isotropic, at rest: n = {n_hot:g} cm^-3, T = {t_hot:.4g} K (assumption)"
            ),
            "alpha_ratio": float(alpha_ratio),
            "alpha_temperature_ratio": float(alpha_temperature_ratio),
            "solar_wind_sampling": "nearest valid record",
            "time_standard": "UTC",
        }
    )
    return ds


def crossings(truth: xr.Dataset) -> xr.Dataset:
    """The region changes of a truth dataset: one row per change, on dimension ``crossing``.

    Variables: ``time`` (halfway between the last sample before and the first after), ``before`` and
    ``after`` (region codes), ``boundary`` (``"bow shock"`` between solar wind and magnetosheath,
    ``"magnetopause"`` between the magnetosheath and the magnetosphere or cusp, ``"cusp"`` between the
    magnetosphere and the cusp, ``"bow shock + magnetopause"`` where one step jumped both) and
    ``uncertainty`` (half the step, s).
    """
    if not isinstance(truth, xr.Dataset) or "region" not in truth or "time" not in truth.coords:
        raise InputError("crossings needs the Dataset of insitu_truth (with 'region' on 'time')")
    region = truth["region"].values.astype(np.int64)
    t = truth["time"].values
    if t.size > 1 and not (np.diff(t) > np.timedelta64(0, "ns")).all():
        k = int(np.flatnonzero(np.diff(t) <= np.timedelta64(0, "ns"))[0])
        raise InputError(
            f"crossings needs strictly increasing times; time {k + 1} ({t[k + 1]}) is not after {t[k]}"
        )
    k = np.flatnonzero(np.diff(region) != 0)
    before, after = region[k], region[k + 1]
    half = (t[k + 1] - t[k]) / 2
    names = []
    for a, b in zip(before, after, strict=True):
        pair = {int(a), int(b)}
        if pair == {REGION_SOLAR_WIND, REGION_MAGNETOSHEATH}:
            names.append("bow shock")
        elif REGION_MAGNETOSHEATH in pair:
            names.append("magnetopause")
        elif pair == {REGION_MAGNETOSPHERE, REGION_CUSP}:
            names.append("cusp")
        else:
            names.append("bow shock + magnetopause")
    return xr.Dataset(
        {
            "before": ("crossing", before.astype(np.int8)),
            "after": ("crossing", after.astype(np.int8)),
            "boundary": ("crossing", np.array(names, dtype=str)),
            "uncertainty": ("crossing", half / np.timedelta64(1, "s"), {"units": "s"}),
        },
        coords={"time": ("crossing", t[k] + half)},
    )
