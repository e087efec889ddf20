"""The in-situ products (MAG; LIA to follow) as ISTP CDFs: writers, readers and the helpers they share.

An in-situ product in memory is an xarray Dataset on ``time`` (datetime64[ns]) and, for vectors,
``component`` (x, y, z), whose variables carry ``units`` and, for vectors, ``frame``: the form
:mod:`smilekit.instruments.mag` makes. Writing maps it to an ISTP CDF (``time`` -> ``Epoch``, TT2000; vectors
as (record, 3) variables with a label pointer; flags as unsigned integers with their bits in
``FLAG_BITS``) through :func:`smilekit.products.cdf.write_istp_cdf` (atomic, cdflib's ISTP checks fatal);
reading (:func:`read_insitu_cdf`) maps it back, fill values to NaN, so that a product read from its file
is processed like the one made in memory (``make_l2(read_mag_l1(path), ...)``).

Files are named by the mission's rule (:func:`smilekit.products.names.product_name`):
``smile_mag_l1_fields_<YYYYMMDDThhmmss>_v01.cdf`` (both sensors' readings) and
``smile_mag_l2_fields_<...>.cdf`` (the calibrated field in GSE and GSM), :func:`mag_product_name`.

MAG L1 variables: ``b_inboard``, ``b_outboard`` (nT, each sensor's frame, uncalibrated), ``flag_inboard``,
``flag_outboard`` (uint8, :data:`smilekit.instruments.mag.L1_FLAGS`). MAG L2: ``b_gse``, ``b_gsm`` (nT),
``b_magnitude`` (nT), ``sc_field_body`` (the spacecraft's field estimated at the outboard sensor, body
frame, nT), ``quality`` (uint16, :data:`smilekit.instruments.mag.L2_QUALITY`).
"""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np
import xarray as xr

from smilekit.errors import ProductError
from smilekit.products.cdf import (
    DOUBLE_FILL,
    component_labels,
    epoch_attrs,
    istp_global_attrs,
    scalar_attrs,
    vector_attrs,
    write_istp_cdf,
)
from smilekit.products.names import product_name

__all__ = [
    "MAG_DESCRIPTOR",
    "flag_variable",
    "insitu_dataset",
    "mag_l1_dataset",
    "mag_l2_dataset",
    "mag_product_name",
    "read_insitu_cdf",
    "read_mag_l1",
    "read_mag_l2",
    "vector_variable",
    "write_mag_l1",
    "write_mag_l2",
]

#: The descriptor of the MAG files' names.
MAG_DESCRIPTOR = "fields"

#: ISTP fill values of the unsigned flag types.
_UINT_FILL = {np.dtype(np.uint8): np.uint8(255), np.dtype(np.uint16): np.uint16(65535)}
_MAG_TYPE = "Magnetic Fields (space)"


# ---------------------------------------------------------------------------------------------------
# Shared helpers (MAG now, LIA later)
# ---------------------------------------------------------------------------------------------------
def vector_variable(
    values, name: str, description: str, units: str, valid: tuple[float, float], frame: str
) -> xr.Variable:
    """An (Epoch, component) float64 variable in ``frame`` (needs ``component_labels([frame])``)."""
    return xr.Variable(
        ("Epoch", "component"),
        np.asarray(values, dtype=np.float64),
        vector_attrs(name, description, units, valid[0], valid[1], frame.upper()),
    )


def flag_variable(values, name: str, description: str, bits_text: str) -> xr.Variable:
    """An (Epoch,) unsigned-integer flag variable (uint8 or uint16) with its bits in ``FLAG_BITS``."""
    values = np.asarray(values)
    if values.dtype not in _UINT_FILL:
        raise ProductError(f"flag {name} must be uint8 or uint16, got {values.dtype}")
    top = _UINT_FILL[values.dtype].dtype.type(_UINT_FILL[values.dtype] - 1)
    attrs = scalar_attrs(name, description, " ", values.dtype.type(0), top, data=False)
    attrs.update({"FILLVAL": _UINT_FILL[values.dtype], "FLAG_BITS": bits_text, "FORMAT": "I5"})
    return xr.Variable(("Epoch",), values, attrs)


