"""Exospheric (geocoronal) neutral hydrogen density models, selectable by name.

The neutral hydrogen of the geocorona is the target of solar-wind charge exchange (SWCX): every soft
X-ray emissivity model multiplies the solar-wind ion flux by the local H density ``n_H``. Two models
ship:

``"cravens2001"``
    :class:`Cravens2001`, the spherically symmetric power law ``n_H = 25 (10 RE / r)^3 cm^-3`` of
    Cravens, Robertson & Snowden (2001), J. Geophys. Res. 106(A11), 24883, doi:10.1029/2000JA000461,
    :cite:`cravens2001` (their fit to the Hodges (1994) densities near 10 RE; also used by Robertson &
    Cravens 2003, :cite:`robertson2003`).
``"hodges1994"``
    :class:`Hodges1994`, the Monte Carlo model of Hodges (1994), J. Geophys. Res. 99(A12), 23229,
    doi:10.1029/94JA02183, :cite:`hodges1994`, as tabulated (40 radii, 1.04-9.75 RE, spherical harmonics to
    degree 3) for equinox and solstice and F10.7 = 80, 130, 180, 230.

Zoennchen et al. (2022), Ann. Geophys. 40, 271, doi:10.5194/angeo-40-271-2022, :cite:`zoennchen2022`, report a
dayside profile from UVIS/HDAC and TWINS Lyman-alpha data (about 35 cm^-3 at 10 RE, falling faster than r^-3
beyond 8 RE), but the coefficients of their fitted profile could not be found in the sources available to this
package, so it is *not* implemented (no coefficients are invented here).

Frame: positions are in RE in a GSE-like frame (X to the Sun, Z to the ecliptic north pole). The
kernels (:meth:`ExosphereModel.density_values`) take plain float64 arrays in RE and return cm^-3.
"""

from __future__ import annotations

import math
from functools import cache

import astropy.units as u
import numba
import numpy as np

from smilekit._data import data_path
from smilekit._validation import as_positions, as_value
from smilekit.errors import InputError
from smilekit.geospace.boundaries import flat_positions
from smilekit.units import RE_KM

__all__ = [
    "EXOSPHERE_MODELS",
    "Cravens2001",
    "ExosphereModel",
    "Hodges1994",
    "density_point",
    "exosphere_model",
]

_DENSITY = u.cm**-3


def _positions(x, y, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y, z = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
    )
    return x, y, z


class ExosphereModel:
    """Base class: a neutral hydrogen density field ``n_H(x, y, z)``.

    Subclasses implement :meth:`density_values` (plain float64 arrays in RE, GSE-like frame, returning
    cm^-3), or :meth:`point_arguments` for the compiled :func:`density_point` (then the inherited
    :meth:`density_values` runs it); :meth:`density` wraps it with unit checks.
    """

    #: Registry name of the model.
    name: str = ""

    def point_arguments(self) -> tuple | None:
        """The model as the arguments ``(kind, n_ref, radius, log_n, coefficients)`` of
        :func:`density_point` (for compiled callers such as the SWCX emissivity), or None for a model it
        does not know."""
        return None

    def density_values(self, x, y, z) -> np.ndarray:
        """Hydrogen density in cm^-3 at positions given as plain float arrays in RE (GSE-like frame)."""
        args = self.point_arguments()
        if args is None:
            raise NotImplementedError
        shape, xf, yf, zf = flat_positions(x, y, z)
        out = np.empty(shape)
        _density_loop(*args, xf, yf, zf, out.reshape(-1))
        return out

    def density(self, x, y, z) -> u.Quantity:
        """Hydrogen density (Quantity, cm^-3) at positions given as length Quantities (GSE-like frame).

        Raises
        ------
        InputError
            If a coordinate is unitless, not a length, or not finite.
        """
        xv, yv, zv = as_positions(x, y, z)
        return self.density_values(xv, yv, zv) * _DENSITY

    @property
    def parameters(self) -> dict[str, float | str]:
        """The model's parameters as plain numbers and strings (for file attributes)."""
        return {}


