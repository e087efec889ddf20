"""One solar-wind state: the upstream conditions that drive every geospace model at one time."""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np

from smilekit._validation import as_value, as_vector
from smilekit.errors import InputError
from smilekit.solarwind import derived
from smilekit.times import as_datetime64

__all__ = ["SolarWindState", "as_state"]


@dataclass(frozen=True)
class SolarWindState:
    """Upstream solar wind at one instant.

    Parameters
    ----------
    n : Quantity
        Proton number density (cm^-3), > 0.
    v_gse : Quantity
        Bulk velocity vector in GSE (km/s); the solar wind flows along -X, so ``v_gse[0] < 0``.
    b_gsm : Quantity
        IMF vector in GSM (nT).
    t : Quantity
        Proton temperature (K), > 0.
    time : time-like, optional
        UTC time of the state (needed for the dipole tilt); anything
        :func:`smilekit.times.as_datetime64` accepts.

    Raises
    ------
    InputError
        For a wrong type, unit or shape, or a value outside the physical range: each variable's
        VALIDMIN/VALIDMAX (:data:`smilekit.solarwind.series.PRIMARY_VARIABLES`), a speed above VALIDMAX,
        or a flow more than :data:`smilekit._validation.MAX_FLOW_ANGLE_DEG` from -X GSE.

    Examples
    --------
    >>> import astropy.units as u
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s,
    ...                     b_gsm=[0, 2, -5] * u.nT, t=1e5 * u.K)
    >>> round(float(sw.pdyn.to_value(u.nPa)), 3)
    1.6
    """

    n: u.Quantity
    v_gse: u.Quantity
    b_gsm: u.Quantity
    t: u.Quantity = 1.0e5 * u.K
    time: np.datetime64 | None = None

    def __post_init__(self) -> None:
        n = as_value(self.n, u.cm**-3, "n", positive=True)
        v = as_vector(self.v_gse, u.km / u.s, "v_gse")
        b = as_vector(self.b_gsm, u.nT, "b_gsm")
        t = as_value(self.t, u.K, "t", positive=True)
        if n.ndim or v.shape != (3,) or b.shape != (3,) or t.ndim:
            raise _shape_error(n, v, b, t)
        from smilekit.solarwind.series import check_physical  # series builds states: a cycle otherwise

        for name, value in (("n", n), ("v_gse", v), ("b_gsm", b), ("t", t)):
            check_physical(name, value)
        object.__setattr__(self, "n", float(n) * u.cm**-3)
        object.__setattr__(self, "v_gse", v * (u.km / u.s))
        object.__setattr__(self, "b_gsm", b * u.nT)
        object.__setattr__(self, "t", float(t) * u.K)
        if self.time is not None:
            when = as_datetime64(self.time)
            if when.ndim:
                raise InputError(f"time must be one UTC time, got {when.size} times of shape {when.shape}")
            object.__setattr__(self, "time", np.datetime64(when, "ns"))

    # --- plain values, for kernels -------------------------------------------------------------
    @property
    def speed(self) -> u.Quantity:
        """Bulk speed ``|V|`` (km/s)."""
        return np.linalg.norm(self.v_gse)

    @property
    def bz(self) -> u.Quantity:
        """IMF Bz in GSM (nT)."""
        return self.b_gsm[2]

    @property
    def by(self) -> u.Quantity:
        """IMF By in GSM (nT)."""
        return self.b_gsm[1]

    @property
    def b_magnitude(self) -> u.Quantity:
        """``|B|`` (nT)."""
        return np.linalg.norm(self.b_gsm)

    @property
    def pdyn(self) -> u.Quantity:
        """Dynamic pressure, OMNI definition 2e-6 n V^2 (nPa)."""
        return derived.pdyn(self.n.value, self.speed.value) * u.nPa

    @property
    def pm(self) -> u.Quantity:
        """IMF magnetic pressure B^2 / 2 mu0 (nPa), as Lin et al. (2010) use it (:cite:`lin2010`)."""
        return derived.magnetic_pressure(self.b_magnitude.value) * u.nPa

    @property
    def flux(self) -> u.Quantity:
        """Particle flux n V (cm^-2 s^-1)."""
        return derived.particle_flux(self.n.value, self.speed.value) * u.cm**-2 / u.s

    @property
    def clock_angle(self) -> u.Quantity:
        """IMF clock angle in GSM, [0, 360) deg."""
        return derived.clock_angle(self.by.value, self.bz.value) * u.deg

    @property
    def alfven_mach(self) -> u.Quantity:
        """Alfvén Mach number (protons)."""
        return derived.alfven_mach(self.speed.value, self.b_magnitude.value, self.n.value) * u.one

    @property
    def magnetosonic_mach(self) -> u.Quantity:
        """Fast magnetosonic Mach number."""
        return (
            derived.magnetosonic_mach(self.speed.value, self.b_magnitude.value, self.n.value, self.t.value)
            * u.one
        )

    @property
    def newell_coupling(self) -> u.Quantity:
        """Newell et al. (2007) coupling function (:cite:`newell2007`), (km/s)^(4/3) nT^(2/3)."""
        value = derived.newell_coupling(self.speed.value, self.by.value, self.bz.value)
        return value * (u.km / u.s) ** (4 / 3) * u.nT ** (2 / 3)


def _shape_error(n, v, b, t) -> InputError:
    return InputError(
        "SolarWindState holds one state: n and t scalars, v_gse and b_gsm of shape (3,); got shapes "
        f"n {np.shape(n)}, v_gse {np.shape(v)}, b_gsm {np.shape(b)}, t {np.shape(t)}. "
        "Use smilekit.solarwind.SolarWind for time series."
    )


def as_state(state, name: str = "state") -> SolarWindState:
    """Return ``state`` if it is a :class:`SolarWindState`, else an InputError saying what is accepted.

    Examples
    --------
    >>> as_state(None)
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: state must be a smilekit.solarwind.SolarWindState ..., got NoneType None
    """
    if isinstance(state, SolarWindState):
        return state
    shown = repr(state)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise InputError(
        f"{name} must be a smilekit.solarwind.SolarWindState (e.g. SolarWindState(n=5 * u.cm**-3, "
        f"v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT)), got {type(state).__name__} {shown}"
    )
