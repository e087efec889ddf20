"""The UVI level-3 product: oval boundaries by MLT sector and hemispheric power per frame, an ISTP CDF.

One record per UVI frame (``Epoch``: the frame's time), from :func:`smilekit.science.aurora.image_boundaries`
and :func:`smilekit.science.aurora.image_hemispheric_power` of the frame's L2. The file is named by the
mission's rule, ``product_name("uvi", "l3", "boundaries", time, ext="cdf")``, i.e.
``smile_uvi_l3_boundaries_<YYYYMMDDThhmmss>_v01.cdf``, and written through
:func:`smilekit.products.cdf.write_istp_cdf` (atomic, cdflib's ISTP checks fatal).

Variables (NaN is written as the ISTP fill value -1e31):

* ``mlt_sector`` (support data, not record varying): MLT sector centres (h); the boundaries' ``DEPEND_1``.
* ``equatorward_mlat``, ``poleward_mlat`` (Epoch, mlt_sector): the boundaries, AACGM-v2 ``|MLAT|`` at the
  emission altitude (deg), fill where not found; ``equatorward_mlat_sigma``, ``poleward_mlat_sigma``: their
  1-sigma uncertainties (deg); ``equatorward_flag``, ``poleward_flag`` (int8): the flags below;
  ``sector_coverage``: fraction of the sector's L2 bins (>= 50 deg) seen.
* ``hemispheric_power``, ``hemispheric_power_sigma`` (Epoch): the electron hemispheric power from the image
  and its 1-sigma error (GW; the noise and the dayglow amplitude's error), over the area seen;
  ``covered_area_fraction``: the share of the area (>= 50 deg MLAT) seen.

Flag values (attributes ``FLAG_VALUES`` and ``FLAG_MEANINGS`` of the flag variables, and ``TEXT``):
0 (:data:`~smilekit.science.aurora.FLAG_FOUND`) found; 1 (``FLAG_NONE``) no run above the threshold in the
sector; 2 (``FLAG_EDGE``) the run reaches the map's edge, the boundary lies beyond it; 3
(:data:`~smilekit.science.aurora.FLAG_UNSEEN`) the crossing or the sector was not seen by the frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.products.cdf import epoch_attrs, istp_global_attrs, scalar_attrs, write_istp_cdf
from smilekit.science.aurora import FLAG_EDGE, FLAG_FOUND, FLAG_NONE, FLAG_UNSEEN

__all__ = ["FLAGS", "uvi_l3_dataset", "write_uvi_l3_cdf"]

#: The boundary flags: value -> meaning.
FLAGS = {
    FLAG_FOUND: "found",
    FLAG_NONE: "no run above the threshold in the sector",
    FLAG_EDGE: "the run reaches the edge of the map: the boundary lies beyond it",
    FLAG_UNSEEN: "not seen: the crossing's latitude bins or the whole sector outside the frame (FLAG_UNSEEN)",
}
_FLAG_TEXT = "; ".join(f"{value}: {text}" for value, text in FLAGS.items())
_INT8_FILL = np.int8(-128)
_BOUNDARY_VARS = ("equatorward_mlat", "poleward_mlat", "equatorward_flag", "poleward_flag", "sector_coverage")


def _frame_time(b: xr.Dataset, k: int) -> np.datetime64:
    if "time" not in b.attrs:
        raise InputError(f"boundaries[{k}] has no 'time' attribute (image_boundaries of an L2 frame has)")
    return np.datetime64(b.attrs["time"], "ns")


def uvi_l3_dataset(
    boundaries: Sequence[xr.Dataset], power: Sequence[xr.Dataset], *, text: str = ""
) -> xr.Dataset:
    """The ISTP dataset of the UVI L3 product (module docstring for the variables and the flags).

    Parameters
    ----------
    boundaries : sequence of xarray.Dataset
        :func:`~smilekit.science.aurora.image_boundaries` of each frame, in increasing time, all on the same
        MLT sectors.
    power : sequence of xarray.Dataset
        :func:`~smilekit.science.aurora.image_hemispheric_power` of the same frames.
    text : str
        Added to the ``TEXT`` global attribute.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    InputError
        No frame, the two sequences of different lengths, a frame without its time or variables, sectors that
        differ between frames, times not strictly increasing or differing between the two sequences.
    """
    for name, value in (("boundaries", boundaries), ("power", power)):
        if isinstance(value, xr.Dataset) or not isinstance(value, Sequence):
            raise InputError(
                f"{name} must be a sequence of one Dataset per frame (a list), got {type(value).__name__}"
            )
    boundaries, power = list(boundaries), list(power)
    if not boundaries:
        raise InputError("boundaries must hold at least one frame")
    if len(power) != len(boundaries):
        raise InputError(f"power has {len(power)} frames, boundaries {len(boundaries)}: give one per frame")
    for k, b in enumerate(boundaries):
        if not isinstance(b, xr.Dataset) or not set(_BOUNDARY_VARS) <= set(b.data_vars):
            raise InputError(f"boundaries[{k}] is not the Dataset of image_boundaries")
    time = np.array([_frame_time(b, k) for k, b in enumerate(boundaries)], dtype="datetime64[ns]")
    for k, p in enumerate(power):
        if not isinstance(p, xr.Dataset) or "electron_power" not in p:
            raise InputError(f"power[{k}] is not the Dataset of image_hemispheric_power")
        if "time" in p.attrs and np.datetime64(p.attrs["time"], "ns") != time[k]:
            raise InputError(f"power[{k}] is of {p.attrs['time']}, boundaries[{k}] of {time[k]}")
    if time.size > 1 and np.any(np.diff(time) <= np.timedelta64(0, "ns")):
        raise InputError("frames must be in strictly increasing time")
    mlt = boundaries[0]["mlt"].values.astype(np.float64)
    for k, b in enumerate(boundaries):
        if b["mlt"].shape != mlt.shape or not np.allclose(b["mlt"].values, mlt):
            raise InputError(f"boundaries[{k}] has other MLT sectors than boundaries[0]")

    def stack(name):
        return np.stack([np.asarray(b[name].values) for b in boundaries])

    def err(name):
        return np.stack(
            [np.asarray(b[name].values) if name in b else np.full(mlt.shape, np.nan) for b in boundaries]
        )

    dims = ("Epoch", "mlt_sector")
    variables = {
        "mlt_sector": xr.Variable(
            ("mlt_sector",),
            mlt,
            scalar_attrs(
                "mlt_sector",
                "Magnetic local time, sector centre",
                "h",
                0.0,
                24.0,
                data=False,
                record_varying=False,
            )
            | {"LABLAXIS": "MLT"},
        )
    }

    def on_sectors(name, description, units, lo, hi, *, data=True):
        attrs = scalar_attrs(name, description, units, lo, hi, data=data)
        attrs.update({"DEPEND_1": "mlt_sector", "DISPLAY_TYPE": "spectrogram"})
        return attrs

    threshold = boundaries[0].attrs.get("threshold")
    units = boundaries[0].attrs.get("threshold_units", "")
    for edge in ("equatorward", "poleward"):
        variables[f"{edge}_mlat"] = xr.Variable(
            dims,
            stack(f"{edge}_mlat").astype(np.float64),
            on_sectors(
                f"{edge}_mlat",
                f"{edge.capitalize()} auroral oval boundary, AACGM-v2 |MLAT| at the emission altitude",
                "deg",
                0.0,
                90.0,
            )
            | {"THRESHOLD": f"{threshold} {units}", "FLAG_VARIABLE": f"{edge}_flag"},
        )
        variables[f"{edge}_mlat_sigma"] = xr.Variable(
            dims,
            err(f"{edge}_mlat_err").astype(np.float64),
            on_sectors(f"{edge}_mlat_sigma", f"1-sigma uncertainty of {edge}_mlat", "deg", 0.0, 90.0),
        )
        flag_attrs = on_sectors(
            f"{edge}_flag", f"Flag of {edge}_mlat", " ", np.int8(0), np.int8(max(FLAGS)), data=False
        )
        flag_attrs.update(
            {
                "FILLVAL": _INT8_FILL,
                "FORMAT": "I4",
                "FLAG_VALUES": np.array(sorted(FLAGS), dtype=np.int8),
                "FLAG_MEANINGS": _FLAG_TEXT,
            }
        )
        variables[f"{edge}_flag"] = xr.Variable(dims, stack(f"{edge}_flag").astype(np.int8), flag_attrs)
    variables["sector_coverage"] = xr.Variable(
        dims,
        stack("sector_coverage").astype(np.float64),
        on_sectors(
            "sector_coverage", "Fraction of the sector's L2 bins (>= 50 deg MLAT) seen", " ", 0.0, 1.0
        ),
    )
    for name, source, description, units, hi in (
        (
            "hemispheric_power",
            "electron_power",
            "Electron hemispheric power from the image, area seen",
            "GW",
            1e4,
        ),
        (
            "hemispheric_power_sigma",
            "electron_power_err",
            "1-sigma error of hemispheric_power (noise and dayglow amplitude)",
            "GW",
            1e4,
        ),
        ("covered_area_fraction", "covered_area_fraction", "Share of the area >= 50 deg MLAT seen", " ", 1.0),
    ):
        lo = -hi if name == "hemispheric_power" else 0.0  # noise may make a dark frame's power negative
        values = np.array([float(p[source]) for p in power], dtype=np.float64)
        variables[name] = xr.Variable(("Epoch",), values, scalar_attrs(name, description, units, lo, hi))
    attrs = istp_global_attrs(
        data_type="L3>Level 3",
        descriptor="UVI>UltraViolet Imager auroral boundaries",
        logical_source="smile_uvi_l3_boundaries",
        description="SMILE UVI auroral oval boundaries and hemispheric power per frame (smilekit simulation)",
        text=(
            "Equatorward and poleward auroral oval boundaries (AACGM-v2 |MLAT|, deg) by MLT sector and the "
            "electron hemispheric power (GW) of each UVI frame (smilekit.science.aurora.image_boundaries, "
            f"image_hemispheric_power). Boundary flags: {_FLAG_TEXT}. " + text
        ).strip(),
        instrument_type="Imaging and Remote Sensing (Magnetosphere/Earth)",
    )
    if "boundary_definition" in boundaries[0].attrs:
        attrs["Boundary_definition"] = str(boundaries[0].attrs["boundary_definition"])
    return xr.Dataset(variables, coords={"Epoch": ("Epoch", time, epoch_attrs(time))}, attrs=attrs)


def write_uvi_l3_cdf(path, boundaries, power, *, text: str = "", overwrite: bool = True, provenance=None):
    """Write :func:`uvi_l3_dataset` as an ISTP CDF at ``path`` (atomically); returns the path.

    Name the file with ``product_name("uvi", "l3", "boundaries", time, ext="cdf")``. An existing file is
    replaced unless ``overwrite`` is False (:func:`~smilekit.products.cdf.write_istp_cdf`).
    """
    return write_istp_cdf(
        uvi_l3_dataset(boundaries, power, text=text), path, overwrite=overwrite, provenance=provenance
    )
