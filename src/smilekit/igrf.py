"""The IGRF-14 main field, as far as the geophysical frames need it: the dipole (degree 1) coefficients.

The coefficients ship with the package in SHC format (``data/igrf/IGRF14.shc``; International Geomagnetic
Reference Field, 14th generation, IAGA Working Group V-MOD; Alken et al. 2025,
doi:10.5281/zenodo.14012302, :cite:`igrf14`; see ``data/PROVENANCE.md``). The model is valid from 1900.0 to
2030.0.

Time dependence follows the IGRF prescription: the Gauss coefficients vary linearly in (decimal) time
between the 5-yearly epochs, and after the last main-field epoch (2025.0) they follow the predictive
secular variation (SV). In the SHC file the last column (2030.0) is the 2025.0 model plus five years of
SV, so linear interpolation between 2025.0 and 2030.0 *is* the SV extrapolation
(``g(t) = g(2025) + SV (t - 2025)``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.times import as_datetime64, check_time_range, decimal_year

__all__ = ["IGRF_VALID_FROM", "IGRF_VALID_TO", "SHCModel", "dipole_coefficients", "igrf14", "read_shc"]

#: First and last instant of the IGRF-14 validity range (UTC).
IGRF_VALID_FROM = np.datetime64("1900-01-01T00:00:00", "ns")
IGRF_VALID_TO = np.datetime64("2030-01-01T00:00:00", "ns")


@dataclass(frozen=True)
class SHCModel:
    """Spherical-harmonic coefficients read from an SHC file.

    Attributes
    ----------
    epochs : numpy.ndarray
        The model epochs in decimal years, shape (n_epochs,).
    degree, order : numpy.ndarray
        Degree n and order m of each coefficient row, shape (n_coefficients,); m < 0 marks h_n^|m|, m >= 0
        g_n^m (the SHC convention).
    coefficients : numpy.ndarray
        Coefficients in nT, shape (n_coefficients, n_epochs).
    valid_from, valid_to : float
        Validity range from the header, decimal years.
    """

    epochs: np.ndarray
    degree: np.ndarray
    order: np.ndarray
    coefficients: np.ndarray
    valid_from: float
    valid_to: float

    def _row(self, n: int, m: int) -> np.ndarray:
        match = np.flatnonzero((self.degree == n) & (self.order == m))
        if match.size != 1:
            raise InputError(f"no coefficient with degree {n} and order {m} in this SHC model")
        return self.coefficients[match[0]]

    def g(self, n: int, m: int) -> np.ndarray:
        """The Gauss coefficient g_n^m (nT) at every epoch."""
        return self._row(n, m)

    def h(self, n: int, m: int) -> np.ndarray:
        """The Gauss coefficient h_n^m (nT, m >= 1) at every epoch."""
        if m < 1:
            raise InputError(f"h_n^m exists for m >= 1 only, got m={m}")
        return self._row(n, -m)


def read_shc(path: str | Path) -> SHCModel:
    """Read a spherical-harmonic coefficient (SHC) file, the format the IGRF is distributed in.

    The format: ``#`` comment lines; a header line ``N_min N_max N_times spline_order N_step start end``;
    a line of the ``N_times`` epochs (decimal years); then one line per coefficient, ``n m`` followed by its
    value at each epoch (``m < 0`` for h_n^|m|).

    Parameters
    ----------
    path : str or pathlib.Path
        The SHC file.

    Returns
    -------
    SHCModel

    Raises
    ------
    InputError
        If the file does not follow the format (the message names the line).

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> model = read_shc(data_path("igrf/IGRF14.shc"))
    >>> float(model.epochs[0]), float(model.epochs[-1]), float(model.g(1, 0)[0])
    (1900.0, 2030.0, -31543.0)
    """
    path = Path(path)
    lines = [
        (number, line.split())
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) < 3:
        raise InputError(f"{path} is not an SHC file: fewer than 3 non-comment lines")
    try:
        _, header = lines[0]
        n_times = int(header[2])
        valid_from, valid_to = float(header[5]), float(header[6])
        epoch_line, epoch_fields = lines[1]
        epochs = np.array([float(x) for x in epoch_fields])
    except (IndexError, ValueError):
        raise InputError(
            f"{path}: line {lines[0][0]} or {lines[1][0]} is not an SHC header "
            "('N_min N_max N_times order step start end', then the epochs)"
        ) from None
    if epochs.size != n_times:
        raise InputError(f"{path}: line {epoch_line} has {epochs.size} epochs, the header says {n_times}")
    degree, order, rows = [], [], []
    for number, fields in lines[2:]:
        if len(fields) != n_times + 2:
            raise InputError(
                f"{path}: line {number} has {len(fields)} fields; expected n, m and {n_times} coefficients"
            )
        try:
            degree.append(int(fields[0]))
            order.append(int(fields[1]))
            rows.append([float(x) for x in fields[2:]])
        except ValueError:
            raise InputError(f"{path}: line {number} has a field that is not a number: {fields}") from None
    return SHCModel(
        epochs=epochs,
        degree=np.array(degree),
        order=np.array(order),
        coefficients=np.array(rows, dtype=np.float64),
        valid_from=valid_from,
        valid_to=valid_to,
    )


@functools.cache
def igrf14() -> SHCModel:
    """The IGRF-14 coefficients shipped with smilekit (parsed once, then cached)."""
    return read_shc(data_path("igrf/IGRF14.shc"))


@functools.cache
def _dipole_table() -> tuple[np.ndarray, np.ndarray]:
    model = igrf14()
    table = np.stack([model.g(1, 0), model.g(1, 1), model.h(1, 1)])
    table.setflags(write=False)
    return model.epochs, table


def dipole_coefficients_values(year: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: IGRF-14 (g10, g11, h11) in nT at decimal years ``year`` (no range check).

    Linear interpolation between the epochs of the SHC file (the IGRF prescription; after 2025.0 this
    is the predictive secular variation, see the module notes).
    """
    epochs, table = _dipole_table()
    year = np.asarray(year, dtype=np.float64)
    g10, g11, h11 = (np.interp(year, epochs, row) for row in table)
    return g10, g11, h11


def check_igrf_range(t: np.ndarray) -> None:
    """Raise InputError if any of the datetime64 times ``t`` is outside 1900-01-01 .. 2030-01-01."""
    check_time_range(t, IGRF_VALID_FROM, IGRF_VALID_TO, "the validity of IGRF-14")


def dipole_coefficients(time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IGRF-14 dipole Gauss coefficients (g10, g11, h11) in nT at ``time``.

    Parameters
    ----------
    time : time-like
        Anything :func:`smilekit.times.as_datetime64` accepts, scalar or array.

    Returns
    -------
    g10, g11, h11 : numpy.ndarray
        Float arrays in nT with the shape of ``time``: linear in decimal year between the 5-yearly IGRF
        epochs, and following the IGRF-14 secular variation from 2025.0 to 2030.0.

    Raises
    ------
    InputError
        For a time outside the IGRF-14 validity, 1900-01-01 to 2030-01-01.

    Examples
    --------
    >>> g10, g11, h11 = dipole_coefficients("2025-01-01")
    >>> float(g10), float(g11), float(h11)
    (-29350.0, -1410.3, 4545.5)
    """
    t = as_datetime64(time)
    check_igrf_range(t)
    return dipole_coefficients_values(decimal_year(t))
