"""OVATION Prime 2010: auroral precipitation driven by the solar wind (Newell et al. 2009, 2010).

OVATION Prime (:cite:`newell2009`, :cite:`newell2010`) fits, in every bin of magnetic latitude (MLAT) and
magnetic local time (MLT), the flux of each of four auroral populations (diffuse, monoenergetic and
broadband electrons, and ions) linearly to the Newell et al. (2007) coupling function dPhi/dt
(:cite:`newell2007`), separately for four seasons. The coefficients are those of the NOAA OVATION Prime
2010 release, shipped in ``data/aurora/ovation_prime/`` (see ``data/PROVENANCE.md``).

What the files hold (read from them, see :func:`read_coefficients`)
--------------------------------------------------------------------
Each ``{season}_{type}.txt`` (``type`` one of ``diff``, ``mono``, ``wave``, ``ions`` for energy flux and
``diff_n``, ``mono_n``, ``wave_n`` for number flux) has a header line and then 96 x 160 rows
``i_mlt j_mlat b1 b2 rF``: 96 MLT bins of 15 min and 160 MLAT bins, of which j = 0-79 are the southern
hemisphere and j = 80-159 the northern, each running from 50 to 90 deg ``|MLAT|`` in 0.5 deg steps. (The
northern half has the known data gap of the release at dawn/midnight below ~65 deg, where the
coefficients are 0; a summer file holds more dayside flux than the winter file in *both* halves, so each
file holds the local season of each hemisphere.) Each ``{season}_prob_b_{type}.txt`` (electrons only)
holds 96 x 160 rows ``b1p b2p`` in the same bin order, then 12 x 96 x 160 tabulated probabilities, the
coupling-strength bin varying slowest.

The model, bin by bin (for a season s)
--------------------------------------
* flux = b1 + b2 dPhi/dt for ions;
* flux = (b1 + b2 dPhi/dt) p for electrons, p = b1p + b2p dPhi/dt clipped to [0, 1], the probability
  that the population is seen (:cite:`newell2010`); where b1p = b2p = 0 the tabulated probability of the
  coupling bin floor(dPhi/dt / (4421 / 8)) (0-11; 4421 is the mean dPhi/dt) is used, and where that is 0
  the mean of its two neighbouring coupling bins;
* the caps of the release: negative fluxes become 0; electron energy flux above 10 erg cm^-2 s^-1
  becomes 0.5 and between 5 and 10 becomes 5; electron number flux above 2e9 cm^-2 s^-1 becomes 1e9;
  ion energy flux above 2 becomes 2 (ion number flux is not shipped);
* seasons: weights linear in day of year between the four season centres, day 79 (spring), 171
  (summer), 263 (fall), 354 (winter), two non-zero weights summing to 1 (:func:`season_weights`). The
  southern hemisphere uses its local season, the day of year shifted by half a year. (The IDL release
  says "call with doy = 365 - actual doy" for the south; that mirrors the year about 1 January rather than
  shifting it, which would give June the southern summer's fluxes, so we shift.)
* the northern dawn/midnight wedge: the release fills the northern data gap before combining the
  hemispheres. In each ring from 49 to 67 deg MLAT, the bins between -1 and 4 h MLT (23-04 MLT) whose capped
  flux is not above 0 are missing; they and the 6 bins (1.5 h) beyond each end of the missing span (poorly
  sampled next to the gap) are replaced by the flux interpolated linearly in MLT between the nearest
  remaining bins of the ring, per season and flux type (:func:`fill_northern_wedge`; the release's constants
  as OvationPyme documents them, its ``interp_wedge``, which keeps the IDL's 67 deg in a comment and raises
  it to 75). Without it the northern gap (the coefficients are 0 there, and the southern fluxes are low in
  the same bins) leaves a notch in the oval at 01-03 MLT: the 0.25 erg cm^-2 s^-1 edge there stood 2-3 deg
  poleward of its neighbours at Kp 4.5-8 over 2000 (tests/science/test_aurora_statistics.py);
* hemispheres: as the IDL release does by default (its ``n_or_s = 3``, "in effect the only option that
  works"), the two hemispheres' fluxes are averaged bin by bin (``combine_hemispheres=True``); where one
  hemisphere has no data in a bin (b1 = b2 = 0, and not filled as above) the other's value is used alone
  (as the GITM port of the release, its ``ModNewell``, does).

The driver (:func:`averaged_coupling`)
--------------------------------------
dPhi/dt = V^(4/3) B_T^(2/3) sin^(8/3)(theta_c / 2) in (km/s)^(4/3) nT^(2/3), without rescaling: the
coupling bins of the release are multiples of 4421 / 8, and 4421 is the mean of dPhi/dt in these units
(:cite:`newell2007`). It is averaged over the 4 hours before each time: hourly means of the records in
(t - (k + 1) h, t - k h], k = 0..3, weighted 0.65^k, as the OVATION Prime 2010 release does (the weighted
average of the NOAA code, reproduced by OvationPyme's ``calc_avg_solarwind``; :cite:`newell2010`).
Hours with no valid record are left out and the weights renormalised; a time with no valid record in
its whole 4-hour window, or outside the series, is an :class:`~smilekit.errors.InputError`.

Grid: MLAT bin centres 50.25-89.75 deg (0.5 deg bins; negative in the south) and MLT bin centres
0.125-23.875 h (15-min bins).
"""

