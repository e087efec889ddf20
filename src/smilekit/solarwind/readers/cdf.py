"""OMNI (and other solar-wind) CDF files as CDAWeb serves them: see :func:`read_omni_cdf`."""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import GENERIC_NAMES, _check_path, build_series, parse_columns
from smilekit.solarwind.series import SolarWind

__all__ = ["OMNI_CDF_NAMES", "read_omni_cdf"]

#: CDAWeb variable names by quantity: the high-resolution OMNI data sets OMNI_HRO_1MIN and
#: OMNI_HRO_5MIN (``BX_GSE``, ``flow_speed``, ``Vx``, ``proton_density``, ``T``, ``Pressure``, ``SYM_H``,
#: ``AL_INDEX``, ...) and the hourly OMNI2_H0_MRG1HR, whose names end in ``1800`` (``BZ_GSM1800``,
#: ``N1800``, ``V1800``, ``PHI-V1800``, ``THETA-V1800``, ``T1800``, ``KP1800``, ``DST1800``, ...), as listed
#: by CDAWeb's data-set notes (https://cdaweb.gsfc.nasa.gov/misc/NotesO.html#OMNI_HRO_1MIN and
#: #OMNI2_H0_MRG1HR). The hourly set gives the flow as speed and OMNI's flow angles, as OMNI2 does.
OMNI_CDF_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("Epoch",),
    "n": ("proton_density", "N1800"),
    "speed": ("flow_speed", "V1800"),
    "vx_gse": ("Vx",),
    "vy_gse": ("Vy",),
    "vz_gse": ("Vz",),
    "flow_longitude": ("PHI-V1800",),
    "flow_latitude": ("THETA-V1800",),
    "bx_gse": ("BX_GSE", "BX_GSE1800"),
    "by_gse": ("BY_GSE", "BY_GSE1800"),
    "bz_gse": ("BZ_GSE", "BZ_GSE1800"),
    "by_gsm": ("BY_GSM", "BY_GSM1800"),
    "bz_gsm": ("BZ_GSM", "BZ_GSM1800"),
    "t": ("T", "T1800"),
    "pdyn": ("Pressure", "Pressure1800"),
    "sym_h": ("SYM_H",),
    "sym_d": ("SYM_D",),
    "asy_h": ("ASY_H",),
    "asy_d": ("ASY_D",),
    "ae": ("AE_INDEX", "AE1800"),
    "al": ("AL_INDEX", "AL1800"),
    "au": ("AU_INDEX", "AU1800"),
    "dst": ("DST1800",),
    "kp": ("KP1800",),
    "f107": ("F10_INDEX1800",),
    "pc_n": ("PC_N_INDEX", "PC_N_INDEX1800"),
}
_EPOCH_TYPES = ("CDF_EPOCH", "CDF_EPOCH16", "CDF_TIME_TT2000")


def read_omni_cdf(path, *, columns=None, warn_gaps: bool = False) -> SolarWind:
    """Read a solar-wind CDF, e.g. OMNI from CDAWeb (OMNI_HRO_1MIN, OMNI_HRO_5MIN, OMNI2_H0_MRG1HR).

    Variables are found by their CDAWeb names (:data:`OMNI_CDF_NAMES`), then by the generic names of
    :func:`read_table`, or as the ``columns`` map says. Each variable's ``FILLVAL`` attribute marks its
    missing values (NaN in the series, counted in ``fill_values``); a ``UNITS`` attribute other than the
    quantity's unit is converted (``n/cc`` and ``Deg K`` are understood). The time is the ``Epoch``
    variable (CDF_EPOCH, CDF_EPOCH16 or TT2000, read with cdflib), or the first epoch-typed variable.
    SYM-H, AL and the other indices become extra variables (``sym_h``, ``al``, ...).

    Parameters
    ----------
    path : str or Path
        The CDF file.
    columns : dict or str, optional
        ``{quantity: variable name}`` for what the names do not say (see :data:`QUANTITIES`).
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Raises
    ------
    InputError
        Not a CDF file, no epoch variable, variables that cannot be identified (the message lists the
        file's variables), fewer than two records, times not increasing, only fill values.
    """
    path = _check_path(path)
    try:
        cdf = cdflib.CDF(str(path))
        names = list(cdf.cdf_info().zVariables) + list(cdf.cdf_info().rVariables)
    except Exception as exc:  # cdflib raises plain OSError/ValueError/NotFoundError on a broken file
        raise InputError(f"{path}: not a readable CDF file ({type(exc).__name__}: {exc})") from None
    table: dict[str, np.ndarray] = {}
    units: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    epochs: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for name in names:
        try:
            info = cdf.varinq(name)
            attrs = cdf.varattsget(name)
        except Exception as exc:  # cdflib's bare errors on a file cut short or damaged after its header
            raise InputError(
                f"{path}: variable {name!r} cannot be read, the CDF file is cut short or damaged "
                f"({type(exc).__name__}: {exc})"
            ) from None
        kind = info.Data_Type_Description
        if not info.Rec_Vary or info.Dim_Sizes:
            skipped.append(name)
            continue
        try:
            raw = cdf.varget(name)
        except Exception:  # an empty variable (no records written)
            skipped.append(name)
            continue
        if raw is None:
            skipped.append(name)
            continue
        if kind in _EPOCH_TYPES:
            epochs[name] = np.asarray(cdflib.cdfepoch.to_datetime(raw), dtype="datetime64[ns]")
            continue
        values = np.asarray(raw)
        if values.dtype.kind not in "fiu":
            skipped.append(name)
            continue
        values = values.astype(float)
        fill = attrs.get("FILLVAL")
        if fill is not None:
            fill = float(np.asarray(fill).ravel()[0])
            is_fill = np.isclose(values, fill, rtol=1e-6, atol=0.0)
            values[is_fill] = np.nan
            counts[name] = int(is_fill.sum())
        table[name] = values
        u_text = attrs.get("UNITS", attrs.get("UNIT"))
        units[name] = None if u_text is None else str(u_text).strip()
    if not epochs:
        raise InputError(f"{path}: no epoch variable (CDF_EPOCH, CDF_EPOCH16 or TT2000); variables: {names}")
    wanted = None
    if columns is not None:
        wanted = parse_columns(columns).get("time", (None,))[0]
    if wanted is not None and wanted not in epochs:
        raise InputError(
            f"{path}: columns map names {wanted!r} for time; the epoch variables: {list(epochs)}"
        )
    epoch_name = wanted or ("Epoch" if "Epoch" in epochs else next(iter(epochs)))
    time = epochs[epoch_name]
    table = {k: v for k, v in table.items() if v.shape == time.shape}
    aliases = {q: OMNI_CDF_NAMES.get(q, ()) + GENERIC_NAMES.get(q, ()) for q in GENERIC_NAMES}
    aliases.pop("time", None)
    source = cdf.globalattsget().get("Logical_source") or ""
    source = source[0] if isinstance(source, list | tuple) and source else source
    dataset = str(source).strip() or Path(path).stem
    return build_series(
        path,
        f"CDF ({dataset})",
        table,
        units,
        aliases,
        _without_time(columns),
        time=time,
        time_columns=(epoch_name,),
        fill_counts={k: v for k, v in counts.items() if v},
        warn_gaps=warn_gaps,
    )


def _without_time(columns):
    if columns is None:
        return None
    return {
        q: (c if unit is None else f"{c}:{unit}")
        for q, (c, unit) in parse_columns(columns).items()
        if q != "time"
    }
