"""Readers for global MHD output, and the SWCX emissivity computed from it.

:func:`read_batsrus_idl_ascii` reads the BATS-R-US (SWMF GM) IDL ASCII ``.out`` format into an
:class:`xarray.Dataset` of cells; :func:`mhd_emissivity_values` turns the plasma of such a dataset into
eta = alpha n v_eff n_H. :meth:`smilekit.geospace.cube.EmissivityCube.from_mhd` regrids the result.

The format (as written by BATS-R-US ``ModWriteIdl``/read by SpacePy ``pybats.IdlFile``): five header
lines then one row per cell,

1. a free headline (BATS-R-US writes the units here, e.g. ``R R R Mp/cc km/s ...``);
2. ``iteration time ndim neqpar nw`` (ndim < 0 means a non-uniform or unstructured grid);
3. the grid size along each of ``|ndim|`` axes;
4. the ``neqpar`` equation parameters (e.g. gamma ``g``, the inner-body radius ``rbody``);
5. the names: ``|ndim|`` coordinates, ``nw`` variables, then the ``neqpar`` parameter names;
6. prod(grid size) rows of ``|ndim|`` coordinates followed by ``nw`` values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from smilekit.constants import K_B
from smilekit.errors import InputError
from smilekit.geospace.emissivity import swcx_emissivity_values

__all__ = ["mhd_emissivity_values", "read_batsrus_idl_ascii"]


def _ints(line: str, lineno: int, path, what: str) -> list[int]:
    try:
        return [int(v) for v in line.split()]
    except ValueError:
        raise InputError(f"{path}: line {lineno}: expected integers ({what}), got {line.strip()!r}") from None


def _floats(line: str, lineno: int, path, what: str) -> list[float]:
    try:
        return [float(v.replace("D", "E").replace("d", "e")) for v in line.split()]
    except ValueError:
        raise InputError(f"{path}: line {lineno}: expected numbers ({what}), got {line.strip()!r}") from None


def read_batsrus_idl_ascii(path) -> xr.Dataset:
    """Read a BATS-R-US IDL ASCII ``.out`` file into a Dataset with one entry per cell.

    The cells stay a 1-D list (dimension ``cell``) with their coordinates as coordinate variables (e.g.
    ``x`` and ``z`` in RE for a y = 0 cut): block-AMR output is unstructured, and regridding is left to
    :meth:`smilekit.geospace.cube.EmissivityCube.from_mhd`.

    Units come from the headline when it holds one unit per coordinate and variable (BATS-R-US writes
    three coordinate units even for a 2-D cut: the last ``nw`` tokens are the variable units, the first
    is the coordinate unit). ``R`` is converted to the attribute ``RE`` and ``Mp/cc`` to ``amu cm-3``.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    xarray.Dataset
        Variables ``rho, ux, ...`` with ``units`` attributes; attrs ``iteration``, ``time_s``,
        ``ndim``, ``grid_shape``, ``unstructured`` (ndim < 0), ``headline``, and each equation parameter
        by name (e.g. ``g``, ``rbody``).

    Raises
    ------
    InputError
        If the header or a data row is malformed (the message gives the line number), or the file ends
        before all cells are read.

    Examples
    --------
    >>> ds = read_batsrus_idl_ascii("tests/data/mhd/batsrus_swmf_test3_y0_ascii.out")
    >>> ds.sizes["cell"]
    2560
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read BATS-R-US IDL ASCII file {path}: {err}") from None
    lines = text.splitlines()
    if len(lines) < 5:
        raise InputError(f"{path}: only {len(lines)} lines; an IDL ASCII file has a 5-line header")
    headline = lines[0].strip()
    head = lines[1].split()
    if len(head) != 5:
        raise InputError(
            f"{path}: line 2: expected 'iteration time ndim neqpar nw' (5 fields), got {lines[1].strip()!r}"
        )
    try:
        iteration, time_s = int(head[0]), float(head[1].replace("D", "E"))
        ndim, neqpar, nw = int(head[2]), int(head[3]), int(head[4])
    except ValueError:
        raise InputError(f"{path}: line 2: malformed numbers in {lines[1].strip()!r}") from None
    if ndim == 0 or abs(ndim) > 3 or neqpar < 0 or nw < 1:
        raise InputError(f"{path}: line 2: implausible ndim={ndim}, neqpar={neqpar}, nw={nw}")
    nd = abs(ndim)
    shape = _ints(lines[2], 3, path, "grid size")
    if len(shape) != nd or min(shape) < 1:
        raise InputError(f"{path}: line 3: expected {nd} positive grid sizes, got {lines[2].strip()!r}")
    params = _floats(lines[3], 4, path, "equation parameters") if neqpar else []
    if len(params) != neqpar:
        raise InputError(f"{path}: line 4: expected {neqpar} equation parameters, got {len(params)}")
    names = lines[4].split()
    if len(names) != nd + nw + neqpar:
        raise InputError(
            f"{path}: line 5: expected {nd + nw + neqpar} names ({nd} coordinates, {nw} variables, "
            f"{neqpar} parameters), got {len(names)}"
        )
    ncell = int(np.prod(shape))
    ncol = nd + nw
    rows = lines[5 : 5 + ncell]
    if len(rows) < ncell:
        raise InputError(f"{path}: expected {ncell} data rows after line 5, the file has {len(rows)}")
    try:
        data = np.array(" ".join(rows).replace("D", "E").split(), dtype=np.float64)
        ok = data.size == ncell * ncol
    except ValueError:
        ok = False
    if not ok:  # find the offending line for the message
        for k, row in enumerate(rows):
            values = _floats(row, 6 + k, path, f"{ncol} columns")
            if len(values) != ncol:
                raise InputError(f"{path}: line {6 + k}: expected {ncol} columns, got {len(values)}")
    data = data.reshape(ncell, ncol)
    if not np.isfinite(data).all():
        bad = int(np.argwhere(~np.isfinite(data))[0, 0])
        raise InputError(f"{path}: line {6 + bad}: non-finite value in {rows[bad].strip()!r}")

    units = _units_from_headline(headline, nd, nw)
    coords = {names[i]: ("cell", data[:, i], {"units": units[0]}) for i in range(nd)}
    data_vars = {
        names[nd + j]: ("cell", data[:, nd + j], {"units": units[1 + j]} if units[1 + j] else {})
        for j in range(nw)
    }
    attrs: dict = {
        "source": f"BATS-R-US IDL ASCII file {path.name}",
        "headline": headline,
        "iteration": iteration,
        "time_s": time_s,
        "ndim": ndim,
        "grid_shape": np.asarray(shape, dtype=np.int64),
        "unstructured": int(ndim < 0),
        "coordinate_names": " ".join(names[:nd]),
    }
    for name, value in zip(names[nd + nw :], params, strict=True):
        attrs[name] = value
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