def insitu_dataset(
    time,
    variables: dict,
    frames,
    *,
    instrument: str,
    level: str,
    descriptor: str,
    long_name: str,
    instrument_type: str,
    text: str,
) -> xr.Dataset:
    """The ISTP dataset of an in-situ product: ``variables`` on ``Epoch`` with the labels of ``frames``.

    ``instrument``, ``level`` and ``descriptor`` are the parts of the file name
    (:func:`smilekit.products.names.product_name`, e.g. "mag", "l2", "fields"), which also make the
    ``Logical_source`` ``smile_<instrument>_<level>_<descriptor>``; ``long_name`` names the instrument in
    ``Descriptor`` (e.g. "Magnetometer"); ``instrument_type`` is an ISTP instrument type.

    Raises
    ------
    ProductError
        For no record or records not in strictly increasing time.
    """
    time = np.asarray(time, dtype="datetime64[ns]")
    if time.size == 0:
        raise ProductError("an in-situ product needs at least one record")
    if time.size > 1 and np.any(np.diff(time) <= np.timedelta64(0, "ns")):
        raise ProductError("the records of an in-situ product must be in strictly increasing time")
    all_variables = dict(component_labels([f.upper() for f in frames]))
    all_variables.update(variables)
    attrs = istp_global_attrs(
        data_type=f"{level.upper()}>Level {level[1:]}",
        descriptor=f"{instrument.upper()}>{long_name}",
        logical_source=f"smile_{instrument}_{level}_{descriptor}",
        description=f"SMILE {long_name} level {level[1:]} (smilekit simulation)",
        text=text,
        instrument_type=instrument_type,
    )
    return xr.Dataset(all_variables, coords={"Epoch": ("Epoch", time, epoch_attrs(time))}, attrs=attrs)


def read_insitu_cdf(path) -> xr.Dataset:
    """Read an in-situ ISTP CDF into the in-memory form: ``time`` and ``component`` dims, fills -> NaN.

    Record-varying variables (``DEPEND_0`` Epoch) are read with their ``UNITS`` as ``units`` and their
    ``COORDINATE_SYSTEM`` as ``frame``; float fill values become NaN, integer flags are kept. Global
    attributes are kept as attrs.

    Raises
    ------
    ProductError
        For a file that is not a CDF or has no ``Epoch``.
    """
    path = Path(path)
    try:
        cdf = cdflib.CDF(str(path))
    except (OSError, ValueError) as exc:
        raise ProductError(f"cannot read {path.name} as a CDF: {exc}") from None
    info = cdf.cdf_info()
    names = list(info.zVariables) + list(info.rVariables)
    if "Epoch" not in names:
        raise ProductError(f"{path.name} has no Epoch variable: not an in-situ product")
    time = np.asarray(cdflib.cdfepoch.to_datetime(cdf.varget("Epoch")), dtype="datetime64[ns]")
    variables = {}
    for name in names:
        attrs = cdf.varattsget(name)
        if attrs.get("DEPEND_0") != "Epoch" or name == "Epoch":
            continue
        data = np.asarray(cdf.varget(name))
        if (
            time.size == 1 and data.ndim in (0, 1) and data.size in (1, 3)
        ):  # cdflib drops a single record's axis
            data = data.reshape(1, -1) if data.size == 3 else data.reshape(1)
        fill = attrs.get("FILLVAL")
        if data.dtype.kind == "f" and fill is not None:
            data = np.where(data == np.asarray(fill).item(), np.nan, data)
        out = {"units": str(attrs.get("UNITS", "")).strip() or " ", "CATDESC": attrs.get("CATDESC", "")}
        if "COORDINATE_SYSTEM" in attrs:
            out["frame"] = attrs["COORDINATE_SYSTEM"]
        if "FLAG_BITS" in attrs:
            out["FLAG_BITS"] = attrs["FLAG_BITS"]
        dims = ("time", "component") if data.ndim == 2 else ("time",)
        variables[name] = (dims, data, out)
    globals_ = {
        k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in cdf.globalattsget().items()
    }
    return xr.Dataset(variables, coords={"time": time, "component": ["x", "y", "z"]}, attrs=globals_)


