"""Bad-input corpus of the Python API (issue 14): each probe a call and the outcome it must have.

Outcomes:

- ``refuse``: a smilekit error (InputError or ModelDomainError) whose message holds the key words (the
  offending value and what is accepted);
- ``flag``: a physical input outside a model's fitted range: the call succeeds, with a
  ModelDomainWarning holding the reason, and its answer passes a check;
- ``ok``: a bounded success, no warning, and its answer passes a check.

Every probe of the issue's "Tracebacks" and "Silent garbage" lists that concerns the API is here (marked
``issue``), plus more of the same kinds. The counts of each outcome are asserted at the end, so that the
closing note can quote them.
"""

# ruff: noqa: E501  (the corpus is a table: one probe a line, so that it reads as one)
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit._validation import as_value
from smilekit.errors import InputError, ModelDomainError, ModelDomainWarning, SmilekitError, SmilekitWarning
from smilekit.geospace import boundaries as b
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.geospace.magnetosheath import Magnetosheath
from smilekit.instruments.sxi.simulate import simulate_events
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.readers import read_swmf_imf
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

CM3 = u.cm**-3
KMS = u.km / u.s


def state(**kw) -> SolarWindState:
    """A quiet solar wind (n 5 cm^-3, V 400 km/s along -X, Bz -5 nT), with ``kw`` replaced."""
    args = {"n": 5 * CM3, "v_gse": [-400, 0, 0] * KMS, "b_gsm": [0, 0, -5] * u.nT, "t": 1e5 * u.K}
    args.update(kw)
    return SolarWindState(**args)


def series(n=(5.0, 6.0), v=((-400, 0, 0), (-400, 0, 0)), **kw) -> SolarWind:
    time = np.array(["2015-06-22T00:00", "2015-06-22T00:01"], dtype="datetime64[ns]")
    size = len(n)
    args = {
        "n": np.asarray(n, dtype=float) * CM3,
        "v_gse": np.asarray(v, dtype=float) * KMS,
        "b_gse": np.tile([0.0, 0.0, -5.0], (size, 1)) * u.nT,
        "t": np.full(size, 1e5) * u.K,
    }
    args.update(kw)
    return SolarWind(time, **args)


def swmf_record(tmp_path, density: float):
    """An SWMF IMF file of two records, the second with the given density (cm^-3)."""
    header = "Test file\n\n#COORDINATES\nGSE\n\nyear mo dy hr mn sc msc Bx By Bz Ux Uy Uz Rho T\n#START\n"
    good = "2015 06 21 15 00 00 000  -1.46 -0.24 0.60 -280.80 -15.10 -17.50 11.95 9758.00\n"
    bad = f"2015 06 21 15 01 00 000  -1.46 -0.24 0.60 -280.80 -15.10 -17.50 {density:g} 9758.00\n"
    path = tmp_path / "IMF.dat"
    path.write_text(header + good + bad)
    return read_swmf_imf(path)


def sky() -> xr.DataArray:
    """A flat 5 keV cm^-2 s^-1 sr^-1 SWCX image with its pointing (as in simulate_events' example)."""
    return xr.DataArray(
        np.full((16, 27), 5.0),
        dims=("v", "u"),
        coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
        attrs={"units": "keV cm-2 s-1 sr-1"},
    )


def simulate(exposure):
    return simulate_events(
        sky(),
        exposure,
        start="2026-03-20T12:00",
        rotation=np.eye(3)[:, [1, 2, 0]],
        sc_position=[0, 0, 20] * RE,
        rng=1,
        backgrounds=(),
    )


@dataclass
class Probe:
    """One call and its expected outcome."""

    id: str
    call: Callable  # takes tmp_path
    outcome: str  # "refuse", "flag" or "ok"
    words: tuple[str, ...] = ()  # in the error or warning message
    error: type = InputError
    check: Callable | None = None  # on the returned value (flag, ok)
    issue: bool = False  # a probe of issue 14's lists
    marks: list = field(default_factory=list)


