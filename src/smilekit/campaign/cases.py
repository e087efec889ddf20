"""The evaluation case set: SXI imaging geometries along the science orbit, each with an upstream solar wind.

A *case* is one 5-min SXI image to simulate and retrieve: a time, the spacecraft position and the SXI aim
point (GSE, RE), a steady upstream solar wind (n, v, B), an exposure and a random seed. :func:`make_cases`
builds a set of them, and the package ships one (:data:`SHIPPED_CASES`,
``smilekit/data/evaluation/orbit_cases.csv``, 240 cases) for
:func:`smilekit.campaign.evaluate.evaluate_cases`.

A case file (:func:`read_cases`, :func:`write_cases`) has exactly the columns of :data:`CASE_COLUMNS`, in
order: ``case_id, time, sc_x, sc_y, sc_z, aim_x, aim_y, aim_z, n, v, bx, by, bz, exposure_s, seed`` (ISO
UTC time; spacecraft and aim point GSE, RE; n cm^-3; v km/s, the flow along -X; B GSM, nT; exposure s, a
whole number of 4-s CCD frames; seed a non-negative integer).

How the shipped set is made (:func:`make_cases` with the defaults):

1. **Orbit.** The nominal science orbit (:func:`~smilekit.mission.orbit.science_orbit`, epoch
   :data:`ORBIT_EPOCH`, node 0 deg: the placeholder of that function) propagated for one year with J2, Sun
   and Moon (:func:`~smilekit.mission.propagator.propagate`), sampled every 10 min. Over the year the
   Sun-Earth line turns once through the (slowly precessing) orbit plane, so the viewing geometry sweeps
   every season and the dipole tilt at the image times covers its range.
2. **Where SXI works.** A sample is usable when SXI collects data with its shutter open
   (:func:`~smilekit.mission.modes.mode_timeline`: above 50 000 km), the spacecraft is beyond
   :data:`~smilekit.science.requirement.MIN_DISTANCE` (15 RE geocentric, the requirement's distance), the
   SXI team's limb rule gives an aim point (:func:`~smilekit.mission.pointing.limb_offset_aim_points`,
   20.3 deg from the limb, on the +X GSE axis) and no exclusion applies
   (:func:`~smilekit.mission.pointing.exclusions` with its defaults: Sun within 30 deg of the boresight,
   Earth or Moon in the field of view). The usable samples are split, in time order, into ``n`` runs of
   equal length and one sample is drawn at random from each: the cases spread evenly over the year's
   observing time.
3. **Solar wind.** Hourly OMNI2 records of 2000 (the bundled file, King & Papitashvili 2005, :cite:`king2005`;
   a year near solar maximum) with every value present, density within :data:`DENSITY_RANGE` (2.4-100 cm^-3,
   the range of the density relations behind the parametric emissivity models' starting values) and dynamic
   pressure within :data:`PDYN_RANGE` (0.5-20 nPa). A fraction ``in_domain_fraction`` (default 0.75) of the
   cases takes records whose particle flux n v exceeds the requirement's
   :data:`~smilekit.science.requirement.FLUX_THRESHOLD` (4.9e8 cm^-2 s^-1), the rest records below it;
   records are drawn without replacement and assigned to the cases in random order. The speed (``|v|``, km/s)
   becomes the flow speed along -X; B is OMNI's GSM field. The OMNI records are a statistical sample of
   real upstream conditions: their year (2000) is not the case's (the mission years); nothing in the truth
   depends on the calendar year beyond the case time itself.
4. **Rounding.** Positions and aim points to 0.001 RE, density and B to 0.1 (OMNI's own precision), speed
   to 1 km/s; exposure 300 s (75 CCD frames of 4 s); a random seed per case for the photon simulation.

All randomness comes from one ``seed``; the same seed gives the same file (tested against the shipped one).
Regenerate the shipped file with ``python -m smilekit.campaign.cases --out
src/smilekit/data/evaluation/orbit_cases.csv``.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._data import data_path
from smilekit._io import write_table
from smilekit._validation import whole_frames
from smilekit.errors import InputError
from smilekit.frames import dipole_tilt
from smilekit.geospace.boundaries import shue1998_values
from smilekit.instruments.sxi import SXIConfig
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import Track, sample_times, science_orbit
from smilekit.mission.pointing import AIM_RULES, attitude, exclusions, limb_offset_aim_points
from smilekit.mission.propagator import propagate
from smilekit.science.requirement import FLUX_THRESHOLD, MIN_DISTANCE
from smilekit.solarwind import derived
from smilekit.solarwind.readers import read_omni2
from smilekit.units import RE

__all__ = [
    "CASE_COLUMNS",
    "DEFAULT_SEED",
    "DENSITY_RANGE",
    "ORBIT_EPOCH",
    "PDYN_RANGE",
    "SHIPPED_CASES",
    "SUBSOLAR_CASES",
    "Case",
    "MalformedRow",
    "as_case",
    "case_table_text",
    "make_cases",
    "read_cases",
    "write_cases",
]

#: The columns of a case file, in order (RE GSE; n cm^-3; v km/s along -X; B nT GSM; ISO UTC time; s).
CASE_COLUMNS = (
    "case_id",
    "time",
    "sc_x",
    "sc_y",
    "sc_z",
    "aim_x",
    "aim_y",
    "aim_z",
    "n",
    "v",
    "bx",
    "by",
    "bz",
    "exposure_s",
    "seed",
)

#: Densities drawn (cm^-3): the range of the density relations behind the parametric models' start values.
DENSITY_RANGE = (2.4, 100.0) * u.cm**-3
#: Dynamic pressures drawn (nPa, OMNI's 2e-6 n v^2).
PDYN_RANGE = (0.5, 20.0) * u.nPa
#: Start of the year of orbit the shipped cases are drawn from.
ORBIT_EPOCH = "2026-06-01"
#: The seed of the shipped case set.
DEFAULT_SEED = 20260601
#: The shipped case set (aimed by the limb rule).
SHIPPED_CASES = "evaluation/orbit_cases.csv"
#: The shipped case set aimed by the subsolar rule: the same cases, less those it excludes.
SUBSOLAR_CASES = "evaluation/orbit_cases_subsolar.csv"

_ORBIT_STEP = 600.0 * u.s
_EXPOSURE_S = 300.0

_NUMERIC = CASE_COLUMNS[2:14]  # sc_x ... exposure_s


class Case(NamedTuple):
    """One parsed case (plain floats: RE GSE, cm^-3, km/s, nT GSM, s)."""

    case_id: str
    time: np.datetime64  #: exposure start, UTC, ns
    sc: np.ndarray  #: spacecraft position, GSE, RE, (3,)
    aim: np.ndarray  #: SXI aim point, GSE, RE, (3,)
    n: float  #: solar-wind density, cm^-3
    v: float  #: solar-wind speed, km/s (flow along -X)
    b: np.ndarray  #: IMF, GSM, nT, (3,)
    exposure_s: float  #: exposure, s
    seed: int  #: seed of the photon simulation
    line: int = 0  #: line of the case file (1-based; 0 when not from a file)


class MalformedRow(NamedTuple):
    """A case-file row that was skipped: its 1-based line number, its case_id (if any) and why."""

    line: int
    case_id: str
    reason: str


def _frame_seconds() -> float:
    return SXIConfig().values.frame_s


def _parse_fields(fields: Mapping[str, Any], line: int = 0) -> Case:
    """A :class:`Case` from the 15 raw fields (strings or numbers); InputError naming the bad field."""
    case_id = str(fields["case_id"]).strip()
    if not case_id:
        raise InputError("case_id is empty")
    text = str(fields["time"]).strip()
    try:
        when = np.datetime64(text, "ns")
    except ValueError:
        raise InputError(f"time {text!r} is not an ISO UTC time") from None
    if np.isnat(when):
        raise InputError(f"time {text!r} is not an ISO UTC time")
    try:
        dipole_tilt(when)
    except InputError as exc:
        raise InputError(f"time {text!r}: {str(exc).splitlines()[0]}") from None
    values = {}
    for name in _NUMERIC:
        raw = fields[name]
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise InputError(f"{name} {str(raw)!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(f"{name} must be finite, got {raw!r}")
        values[name] = value
    for name, unit in (("n", "cm^-3"), ("v", "km/s"), ("exposure_s", "s")):
        if values[name] <= 0.0:
            raise InputError(f"{name} must be positive ({unit}), got {values[name]:g}")
    whole_frames(values["exposure_s"], _frame_seconds(), "exposure_s")  # the one home of the rule
    raw_seed = str(fields["seed"]).strip()
    try:
        seed = int(raw_seed)
    except ValueError:
        raise InputError(f"seed {raw_seed!r} is not an integer") from None
    if seed < 0:
        raise InputError(f"seed must be non-negative, got {seed}")
    sc = np.array([values["sc_x"], values["sc_y"], values["sc_z"]])
    aim = np.array([values["aim_x"], values["aim_y"], values["aim_z"]])
    if np.linalg.norm(sc) <= 1.0:
        raise InputError(f"the spacecraft must lie outside the Earth, got |sc| = {np.linalg.norm(sc):g} RE")
    if np.linalg.norm(aim - sc) < 1e-6:
        raise InputError("the aim point coincides with the spacecraft")
    return Case(
        case_id=case_id,
        time=when,
        sc=sc,
        aim=aim,
        n=values["n"],
        v=values["v"],
        b=np.array([values["bx"], values["by"], values["bz"]]),
        exposure_s=values["exposure_s"],
        seed=seed,
        line=line,
    )


def read_cases(path) -> tuple[list[Case], list[MalformedRow]]:
    """Parse a case file strictly: the exact header, then one case per line.

    Blank lines are ignored. A row with the wrong number of fields, an empty or repeated case_id, a time
    that is not ISO (or outside the frames' 1900-2030 range), a field that is not a finite number, a
    non-positive density, speed or exposure, an exposure that is not a whole number of CCD frames, a seed
    that is not a non-negative integer, a spacecraft inside the Earth or an aim point at the spacecraft is
    reported as a :class:`MalformedRow` (1-based file line and reason) and skipped.

    Returns
    -------
    cases : list of Case
    malformed : list of MalformedRow

    Raises
    ------
    InputError
        If the file is missing, empty, binary or not UTF-8, or its header is not exactly :data:`CASE_COLUMNS`
        in order.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"case file {str(path)!r} not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"case file {path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}, line "
            f"{line}); expected a CSV text file whose first line is the header {','.join(CASE_COLUMNS)}"
        ) from None
    if "\x00" in text:
        raise InputError(
            f"case file {path}: a binary file (a NUL character at position {text.index(chr(0))}); expected a "
            f"CSV text file whose first line is the header {','.join(CASE_COLUMNS)}"
        )
    lines = text.splitlines()
    if not lines:
        raise InputError(f"case file {path.name} is empty")
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    if header != list(CASE_COLUMNS):
        raise InputError(
            f"case file {path.name}: line 1 must be the header {','.join(CASE_COLUMNS)} (exact names, "
            f"in this order), got {lines[0]!r}"
        )
    cases: list[Case] = []
    malformed: list[MalformedRow] = []
    seen: set[str] = set()
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        fields = next(csv.reader([text]))
        case_id = fields[0].strip() if fields else ""
        if len(fields) != len(CASE_COLUMNS):
            malformed.append(
                MalformedRow(number, case_id, f"expected {len(CASE_COLUMNS)} fields, got {len(fields)}")
            )
            continue
        try:
            case = _parse_fields(dict(zip(CASE_COLUMNS, fields, strict=True)), number)
        except InputError as exc:
            malformed.append(MalformedRow(number, case_id, str(exc)))
            continue
        if case.case_id in seen:
            malformed.append(MalformedRow(number, case_id, f"case_id {case_id!r} repeats an earlier row"))
            continue
        seen.add(case.case_id)
        cases.append(case)
    return cases, malformed


