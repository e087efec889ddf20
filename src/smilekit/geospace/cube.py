"""A gridded emissivity cube: any emissivity model sampled onto a regular grid, or MHD output regridded.

:class:`EmissivityCube` wraps an :class:`xarray.DataArray` with dims ``("x", "y", "z")`` (RE, GSM) and
attrs ``units = "eV cm-3 s-1"``, ``source`` and the model parameters. It is itself an
:class:`~smilekit.geospace.emissivity.EmissivityModel`: :meth:`EmissivityCube.evaluate` interpolates
trilinearly (vectorised index arithmetic on the regular grid) and returns 0 outside the grid.

Planar cubes: an axis with a single node (e.g. the y = 0 cut of an MHD run) makes a planar cube. By
default a point off that plane is outside the grid (0); with ``extrude=True`` the plane's values are
used for every value of that coordinate (a 2-D field extended uniformly along the missing axis).
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.interpolate import griddata

from smilekit._io import atomic_path
from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.geospace.emissivity import EMISSIVITY_UNIT, EmissivityModel
from smilekit.geospace.exosphere import exosphere_model
from smilekit.geospace.mhd import mhd_emissivity_values, read_batsrus_idl_ascii
from smilekit.units import RE

__all__ = ["EmissivityCube"]

_UNITS_ATTR = "eV cm-3 s-1"
_DIMS = ("x", "y", "z")


def _coordinate(values, name: str) -> np.ndarray:
    if isinstance(values, u.Quantity):
        out = as_value(values, RE, name)
    else:
        out = np.asarray(values, dtype=np.float64)
    out = np.atleast_1d(out).astype(np.float64)
    if out.ndim != 1 or out.size == 0 or not np.isfinite(out).all():
        raise InputError(
            f"{name} must be a non-empty 1-D array of finite values in RE, got shape {out.shape}"
        )
    if out.size > 1:
        step = np.diff(out)
        if (step <= 0).any():
            raise InputError(f"{name} must be strictly increasing")
        if not np.allclose(step, step[0], rtol=1e-6, atol=1e-9):
            raise InputError(f"{name} must be regularly spaced (max step {step.max():g}, min {step.min():g})")
    return out


def _plain_attrs(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        out[str(key)] = value if isinstance(value, str) else float(value)
    return out


class EmissivityCube(EmissivityModel):
    """Emissivity on a regular (x, y, z) grid in RE (GSM), interpolated trilinearly.

    Parameters
    ----------
    data : xarray.DataArray
        Dims exactly ``("x", "y", "z")`` with 1-D, strictly increasing, regularly spaced coordinates in
        RE, finite values in eV cm^-3 s^-1 (``units`` attribute ``"eV cm-3 s-1"`` if present).
    extrude : bool
        For a planar cube (an axis of length 1): use the plane for every value of the missing coordinate
        instead of returning 0 off the plane.

    Examples
    --------
    >>> import numpy as np
    >>> from smilekit.units import RE
    >>> from smilekit.geospace.emissivity import Jorgensen2019
    >>> model = Jorgensen2019.ppmlr_fit(mp=8 * RE, bs=11 * RE)
    >>> g = np.linspace(-5.0, 15.0, 21)
    >>> cube = EmissivityCube.from_model(model, g, g, g)
    >>> bool(np.isclose(cube.evaluate(10.0, 0.0, 0.0), model.evaluate(10.0, 0.0, 0.0)))
    True
    """

    name = "cube"

    def __init__(self, data: xr.DataArray, *, extrude: bool = False):
        if not isinstance(data, xr.DataArray):
            raise InputError(f"data must be an xarray.DataArray, got {type(data).__name__}")
        if tuple(data.dims) != _DIMS:
            raise InputError(f"data must have dims {_DIMS}, got {tuple(data.dims)}")
        units = data.attrs.get("units", _UNITS_ATTR)
        if units.replace("^", "").replace("**", "") not in (_UNITS_ATTR, "eV / (cm3 s)", "eV / (s cm3)"):
            raise InputError(f"data units must be {_UNITS_ATTR!r}, got {units!r}")
        self._axes = tuple(_coordinate(data[d].values, d) for d in _DIMS)
        values = np.asarray(data.values, dtype=np.float64)
        if not np.isfinite(values).all():
            raise InputError("cube values must be finite (use 0 where there is no emission)")
        self.data = data.copy()
        self.data.attrs["units"] = _UNITS_ATTR
        self._values = np.ascontiguousarray(values)
        self.extrude = bool(extrude)

    # --- construction ------------------------------------------------------------------------------
    @classmethod
    def from_model(cls, model, x, y, z, *, chunk: int = 2_000_000, extrude: bool = False) -> EmissivityCube:
        """Sample ``model.evaluate`` on the grid x by y by z (1-D coordinates, Quantities or floats in RE)."""
        if not callable(getattr(model, "evaluate", None)):
            raise InputError(f"model must provide evaluate(x, y, z), got {type(model).__name__}")
        xs, ys, zs = _coordinate(x, "x"), _coordinate(y, "y"), _coordinate(z, "z")
        shape = (xs.size, ys.size, zs.size)
        out = np.empty(int(np.prod(shape)), dtype=np.float64)
        flat = np.arange(out.size)
        for start in range(0, out.size, chunk):
            i, j, k = np.unravel_index(flat[start : start + chunk], shape)
            out[start : start + chunk] = model.evaluate(xs[i], ys[j], zs[k])
        attrs = {"units": _UNITS_ATTR, "source": type(model).__name__, "frame": "GSM"}
        attrs.update(_plain_attrs(getattr(model, "parameters", {})))
        return cls(_grid_array(out.reshape(shape), xs, ys, zs, attrs), extrude=extrude)

    @classmethod
    def from_mhd(
        cls,
        source,
        *,
        x,
        z,
        y=None,
        exosphere="hodges1994",
        alpha=6.0e-16 * u.eV * u.cm**2,
        inner_radius=None,
        extrude: bool = False,
        **exosphere_kwargs,
    ) -> EmissivityCube:
        """SWCX emissivity of an MHD run, regridded onto a regular grid (linear, scipy ``griddata``).

        Parameters
        ----------
        source : str, pathlib.Path or xarray.Dataset
            A BATS-R-US IDL ASCII file (read with :func:`~smilekit.geospace.mhd.read_batsrus_idl_ascii`)
            or such a Dataset.
        x, z : array or Quantity
            Output grid (RE).
        y : array or Quantity, optional
            Output y grid for 3-D runs. For a 2-D cut (cells with x and z only) leave it None (the cube
            has a single y plane at 0: a planar cube) or give the one y value of the cut.
        exosphere : str or ExosphereModel
            Hydrogen model (name with ``exosphere_kwargs``, or an instance).
        alpha : Quantity
            eV cm^2, default 6e-16 (Cravens et al. 2001, :cite:`cravens2001`).
        inner_radius : Quantity, optional
            Cells inside are set to 0; default the run's ``rbody`` parameter if present, else 3 RE.

        Notes
        -----
        The physics and its assumptions (n = rho, T_e = T_p, closed field lines not removed) are those of
        :func:`~smilekit.geospace.mhd.mhd_emissivity_values`. Grid points outside the convex hull of the
        cells get 0.
        """

        ds = source if isinstance(source, xr.Dataset) else read_batsrus_idl_ascii(source)
        exo = exosphere_model(exosphere, **exosphere_kwargs) if isinstance(exosphere, str) else exosphere
        alpha_v = float(as_value(alpha, u.eV * u.cm**2, "alpha", positive=True))
        if inner_radius is None:
            inner = float(ds.attrs.get("rbody", 3.0))
        else:
            inner = float(as_value(inner_radius, RE, "inner_radius", nonnegative=True))
        has = {a: a in ds.coords for a in _DIMS}
        if not (has["x"] and has["z"]):
            raise InputError(f"MHD dataset needs x and z cell coordinates, has {sorted(ds.coords)}")
        cx = np.asarray(ds["x"].values, dtype=np.float64)
        cz = np.asarray(ds["z"].values, dtype=np.float64)
        xs, zs = _coordinate(x, "x"), _coordinate(z, "z")
        if has["y"]:
            if y is None:
                raise InputError("a 3-D MHD dataset needs a y grid")
            ys = _coordinate(y, "y")
            cy = np.asarray(ds["y"].values, dtype=np.float64)
        else:
            ys = np.zeros(1) if y is None else _coordinate(y, "y")
            if ys.size != 1:
                raise InputError(f"a 2-D (x, z) cut gives a planar cube: y must be one value, got {ys.size}")
            cy = np.full_like(cx, ys[0])
        eta = mhd_emissivity_values(ds, exo.density_values(cx, cy, cz), alpha=alpha_v, inner_radius=inner)
        if has["y"]:
            gx, gy, gz = np.meshgrid(xs, ys, zs, indexing="ij")
            grid = griddata((cx, cy, cz), eta, (gx, gy, gz), method="linear", fill_value=0.0)
        else:
            gx, gz = np.meshgrid(xs, zs, indexing="ij")
            grid = griddata((cx, cz), eta, (gx, gz), method="linear", fill_value=0.0)[:, None, :]
        attrs = {
            "units": _UNITS_ATTR,
            "source": str(ds.attrs.get("source", "MHD")),
            "frame": "GSM",
            "model": "swcx_mhd",
            "alpha_eV_cm2": alpha_v,
            "inner_radius_RE": inner,
            "planar": int(not has["y"]),
        }
        attrs.update(_plain_attrs(getattr(exo, "parameters", {})))
        return cls(_grid_array(np.maximum(grid, 0.0), xs, ys, zs, attrs), extrude=extrude)

    # --- evaluation --------------------------------------------------------------------------------
    def evaluate(self, x, y, z) -> np.ndarray:
        """Trilinear interpolation (eV cm^-3 s^-1) at plain float positions in RE; 0 outside the grid."""
        x, y, z = np.broadcast_arrays(
            np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(z, dtype=np.float64)
        )
        shape = x.shape
        pts = (x.ravel(), y.ravel(), z.ravel())
        values = self._values
        dims = values.shape
        inside = np.ones(pts[0].size, dtype=bool)
        lows, fracs = [], []
        for coord, p in zip(self._axes, pts, strict=True):
            n = coord.size
            if n == 1:
                if not self.extrude:
                    inside &= np.abs(p - coord[0]) <= 1e-9 * max(1.0, abs(coord[0]))
                lows.append(np.zeros(p.size, dtype=np.intp))
                fracs.append(None)
                continue
            step = (coord[-1] - coord[0]) / (n - 1)
            t = (p - coord[0]) / step
            inside &= (t >= 0.0) & (t <= n - 1)
            t = np.clip(t, 0.0, n - 1)
            i0 = np.minimum(t.astype(np.intp), n - 2)
            lows.append(i0)
            fracs.append(t - i0)
        flat = values.ravel()
        strides = (dims[1] * dims[2], dims[2], 1)
        base = lows[0] * strides[0] + lows[1] * strides[1] + lows[2] * strides[2]
        out = np.zeros(pts[0].size, dtype=np.float64)
        for cx in (0, 1):
            for cy in (0, 1):
                for cz in (0, 1):
                    w = np.ones(pts[0].size, dtype=np.float64)
                    offset = 0
                    skip = False
                    for axis, corner in enumerate((cx, cy, cz)):
                        f = fracs[axis]
                        if f is None:
                            if corner:
                                skip = True
                                break
                            continue
                        w = w * (f if corner else 1.0 - f)
                        offset += corner * strides[axis]
                    if not skip:
                        out += w * flat[base + offset]
        out[~inside] = 0.0
        return out.reshape(shape)

    # --- slicing and files -------------------------------------------------------------------------
    def plane(self, which: str, **fixed) -> xr.DataArray:
        """A 2-D cut: ``plane("xz", y=0)`` interpolates the cube on the plane y = 0 at the grid's x, z.

        The fixed coordinate is a float in RE or a length Quantity. Returns a DataArray with the two
        in-plane dims (in the order named), the cube's attrs and the fixed value as an attribute.
        """
        which = str(which).lower()
        if len(which) != 2 or set(which) - set(_DIMS) or which[0] == which[1]:
            raise InputError(f"plane must name two of x, y, z (e.g. 'xz'), got {which!r}")
        (missing,) = set(_DIMS) - set(which)
        if set(fixed) != {missing}:
            raise InputError(f"plane({which!r}) needs exactly the keyword {missing}=..., got {sorted(fixed)}")
        value = fixed[missing]
        if isinstance(value, u.Quantity):
            value = as_value(value, RE, missing)
        value = float(value)
        a, b = which[0], which[1]
        ca, cb = self._axes[_DIMS.index(a)], self._axes[_DIMS.index(b)]
        ga, gb = np.meshgrid(ca, cb, indexing="ij")
        pos = {a: ga, b: gb, missing: np.full_like(ga, value)}
        vals = self.evaluate(pos["x"], pos["y"], pos["z"])
        attrs = dict(self.data.attrs)
        attrs[f"{missing}_RE"] = value
        return xr.DataArray(
            vals,
            dims=(a, b),
            coords={a: (a, ca, {"units": "RE"}), b: (b, cb, {"units": "RE"})},
            attrs=attrs,
            name="emissivity",
        )

    def to_netcdf(self, path) -> Path:
        """Write the cube as netCDF-3 (scipy backend), atomically; returns the path."""
        path = Path(path)
        ds = self.data.to_dataset(name="emissivity")
        ds.attrs["extrude"] = int(self.extrude)
        with atomic_path(path) as temporary:
            ds.to_netcdf(temporary, engine="scipy")
        return path

    @classmethod
    def open(cls, path) -> EmissivityCube:
        """Read a cube written by :meth:`to_netcdf`."""
        try:
            with xr.open_dataset(Path(path), engine="scipy") as ds:
                ds = ds.load()
        except (OSError, ValueError, TypeError) as err:
            raise InputError(f"cannot read emissivity cube {path}: {err}") from None
        if "emissivity" not in ds:
            raise InputError(f"{path} has no 'emissivity' variable; variables: {sorted(ds.data_vars)}")
        da = ds["emissivity"].transpose(*_DIMS)
        extrude = bool(int(ds.attrs.get("extrude", 0)))
        return cls(da, extrude=extrude)

    @property
    def parameters(self) -> dict[str, float | str]:
        return {k: v for k, v in self.data.attrs.items() if isinstance(v, (str, int, float))}

    def quantity(self) -> u.Quantity:
        """The gridded values as a Quantity (eV cm^-3 s^-1)."""
        return self._values * EMISSIVITY_UNIT

    def __repr__(self) -> str:
        sizes = " x ".join(str(a.size) for a in self._axes)
        return f"EmissivityCube({sizes}, source={self.data.attrs.get('source', '?')!r})"


def _grid_array(values, xs, ys, zs, attrs) -> xr.DataArray:
    """The cube's DataArray: emissivity on the (x, y, z) grid in RE, GSM."""
    return xr.DataArray(
        values,
        dims=_DIMS,
        coords={
            "x": ("x", xs, {"units": "RE"}),
            "y": ("y", ys, {"units": "RE"}),
            "z": ("z", zs, {"units": "RE"}),
        },
        attrs=attrs,
        name="emissivity",
    )