def _between(lo, hi, unit=RE):
    return lambda r: bool(np.all((lo < r.to_value(unit)) & (r.to_value(unit) < hi)))


P = Probe
PROBES = [
    # --- SolarWindState: types, units, shapes, physical ranges, flow direction --------------------------
    P("state-time-yesterday", lambda _: state(time="yesterday"), "refuse", ("yesterday", "ISO 8601"), issue=True),
    P("state-time-two", lambda _: state(time=["2020-01-01", "2020-01-02"]), "refuse", ("one UTC time",)),
    P("state-n-1e9", lambda _: state(n=1e9 * CM3), "refuse", ("n 1e+09 cm^-3", "[0.01, 1000]", "VALIDMAX"), issue=True),
    P("state-n-1e-6", lambda _: state(n=1e-6 * CM3), "refuse", ("n 1e-06", "[0.01, 1000]"), issue=True),
    P("state-v-5000", lambda _: state(v_gse=[-5000, 0, 0] * KMS), "refuse", ("-5000", "[-3000, 3000]"), issue=True),
    P("state-v-sunward", lambda _: state(v_gse=[400, 0, 0] * KMS), "refuse", ("towards the Sun", "45 deg"), issue=True),
    P("state-v-along-minus-y", lambda _: state(v_gse=[0, -400, 0] * KMS), "refuse", ("90 deg from -X", "45 deg"), issue=True),
    P("state-v-zero", lambda _: state(v_gse=[0, 0, 0] * KMS), "refuse", ("zero speed",)),
    P("state-speed-above-validmax", lambda _: state(v_gse=[-2500, -2000, 0] * KMS), "refuse", ("speed", "3000")),
    P("state-n-unitless", lambda _: state(n=5.0), "refuse", ("unitless float 5.0", "cm")),
    P("state-n-string", lambda _: state(n="5"), "refuse", ("str '5'", "Quantity")),
    P("state-n-none", lambda _: state(n=None), "refuse", ("NoneType", "Quantity")),
    P("state-n-complex", lambda _: state(n=(5 + 1j) * CM3), "refuse", ("complex", "real numbers")),
    P("state-n-wrong-unit", lambda _: state(n=5 * u.km), "refuse", ("length", "does not convert")),
    P("state-v-shape", lambda _: state(v_gse=[-400, 0] * KMS), "refuse", ("shape", "(2,)")),
    P("state-t-negative", lambda _: state(t=-1 * u.K), "refuse", ("t must be > 0", "-1")),
    P("state-t-1e9", lambda _: state(t=1e9 * u.K), "refuse", ("t 1e+09 K", "1e+08")),
    P("state-b-5000", lambda _: state(b_gsm=[0, 0, -5000] * u.nT), "refuse", ("b_gsm -5000 nT", "[-1000, 1000]")),
    P("state-n-nan", lambda _: state(n=np.nan * CM3), "refuse", ("NaN",)),
    P(
        "state-aberrated-flow",
        lambda _: state(v_gse=[-400, 30, 0] * KMS),
        "ok",
        check=lambda s: abs(s.pdyn.to_value(u.nPa) - 2e-6 * 5 * (400**2 + 30**2)) < 1e-12,
    ),
    P("state-flow-40-deg", lambda _: state(v_gse=[-400 * np.cos(0.698), 400 * np.sin(0.698), 0] * KMS), "ok"),
    # --- SolarWind series and its readers ---------------------------------------------------------------
    P("swmf-n-1e9", lambda tmp: swmf_record(tmp, 1e9), "refuse", ("IMF.dat", "n 1e+09 cm^-3 at 2015-06-21T15:01", "VALIDMIN/VALIDMAX"), issue=True),
    P("series-sunward-record", lambda _: series(v=((-400, 0, 0), (400, 0, 0))), "refuse", ("record 1", "towards the Sun")),
    P("series-shape", lambda _: series(n=(5.0, 6.0, 7.0)), "refuse", ("n must have shape (2,)", "(3,)")),
    P(
        "series-gap-allowed",
        lambda _: series(n=(5.0, np.nan), allow_gaps=True),
        "ok",
        check=lambda sw: sw.fill_counts["n"] == 1,
    ),
    # --- boundary models --------------------------------------------------------------------------------
    P("shue1998-shape-mismatch", lambda _: b.shue1998([0, 10, 20] * u.deg, pdyn=[1, 2] * u.nPa), "refuse", ("theta (3,)", "pdyn (2,)"), issue=True),
    P("shue1998-pdyn-1e-30", lambda _: b.shue1998(0 * u.deg, pdyn=1e-30 * u.nPa), "refuse", ("pdyn 1e-30 nPa", "[0.001,"), issue=True),
    P("shue1998-pdyn-complex", lambda _: b.shue1998(0 * u.deg, pdyn=(2 + 1j) * u.nPa), "refuse", ("complex",), issue=True),
    P("shue1998-pdyn-unitless", lambda _: b.shue1998(0 * u.deg, pdyn=2.0), "refuse", ("unitless", "nPa")),
    P("shue1998-pdyn-length", lambda _: b.shue1998(0 * u.deg, pdyn=2 * u.km), "refuse", ("pressure",)),
    P("shue1998-pdyn-inf", lambda _: b.shue1998(0 * u.deg, pdyn=np.inf * u.nPa), "refuse", ("infinite",)),
    P("shue1998-theta-200", lambda _: b.shue1998(200 * u.deg, pdyn=2 * u.nPa), "refuse", ("[0, 180] deg", "200")),
    P("shue1998-theta-string", lambda _: b.shue1998("0 deg", pdyn=2 * u.nPa), "refuse", ("theta", "str")),
    P(
        "shue1998-pdyn-100",
        lambda _: b.shue1998(0 * u.deg, pdyn=100 * u.nPa),
        "flag",
        ("pdyn 100 nPa > 60 nPa", "Shue et al. 1998", "extrapolated"),
        check=_between(5.0, 7.0),
    ),
    P(
        "shue1997-bz-48",
        lambda _: b.shue1997(0 * u.deg, pdyn=2 * u.nPa, bz=-48 * u.nT),
        "flag",
        ("bz -48 nT < -18 nT", "far outside"),
        check=_between(2.0, 5.0),
    ),
    P(
        "shue1998-pdyn-floor",
        lambda _: b.shue1998(0 * u.deg, pdyn=1e-3 * u.nPa),
        "flag",
        ("pdyn 0.001 nPa < 0.5 nPa",),
        check=_between(25.0, 40.0),
    ),
    P("lin2010-tilt-40", lambda _: b.lin2010(0 * u.deg, pdyn=2 * u.nPa, tilt=40 * u.deg), "flag", ("tilt 40 deg > 35 deg",), check=_between(8.0, 13.0)),
    P("lin2010-tilt-100", lambda _: b.lin2010(0 * u.deg, pdyn=2 * u.nPa, tilt=100 * u.deg), "refuse", ("tilt", "[-90, 90]")),
    P("lin2010-pm-negative", lambda _: b.lin2010(0 * u.deg, pdyn=2 * u.nPa, pm=-1 * u.nPa), "refuse", ("pm must be >= 0",)),
    P("jelinek-mp-pdyn-0.2", lambda _: b.jelinek2012_magnetopause(0 * u.deg, pdyn=0.2 * u.nPa), "flag", ("pdyn 0.2 nPa < 0.5 nPa",), check=_between(17.0, 18.0)),
    P("standoff-shue1998", lambda _: b.standoff("shue1998", pdyn=2 * u.nPa, bz=0 * u.nT), "ok", check=_between(10.24, 10.26)),
    P("standoff-unknown-model", lambda _: b.standoff("tsyganenko", pdyn=2 * u.nPa), "refuse", ("unknown", "shue1998")),
    P("standoff-extra-parameter", lambda _: b.standoff("shue1998", pdyn=2 * u.nPa, pm=1 * u.nPa), "refuse", ("unexpected", "pm")),
    P("standoff-bz-5000", lambda _: b.standoff("shue1998", pdyn=2 * u.nPa, bz=-5000 * u.nT), "refuse", ("bz -5000 nT", "[-1000, 1000]")),
    P("is-inside-shape", lambda _: b.is_inside("shue1998", [1, 2, 3] * RE, [0, 0] * RE, 0 * RE, pdyn=2 * u.nPa), "refuse", ("x (3,)", "y (2,)")),
    P("surface-points-string-count", lambda _: b.surface_points("shue1998", n_theta="3", pdyn=2 * u.nPa), "refuse", ("n_theta", "'3'")),
    P("model-parameters-none", lambda _: b.model_parameters("lin2010", None), "refuse", ("SolarWindState", "NoneType")),
    # --- emissivity models and the sheath ---------------------------------------------------------------
    P("swcx-from-none", lambda _: SWCXEmissivity.from_solar_wind(None), "refuse", ("SolarWindState", "NoneType"), issue=True),
    P("jorgensen-from-string", lambda _: Jorgensen2019.from_solar_wind("quiet"), "refuse", ("SolarWindState", "str")),
    P("cmem-n-1", lambda _: CMEM.from_solar_wind(state(n=1 * CM3)), "refuse", ("density 1 cm^-3", "2.4 to 100"), error=ModelDomainError),
    P(
        "jorgensen-n-50",
        lambda _: Jorgensen2019.from_solar_wind(state(n=50 * CM3)),
        "flag",
        ("n 50 cm^-3 > 35 cm^-3", "PPMLR"),
        check=lambda m: 0 < m.mp < m.bs,
    ),
    P(
        "swcx-pdyn-51",
        lambda _: SWCXEmissivity.from_solar_wind(state(n=40 * CM3, v_gse=[-800, 0, 0] * KMS)),
        "flag",
        ("pdyn 51.2 nPa > 10 nPa",),
        check=lambda m: m(12 * RE, 0 * RE, 0 * RE).value >= 0,
    ),
    P(
        "swcx-quiet",
        lambda _: SWCXEmissivity.from_solar_wind(state()),
        "ok",
        check=lambda m: np.isfinite(m([9, 11, 20] * RE, 0 * RE, 0 * RE).value).all(),
    ),
    P(
        "emissivity-call-shape",
        lambda _: Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)(np.zeros(3) * RE, np.zeros(2) * RE, 0 * RE),
        "refuse",
        ("x (3,)", "y (2,)"),
        issue=True,
    ),
    P("emissivity-call-unitless", lambda _: Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)(10, 0, 0), "refuse", ("unitless", "RE")),
    P(
        "sheath-mp-beyond-bs",
        lambda _: Magnetosheath(n=0.02 * CM3, v=300 * KMS, t=1e5 * u.K, b_gsm=[0, 0, -2] * u.nT, magnetopause="jelinek2012"),
        "refuse",
        ("magnetopause (jelinek2012)", "beyond the bow shock"),
        error=ModelDomainError,
        issue=True,
    ),
    P("sheath-speed-5000", lambda _: Magnetosheath(n=5 * CM3, v=5000 * KMS, t=1e5 * u.K, b_gsm=[0, 0, -2] * u.nT), "refuse", ("-5000", "3000")),
    P("sheath-v-sunward", lambda _: Magnetosheath(n=5 * CM3, v=[400, 0, 0] * KMS, t=1e5 * u.K, b_gsm=[0, 0, -2] * u.nT), "refuse", ("towards the Sun",)),
    # --- drivers ------------------------------------------------------------------------------------------
    P("drivers-none", lambda _: drivers_at(None, "2020-01-01"), "refuse", ("SolarWind series or a SolarWindState", "NoneType")),
    P("drivers-state-no-time", lambda _: drivers_at(state()), "refuse", ("time is required",)),
    P("drivers-time-yesterday", lambda _: drivers_at(state(), "yesterday"), "refuse", ("yesterday",)),
    P(
        "drivers-state",
        lambda _: drivers_at(state(), ["2026-03-20T12:00"]),
        "ok",
        check=lambda d: abs(d["pdyn"].to_value(u.nPa)[0] - 1.6) < 1e-9,
    ),
    # --- SXI simulation -----------------------------------------------------------------------------------
    P("simulate-301-s", lambda _: simulate(301 * u.s), "refuse", ("301 s", "whole number of 4-s CCD frames", "300 s or 304 s"), issue=True),
    P("simulate-2-s", lambda _: simulate(2 * u.s), "refuse", ("shorter than one CCD frame",)),
    P("simulate-unitless", lambda _: simulate(300), "refuse", ("unitless", "s")),
    P("simulate-60-s", lambda _: simulate(60 * u.s), "ok", check=lambda ev: ev.exposure == 60 * u.s),
]  # fmt: skip


