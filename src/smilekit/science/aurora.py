"""Auroral oval boundaries: one threshold definition, applied to the model now and to UVI images later.

The boundary definition (:func:`field_boundaries`)
--------------------------------------------------
The oval's edges are where the precipitating **electron energy flux** crosses
:data:`ENERGY_FLUX_THRESHOLD`, 0.25 erg cm^-2 s^-1 (= 0.25 mW m^-2): the level at which the oval of the
Zhang & Paxton (2008) TIMED/GUVI model (:cite:`zhang2008`) is drawn by Sigernes et al. (2011,
:cite:`sigernes2011`) for auroral forecasts, the edge of aurora bright enough to image. On an image the same
edge is the LBH-long brightness :data:`LBH_THRESHOLD`, the energy-flux threshold times the yield
:data:`smilekit.geospace.fuv_emission.LBHL_YIELD` (125 R per erg cm^-2 s^-1, :cite:`germany1997`): 31 R. The
field (energy flux or brightness) on a regular grid of magnetic latitude x MLT is treated as follows:

1. **MLT sectors.** The field is averaged over MLT sectors of :data:`SECTOR_WIDTH` (1 h; 24 sectors, centres
   0.5-23.5 h), ignoring NaN (pixels not seen), as Carbary (2005, :cite:`carbary2005`) averages Polar UVI
   images into 1-h MLT sectors before reading boundaries off the latitude profiles.
2. **Runs above the threshold.** Along magnetic latitude, in each sector, the bins at or above the threshold
   form runs; runs narrower than :data:`MIN_WIDTH` (1 deg) are dropped (a morphological opening): the
   OVATION Prime 2010 fields hold isolated single-bin values above the threshold, at 50 deg on the dayside
   and in the polar cap, which are noise of the bin-by-bin regression, not oval (our choice, not published).
3. **Outermost crossings of the oval.** Remaining runs less than :data:`MAX_GAP` (2 deg) apart are
   joined (a double oval, a patchy edge); the oval is the group with the largest sum of the field over
   its bins; other runs (OVATION's low-latitude dayside patches at 50-56 deg) are not oval (our choice).
   The equatorward boundary is the lower edge of the oval's lowest run, the poleward boundary the upper
   edge of its highest, each placed where the profile crosses the threshold by linear interpolation
   between the two bin centres that straddle it.
4. **Flags.** Each boundary has a flag (``equatorward_flag``, ``poleward_flag``): 0, found; 1, the profile
   never reaches the threshold over :data:`MIN_WIDTH` (no oval in this sector: both boundaries NaN); 2, the
   run reaches the edge of the grid (the equatorward edge at or below the grid's lowest latitude, 50 deg for
   OVATION, or the poleward edge at the pole): that boundary is NaN, not the grid's edge.

Latitudes are AACGM-v2 (:mod:`smilekit.magnetic`; OVATION Prime's grid is AACGM, :cite:`newell2009`).
An AACGM latitude is constant along a field line, so the boundary latitudes hold at any emission altitude of
the layer (90-300 km); the emission altitude recorded with them,
:data:`smilekit.geospace.aurora.AURORA_ALTITUDE` (120 km), is the one the hemispheric power's bin areas use.

From the model (:func:`model_boundaries`)
-----------------------------------------
The electron energy flux of a :class:`smilekit.geospace.precipitation.PrecipitationModel` (by default
:class:`smilekit.geospace.ovation.OvationPrime2010`: diffuse + monoenergetic + broadband electrons, the ions
left out because they emit little LBH) driven hour by hour by a :class:`smilekit.solarwind.SolarWind`, put
through :func:`field_boundaries`, with the electron hemispheric power and the driver alongside.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.geospace.aurora import AURORA_ALTITUDE
from smilekit.geospace.fuv_emission import ENERGY_FLUX_UNIT, LBHL_YIELD
from smilekit.geospace.ovation import AVERAGE_HOURS, OvationPrime2010
from smilekit.geospace.precipitation import PrecipitationModel, bin_area
from smilekit.times import as_datetime64
from smilekit.units import RAYLEIGH

__all__ = [
    "ENERGY_FLUX_THRESHOLD",
    "FLAG_EDGE",
    "FLAG_FOUND",
    "FLAG_NONE",
    "FLAG_UNSEEN",
    "LBH_THRESHOLD",
    "MAX_GAP",
    "MIN_WIDTH",
    "SECTOR_WIDTH",
    "boundary_values",
    "field_boundaries",
    "image_boundaries",
    "image_hemispheric_power",
    "mean_boundary_difference",
    "model_boundaries",
]

#: Electron energy flux at the oval's edges (Zhang & Paxton 2008 as drawn by Sigernes et al. 2011).
ENERGY_FLUX_THRESHOLD = 0.25 * ENERGY_FLUX_UNIT
#: The same edge in LBH-long brightness: the threshold times the LBHl yield of ``fuv_emission``.
LBH_THRESHOLD = (ENERGY_FLUX_THRESHOLD * LBHL_YIELD).to(RAYLEIGH)
#: Width of the MLT sectors the field is averaged over (Carbary 2005's 1-h sectors).
SECTOR_WIDTH = 1.0 * u.h
#: Runs above the threshold narrower than this (in magnetic latitude) are not oval.
MIN_WIDTH = 1.0 * u.deg
#: Runs closer than this (in magnetic latitude) to the oval's main run belong to the oval.
MAX_GAP = 2.0 * u.deg
#: Flag values: boundary found; no run above the threshold in the sector; the run reaches the grid's edge.
FLAG_FOUND, FLAG_NONE, FLAG_EDGE = 0, 1, 2
_FLAG_ATTRS = {
    "flag_values": np.array([FLAG_FOUND, FLAG_NONE, FLAG_EDGE], dtype=np.int8),
    "flag_meanings": "found no_run_above_threshold beyond_grid_edge",
    "units": " ",
}
#: Times per model evaluation in :func:`model_boundaries` (bounds the memory: ~60 MB of fluxes a chunk).
_CHUNK = 1024


def _unit(text: str) -> u.UnitBase:
    """A field's ``units`` attribute as an astropy unit ("R" is the rayleigh here, not the rankine)."""
    if text.strip() in ("R", "Rayleigh", "rayleigh"):
        return RAYLEIGH
    return u.Unit(text)


