"""Bad-input corpus of the Python API (issue 14): each probe a call and the outcome it must have.

Outcomes:

- ``refuse``: a smilekit error (InputError or ModelDomainError) whose message holds the key words (the
  offending value and what is accepted);
- ``flag``: a physical input outside a model's fitted range: the call succeeds, with a
  ModelDomainWarning holding the reason, and its answer passes a check;
- ``flagged``: a frame a pipeline must carry on past (issue 15: the UVI field misses the Earth, an L2 map
  of which nothing was seen): the call succeeds with no warning, and its answer holds the reason in a flag
  (``reason`` reads it: the key words must be there) and no silent number (``check``);
- ``ok``: a bounded success, no warning, and its answer passes a check.

Every probe of the issue's "Tracebacks" and "Silent garbage" lists that concerns the API is here (marked
``issue``), plus more of the same kinds; the UVI chain's probes (issue 15's "Bad input": a time outside the
solar wind series, a gap longer than OVATION's 4-h window, a pointing that misses the Earth, an emission
altitude outside 90-300 km, and their neighbours) are marked ``uvi``. The counts of each outcome are
asserted at the end, so that the closing note can quote them.
"""

# ruff: noqa: E501  (the corpus is a table: one probe a line, so that it reads as one)
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit import magnetic
from smilekit._validation import as_value
from smilekit.errors import (
    InputError,
    ModelDomainError,
    ModelDomainWarning,
    ProductError,
    SmilekitError,
    SmilekitWarning,
)
from smilekit.geospace import boundaries as b
from smilekit.geospace import fuv_emission as fuv
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.geospace.magnetosheath import Magnetosheath
from smilekit.geospace.ovation import COUPLING_UNIT, OvationPrime2010, averaged_coupling, window_hours
from smilekit.instruments.sxi.simulate import simulate_events
from smilekit.instruments.uvi import UVIConfig, make_l1, make_l2, simulate_image
from smilekit.instruments.uvi.sky import model_sky, precipitation_emission, shell_geometry
from smilekit.products.uvi_fits import read_l1, read_l2, write_l1
from smilekit.products.uvi_l3_cdf import write_uvi_l3_cdf
from smilekit.science.aurora import FLAG_UNSEEN, image_boundaries, image_hemispheric_power, model_boundaries
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.readers import read_swmf_imf
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RAYLEIGH, RE

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


# --- the UVI chain (issue 15) ------------------------------------------------------------------------
SW_START = np.datetime64("2015-06-22T00:00", "ns")
T_UVI = "2026-06-21T12:00"
UVI64 = UVIConfig(pixels=64)  # a coarse detector: the checks are the same, the probes fast
NADIR = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])  # UVI -> GSE: boresight -Z GSE, down on the pole
ZENITH = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])  # boresight +Z GSE: from above the pole, into space
_A = np.radians(2.0)
TILTED = (
    np.array([[1.0, 0, 0], [0, np.cos(_A), -np.sin(_A)], [0, np.sin(_A), np.cos(_A)]]) @ NADIR
)  # 2 deg off
ABOVE = [0, 0, 16] * RE


@cache
def uvi_wind(gap: bool = False) -> SolarWind:
    """8 h of 1-min steady solar wind from 2015-06-22T00:00 (Bz -5 nT, 400 km/s); with ``gap``, no record
    (n, V and B all NaN) from 01:00 to 06:00 inclusive: 5 h, longer than OVATION's 4-h window."""
    time = SW_START + np.arange(8 * 60) * np.timedelta64(1, "m")
    n, v, bb = (
        np.full(time.size, 5.0),
        np.tile([-400.0, 0, 0], (time.size, 1)),
        np.tile([0, 0, -5.0], (time.size, 1)),
    )
    if gap:
        for values in (n, v, bb):
            values[60:361] = np.nan
    return SolarWind(
        time, n=n * CM3, v_gse=v * KMS, b_gse=bb * u.nT, t=np.full(time.size, 1e5) * u.K, allow_gaps=gap
    )