def as_case(row) -> Case:
    """A :class:`Case` from a parsed case (returned as it is) or a mapping / pandas row of the
    :data:`CASE_COLUMNS` fields (strings or numbers), checked as :func:`read_cases` checks a row.

    Raises
    ------
    InputError
        For another type, missing fields, or a field :func:`read_cases` would report as malformed.
    """
    if isinstance(row, Case):
        return row
    if isinstance(row, pd.Series):
        row = row.to_dict()
    if not isinstance(row, Mapping):
        raise InputError(
            f"a case must be a Case or a mapping of {list(CASE_COLUMNS)}, got {type(row).__name__}"
        )
    missing = [c for c in CASE_COLUMNS if c not in row]
    if missing:
        raise InputError(f"the case lacks the fields {missing}")
    return _parse_fields(row)


def _usable_samples(epoch: str) -> Track:
    """The year's track samples where SXI can image by the limb rule (module notes)."""
    start = np.datetime64(epoch, "ns")
    stop = start + np.timedelta64(365, "D")
    track = propagate(science_orbit(start), sample_times(start, stop, _ORBIT_STEP))
    timeline = mode_timeline(track)
    radius = track.radius.to_value(RE)
    keep = timeline.sxi_on & timeline.sxi_shutter_open & (radius > MIN_DISTANCE.to_value(RE))
    track = track[keep]
    aims = limb_offset_aim_points(track.position("GSE"), errors="nan")
    excluded = exclusions(track, attitude(track, aims))["excluded"].to_numpy()
    return track[~excluded & np.isfinite(aims.to_value(RE)[:, 0])]


