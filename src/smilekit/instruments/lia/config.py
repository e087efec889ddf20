"""The LIA instrument configuration: one frozen object holding every number of the analyser model.

Published (seed chapter :cite:`branduardiraymont2022`, section 3.3, from the ESA Red Book
:cite:`branduardiraymont2018`): two identical top-hat electrostatic analysers on opposite sides of the
platform (on the propulsion module), each covering 2 pi sr, together the full sphere; the elevation field
of view depends on energy, 0-90 deg for 0.05-13.2 keV and 0-62 deg for 13.2-20 keV, through a deflection
system at the entrance; an annular microchannel plate (MCP) with 48 radial anode sectors; protons and
alphas; moments (density, velocity, temperature tensor, heat flux). Nothing else is published in the
sources here: the number of energy and deflection steps, the geometric factor, the MCP efficiency, the
dead time, the accumulation time, the mounting axes and the spacecraft potential are **assumptions**
(each stated below), to be replaced by the calibration when it is public.

Geometry shared by the LIA modules
----------------------------------
The *LIA frame*: +Z is the symmetry axis of sensor A (sensor B's axis is -Z); the two sensors' aperture
planes are the X-Y plane. A velocity direction has azimuth ``phi`` (from +X towards +Y, 0-360 deg, the 48
anode sectors, 7.5 deg each, sector k spanning ``[7.5 k, 7.5 (k+1)]`` deg) and elevation ``theta`` (from
the X-Y plane, -90..+90 deg; sensor A's deflection steps cover 0..+90, sensor B's -90..0). Bins are
labelled by the *particle velocity direction* (the direction of motion, opposite to the look direction),
the convention of SPEDAS ``moments_3d``. Mounting (**assumption**, not published beyond "opposite sides of
the platform"): the LIA frame's +Z is the spacecraft body +Y axis (the SXI short axis of
:mod:`smilekit.mission.pointing`), +X is body +Z (the SXI boresight) and +Y is body +X.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.config import InstrumentConfig

__all__ = ["LIA_TO_BODY", "LIAConfig", "LIAValues"]

#: LIA frame -> spacecraft body frame rotation (columns: the LIA X, Y, Z axes in body coordinates);
#: the mounting assumption of the module docstring.
LIA_TO_BODY = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
LIA_TO_BODY.flags.writeable = False


class LIAValues(NamedTuple):
    """The configuration as plain floats in fixed units, for the kernels (see :class:`LIAConfig`)."""

    e_min_ev: float  # E/q, eV per elementary charge
    e_max_ev: float
    energy_steps: int
    anode_sectors: int
    deflection_steps: int  # per sensor, 0..90 deg
    e_restricted_ev: float  # above this E/q the elevation field is restricted
    el_restricted_deg: float
    area_cm2: float
    mcp_efficiency: float
    dead_time_s: float
    accumulation_s: float
    potential_v: float


@dataclass(frozen=True, eq=False, repr=False)
class LIAConfig(InstrumentConfig):
    """The LIA instrument model (defaults documented; change fields with :func:`dataclasses.replace`).

    Attributes
    ----------
    energy_range : Quantity
        Energy per charge of the lowest and highest energy step, 50 eV/q and 20 keV/q (published, seed
        chapter: 0.05-20 keV). Given in eV (per elementary charge).
    energy_steps : int
        Logarithmically spaced energy steps over the range, 32 (**assumption**). Step k's centre is
        ``E_min (E_max/E_min)^(k/31)``; its passband is the logarithmic bin about it, contiguous with
        its neighbours, ``Delta E / E`` = ln(400)/31 = 0.193 (flat-topped, **assumption**; top-hat
        analysers have 10-20 % FWHM, :cite:`carlson1983`).
    anode_sectors : int
        48 radial anode sectors of the annular MCP (published), 7.5 deg of azimuth each.
    deflection_steps : int
        Elevation steps of the entrance deflection system per sensor over 0-90 deg, 8 of 11.25 deg
        (**assumption**).
    restricted_energy, restricted_elevation : Quantity
        Above 13.2 keV/q the deflection reaches only 0-62 deg (published). A step whose centre energy
        lies above 13.2 keV/q sees only the part of each elevation bin below 62 deg (a bin wholly above
        it sees nothing); the step at 13.2 keV/q is decided by its centre (**assumption**).
    effective_area : Quantity
        Effective aperture area normal to the incoming direction, including grid transmission,
        0.02 cm^2 (**assumption**), the same for every direction. The geometric factor of a bin is
        ``effective_area * Omega_bin * Delta E / E``
        (:func:`~smilekit.instruments.lia.model.geometric_factor`); a sector in the lowest deflection step
        then has 9.9e-5 cm^2 sr eV/eV and the full 2 pi of one sensor at one energy 2.4e-2 cm^2 sr eV/eV
        (*not confirmed*: chosen so that a 4-s magnetosheath distribution at 20 cm^-3 holds ~1e5 counts,
        which the 1 % velocity target needs). With the dead time below, the solar wind's peak bin can pass
        r tau = 0.1 in a fast wind, so the ``dead_time`` quality bit is set there; the correction holds
        (``tests/instruments/lia/test_moments.py``, the solar-wind beams to 700 km/s).
    mcp_efficiency : float
        Detection efficiency of the MCP for protons and alphas, 0.7 (**assumption**; MCPs with ion
        post-acceleration give 0.5-0.8, :cite:`wiza1979`), independent of energy and species.
    dead_time : Quantity
        Non-paralysable dead time of each anode's counting chain, 0.2 microsecond (**assumption**).
    accumulation_time : Quantity
        Time of one full distribution (all energy and deflection steps), 4 s (**assumption**: the
        issue's default; SMILE has not published the LIA cadence in the sources here). Each
        (energy, deflection) step dwells ``accumulation_time / (energy_steps * deflection_steps)``
        (15.6 ms), both sensors and all 48 sectors in parallel.
    spacecraft_potential : Quantity
        Default spacecraft potential, +5 V (**assumption**: a sunlit spacecraft in the solar wind
        charges to a few volts positive, :cite:`pedersen1995`); the simulation and the moments also
        take it per sample.

    Raises
    ------
    InputError
        For a field with the wrong unit, out of range or inconsistent (e.g. a non-increasing energy
        range, ``mcp_efficiency`` outside (0, 1]).

    Examples
    --------
    >>> cfg = LIAConfig()
    >>> cfg.values.energy_steps, cfg.values.anode_sectors
    (32, 48)
    >>> round(float(cfg.dwell_time.to_value(u.ms)), 3)
    15.625
    """

    energy_range: u.Quantity = field(default_factory=lambda: [50.0, 20000.0] * u.eV)
    energy_steps: int = 32
    anode_sectors: int = 48
    deflection_steps: int = 8
    restricted_energy: u.Quantity = field(default_factory=lambda: 13.2 * u.keV)
    restricted_elevation: u.Quantity = field(default_factory=lambda: 62.0 * u.deg)
    effective_area: u.Quantity = field(default_factory=lambda: 0.02 * u.cm**2)
    mcp_efficiency: float = 0.7
    dead_time: u.Quantity = field(default_factory=lambda: 0.2 * u.us)
    accumulation_time: u.Quantity = field(default_factory=lambda: 4.0 * u.s)
    spacecraft_potential: u.Quantity = field(default_factory=lambda: 5.0 * u.V)

    @cached_property
    def values(self) -> LIAValues:
        """The configuration as plain floats (eV, deg, cm^2, s, V; see :class:`LIAValues`)."""
        erange = np.atleast_1d(as_value(self.energy_range, u.eV, "energy_range", positive=True))
        if erange.shape != (2,) or not erange[0] < erange[1]:
            raise InputError(f"energy_range must be two increasing energies, got {self.energy_range}")

        def integer(name, low):
            x = getattr(self, name)
            if not isinstance(x, int | np.integer) or isinstance(x, bool) or x < low:
                raise InputError(f"{name} must be an integer >= {low}, got {x!r}")
            return int(x)

        def scalar(name, unit, **checks):
            out = as_value(getattr(self, name), unit, name, **checks)
            if out.ndim != 0:
                raise InputError(f"{name} must be a single value, got shape {out.shape}")
            return float(out)

        eff = self.mcp_efficiency
        if not isinstance(eff, float | int) or isinstance(eff, bool) or not 0.0 < eff <= 1.0:
            raise InputError(f"mcp_efficiency must be a number in (0, 1], got {eff!r}")
        el_cut = scalar("restricted_elevation", u.deg, positive=True)
        if el_cut > 90.0:
            raise InputError(f"restricted_elevation must be <= 90 deg, got {el_cut:g} deg")
        potential = scalar("spacecraft_potential", u.V)
        if abs(potential) > 1000.0:
            raise InputError(f"spacecraft_potential must lie within +-1000 V, got {potential:g} V")
        return LIAValues(
            e_min_ev=float(erange[0]),
            e_max_ev=float(erange[1]),
            energy_steps=integer("energy_steps", 2),
            anode_sectors=integer("anode_sectors", 4),
            deflection_steps=integer("deflection_steps", 1),
            e_restricted_ev=scalar("restricted_energy", u.eV, positive=True),
            el_restricted_deg=el_cut,
            area_cm2=scalar("effective_area", u.cm**2, positive=True),
            mcp_efficiency=float(eff),
            dead_time_s=scalar("dead_time", u.s, nonnegative=True),
            accumulation_s=scalar("accumulation_time", u.s, positive=True),
            potential_v=potential,
        )

    @property
    def dwell_time(self) -> u.Quantity:
        """Time spent on one (energy, deflection) step: the accumulation over all steps."""
        v = self.values
        return v.accumulation_s / (v.energy_steps * v.deflection_steps) * u.s

    @property
    def energy_resolution(self) -> float:
        """``Delta E / E`` of a step: the logarithmic width of the energy bins."""
        v = self.values
        return math.log(v.e_max_ev / v.e_min_ev) / (v.energy_steps - 1)
