"""The in-situ products (MAG, LIA) as ISTP CDFs: writers, readers and the helpers they share.

An in-situ product in memory is an xarray Dataset on ``time`` (datetime64[ns]) and, for vectors,
``component`` (x, y, z) (for second-rank tensors also ``component2``, the column), whose variables carry
``units`` and, for vectors and tensors, ``frame``: the form :mod:`smilekit.instruments.mag` makes. Writing
maps it to an ISTP CDF (``time`` -> ``Epoch``, TT2000; vectors as (record, 3) variables with a label
pointer; tensors as (record, 3, 3) variables with ``DEPEND_1``/``DEPEND_2`` and
``LABL_PTR_1``/``LABL_PTR_2`` on the rows and columns, :func:`smilekit.products.cdf.tensor_attrs`; flags
as unsigned integers with their bits in ``FLAG_BITS``) through
:func:`smilekit.products.cdf.write_istp_cdf` (atomic, cdflib's ISTP checks fatal); reading
(:func:`read_insitu_cdf`) maps it back, fill values to NaN, so that a product read from its file is
processed like the one made in memory (``make_l2(read_mag_l1(path), ...)``).

Files are named by the mission's rule (:func:`smilekit.products.names.product_name`):
``smile_mag_l1_fields_<YYYYMMDDThhmmss>_v01.cdf`` (both sensors' readings) and
``smile_mag_l2_fields_<...>.cdf`` (the calibrated field in GSE and GSM), :func:`mag_product_name`.

MAG L1 variables: ``b_inboard``, ``b_outboard`` (nT, each sensor's frame, uncalibrated), ``flag_inboard``,
``flag_outboard`` (uint8, :data:`smilekit.instruments.mag.L1_FLAGS`). MAG L2: ``b_gse``, ``b_gsm`` (nT),
``b_magnitude`` (nT), ``sc_field_body`` (the spacecraft's field estimated at the outboard sensor, body
frame, nT), ``quality`` (uint16, :data:`smilekit.instruments.mag.L2_QUALITY`).

LIA (:func:`lia_product_name`: ``smile_lia_l1_counts_<...>.cdf``, ``smile_lia_l2_moments_<...>.cdf``).
L1: ``counts`` (Epoch, energy, elevation, azimuth; int32; ``DEPEND_1..3`` the non-record-varying support
variables ``energy`` (eV/q step centres), ``elevation`` and ``azimuth`` (deg, bin centres of the particle
velocity direction, LIA frame)), ``quality_flag`` (uint8,
:data:`smilekit.instruments.lia.QUALITY_BITS`), ``spacecraft_potential`` (V).
L2: per species ``s`` (``p`` protons, ``a`` alphas) ``density_s`` (cm^-3), ``velocity_s`` (km/s),
``temperature_s``, ``t_par_s``, ``t_perp_s`` (K), ``pressure_s`` (nPa), ``heat_flux_s`` (mW m^-2), each
with its 1-sigma ``<name>_uncertainty`` (support data, pointed at by ``DELTA_PLUS_VAR`` and
``DELTA_MINUS_VAR``), ``counts_s``; the full tensors ``temperature_tensor_s`` (K) and ``pressure_tensor_s``
(nPa), (Epoch, 3, 3) in the moments' frame (``COORDINATE_SYSTEM``; GSE in a run), element ``[i, j]`` the
``i``-``j`` component (``temperature_s`` is a third of the trace of ``temperature_tensor_s``, ``pressure_s``
of ``pressure_tensor_s``; they have no uncertainty of their own); ``alpha_ratio_inferred`` with its
uncertainty where the moments inferred the alpha fraction (``compute_moments(alpha_temperature_ratio=)``;
NaN where not); and ``quality_flag`` (uint8).
"""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np
import xarray as xr

from smilekit.errors import ProductError
from smilekit.instruments.lia.model import ROTATION_DIMS
from smilekit.instruments.lia.moments import ALPHA_RATIO_BOUNDS
from smilekit.products.cdf import (
    DOUBLE_FILL,
    component_labels,
    epoch_attrs,
    istp_global_attrs,
    scalar_attrs,
    tensor_attrs,
    vector_attrs,
    write_istp_cdf,
)
from smilekit.products.names import product_name

