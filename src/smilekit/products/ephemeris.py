"""The ephemeris and attitude product: the spacecraft track, pointing and operating mode as an ISTP CDF.

Variables (all on ``Epoch``): ``pos_gei`` (km) and ``vel_gei`` (km/s) in GEI of date as propagated,
``pos_gse`` and ``pos_gsm`` (RE = 6371 km), ``altitude`` (km above the 6378.137 km equatorial radius),
``orbit_number`` (perigee to perigee); with an attitude, the unit vectors ``sxi_boresight_gse``,
``sxi_long_axis_gse`` (the 27 deg FOV axis) and ``uvi_boresight_gse``; with a mode timeline, ``mode``
(0 FSM, 1 RSM1, 2 RSM2, 3 RSM3, named in the ``mode`` variable's ``MODE_NAMES`` attribute) and
``sxi_shutter_open`` (1 open, 0 closed).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit.errors import ProductError
from smilekit.mission.modes import MODES
from smilekit.products.cdf import (
    component_labels,
    epoch_attrs,
    istp_global_attrs,
    scalar_attrs,
    vector_attrs,
    write_istp_cdf,
)
from smilekit.products.insitu_cdf import read_insitu_cdf
from smilekit.units import RE_KM

__all__ = ["MODE_CODES", "ephemeris_dataset", "read_ephemeris_cdf", "write_ephemeris_cdf"]

#: Integer codes of the operating modes in the CDF (the order of :data:`smilekit.mission.modes.MODES`).
MODE_CODES = {name: code for code, name in enumerate(MODES)}


def ephemeris_dataset(track, *, attitude=None, timeline=None, text: str = "") -> xr.Dataset:
    """The ISTP dataset of a :class:`~smilekit.mission.orbit.Track` (and its attitude and modes).

    Parameters
    ----------
    track : smilekit.mission.orbit.Track
    attitude : smilekit.mission.pointing.Attitude, optional
        Its ``sxi_boresight_gse``, ``sxi_long_axis_gse`` and ``uvi_boresight_gse`` (N, 3) are stored.
    timeline : smilekit.mission.modes.ModeTimeline, optional
        Its ``mode`` (names) and ``sxi_shutter_open`` are stored.
    text : str
        Added to the ``TEXT`` global attribute (e.g. the propagator settings).
    """
    time = track.time
    frames = ["GEI", "GSE", "GSM"]
    variables = dict(component_labels(frames))
    variables["pos_gei"] = xr.Variable(
        ("Epoch", "component"),
        track.position_gei_km,
        vector_attrs("pos_gei", "Spacecraft position, GEI of date", "km", -1e6, 1e6, "GEI"),
    )
    variables["vel_gei"] = xr.Variable(
        ("Epoch", "component"),
        track.velocity_gei_km_s,
        vector_attrs("vel_gei", "Spacecraft velocity, GEI of date", "km/s", -20.0, 20.0, "GEI"),
    )
    for frame in ("GSE", "GSM"):
        name = f"pos_{frame.lower()}"
        variables[name] = xr.Variable(
            ("Epoch", "component"),
            track.position(frame).to_value("RE"),
            vector_attrs(name, f"Spacecraft position, {frame}", "RE", -200.0, 200.0, frame)
            | {"UNIT_NOTE": f"RE = {RE_KM} km"},
        )
    variables["altitude"] = xr.Variable(
        ("Epoch",),
        track.altitude.to_value("km"),
        scalar_attrs("altitude", "Altitude above the 6378.137 km equatorial radius", "km", 0.0, 1e6),
    )
    variables["orbit_number"] = xr.Variable(
        ("Epoch",),
        track.orbit_number().astype(np.int32),
        scalar_attrs(
            "orbit_number",
            "Orbit counter, +1 at each perigee",
            " ",
            np.int32(0),
            np.int32(100000),
            data=False,
        )
        | {"FILLVAL": np.int32(-2147483648)},
    )
    if attitude is not None:
        for name, description in (
            ("sxi_boresight_gse", "SXI boresight unit vector, GSE"),
            ("sxi_long_axis_gse", "SXI 27 deg field-of-view axis unit vector, GSE"),
            ("uvi_boresight_gse", "UVI boresight unit vector, GSE"),
        ):
            variables[name] = xr.Variable(
                ("Epoch", "component"),
                np.asarray(getattr(attitude, name), dtype=np.float64),
                vector_attrs(name, description, " ", -1.0, 1.0, "GSE"),
            )
    if timeline is not None:
        modes = np.asarray(timeline.mode)
        codes = np.array([MODE_CODES[m] for m in modes], dtype=np.int8)
        variables["mode"] = xr.Variable(
            ("Epoch",),
            codes,
            scalar_attrs("mode", "Operating mode code", " ", np.int8(0), np.int8(3), data=False)
            | {"FILLVAL": np.int8(-128), "MODE_NAMES": ", ".join(f"{v} {k}" for k, v in MODE_CODES.items())},
        )
        variables["sxi_shutter_open"] = xr.Variable(
            ("Epoch",),
            np.asarray(timeline.sxi_shutter_open, dtype=np.int8),
            scalar_attrs(
                "sxi_shutter_open", "SXI shutter open (1) or closed (0)", " ", np.int8(0), np.int8(1)
            )
            | {"FILLVAL": np.int8(-128)},
        )
    attrs = istp_global_attrs(
        data_type="PRE>Predicted",
        descriptor="EPH>Ephemeris and attitude",
        logical_source="smile_pre_eph",
        description="SMILE predicted ephemeris, attitude and operating mode (smilekit simulation)",
        text="Spacecraft track propagated by smilekit.mission. " + text,
        instrument_type="Ephemeris/Attitude/Azimuth/Elevation",
    )
    return xr.Dataset(variables, coords={"Epoch": ("Epoch", time, epoch_attrs(time))}, attrs=attrs)


def write_ephemeris_cdf(
    path, track, *, attitude=None, timeline=None, text: str = "", overwrite: bool = True, provenance=None
):
    """Write :func:`ephemeris_dataset` as an ISTP CDF; returns the path.

    An existing file is replaced unless ``overwrite`` is False
    (:func:`~smilekit.products.cdf.write_istp_cdf`).
    """
    dataset = ephemeris_dataset(track, attitude=attitude, timeline=timeline, text=text)
    return write_istp_cdf(dataset, path, overwrite=overwrite, provenance=provenance)


#: The variables every ephemeris file has (:func:`ephemeris_dataset`); the attitude and modes are optional.
_REQUIRED = ("pos_gei", "vel_gei", "pos_gse", "pos_gsm", "altitude", "orbit_number")


def read_ephemeris_cdf(path) -> xr.Dataset:
    """The ephemeris a file of :func:`write_ephemeris_cdf` holds (its inverse).

    Returns
    -------
    xarray.Dataset
        On ``time`` (UTC, ``datetime64[ns]``) and ``component`` (x, y, z): the variables of the module
        docstring that the file has, with their ``units`` (``pos_gse`` and ``pos_gsm`` in RE) and ``frame``;
        ``mode`` as the integer codes (:data:`MODE_CODES`) and ``sxi_shutter_open`` as written. The global
        attributes are kept.

    Raises
    ------
    ProductError
        Naming the file: not a CDF, no ``Epoch``, or a variable of :func:`ephemeris_dataset` missing.
    """
    ds = read_insitu_cdf(path)
    missing = [name for name in _REQUIRED if name not in ds]
    if missing:
        raise ProductError(f"{path}: not an ephemeris file: it lacks {missing}")
    return ds
