"""The regions crossed (solar wind, magnetosheath, magnetosphere) and the crossings, from in situ data.

:func:`classify_regions` labels each sample of measured ion moments (density ``n``, bulk velocity ``V``,
temperature ``T``; LIA L2 or any other instrument) with the region codes of
:func:`smilekit.geospace.insitu_truth` (0 solar wind, 1 magnetosheath, 2 magnetosphere), using the moments
alone: no upstream monitor, no boundary model, no position. :func:`find_crossings` lists the bow-shock and
magnetopause crossings of a classification; :func:`compare_with_truth` measures a classification against
the model truth that produced the data.

The rule
--------
Every sample's ion sonic Mach number ``M = |V| / c_s``, ``c_s = sqrt(gamma k T / m_p)``, gamma = 5/3
(ions only: the electron pressure is not measured by LIA, so M is an upper bound of the plasma's sonic
Mach number, by about sqrt(1 + T_e / T_i)):

1. **Magnetosphere** where ``M < mach_magnetosphere`` (0.5) and ``n < density_magnetosphere``
   (2 cm^-3): a nearly stagnant, tenuous plasma. The magnetosheath is denser than the solar wind behind
   the shock (the Rankine-Hugoniot compression, up to 4 for gamma = 5/3) and slows to M < 1 only near
   the subsolar stagnation point, where it is densest; the dayside outer magnetosphere and the plasma
   sheet hold 0.1-1 cm^-3 of keV ions (e.g. Kivelson & Russell 1995, ch. 1 and 9, :cite:`kivelson1995`).
   The thresholds are this module's choice, not a published criterion.
2. **Solar wind** where ``M > mach_solar_wind`` (4): the supersonic, cold beam (typical M 8-15). Across a
   fast shock the flow normal to it becomes subsonic; the sheath flow re-accelerates along the boundary
   and the truth's gas-dynamic sheath (Spreiter et al. 1966, :cite:`spreiter1966`) reaches M = 3.5 on the
   flanks the science orbit crosses. The threshold 4 lies between the measured distributions (below); it
   is a choice made on them, not a published value, and is tested on an event it was not chosen on
   (2006-12-14 CME).
3. **Magnetosheath** where ``M < mach_magnetosheath`` (3) and not magnetosphere.
4. **Hysteresis**: a sample between the two Mach thresholds (3 < M < 4), or between the magnetosphere
   thresholds and the sheath's (``0.5 <= M < 0.75`` with ``n < 2 cm^-3``), keeps the region of the last
   decided sample (flag bit 2); the noise of the moments does not make the label flicker.
5. **Minimum duration**: a run of one region shorter than ``min_duration`` (default 12 s) is given the
   region of the run before it (of the run after, at the start; flag bit 4). Real excursions shorter
   than this are lost.
6. A sample with a missing (NaN) or non-physical moment (n <= 0, T <= 0) is not classified: region -1
   and flag bit 1. It neither starts nor ends a region; a crossing across it has its time uncertainty
   widened to the gap.
7. **The field alone** (where the moments are missing and the field and the position are given): the
   magnetosphere where B lies within 30 deg of the centred dipole's direction with 0.5-3 times its
   strength (flag bit 8); elsewhere undetermined (the sheath and the solar wind cannot be told apart by
   the field without an upstream reference). On the six test orbits (measured series, seed 1) this
   finds 48-89 % of the magnetosphere's time (the tail and the cusps are not dipolar) and calls 0-7 % of
   the sheath's or the solar wind's time magnetosphere (a field that happens to lie along the dipole's
   with a similar strength); the thresholds are this module's choice.

Published automatic classifications compare the local plasma and field with the upstream solar wind
(the automated region identification of THEMIS data by Jelinek et al. 2012, :cite:`jelinek2012`, uses
ratios of local to upstream values; its thresholds are not confirmed here and not used) or learn the
regions from labelled data (machine learning); neither is done here: the Mach number needs no upstream
monitor and no training. The cusp (code 3 of the truth) carries magnetosheath plasma; from the moments
alone it is magnetosheath, so :func:`compare_with_truth` folds the truth's cusp into 1.

The magnetic field is optional: where the moments exist it is carried into the output (``b_magnitude``)
for plots but not used (rule 7 uses it only where they are missing); :func:`average_field` puts a MAG L2
field (32 Hz) on the moments' times.

Measured against the truth
--------------------------
``benchmarks/bench_regions.py --table`` (asserted in ``tests/science/test_regions.py``): six orbits of
the science orbit (4-s moments with 5 % n, 1 % V, 10 % T Gaussian errors, three seeds): three 51-h OMNI2
2000 spans (lowest, median and highest mean dynamic pressure), the Halloween 2003 storm, the 2015
high-density event and the 2006-12-14 CME (not looked at when the thresholds were chosen). Time
classified correctly: 100 % on the OMNI2 and 2015 orbits, 99.6-99.8 % on Halloween and the CME (the
misses, 0.5-1 % of the sheath time, are the hysteresis's price: the sheath just behind a flank bow shock,
x = -2 to -5 RE, has M in the 3-4 band and keeps the solar wind's label, flag bit 2, until M falls below
3, so inbound flank crossings are found 4 s to 2.3 min late). Crossings detected: all on four orbits, 35
of 39 on Halloween (the missed ones are one-sample excursions, 4 s long, where the boundary jumps with
the 16-s records) and 27 of 29 on the CME (two 1-min alternations merged); no false crossing; time error
median 0 s, 90th percentile 0-38 s. The found crossings lie where
the model boundary passed the spacecraft (median 0 RE outside the boundary's radius range over the two
samples around the crossing; 90th percentile <= 0.6 RE, on the CME). With real data the crossings
measure the boundary where the models only predict it: the difference is the model's error at that
place and time, which SXI's boundary fits (:mod:`smilekit.science.magnetopause`) can be checked against.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_value
from smilekit.constants import ADIABATIC_INDEX, EV, K_B, M_P
from smilekit.errors import InputError
from smilekit.frames import transform
from smilekit.geospace.insitu import crossings as true_crossings
from smilekit.geospace.magnetosheath import (
    REGION_CUSP,
    REGION_MAGNETOSHEATH,
    REGION_MAGNETOSPHERE,
    REGION_SOLAR_WIND,
)
from smilekit.times import as_datetime64
from smilekit.units import RE

__all__ = [
    "FLAG_BITS",
    "REGION_NAMES",
    "REGION_UNDETERMINED",
    "average_field",
    "classify_regions",
    "compare_with_truth",
    "find_crossings",
    "region_names",
]

#: The code of a sample that could not be classified (see ``flag``).
REGION_UNDETERMINED = -1
#: Region names by code (the truth's codes; the cusp is never produced by the classifier).
REGION_NAMES = {
    REGION_UNDETERMINED: "undetermined",
    REGION_SOLAR_WIND: "solar_wind",
    REGION_MAGNETOSHEATH: "magnetosheath",
    REGION_MAGNETOSPHERE: "magnetosphere",
}
#: Bits of the ``flag`` variable (0: decided by the thresholds at this sample).
FLAG_BITS = {
    1: "a moment is missing (NaN) or non-physical (n <= 0 or T <= 0): undetermined, or bit 8",
    2: "inside a hysteresis band: the region of the last decided sample",
    4: "changed by the minimum-duration filter",
    8: "magnetosphere from the field alone (dipole-like field where the moments are missing)",
}


#: The centred dipole's equatorial field at 1 RE (nT): about 30 000 nT (IGRF's g10, g11, h11 give
#: 29 400-30 400 nT over 1965-2025, :cite:`igrf14`); the test below is loose enough for any epoch.
DIPOLE_FIELD_NT = 30000.0
#: The field test: within this angle (deg) of the dipole's direction ...
DIPOLE_ANGLE = 30.0
#: ... and with |B| / |B_dipole| in this range.
DIPOLE_RATIO = (0.5, 3.0)


def _temperature_k(temperature, n: int) -> np.ndarray:
    """Ion temperature in K from a Quantity in K or an energy (kT)."""
    if isinstance(temperature, u.Quantity) and temperature.unit.physical_type == "energy":
        return as_value(temperature, u.eV, "temperature", allow_nan=True) * (EV / K_B)
    return as_value(temperature, u.K, "temperature", allow_nan=True)


def _series(value, unit, name: str, n: int, vector: bool) -> np.ndarray:
    out = as_value(value, unit, name, allow_nan=True)
    shape = (n, 3) if vector else (n,)
    if out.shape != shape:
        raise InputError(
            f"{name} must have shape {shape} (one {'vector' if vector else 'value'} per time), "
            f"got {out.shape}"
        )
    return out


def _forward_fill(labels: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``labels`` where ``known``, else the last known label (the next known one before the first)."""
    idx = np.where(known, np.arange(labels.size), -1)
    np.maximum.accumulate(idx, out=idx)
    if not known.any():
        return labels
    first = int(np.flatnonzero(known)[0])
    idx[idx < 0] = first
    return labels[idx]