from __future__ import annotations

import gzip
from functools import cache

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._data import data_path
from smilekit._validation import as_value, check_range
from smilekit.errors import InputError
from smilekit.geospace.precipitation import ENERGY_FLUX_UNITS, NUMBER_FLUX_UNITS, PrecipitationModel
from smilekit.solarwind.series import PRIMARY_VARIABLES, SolarWind
from smilekit.times import as_datetime64

__all__ = [
    "COUPLING_UNIT",
    "MAX_COUPLING",
    "N_MLAT",
    "N_MLT",
    "SEASONS",
    "OvationPrime2010",
    "averaged_coupling",
    "fill_northern_wedge",
    "read_coefficients",
    "season_weights",
    "window_hours",
]

#: The unit of the Newell coupling function in which OVATION Prime's coefficients are fitted.
COUPLING_UNIT = u.km ** (4.0 / 3.0) * u.s ** (-4.0 / 3.0) * u.nT ** (2.0 / 3.0)
#: An upper bound of dPhi/dt (in :data:`COUPLING_UNIT`) over every solar wind a
#: :class:`~smilekit.solarwind.SolarWind` accepts: the VALIDMAX of the speed, 3000 km/s, and of each field
#: component, 1000 nT, so B_T <= sqrt(2) x 1000 nT, and sin <= 1: 5.4e6, 1200 times OVATION's mean of 4421.
#: A larger coupling comes from no solar wind.
MAX_COUPLING = float(
    PRIMARY_VARIABLES["v_gse"]["VALIDMAX"] ** (4.0 / 3.0)
    * (np.sqrt(2.0) * PRIMARY_VARIABLES["b_gsm"]["VALIDMAX"]) ** (2.0 / 3.0)
)
#: The seasons of the coefficient sets, in the order of :func:`season_weights`' columns.
SEASONS = ("winter", "spring", "summer", "fall")
#: Day of year at the centre of each season (same order as :data:`SEASONS`).
SEASON_CENTRES = np.array([354.0, 79.0, 171.0, 263.0])
#: Bins per hemisphere: 80 MLAT bins of 0.5 deg from 50 to 90 deg; 96 MLT bins of 15 min.
N_MLAT, N_MLT = 80, 96
MLAT_WIDTH, MLT_WIDTH = 0.5, 0.25
#: The averaging of the driver: hours before the time, and the weight ratio per hour.
AVERAGE_HOURS, AVERAGE_DECAY = 4, 0.65
#: The coupling-strength bins of the tabulated probabilities: width 4421 / 8, 12 bins.
DPHI_BIN, N_DPHI_BINS = 4421.0 / 8.0, 12