def _sector_means(field: np.ndarray, mlt_h: np.ndarray, sector_h: float) -> tuple[np.ndarray, np.ndarray]:
    """NaN-ignoring means of ``field`` (..., nmlt) over MLT sectors; returns (means, sector centres)."""
    nsec = round(24.0 / sector_h)
    which = np.floor(np.mod(mlt_h, 24.0) / sector_h).astype(int) % nsec
    onehot = np.zeros((mlt_h.size, nsec))
    onehot[np.arange(mlt_h.size), which] = 1.0
    seen = np.isfinite(field)
    total = np.where(seen, field, 0.0) @ onehot
    count = seen.astype(float) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(count > 0, total / count, np.nan)
    return means, sector_h * (np.arange(nsec) + 0.5)


def _opened(mask: np.ndarray, n: int) -> np.ndarray:
    """Morphological opening of ``mask`` along its last axis: keep the runs of at least ``n`` True."""
    if n <= 1:
        return mask
    c = np.concatenate([np.zeros((*mask.shape[:-1], 1), int), np.cumsum(mask, axis=-1)], axis=-1)
    start = (c[..., n:] - c[..., :-n]) == n  # a full window starts at i (length N - n + 1)
    s = np.concatenate([np.zeros((*mask.shape[:-1], 1), int), np.cumsum(start, axis=-1)], axis=-1)
    j = np.arange(mask.shape[-1])
    hi = np.minimum(j, start.shape[-1] - 1) + 1
    lo = np.maximum(j - n + 1, 0)
    return (s[..., hi] - s[..., lo]) > 0


def _closed(mask: np.ndarray, n: int) -> np.ndarray:
    """Morphological closing along the last axis: fill the gaps of at most ``n`` False between True runs."""
    if n <= 0:
        return mask
    return ~_opened(np.pad(~mask, [(0, 0)] * (mask.ndim - 1) + [(1, 1)], constant_values=True), n + 1)[
        ..., 1:-1
    ]