def _omni_pool():
    """OMNI 2000 hourly records usable as case drivers: n, speed, B GSM (rounded), all present."""
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    valid = sw.valid()
    n = np.round(sw.ds["n"].values[valid], 1)
    v = np.round(np.linalg.norm(sw.ds["v_gse"].values[valid], axis=-1), 0)
    b = np.round(sw.ds["b_gsm"].values[valid], 1)
    pdyn = derived.pdyn(n, v)  # OMNI2's definition, nPa
    lo, hi = DENSITY_RANGE.to_value(u.cm**-3)
    p_lo, p_hi = PDYN_RANGE.to_value(u.nPa)
    keep = (n >= lo) & (n <= hi) & (pdyn >= p_lo) & (pdyn <= p_hi)
    return n[keep], v[keep], b[keep]


def make_cases(
    n: int = 240,
    *,
    seed: int = DEFAULT_SEED,
    in_domain_fraction: float = 0.75,
    epoch: str = ORBIT_EPOCH,
    aim: str = "limb",
) -> pd.DataFrame:
    """A set of evaluation cases along the science orbit with real upstream solar wind (module notes).

    Parameters
    ----------
    n : int
        Number of cases (1 to 5000).
    seed : int
        Seed of every random choice (sample within each run of the orbit, OMNI records, photon seeds).
    in_domain_fraction : float
        Fraction of the cases whose solar-wind flux is above the requirement's 4.9e8 cm^-2 s^-1, in [0, 1].
    epoch : str
        Start of the year of orbit (ISO date).
    aim : {"limb", "subsolar"}
        The aim rule. ``"subsolar"``: the same cases (same times, positions, winds and seeds for the same
        seed) aimed at each case's Shue et al. (1998) stand-off on the GSE X axis
        (:func:`~smilekit.mission.pointing.subsolar_aim_points`), less the cases that aim puts in an
        exclusion (Sun, Earth or Moon); their case_ids are kept, so the two sets pair by case_id.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CASE_COLUMNS`: ``case_id`` ("case000", ...), ``time`` (ISO UTC, seconds), spacecraft
        and aim point (GSE, RE), ``n`` (cm^-3), ``v`` (km/s, flow along -X), ``bx, by, bz`` (GSM, nT),
        ``exposure_s`` (300), ``seed``; in time order.

    Raises
    ------
    InputError
        For ``n`` outside 1-5000, a fraction outside [0, 1], or more cases than usable orbit samples or
        OMNI records.
    """
    if not isinstance(n, int | np.integer) or not 1 <= n <= 5000:
        raise InputError(f"n must be an integer from 1 to 5000, got {n!r}")
    if not 0.0 <= float(in_domain_fraction) <= 1.0:
        raise InputError(f"in_domain_fraction must lie in [0, 1], got {in_domain_fraction!r}")
    if aim not in AIM_RULES:
        raise InputError(f"aim {aim!r} is not one of {', '.join(AIM_RULES)}")
    rng = np.random.default_rng(seed)
    usable = _usable_samples(epoch)
    if len(usable) < n:
        raise InputError(f"only {len(usable)} usable orbit samples in the year, fewer than n = {n}")
    runs = np.array_split(np.arange(len(usable)), n)
    pick = np.array([run[rng.integers(run.size)] for run in runs])
    track = usable[pick]
    times, positions = track.time, np.round(track.position("GSE").to_value(RE), 3)

    aims = np.round(limb_offset_aim_points(positions * RE).to_value(RE), 3) + 0.0  # + 0.0: no -0.0

    dens, speed, b_gsm = _omni_pool()
    flux = dens * speed * 1e5
    inside = np.flatnonzero(flux > FLUX_THRESHOLD.to_value(u.cm**-2 / u.s))
    outside = np.flatnonzero(flux <= FLUX_THRESHOLD.to_value(u.cm**-2 / u.s))
    n_in = round(n * float(in_domain_fraction))
    if n_in > inside.size or n - n_in > outside.size:
        raise InputError(
            f"not enough OMNI records: {n_in} inside / {n - n_in} outside the domain wanted, "
            f"{inside.size} / {outside.size} available"
        )
    records = np.concatenate(
        [rng.choice(inside, n_in, replace=False), rng.choice(outside, n - n_in, replace=False)]
    )
    records = records[rng.permutation(n)]
    seeds = rng.integers(0, 2**31 - 1, size=n)
    keep = np.ones(n, dtype=bool)
    if aim == "subsolar":
        pdyn = derived.pdyn(dens[records], speed[records])
        r0 = shue1998_values(0.0, 0.0, pdyn=pdyn, bz=b_gsm[records, 2])
        aims = np.column_stack([np.round(r0, 3), np.zeros(n), np.zeros(n)]) + 0.0
        keep = ~exclusions(track, attitude(track, aims * RE))["excluded"].to_numpy()

    frame = pd.DataFrame(
        {
            "case_id": [f"case{k:03d}" for k in range(n)],
            "time": np.datetime_as_string(times, unit="s"),
            "sc_x": positions[:, 0],
            "sc_y": positions[:, 1],
            "sc_z": positions[:, 2],
            "aim_x": aims[:, 0],
            "aim_y": aims[:, 1],
            "aim_z": aims[:, 2],
            "n": dens[records],
            "v": speed[records],
            "bx": b_gsm[records, 0],
            "by": b_gsm[records, 1],
            "bz": b_gsm[records, 2],
            "exposure_s": np.full(n, _EXPOSURE_S),
            "seed": seeds.astype(np.int64),
        }
    )
    return frame.loc[keep, list(CASE_COLUMNS)].reset_index(drop=True)