class Cravens2001(ExosphereModel):
    """Power-law geocorona ``n_H = n10 (10 RE / r)^3``.

    Cravens, Robertson & Snowden (2001), J. Geophys. Res. 106(A11), 24883-24892,
    doi:10.1029/2000JA000461, with ``n10 = 25 cm^-3`` (a fit to Hodges 1994 near 10 RE). Spherically
    symmetric, so the frame does not matter. Below 1 RE (inside the Earth) the density is held at its
    1 RE value so that line-of-sight integrals through the Earth stay finite.

    Parameters
    ----------
    n10 : Quantity
        Density at 10 RE (cm^-3), default 25 cm^-3.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> Cravens2001().density(10 * RE, 0 * RE, 0 * RE)
    <Quantity 25. 1 / cm3>
    """

    name = "cravens2001"

    def __init__(self, n10=25.0 * _DENSITY):
        self.n10 = float(as_value(n10, _DENSITY, "n10", positive=True))

    def point_arguments(self) -> tuple:
        return _CRAVENS, self.n10, _NO_TABLE, _NO_TABLE, _NO_COEFFICIENTS

    @property
    def parameters(self) -> dict[str, float | str]:
        return {"exosphere": self.name, "n10_cm-3": self.n10}

    def __repr__(self) -> str:
        return f"Cravens2001(n10={self.n10:g} cm^-3)"


# --- Hodges (1994) -----------------------------------------------------------------------------------

_HODGES_F107 = (80, 130, 180, 230)
_HODGES_SEASONS = ("equinox", "solstice")
#: (l, m) of the 15 tabulated columns after N: A10 A11 B11 A20 A21 B21 A22 B22 A30 A31 B31 A32 B32 A33 B33.
_HODGES_COLUMNS = (
    ("A", 1, 0),
    ("A", 1, 1),
    ("B", 1, 1),
    ("A", 2, 0),
    ("A", 2, 1),
    ("B", 2, 1),
    ("A", 2, 2),
    ("B", 2, 2),
    ("A", 3, 0),
    ("A", 3, 1),
    ("B", 3, 1),
    ("A", 3, 2),
    ("B", 3, 2),
    ("A", 3, 3),
    ("B", 3, 3),
)