def _run(probe: Probe, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = probe.call(tmp_path)
        except SmilekitError as error:
            return None, error, caught
    return result, None, caught


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_probe(probe: Probe, tmp_path):
    result, error, caught = _run(probe, tmp_path)
    foreign = [w for w in caught if not issubclass(w.category, SmilekitWarning)]
    assert not foreign, f"non-project warnings: {[str(w.message) for w in foreign]}"
    if probe.outcome == "refuse":
        assert error is not None, f"expected {probe.error.__name__}, got the result {result!r:.200}"
        assert isinstance(error, probe.error), f"expected {probe.error.__name__}, got {error!r}"
        message = str(error)
        for word in probe.words:
            assert word in message, f"{word!r} not in {message!r}"
        return
    assert error is None, f"unexpected {error!r}"
    flags = [w for w in caught if issubclass(w.category, ModelDomainWarning)]
    if probe.outcome == "flag":
        assert len(flags) == 1, [str(w.message) for w in caught]
        for word in probe.words:
            assert word in str(flags[0].message), f"{word!r} not in {str(flags[0].message)!r}"
    else:
        assert not caught, [str(w.message) for w in caught]
    if probe.check is not None:
        assert probe.check(result), f"check failed on {result!r:.200}"


def test_warn_false_is_quiet():
    """Callers that report the fitted range themselves (the main job's stages) get no warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = b.shue1998(0 * u.deg, pdyn=100 * u.nPa, warn=False)
        b.standoff("lin2010", pdyn=64 * u.nPa, warn=False)
        Jorgensen2019.from_solar_wind(state(n=50 * CM3), warn=False)
    assert not caught and 5 < r.to_value(RE) < 7


def test_corpus_size_and_outcomes():
    """At least 40 probes, every API probe of issue 14 among them; the counts for the closing note."""
    counts = {kind: sum(p.outcome == kind for p in PROBES) for kind in ("refuse", "flag", "ok")}
    assert len(PROBES) >= 40 and all(counts.values())
    assert sum(p.issue for p in PROBES) >= 14
    assert len({p.id for p in PROBES}) == len(PROBES)


def test_the_example_of_a_unitless_argument_is_python_for_any_unit():
    """The 'e.g.' of the refusal is code the user can paste, fractional powers included (OVATION's
    coupling unit, (km/s)^(4/3) nT^(2/3), once made the message itself fail with a TypeError)."""
    coupling_unit = (u.km / u.s) ** Fraction(4, 3) * u.nT ** Fraction(2, 3)
    for unit in (u.nPa, u.km / u.s, u.cm**-3, coupling_unit):
        with pytest.raises(InputError) as refused:
            as_value(3.0, unit, "x")
        example = str(refused.value).split("e.g. x=")[1]
        assert u.Quantity(eval(example, {"u": u})).unit == unit