__all__ = [
    "LIA_DESCRIPTORS",
    "MAG_DESCRIPTOR",
    "flag_variable",
    "insitu_dataset",
    "lia_l1_dataset",
    "lia_l2_dataset",
    "lia_product_name",
    "mag_l1_dataset",
    "mag_l2_dataset",
    "mag_product_name",
    "read_insitu_cdf",
    "read_lia_l1",
    "read_lia_l2",
    "read_mag_l1",
    "read_mag_l2",
    "tensor_variable",
    "vector_variable",
    "write_lia_l1",
    "write_lia_l2",
    "write_mag_l1",
    "write_mag_l2",
]

#: The descriptor of the MAG files' names.
MAG_DESCRIPTOR = "fields"

#: ISTP fill values of the unsigned flag types.
_UINT_FILL = {np.dtype(np.uint8): np.uint8(255), np.dtype(np.uint16): np.uint16(65535)}
_MAG_TYPE = "Magnetic Fields (space)"
#: The Cartesian axes of vectors and tensors (coordinate x, y, z when read).
_CARTESIAN = ("component", "component2")


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


def tensor_variable(
    values, name: str, description: str, units: str, valid: tuple[float, float], frame: str
) -> xr.Variable:
    """An (Epoch, component, component2) float64 second-rank tensor in ``frame`` (needs
    ``component_labels([frame], tensors=True)``)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3 or values.shape[1:] != (3, 3):
        raise ProductError(f"tensor {name} must have shape (time, 3, 3), got {values.shape}")
    return xr.Variable(
        ("Epoch", "component", "component2"),
        values,
        tensor_attrs(name, description, units, valid[0], valid[1], frame.upper()),
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
    tensors: bool = False,
) -> xr.Dataset:
    """The ISTP dataset of an in-situ product: ``variables`` on ``Epoch`` with the labels of ``frames``
    (and, with ``tensors``, the ``component2`` axis of :func:`tensor_variable`).

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
    all_variables = dict(component_labels([f.upper() for f in frames], tensors=tensors))
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

    Record-varying variables (``DEPEND_0`` Epoch) are read on ``time`` and the dimensions their
    ``DEPEND_1..3`` name (``component`` for vectors, ``component`` and ``component2`` for tensors, both
    with the coordinate x, y, z; any other, e.g. ``energy``, becomes a coordinate read from its support
    variable) with their ``UNITS`` as ``units`` and their
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
    axes = set()
    for name in names:
        attrs = cdf.varattsget(name)
        if attrs.get("DEPEND_0") != "Epoch" or name == "Epoch":
            continue
        data = np.asarray(cdf.varget(name))
        depends = [attrs[f"DEPEND_{i}"] for i in (1, 2, 3) if f"DEPEND_{i}" in attrs]
        if not depends and data.ndim == 2:  # a vector written without DEPEND_1
            depends = ["component"]
        if time.size == 1 and data.ndim == len(depends):  # cdflib drops a single record's axis
            data = data[np.newaxis]
        fill = attrs.get("FILLVAL")
        if data.dtype.kind == "f" and fill is not None:
            data = np.where(data == np.asarray(fill).item(), np.nan, data)
        out = {"units": str(attrs.get("UNITS", "")).strip() or " ", "CATDESC": attrs.get("CATDESC", "")}
        if "COORDINATE_SYSTEM" in attrs:
            out["frame"] = attrs["COORDINATE_SYSTEM"]
        if "FLAG_BITS" in attrs:
            out["FLAG_BITS"] = attrs["FLAG_BITS"]
        variables[name] = (("time", *depends), data, out)
        axes.update(depends)
    globals_ = {
        k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in cdf.globalattsget().items()
    }
    coords = {"time": time, "component": ["x", "y", "z"]}
    for axis in sorted(axes & set(_CARTESIAN)):
        coords[axis] = ["x", "y", "z"]
    for axis in sorted(axes - set(_CARTESIAN)):  # spectra's support variables (LIA's energy), as coordinates
        units = str(cdf.varattsget(axis).get("UNITS", "")).strip() or " "
        coords[axis] = (axis, np.atleast_1d(cdf.varget(axis)), {"units": units})
    return xr.Dataset(variables, coords=coords, attrs=globals_)


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