def boundary_values(
    profile: np.ndarray, mlat_deg: np.ndarray, threshold: float, min_bins: int, gap_bins: int
):
    """The kernel of :func:`field_boundaries` on plain arrays.

    ``profile`` (..., nmlat) on increasing, regularly spaced ``mlat_deg`` (bin centres), compared with
    ``threshold`` in the same unit; runs of fewer than ``min_bins`` bins are dropped, and the oval is the
    remaining run holding the profile's peak joined with the runs at most ``gap_bins`` bins away. Returns
    ``(equatorward, poleward, equatorward_flag, poleward_flag)``, each of shape ``profile.shape[:-1]``
    (degrees, NaN where the flag is not :data:`FLAG_FOUND`).
    """
    n = profile.shape[-1]
    kept = _opened(profile >= threshold, min_bins)
    have = kept.any(axis=-1)
    joined = _closed(kept, gap_bins)
    starts = joined & ~np.concatenate([np.zeros((*joined.shape[:-1], 1), bool), joined[..., :-1]], axis=-1)
    label = np.cumsum(starts, axis=-1) * joined
    weight = np.where(kept, profile, 0.0)
    sums = np.stack(
        [np.where(label == k, weight, 0.0).sum(axis=-1) for k in range(1, int(label.max()) + 2)], -1
    )
    main = np.argmax(sums, axis=-1) + 1
    keep = kept & (label == main[..., None])
    lo = np.argmax(keep, axis=-1)
    hi = n - 1 - np.argmax(keep[..., ::-1], axis=-1)
    step = mlat_deg[1] - mlat_deg[0]

    def crossing(inside, outside, sign):
        f_in = np.take_along_axis(profile, inside[..., None], axis=-1)[..., 0]
        f_out = np.take_along_axis(profile, outside[..., None], axis=-1)[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (f_in - threshold) / (f_in - f_out)  # 0 at the inside centre, 1 at the outside one
        frac = np.where(np.isfinite(f_out), np.clip(frac, 0.0, 1.0), 0.5)  # not seen: the bin edge
        return mlat_deg[inside] + sign * step * frac

    eq_edge = lo == 0
    pole_edge = hi == n - 1
    eq = crossing(lo, np.maximum(lo - 1, 0), -1.0)
    pole = crossing(hi, np.minimum(hi + 1, n - 1), 1.0)
    eq_flag = np.where(~have, FLAG_NONE, np.where(eq_edge, FLAG_EDGE, FLAG_FOUND)).astype(np.int8)
    pole_flag = np.where(~have, FLAG_NONE, np.where(pole_edge, FLAG_EDGE, FLAG_FOUND)).astype(np.int8)
    return (
        np.where(eq_flag == FLAG_FOUND, eq, np.nan),
        np.where(pole_flag == FLAG_FOUND, pole, np.nan),
        eq_flag,
        pole_flag,
    )


def field_boundaries(
    field: xr.DataArray, threshold, *, sector=SECTOR_WIDTH, min_width=MIN_WIDTH, max_gap=MAX_GAP
) -> xr.Dataset:
    """Equatorward and poleward oval boundaries of a field on (mlat, mlt), by MLT sector.

    The definition is the module docstring's: sector means, runs at or above ``threshold`` at least
    ``min_width`` wide, outermost crossings, flags.

    Parameters
    ----------
    field : xarray.DataArray
        Electron energy flux or LBH brightness with dims ``mlat`` (deg, bin centres, regular, one
        hemisphere) and ``mlt`` (h, bin centres) last or anywhere, other dims (e.g. ``time``) kept; a
        ``units`` attribute that ``threshold`` converts to; NaN where not seen.
    threshold : astropy.units.Quantity
        :data:`ENERGY_FLUX_THRESHOLD` for an energy flux, :data:`LBH_THRESHOLD` for a brightness.
    sector, min_width, max_gap : astropy.units.Quantity
        MLT sector width (dividing 24 h), the narrowest run that counts (at least one bin), and the widest
        gap across which runs are joined to the oval.

    Returns
    -------
    xarray.Dataset
        ``equatorward_mlat``, ``poleward_mlat`` (deg; ``|mlat|``, positive in both hemispheres) and their
        ``*_flag`` on the field's other dims and ``mlt`` (sector centres, h).

    Examples
    --------
    >>> import astropy.units as u, numpy as np, xarray as xr
    >>> mlat = np.arange(50.25, 90, 0.5)
    >>> flux = np.exp(-0.5 * ((mlat - 67.0) / 2.0) ** 2)[:, None] * np.ones(96)   # 1 erg peak at 67 deg
    >>> f = xr.DataArray(flux, dims=("mlat", "mlt"), coords={"mlat": mlat, "mlt": np.arange(96) / 4 + 0.125},
    ...                  attrs={"units": "erg cm^-2 s^-1"})
    >>> b = field_boundaries(f, ENERGY_FLUX_THRESHOLD)
    >>> print(round(float(b.equatorward_mlat[0]), 1), round(float(b.poleward_mlat[0]), 1))
    63.7 70.3
    """
    if not isinstance(field, xr.DataArray) or not {"mlat", "mlt"} <= set(field.dims):
        raise InputError("field_boundaries: field must be an xarray.DataArray with dims 'mlat' and 'mlt'")
    if "units" not in field.attrs:
        raise InputError("field_boundaries: field has no 'units' attribute to compare the threshold with")
    try:
        unit = _unit(str(field.attrs["units"]))
    except ValueError:
        raise InputError(f"field_boundaries: units {field.attrs['units']!r} are not understood") from None
    thr = float(as_value(threshold, unit, "threshold", positive=True))
    sec = float(as_value(sector, u.h, "sector", positive=True))
    if abs(24.0 / sec - round(24.0 / sec)) > 1e-9:
        raise InputError(f"field_boundaries: sector {sec} h does not divide 24 h")
    mlat = field["mlat"].values.astype(float)
    sign = 1.0 if mlat.mean() > 0 else -1.0
    order = np.argsort(sign * mlat)
    alat = sign * mlat[order]
    step = np.diff(alat)
    if alat.size < 2 or np.any(np.abs(step - step[0]) > 1e-6 * abs(step[0])) or step[0] <= 0:
        raise InputError("field_boundaries: mlat must be regularly spaced bin centres in one hemisphere")
    width = float(as_value(min_width, u.deg, "min_width", nonnegative=True))
    min_bins = max(1, int(np.ceil(width / step[0] - 1e-9)))
    gap = float(as_value(max_gap, u.deg, "max_gap", nonnegative=True))
    gap_bins = int(np.floor(gap / step[0] + 1e-9))
    other = [d for d in field.dims if d not in ("mlat", "mlt")]
    values = field.transpose(*other, "mlat", "mlt").values[..., order, :].astype(float)
    means, centres = _sector_means(values, field["mlt"].values.astype(float), sec)  # (..., nmlat, nsec)
    eq, pole, eqf, polef = boundary_values(np.moveaxis(means, -1, -2), alat, thr, min_bins, gap_bins)
    dims = (*other, "mlt")
    coords = {d: field[d] for d in other if d in field.coords}
    coords["mlt"] = ("mlt", centres, {"units": "h", "CATDESC": "magnetic local time, sector centre"})
    definition = (
        f"outermost crossings of {thr:g} {field.attrs['units']} along |MLAT| in {sec:g}-h MLT sector means, "
        f"runs narrower than {width:g} deg dropped, "
        f"runs within {gap:g} deg joined, the group of largest summed field kept (smilekit.science.aurora)"
    )
    mlat_attrs = {"units": "deg", "VALIDMIN": 0.0, "VALIDMAX": 90.0}
    return xr.Dataset(
        {
            "equatorward_mlat": (
                dims,
                eq,
                {**mlat_attrs, "CATDESC": "equatorward oval boundary, AACGM-v2 |MLAT|"},
            ),
            "poleward_mlat": (
                dims,
                pole,
                {**mlat_attrs, "CATDESC": "poleward oval boundary, AACGM-v2 |MLAT|"},
            ),
            "equatorward_flag": (dims, eqf, {**_FLAG_ATTRS, "CATDESC": "equatorward boundary flag"}),
            "poleward_flag": (dims, polef, {**_FLAG_ATTRS, "CATDESC": "poleward boundary flag"}),
        },
        coords=coords,
        attrs={
            "boundary_definition": definition,
            "threshold": thr,
            "threshold_units": str(field.attrs["units"]),
        },
    )


def _electron_flux(model: PrecipitationModel, times, solar_wind) -> xr.Dataset:
    if isinstance(model, OvationPrime2010):  # the fast path: electrons only, no number fluxes
        ds = model.precipitation(
            times, solar_wind, populations=("diffuse", "monoenergetic", "broadband"), number_flux=False
        )
    else:
        ds = model.precipitation(times, solar_wind, hemisphere="north")
    names = [n for n in ds.data_vars if str(n).endswith("_energy_flux") and not str(n).startswith("ion")]
    if not names:
        raise InputError(
            f"model_boundaries: {model.name or type(model).__name__} gave no electron energy flux"
        )
    total = sum(ds[n] for n in names)
    total.attrs = {"units": ds[names[0]].attrs.get("units", "erg cm^-2 s^-1")}
    return ds.assign(electron_energy_flux=total)


def model_boundaries(
    times, solar_wind, *, model: PrecipitationModel | None = None, threshold=ENERGY_FLUX_THRESHOLD
) -> xr.Dataset:
    """Oval boundaries of the northern hemisphere from a precipitation model driven by the solar wind.

    The model's electron energy flux (diffuse + monoenergetic + broadband for OVATION Prime 2010,
    :cite:`newell2010`, driven by the 4-h weighted Newell coupling,
    :func:`smilekit.geospace.ovation.averaged_coupling`) at each time, through :func:`field_boundaries`.

    Parameters
    ----------
    times : array of datetimes
        Any times inside the solar wind series (each needs a valid record in the 4 h before it).
    solar_wind : smilekit.solarwind.SolarWind
    model : PrecipitationModel, optional
        Default :class:`~smilekit.geospace.ovation.OvationPrime2010`.
    threshold : astropy.units.Quantity
        Electron energy flux at the edge (default :data:`ENERGY_FLUX_THRESHOLD`).

    Returns
    -------
    xarray.Dataset
        ``equatorward_mlat``, ``poleward_mlat`` (deg, AACGM-v2) and ``equatorward_flag``,
        ``poleward_flag`` on ``(time, mlt)`` (``mlt``: 24 sector centres, 0.5-23.5 h); ``electron_power``
        (GW, the electron hemispheric power at :data:`~smilekit.geospace.aurora.AURORA_ALTITUDE`) and the
        model's driver ``coupling`` on ``time``, with (OVATION Prime 2010) ``hours_used``, the hours of its
        4-h averaging window that held solar wind (fewer than 4 after a gap or near the series' start: the
        driver is then the average of those hours only).

    Raises
    ------
    InputError
        A time outside the solar wind series, or a time with no valid solar wind in the model's averaging
        window (a gap longer than the window): the message names the times and why.

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> from smilekit.solarwind import read_omni2
    >>> sw = read_omni2(data_path("omni/omni2_2000.dat"))
    >>> b = model_boundaries(["2000-07-15T21:00", "2000-07-17T21:00"], sw)
    >>> b["equatorward_mlat"].sel(mlt=0.5).round(1).values.tolist()
    [51.3, 63.0]
    """
    model = OvationPrime2010() if model is None else model
    if not isinstance(model, PrecipitationModel):
        raise InputError(f"model must be a PrecipitationModel, got {type(model).__name__}")
    t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"model_boundaries: times must be a non-empty 1-D array, got shape {t.shape}")
    parts, powers, drivers = [], [], []
    altitude = float(AURORA_ALTITUDE.to_value(u.km))
    for start in range(0, t.size, _CHUNK):
        try:
            ds = _electron_flux(model, t[start : start + _CHUNK], solar_wind)
        except InputError as err:
            raise InputError(f"model_boundaries: {err}") from None
        flux = ds["electron_energy_flux"]
        parts.append(field_boundaries(flux, threshold))
        area = bin_area(ds["mlat"].values, ds.attrs["mlat_bin_width"], ds.attrs["mlt_bin_width"], altitude)
        powers.append((flux.values * area[:, None]).sum(axis=(1, 2)) * 1e-12)
        if "coupling" in ds:
            drivers.append(ds[["coupling", "hours_used"]] if "hours_used" in ds else ds[["coupling"]])
    out = xr.concat(parts, dim="time", data_vars="all", coords="minimal", compat="override", join="override")
    out["electron_power"] = (
        "time",
        np.concatenate(powers),
        {"units": "GW", "CATDESC": "electron hemispheric power"},
    )
    if drivers:
        driver = xr.concat(drivers, dim="time")
        out["coupling"] = driver["coupling"]
        if "hours_used" in driver:
            out["hours_used"] = driver["hours_used"].assign_attrs(
                units="h", CATDESC=f"hours of the model's {AVERAGE_HOURS}-h driver window holding solar wind"
            )
    out.attrs.update(
        model=model.name,
        hemisphere="north",
        emission_altitude_km=altitude,
        coordinates="AACGM-v2 magnetic latitude and MLT",
    )
    return out