def ring(mlat, mlt, geo_lat, geo_lon, view_zenith):
    """A 1 kR ring at 65-75 deg MLAT (an emission for model_sky)."""
    return np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0) * RAYLEIGH


def geometry(time=T_UVI, attitude=NADIR, config=UVI64, **kw):
    return shell_geometry(ABOVE, attitude, time, config=config, **kw)


@cache
def uvi_frame():
    """(geometry, L1, L2) of one 60-s frame of the ring, from 16 RE above the pole, on the 64-pixel grid."""
    g = geometry()
    l1 = make_l1(
        simulate_image(model_sky(None, None, None, ring, geometry=g), 60 * u.s, 1, config=UVI64), UVI64
    )
    return g, l1, make_l2(l1, g, dayglow="none", config=UVI64)


@cache
def missed():
    """The geometry of a frame looking away from the Earth, flagged rather than raised."""
    return geometry(attitude=ZENITH, on_miss="flag")


def l2_with(brightness):
    """The frame's L2 with its map's brightness (and error) replaced by ``brightness``."""
    l2 = uvi_frame()[2].copy(deep=True)
    l2["brightness"].values[:] = brightness
    l2["brightness_err"].values[:] = np.where(np.isnan(brightness), np.nan, 5.0)
    return l2


def image_with(**attrs):
    image = simulate_image(np.zeros((64, 64)) * RAYLEIGH, 60 * u.s, 1, config=UVI64)
    image.attrs.update(attrs)
    return image


def precipitation():
    return OvationPrime2010().from_coupling([T_UVI], [8000.0] * COUPLING_UNIT)


def precipitation_nan():
    ds = precipitation()
    ds["diffuse_energy_flux"].values[0, 10, 10] = np.nan
    return ds


def seen_nothing(result):
    """No number where nothing was seen: every value of the (data) variables NaN."""
    return all(np.isnan(result[name].values).all() for name in ("mlat", "mlt", "view_zenith", "slant_factor"))


def uvi_l1_file(tmp_path):
    g, l1, _ = uvi_frame()
    return write_l1(l1, tmp_path / "smile_uvi_l1_images_20260621T120000_v01.fits", geometry=g, config=UVI64)


def cut_short(tmp_path):
    path = uvi_l1_file(tmp_path)
    path.write_bytes(path.read_bytes()[:5000])
    return path


def empty_file(tmp_path):
    path = tmp_path / "empty.fits"
    path.write_bytes(b"")
    return path