def write_mag_l1(path, l1: xr.Dataset, *, text: str = "", provenance=None) -> Path:
    """Write MAG L1 as an ISTP CDF at ``path`` (atomically); name it with :func:`mag_product_name`."""
    return write_istp_cdf(mag_l1_dataset(l1, text=text), path, provenance=provenance)


def write_mag_l2(path, l2: xr.Dataset, *, text: str = "", provenance=None) -> Path:
    """Write MAG L2 as an ISTP CDF at ``path`` (atomically); name it with :func:`mag_product_name`."""
    return write_istp_cdf(mag_l2_dataset(l2, text=text), path, provenance=provenance)


def _read_level(path, instrument: str, level: str, names) -> xr.Dataset:
    """The in situ CDF at ``path`` as a Dataset of ``instrument``'s ``level``; ProductError naming the file
    when it lacks one of ``names``."""
    ds = read_insitu_cdf(path)
    missing = [n for n in names if n not in ds]
    if missing:
        raise ProductError(f"{Path(path).name} is not a {instrument} {level} file: it lacks {missing}")
    ds.attrs.update({"instrument": instrument, "level": level})
    return ds


def read_mag_l1(path) -> xr.Dataset:
    """Read a MAG L1 CDF back into :func:`smilekit.instruments.mag.make_l1`'s form (for ``make_l2``)."""
    ds = _read_level(path, "MAG", "L1", ("b_inboard", "b_outboard", "flag_inboard", "flag_outboard"))
    ds.attrs["vector_rate_hz"] = float(ds.attrs.get("Vector_rate_hz", "nan") or "nan")
    for name in ("inboard", "outboard"):
        ds[f"flag_{name}"] = ds[f"flag_{name}"].astype(np.uint8)
        ds[f"b_{name}"].attrs["frame"] = f"sensor_{name}"
    return ds


def read_mag_l2(path) -> xr.Dataset:
    """Read a MAG L2 CDF back into :func:`smilekit.instruments.mag.make_l2`'s form."""
    ds = _read_level(path, "MAG", "L2", ("b_gse", "b_gsm", "b_magnitude", "quality"))
    ds["quality"] = ds["quality"].astype(np.uint16)
    return ds


# ---------------------------------------------------------------------------------------------------
# LIA
# ---------------------------------------------------------------------------------------------------
#: The descriptors of the LIA files' names, by level.
LIA_DESCRIPTORS = {"l1": "counts", "l2": "moments"}

_LIA_TYPE = "Particles (space)"
_LIA_L1 = ("counts", "quality_flag", "spacecraft_potential")
_INT32_FILL = np.int32(-2147483648)
#: LIA L2 scalar moments: name, description, units, valid range.
_LIA_SCALARS = (
    ("density", "density", "cm^-3", (0.0, 1.0e4)),
    ("temperature", "temperature (trace of the tensor / 3)", "K", (0.0, 1.0e10)),
    ("t_par", "temperature along B", "K", (0.0, 1.0e10)),
    ("t_perp", "temperature across B", "K", (0.0, 1.0e10)),
    ("pressure", "thermal pressure", "nPa", (0.0, 1.0e4)),
)
_LIA_VECTORS = (
    ("velocity", "bulk velocity", "km/s", (-1.0e4, 1.0e4)),
    ("heat_flux", "heat flux", "mW m^-2", (-1.0e3, 1.0e3)),
)
_SPECIES = {"p": "protons", "a": "alphas"}
_TENSOR_DIMS = ("time", "component", "component2")
#: LIA L2 tensors: name, description, units, valid range (off-diagonal elements may be negative).
_LIA_TENSORS = (
    ("temperature_tensor", "temperature tensor (P / n k)", "K", (-1.0e10, 1.0e10)),
    ("pressure_tensor", "pressure tensor", "nPa", (-1.0e4, 1.0e4)),
)


def lia_product_name(level: str, time, version: int = 1) -> str:
    """The file name of a LIA product (``level`` "l1": counts, "l2": moments) starting at ``time``.

    Examples
    --------
    >>> lia_product_name("l2", "2026-03-20T12:00")
    'smile_lia_l2_moments_20260320T120000_v01.cdf'
    """
    if level not in LIA_DESCRIPTORS:
        raise ProductError(f"LIA products are of level {sorted(LIA_DESCRIPTORS)}, got {level!r}")
    return product_name("lia", level, LIA_DESCRIPTORS[level], time, version, ext="cdf")