# ---------------------------------------------------------------------------------------------------
# From a UVI image (level 2)
# ---------------------------------------------------------------------------------------------------
#: Boundary flag of an image: the bins that straddle the crossing (or the whole sector) were not seen.
FLAG_UNSEEN = 3


def _l2_field(l2) -> xr.DataArray:
    if not isinstance(l2, xr.Dataset) or not {"brightness", "brightness_err"} <= set(l2.data_vars):
        raise InputError(
            "l2 must be the Dataset of smilekit.instruments.uvi.l2.make_l2 (brightness, brightness_err)"
        )
    if not {"mlat", "mlt"} <= set(l2["brightness"].dims):
        raise InputError("l2: brightness must be on dims ('mlat', 'mlt')")
    for name in ("brightness", "brightness_err"):
        if np.isinf(l2[name].values).any():
            raise InputError(
                f"l2: {name} holds {int(np.isinf(l2[name].values).sum())} infinite value(s); an L2 map holds "
                "finite values where a bin was seen and NaN where it was not"
            )
    return l2["brightness"].transpose("mlat", "mlt")


def _bin_errors(l2) -> tuple[np.ndarray, np.ndarray]:
    """The L2 map's ``brightness_err`` and its ``dayglow_err`` part on (mlat, mlt); an L2 without the
    second (a file of an earlier version) has it 0."""
    err = l2["brightness_err"].transpose("mlat", "mlt").values
    if "dayglow_err" not in l2:
        return err, np.zeros_like(err)
    common = np.minimum(l2["dayglow_err"].transpose("mlat", "mlt").values, err)  # rounding: never above
    return err, common