def _emit(emission, n=1):
    return emission(
        *(
            np.full(n, v) * unit
            for v, unit in ((70.0, u.deg), (0.0, u.h), (70.0, u.deg), (0.0, u.deg), (10.0, u.deg))
        )
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
    reason: Callable | None = None  # flagged: the flag's text in the returned value
    uvi: bool = False  # a probe of the UVI chain (issue 15)


def _between(lo, hi, unit=RE):
    return lambda r: bool(np.all((lo < r.to_value(unit)) & (r.to_value(unit) < hi)))


P = Probe


def U(*args, **kwargs) -> Probe:
    """A probe of the UVI chain (issue 15)."""
    return Probe(*args, uvi=True, **kwargs)


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
    # --- UVI (issue 15): a time outside the solar wind series -------------------------------------------
    U("ovation-time-before-series", lambda _: averaged_coupling(uvi_wind(), "2015-06-21T23:00"), "refuse", ("outside the solar wind series", "2015-06-22T00:00", "2015-06-21T23:00")),
    U("ovation-precipitation-after-series", lambda _: OvationPrime2010().precipitation("2015-06-23T00:00", uvi_wind()), "refuse", ("outside the solar wind series", "2015-06-22T07:59", "2015-06-23T00:00")),
    U("model-boundaries-time-outside", lambda _: model_boundaries(["2015-06-21T23:00"], uvi_wind()), "refuse", ("model_boundaries", "outside the solar wind series", "2015-06-21T23:00")),
    U("window-hours-time-outside", lambda _: window_hours(uvi_wind(), "2015-06-22T09:00"), "refuse", ("outside the solar wind series", "2015-06-22T09:00")),
    U("ovation-series-none", lambda _: averaged_coupling(None, "2015-06-22T04:00"), "refuse", ("SolarWind series", "NoneType")),
    U("model-boundaries-state-not-series", lambda _: model_boundaries(["2015-06-22T04:00"], state()), "refuse", ("SolarWind series", "SolarWindState")),
    U("model-boundaries-no-times", lambda _: model_boundaries([], uvi_wind()), "refuse", ("non-empty 1-D", "(0,)")),
    U("ovation-series-start", lambda _: model_boundaries(["2015-06-22T00:30"], uvi_wind()), "ok", check=lambda r: r["hours_used"].values.tolist() == [1]),
    # --- UVI: a gap longer than OVATION's 4-h averaging window ------------------------------------------
    U("ovation-gap-5h", lambda _: averaged_coupling(uvi_wind(gap=True), "2015-06-22T06:00"), "refuse", ("no valid solar wind record in the 4 h before", "longer than the averaging window", "2015-06-22T06:00")),
    U("ovation-precipitation-gap-5h", lambda _: OvationPrime2010().precipitation(["2015-06-22T05:00"], uvi_wind(gap=True)), "refuse", ("no valid solar wind record", "2015-06-22T05:00")),
    U("model-boundaries-gap-5h", lambda _: model_boundaries(["2015-06-22T05:00", "2015-06-22T06:00"], uvi_wind(gap=True)), "refuse", ("model_boundaries", "no valid solar wind record", "2 time(s)")),
    U("window-hours-across-gap", lambda _: window_hours(uvi_wind(gap=True), ["2015-06-22T06:00", "2015-06-22T07:00", "2015-06-22T07:59"]), "ok", check=lambda h: h.tolist() == [0, 1, 2]),
    U("model-boundaries-after-gap", lambda _: model_boundaries(["2015-06-22T07:00"], uvi_wind(gap=True)), "ok", check=lambda r: r["hours_used"].values.tolist() == [1] and np.isfinite(r["coupling"].values).all()),
    U("ovation-coupling-negative", lambda _: OvationPrime2010().from_coupling([T_UVI], [-1.0] * COUPLING_UNIT), "refuse", ("coupling must be >= 0", "-1")),
    U("ovation-coupling-1e9", lambda _: OvationPrime2010().from_coupling([T_UVI], [1e9] * COUPLING_UNIT), "refuse", ("coupling 1e+09", "[0, 5.45136e+06]", "no solar wind")),
    U("ovation-coupling-unitless", lambda _: OvationPrime2010().from_coupling([T_UVI], [4421.0]), "refuse", ("(km/s)^(4/3) nT^(2/3)", "COUPLING_UNIT")),
    U("ovation-coupling-shape", lambda _: OvationPrime2010().from_coupling([T_UVI, T_UVI], [1.0] * COUPLING_UNIT), "refuse", ("coupling has shape (1,)", "times (2,)")),
    U("ovation-hemisphere", lambda _: OvationPrime2010().precipitation(["2015-06-22T04:00"], uvi_wind(), hemisphere="up"), "refuse", ("'up'", "'north' or 'south'")),
    # --- UVI: a pointing whose field misses the Earth ---------------------------------------------------
    U("uvi-field-misses-earth", lambda _: geometry(attitude=ZENITH), "refuse", ("misses the Earth", "180.00 deg from the Earth's centre", "limb 3.65 deg", "half-diagonal 7.05 deg"), error=ModelDomainError),
    U("uvi-field-misses-earth-flagged", lambda _: geometry(attitude=ZENITH, on_miss="flag"), "flagged", ("misses the Earth", "180.00 deg"), reason=lambda g: g.attrs["flag"], check=lambda g: not g["on_shell"].any() and seen_nothing(g)),
    U("model-sky-misses-earth", lambda _: model_sky(ABOVE, ZENITH, T_UVI, ring, config=UVI64), "refuse", ("misses the Earth", "no pixel sees the emission layer"), error=ModelDomainError),
    U("model-sky-misses-earth-flagged", lambda _: model_sky(ABOVE, ZENITH, T_UVI, ring, config=UVI64, on_miss="flag"), "flagged", ("misses the Earth",), reason=lambda m: m.attrs["flag"], check=lambda m: np.isnan(m.values).all()),
    U("model-sky-of-flagged-geometry", lambda _: model_sky(None, None, None, ring, geometry=missed()), "flagged", ("misses the Earth",), reason=lambda m: m.attrs["flag"], check=lambda m: np.isnan(m.values).all()),
    U("simulate-flagged-sky", lambda _: simulate_image(model_sky(None, None, None, ring, geometry=missed()), 60 * u.s, 1, config=UVI64), "refuse", ("brightness_map_R contains NaN", "4096 of 4096")),
    U("make-l2-flagged-geometry", lambda _: make_l2(uvi_frame()[1], missed(), config=UVI64), "refuse", ("geometry is flagged", "misses the Earth")),
    U("image-boundaries-nothing-seen", lambda _: image_boundaries(l2_with(np.nan)), "flagged", ("not_seen",), reason=lambda r: r["equatorward_flag"].attrs["flag_meanings"], check=lambda r: (r["equatorward_flag"] == FLAG_UNSEEN).all() and np.isnan(r["equatorward_mlat"]).all() and (r["sector_coverage"] == 0).all()),
    U("hemispheric-power-nothing-seen", lambda _: image_hemispheric_power(l2_with(np.nan)), "flagged", ("no bin of the L2 map", "was seen", "unknown"), reason=lambda r: r.attrs["flag"], check=lambda r: np.isnan(r["electron_power"]) and r["covered_area_fraction"] == 0),
    U("hemispheric-power-seen", lambda _: image_hemispheric_power(uvi_frame()[2]), "ok", check=lambda r: r.attrs["flag"] == "" and float(r["electron_power"]) > 0),
    U("model-sky-geometry-incomplete", lambda _: model_sky(None, None, None, ring, geometry=xr.Dataset({"slant_factor": 1.0})), "refuse", ("shell_geometry", "lacks", "on_shell")),
    U("model-sky-geometry-none-of-it", lambda _: model_sky(None, None, None, ring, geometry="g"), "refuse", ("shell_geometry", "str")),
    U("uvi-spacecraft-inside-shell", lambda _: shell_geometry([0, 0, 1.0] * RE, NADIR, T_UVI, config=UVI64), "refuse", ("above the emission layer", "r = 6371 km")),
    U("uvi-on-miss-unknown", lambda _: geometry(on_miss="ignore"), "refuse", ("'raise' or 'flag'", "'ignore'")),
    U("uvi-attitude-not-rotation", lambda _: geometry(attitude=2 * NADIR), "refuse", ("proper rotation",)),
    U("uvi-position-unitless", lambda _: shell_geometry([0, 0, 16], NADIR, T_UVI, config=UVI64), "refuse", ("unitless", "RE")),
    U("uvi-time-missing", lambda _: shell_geometry(ABOVE, NADIR, None, config=UVI64), "refuse", ("give time",)),
    # --- UVI: an emission altitude outside 90-300 km ----------------------------------------------------
    U("emission-altitude-50-km", lambda _: fuv.check_emission_altitude(50 * u.km), "refuse", ("emission altitude 50 km", "[90, 300] km")),
    U("emission-altitude-400-km", lambda _: fuv.check_emission_altitude(400 * u.km), "refuse", ("emission altitude 400 km", "[90, 300] km")),
    U("emission-altitude-unitless", lambda _: fuv.check_emission_altitude(120), "refuse", ("unitless", "km")),
    U("emission-altitude-nan", lambda _: fuv.check_emission_altitude(np.nan * u.km), "refuse", ("NaN",)),
    U("shell-geometry-altitude-400-km", lambda _: geometry(altitude=400 * u.km), "refuse", ("emission altitude 400 km", "[90, 300] km")),
    U("model-sky-altitude-80-km", lambda _: model_sky(ABOVE, NADIR, T_UVI, ring, altitude=80 * u.km, config=UVI64), "refuse", ("emission altitude 80 km", "[90, 300] km")),
    U("shell-geometry-altitude-seconds", lambda _: geometry(altitude=120 * u.s), "refuse", ("unit s", "does not convert to km")),
    U("shell-geometry-layer-500-km", lambda _: geometry(layer_thickness=500 * u.km), "refuse", ("layer_thickness", "1-200 km", "500")),
    U("emission-altitude-of-100-keV", lambda _: fuv.emission_altitude(100 * u.keV), "refuse", ("emission altitude 86.5", "[90, 300] km", "mean_energy")),
    U("lbh-brightness-100-keV", lambda _: fuv.lbh_brightness(1 * u.mW / u.m**2, 100 * u.keV), "refuse", ("mean_energy 100 keV", "below 90 km", "up to 69.7 keV")),
    U("emission-altitude-of-1-eV", lambda _: fuv.emission_altitude(1 * u.eV), "ok", check=lambda z: 280 < z.to_value(u.km) < 290),
    U("lbh-brightness-at-the-floor", lambda _: fuv.lbh_brightness(1 * u.mW / u.m**2, 69 * u.keV), "ok", check=lambda r: 0 < r.to_value(RAYLEIGH) < 125),
    # --- UVI: units, NaN and infinite values, shapes, exposures ----------------------------------------
    U("lbh-brightness-shapes", lambda _: fuv.lbh_brightness([1, 2, 3] * u.mW / u.m**2, [1, 2] * u.keV), "refuse", ("energy_flux (3,)", "mean_energy (2,)")),
    U("lbh-brightness-nan-flux", lambda _: fuv.lbh_brightness(np.nan * u.mW / u.m**2, 2 * u.keV), "refuse", ("energy_flux contains NaN",)),
    U("lbh-brightness-inf-flux", lambda _: fuv.lbh_brightness(np.inf * u.mW / u.m**2, 2 * u.keV), "refuse", ("energy_flux contains infinite",)),
    U("lbh-brightness-unitless", lambda _: fuv.lbh_brightness(1.0, 2 * u.keV), "refuse", ("unitless", "erg")),
    U("lbh-brightness-view-zenith-95", lambda _: fuv.lbh_brightness(1 * u.mW / u.m**2, 2 * u.keV, view_zenith=95 * u.deg), "refuse", ("< 90 deg", "95 deg")),
    U("lbh-brightness-no-flux-no-energy", lambda _: fuv.lbh_brightness([0.0, 1.0] * u.mW / u.m**2, [np.nan, 2.0] * u.keV), "ok", check=lambda r: r[0] == 0 and 120 < r[1].to_value(RAYLEIGH) < 125),
    U("lbh-brightness-energy-nan-with-flux", lambda _: fuv.lbh_brightness(1 * u.mW / u.m**2, np.nan * u.keV), "refuse", ("mean_energy is NaN where energy_flux > 0",)),
    U("dayglow-solar-zenith-200", lambda _: fuv.dayglow_brightness(200 * u.deg), "refuse", ("solar_zenith 200 deg", "[0, 180] deg")),
    U("model-sky-emission-nan", lambda _: model_sky(ABOVE, NADIR, T_UVI, lambda *a: np.full(a[0].shape, np.nan) * RAYLEIGH, config=UVI64), "refuse", ("emission(...) contains NaN",)),
    U("model-sky-emission-inf", lambda _: model_sky(ABOVE, NADIR, T_UVI, lambda *a: np.full(a[0].shape, np.inf) * RAYLEIGH, config=UVI64), "refuse", ("emission(...) contains infinite",)),
    U("model-sky-emission-unitless", lambda _: model_sky(ABOVE, NADIR, T_UVI, lambda *a: np.ones(a[0].shape), config=UVI64), "refuse", ("unitless", "Rayleigh")),
    U("model-sky-emission-shape", lambda _: model_sky(ABOVE, NADIR, T_UVI, lambda *a: np.ones(3) * RAYLEIGH, config=UVI64), "refuse", ("one brightness per pixel", "(3,)")),
    U("model-sky-emission-not-callable", lambda _: model_sky(ABOVE, NADIR, T_UVI, 5, config=UVI64), "refuse", ("callable", "5")),
    U("precipitation-emission-none", lambda _: precipitation_emission(None, T_UVI), "refuse", ("xarray.Dataset on dims ('mlat', 'mlt')", "NoneType")),
    U("precipitation-emission-other-time", lambda _: precipitation_emission(precipitation(), "2026-06-21T13:00"), "refuse", ("2026-06-21T13:00", "not among the precipitation's 1 time(s)", "2026-06-21T12:00")),
    U("precipitation-emission-nan-flux", lambda _: precipitation_emission(precipitation_nan(), T_UVI), "refuse", ("diffuse_energy_flux", "1 negative, NaN or infinite", "finite and >= 0")),
    U("precipitation-emission-unitless-point", lambda _: precipitation_emission(precipitation(), T_UVI)(70.0, 0.0, 70.0, 0.0, 10.0), "refuse", ("mlat", "unitless", "deg")),
    U("precipitation-emission", lambda _: _emit(precipitation_emission(precipitation(), T_UVI, dayglow=False)), "ok", check=lambda r: r.unit == RAYLEIGH and 0 < r.value[0] < 1e5),
    U("simulate-uvi-negative-exposure", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, -60 * u.s, 1, config=UVI64), "refuse", ("exposure must be > 0 s", "-60 s")),
    U("simulate-uvi-unitless-exposure", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, 60, 1, config=UVI64), "refuse", ("unitless", "s")),
    U("simulate-uvi-60.5-s", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, 60.5 * u.s, 1, config=UVI64), "refuse", ("60.5 s", "whole number", "60 s or 61 s")),
    U("simulate-uvi-nan", lambda _: simulate_image(np.full((64, 64), np.nan) * RAYLEIGH, 60 * u.s, 1, config=UVI64), "refuse", ("brightness_map_R contains NaN",)),
    U("simulate-uvi-inf", lambda _: simulate_image(np.full((64, 64), np.inf) * RAYLEIGH, 60 * u.s, 1, config=UVI64), "refuse", ("brightness_map_R contains infinite",)),
    U("simulate-uvi-1e30-R", lambda _: simulate_image(np.full((64, 64), 1e30) * RAYLEIGH, 60 * u.s, 1, config=UVI64), "refuse", ("brightness_map_R 1e+30 R", "[0, 1e+09] R", "unit mistake")),
    U("simulate-uvi-negative", lambda _: simulate_image(np.full((64, 64), -1.0) * RAYLEIGH, 60 * u.s, 1, config=UVI64), "refuse", ("must be >= 0", "-1")),
    U("simulate-uvi-unitless", lambda _: simulate_image(np.ones((64, 64)), 60 * u.s, 1, config=UVI64), "refuse", ("unitless", "Rayleigh")),
    U("simulate-uvi-in-km", lambda _: simulate_image(xr.DataArray(np.ones((64, 64)), attrs={"units": "km"}), 60 * u.s, 1, config=UVI64), "refuse", ("unit km", "does not convert")),
    U("simulate-uvi-wrong-grid", lambda _: simulate_image(np.ones((32, 32)) * RAYLEIGH, 60 * u.s, 1, config=UVI64), "refuse", ("detector grid", "(64, 64)", "(32, 32)")),
    U("simulate-uvi-sunlit-text", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, 60 * u.s, 1, sunlit_fraction="half", config=UVI64), "refuse", ("sunlit_fraction", "'half'", "[0, 1]")),
    U("simulate-uvi-sunlit-2", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, 60 * u.s, 1, sunlit_fraction=2.0, config=UVI64), "refuse", ("sunlit_fraction must lie in [0, 1]",)),
    U("simulate-uvi-no-seed", lambda _: simulate_image(np.ones((64, 64)) * RAYLEIGH, 60 * u.s, None, config=UVI64), "refuse", ("rng", "NoneType")),
    U("make-l1-exposure-attribute-nan", lambda _: make_l1(image_with(exposure_s=np.nan), UVI64), "refuse", ("exposure_s attribute", "NaN")),
    U("make-l1-exposure-attribute-text", lambda _: make_l1(image_with(exposure_s="sixty"), UVI64), "refuse", ("exposure_s attribute", "'sixty'", "not a number of seconds")),
    U("make-l1-exposure-attribute-negative", lambda _: make_l1(image_with(exposure_s=-60.0), UVI64), "refuse", ("exposure_s attribute must be > 0 s", "-60")),
    U("make-l1-exposure-differs", lambda _: make_l1(image_with(), UVI64, exposure=120 * u.s), "refuse", ("exposure 120 s differs", "exposure_s 60")),
    U("make-l1-wrong-grid", lambda _: make_l1(image_with()), "refuse", ("(512, 512)", "(64, 64)")),
    U("make-l1-not-dn", lambda _: make_l1(image_with(units="R"), UVI64), "refuse", ("attrs['units'] == 'DN'",)),
    U("make-l1-flat-zero", lambda _: make_l1(image_with(), UVI64, flat=np.zeros((64, 64))), "refuse", ("flat must be a positive finite array",)),
    # --- UVI: an L2 whose geometry is of another frame --------------------------------------------------
    U("make-l2-geometry-other-time", lambda _: make_l2(uvi_frame()[1], geometry(time="2026-06-21T12:10"), config=UVI64), "refuse", ("image is of 2026-06-21T12:00:00.000", "geometry of 2026-06-21T12:10:00.000")),
    U("make-l2-geometry-other-grid", lambda _: make_l2(uvi_frame()[1], geometry(config=UVIConfig(pixels=32)), config=UVI64), "refuse", ("grid (32, 32)", "image's (64, 64)")),
    U("make-l2-geometry-other-pointing", lambda _: make_l2(uvi_frame()[1], geometry(attitude=TILTED), config=UVI64), "refuse", ("boresight differs",)),
    U("make-l2-not-l1", lambda _: make_l2(uvi_frame()[2], uvi_frame()[0], config=UVI64), "refuse", ("l1 must be the Dataset of make_l1",)),
    U("make-l2-dayglow-unknown", lambda _: make_l2(uvi_frame()[1], uvi_frame()[0], dayglow="yes", config=UVI64), "refuse", ("'fit', 'model' or 'none'", "'yes'")),
    U("image-boundaries-inf", lambda _: image_boundaries(l2_with(np.inf)), "refuse", ("brightness holds", "infinite", "NaN where it was not")),
    U("hemispheric-power-inf", lambda _: image_hemispheric_power(l2_with(np.inf)), "refuse", ("brightness holds", "infinite")),
    U("image-boundaries-of-l1", lambda _: image_boundaries(uvi_frame()[1]), "refuse", ("('mlat', 'mlt')",)),
    U("image-boundaries-sector-5-h", lambda _: image_boundaries(uvi_frame()[2], sector=5 * u.h), "refuse", ("sector 5.0 h", "divide 24 h")),
    # --- UVI: AACGM-v2 times (the coefficients end in 2030) ---------------------------------------------
    U("aacgm-2031", lambda _: magnetic.geographic_to_aacgm(70 * u.deg, 0 * u.deg, 120 * u.km, "2031-01-01"), "refuse", ("2031-01-01", "AACGM-v2", "to 2029-12-31T23:59:59")),
    U("aacgm-mlt-2030", lambda _: magnetic.mlt_from_mlon(0 * u.deg, "2030-01-01T00:00"), "refuse", ("2030-01-01T00:00", "to 2029-12-31T23:59:59")),
    U("aacgm-positions-2035", lambda _: magnetic.position_to_mlat_mlt([1.02, 0, 0] * RE, "2035-06-01"), "refuse", ("2035-06-01", "AACGM-v2")),
    U("aacgm-3000-km-untraced", lambda _: magnetic.geographic_to_aacgm(70 * u.deg, 0 * u.deg, 3000 * u.km, "2020-01-01"), "refuse", ("altitude 3000 km", "[0, 2000] km", "trace=True")),
    U("aacgm-end-of-2029", lambda _: magnetic.geographic_to_aacgm(70 * u.deg, 0 * u.deg, 120 * u.km, "2029-12-31T23:00"), "ok", check=lambda r: 60 < r[0].to_value(u.deg) < 75),
    U("uvi-geometry-2031", lambda _: geometry(time="2031-01-01"), "refuse", ("2031-01-01", "accepted are times", "2030-01-01")),
    # --- UVI products: broken files, writers' arguments -------------------------------------------------
    U("read-uvi-l1-empty", lambda tmp: read_l1(empty_file(tmp)), "refuse", ("empty (0 bytes)", "UVI L1 FITS"), error=ProductError),
    U("read-uvi-l1-cut-short", lambda tmp: read_l1(cut_short(tmp)), "refuse", ("cannot be read as a UVI L1 FITS file", "whole file"), error=ProductError),
    U("read-uvi-l1-missing", lambda tmp: read_l1(tmp / "none.fits"), "refuse", ("no such file", "UVI L1"), error=ProductError),
    U("read-uvi-l2-given-l1", lambda tmp: read_l2(uvi_l1_file(tmp)), "refuse", ("not a UVI L2 file", "LEVEL 'L1'"), error=ProductError),
    U("write-uvi-l1-exists", lambda tmp: write_l1(uvi_frame()[1], uvi_l1_file(tmp), config=UVI64), "refuse", ("exists", "overwrite=True"), error=ProductError),
    U("write-uvi-l1-given-l2", lambda tmp: write_l1(uvi_frame()[2], tmp / "l1.fits"), "refuse", ("make_l1",)),
    U("write-uvi-l3-no-frames", lambda tmp: write_uvi_l3_cdf(tmp / "l3.cdf", [], []), "refuse", ("at least one frame",)),
    U("write-uvi-l3-frames-differ", lambda tmp: write_uvi_l3_cdf(tmp / "l3.cdf", [image_boundaries(uvi_frame()[2])], []), "refuse", ("power has 0 frames, boundaries 1",)),
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
    if probe.outcome == "flagged":
        assert not caught, [str(w.message) for w in caught]
        text = probe.reason(result)
        assert text, f"no flag on {result!r:.200}"
        for word in probe.words:
            assert word in text, f"{word!r} not in {text!r}"
    elif probe.outcome == "flag":
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
    """Every API probe of issue 14 and the UVI probes of issue 15 among them; the counts for the closing
    notes (a probe added or moved changes them here, on purpose)."""
    kinds = ("refuse", "flag", "flagged", "ok")
    counts = {kind: sum(p.outcome == kind for p in PROBES) for kind in kinds}
    uvi = {kind: sum(p.outcome == kind for p in PROBES if p.uvi) for kind in kinds}
    assert counts == {"refuse": 146, "flag": 7, "flagged": 5, "ok": 16}
    assert uvi == {"refuse": 94, "flag": 0, "flagged": 5, "ok": 9}
    assert sum(p.issue for p in PROBES) >= 14
    assert len({p.id for p in PROBES}) == len(PROBES)
    assert {p.outcome for p in PROBES} <= set(kinds)
    assert all((p.outcome == "flagged") == (p.reason is not None) for p in PROBES)


def test_the_example_of_a_unitless_argument_is_python_for_any_unit():
    """The 'e.g.' of the refusal is code the user can paste, fractional powers included (OVATION's
    coupling unit, (km/s)^(4/3) nT^(2/3), once made the message itself fail with a TypeError)."""
    coupling_unit = (u.km / u.s) ** Fraction(4, 3) * u.nT ** Fraction(2, 3)
    for unit in (u.nPa, u.km / u.s, u.cm**-3, coupling_unit):
        with pytest.raises(InputError) as refused:
            as_value(3.0, unit, "x")
        example = str(refused.value).split("e.g. x=")[1]
        assert u.Quantity(eval(example, {"u": u})).unit == unit