#: How a case table is written as CSV (:func:`write_cases`, :func:`case_table_text`).
_CSV_OPTIONS = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}


def _checked_case_table(frame: pd.DataFrame) -> pd.DataFrame:
    if list(frame.columns) != list(CASE_COLUMNS):
        raise InputError(f"a case table needs exactly the columns {list(CASE_COLUMNS)}")
    return frame


def write_cases(frame: pd.DataFrame, path) -> Path:
    """Write a case table as CSV (the columns of :data:`CASE_COLUMNS`, no index); returns the path."""
    return write_table(_checked_case_table(frame), path, **_CSV_OPTIONS)


def case_table_text(frame: pd.DataFrame) -> str:
    """The text :func:`write_cases` writes for ``frame`` (to compare a table with a file written before)."""
    return _checked_case_table(frame).to_csv(**_CSV_OPTIONS)


def main(argv=None) -> None:
    """``python -m smilekit.campaign.cases --out FILE [--n N] [--seed S] [--aim subsolar]``: write a case
    set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="CSV file to write")
    parser.add_argument("--n", type=int, default=240, help="number of cases (default 240)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    parser.add_argument("--in-domain-fraction", type=float, default=0.75)
    parser.add_argument("--aim", choices=AIM_RULES, default="limb", help="aim rule (default limb)")
    args = parser.parse_args(argv)
    frame = make_cases(args.n, seed=args.seed, in_domain_fraction=args.in_domain_fraction, aim=args.aim)
    path = write_cases(frame, args.out)
    print(f"wrote {len(frame)} cases to {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
