"""OMNI2 hourly ASCII (``omni2_YYYY.dat``): see :func:`read_omni2`."""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import (
    _bad_line,
    _maybe_warn,
    _open_lines,
    check_records,
    in_file,
    provenance_attrs,
    year_message,
    year_out_of_range,
)
from smilekit.solarwind.series import SolarWind

__all__ = ["OMNI2_COLUMNS", "read_omni2"]

#: OMNI2 words read (1-based word number -> (name, fill value)), from the OMNI2 format description.
OMNI2_COLUMNS: dict[int, tuple[str, float]] = {
    1: ("year", np.nan),
    2: ("doy", np.nan),
    3: ("hour", np.nan),
    9: ("b_average", 999.9),
    13: ("bx_gse_gsm", 999.9),
    14: ("by_gse", 999.9),
    15: ("bz_gse", 999.9),
    16: ("by_gsm", 999.9),
    17: ("bz_gsm", 999.9),
    23: ("t", 9999999.0),
    24: ("n", 999.9),
    25: ("speed", 9999.0),
    26: ("flow_longitude", 999.9),
    27: ("flow_latitude", 999.9),
    28: ("na_np", 9.999),
    29: ("pdyn", 99.99),
    38: ("alfven_mach", 999.9),
    39: ("kp", 99.0),
    41: ("dst", 99999.0),
    42: ("ae", 9999.0),
    51: ("f107", 999.9),
    55: ("magnetosonic_mach", 99.9),
}
_OMNI2_MIN_WORDS = 55