def image_boundaries(l2, *, threshold=LBH_THRESHOLD, sector=SECTOR_WIDTH) -> xr.Dataset:
    """Equatorward and poleward oval boundaries of one UVI frame, by MLT sector, with uncertainties.

    The definition is the model's (:func:`field_boundaries`, module docstring) applied to the L2
    vertical-column LBH brightness (:func:`smilekit.instruments.uvi.l2.make_l2`) at ``threshold``, by default
    :data:`LBH_THRESHOLD` (31 R: the model's 0.25 erg cm^-2 s^-1 times the LBHl yield, :cite:`germany1997`),
    so that image and model boundaries are the same quantity.

    **Uncertainty.** The error of a sector's mean profile (``sigma_s``, from the L2 bins' errors: the sector
    mean of ``n`` covered bins has the variance ``sum(sigma^2 - d^2) / n^2 + (sum(d) / n)^2``, ``d`` the
    bins' ``dayglow_err``, the one error of the dayglow amplitude that every bin shares) is propagated by
    finding the boundaries again in the profile raised and lowered by ``sigma_s``: the error is half the
    shift between the two (or the one shift where the other finds no boundary). It is the threshold
    crossing's sensitivity to the noise and the dayglow, not a bootstrap; the PSF blur (about a 1-deg
    latitude bin at 15 RE) is a bias, not included.

    **Coverage.** A boundary is set NaN and flagged :data:`FLAG_UNSEEN` (3) where one of the two latitude bins
    that straddle it was not seen in the sector, or where the sector was not seen at all, so that an edge of
    the image is never taken for an edge of the oval.

    Parameters
    ----------
    l2 : xarray.Dataset
        :func:`~smilekit.instruments.uvi.l2.make_l2` of one frame.
    threshold : Quantity
        Brightness at the edge (default :data:`LBH_THRESHOLD`).
    sector : Quantity
        MLT sector width (default 1 h).

    Returns
    -------
    xarray.Dataset
        As :func:`field_boundaries` on ``mlt`` (sector centres), plus ``equatorward_mlat_err`` and
        ``poleward_mlat_err`` (deg) and ``sector_coverage`` (fraction of the sector's bins at or above 50 deg
        seen); flags 0 found, 1 no run above the threshold, 2 beyond the grid's edge, 3 not seen.
    """
    field = _l2_field(l2)
    err, common = _bin_errors(l2)
    sec = float(as_value(sector, u.h, "sector", positive=True))
    mlt = field["mlt"].values.astype(float)
    seen = np.isfinite(field.values)
    nsec = round(24.0 / sec)
    which = np.floor(np.mod(mlt, 24.0) / sec).astype(int) % nsec
    onehot = np.zeros((mlt.size, nsec))
    onehot[np.arange(mlt.size), which] = 1.0
    count = seen.astype(float) @ onehot  # (nmlat, nsec)
    vsum = np.where(seen, err * err - common * common, 0.0) @ onehot  # the independent noise
    csum = np.where(seen, common, 0.0) @ onehot  # the dayglow amplitude's, one draw for every bin
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma_sec = np.where(count > 0, np.sqrt(vsum + csum * csum) / count, np.nan)
    sigma = sigma_sec[:, which]  # back on the bins: the sector mean of field +- sigma is mean +- sigma_s
    out = field_boundaries(field, threshold, sector=sector)
    up = field_boundaries(field + sigma, threshold, sector=sector)
    down = field_boundaries(field - sigma, threshold, sector=sector)
    mlat = np.abs(field["mlat"].values.astype(float))
    step = abs(float(mlat[1] - mlat[0]))
    covered_sec = count > 0
    for name in ("equatorward", "poleward"):
        b = out[f"{name}_mlat"].values.copy()
        flag = out[f"{name}_flag"].values.copy()
        d_up = np.abs(up[f"{name}_mlat"].values - b)
        d_dn = np.abs(down[f"{name}_mlat"].values - b)
        with np.errstate(invalid="ignore"):
            e = np.where(np.isfinite(d_up) & np.isfinite(d_dn), 0.5 * (d_up + d_dn), np.fmax(d_up, d_dn))
        # the two bins straddling the crossing must have been seen in the sector
        k = np.where(np.isfinite(b), np.floor((np.nan_to_num(b) - mlat[0]) / step), 0).astype(int)
        k0 = np.clip(k, 0, mlat.size - 1)
        k1 = np.clip(k + 1, 0, mlat.size - 1)
        cols = np.arange(nsec)
        straddle_seen = covered_sec[k0, cols] & covered_sec[k1, cols]
        unseen = (np.isfinite(b) & ~straddle_seen) | ~covered_sec.any(axis=0)
        flag[unseen] = FLAG_UNSEEN
        b[unseen] = np.nan
        e[~np.isfinite(b)] = np.nan
        out[f"{name}_mlat"].values[:] = b
        out[f"{name}_flag"].values[:] = flag
        out[f"{name}_mlat_err"] = ("mlt", e, {"units": "deg", "CATDESC": f"1-sigma error of {name}_mlat"})
    for name in ("equatorward_flag", "poleward_flag"):
        out[name].attrs.update(
            flag_values=np.array([FLAG_FOUND, FLAG_NONE, FLAG_EDGE, FLAG_UNSEEN], dtype=np.int8),
            flag_meanings="found no_run_above_threshold beyond_grid_edge not_seen",
        )
    out["sector_coverage"] = (
        "mlt",
        count.sum(axis=0) / (count.shape[0] * onehot.sum(axis=0)),  # seen bins of the sector's bins
        {"units": "1", "CATDESC": "fraction of bins seen"},
    )
    out.attrs.update({k: l2.attrs[k] for k in ("time", "dayglow_method") if k in l2.attrs})
    return out


