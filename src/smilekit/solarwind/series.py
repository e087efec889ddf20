"""The solar-wind time series: :class:`SolarWind`, an :class:`xarray.Dataset` with units and provenance.

The dataset has the dimensions ``time`` (``datetime64[ns]``, UTC) and ``component`` (``x``, ``y``, ``z``)
and the variables

- ``n``: proton number density (cm^-3),
- ``v_gse``: bulk velocity in GSE (km/s),
- ``b_gse`` and ``b_gsm``: the IMF in GSE and GSM (nT),
- ``t``: proton temperature (K),

each with ISTP-style attributes (``units``, ``FIELDNAM``, ``CATDESC``, ``FILLVAL``, ``VALIDMIN``,
``VALIDMAX``, ``DEPEND_0``, ``VAR_TYPE``), so that writing a CDF product is a mapping. Missing values are
NaN in memory (``FILLVAL`` is what a CDF writer puts in their place); the dataset attribute
``<name>_fill`` counts the records in which variable ``<name>`` is missing. Other variables (e.g. a
gap-``quality`` flag from :mod:`smilekit.solarwind.gaps`, or OMNI's own derived columns from
:func:`~smilekit.solarwind.readers.read_omni2`) ride along unchanged.

Derived quantities (:attr:`SolarWind.pdyn`, :attr:`SolarWind.newell_coupling`, ...) are computed on
demand by the plain-float kernels of :mod:`smilekit.solarwind.derived` and returned as DataArrays with a
``units`` attribute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import astropy.units as u
import numpy as np
import pandas as pd
import xarray as xr
from astropy.time import Time

from smilekit._validation import as_value, as_vector, check_flow_direction, check_range
from smilekit.errors import InputError
from smilekit.frames import transform
from smilekit.solarwind import derived
from smilekit.solarwind.state import SolarWindState

__all__ = [
    "PHYSICAL_DRIVER_RANGES",
    "PRIMARY_VARIABLES",
    "SolarWind",
    "as_time",
    "as_timedelta",
    "check_physical",
    "missing_records",
    "provenance",
    "rotate_vectors",
]

#: The variables every :class:`SolarWind` holds, with their units and ISTP metadata.
PRIMARY_VARIABLES: dict[str, dict] = {
    "n": {
        "units": "cm^-3",
        "FIELDNAM": "Np",
        "CATDESC": "Solar wind proton number density",
        "VALIDMIN": 0.01,
        "VALIDMAX": 1000.0,
    },
    "v_gse": {
        "units": "km/s",
        "FIELDNAM": "V_GSE",
        "CATDESC": "Solar wind bulk velocity vector, GSE",
        "VALIDMIN": -3000.0,
        "VALIDMAX": 3000.0,
    },
    "b_gse": {
        "units": "nT",
        "FIELDNAM": "B_GSE",
        "CATDESC": "Interplanetary magnetic field vector, GSE",
        "VALIDMIN": -1000.0,
        "VALIDMAX": 1000.0,
    },
    "b_gsm": {
        "units": "nT",
        "FIELDNAM": "B_GSM",
        "CATDESC": "Interplanetary magnetic field vector, GSM",
        "VALIDMIN": -1000.0,
        "VALIDMAX": 1000.0,
    },
    "t": {
        "units": "K",
        "FIELDNAM": "Tp",
        "CATDESC": "Solar wind proton temperature",
        "VALIDMIN": 0.0,
        "VALIDMAX": 1.0e8,
    },
}

#: The physical range of the boundary-model drivers, derived from the VALIDMIN/VALIDMAX above (the one
#: source) except the floor of pdyn: (low, high, unit, why).
#:
#: - pdyn >= 1e-3 nPa: the thinnest solar wind on record, on 11 May 1999 ("the day the solar wind
#:   almost disappeared"), had n of a few 0.1 cm^-3 at about 350 km/s, a pdyn of a few 0.01 nPa in the
#:   OMNI data (:cite:`king2005`); n at its VALIDMIN (0.01 cm^-3) at 300 km/s gives 1.8e-3 nPa. Below
#:   1e-3 nPa the magnetopause models answer with stand-offs beyond 40 RE (Shue et al. 1998: 32 RE,
#:   Jelínek et al. 2012: 48 RE), and the Jelínek magnetopause passes outside its bow shock below
#:   0.014 nPa. pdyn = 1e-30 nPa (a 399 824 RE magnetopause) is refused.
#: - pdyn <= 2e-6 n_max v_max^2 (OMNI definition), pm <= ``|B|_max^2 / 2 mu0`` with ``|B|_max`` = sqrt(3)
#:   x the component VALIDMAX, ``|bz|`` <= the b_gsm VALIDMAX.
PHYSICAL_DRIVER_RANGES: dict[str, tuple[float, float, str, str]] = {
    "pdyn": (
        1.0e-3,
        float(derived.pdyn(PRIMARY_VARIABLES["n"]["VALIDMAX"], PRIMARY_VARIABLES["v_gse"]["VALIDMAX"])),
        "nPa",
        "below 1e-3 nPa no solar wind has been seen (11 May 1999: a few 0.01 nPa); above, the VALIDMAX of n "
        "and V",
    ),
    "pm": (
        0.0,
        float(derived.magnetic_pressure(np.sqrt(3.0) * PRIMARY_VARIABLES["b_gsm"]["VALIDMAX"])),
        "nPa",
        "from the VALIDMAX of b_gsm",
    ),
    "bz": (
        PRIMARY_VARIABLES["b_gsm"]["VALIDMIN"],
        PRIMARY_VARIABLES["b_gsm"]["VALIDMAX"],
        "nT",
        "VALIDMIN/VALIDMAX of b_gsm",
    ),
}

#: ISTP fill value for real variables.
FILLVAL = -1.0e31

_VECTORS = ("v_gse", "b_gse", "b_gsm")
_DT_ZERO = np.timedelta64(0, "ns")


def check_physical(name: str, values: np.ndarray, times=None) -> None:
    """Refuse values of a primary variable or a driver outside its physical range (NaN passes).

    ``name`` is one of :data:`PRIMARY_VARIABLES` (checked against its VALIDMIN/VALIDMAX; a velocity
    also by its speed, at most VALIDMAX, and its direction,
    :func:`smilekit._validation.check_flow_direction`) or of :data:`PHYSICAL_DRIVER_RANGES`; ``values``
    are plain floats in that variable's unit; ``times``, one per record, say where the first offending
    value is.

    Raises
    ------
    InputError
        With the value, the range and where the range comes from.

    Examples
    --------
    >>> check_physical("n", np.array([5.0, 1.0e9]))
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: n 1e+09 cm^-3 (1 of 2 values) is outside the physical range [0.01, 1000] ...
    """
    if name in PHYSICAL_DRIVER_RANGES:
        low, high, unit, why = PHYSICAL_DRIVER_RANGES[name]
        check_range(values, name, low, high, unit, why, labels=times)
        return
    meta = PRIMARY_VARIABLES[name]
    why = f"VALIDMIN/VALIDMAX of the solar-wind variable {name}"
    check_range(values, name, meta["VALIDMIN"], meta["VALIDMAX"], meta["units"], why, labels=times)
    if name == "v_gse":
        vectors = np.asarray(values, dtype=np.float64).reshape(-1, 3)
        ok = ~np.isnan(vectors).any(axis=1)
        vectors = vectors[ok]
        speed = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
        at = None if times is None else np.asarray(times).reshape(-1)[ok]
        check_range(
            speed, "speed |v_gse|", 0.0, meta["VALIDMAX"], meta["units"], f"{why} (the speed)", labels=at
        )
        check_flow_direction(vectors, name)


def as_time(time, name: str = "time") -> np.ndarray:
    """Return ``time`` as a ``datetime64[ns]`` array (UTC).

    Accepts numpy ``datetime64`` values or arrays, ISO strings, :class:`pandas.DatetimeIndex` (a
    time-zone aware one is converted to UTC), :class:`datetime.datetime` and :class:`astropy.time.Time`
    (converted to the UTC scale).
    """

    if isinstance(time, Time):
        return np.asarray(time.utc.datetime64, dtype="datetime64[ns]")
    if isinstance(time, int | float | complex | np.number) or (
        isinstance(time, np.ndarray | list | tuple) and np.asarray(time).dtype.kind in "biufc"
    ):
        raise InputError(
            f"{name} must be UTC times (numpy datetime64, ISO strings, pandas or astropy times), got the "
            f"number(s) {str(time)[:60]}: a number is no time (which epoch, which unit?)"
        )
    try:
        index = pd.DatetimeIndex(np.atleast_1d(np.asarray(time)) if np.ndim(time) == 0 else time)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} must be UTC times (numpy datetime64, ISO strings, pandas or astropy times), "
            f"got {time!r}: {exc}"
        ) from None
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    out = index.to_numpy(dtype="datetime64[ns]")
    return out.reshape(np.shape(time)) if np.ndim(time) == 0 else out


def as_timedelta(value, name: str) -> np.timedelta64:
    """Return a positive duration as ``timedelta64[ns]``.

    Accepts an astropy time Quantity (``5 * u.min``), a :class:`numpy.timedelta64`, a
    :class:`datetime.timedelta` or a pandas offset string such as ``"5min"``.
    """
    if isinstance(value, u.Quantity):
        seconds = as_value(value, u.s, name, positive=True)
        if seconds.ndim:
            raise InputError(f"{name} must be one duration, got shape {seconds.shape}")
        out = np.timedelta64(round(float(seconds) * 1e9), "ns")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        raise InputError(
            f"{name} must be a duration with a unit, got the unitless number {value!r}; "
            f"e.g. {name}=5 * u.min or {name}='5min'"
        )
    else:
        try:
            out = pd.Timedelta(value).to_timedelta64().astype("timedelta64[ns]")
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"{name} must be a duration (astropy time Quantity, numpy timedelta64 or a string such as "
                f"'5min'), got {value!r}: {exc}"
            ) from None
    if out <= _DT_ZERO:
        raise InputError(f"{name} must be a positive duration, got {value!r}")
    return out


def _variable_attrs(name: str) -> dict:
    attrs = dict(PRIMARY_VARIABLES[name])
    attrs.update(
        {
            "FILLVAL": FILLVAL,
            "DEPEND_0": "time",
            "VAR_TYPE": "data",
            "DISPLAY_TYPE": "time_series",
            "FORMAT": "F12.4" if name != "t" else "E12.4",
        }
    )
    if name in _VECTORS:
        attrs["DEPEND_1"] = "component"
    return attrs


def missing_records(values: np.ndarray) -> np.ndarray:
    """True where a record is missing: NaN in a scalar, or in any component of a vector."""
    nan = np.isnan(values)
    return nan.any(axis=-1) if values.ndim == 2 else nan


def rotate_vectors(vectors: np.ndarray, unit, time: np.ndarray, from_frame: str, to_frame: str) -> np.ndarray:
    """Rotate (N, 3) plain vectors (in ``unit``) between frames; rows with NaN stay NaN."""

    out = np.full_like(vectors, np.nan)
    ok = ~np.isnan(vectors).any(axis=1)
    if ok.any():
        rotated = transform(vectors[ok] * unit, time[ok], from_frame, to_frame)
        out[ok] = np.asarray(rotated.to_value(unit))
    return out


class SolarWind:
    """A solar-wind time series: n, V (GSE), B (GSE and GSM) and T on a time axis.

    Parameters
    ----------
    time : array of datetime64 (or anything :func:`as_time` accepts)
        UTC record times, strictly increasing.
    n : Quantity
        Proton number density, shape (N,), > 0 (cm^-3).
    v_gse : Quantity
        Bulk velocity in GSE, shape (N, 3) (km/s).
    b_gse, b_gsm : Quantity, optional
        IMF in GSE or GSM, shape (N, 3) (nT). Give at least one; the other is computed with
        :func:`smilekit.frames.transform` at each record's time. Given both, both are kept as they are
        (OMNI2 carries both).
    t : Quantity
        Proton temperature, shape (N,), > 0 (K).
    source : str
        Where the data come from (file name, scenario, ...); stored in ``ds.attrs["source"]``.
    allow_gaps : bool
        Let NaN through as missing data (readers and gap tools use this). Default False: NaN is an
        :class:`~smilekit.errors.InputError`.
    attrs : dict, optional
        Extra dataset attributes (provenance, citation, frame of origin, ...).

    Raises
    ------
    InputError
        Unitless or wrong-unit input, negative or zero density or temperature, NaN (unless
        ``allow_gaps``), inconsistent shapes, or times that are not strictly increasing.

    Examples
    --------
    >>> import astropy.units as u, numpy as np
    >>> time = np.array(["2015-06-22T00:00", "2015-06-22T00:01"], dtype="datetime64[ns]")
    >>> sw = SolarWind(time, n=[5.0, 10.0] * u.cm**-3, v_gse=[[-400, 0, 0], [-400, 0, 0]] * u.km / u.s,
    ...                b_gse=[[0, 0, -5], [0, 0, -5]] * u.nT, b_gsm=[[0, 0, -5], [0, 0, -5]] * u.nT,
    ...                t=[1e5, 1e5] * u.K)
    >>> sw.pdyn.values.round(2).tolist()
    [1.6, 3.2]
    """

    def __init__(
        self,
        time,
        *,
        n,
        v_gse,
        b_gse=None,
        b_gsm=None,
        t,
        source: str = "",
        allow_gaps: bool = False,
        attrs: dict | None = None,
    ) -> None:
        time = as_time(time)
        if time.ndim != 1:
            raise InputError(f"time must be one-dimensional, got shape {time.shape}")
        checks = {"allow_nan": allow_gaps}
        n_val = as_value(n, u.cm**-3, "n", positive=True, **checks)
        v_val = as_vector(v_gse, u.km / u.s, "v_gse", **checks)
        t_val = as_value(t, u.K, "t", positive=True, **checks)
        if b_gse is None and b_gsm is None:
            raise InputError("give the IMF as b_gse or b_gsm (a Quantity in nT of shape (N, 3)); got neither")
        bgse = None if b_gse is None else as_vector(b_gse, u.nT, "b_gse", **checks)
        bgsm = None if b_gsm is None else as_vector(b_gsm, u.nT, "b_gsm", **checks)
        size = time.size
        for name, value, shape in (
            ("n", n_val, (size,)),
            ("t", t_val, (size,)),
            ("v_gse", v_val, (size, 3)),
            ("b_gse", bgse, (size, 3)),
            ("b_gsm", bgsm, (size, 3)),
        ):
            if value is not None and value.shape != shape:
                raise InputError(f"{name} must have shape {shape} to match {size} times, got {value.shape}")
        if size == 0:
            raise InputError("a SolarWind needs at least one record; got an empty time axis")
        if np.isnat(time).any():
            raise InputError(f"time contains NaT at index {int(np.flatnonzero(np.isnat(time))[0])}")
        _check_increasing(time)
        for name, value in (("n", n_val), ("v_gse", v_val), ("t", t_val), ("b_gse", bgse), ("b_gsm", bgsm)):
            if value is not None:
                check_physical(name, value, times=time)
        if bgsm is None:
            bgsm = rotate_vectors(bgse, u.nT, time, "GSE", "GSM")
        elif bgse is None:
            bgse = rotate_vectors(bgsm, u.nT, time, "GSM", "GSE")
        ds = xr.Dataset(
            {
                "n": ("time", n_val),
                "v_gse": (("time", "component"), v_val),
                "b_gse": (("time", "component"), bgse),
                "b_gsm": (("time", "component"), bgsm),
                "t": ("time", t_val),
            },
            coords={"time": time, "component": ["x", "y", "z"]},
        )
        base = {"source": source, "frame_of_origin": "GSE" if b_gse is not None else "GSM"}
        base.update(attrs or {})
        ds.attrs.update(base)
        self._ds = _finish(ds)

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> SolarWind:
        """Wrap an existing dataset (e.g. ``sw.ds`` after xarray operations), checking its content.

        The dataset needs the variables ``n``, ``v_gse``, ``b_gse``, ``b_gsm`` and ``t`` with the
        dimensions described in the module docstring; values are in the units this module uses (a
        ``units`` attribute, if present, must say so). NaN marks missing data. Other variables and
        attributes are kept. The ``<name>_fill`` counts are recomputed.
        """
        if not isinstance(ds, xr.Dataset):
            raise InputError(f"from_dataset needs an xarray.Dataset, got {type(ds).__name__}")
        missing = [name for name in PRIMARY_VARIABLES if name not in ds]
        if missing:
            raise InputError(
                f"the dataset lacks the solar-wind variable(s) {missing}; needed: {list(PRIMARY_VARIABLES)}"
            )
        for name, meta in PRIMARY_VARIABLES.items():
            unit = ds[name].attrs.get("units")
            if unit is not None and u.Unit(unit) != u.Unit(meta["units"]):
                raise InputError(f"dataset variable {name} is in {unit}; {meta['units']} is required")
            dims = ("time", "component") if name in _VECTORS else ("time",)
            if ds[name].dims != dims:
                raise InputError(f"dataset variable {name} has dimensions {ds[name].dims}, expected {dims}")
        # values through the same checks as the constructor
        sw = cls.__new__(cls)
        time = as_time(ds["time"].values)
        _check_increasing(time)
        for name, meta in PRIMARY_VARIABLES.items():
            values = ds[name].values.astype(np.float64)
            positive = name in ("n", "t")
            as_value(values * u.Unit(meta["units"]), meta["units"], name, positive=positive, allow_nan=True)
            check_physical(name, values, times=time)
        ds = ds.assign_coords(time=time)
        sw._ds = _finish(ds.copy())
        return sw

    # --- basic access ---------------------------------------------------------------------------
    @property
    def ds(self) -> xr.Dataset:
        """The underlying :class:`xarray.Dataset` (treat as read-only; use :meth:`from_dataset`)."""
        return self._ds

    @property
    def time(self) -> xr.DataArray:
        """Record times, a ``datetime64[ns]`` (UTC) DataArray (``.values`` for the numpy array)."""
        return self._ds["time"]

    @property
    def _t(self) -> np.ndarray:
        return self._ds["time"].values

    def __len__(self) -> int:
        return int(self._ds.sizes["time"])

    def __repr__(self) -> str:
        if len(self) == 0:
            return "SolarWind(empty)"
        return (
            f"SolarWind({len(self)} records, {self._t[0]} to {self._t[-1]}, "
            f"source={self._ds.attrs.get('source', '')!r})"
        )

    @property
    def n(self) -> u.Quantity:
        """Proton density (cm^-3), NaN where missing."""
        return self._ds["n"].values * u.cm**-3

    @property
    def v_gse(self) -> u.Quantity:
        """Bulk velocity in GSE (km/s), shape (N, 3)."""
        return self._ds["v_gse"].values * (u.km / u.s)

    @property
    def b_gse(self) -> u.Quantity:
        """IMF in GSE (nT), shape (N, 3)."""
        return self._ds["b_gse"].values * u.nT

    @property
    def b_gsm(self) -> u.Quantity:
        """IMF in GSM (nT), shape (N, 3)."""
        return self._ds["b_gsm"].values * u.nT

    @property
    def t(self) -> u.Quantity:
        """Proton temperature (K)."""
        return self._ds["t"].values * u.K

    @property
    def fill_counts(self) -> dict[str, int]:
        """Number of records in which each primary variable is missing (NaN)."""
        return {name: int(self._ds.attrs[f"{name}_fill"]) for name in PRIMARY_VARIABLES}

    # --- derived quantities ---------------------------------------------------------------------
    def _derived(self, values, name: str, units: str, description: str) -> xr.DataArray:
        return xr.DataArray(
            np.asarray(values, dtype=np.float64),
            coords={"time": self._ds["time"]},
            dims="time",
            name=name,
            attrs={"units": units, "CATDESC": description, "DEPEND_0": "time", "FILLVAL": FILLVAL},
        )

    def _speed(self) -> np.ndarray:
        return np.linalg.norm(self._ds["v_gse"].values, axis=1)

    def _bmag(self) -> np.ndarray:
        return np.linalg.norm(self._ds["b_gsm"].values, axis=1)

    @property
    def speed(self) -> xr.DataArray:
        """Bulk speed ``|V|`` (km/s)."""
        return self._derived(self._speed(), "speed", "km/s", "Solar wind bulk speed |V|")

    @property
    def b_magnitude(self) -> xr.DataArray:
        """IMF magnitude ``|B|`` (nT)."""
        return self._derived(self._bmag(), "b_magnitude", "nT", "IMF magnitude |B|")

    @property
    def bz(self) -> xr.DataArray:
        """IMF Bz in GSM (nT)."""
        return self._derived(self._ds["b_gsm"].values[:, 2], "bz_gsm", "nT", "IMF Bz, GSM")

    @property
    def by(self) -> xr.DataArray:
        """IMF By in GSM (nT)."""
        return self._derived(self._ds["b_gsm"].values[:, 1], "by_gsm", "nT", "IMF By, GSM")

    @property
    def pdyn(self) -> xr.DataArray:
        """Dynamic pressure, OMNI definition 2e-6 n V^2 (nPa) (OMNI2 format description, word 29)."""
        value = derived.pdyn(self._ds["n"].values, self._speed())
        return self._derived(value, "pdyn", "nPa", "Solar wind dynamic pressure, OMNI 2e-6 n V^2")

    @property
    def pm(self) -> xr.DataArray:
        """IMF magnetic pressure B^2 / (2 mu0) (nPa)."""
        value = derived.magnetic_pressure(self._bmag())
        return self._derived(value, "pm", "nPa", "IMF magnetic pressure B^2/(2 mu0)")

    @property
    def flux(self) -> xr.DataArray:
        """Proton flux n ``|V|`` (cm^-2 s^-1)."""
        value = derived.particle_flux(self._ds["n"].values, self._speed())
        return self._derived(value, "flux", "cm^-2 s^-1", "Solar wind proton flux n |V|")

    @property
    def clock_angle(self) -> xr.DataArray:
        """IMF clock angle atan2(By, Bz) in GSM, degrees in [0, 360): 0 north, 90 duskward, 180 south."""
        b = self._ds["b_gsm"].values
        value = derived.clock_angle(b[:, 1], b[:, 2])
        return self._derived(value, "clock_angle", "deg", "IMF clock angle atan2(By, Bz), GSM")

    @property
    def alfven_mach(self) -> xr.DataArray:
        """Alfvén Mach number V / v_A with the proton Alfvén speed B / sqrt(mu0 n m_p) (dimensionless)."""
        value = derived.alfven_mach(self._speed(), self._bmag(), self._ds["n"].values)
        return self._derived(value, "alfven_mach", "1", "Alfven Mach number V/vA (protons)")

    @property
    def magnetosonic_mach(self) -> xr.DataArray:
        """Fast magnetosonic Mach number V / sqrt(v_A^2 + c_s^2) (gamma 5/3, Te = Tp; dimensionless)."""
        value = derived.magnetosonic_mach(
            self._speed(), self._bmag(), self._ds["n"].values, self._ds["t"].values
        )
        return self._derived(value, "magnetosonic_mach", "1", "Fast magnetosonic Mach number")

    @property
    def newell_coupling(self) -> xr.DataArray:
        """Newell et al. (2007) coupling V^(4/3) B_T^(2/3) sin^(8/3)(theta_c/2), (km/s)^(4/3) nT^(2/3).

        :cite:`newell2007`, Eq. (2).
        """
        b = self._ds["b_gsm"].values
        value = derived.newell_coupling(self._speed(), b[:, 1], b[:, 2])
        return self._derived(
            value, "newell_coupling", "(km/s)^(4/3) nT^(2/3)", "Newell et al. (2007) coupling function"
        )

    # --- selection, interpolation, iteration -----------------------------------------------------
    def select(self, start=None, end=None) -> SolarWind:
        """The records with ``start <= time <= end`` (either bound may be None).

        Raises
        ------
        InputError
            If no record falls in the interval, or ``end`` is before ``start``.
        """
        lo = None if start is None else as_time(start, "start")
        hi = None if end is None else as_time(end, "end")
        if lo is not None and hi is not None and hi < lo:
            raise InputError(f"select: end {hi} is before start {lo}")
        mask = np.ones(len(self), dtype=bool)
        if lo is not None:
            mask &= self._t >= lo
        if hi is not None:
            mask &= self._t <= hi
        if not mask.any():
            raise InputError(
                f"select: no record between {lo} and {hi}; the series covers {self._t[0]} to {self._t[-1]}"
            )
        return SolarWind.from_dataset(self._ds.isel(time=np.flatnonzero(mask)))

    def _interp_row(self, when: np.datetime64) -> dict[str, np.ndarray]:
        """Values at ``when`` (inside the series): the record itself at a record time, else linear
        interpolation between the two neighbours (so a record next to a gap is still usable)."""
        times = self._t
        k = int(np.searchsorted(times, when, side="right")) - 1
        out = {}
        if times[k] == when:
            for name in PRIMARY_VARIABLES:
                out[name] = np.asarray(self._ds[name].values[k], dtype=np.float64)
            return out
        w = float((when - times[k]) / (times[k + 1] - times[k]))
        for name in PRIMARY_VARIABLES:
            values = self._ds[name].values
            out[name] = (1.0 - w) * values[k] + w * values[k + 1]
        return out

    def at(self, time) -> SolarWindState:
        """The state at ``time``, linearly interpolated between the neighbouring records.

        Raises
        ------
        InputError
            If ``time`` is outside the series, or falls next to a missing record (a gap).
        """
        when = as_time(time, "time")
        if when.ndim:
            if when.size != 1:
                raise InputError(f"at() takes one time, got {when.size}; use select() or states()")
            when = when.reshape(())
        when = np.datetime64(when, "ns")
        if when < self._t[0] or when > self._t[-1]:
            raise InputError(
                f"time {when} is outside the solar-wind series, which covers {self._t[0]} to {self._t[-1]}"
            )
        row = self._interp_row(when)
        if any(np.isnan(value).any() for value in row.values()):
            bad = [name for name, value in row.items() if np.isnan(value).any()]
            raise InputError(
                f"no valid solar wind at {when}: {', '.join(bad)} missing there (a data gap); "
                "use smilekit.solarwind.gaps.fill_gaps or pick another time"
            )
        return SolarWindState(
            n=row["n"] * u.cm**-3,
            v_gse=row["v_gse"] * (u.km / u.s),
            b_gsm=row["b_gsm"] * u.nT,
            t=row["t"] * u.K,
            time=when,
        )

    def valid(self) -> np.ndarray:
        """Boolean mask of the records where every primary variable is present."""
        mask = np.ones(len(self), dtype=bool)
        for name in PRIMARY_VARIABLES:
            mask &= ~missing_records(self._ds[name].values)
        return mask

    def states(self, *, skip_gaps: bool = True) -> Iterator[SolarWindState]:
        """Iterate over the records as :class:`SolarWindState` objects.

        Records with a missing value are skipped (``skip_gaps=True``) or raise an InputError.
        """
        ds = self._ds
        n, v, b, t = (ds[name].values for name in ("n", "v_gse", "b_gsm", "t"))
        valid = self.valid()
        for i, when in enumerate(self._t):
            if not valid[i]:
                if skip_gaps:
                    continue
                raise InputError(f"record {i} at {when} has missing values (a data gap)")
            yield SolarWindState(
                n=n[i] * u.cm**-3, v_gse=v[i] * (u.km / u.s), b_gsm=b[i] * u.nT, t=t[i] * u.K, time=when
            )

    def resample(self, cadence) -> SolarWind:
        """Block averages on a regular grid of step ``cadence`` (bins labelled by their start).

        Each bin is the mean of the records it holds (NaN ignored); a bin without data is NaN. A
        ``quality`` variable, if present, takes the bin's worst (largest) code. Vectors are averaged
        component by component (so ``|<B>|`` <= ``<|B|>``, as in OMNI's word 10 versus word 9).

        Parameters
        ----------
        cadence : Quantity, numpy.timedelta64 or str
            The bin width, e.g. ``5 * u.min`` or ``"1h"``.
        """
        step = as_timedelta(cadence, "cadence")
        ds = self._ds
        others = [name for name in ds.data_vars if name != "quality"]
        resampler = ds[others].resample(time=pd.Timedelta(step))
        out = resampler.mean(keep_attrs=True)
        if "quality" in ds:
            quality = ds["quality"].resample(time=pd.Timedelta(step)).max(keep_attrs=True)
            out["quality"] = quality.fillna(2).astype(np.int8)
            out["quality"].attrs = dict(ds["quality"].attrs)
        out.attrs = dict(ds.attrs)
        out.attrs["resampled"] = f"block mean over {pd.Timedelta(step)}"
        return SolarWind.from_dataset(out)

    def to_dataframe(self, derived_quantities: bool = True) -> pd.DataFrame:
        """A :class:`pandas.DataFrame` indexed by time, one column per scalar (``bx_gse``, ...).

        Column names carry no units; the units are those of this module (cm^-3, km/s, nT, K, nPa).
        With ``derived_quantities`` the columns pdyn, pm, flux, clock_angle, alfven_mach,
        magnetosonic_mach and newell_coupling are added.
        """
        ds = self._ds
        columns: dict[str, np.ndarray] = {}
        for name in ds.data_vars:
            values = ds[name].values
            if ds[name].dims == ("time",):
                columns[name] = values
            elif ds[name].dims == ("time", "component"):
                prefix, _, frame = name.partition("_")
                for k, comp in enumerate("xyz"):
                    columns[f"{prefix}{comp}_{frame}" if frame else f"{name}_{comp}"] = values[:, k]
        if derived_quantities:
            for name in (
                "pdyn",
                "pm",
                "flux",
                "clock_angle",
                "alfven_mach",
                "magnetosonic_mach",
                "newell_coupling",
            ):
                columns[name] = getattr(self, name).values
        frame = pd.DataFrame(columns, index=pd.DatetimeIndex(self._t, name="time"))
        return frame


def provenance(sw: SolarWind) -> dict:
    """Where a series came from, as a JSON-able dict: ``source`` (file name), ``format``, ``columns``
    (``{quantity: file column}``), ``ignored_columns`` (list) and ``defaults`` (``{quantity: what was
    assumed and why, with its citation}``), plus format-specific keys (e.g. ``conversions`` of units,
    SWMF ``commands``).

    The readers of :mod:`smilekit.solarwind.readers` record it (the dataset attribute ``provenance``, a
    JSON text); a series made in memory (a scenario, a dataset) gets ``format`` "in memory" and its
    ``source`` attribute.

    Examples
    --------
    >>> from smilekit.solarwind import scenarios
    >>> provenance(scenarios.steady())["defaults"]
    {}
    """
    if not isinstance(sw, SolarWind):
        raise InputError(f"provenance() takes a SolarWind, got {type(sw).__name__}")
    attrs = sw.ds.attrs
    text = attrs.get("provenance")
    if text:
        return json.loads(text)
    return {
        "source": str(attrs.get("source", "")),
        "format": "in memory",
        "columns": {},
        "ignored_columns": [],
        "defaults": {},
    }


def _check_increasing(time: np.ndarray) -> None:
    if time.size > 1:
        step = np.diff(time)
        bad = np.flatnonzero(step <= _DT_ZERO)
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"times must be strictly increasing; record {i + 1} ({time[i + 1]}) does not follow "
                f"record {i} ({time[i]})"
            )


def _finish(ds: xr.Dataset) -> xr.Dataset:
    """Set the ISTP attributes of the primary variables and recount the missing records."""
    ds["time"].attrs.update(
        {
            "FIELDNAM": "Epoch",
            "CATDESC": "Record time, UTC",
            "standard_name": "time",
            "VAR_TYPE": "support_data",
        }
    )
    ds["component"].attrs.update({"CATDESC": "Cartesian vector component", "VAR_TYPE": "metadata"})
    for name in PRIMARY_VARIABLES:
        attrs = _variable_attrs(name)
        ds[name] = ds[name].astype(np.float64)
        ds[name].attrs.update(attrs)
        ds.attrs[f"{name}_fill"] = int(missing_records(ds[name].values).sum())
    ds.attrs.setdefault("time_standard", "UTC")
    return ds