def _lia_check(ds, what: str, names) -> None:
    if not isinstance(ds, xr.Dataset):
        raise ProductError(f"expected the LIA {what} Dataset, got {type(ds).__name__}")
    missing = [n for n in names if n not in ds.data_vars]
    if missing:
        raise ProductError(f"the LIA {what} Dataset lacks {missing}")
    if not np.issubdtype(ds["time"].dtype, np.datetime64):
        raise ProductError(f"the LIA {what} Dataset needs datetime64 times, got {ds['time'].dtype}")


def _lia_flag(values, description: str, bits) -> xr.Variable:
    values = np.asarray(values)
    if values.size and (np.any(values < 0) or np.any(values > 254)):
        raise ProductError(f"quality_flag must be within 0..254, got {values.min()}..{values.max()}")
    return flag_variable(values.astype(np.uint8), "quality_flag", description, str(bits))


def lia_l1_dataset(counts: xr.Dataset, *, text: str = "") -> xr.Dataset:
    """The ISTP dataset of LIA L1 (:func:`smilekit.instruments.lia.simulate_counts`'s output).

    Raises
    ------
    ProductError
        For a Dataset without ``counts``, ``quality_flag`` or ``spacecraft_potential``, without
        datetime64 times, or with negative counts.
    """
    _lia_check(counts, "counts", _LIA_L1)
    data = counts["counts"].transpose("time", "energy", "elevation", "azimuth").values
    if data.size and int(data.min()) < 0:
        raise ProductError(f"LIA counts must be >= 0, got {int(data.min())}")
    axes = {
        "energy": ("Energy per charge, step centre", "eV", (0.0, 1.0e6)),
        "elevation": ("Elevation of the particle velocity, bin centre, LIA frame", "deg", (-90.0, 90.0)),
        "azimuth": ("Azimuth of the particle velocity, bin centre, LIA frame", "deg", (0.0, 360.0)),
    }
    variables = {
        axis: xr.Variable(
            (axis,),
            np.asarray(counts[axis].values, dtype=np.float64),
            scalar_attrs(axis, desc, units, lo, hi, data=False, record_varying=False),
        )
        for axis, (desc, units, (lo, hi)) in axes.items()
    }
    attrs = scalar_attrs("counts", "Counts per energy-elevation-azimuth bin", "counts", np.int32(0),
                         np.int32(np.iinfo(np.int32).max - 1))  # fmt: skip
    del attrs["LABLAXIS"]  # a spectrogram of more than one axis labels each (LABL_PTR_i), as MMS FPI does
    for i, (axis, (_, units, _)) in enumerate(axes.items(), start=1):
        attrs.update({f"DEPEND_{i}": axis, f"LABL_PTR_{i}": f"label_{axis}"})
        labels = np.array([f"{v:.5g} {units}" for v in variables[axis].values])
        variables[f"label_{axis}"] = xr.Variable(
            (axis,),
            labels,
            {
                "CATDESC": f"Labels of the {axis} bins",
                "FIELDNAM": f"label_{axis}",
                "FORMAT": f"A{max(len(x) for x in labels)}",
                "VAR_TYPE": "metadata",
                "DEPEND_1": axis,
                "FILLVAL": " ",
            },
        )
    attrs["DISPLAY_TYPE"] = "spectrogram"
    attrs.update({"FILLVAL": _INT32_FILL, "FORMAT": "I10"})
    variables["counts"] = xr.Variable(
        ("Epoch", "energy", "elevation", "azimuth"), data.astype(np.int32), attrs
    )
    variables["quality_flag"] = _lia_flag(
        counts["quality_flag"].values,
        "Quality bits of the distribution",
        counts["quality_flag"].attrs.get("bits", ""),
    )
    variables["spacecraft_potential"] = xr.Variable(
        ("Epoch",),
        np.asarray(counts["spacecraft_potential"].values, dtype=np.float64),
        scalar_attrs("spacecraft_potential", "Spacecraft potential", "V", -1.0e3, 1.0e3, data=False),
    )
    frames = []
    if "lia_to_gse" in counts:  # the attitude: what the moments need to be given in GSE (frame="gse")
        rotation = tensor_variable(
            counts["lia_to_gse"].transpose(*ROTATION_DIMS).values, "lia_to_gse",
            "Rotation from the LIA frame to GSE, v_GSE = R v_LIA (rows: GSE x, y, z; columns: LIA x, y, z)",
            " ", (-1.0001, 1.0001), "GSE",  # a rotation's elements, and their last-bit excursions past 1
        )  # fmt: skip
        rotation.attrs["VAR_TYPE"] = "support_data"
        variables["lia_to_gse"], frames = rotation, ["GSE"]
    ds = insitu_dataset(
        counts["time"].values,
        variables,
        frames,
        tensors=bool(frames),
        instrument="lia",
        level="l1",
        descriptor=LIA_DESCRIPTORS["l1"],
        long_name="Light Ion Analyser",
        instrument_type=_LIA_TYPE,
        text=(
            "Counts of the Light Ion Analyser per energy step and angular bin, one distribution per "
            f"accumulation ({counts.attrs.get('accumulation_s', '')} s). " + text
        ).strip(),
    )
    for key in ("accumulation_s", "dwell_s", "species", "frame"):
        ds.attrs[key.capitalize()] = str(counts.attrs.get(key, ""))
    return ds