def mean_boundary_difference(image: xr.Dataset, model: xr.Dataset, name: str) -> float:
    """Mean of image minus model boundary latitude (deg) over the MLT sectors where both are found.

    ``image`` is :func:`image_boundaries`' result, ``model`` one time of :func:`model_boundaries`' and
    ``name`` ``"equatorward"`` or ``"poleward"``; NaN where no sector has both.
    """
    d = image[f"{name}_mlat"].values - model[f"{name}_mlat"].values
    d = d[np.isfinite(d)]
    return float(d.mean()) if d.size else math.nan


def image_hemispheric_power(l2) -> xr.Dataset:
    """Electron hemispheric power from one UVI frame: LBH brightness -> energy flux, over the area seen.

    The vertical-column brightness of each L2 bin is divided by the LBHl yield
    (:data:`smilekit.geospace.fuv_emission.LBHL_YIELD`, 125 R per erg cm^-2 s^-1, :cite:`germany1997`),
    the inverse of the model's emission, and summed times the bin areas (spherical zones at the L2's
    emission altitude, :func:`smilekit.geospace.precipitation.bin_area`, as the model's power is) over the
    bins **seen**; the noise is included as it is (negative bins too), so that it averages out.

    What is missed: the power of the bins not seen (``covered_fraction`` gives the seen share of the bins
    at or above 50 deg, ``covered_area_fraction`` the share of their area), which is not filled in; the
    O2 absorption of hard precipitation (the brightness of 20 keV electrons is ~20 % below the unabsorbed
    yield's, so their power is under-counted by as much); the ions (which emit little LBH); and the
    power equatorward of 50 deg MLAT. The error is the bins' noise, independent, and the dayglow
    amplitude's error (the L2's ``dayglow_err``), the same in every bin and so summed before it is squared.

    Returns
    -------
    xarray.Dataset
        Scalars ``electron_power`` and ``electron_power_err`` (GW), ``covered_area_fraction``; attrs ``time``
        and ``flag``: "" when some bin was seen, else the reason, and then the power and its error are NaN
        (not the 0 GW of an empty sum).
    """
    field = _l2_field(l2)
    err, common = _bin_errors(l2)
    y = LBHL_YIELD.to_value(RAYLEIGH / (u.erg / (u.cm**2 * u.s)))
    dl = float(l2.attrs.get("mlat_bin_width", abs(field["mlat"].values[1] - field["mlat"].values[0])))
    dt = float(l2.attrs.get("mlt_bin_width", field["mlt"].values[1] - field["mlt"].values[0]))
    h = float(l2.attrs.get("altitude_km", AURORA_ALTITUDE.to_value(u.km)))
    area = bin_area(field["mlat"].values, dl, dt, h)[:, None] * np.ones(field.shape[1])  # m^2
    seen = np.isfinite(field.values)
    q = np.where(seen, field.values / y, 0.0)  # erg cm^-2 s^-1 = mW m^-2
    power = float(np.sum(q * area)) * 1e-12  # mW -> GW
    noise_var = np.sum(np.where(seen, err * err - common * common, 0.0) / y**2 * area**2)
    common_sum = np.sum(np.where(seen, common / y, 0.0) * area)  # one draw of the dayglow amplitude
    perr = float(np.sqrt(noise_var + common_sum**2)) * 1e-12
    flag = ""
    if not seen.any():
        low = float(np.abs(field["mlat"].values).min())
        flag = f"no bin of the L2 map (at or above {low:g} deg MLAT) was seen: the power is unknown"
        power = perr = math.nan
    return xr.Dataset(
        {
            "electron_power": (
                (),
                power,
                {"units": "GW", "CATDESC": "electron hemispheric power, area seen"},
            ),
            "electron_power_err": (
                (),
                perr,
                {"units": "GW", "CATDESC": "1-sigma error (noise and dayglow amplitude)"},
            ),
            "covered_area_fraction": ((), float(area[seen].sum() / area.sum()), {"units": "1"}),
        },
        attrs={**{k: l2.attrs[k] for k in ("time",) if k in l2.attrs}, "flag": flag},
    )