# --- OMNI2 -------------------------------------------------------------------------------------
def read_omni2(path, *, warn_gaps: bool = False) -> SolarWind:
    """Read an OMNI2 hourly ASCII file (``omni2_YYYY.dat``) into a :class:`SolarWind`.

    Parameters
    ----------
    path : str or Path
        The file.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Returns
    -------
    SolarWind
        Hourly records, time at the start of each hour (OMNI's convention; the averages are centred
        30 min later, the time at which OMNI's GSM field agrees with a GSE-to-GSM rotation). B is
        given in both GSE and GSM as OMNI has it (``frame_of_origin`` "GSE+GSM"); ``fill_values`` (a
        dataset attribute) counts fills per word.

    Raises
    ------
    InputError
        Missing file; a line with fewer than 55 words, a non-number, or a negative density, speed or
        temperature (the message names the file, the line number and the text).

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> sw = read_omni2(data_path("omni/omni2_2000.dat"))
    >>> len(sw), sw.ds.attrs["n_fill"] > 0
    (8784, True)
    """
    path, lines = _open_lines(path)
    words = sorted(OMNI2_COLUMNS)
    rows = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < _OMNI2_MIN_WORDS:
            raise _bad_line(
                path,
                lineno,
                line,
                f"an OMNI2 record has at least {_OMNI2_MIN_WORDS} words, this one {len(parts)}",
            )
        try:
            rows.append([float(parts[w - 1]) for w in words])
        except ValueError:
            raise _bad_line(path, lineno, line, "not a number where an OMNI2 word is expected") from None
    if not rows:
        raise InputError(f"{path}: no OMNI2 records found")
    table = np.array(rows)
    col = {OMNI2_COLUMNS[w][0]: table[:, i] for i, w in enumerate(words)}
    counts: dict[str, int] = {}
    for w in words:
        name, fill = OMNI2_COLUMNS[w]
        if np.isnan(fill):
            continue
        is_fill = np.isclose(col[name], fill, rtol=0, atol=1e-9)
        counts[f"word{w}_{name}"] = int(is_fill.sum())
        col[name] = np.where(is_fill, np.nan, col[name])
    line_numbers = np.array([i for i, line in enumerate(lines, start=1) if line.strip()])
    for name, what in (("n", "density"), ("speed", "flow speed"), ("t", "temperature")):
        bad = np.flatnonzero(col[name] <= 0)
        if bad.size:
            i = int(bad[0])
            raise _bad_line(
                path,
                int(line_numbers[i]),
                lines[line_numbers[i] - 1],
                f"negative or zero {what} {col[name][i]:g}",
            )
    year = col["year"].astype(int)
    doy = col["doy"].astype(int)
    hour = col["hour"].astype(int)
    outside = np.flatnonzero(year_out_of_range(year))
    if outside.size:
        i = int(outside[0])
        raise _bad_line(path, int(line_numbers[i]), lines[line_numbers[i] - 1], year_message(year[i]))
    bad = np.flatnonzero((doy < 1) | (doy > 366) | (hour < 0) | (hour > 23))
    if bad.size:
        i = int(bad[0])
        raise _bad_line(
            path, int(line_numbers[i]), lines[line_numbers[i] - 1], "day of year or hour out of range"
        )
    time = (year - 1970).astype("datetime64[Y]").astype("datetime64[ns]") + ((doy - 1) * 24 + hour).astype(
        "timedelta64[h]"
    )
    lon = np.radians(col["flow_longitude"])
    lat = np.radians(col["flow_latitude"])
    speed = col["speed"]
    v_gse = np.stack(
        [-speed * np.cos(lat) * np.cos(lon), speed * np.cos(lat) * np.sin(lon), speed * np.sin(lat)], 1
    )
    b_gse = np.stack([col["bx_gse_gsm"], col["by_gse"], col["bz_gse"]], axis=1)
    b_gsm = np.stack([col["bx_gse_gsm"], col["by_gsm"], col["bz_gsm"]], axis=1)
    # a vector is missing as a whole if any component is
    for vec in (v_gse, b_gse, b_gsm):
        vec[np.isnan(vec).any(axis=1)] = np.nan
    line_of = dict(enumerate(line_numbers.tolist()))
    check_records(
        path,
        time,
        {"n": col["n"], "v_gse": v_gse, "b_gse": b_gse, "t": col["t"]},
        where=lambda i: f"line {line_of[i]}",
    )
    used = {
        "time": "words 1-3 (year, day, hour)",
        "n": "word 24 (proton density)",
        "speed": "word 25 (flow speed)",
        "flow_longitude": "word 26 (flow longitude)",
        "flow_latitude": "word 27 (flow latitude)",
        "bx_gse": "word 13 (Bx GSE = GSM)",
        "by_gse": "word 14",
        "bz_gse": "word 15",
        "by_gsm": "word 16",
        "bz_gsm": "word 17",
        "t": "word 23 (proton temperature)",
    }
    kept = "words 9, 28, 29, 38, 39, 41, 42, 51, 55 (kept as extra variables)"
    with in_file(path):
        sw = SolarWind(
            time,
            n=col["n"] * u.cm**-3,
            v_gse=v_gse * (u.km / u.s),
            b_gse=b_gse * u.nT,
            b_gsm=b_gsm * u.nT,
            t=col["t"] * u.K,
            source=str(path.name),
            allow_gaps=True,
            attrs={
                "file_format": "OMNI2 hourly ASCII (OMNI2_YYYY.DAT format description)",
                "frame_of_origin": "GSE+GSM",
                "citation": "King, J. H., and N. E. Papitashvili (2005), J. Geophys. Res., 110, A02104, "
                "doi:10.1029/2004JA010649; OMNI Hourly, doi:10.48322/1shr-ht18",
                "cadence": "1 h",
                "time_label": "start of the hour; values average [t, t + 1 h), centred at t + 30 min",
                "fill_values": ", ".join(f"{k}={v}" for k, v in counts.items()),
                **provenance_attrs(path, "OMNI2 hourly ASCII", used, [f"the other OMNI2 words; {kept}"], {}),
            },
        )
    ds = sw.ds
    extras = {
        "omni_b_average": ("b_average", "nT", "OMNI word 9: average of |B| over the hour"),
        "omni_na_np": ("na_np", "1", "OMNI word 28: alpha/proton density ratio"),
        "omni_pdyn": ("pdyn", "nPa", "OMNI word 29: flow pressure as OMNI computes it"),
        "omni_alfven_mach": ("alfven_mach", "1", "OMNI word 38: Alfven Mach number V sqrt(Np) / (20 B)"),
        "omni_magnetosonic_mach": ("magnetosonic_mach", "1", "OMNI word 55: magnetosonic Mach number"),
        "kp": ("kp", "1", "OMNI word 39: Kp x 10 (e.g. 3+ = 33)"),
        "dst": ("dst", "nT", "OMNI word 41: Dst index (Kyoto)"),
        "ae": ("ae", "nT", "OMNI word 42: AE index (Kyoto)"),
        "f107": ("f107", "sfu", "OMNI word 51: F10.7 index"),
    }
    for var, (name, unit, desc) in extras.items():
        ds[var] = ("time", col[name])
        ds[var].attrs.update({"units": unit, "CATDESC": desc, "DEPEND_0": "time", "FILLVAL": -1.0e31})
    _maybe_warn(warn_gaps, path, counts)
    return sw
