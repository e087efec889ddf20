"""ISTP-compliant CDF files from xarray Datasets, and the attribute helpers every smilekit CDF product uses.

The ISTP/IACG guidelines (NASA SPDF, https://spdf.gsfc.nasa.gov/istp_guide/) fix the global attributes a file
must carry and the variable attributes (``CATDESC``, ``FIELDNAM``, ``UNITS``, ``FILLVAL``, ``VALIDMIN``,
``VALIDMAX``, ``FORMAT``, ``VAR_TYPE``, ``DEPEND_0``, ``LABL_PTR_1``, ``DISPLAY_TYPE`` ...). Files are written
by :func:`cdflib.xarray.xarray_to_cdf` with its ISTP checks made fatal, so a product that breaks the
guidelines raises :class:`~smilekit.errors.ProductError` instead of being written. Times are
``CDF_TIME_TT2000`` with the standard fill value -9223372036854775808. Vectors are stored as (record, 3)
variables with ``DISPLAY_TYPE = time_series`` and a label pointer, as CDAWeb's own vector products do;
second-rank tensors (a pressure tensor) as (record, 3, 3) variables whose rows and columns each have a
``DEPEND_i`` (the ``component`` and ``component2`` index variables) and a ``LABL_PTR_i`` (the frame's
labels); the MMS FPI L2 moments store their tensors as (record, 3, 3) variables too (e.g.
``mms1_dis_temptensor_gse_brst``; their exact DEPEND/LABL_PTR variable names are not confirmed here).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import cdflib
import numpy as np
import xarray as xr
from cdflib.epochs import CDFepoch
from cdflib.xarray import xarray_to_cdf
from cdflib.xarray.xarray_to_cdf import ISTPError

import smilekit
from smilekit._io import atomic_path
from smilekit.errors import ProductError
from smilekit.times import J2000, WHOLE_LEAP_SECONDS_FROM, check_whole_leap_seconds

__all__ = [
    "GLOBAL_ATTRIBUTES",
    "TT2000_FILL",
    "TimeSeriesVariable",
    "component_labels",
    "epoch_attrs",
    "istp_global_attrs",
    "scalar_attrs",
    "tensor_attrs",
    "time_series_variables",
    "tt2000_values",
    "vector_attrs",
    "write_istp_cdf",
]

TT2000_FILL = np.int64(-9223372036854775808)  #: ISTP fill value of CDF_TIME_TT2000 variables
DOUBLE_FILL = np.float64(-1.0e31)  #: ISTP fill value of CDF_DOUBLE / CDF_REAL8 variables
#: TT - TAI, ns (TT2000's zero is J2000.0 in TT: 2000-01-01T11:58:55.816 UTC).
_TT_MINUS_TAI_NS = 32_184_000_000
#: The names cdflib writes as CDF_TIME_TT2000 whatever their type: Epoch and Epoch_N, any case.
_EPOCH_NAME = re.compile(r"epoch(_[0-9]+)?", re.IGNORECASE)

#: Global attributes that the ISTP guidelines require in every file.
GLOBAL_ATTRIBUTES = (
    "Project",
    "Source_name",
    "Discipline",
    "Data_type",
    "Descriptor",
    "Data_version",
    "Logical_file_id",
    "PI_name",
    "PI_affiliation",
    "TEXT",
    "Instrument_type",
    "Mission_group",
    "Logical_source",
    "Logical_source_description",
)


def istp_global_attrs(
    *, data_type: str, descriptor: str, logical_source: str, description: str, text: str, instrument_type: str
) -> dict[str, str]:
    """The global attributes of a smilekit product (SMILE mission, simulated by smilekit).

    ``data_type`` and ``descriptor`` are ``"SHORT>long"`` pairs (e.g. ``"PRE>Predicted"``,
    ``"EPH>Ephemeris and attitude"``); ``Logical_file_id`` is set from the file name when written.
    """

    return {
        "Project": "SMILE>Solar wind Magnetosphere Ionosphere Link Explorer (ESA-CAS)",
        "Source_name": "SMILE>Solar wind Magnetosphere Ionosphere Link Explorer",
        "Discipline": "Space Physics>Magnetospheric Science",
        "Data_type": data_type,
        "Descriptor": descriptor,
        "Data_version": "01",
        "Logical_file_id": "",
        "PI_name": "smilekit simulation (not mission data)",
        "PI_affiliation": "smilekit developers",
        "TEXT": text,
        "Instrument_type": instrument_type,
        "Mission_group": "SMILE",
        "Logical_source": logical_source,
        "Logical_source_description": description,
        "Generated_by": f"smilekit {smilekit.__version__}",
        "Generation_date": _dt.datetime.now(_dt.UTC).strftime("%Y%m%d"),
    }


def epoch_attrs(time: np.ndarray) -> dict:
    """Variable attributes of the ``Epoch`` time variable (TT2000, ISTP fill value)."""
    return {
        "CATDESC": "Time of the sample, UTC (stored as TT2000)",
        "FIELDNAM": "Epoch",
        "FORMAT": "A23",
        "LABLAXIS": "Epoch",
        "UNITS": "ns",
        "VAR_TYPE": "support_data",
        "FILLVAL": TT2000_FILL,
        "VALIDMIN": np.datetime64("1990-01-01T00:00:00", "ns"),
        "VALIDMAX": np.datetime64("2100-01-01T00:00:00", "ns"),
        "SCALEMIN": time[0],
        "SCALEMAX": time[-1],
        "MONOTON": "INCREASE",
        "TIME_BASE": "J2000",
        "TIME_SCALE": "Terrestrial Time",
        "REFERENCE_POSITION": "Rotating Earth Geoid",
    }


def _fmt(valid_max: float) -> str:
    return "F12.4" if abs(valid_max) < 1e7 else "E14.6"


def scalar_attrs(
    name: str,
    description: str,
    units: str,
    valid_min,
    valid_max,
    *,
    data: bool = True,
    record_varying: bool = True,
) -> dict:
    """Attributes of a scalar variable: one value per record (``DEPEND_0`` Epoch), or, with
    ``record_varying=False``, a value per bin of an axis that is the same in every record (e.g. the MLT
    sectors of a product; no ``DEPEND_0`` and no ``DISPLAY_TYPE``)."""
    integer = isinstance(valid_min, np.integer)
    attrs = {
        "CATDESC": description,
        "FIELDNAM": name,
        **({"DEPEND_0": "Epoch", "DISPLAY_TYPE": "time_series"} if record_varying else {}),
        "FORMAT": "I6" if integer else _fmt(valid_max),
        "LABLAXIS": name,
        "UNITS": units,
        "VAR_TYPE": "data" if data else "support_data",
        "VALIDMIN": valid_min,
        "VALIDMAX": valid_max,
    }
    if not integer:
        attrs["FILLVAL"] = DOUBLE_FILL
    return attrs


def vector_attrs(
    name: str, description: str, units: str, valid_min: float, valid_max: float, frame: str
) -> dict:
    """Attributes of a (record, 3) vector variable in ``frame``; needs :func:`component_labels`."""
    return {
        "CATDESC": description,
        "FIELDNAM": name,
        "DEPEND_0": "Epoch",
        "DEPEND_1": "component",
        "LABL_PTR_1": f"label_{frame.lower()}",
        "DISPLAY_TYPE": "time_series",
        "FORMAT": _fmt(valid_max),
        "UNITS": units,
        "VAR_TYPE": "data",
        "FILLVAL": DOUBLE_FILL,
        "VALIDMIN": np.float64(valid_min),
        "VALIDMAX": np.float64(valid_max),
        "COORDINATE_SYSTEM": frame,
    }


def tensor_attrs(
    name: str, description: str, units: str, valid_min: float, valid_max: float, frame: str
) -> dict:
    """Attributes of a (record, 3, 3) second-rank tensor variable in ``frame``: element ``[i, j]`` is
    row ``i`` (``DEPEND_1`` ``component``), column ``j`` (``DEPEND_2`` ``component2``), both labelled by
    the frame's labels; needs :func:`component_labels` with ``tensors=True``."""
    attrs = vector_attrs(name, description, units, valid_min, valid_max, frame)
    attrs.update({"DEPEND_2": "component2", "LABL_PTR_2": attrs["LABL_PTR_1"]})
    return attrs