#: The northern wedge filled by :func:`fill_northern_wedge`: MLT span (h, -1 = 23 MLT), MLAT span (deg), and
#: the bins beyond each end of the missing span that are refilled too.
WEDGE_MLT, WEDGE_MLAT, WEDGE_MARGIN = (-1.0, 4.0), (49.0, 67.0), 6

#: OVATION populations: (file stem, output name, has probability files).
POPULATIONS = {"diff": "diffuse", "mono": "monoenergetic", "wave": "broadband", "ions": "ion"}
_FOLDER = "aurora/ovation_prime"
_CHUNK = 512


def _numbers(name: str) -> np.ndarray:
    with gzip.open(data_path(f"{_FOLDER}/{name}.txt.gz"), "rb") as f:
        return np.array(f.read().split(), dtype=float)


@cache
def read_coefficients(season: str, kind: str) -> dict[str, np.ndarray]:
    """The coefficients of one season and one file type, as arrays of shape (96 MLT, 160 MLAT).

    ``kind`` is a file type of the release: ``diff``, ``mono``, ``wave``, ``ions`` (energy flux),
    ``diff_n``, ``mono_n``, ``wave_n`` (number flux) or ``prob_b_diff``, ``prob_b_mono``,
    ``prob_b_wave``. Returns ``b1``, ``b2`` (flux files) or ``b1p``, ``b2p`` and ``table``
    (12, 96, 160) (probability files). MLAT index 0-79 is the south, 80-159 the north (see the module
    docstring). Read once per process.
    """
    if season not in SEASONS:
        raise InputError(f"season {season!r} is not one of {SEASONS}")
    nbin = N_MLT * 2 * N_MLAT
    values = _numbers(f"{season}_{kind}")[6:]
    if kind.startswith("prob_b_"):
        if values.size != nbin * (2 + N_DPHI_BINS):
            raise InputError(f"{season}_{kind}: {values.size} numbers, {nbin * 14} expected")
        pair = values[: 2 * nbin].reshape(N_MLT, 2 * N_MLAT, 2)
        table = values[2 * nbin :].reshape(N_DPHI_BINS, N_MLT, 2 * N_MLAT)
        return {"b1p": pair[..., 0].copy(), "b2p": pair[..., 1].copy(), "table": table}
    rows = values.reshape(-1, 5)
    i, j = rows[:, 0].astype(int), rows[:, 1].astype(int)
    if rows.shape[0] != nbin or not (
        np.all(i == np.repeat(np.arange(N_MLT), 2 * N_MLAT))
        and np.all(j == np.tile(np.arange(2 * N_MLAT), N_MLT))
    ):
        raise InputError(f"{season}_{kind}: the bins are not the 96 x 160 MLT-major grid expected")
    return {"b1": rows[:, 2].reshape(N_MLT, -1), "b2": rows[:, 3].reshape(N_MLT, -1)}


def season_weights(doy) -> np.ndarray:
    """Weights of the four seasonal coefficient sets (:data:`SEASONS` order) for day(s) of year ``doy``.

    Linear in day of year between the season centres 354 (winter), 79 (spring), 171 (summer) and 263
    (fall), as the OVATION Prime 2010 release weights its seasons (:cite:`newell2010`); periodic with a
    365-day year. Returns shape ``doy.shape + (4,)``; each row has at most two non-zero weights summing
    to 1.

    Examples
    --------
    >>> season_weights([79, 125, 171]).round(3).tolist()
    [[0.0, 1.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 1.0, 0.0]]
    """
    d = np.asarray(doy, dtype=float)
    # centres in increasing order over one period: spring 79, summer 171, fall 263, winter 354, spring 444
    centres = np.array([79.0, 171.0, 263.0, 354.0, 444.0])
    order = np.array([1, 2, 3, 0, 1])  # column in SEASONS of each centre
    x = np.where(d < 79.0, d + 365.0, d)
    k = np.clip(np.searchsorted(centres, x, side="right") - 1, 0, 3)
    frac = (x - centres[k]) / (centres[k + 1] - centres[k])
    out = np.zeros((*d.shape, 4))
    np.put_along_axis(out, order[k][..., None], (1.0 - frac)[..., None], axis=-1)
    hi = np.take_along_axis(out, order[k + 1][..., None], axis=-1) + frac[..., None]
    np.put_along_axis(out, order[k + 1][..., None], hi, axis=-1)
    return out