# ---------------------------------------------------------------------------------------------------
# MAG
# ---------------------------------------------------------------------------------------------------
def mag_product_name(level: str, time, version: int = 1) -> str:
    """The file name of a MAG product (``level`` "l1" or "l2") starting at ``time``.

    Examples
    --------
    >>> mag_product_name("l2", "2026-03-20T12:00")
    'smile_mag_l2_fields_20260320T120000_v01.cdf'
    """
    return product_name("mag", level, MAG_DESCRIPTOR, time, version, ext="cdf")


def _check(ds, level: str, names) -> None:
    if (
        not isinstance(ds, xr.Dataset)
        or ds.attrs.get("level") != level
        or not set(names) <= set(ds.data_vars)
    ):
        raise ProductError(f"expected the MAG {level} Dataset with {sorted(names)}")


def mag_l1_dataset(l1: xr.Dataset, *, text: str = "") -> xr.Dataset:
    """The ISTP dataset of MAG L1 (:func:`smilekit.instruments.mag.make_l1`'s output)."""
    _check(l1, "L1", ("b_inboard", "b_outboard", "flag_inboard", "flag_outboard"))
    range_nt = float(l1.attrs.get("range_nT", 12800.0))
    variables = {}
    for name in ("inboard", "outboard"):
        frame = f"SENSOR_{name.upper()}"
        variables[f"b_{name}"] = vector_variable(
            l1[f"b_{name}"].transpose("time", "component").values,
            f"b_{name}",
            f"Magnetic field reading of the {name} sensor, uncalibrated, in its sensor frame",
            "nT",
            (-range_nt, range_nt),
            frame,
        )
        variables[f"flag_{name}"] = flag_variable(
            l1[f"flag_{name}"].values.astype(np.uint8),
            f"flag_{name}",
            f"Flag bits of the {name} sensor",
            str(l1[f"flag_{name}"].attrs.get("FLAG_BITS", "")),
        )
    ds = insitu_dataset(
        l1["time"].values,
        variables,
        ["SENSOR_INBOARD", "SENSOR_OUTBOARD"],
        instrument="mag",
        level="l1",
        descriptor=MAG_DESCRIPTOR,
        long_name="Magnetometer",
        instrument_type=_MAG_TYPE,
        text=(
            "Readings of the inboard and outboard fluxgate sensors (nT, counts times the digitisation step "
            f"{l1.attrs.get('lsb_nT', '')} nT) in each sensor's frame, before calibration. " + text
        ).strip(),
    )
    ds.attrs["Vector_rate_hz"] = str(l1.attrs.get("vector_rate_hz", ""))
    ds.attrs["Range_nT"] = str(range_nt)
    ds.attrs["LSB_nT"] = str(l1.attrs.get("lsb_nT", ""))
    return ds