def _index_variable(axis: str, description: str) -> xr.Variable:
    return xr.Variable(
        (axis,),
        np.arange(3, dtype=np.int64),
        {
            "CATDESC": f"{description} (0 = x, 1 = y, 2 = z)",
            "FIELDNAM": axis,
            "FORMAT": "I1",
            "UNITS": " ",
            "VAR_TYPE": "support_data",
            "FILLVAL": np.int64(-9223372036854775808),
            "VALIDMIN": np.int64(0),
            "VALIDMAX": np.int64(2),
        },
    )


def component_labels(frames, *, tensors: bool = False) -> dict[str, xr.Variable]:
    """The ``component`` support variable and one ``label_<frame>`` metadata variable per frame; with
    ``tensors``, also ``component2``, the index of a tensor's columns (:func:`tensor_attrs`)."""
    out = {"component": _index_variable("component", "Cartesian component index")}
    if tensors:
        out["component2"] = _index_variable("component2", "Cartesian index of a tensor's column")
    for frame in frames:
        name = f"label_{frame.lower()}"
        out[name] = xr.Variable(
            ("component",),
            np.array([f"{axis} {frame}" for axis in "XYZ"]),
            {
                "CATDESC": f"Labels of the {frame} components",
                "FIELDNAM": name,
                "FORMAT": f"A{len(frame) + 2}",
                "VAR_TYPE": "metadata",
                "DEPEND_1": "component",
                "FILLVAL": " ",
            },
        )
    return out