def _day_of_year(times: np.ndarray) -> np.ndarray:
    """Integer day of year (1-366) of datetime64 times, as the release uses it."""
    days = times.astype("datetime64[D]")
    return (days - days.astype("datetime64[Y]")).astype(int) + 1.0


def _hourly_means(solar_wind, times) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The times as datetime64[ns], and the hourly means of dPhi/dt over (t - (k + 1) h, t - k h] with
    whether each hour holds a valid record, both of shape (4, n), k = 0..3 (cumulative sums, no loop over
    times). A time outside the series, or ``solar_wind`` not a SolarWind, is an InputError."""
    if not isinstance(solar_wind, SolarWind):
        raise InputError(
            f"solar_wind must be a smilekit.solarwind.SolarWind series (OVATION averages its 4 h before each "
            f"time), got {type(solar_wind).__name__}"
        )
    t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
    rec = solar_wind.time.values.astype("datetime64[ns]")
    outside = (t < rec[0]) | (t > rec[-1])
    if outside.any():
        raise InputError(
            f"averaged_coupling: {int(outside.sum())} time(s) outside the solar wind series "
            f"{rec[0]} to {rec[-1]}, e.g. {t[outside][:3]}"
        )
    value = solar_wind.newell_coupling.values
    good = np.isfinite(value)
    csum = np.concatenate([[0.0], np.cumsum(np.where(good, value, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(good)])
    hour = np.timedelta64(3600, "s")
    means = np.zeros((AVERAGE_HOURS, t.size))
    have = np.zeros((AVERAGE_HOURS, t.size), dtype=bool)
    for k in range(AVERAGE_HOURS):
        hi = np.searchsorted(rec, t - k * hour, side="right")
        lo = np.searchsorted(rec, t - (k + 1) * hour, side="right")
        count = ccount[hi] - ccount[lo]
        have[k] = count > 0
        means[k] = np.where(have[k], (csum[hi] - csum[lo]) / np.maximum(count, 1), 0.0)
    return t, means, have


def window_hours(solar_wind, times) -> np.ndarray:
    """How many of the 4 hours that :func:`averaged_coupling` averages before each time hold a valid
    record (0-4; fewer where the window starts before the series or crosses a gap).

    Raises
    ------
    InputError
        A time before the first or after the last record of the series.
    """
    return _hourly_means(solar_wind, times)[2].sum(axis=0)


def averaged_coupling(solar_wind, times) -> xr.DataArray:
    """The Newell coupling dPhi/dt averaged over the 4 hours before each time, as OVATION Prime takes it.

    Hourly means of :attr:`smilekit.solarwind.SolarWind.newell_coupling` over (t - (k + 1) h, t - k h],
    k = 0..3, weighted 0.65^k (see the module docstring for the source); hours without a valid record are
    left out and the weights renormalised (:func:`window_hours` counts those kept). Vectorised over
    ``times`` (cumulative sums, no loop).

    Returns a DataArray on dim ``time`` in (km/s)^(4/3) nT^(2/3) (units attribute), with the attribute
    ``hours_used`` counting, per time, the hours that had data (as a coordinate).

    Raises
    ------
    InputError
        A time before the first or after the last record of the series, or a time whose whole 4-hour
        window holds no valid record (a gap longer than the window); the message gives the times.
    """
    t, means, have = _hourly_means(solar_wind, times)
    w = AVERAGE_DECAY ** np.arange(AVERAGE_HOURS)[:, None] * have
    used = have.sum(axis=0)
    empty = used == 0
    if empty.any():
        raise InputError(
            f"averaged_coupling: no valid solar wind record in the {AVERAGE_HOURS} h before "
            f"{int(empty.sum())} time(s) (a data gap longer than the averaging window), e.g. {t[empty][:3]}"
        )
    return xr.DataArray(
        (w * means).sum(axis=0) / w.sum(axis=0),
        dims="time",
        coords={"time": t, "hours_used": ("time", used)},
        name="coupling",
        attrs={
            "units": "(km/s)^(4/3) nT^(2/3)",
            "CATDESC": "Newell coupling dPhi/dt, 4-h average weighted 0.65^k per hour back",
        },
    )


def _cap(flux: np.ndarray, ion: bool, number: bool) -> np.ndarray:
    """The release's caps on one season's flux (module docstring), in place."""
    flux[~(flux > 0.0)] = 0.0  # negative (and NaN) -> 0
    if ion:
        np.minimum(flux, 2.0, out=flux)
    elif number:
        flux[flux > 2.0e9] = 1.0e9
    else:
        big = flux > 10.0
        flux[(flux > 5.0) & ~big] = 5.0
        flux[big] = 0.5
    return flux


def _wedge_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MLT bin indices (in signed-MLT order), their signed MLT (h) and the MLAT bin indices that
    :func:`fill_northern_wedge` works on: the wedge, its margins and one bin beyond on each side."""
    mlt = MLT_WIDTH * (np.arange(N_MLT) + 0.5)
    signed = np.where(mlt > 12.0, mlt - 24.0, mlt)
    reach = WEDGE_MARGIN * MLT_WIDTH + 2 * MLT_WIDTH
    cols = np.flatnonzero((signed >= WEDGE_MLT[0] - reach) & (signed <= WEDGE_MLT[1] + reach))
    cols = cols[np.argsort(signed[cols])]
    mlat = 50.0 + MLAT_WIDTH * (np.arange(N_MLAT) + 0.5)
    rings = np.flatnonzero((mlat >= WEDGE_MLAT[0]) & (mlat <= WEDGE_MLAT[1]))
    return cols, signed[cols], rings