def lia_l2_dataset(moments: xr.Dataset, *, text: str = "") -> xr.Dataset:
    """The ISTP dataset of LIA L2 (:func:`smilekit.instruments.lia.compute_moments`'s output).

    Raises
    ------
    ProductError
        For a Dataset without the proton and alpha moments (the tensors included), their uncertainties
        or ``quality_flag``, for tensors not (time, 3, 3) on ``component`` and ``component2``, or without
        datetime64 times.
    """
    names = ["quality_flag"]
    for s in _SPECIES:
        for m, *_ in _LIA_SCALARS + _LIA_VECTORS:
            names += [f"{m}_{s}", f"{m}_{s}_uncertainty"]
        names += [f"counts_{s}"] + [f"{m}_{s}" for m, *_ in _LIA_TENSORS]
    _lia_check(moments, "moments", names)
    frame = str(moments.attrs.get("frame", "LIA")).upper()
    variables = {}
    for s, species in _SPECIES.items():
        for m, desc, units, valid in _LIA_SCALARS:
            name = f"{m}_{s}"
            for var, what, data in (
                (name, "", True),
                (f"{name}_uncertainty", "1-sigma uncertainty of ", False),
            ):
                variables[var] = xr.Variable(
                    ("Epoch",),
                    np.asarray(moments[var].values, dtype=np.float64),
                    scalar_attrs(var, f"{what}LIA {species} {desc}", units, valid[0], valid[1], data=data),
                )
        for m, desc, units, valid in _LIA_VECTORS:
            name = f"{m}_{s}"
            for var, what in ((name, ""), (f"{name}_uncertainty", "1-sigma uncertainty of ")):
                variables[var] = vector_variable(
                    moments[var].transpose("time", "component").values,
                    var,
                    f"{what}LIA {species} {desc}, {frame}",
                    units,
                    valid,
                    frame,
                )
            variables[f"{name}_uncertainty"].attrs["VAR_TYPE"] = "support_data"
        for m, desc, units, valid in _LIA_TENSORS:
            name = f"{m}_{s}"
            if set(moments[name].dims) != set(_TENSOR_DIMS):
                raise ProductError(f"{name} must be on {_TENSOR_DIMS}, got {moments[name].dims}")
            variables[name] = tensor_variable(
                moments[name].transpose(*_TENSOR_DIMS).values,
                name,
                f"LIA {species} {desc}, {frame}",
                units,
                valid,
                frame,
            )
        for m, *_ in _LIA_SCALARS + _LIA_VECTORS:
            variables[f"{m}_{s}"].attrs.update(
                {"DELTA_PLUS_VAR": f"{m}_{s}_uncertainty", "DELTA_MINUS_VAR": f"{m}_{s}_uncertainty"}
            )
        variables[f"counts_{s}"] = xr.Variable(
            ("Epoch",),
            np.asarray(moments[f"counts_{s}"].values, dtype=np.float64),
            scalar_attrs(
                f"counts_{s}", f"Counts attributed to the {species}", "counts", 0.0, 1.0e12, data=False
            ),
        )
    if "alpha_ratio_inferred" in moments:  # compute_moments with an alpha_temperature_ratio
        desc = "n_alpha / n_p inferred from the heat flux of unseparated counts (NaN: not inferred)"
        for var, what, data in (
            ("alpha_ratio_inferred", "", True),
            ("alpha_ratio_inferred_uncertainty", "1-sigma uncertainty of ", False),
        ):
            variables[var] = xr.Variable(
                ("Epoch",),
                np.asarray(moments[var].values, dtype=np.float64),
                # the ratio's search reaches below 0 (infer_alpha_ratio's bounds): a noisy zero is negative
                scalar_attrs(
                    var, f"{what}{desc}", " ", ALPHA_RATIO_BOUNDS[0] if data else 0.0, 10.0, data=data
                ),
            )
        variables["alpha_ratio_inferred"].attrs.update(
            {
                "DELTA_PLUS_VAR": "alpha_ratio_inferred_uncertainty",
                "DELTA_MINUS_VAR": "alpha_ratio_inferred_uncertainty",
            }
        )
    variables["quality_flag"] = _lia_flag(
        moments["quality_flag"].values,
        "Quality bits of the moments",
        moments["quality_flag"].attrs.get("bits", ""),
    )
    ds = insitu_dataset(
        moments["time"].values,
        variables,
        [frame],
        instrument="lia",
        level="l2",
        descriptor=LIA_DESCRIPTORS["l2"],
        long_name="Light Ion Analyser",
        instrument_type=_LIA_TYPE,
        text=(
            "Moments of the proton and alpha distributions measured by the Light Ion Analyser, with their "
            "1-sigma uncertainties from counting statistics; the full temperature and pressure tensors, "
            f"{frame}. " + text
        ).strip(),
        tensors=True,
    )
    ds.attrs["Accumulation_s"] = str(moments.attrs.get("accumulation_s", ""))
    ds.attrs["Low_energy_extrapolation"] = str(moments.attrs.get("low_energy_extrapolation", ""))
    return ds