def tt2000_values(time) -> np.ndarray:
    """CDF ``TT2000`` values (int64: SI nanoseconds since J2000.0 in TT, leap seconds counted) of UTC times.

    ``TT2000 = (t - 2000-01-01T12:00:00) + (TAI - UTC)(t) + 32.184 s`` with the calendar difference in ns
    and TAI - UTC from cdflib's own leap-second table (``cdflib.epochs.CDFepoch.LTS``, the one its
    conversions and readers use, offline); NaT gives :data:`TT2000_FILL`. The vectorised form of what
    :func:`cdflib.cdfepoch.compute_tt2000` does one time at a time, which :func:`write_istp_cdf` would
    otherwise call for every record: the same values.

    Parameters
    ----------
    time : numpy.datetime64 or array of them
        UTC from 1972-01-01 on.

    Raises
    ------
    InputError
        For a time before 1972-01-01 (UTC), when TAI - UTC was not a whole number of seconds.

    Examples
    --------
    >>> int(tt2000_values(np.datetime64("2000-01-01T12:00:00")))  # TAI - UTC = 32 s, TT - TAI = 32.184 s
    64184000000
    """
    t = np.asarray(time, dtype="datetime64[ns]")
    valid = ~np.isnat(t)
    ns = t.astype(np.int64)
    out = np.full(t.shape, TT2000_FILL, dtype=np.int64)
    good = ns[valid]
    j2000 = int(J2000.astype(np.int64))  # calendar ns since 1970, leap seconds not counted
    check_whole_leap_seconds(good, "TT2000 values are made here")
    starts, deltas = _cdf_leap_seconds()
    tai_minus_utc = deltas[np.searchsorted(starts, good, side="right") - 1]
    out[valid] = good - j2000 + tai_minus_utc * 1_000_000_000 + _TT_MINUS_TAI_NS
    return out


@functools.cache
def _cdf_leap_seconds() -> tuple[np.ndarray, np.ndarray]:
    """cdflib's leap-second table from 1972 on: each step's start (UTC ns since 1970) and TAI - UTC (s)."""
    starts = np.array([np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "ns") for y, m, d, *_ in CDFepoch.LTS])
    deltas = np.array([row[3] for row in CDFepoch.LTS])
    whole = starts >= WHOLE_LEAP_SECONDS_FROM
    return starts[whole].astype(np.int64), np.rint(deltas[whole]).astype(np.int64)


def _epochs_as_tt2000(dataset: xr.Dataset) -> xr.Dataset:
    """``dataset`` with its ``Epoch`` (and ``Epoch_N``) datetime64 variables as int64 TT2000 values, every
    variable in its place.

    cdflib writes a variable of such a name as CDF_TIME_TT2000 (unless its ``CDF_DATA_TYPE`` attribute asks
    for another type: left alone) and converts datetime64 values one by one (seconds for a day of 1 Hz
    vectors); int64 values it writes as they are. Times before 1972 are left to cdflib.
    """
    converted = {
        name: xr.Variable(variable.dims, tt2000_values(variable.values), variable.attrs)
        for name, variable in dataset.variables.items()
        if _EPOCH_NAME.fullmatch(str(name))
        and variable.dtype.kind == "M"
        and variable.attrs.get("CDF_DATA_TYPE", "CDF_TIME_TT2000") == "CDF_TIME_TT2000"
        and variable.size
        and not (variable.values < WHOLE_LEAP_SECONDS_FROM).any()
    }
    if not converted:
        return dataset
    data_vars = {name: converted.get(name, v.variable) for name, v in dataset.data_vars.items()}
    coords = {name: converted.get(name, v.variable) for name, v in dataset.coords.items()}
    return xr.Dataset(data_vars, coords, dataset.attrs)