_WEDGE_COLS, _WEDGE_X, _WEDGE_RINGS = _wedge_grid()


def _fill_wedge_inplace(flux: np.ndarray) -> np.ndarray:
    """Fill the northern wedge of ``flux`` (n, 96, 80) in place; return the mask of the bins filled on the
    sub-grid ``(n, _WEDGE_COLS, _WEDGE_RINGS)``."""
    x = _WEDGE_X
    f = flux[:, _WEDGE_COLS[:, None], _WEDGE_RINGS]  # (n, ncols, nrings), MLT increasing from ~-4.6 h
    window = ((x >= WEDGE_MLT[0]) & (x <= WEDGE_MLT[1]))[None, :, None]
    missing = window & ~(f > 0.0)
    if not missing.any():
        return missing
    ncol = x.size
    k = np.arange(ncol)[None, :, None]
    first = np.argmax(missing, axis=1)[:, None, :]
    last = ncol - 1 - np.argmax(missing[:, ::-1], axis=1)[:, None, :]
    margin = ((k >= first - WEDGE_MARGIN) & (k < first)) | ((k > last) & (k <= last + WEDGE_MARGIN))
    fill = (missing | margin) & missing.any(axis=1, keepdims=True)
    before = np.maximum.accumulate(np.where(fill, 0, k), axis=1)  # the sub-grid's ends are never filled
    after = np.minimum.accumulate(np.where(fill, ncol - 1, k)[:, ::-1], axis=1)[:, ::-1]
    f_lo, f_hi = np.take_along_axis(f, before, axis=1), np.take_along_axis(f, after, axis=1)
    x_lo, x_hi = x[before], x[after]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (f_hi - f_lo) / (x_hi - x_lo)
        value = np.where(after == before, f_lo, f_lo + slope * (x[None, :, None] - x_lo))
    flux[:, _WEDGE_COLS[:, None], _WEDGE_RINGS] = np.where(fill, value, f)
    return fill