_UNIT_NAMES = {"R": "RE", "Mp/cc": "amu cm-3", "amu/cc": "amu cm-3", "J/m3": "J m-3", "uA/m2": "uA m-2"}


def _units_from_headline(headline: str, nd: int, nw: int) -> list[str]:
    """[coordinate unit, unit of each of the nw variables] from the headline, '' where unknown."""
    tokens = headline.split()
    if len(tokens) >= nw + 1 and len(tokens) - nw in (nd, 3):
        coord = tokens[0]
        var_units = tokens[len(tokens) - nw :]
        return [_UNIT_NAMES.get(coord, coord)] + [_UNIT_NAMES.get(t, t) for t in var_units]
    return ["RE"] + [""] * nw


def mhd_emissivity_values(ds: xr.Dataset, n_h, *, alpha: float, inner_radius: float) -> np.ndarray:
    """Kernel: SWCX emissivity (eV cm^-3 s^-1) of each MHD cell.

    eta = alpha n v_eff n_H with n = rho (amu cm^-3 taken as protons cm^-3: the run is single-fluid
    hydrogen), v = ``|u|`` (km/s) and v_eff = sqrt(v^2 + 3 k T / m_p), T = p / (2 n k) from the thermal
    pressure p (nPa), i.e. T_e = T_p (p = n k (T_p + T_e)). Cells inside ``inner_radius`` (RE; the
    inner boundary) are set to 0. Closed field lines cannot be identified from the cell values alone
    (no field-line tracing here), so dense magnetospheric plasma outside ``inner_radius`` still emits:
    a known limitation (solar-wind minor ions, the emitters, are absent there in reality).

    Parameters
    ----------
    ds : xarray.Dataset
        As returned by :func:`read_batsrus_idl_ascii` (needs ``rho``, ``ux``, ``uy``, ``uz``, ``p``).
    n_h : array
        Neutral hydrogen density at each cell (cm^-3).
    alpha : float
        eV cm^2.
    inner_radius : float
        RE.
    """

    for name in ("rho", "ux", "uy", "uz", "p"):
        if name not in ds:
            raise InputError(f"MHD dataset lacks variable {name!r}; it has {sorted(ds.data_vars)}")
    n = np.asarray(ds["rho"].values, dtype=np.float64)
    speed = np.sqrt(ds["ux"].values ** 2 + ds["uy"].values ** 2 + ds["uz"].values ** 2)
    p_pa = np.asarray(ds["p"].values, dtype=np.float64) * 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        temperature = np.where(n > 0, p_pa / (2.0 * np.maximum(n, 1e-300) * 1e6 * K_B), 0.0)
    eta = swcx_emissivity_values(np.maximum(n, 0.0), speed, np.maximum(temperature, 0.0), n_h, alpha)
    r2 = np.zeros_like(n)
    for axis in ("x", "y", "z"):
        if axis in ds.coords:
            r2 = r2 + np.asarray(ds[axis].values, dtype=np.float64) ** 2
    return np.where(r2 < inner_radius**2, 0.0, eta)