def write_istp_cdf(dataset: xr.Dataset, path, *, overwrite: bool = True, provenance=None) -> Path:
    """Write ``dataset`` as an ISTP CDF at ``path``, after cdflib's ISTP checks.

    The write is atomic (:func:`smilekit._io.atomic_path`): a failure leaves the old file, if any. An
    existing file is replaced unless ``overwrite`` is False (the CDF writers have always replaced theirs;
    the FITS writers refuse by default).

    ``Logical_file_id`` is set to the file name without its extension. NaN is written as ``FILLVAL``.
    ``provenance`` (:class:`~smilekit.products.provenance.Provenance`) adds its global attributes
    (``Parents``, ``Software_version``, ``Generation_date``, ...).

    Raises
    ------
    ProductError
        If a required global attribute is missing, cdflib's ISTP checks fail (the message says which), or
        ``path`` exists and ``overwrite`` is False.
    """

    path = Path(path)
    missing = [name for name in GLOBAL_ATTRIBUTES if name not in dataset.attrs and name != "Logical_file_id"]
    if missing:
        raise ProductError(f"cannot write {path.name}: missing ISTP global attributes {missing}")
    dataset = dataset.copy()
    dataset.attrs["Logical_file_id"] = path.stem
    if provenance is not None:
        dataset.attrs.update(provenance.cdf_attributes())
    dataset = _epochs_as_tt2000(dataset)
    with atomic_path(path, overwrite=overwrite) as temporary:
        temporary.unlink()  # cdflib refuses to write over a file, even an empty one
        try:
            xarray_to_cdf(
                dataset, str(temporary), istp=True, terminate_on_warning=True, auto_fix_depends=False
            )
        except ISTPError as exc:
            raise ProductError(f"{path.name} is not ISTP compliant: {exc}") from None
    return path


@dataclass(frozen=True)
class TimeSeriesVariable:
    """A time series of an ISTP CDF (:func:`time_series_variables`): the variable's ``name``, its ``type``
    (``"double"`` for floating point, ``"integer"``), ``units``, ``size`` (the shape of one record, () for a
    scalar), ``fill`` (its FILLVAL as text, or None) and ``description`` (CATDESC)."""

    name: str
    type: str
    units: str
    size: tuple[int, ...]
    fill: str | None
    description: str


def _attribute_text(value) -> str:
    return " ".join(str(v) for v in np.atleast_1d(value)).strip()


def time_series_variables(path) -> list[TimeSeriesVariable]:
    """The time series of an ISTP CDF, in the file's order: its record-varying numeric variables of
    ``VAR_TYPE`` ``data`` on ``DEPEND_0 = Epoch``, with at most two dimensions per record."""
    cdf = cdflib.CDF(str(path))
    out = []
    for name in cdf.cdf_info().zVariables:
        info = cdf.varinq(name)
        attrs = cdf.varattsget(name)
        if _attribute_text(attrs.get("VAR_TYPE", "")) != "data":
            continue
        if _attribute_text(attrs.get("DEPEND_0", "")) != "Epoch" or not info.Rec_Vary or info.Num_Dims > 2:
            continue
        kind = info.Data_Type_Description
        if "DOUBLE" in kind or "FLOAT" in kind or "REAL" in kind:
            numeric = "double"
        elif "INT" in kind or "BYTE" in kind:
            numeric = "integer"
        else:  # strings and times are not time series of values
            continue
        fill = attrs.get("FILLVAL")
        if fill is not None:
            first = np.atleast_1d(fill)[0]
            fill = repr(float(first)) if numeric == "double" else str(int(first))
        out.append(
            TimeSeriesVariable(
                name=name, type=numeric, units=_attribute_text(attrs.get("UNITS", "")),
                size=tuple(int(d) for d in info.Dim_Sizes), fill=fill,
                description=_attribute_text(attrs.get("CATDESC", "")),
            )
        )  # fmt: skip
    return out