def classify_regions(
    time,
    *,
    density=None,
    velocity=None,
    temperature=None,
    b=None,
    positions=None,
    mach_solar_wind: float = 4.0,
    mach_magnetosheath: float = 3.0,
    mach_magnetosphere: float = 0.5,
    density_magnetosphere=2.0 * u.cm**-3,
    median_window: int = 5,
    min_duration=12 * u.s,
) -> xr.Dataset:
    """Solar wind, magnetosheath or magnetosphere for each sample of measured ion moments (module notes).

    Parameters
    ----------
    time : time-like
        N strictly increasing UTC times (anything :func:`smilekit.times.as_datetime64` accepts).
    density : Quantity, optional
        Ion number density, shape (N,) (e.g. cm^-3); NaN where missing.
    velocity : Quantity, optional
        Ion bulk velocity, shape (N, 3), any frame (only ``|V|`` is used); NaN where missing.
    temperature : Quantity, optional
        Ion temperature, shape (N,), in K or as an energy kT (eV); NaN where missing. Without all three
        moments a sample is classified from the field alone (magnetosphere or undetermined).
    b : Quantity, optional
        Magnetic field in GSE, shape (N, 3) (nT), on the same times (:func:`average_field` for MAG L2):
        with ``positions``, the magnetosphere where the moments are missing (module notes, rule 7).
    positions : Quantity, optional
        Spacecraft positions in GSE (N, 3), lengths: for the field test and :func:`find_crossings`.
    mach_solar_wind, mach_magnetosheath, mach_magnetosphere : float
        The ion sonic Mach number thresholds (module notes), with
        ``mach_magnetosphere < mach_magnetosheath < mach_solar_wind``.
    density_magnetosphere : Quantity
        The magnetosphere's largest density.
    median_window : int
        The Mach number and the density are running medians over this many classified samples (odd, >= 1;
        1: none). A median keeps a step where it is (a boundary is not smeared) and removes excursions
        shorter than half the window.
    min_duration : Quantity
        Runs of one region shorter than this are merged into the run before (0 s: no filter).

    Returns
    -------
    xarray.Dataset
        On ``time``: ``region`` (int8: -1 undetermined, 0 solar wind, 1 magnetosheath, 2 magnetosphere),
        ``flag`` (uint8, :data:`FLAG_BITS`), ``mach`` (the ion sonic Mach number), ``density`` (cm^-3),
        and where given ``b_magnitude`` (nT) and ``position_gse`` (RE, on ``component``).

    Raises
    ------
    InputError
        For times that do not increase, arrays whose lengths differ from the times, missing units,
        thresholds out of order.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> t = np.datetime64("2026-03-20T00:00") + np.arange(3) * np.timedelta64(4, "s")
    >>> out = classify_regions(t, density=[5, 20, 0.3] * u.cm**-3,
    ...                        velocity=[[-400, 0, 0], [-200, 0, 0], [0, 0, 0]] * u.km / u.s,
    ...                        temperature=[1e5, 2e6, 3e7] * u.K, min_duration=0 * u.s)
    >>> out["region"].values.tolist()
    [0, 1, 2]
    """
    t = as_datetime64(time).astype("datetime64[ns]").ravel()
    n_samples = t.size
    if n_samples > 1 and not (np.diff(t) > np.timedelta64(0, "ns")).all():
        k = int(np.flatnonzero(np.diff(t) <= np.timedelta64(0, "ns"))[0])
        raise InputError(
            f"time must increase strictly; time {k + 1} ({t[k + 1]}) is not after {t[k]} (sort it)"
        )
    if (density is None or velocity is None or temperature is None) and (b is None or positions is None):
        given = [k for k, x in (("density", density), ("velocity", velocity), ("temperature", temperature),
                                ("b", b), ("positions", positions)) if x is not None]  # fmt: skip
        raise InputError(
            "classify_regions needs the ion moments (density, velocity and temperature) or, for the "
            f"magnetosphere alone, the field b with the positions; got {', '.join(given) or 'none of them'}"
        )
    missing = np.full(n_samples, np.nan)
    n = missing if density is None else _series(density, u.cm**-3, "density", n_samples, vector=False)
    v = np.full((n_samples, 3), np.nan) if velocity is None else _series(
        velocity, u.km / u.s, "velocity", n_samples, vector=True)  # fmt: skip
    temp = missing if temperature is None else _temperature_k(temperature, n_samples)
    if temp.shape != (n_samples,):
        raise InputError(f"temperature must have shape ({n_samples},) (one value per time), got {temp.shape}")
    field = None if b is None else _series(b, u.nT, "b", n_samples, vector=True)
    pos = None if positions is None else _series(positions, RE, "positions", n_samples, vector=True)
    for name, value in (("mach_solar_wind", mach_solar_wind), ("mach_magnetosheath", mach_magnetosheath),
                        ("mach_magnetosphere", mach_magnetosphere)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputError(f"{name} must be a real number, got {value!r}")
    if not 0 < mach_magnetosphere < mach_magnetosheath < mach_solar_wind:
        raise InputError(
            "the thresholds must satisfy 0 < mach_magnetosphere < mach_magnetosheath < mach_solar_wind, got "
            f"{mach_magnetosphere:g}, {mach_magnetosheath:g}, {mach_solar_wind:g}"
        )
    n_ms = float(as_value(density_magnetosphere, u.cm**-3, "density_magnetosphere", positive=True))
    shortest = float(as_value(min_duration, u.s, "min_duration", nonnegative=True))
    integer = isinstance(median_window, (int, np.integer)) and not isinstance(median_window, bool)
    if not integer or median_window < 1 or median_window % 2 == 0:
        raise InputError(f"median_window must be an odd integer >= 1, got {median_window!r}")

    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.linalg.norm(v, axis=1)
        valid = np.isfinite(n) & np.isfinite(speed) & np.isfinite(temp) & (n > 0) & (temp > 0)
        mach = np.where(
            valid, speed * 1e3 / np.sqrt(ADIABATIC_INDEX * K_B * np.where(valid, temp, 1.0) / M_P), np.nan
        )
    region = np.full(n_samples, REGION_UNDETERMINED, dtype=np.int8)
    flag = np.where(valid, 0, 1).astype(np.uint8)
    index = np.flatnonzero(valid)
    smooth_mach, smooth_n = np.full(n_samples, np.nan), np.full(n_samples, np.nan)
    smooth_mach[index] = _running_median(mach[index], int(median_window))
    smooth_n[index] = _running_median(n[index], int(median_window))
    mach_raw, mach = mach, smooth_mach
    tenuous = smooth_n < n_ms
    magnetosphere = valid & tenuous & (mach < mach_magnetosphere)
    solar_wind = valid & (mach > mach_solar_wind)
    # the sheath band's lower edge for tenuous plasma: 1.5 times the magnetosphere threshold
    sheath = (
        valid & (mach < mach_magnetosheath) & ~magnetosphere & ~(tenuous & (mach < 1.5 * mach_magnetosphere))
    )
    decided = magnetosphere | solar_wind | sheath
    labels = np.select(
        [magnetosphere, solar_wind, sheath],
        [REGION_MAGNETOSPHERE, REGION_SOLAR_WIND, REGION_MAGNETOSHEATH],
        REGION_MAGNETOSHEATH,
    )
    if index.size:
        filled = _forward_fill(labels[index], decided[index])
        if not decided[index].any():  # all in a band: the Mach number's nearer side
            filled = np.where(mach[index] > 0.5 * (mach_solar_wind + mach_magnetosheath), REGION_SOLAR_WIND,
                              REGION_MAGNETOSHEATH)  # fmt: skip
        flag[index[~decided[index]]] |= 2
        if shortest > 0 and index.size > 1:
            filled, changed = _merge_short_runs(filled, t[index], shortest)
            flag[index[changed]] |= 4
        region[index] = filled
    if field is not None and pos is not None:
        alone = ~valid & _dipole_like(field, pos, t)
        region[alone] = REGION_MAGNETOSPHERE
        flag[alone] |= 8
    data = {
        "region": ("time", region, {"units": "1", "FIELDNAM": "Region", "CATDESC":
                   "-1 undetermined, 0 solar wind, 1 magnetosheath, 2 magnetosphere (from the ion moments)"}),
        "flag": ("time", flag, {"units": "1", "FIELDNAM": "Region flag", "CATDESC": "; ".join(
                 f"{k}: {v}" for k, v in FLAG_BITS.items())}),
        "mach": ("time", mach_raw, {"units": "1", "FIELDNAM": "Ion sonic Mach", "CATDESC":
                 "|V| / sqrt(5/3 k T_i / m_p) (ions only), each sample"}),
        "mach_median": ("time", mach, {"units": "1", "FIELDNAM": "Median Mach", "CATDESC":
                        "the running median of mach the thresholds are applied to"}),
        "density": ("time", n, {"units": "cm^-3", "FIELDNAM": "Ion density", "CATDESC": "The input density"}),
    }  # fmt: skip
    if field is not None:
        data["b_magnitude"] = ("time", np.linalg.norm(field, axis=1), {"units": "nT", "FIELDNAM": "|B|"})
    if pos is not None:
        data["position_gse"] = (("time", "component"), pos, {"units": "RE", "FIELDNAM": "Position"})
    attrs = {
        "rule": "ion sonic Mach number and density thresholds with hysteresis (smilekit.science.regions)",
        "mach_solar_wind": float(mach_solar_wind),
        "mach_magnetosheath": float(mach_magnetosheath),
        "mach_magnetosphere": float(mach_magnetosphere),
        "density_magnetosphere_cm-3": n_ms,
        "min_duration_s": shortest,
    }
    coords = {"time": t}
    if positions is not None:
        coords["component"] = ["x", "y", "z"]
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _dipole_like(b_gse: np.ndarray, pos_gse_re: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Where the field is within :data:`DIPOLE_ANGLE` of the centred dipole's direction and its strength
    within :data:`DIPOLE_RATIO` of the dipole's (False where either is not finite)."""
    ok = np.isfinite(b_gse).all(axis=1) & np.isfinite(pos_gse_re).all(axis=1)
    out = np.zeros(t.size, dtype=bool)
    if not ok.any():
        return out
    axis = transform(np.tile([0.0, 0.0, 1.0], (int(ok.sum()), 1)) * u.one, t[ok], "SM", "GSE").value
    r_vec = pos_gse_re[ok]
    r = np.linalg.norm(r_vec, axis=1)
    rhat = r_vec / r[:, None]
    dipole = DIPOLE_FIELD_NT / r[:, None] ** 3 * (axis - 3 * np.sum(axis * rhat, axis=1)[:, None] * rhat)
    b = b_gse[ok]
    bmag, dmag = np.linalg.norm(b, axis=1), np.linalg.norm(dipole, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(b * dipole, axis=1) / (bmag * dmag)
        ratio = bmag / dmag
    out[ok] = (cos > np.cos(np.radians(DIPOLE_ANGLE))) & (ratio > DIPOLE_RATIO[0]) & (ratio < DIPOLE_RATIO[1])
    return out


def _running_median(values: np.ndarray, window: int) -> np.ndarray:
    """The running median over ``window`` (odd) samples, the ends padded with their edge values."""
    if window == 1 or values.size == 0:
        return values.copy()
    half = window // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)


def _merge_short_runs(labels: np.ndarray, t: np.ndarray, shortest_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Runs shorter than ``shortest_s`` take the label of the run before (after, for the first run);
    repeated until every run is long enough or only one remains."""
    out = labels.copy()
    t_s = (t - t[0]) / np.timedelta64(1, "s")
    edges_t = np.concatenate([t_s[:1], 0.5 * (t_s[1:] + t_s[:-1]), t_s[-1:]])
    for _ in range(64):
        starts = np.concatenate([[0], np.flatnonzero(np.diff(out) != 0) + 1])
        stops = np.concatenate([starts[1:], [out.size]])
        if starts.size < 2:
            break
        length = edges_t[stops] - edges_t[starts]
        short = length < shortest_s
        if not short.any():
            break
        k = int(np.flatnonzero(short)[np.argmin(length[short])])  # the shortest run first
        neighbour = out[starts[k] - 1] if k > 0 else out[stops[k]]
        out[starts[k] : stops[k]] = neighbour
    return out, out != labels


def average_field(l2: xr.Dataset, times, *, window=4 * u.s, frame: str = "GSE") -> u.Quantity:
    """The mean of a MAG L2 field over ``window`` centred on each of ``times`` (e.g. the 4-s moments').

    Only samples with ``quality`` 0 (a dual-sensor measurement,
    :data:`smilekit.instruments.mag.L2_QUALITY`) and finite components count; a time with none in its
    window gets NaN (which :func:`classify_regions` carries, and never turns into a region).

    Parameters
    ----------
    l2 : xarray.Dataset
        MAG L2 (:func:`smilekit.instruments.mag.make_l2`) with ``b_gse`` or ``b_gsm`` and ``quality``.
    times : time-like
        Strictly increasing times.
    window : Quantity
        The averaging window's length (> 0).
    frame : {"GSE", "GSM"}

    Returns
    -------
    Quantity
        Shape (len(times), 3), nT.
    """
    if not isinstance(frame, str) or frame.upper() not in ("GSE", "GSM"):
        raise InputError(f"frame must be 'GSE' or 'GSM', got {frame!r}")
    name = f"b_{frame.lower()}"
    if not isinstance(l2, xr.Dataset) or name not in l2 or "quality" not in l2:
        raise InputError(f"l2 must be a MAG L2 Dataset with {name} and quality")
    t = as_datetime64(times).astype("datetime64[ns]").ravel()
    if t.size > 1 and not (np.diff(t) > np.timedelta64(0, "ns")).all():
        raise InputError("times must increase strictly")
    half = np.timedelta64(int(float(as_value(window, u.s, "window", positive=True)) * 5e8), "ns")
    source = np.asarray(l2["time"].values, dtype="datetime64[ns]")
    b = np.asarray(l2[name].transpose("time", "component").values, dtype=np.float64)
    good = (np.asarray(l2["quality"].values) == 0) & np.isfinite(b).all(axis=1)
    cum = np.vstack([np.zeros((1, 3)), np.cumsum(np.where(good[:, None], b, 0.0), axis=0)])
    count = np.concatenate([[0], np.cumsum(good)])
    lo = np.searchsorted(source, t - half, side="left")
    hi = np.searchsorted(source, t + half, side="left")
    n = (count[hi] - count[lo]).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cum[hi] - cum[lo]) / n[:, None]
    mean[n == 0] = np.nan
    return mean * u.nT


def region_names(regions: xr.Dataset) -> xr.DataArray:
    """The region names (:data:`REGION_NAMES`) of a classification, on ``time``: the series the MAG
    quick-look (:func:`smilekit.products.plots.mag.plot_mag`) shades."""
    codes = _codes(regions)
    names = np.array([REGION_NAMES.get(int(c), "undetermined") for c in codes])
    return xr.DataArray(names, dims=("time",), coords={"time": regions["time"].values}, name="region")


def _codes(regions) -> np.ndarray:
    if not isinstance(regions, xr.Dataset) or "region" not in regions or "time" not in regions.coords:
        raise InputError("regions must be the Dataset of classify_regions (with 'region' on 'time')")
    return regions["region"].values.astype(np.int64)


def find_crossings(regions: xr.Dataset) -> xr.Dataset:
    """The bow-shock and magnetopause crossings of a classification (:func:`classify_regions`).

    A crossing is a change of region between two successive classified samples (undetermined samples
    between them are skipped). Its time is halfway between the last sample of the old region and the
    first of the new; its uncertainty half that interval (the cadence's half, or the gap's). That is the
    sampling's uncertainty only: where the plasma changes gradually the thresholds' lag adds to it (on the
    test orbits the inbound flank bow shocks, found up to 2.3 min late; module notes).

    Returns
    -------
    xarray.Dataset
        On dimension ``crossing``: ``time``, ``before``, ``after`` (codes), ``boundary`` ("bow shock"
        for 0 <-> 1, "magnetopause" for 1 <-> 2, "bow shock + magnetopause" for 0 <-> 2),
        ``direction`` ("inbound" towards the Earth, i.e. towards a higher code, else "outbound"),
        ``uncertainty`` (s) and, if the classification has positions, ``position_gse`` (RE, linearly
        interpolated at the crossing time) and ``r`` (RE).
    """
    codes = _codes(regions)
    t = regions["time"].values.astype("datetime64[ns]")
    keep = np.flatnonzero(codes != REGION_UNDETERMINED)
    c, tk = codes[keep], t[keep]
    k = np.flatnonzero(np.diff(c) != 0)
    before, after = c[k], c[k + 1]
    half = (tk[k + 1] - tk[k]) / 2
    when = tk[k] + half
    names = np.array(["bow shock", "magnetopause", "bow shock + magnetopause"])
    kind = np.where(np.minimum(before, after) == REGION_SOLAR_WIND,
                    np.where(np.maximum(before, after) == REGION_MAGNETOSHEATH, 0, 2), 1)  # fmt: skip
    empty = np.array([], dtype=str)
    data = {
        "before": ("crossing", before.astype(np.int8)),
        "after": ("crossing", after.astype(np.int8)),
        "boundary": ("crossing", names[kind] if k.size else empty),
        "direction": ("crossing", np.where(after > before, "inbound", "outbound") if k.size else empty),
        "uncertainty": ("crossing", half / np.timedelta64(1, "s"), {"units": "s"}),
    }
    coords = {"time": ("crossing", when)}
    if "position_gse" in regions:
        pos = regions["position_gse"].transpose("time", "component").values
        x = (t - t[0]) / np.timedelta64(1, "s")
        xq = (when - t[0]) / np.timedelta64(1, "s")
        at = np.column_stack([np.interp(xq, x, pos[:, i]) for i in range(3)]) if k.size else np.empty((0, 3))
        data["position_gse"] = (("crossing", "component"), at, {"units": "RE"})
        data["r"] = ("crossing", np.linalg.norm(at, axis=1), {"units": "RE"})
        coords["component"] = ["x", "y", "z"]
    return xr.Dataset(data, coords=coords)


def compare_with_truth(regions: xr.Dataset, truth: xr.Dataset, *, window=10 * u.min) -> dict:
    """A classification measured against the truth that produced its data (same times).

    The truth's cusp (3) is folded into the magnetosheath (module notes). A true crossing is detected when
    a found crossing of the same boundary lies within ``window``; each found crossing matches at most one
    true crossing (nearest first); unmatched found crossings are false.

    Returns
    -------
    dict
        ``correct`` (fraction of the classified samples whose region is right, per true region name and
        ``"all"``), ``undetermined`` (fraction not classified), ``true_crossings``, ``found_crossings``,
        ``detected`` (fraction of the true crossings), ``false`` (found crossings matching none),
        ``time_error_median_s``, ``time_error_p90_s`` (``|found - true|`` of the matched crossings) and,
        where the classification has positions, ``radius_error_median_re``, ``radius_error_p90_re``,
        ``radius_error_max_re`` over ``radius_compared`` found crossings: how far the spacecraft's r at
        the found crossing lies outside the range of the model boundary's radius along its direction
        (``r_bow_shock`` or ``r_magnetopause`` of the truth) at the two samples on either side (0 when the
        model boundary passed the spacecraft between them; a solar-wind record that moves the boundary
        by several RE at once is bracketed so). Crossings at the cusp's edge are not compared.
    """
    codes = _codes(regions)
    if not isinstance(truth, xr.Dataset) or "region" not in truth:
        raise InputError("truth must be the Dataset of insitu_truth")
    if truth.sizes.get("time") != codes.size or not np.array_equal(
        truth["time"].values, regions["time"].values
    ):
        raise InputError(
            f"truth and regions must share their times; got {truth.sizes.get('time')} and {codes.size} "
            "samples"
        )
    max_s = float(as_value(window, u.s, "window", positive=True))
    true = truth["region"].values.astype(np.int64)
    true = np.where(true == REGION_CUSP, REGION_MAGNETOSHEATH, true)
    classified = codes != REGION_UNDETERMINED
    out = {"correct": {}, "undetermined": float(1 - classified.mean())}
    for code in (REGION_SOLAR_WIND, REGION_MAGNETOSHEATH, REGION_MAGNETOSPHERE):
        m = classified & (true == code)
        out["correct"][REGION_NAMES[code]] = float((codes[m] == code).mean()) if m.any() else float("nan")
    out["correct"]["all"] = (
        float((codes[classified] == true[classified]).mean()) if classified.any() else float("nan")
    )
    folded = truth.assign(region=("time", true.astype(np.int8)))
    tc, fc = true_crossings(folded), find_crossings(regions)
    t0 = truth["time"].values[0]
    tt = (tc["time"].values - t0) / np.timedelta64(1, "s")
    ft = (fc["time"].values - t0) / np.timedelta64(1, "s")
    used = np.zeros(ft.size, dtype=bool)
    errors, matched = [], []
    tb = tc["boundary"].values
    fb = fc["boundary"].values
    pairs = sorted(
        (abs(ft[j] - tt[i]), i, j)
        for i in range(tt.size)
        for j in range(ft.size)
        if tb[i] == fb[j] and abs(ft[j] - tt[i]) <= max_s
    )
    done = np.zeros(tt.size, dtype=bool)
    for err, i, j in pairs:
        if not done[i] and not used[j]:
            done[i], used[j] = True, True
            errors.append(err)
            matched.append(j)
    errors = np.asarray(errors)
    out.update(
        true_crossings=int(tt.size),
        found_crossings=int(ft.size),
        detected=float(done.mean()) if tt.size else float("nan"),
        false=int((~used).sum()),
        time_error_median_s=float(np.median(errors)) if errors.size else float("nan"),
        time_error_p90_s=float(np.percentile(errors, 90)) if errors.size else float("nan"),
    )
    if "r" in fc and fc.sizes["crossing"]:
        times = truth["time"].values
        half = (fc["uncertainty"].values * 1e9).astype("timedelta64[ns]")
        first = np.searchsorted(times, fc["time"].values - half)
        last = np.searchsorted(times, fc["time"].values + half)
        dr = []
        for j in range(ft.size):
            name = {"bow shock": "r_bow_shock", "magnetopause": "r_magnetopause"}.get(str(fb[j]))
            sides = truth["region"].values[[first[j], last[j]]]
            if name is None or (sides == REGION_CUSP).any():  # the cusp's edge is not the model magnetopause
                continue
            model = truth[name].values[[first[j], last[j]]]
            r = float(fc["r"].values[j])
            dr.append(max(model.min() - r, r - model.max(), 0.0))
        dr = np.asarray(dr)
        out["radius_compared"] = int(dr.size)
        out["radius_error_median_re"] = float(np.median(dr)) if dr.size else float("nan")
        out["radius_error_p90_re"] = float(np.percentile(dr, 90)) if dr.size else float("nan")
        out["radius_error_max_re"] = float(dr.max()) if dr.size else float("nan")
    return out