def write_lia_l1(path, counts: xr.Dataset, *, text: str = "", provenance=None) -> Path:
    """Write LIA L1 (counts) as an ISTP CDF at ``path``, atomically (name: :func:`lia_product_name`)."""
    return write_istp_cdf(lia_l1_dataset(counts, text=text), path, provenance=provenance)


def write_lia_l2(path, moments: xr.Dataset, *, text: str = "", provenance=None) -> Path:
    """Write LIA L2 (moments) as an ISTP CDF at ``path``, atomically (name: :func:`lia_product_name`)."""
    return write_istp_cdf(lia_l2_dataset(moments, text=text), path, provenance=provenance)


def _lia_read(path, level: str, names) -> xr.Dataset:
    ds = _read_level(path, "LIA", level, names)
    ds["quality_flag"] = ds["quality_flag"].astype(np.uint8)
    ds["quality_flag"].attrs["bits"] = ds["quality_flag"].attrs.pop("FLAG_BITS", "")
    return ds


def read_lia_l1(path) -> xr.Dataset:
    """Read a LIA L1 CDF back into :func:`smilekit.instruments.lia.simulate_counts`'s form (no
    ``expected``, which is the simulation's truth): ``counts`` (time, energy, elevation, azimuth), and
    ``lia_to_gse`` (time, row, col) where the file has the attitude."""
    ds = _lia_read(path, "L1", _LIA_L1)
    if "lia_to_gse" in ds:
        rotation = ds["lia_to_gse"]
        ds["lia_to_gse"] = (ROTATION_DIMS, rotation.values, {"units": " "})
    ds = ds.drop_vars([c for c in ("component", "component2") if c in ds.coords])
    ds.attrs["accumulation_s"] = float(ds.attrs.get("Accumulation_s", "nan") or "nan")
    ds.attrs["dwell_s"] = float(ds.attrs.get("Dwell_s", "nan") or "nan")
    return ds


def read_lia_l2(path) -> xr.Dataset:
    """Read a LIA L2 CDF back into :func:`smilekit.instruments.lia.compute_moments`'s form, the
    temperature and pressure tensors included: ``temperature_tensor_s`` and ``pressure_tensor_s``
    (time, component, component2), both axes with the coordinate x, y, z, ``frame`` their frame."""
    names = [f"{m}_{s}" for s in _SPECIES for m, *_ in _LIA_SCALARS + _LIA_TENSORS]
    return _lia_read(path, "L2", ["quality_flag", *names])