def mag_l2_dataset(l2: xr.Dataset, *, text: str = "") -> xr.Dataset:
    """The ISTP dataset of MAG L2 (:func:`smilekit.instruments.mag.make_l2`'s output)."""
    _check(l2, "L2", ("b_gse", "b_gsm", "b_magnitude", "sc_field_body", "quality"))
    variables = {}
    for frame in ("GSE", "GSM"):
        name = f"b_{frame.lower()}"
        variables[name] = vector_variable(
            l2[name].transpose("time", "component").values,
            name,
            f"Ambient magnetic field, {frame}",
            "nT",
            (-20000.0, 20000.0),
            frame,
        )
    variables["b_magnitude"] = xr.Variable(
        ("Epoch",),
        np.asarray(l2["b_magnitude"].values, dtype=np.float64),
        scalar_attrs("b_magnitude", "Magnitude of the ambient magnetic field", "nT", 0.0, 40000.0),
    )
    coefficient = np.asarray(l2.attrs.get("sc_dipole_coefficient_nT_m3", [np.nan] * 3), dtype=np.float64)
    sc = vector_variable(
        l2["sc_field_body"].transpose("time", "component").values,
        "sc_field_body",
        "Spacecraft field estimated at the outboard sensor, body frame",
        "nT",
        (-2000.0, 2000.0),
        "BODY",
    )
    sc.attrs["VAR_TYPE"] = "support_data"
    sc.attrs["DIPOLE_COEFFICIENT_NT_M3"] = np.where(np.isfinite(coefficient), coefficient, DOUBLE_FILL)
    variables["sc_field_body"] = sc
    variables["quality"] = flag_variable(
        l2["quality"].values.astype(np.uint16),
        "quality",
        "Quality bits of the L2 field (0: dual-sensor measurement)",
        str(l2["quality"].attrs.get("FLAG_BITS", "")),
    )
    ds = insitu_dataset(
        l2["time"].values,
        variables,
        ["GSE", "GSM", "BODY"],
        instrument="mag",
        level="l2",
        descriptor=MAG_DESCRIPTOR,
        long_name="Magnetometer",
        instrument_type=_MAG_TYPE,
        text=(
            "Ambient magnetic field (nT) in GSE and GSM: both sensors calibrated with the ground "
            "calibration, the spacecraft's field removed by the dual-magnetometer method (Ness et al. 1971). "
            + text
        ).strip(),
    )
    ds.attrs["Calibration"] = str(l2.attrs.get("calibration", ""))
    ds.attrs["Vector_rate_hz"] = str(l2.attrs.get("vector_rate_hz", ""))
    return ds


def write_mag_l1(path, l1: xr.Dataset, *, text: str = "") -> Path:
    """Write MAG L1 as an ISTP CDF at ``path`` (atomically); name it with :func:`mag_product_name`."""
    return write_istp_cdf(mag_l1_dataset(l1, text=text), path)


def write_mag_l2(path, l2: xr.Dataset, *, text: str = "") -> Path:
    """Write MAG L2 as an ISTP CDF at ``path`` (atomically); name it with :func:`mag_product_name`."""
    return write_istp_cdf(mag_l2_dataset(l2, text=text), path)


def _as_level(ds: xr.Dataset, level: str, names, path) -> xr.Dataset:
    missing = [n for n in names if n not in ds]
    if missing:
        raise ProductError(f"{Path(path).name} is not a MAG {level} file: it lacks {missing}")
    ds.attrs.update({"instrument": "MAG", "level": level})
    return ds


def read_mag_l1(path) -> xr.Dataset:
    """Read a MAG L1 CDF back into :func:`smilekit.instruments.mag.make_l1`'s form (for ``make_l2``)."""
    ds = _as_level(
        read_insitu_cdf(path), "L1", ("b_inboard", "b_outboard", "flag_inboard", "flag_outboard"), path
    )
    ds.attrs["vector_rate_hz"] = float(ds.attrs.get("Vector_rate_hz", "nan") or "nan")
    for name in ("inboard", "outboard"):
        ds[f"flag_{name}"] = ds[f"flag_{name}"].astype(np.uint8)
        ds[f"b_{name}"].attrs["frame"] = f"sensor_{name}"
    return ds


def read_mag_l2(path) -> xr.Dataset:
    """Read a MAG L2 CDF back into :func:`smilekit.instruments.mag.make_l2`'s form."""
    ds = _as_level(read_insitu_cdf(path), "L2", ("b_gse", "b_gsm", "b_magnitude", "quality"), path)
    ds["quality"] = ds["quality"].astype(np.uint16)
    return ds