@cache
def _read_hodges_table(season: str, f107: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (radius_RE[40], N_cm-3[40], coefficients[40, 15] unscaled) of one shipped table."""
    name = f"exosphere/Hodges_{season.capitalize()}F107_{f107}.dat"
    path = data_path(name)
    rows = []
    with open(path, encoding="ascii") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= 2 or not line.strip():
                continue
            fields = line.split()
            if len(fields) != 17:
                raise InputError(f"{name} line {lineno}: expected 17 columns, got {len(fields)}: {line!r}")
            rows.append([float(f) for f in fields])
    table = np.asarray(rows, dtype=np.float64)
    if table.shape != (40, 17):
        raise InputError(f"{name}: expected 40 radii, got {table.shape[0]}")
    return table[:, 0] / RE_KM, table[:, 1], table[:, 2:] * 1.0e-4


# sqrt(4 pi) times the theta parts of the Y_lm used with the Hodges tables (SWMF IM/HEIDI ``HModel.f90``):
# the orthonormal complex spherical harmonics' theta factors including the Condon-Shortley phase, e.g.
# Y_11 = -sqrt(3 / 8 pi) sin(theta), Y_20 = sqrt(5 / 4 pi) (3/2 cos^2 - 1/2). Y_00 sqrt(4 pi) = 1.
_Y10 = math.sqrt(3.0)
_Y11 = -math.sqrt(1.5)
_Y20 = math.sqrt(5.0)
_Y21 = -math.sqrt(7.5)
_Y22 = 0.25 * math.sqrt(30.0)
_Y30 = math.sqrt(7.0)
_Y31 = -0.25 * math.sqrt(21.0)
_Y32 = 0.25 * math.sqrt(210.0)
_Y33 = -0.25 * math.sqrt(35.0)

_CRAVENS = 0
_HODGES = 1
_NO_TABLE = np.zeros(2)
_NO_COEFFICIENTS = np.zeros((2, len(_HODGES_COLUMNS)))


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lerp(table, a, b, j, w):  # pragma: no cover - compiled by numba
    """Row a of ``table`` towards row b by w, column j."""
    return table[a, j] + w * (table[b, j] - table[a, j])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def density_point(kind, n_ref, radius, log_n, coeffs, x, y, z):  # pragma: no cover - compiled by numba
    """Kernel: hydrogen density (cm^-3) at one point (RE) of a model given by its
    :meth:`ExosphereModel.point_arguments`.

    Cravens et al. (2001): ``n_ref (10 / max(r, 1))^3`` (``n_ref`` = n10). Hodges (1994): the expansion of
    :class:`Hodges1994` with the columns of ``coeffs`` in the order A10 A11 B11 A20 A21 B21 A22 B22 A30
    A31 B31 A32 B32 A33 B33, interpolated linearly in r between the table radii (clamped at both ends),
    times N(r) = exp(log N) interpolated likewise, and beyond the last radius the angular terms of that
    radius times ``n_ref`` (r_last / r)^3 (``n_ref`` = N(r_last)); negative values clipped to 0.
    """
    r = math.sqrt(x * x + y * y + z * z)
    if kind == _CRAVENS:
        q = 10.0 / max(r, 1.0)
        return n_ref * (q * q * q)
    c = z / r if r > 0.0 else 1.0
    s = math.sqrt(min(max(1.0 - c * c, 0.0), 1.0))
    rho = math.sqrt(x * x + y * y)
    # phi = atan2(-y, -x), from midnight towards dawn; its multiples by the angle-sum formulas
    c1, s1 = (-x / rho, -y / rho) if rho > 0.0 else (1.0, 0.0)
    c2, s2 = c1 * c1 - s1 * s1, 2.0 * s1 * c1
    c3, s3 = c2 * c1 - s2 * s1, s2 * c1 + c2 * s1
    hi = radius.size - 1  # the interval [lo, hi] holding r (clamped to the table), searched from outside
    if r >= radius[hi]:
        lo, w = hi, 0.0  # the last radius' terms
        f = radius[hi] / r
        n = n_ref * (f * f * f)
    else:
        rr = max(r, radius[0])
        while hi > 1 and radius[hi - 1] > rr:
            hi -= 1
        lo = hi - 1
        w = (rr - radius[lo]) / (radius[hi] - radius[lo])
        n = math.exp(log_n[lo] + w * (log_n[hi] - log_n[lo]))
    a, b, q = lo, hi, coeffs
    cc = c * c
    total = (
        1.0
        + _lerp(q, a, b, 0, w) * _Y10 * c
        + (_lerp(q, a, b, 1, w) * c1 + _lerp(q, a, b, 2, w) * s1) * _Y11 * s
        + _lerp(q, a, b, 3, w) * _Y20 * (1.5 * cc - 0.5)
        + (_lerp(q, a, b, 4, w) * c1 + _lerp(q, a, b, 5, w) * s1) * _Y21 * s * c
        + (_lerp(q, a, b, 6, w) * c2 + _lerp(q, a, b, 7, w) * s2) * _Y22 * s * s
        + _lerp(q, a, b, 8, w) * _Y30 * (2.5 * cc * c - 1.5 * c)
        + (_lerp(q, a, b, 9, w) * c1 + _lerp(q, a, b, 10, w) * s1) * _Y31 * s * (5.0 * cc - 1.0)
        + (_lerp(q, a, b, 11, w) * c2 + _lerp(q, a, b, 12, w) * s2) * _Y32 * s * s * c
        + (_lerp(q, a, b, 13, w) * c3 + _lerp(q, a, b, 14, w) * s3) * _Y33 * s * s * s
    )
    return max(n * total, 0.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _density_loop(kind, n_ref, radius, log_n, coeffs, x, y, z, out):  # pragma: no cover - numba
    for i in range(x.size):
        out[i] = density_point(kind, n_ref, radius, log_n, coeffs, x[i], y[i], z[i])


class Hodges1994(ExosphereModel):
    """Geocoronal hydrogen of Hodges (1994), from the published spherical-harmonic tables.

    Hodges, R. R. (1994), Monte Carlo simulation of the terrestrial hydrogen exosphere, J. Geophys. Res.
    99(A12), 23229, doi:10.1029/94JA02183. At each of 40 radii (6640-62126 km, 1.04-9.75 RE) the tables
    give the spherically averaged density N(r) and coefficients A_lm, B_lm (l <= 3, scaled by 1e4), and

        n(r, theta, phi) = N(r) sqrt(4 pi) sum_lm (A_lm cos m phi + B_lm sin m phi) Y_lm(theta),

    with A_00 = 1 and Y_lm the orthonormal harmonics with the Condon-Shortley phase, as evaluated by SWMF
    ``IM/HEIDI/src/HModel.f90`` (subroutines ``get_hodges_density`` and ``get_Ylm``). Since every term
    with l > 0 averages to zero over the sphere, the spherical mean of n is N(r).

    Angles. SWMF does not state the frame (its call is commented out). We use theta = colatitude from
    the ecliptic north pole (+Z_GSE) and phi = local-time angle measured from midnight (-X_GSE) towards
    dawn (-Y_GSE), i.e. phi = 15 deg x LT, phi = atan2(-y, -x). Evidence from the tables themselves: at
    9.75 RE the l = 1 terms peak at phi = 8 deg, i.e. the anti-sunward hydrogen geotail driven by
    radiation pressure (Hodges 1994); at 1.04 RE they peak at phi = 62 deg (about 04 LT, the known
    pre-dawn exobase maximum of H); the solstice tables have A_10 != 0 (a north-south asymmetry) while
    equinox tables have A_10 = 0, as expected for a polar axis normal to the ecliptic.

    Radial interpolation: log N and the coefficients are interpolated linearly in r between the table
    radii. Beyond 9.75 RE: N(r) = N(9.75 RE) (9.75 RE / r)^3 (an r^-3 tail matched at the last radius,
    the slope of Cravens et al. 2001) with the angular coefficients of the last radius. Inside 1.04 RE
    (the exobase region, and the Earth): clamped to the 1.04 RE value. The degree-3 expansion can turn
    slightly negative in small regions near the exobase in the solstice tables; such values are clipped
    to zero.

    Parameters
    ----------
    season : {"equinox", "solstice"}
    f107 : float
        Solar F10.7 index, 80 <= f107 <= 230. Tabulated values 80, 130, 180, 230 are used exactly; in
        between, log N and the coefficients are interpolated linearly in F10.7 between the two adjacent
        tables (documented choice; Hodges gives only the four tables).

    Examples
    --------
    >>> import astropy.units as u
    >>> h = Hodges1994("equinox", 130)
    >>> round(float(h.mean_density_values(6640 / 6371)), 1)
    120398.0
    """

    name = "hodges1994"

    def __init__(self, season: str = "equinox", f107: float = 130):
        season_l = str(season).lower()
        if season_l not in _HODGES_SEASONS:
            raise InputError(f"season must be one of {_HODGES_SEASONS}, got {season!r}")
        try:
            f = float(f107)
        except (TypeError, ValueError):
            raise InputError(f"f107 must be a number between 80 and 230, got {f107!r}") from None
        if not (_HODGES_F107[0] <= f <= _HODGES_F107[-1]):
            raise InputError(f"f107 must be between 80 and 230 (the Hodges 1994 tables), got {f107!r}")
        self.season = season_l
        self.f107 = f
        radius, log_n, coeffs = self._interpolated_tables(season_l, f)
        self.radius_re = radius
        self._log_n = log_n
        self._coeffs = coeffs

    @staticmethod
    def _interpolated_tables(season, f):
        grid = np.asarray(_HODGES_F107, dtype=float)
        i = int(np.clip(np.searchsorted(grid, f, side="right") - 1, 0, len(grid) - 2))
        w = (f - grid[i]) / (grid[i + 1] - grid[i])
        r0, n0, c0 = _read_hodges_table(season, int(grid[i]))
        r1, n1, c1 = _read_hodges_table(season, int(grid[i + 1]))
        if not np.array_equal(r0, r1):
            raise InputError("Hodges tables for different F10.7 have different radii")
        log_n = (1 - w) * np.log(n0) + w * np.log(n1)
        return r0, log_n, (1 - w) * c0 + w * c1

    def mean_density_values(self, r) -> np.ndarray:
        """Spherically averaged density N(r) in cm^-3 at geocentric distance ``r`` in RE (plain floats)."""
        r = np.asarray(r, dtype=np.float64)
        rr = np.clip(r, self.radius_re[0], self.radius_re[-1])
        n = np.exp(np.interp(rr, self.radius_re, self._log_n))
        beyond = r > self.radius_re[-1]
        return np.where(beyond, n * (self.radius_re[-1] / np.where(beyond, r, 1.0)) ** 3, n)

    def point_arguments(self) -> tuple:
        return _HODGES, float(np.exp(self._log_n[-1])), self.radius_re, self._log_n, self._coeffs

    @property
    def parameters(self) -> dict[str, float | str]:
        return {"exosphere": self.name, "season": self.season, "f107": self.f107}

    def __repr__(self) -> str:
        return f"Hodges1994(season={self.season!r}, f107={self.f107:g})"


#: Exosphere models by name.
EXOSPHERE_MODELS: dict[str, type[ExosphereModel]] = {
    "cravens2001": Cravens2001,
    "hodges1994": Hodges1994,
}


def exosphere_model(name: str, **kwargs) -> ExosphereModel:
    """Return the exosphere model registered as ``name`` (case-insensitive), built with ``kwargs``.

    Examples
    --------
    >>> exosphere_model("hodges1994", season="solstice", f107=80)
    Hodges1994(season='solstice', f107=80)

    Raises
    ------
    InputError
        If ``name`` is not one of :data:`EXOSPHERE_MODELS`.
    """
    key = str(name).lower()
    if key not in EXOSPHERE_MODELS:
        raise InputError(
            f"unknown exosphere model {name!r}; available: {', '.join(sorted(EXOSPHERE_MODELS))} "
            "(Zoennchen et al. 2022 is not available: its fit coefficients were not found)"
        )
    return EXOSPHERE_MODELS[key](**kwargs)