def fill_northern_wedge(flux: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill the northern dawn/midnight data gap of one season's flux as the release does (module docstring).

    Parameters
    ----------
    flux : numpy.ndarray
        Capped flux (n, 96 MLT, 80 MLAT) on the northern half of the grid (bin centres).

    Returns
    -------
    filled, mask : numpy.ndarray
        The filled copy, and where it was filled (bool, same shape). In each ring from 49 to 67 deg the bins
        between -1 and 4 h MLT whose flux is not above 0, and the 6 bins beyond each end of their span, take
        the flux interpolated linearly in MLT between the nearest other bins of the ring.
    """
    out = np.array(flux, dtype=float, copy=True)
    fill = _fill_wedge_inplace(out)
    mask = np.zeros(out.shape, dtype=bool)
    mask[:, _WEDGE_COLS[:, None], _WEDGE_RINGS] = fill
    return out, mask


_HALVES = {"south": slice(0, N_MLAT), "north": slice(N_MLAT, 2 * N_MLAT)}


@cache
def _flux_terms(season: str, kind: str) -> dict:
    """What the flux of one coefficient set needs besides the coupling, made once per process.

    Per hemisphere ``(b1, b2, has)``: the (96, 80) coefficients and the mask of the bins that have any (a
    bin with both zero has no model in that hemisphere); ``count_<hemispheres>``: over how many of the
    hemispheres each bin is averaged (at least 1), for one hemisphere and for both combined.
    """
    c = read_coefficients(season, kind)
    terms = {}
    for hemi, h in _HALVES.items():
        b1, b2 = np.ascontiguousarray(c["b1"][:, h]), np.ascontiguousarray(c["b2"][:, h])
        terms[hemi] = (b1, b2, ~((b1 == 0.0) & (b2 == 0.0)))
    for use in (("north",), ("south",), ("north", "south")):
        count = sum(terms[hemi][2].astype(float) for hemi in use)
        terms["count_" + "_".join(use)] = np.maximum(count, 1.0)
    return terms


@cache
def _probability_terms(season: str, stem: str) -> dict:
    """Per hemisphere ``(b1p, b2p, fallback, table)`` of one probability file, made once per process.

    ``fallback`` marks the bins without a linear fit (both coefficients zero), where the tabulated
    probability of the coupling bin is used: ``table`` (12, 96, 80), its zeros replaced by the mean of the
    neighbouring coupling bins.
    """
    c = read_coefficients(season, f"prob_b_{stem}")
    table = c["table"]
    idx = np.arange(N_DPHI_BINS)
    below = np.where(idx > 0, idx - 1, idx + 2)
    above = np.where(idx < N_DPHI_BINS - 1, idx + 1, idx - 2)
    filled = np.where(table == 0.0, 0.5 * (table[below] + table[above]), table)
    terms = {}
    for hemi, h in _HALVES.items():
        b1p, b2p = np.ascontiguousarray(c["b1p"][:, h]), np.ascontiguousarray(c["b2p"][:, h])
        terms[hemi] = (b1p, b2p, (b1p == 0.0) & (b2p == 0.0), np.ascontiguousarray(filled[:, :, h]))
    return terms


def _probability(season: str, stem: str, dphi: np.ndarray, hemi: str) -> np.ndarray:
    """The probability of precipitation of one season and hemisphere for coupling values ``dphi``."""
    b1p, b2p, fallback, table = _probability_terms(season, stem)[hemi]
    p = np.clip(b1p + b2p * dphi[:, None, None], 0.0, 1.0)
    k = np.clip(np.floor(dphi / DPHI_BIN), 0, N_DPHI_BINS - 1).astype(int)
    return np.where(fallback, table[k], p)


class OvationPrime2010(PrecipitationModel):
    """OVATION Prime 2010 (:cite:`newell2009`, :cite:`newell2010`); see :mod:`smilekit.geospace.ovation`.

    Parameters
    ----------
    combine_hemispheres : bool
        Average the two hemispheres' coefficients bin by bin, as the release does (default True).

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> model = OvationPrime2010()
    >>> ds = model.from_coupling(np.datetime64("2000-07-15T12:00"), [4421.0] * COUPLING_UNIT)
    >>> ds["diffuse_energy_flux"].shape
    (1, 80, 96)
    """

    name = "OVATION Prime 2010"

    def __init__(self, *, combine_hemispheres: bool = True):
        self.combine_hemispheres = bool(combine_hemispheres)

    def precipitation(
        self, times, solar_wind, *, hemisphere: str = "north", populations=None, number_flux: bool = True
    ) -> xr.Dataset:
        """Fluxes at ``times`` driven by ``solar_wind`` (4-h weighted coupling, :func:`averaged_coupling`).

        Returns a Dataset on ``(time, mlat, mlt)`` (see :meth:`from_coupling`, also for ``populations``
        and ``number_flux``), with ``coupling`` on ``time``. Raises :class:`~smilekit.errors.InputError` as
        :func:`averaged_coupling` does.
        """
        dphi = averaged_coupling(solar_wind, times)
        ds = self._evaluate(dphi["time"].values, dphi.values, hemisphere, populations, number_flux)
        ds["coupling"] = dphi.reset_coords(drop=True)
        ds["hours_used"] = dphi["hours_used"].reset_coords(drop=True)
        return ds

    def from_coupling(
        self, times, coupling, *, hemisphere: str = "north", populations=None, number_flux: bool = True
    ) -> xr.Dataset:
        """Fluxes for given (already averaged) coupling values ``coupling`` at ``times``.

        Parameters
        ----------
        times : array of datetimes
            Only their day of year (the seasonal weights) is used.
        coupling : astropy.units.Quantity
            dPhi/dt, same shape as ``times``, in (km/s)^(4/3) nT^(2/3) (:data:`COUPLING_UNIT`), from 0 to
            :data:`MAX_COUPLING`.
        hemisphere : {"north", "south"}
        populations : iterable of str, optional
            Subset of ``diffuse``, ``monoenergetic``, ``broadband``, ``ion`` (default all).
        number_flux : bool
            Also compute the number fluxes (default True; False halves the time for the electrons).

        Returns
        -------
        xarray.Dataset
            ``<population>_energy_flux`` (erg cm^-2 s^-1) for the four populations and
            ``<population>_number_flux`` (cm^-2 s^-1) for the three electron ones, on
            ``(time, mlat, mlt)``; ``mlat`` (deg, negative in the south) and ``mlt`` (h) at bin centres.
        """
        t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
        if not isinstance(coupling, u.Quantity):  # (as_value's hint cannot print fractional powers)
            raise InputError(
                f"coupling must be a Quantity in (km/s)^(4/3) nT^(2/3), got {type(coupling).__name__}; "
                "e.g. coupling=[4421.0] * smilekit.geospace.ovation.COUPLING_UNIT"
            )
        dphi = np.atleast_1d(as_value(coupling, COUPLING_UNIT, "coupling", nonnegative=True))
        why = "MAX_COUPLING: no solar wind within the VALIDMAX of SolarWind's speed and field gives more"
        check_range(dphi, "coupling", 0.0, MAX_COUPLING, "(km/s)^(4/3) nT^(2/3)", why)
        if dphi.shape != t.shape:
            raise InputError(f"coupling has shape {dphi.shape}, times {t.shape}: they must match")
        return self._evaluate(t, dphi, hemisphere, populations, number_flux)

    # --- the kernel ---------------------------------------------------------------------------------
    def _evaluate(self, t, dphi, hemisphere, populations, number_flux=True) -> xr.Dataset:
        if hemisphere not in ("north", "south"):
            raise InputError(f"hemisphere {hemisphere!r}: use 'north' or 'south'")
        wanted = list(POPULATIONS.values()) if populations is None else list(populations)
        bad = set(wanted) - set(POPULATIONS.values())
        if bad:
            raise InputError(f"unknown population(s) {sorted(bad)}; known: {list(POPULATIONS.values())}")
        doy = _day_of_year(t)
        if hemisphere == "south":
            doy = np.mod(doy - 1.0 + 182.5, 365.0) + 1.0
        weights = season_weights(doy)
        mlat = 50.0 + MLAT_WIDTH * (np.arange(N_MLAT) + 0.5)
        mlt = MLT_WIDTH * (np.arange(N_MLT) + 0.5)
        data = {}
        for stem, pop in POPULATIONS.items():
            if pop not in wanted:
                continue
            kinds = (
                [(stem, False)] if stem == "ions" or not number_flux else [(stem, False), (stem + "_n", True)]
            )
            for kind, number in kinds:
                name = f"{pop}_{'number' if number else 'energy'}_flux"
                out = np.zeros((t.size, N_MLT, N_MLAT))
                for s, season in enumerate(SEASONS):
                    sel = np.flatnonzero(weights[:, s] > 0.0)
                    for start in range(0, sel.size, _CHUNK):  # bounded memory for long series
                        part = sel[start : start + _CHUNK]
                        flux = self._season_flux(season, kind, stem, dphi[part], hemisphere)
                        out[part] += weights[part, s, None, None] * flux
                data[name] = (
                    ("time", "mlat", "mlt"),
                    out.transpose(0, 2, 1),
                    {
                        "units": NUMBER_FLUX_UNITS if number else ENERGY_FLUX_UNITS,
                        "CATDESC": f"OVATION Prime 2010 {pop} {'number' if number else 'energy'} flux",
                    },
                )
        sign = 1.0 if hemisphere == "north" else -1.0
        return xr.Dataset(
            data,
            coords={
                "time": t,
                "mlat": ("mlat", sign * mlat, {"units": "deg", "CATDESC": "magnetic latitude, bin centre"}),
                "mlt": ("mlt", mlt, {"units": "h", "CATDESC": "magnetic local time, bin centre"}),
            },
            attrs={
                "model": self.name,
                "hemisphere": hemisphere,
                "mlat_bin_width": MLAT_WIDTH,
                "mlt_bin_width": MLT_WIDTH,
                "combine_hemispheres": int(self.combine_hemispheres),
            },
        )

    def _season_flux(self, season, kind, stem, dphi, hemisphere) -> np.ndarray:
        """Capped flux of one season for coupling values ``dphi``: shape (n, 96 MLT, 80 MLAT)."""
        use = ("north", "south") if self.combine_hemispheres else (hemisphere,)
        terms = _flux_terms(season, kind)
        ion, number = stem == "ions", kind.endswith("_n")
        total = np.zeros((dphi.size, N_MLT, N_MLAT))
        x = dphi[:, None, None]
        sub = (slice(None), _WEDGE_COLS[:, None], _WEDGE_RINGS)
        extra = None  # northern wedge bins without coefficients that the fill gave a flux
        for hemi in use:
            b1, b2, has = terms[hemi]
            flux = b1 + b2 * x
            if not ion:
                flux *= _probability(season, stem, dphi, hemi)
            flux = _cap(flux, ion, number)
            if hemi == "north":
                extra = _fill_wedge_inplace(flux) & ~has[sub[1:]]
                total[sub] += np.where(extra, flux[sub], 0.0)
            total += np.where(has, flux, 0.0)
        out = total / terms["count_" + "_".join(use)]
        if extra is not None and extra.any():
            count = sum(terms[hemi][2].astype(float) for hemi in use)[sub[1:]]
            out[sub] = total[sub] / np.maximum(count + extra, 1.0)
        return out
