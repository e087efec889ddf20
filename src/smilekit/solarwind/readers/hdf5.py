"""Solar-wind series in HDF5 files, such as the Qin-Denton OMNI-derived parameters: see
:func:`read_hdf5`."""

from __future__ import annotations

import json

import h5py
import numpy as np

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import GENERIC_NAMES, _check_path, build_series
from smilekit.solarwind.series import SolarWind

__all__ = ["QIN_DENTON_NAMES", "read_hdf5"]

#: Qin-Denton variable names by quantity, as spacepy.omni documents them for its ``omnidata.h5``
#: (``UTC``, ``Year``, ``DOY``, ``Hr``, ``ByIMF``, ``BzIMF``, ``dens``, ``velo``, ``Pdyn``, ``Kp``, ``Dst``,
#: ``G1``-``G3``, ``W1``-``W6``, ``Qbits``) and as the RBSP-ECT Qin-Denton files name them (``DateTime``,
#: ``Den_P``, ``V_SW``/``Vsw``); Qin et al. (2007), :cite:`qin2007`. By and Bz are GSM (the IMF the
#: Tsyganenko models take); the velocity is the flow speed only; there is no Bx and no temperature.
QIN_DENTON_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("DateTime", "UTC", "Epoch", "Time"),
    "year": ("Year",),
    "doy": ("DOY",),
    "hour": ("Hr", "hour"),
    "n": ("Den_P", "dens"),
    "speed": ("V_SW", "Vsw", "velo"),
    "by_gsm": ("ByIMF",),
    "bz_gsm": ("BzIMF",),
    "pdyn": ("Pdyn",),
    "kp": ("Kp",),
    "dst": ("Dst",),
}
_FILL_ATTRS = ("FILLVAL", "_FillValue", "fill_value", "fillval", "FillValue")


def read_hdf5(path, *, columns=None, warn_gaps: bool = False) -> SolarWind:
    """Read a solar-wind time series from an HDF5 file (e.g. Qin-Denton hourly or 1-min parameters).

    Every one-dimensional dataset (at the top level or in a group, named by its path without the
    leading ``/``) is a column; they are identified by the Qin-Denton names of :data:`QIN_DENTON_NAMES`,
    then by the generic names of :func:`read_table`, or as the ``columns`` map says. The time is an ISO
    8601 text dataset (``DateTime``, ``UTC``, ...) or ``Year``/``DOY``/``Hr`` (decimal hours). A
    dataset's fill value attribute (``FILLVAL``, ``_FillValue``, ...) and ISTP's -1e31 become NaN; a
    ``units`` attribute is converted. Two-dimensional datasets (Qin-Denton's ``G``, ``W`` arrays) and
    the quality bits are listed as ignored.

    Qin-Denton files have no temperature, no Bx and only the flow speed: the series gets the documented
    defaults (Lopez 1987 temperature, Bx = 0, radial flow), recorded in its provenance
    (:func:`smilekit.solarwind.provenance`).

    Parameters
    ----------
    path : str or Path
        The HDF5 file.
    columns : dict or str, optional
        ``{quantity: dataset name}`` for what the names do not say.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Raises
    ------
    InputError
        Not an HDF5 file, datasets that cannot be identified (the message lists them), no time, fewer
        than two records, times not increasing, only fill values.
    """
    path = _check_path(path)
    if not h5py.is_hdf5(path):
        raise InputError(f"{path}: not an HDF5 file")
    table: dict[str, np.ndarray] = {}
    units: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    skipped: list[str] = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        if obj.ndim != 1:
            skipped.append(name)
            return
        values = obj[()]
        attrs = dict(obj.attrs)
        unit = next((attrs[k] for k in ("units", "UNITS", "Units", "unit") if k in attrs), None)
        if isinstance(unit, bytes):
            unit = unit.decode("ascii", "replace")
        if values.dtype.kind in "fiu":
            values = values.astype(float)
            is_fill = np.isclose(values, -1.0e31, rtol=1e-6, atol=0)
            for key in _FILL_ATTRS:
                if key in attrs:
                    fill = float(np.asarray(attrs[key]).ravel()[0])
                    is_fill |= np.isclose(values, fill, rtol=1e-6, atol=0) if np.isfinite(fill) else False
            values[is_fill] = np.nan
            if is_fill.any():
                counts[name] = int(is_fill.sum())
        elif values.dtype.kind == "O":
            values = np.asarray(
                [v.decode("ascii", "replace") if isinstance(v, bytes) else str(v) for v in values]
            )
        table[name] = values
        units[name] = None if unit is None else str(unit)

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(visit)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the HDF5 file ({exc})") from None
    if not table:
        raise InputError(f"{path}: no one-dimensional datasets (a time series) in the file; found {skipped}")
    lengths = [v.shape[0] for v in table.values()]
    size = max(set(lengths), key=lengths.count)
    skipped += [k for k, v in table.items() if v.shape[0] != size]
    table = {k: v for k, v in table.items() if v.shape[0] == size}
    aliases = {q: QIN_DENTON_NAMES.get(q, ()) + GENERIC_NAMES.get(q, ()) for q in GENERIC_NAMES}
    sw = build_series(path, "HDF5", table, units, aliases, columns, fill_counts=counts, warn_gaps=warn_gaps)
    if skipped:
        record = json.loads(sw.ds.attrs["provenance"])
        record["ignored_columns"] += skipped
        sw.ds.attrs["provenance"] = json.dumps(record)
        sw.ds.attrs["ignored_columns"] = ", ".join(record["ignored_columns"])
    return sw
