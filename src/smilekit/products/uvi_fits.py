"""UVI's image products: the level-1 and level-2 frames as FITS with a celestial WCS, written and read back.

The instrument makes the products in memory (:func:`smilekit.instruments.uvi.l1.make_l1`,
:func:`smilekit.instruments.uvi.l2.make_l2`); this module maps one frame to a file and back. File names follow
the mission's rule, e.g. ``product_name("uvi", "l1", "images", time, ext="fits")`` gives
``smile_uvi_l1_images_<YYYYMMDDThhmmss>_v01.fits`` (:mod:`smilekit.products.names`).

Layout (FITS 4.0; the WCS of Greisen & Calabretta 2002 and Calabretta & Greisen 2002, :cite:`calabretta2002`)
-------------------------------------------------------------------------------------------------------------
* Primary HDU, no data. TELESCOP 'SMILE', INSTRUME 'UVI', ORIGIN, LEVEL ('L1' or 'L2'), TIMESYS 'UTC',
  DATE-OBS (the frame's time, the ``time`` attribute), DATE-END (DATE-OBS + EXPOSURE), EXPOSURE (s), NFRAMES,
  the emission shell (ALTITUDE, LAYERTHK, km), the pointing: SCGSE1..3 (spacecraft, RE), BZGSE1..3 (the
  boresight) and BXGSE1..3 (the UVI +X axis), unit vectors in GSE; PROCESS (the processing history);
  MISSROWS (rows lost in the downlink, NaN in the images) and TMQUAL (the L0 quality bits) of a frame made
  from telemetry (:func:`smilekit.instruments.uvi.l1.image_from_telemetry`). L2 adds
  DGMETHOD, DGSUBSOL and DGSUBERR (the subsolar dayglow removed and its error, R), DGFITPIX, MAXVZEN (deg),
  MLATBIN (deg), MLTBIN (h), COVFRAC.
* Image extensions on the detector grid, ``(eta, xi)`` -> FITS axes 2, 1, each with the celestial WCS: CTYPE
  'GSLN-TAN'/'GSLT-TAN' (GSE longitude and latitude, a FITS "xyLN/xyLT" pair), CRVAL the boresight, CRPIX the
  field's centre, CDELT the pixel (deg in the tangent plane; the grid is uniform in the tangent plane,
  :func:`smilekit.instruments.uvi.detector.tangent_centres_deg_values`), LONPOLE 180 and a PC matrix that
  turns the instrument axes (+X, +Y) into the local east and north of GSE at the boresight. So a pixel's
  ``(xi, eta)`` (the tangent-plane coordinates of the dataset, deg) are ``CDELT * (p - CRPIX)`` and its
  direction is that of ``xi X + eta Y + Z`` (xi, eta in rad; X, Y, Z the instrument axes in GSE), which is
  what ``astropy.wcs.WCS`` gives back. BUNIT carries the unit (``R``, rayleigh; ``ct / s``), CATDESC the
  description; the errors have UTYPE 'StdDevUncertainty'.

  L1: BRIGHT (brightness, R), BRIGHTERR, RATE (ct/s, flat fielded), RATEERR, FLAT.
  L2: IMBRIGHT (vertical-column brightness, dayglow removed, R), IMBRERR, DAYGLOW (R, the slant dayglow
  removed).
  Both, when the frame's geometry (:func:`smilekit.instruments.uvi.sky.shell_geometry`) is given: MLAT
  (AACGM-v2 magnetic latitude of the pixel at the emission shell, deg) and MLT (h), NaN off the shell.
* L2 only, the map on magnetic latitude x MLT (axis 1 MLT, h; axis 2 MLAT, deg; linear, bin centres):
  MAPBRIGHT (R), MAPERR (R), MAPNPIX (pixels per bin), MAPCOVER (1 where the bin was seen), MAPDGERR (R,
  the dayglow amplitude's part of MAPERR, the same error in every bin; not in files of smilekit 0.1.0).
* ``CONFIG`` (binary table): NAME, VALUE: the instrument configuration the frame was made with
  (:class:`smilekit.instruments.uvi.config.UVIValues`, fixed units as named there).

Readers give back the dataset of ``make_l1``/``make_l2`` (variables, coordinates, attributes), with the
per-pixel maps as ``pixel_mlat`` and ``pixel_mlt`` when the file has them and the configuration as
``attrs["config"]`` (a dict); a file that is missing, empty, not FITS, cut short or not a UVI product of the
level raises :class:`~smilekit.errors.ProductError` naming the file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr
from astropy.io import fits

from smilekit._io import atomic_path
from smilekit.errors import InputError, ProductError
from smilekit.imaging.gnomonic import tangent_plane_wcs_values
from smilekit.instruments.uvi.config import UVIConfig
from smilekit.instruments.uvi.l2 import check_same_frame
from smilekit.products.sxi_fits import _open_product

__all__ = ["read_l1", "read_l2", "wcs_cards", "write_l1", "write_l2"]

#: Scalar attributes <-> primary keywords: (attribute, keyword, type, comment).
_SCALARS = (
    ("exposure_s", "EXPOSURE", float, "[s] exposure"),
    ("n_frames", "NFRAMES", int, "frames summed"),
    ("saturated_pixels", "SATPIX", int, "pixels at the full well, left out (NaN)"),
    ("altitude_km", "ALTITUDE", float, "[km] emission shell altitude"),
    ("layer_thickness_km", "LAYERTHK", float, "[km] emitting layer thickness"),
    ("n_pixels", "NPIXELS", int, "pixels per side of the geometry grid"),
    ("processing", "PROCESS", str, "processing history"),
    ("missing_rows", "MISSROWS", int, "image rows lost in the downlink (NaN)"),
    ("telemetry_quality", "TMQUAL", int, "L0 quality bits of the image's packets"),
)
_L2_SCALARS = (
    ("dayglow_method", "DGMETHOD", str, "how the dayglow amplitude was set"),
    ("dayglow_subsolar_R", "DGSUBSOL", float, "[R] subsolar nadir dayglow removed"),
    ("dayglow_subsolar_err_R", "DGSUBERR", float, "[R] 1-sigma error of DGSUBSOL"),
    ("dayglow_fit_pixels", "DGFITPIX", int, "pixels of the dayglow fit"),
    ("max_view_zenith_deg", "MAXVZEN", float, "[deg] pixels seen more obliquely left out"),
    ("mlat_bin_width", "MLATBIN", float, "[deg] map MLAT bin"),
    ("mlt_bin_width", "MLTBIN", float, "[h] map MLT bin"),
    ("covered_fraction", "COVFRAC", float, "fraction of the map bins >= 50 deg seen"),
)
#: Vector attributes (GSE) <-> keywords KEY1..KEY3.
_VECTORS = (
    ("sc_position_gse_re", "SCGSE", "spacecraft position GSE [RE]"),
    ("boresight_gse", "BZGSE", "UVI boresight (+Z), GSE"),
    ("x_axis_gse", "BXGSE", "UVI +X axis, GSE"),
)
_L1_IMAGES = (
    ("BRIGHT", "brightness"),
    ("BRIGHTERR", "brightness_err"),
    ("RATE", "rate"),
    ("RATEERR", "rate_err"),
    ("FLAT", "flat"),
)
_L2_IMAGES = (
    ("IMBRIGHT", "image_brightness"),
    ("IMBRERR", "image_brightness_err"),
    ("DAYGLOW", "dayglow"),
)
_L2_MAPS = (
    ("MAPBRIGHT", "brightness"),
    ("MAPERR", "brightness_err"),
    ("MAPNPIX", "n_pixels"),
    ("MAPCOVER", "coverage"),
)
#: Maps written where the dataset has them and read where the file has them (smilekit 0.1.0 wrote none).
_L2_OPTIONAL_MAPS = (("MAPDGERR", "dayglow_err"),)
_PIXEL_MAPS = (("MLAT", "pixel_mlat", "mlat"), ("MLT", "pixel_mlt", "mlt"))


def wcs_cards(boresight_gse, x_axis_gse, xi_deg, eta_deg) -> list[tuple[str, object, str]]:
    """The celestial WCS keywords (GSE longitude/latitude, TAN) of an image on the grid ``(eta, xi)``.

    Parameters
    ----------
    boresight_gse, x_axis_gse : array_like
        The instrument's +Z and +X axes, unit vectors in GSE, shape (3,).
    xi_deg, eta_deg : array_like
        Tangent-plane coordinates (deg) of the pixel centres along +X and +Y, uniformly spaced.

    Returns
    -------
    list of (keyword, value, comment)

    Examples
    --------
    >>> import numpy as np
    >>> from astropy.io import fits
    >>> from astropy.wcs import WCS
    >>> grid = np.linspace(-4.5, 4.5, 10)
    >>> h = fits.Header([(k, v, c) for k, v, c in wcs_cards([1, 0, 0], [0, 1, 0], grid, grid)])
    >>> lon, lat = WCS(h).pixel_to_world_values(4.5, 4.5)  # the field's centre: the boresight
    >>> round(float(lon), 6) % 360, round(float(lat), 6)
    (0.0, 0.0)
    """
    z = np.asarray(boresight_gse, dtype=np.float64)
    x = np.asarray(x_axis_gse, dtype=np.float64)
    z = z / np.linalg.norm(z)
    x = x - (x @ z) * z
    x = x / np.linalg.norm(x)
    lon0, lat0, pc = tangent_plane_wcs_values(np.column_stack([x, np.cross(z, x), z]))
    xi = np.asarray(xi_deg, dtype=np.float64)
    eta = np.asarray(eta_deg, dtype=np.float64)
    step = float(xi[1] - xi[0]) if xi.size > 1 else 1.0
    estep = float(eta[1] - eta[0]) if eta.size > 1 else step
    if not (math.isclose(step, estep, rel_tol=1e-9) and step > 0):
        raise InputError(f"the image grid must be square and increasing (steps {step}, {estep} deg)")
    return [
        ("WCSAXES", 2, "celestial axes"),
        ("CTYPE1", "GSLN-TAN", "GSE longitude, gnomonic about the boresight"),
        ("CTYPE2", "GSLT-TAN", "GSE latitude, gnomonic about the boresight"),
        ("CUNIT1", "deg", ""),
        ("CUNIT2", "deg", ""),
        ("CRVAL1", lon0, "[deg] boresight GSE longitude"),
        ("CRVAL2", lat0, "[deg] boresight GSE latitude"),
        ("CRPIX1", 1.0 - float(xi[0]) / step, "pixel of the boresight (xi = 0)"),
        ("CRPIX2", 1.0 - float(eta[0]) / step, "pixel of the boresight (eta = 0)"),
        ("CDELT1", step, "[deg] tangent-plane pixel"),
        ("CDELT2", step, "[deg] tangent-plane pixel"),
        ("PC1_1", float(pc[0, 0]), "UVI +X . east"),
        ("PC1_2", float(pc[0, 1]), "UVI +Y . east"),
        ("PC2_1", float(pc[1, 0]), "UVI +X . north"),
        ("PC2_2", float(pc[1, 1]), "UVI +Y . north"),
        ("LONPOLE", 180.0, "[deg] native longitude of the celestial pole"),
    ]


def _map_cards(ds: xr.Dataset) -> list[tuple[str, object, str]]:
    lat, lt = ds["mlat"].values, ds["mlt"].values
    return [
        ("CTYPE1", "MLT", "AACGM-v2 magnetic local time, bin centre"),
        ("CTYPE2", "MLAT", "AACGM-v2 magnetic latitude, bin centre"),
        ("CUNIT1", "h", ""),
        ("CUNIT2", "deg", ""),
        ("CRPIX1", 1.0, ""),
        ("CRPIX2", 1.0, ""),
        ("CRVAL1", float(lt[0]), ""),
        ("CRVAL2", float(lat[0]), ""),
        ("CDELT1", float(lt[1] - lt[0]), ""),
        ("CDELT2", float(lat[1] - lat[0]), ""),
    ]


def _check_dataset(ds, level: str, images) -> None:
    if not isinstance(ds, xr.Dataset) or ds.attrs.get("level") != level:
        maker = "make_l1" if level == "L1" else "make_l2"
        raise InputError(f"ds must be the Dataset of smilekit.instruments.uvi.{level.lower()}.{maker}")
    missing = [var for _, var in images if var not in ds]
    if missing:
        raise InputError(f"the {level} dataset lacks {missing}")
    lacking = [name for name in ("boresight_gse", "x_axis_gse", "time") if name not in ds.attrs]
    if lacking:
        raise InputError(
            f"the {level} dataset has no pointing attributes {lacking} (an image of model_sky carries them); "
            "the WCS needs them"
        )


def _primary(ds: xr.Dataset, level: str, scalars) -> fits.PrimaryHDU:
    primary = fits.PrimaryHDU()
    h = primary.header
    h["TELESCOP"] = ("SMILE", "mission")
    h["INSTRUME"] = ("UVI", "UltraViolet Imager")
    h["ORIGIN"] = ("smilekit", "simulated data")
    h["LEVEL"] = (level, "processing level")
    h["TIMESYS"] = ("UTC", "time system")
    t = np.datetime64(ds.attrs["time"], "ns")
    h["DATE-OBS"] = (str(ds.attrs["time"]), "UTC frame time")
    if "exposure_s" in ds.attrs:
        end = t + np.timedelta64(round(float(ds.attrs["exposure_s"]) * 1e9), "ns")
        h["DATE-END"] = (np.datetime_as_string(end, unit="ms"), "DATE-OBS + EXPOSURE")
    for attr, key, kind, comment in scalars:
        if attr in ds.attrs:
            h[key] = (kind(ds.attrs[attr]), comment)
    for attr, key, comment in _VECTORS:
        if attr in ds.attrs:
            for k in range(3):
                h[f"{key}{k + 1}"] = (float(ds.attrs[attr][k]), comment)
    return primary


def _image(name: str, var: xr.DataArray, cards, utype: bool = False) -> fits.ImageHDU:
    data = var.values
    if data.dtype == bool:
        data = data.astype(np.uint8)
    hdu = fits.ImageHDU(np.asarray(data), name=name)
    hh = hdu.header
    hh["TELESCOP"] = "SMILE"
    hh["INSTRUME"] = "UVI"
    hh["BUNIT"] = (str(var.attrs.get("units", "")).strip(), "R = rayleigh")
    if "CATDESC" in var.attrs:
        hh["CATDESC"] = str(var.attrs["CATDESC"])
    if utype:
        hh["UTYPE"] = "StdDevUncertainty"
    for key, value, comment in cards:
        hh[key] = (value, comment)
    return hdu


def _config_table(config) -> fits.BinTableHDU:
    values = UVIConfig.resolve(config).values
    names = list(values._fields)
    table = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="NAME", format=f"{max(len(n) for n in names)}A", array=np.array(names)),
            fits.Column(name="VALUE", format="D", array=np.array([float(v) for v in values])),
        ],
        name="CONFIG",
    )
    table.header["COMMENT"] = "UVI configuration (smilekit.instruments.uvi.config.UVIValues, its units)"
    return table


def _write(ds, path, level, images, scalars, geometry, config, overwrite, extra=(), provenance=None) -> Path:
    _check_dataset(ds, level, images)
    path = Path(path)
    dims = ds[images[0][1]].dims
    if dims != ("eta", "xi"):
        raise InputError(f"the {level} images must be on dims ('eta', 'xi'), got {dims}")
    cards = wcs_cards(ds.attrs["boresight_gse"], ds.attrs["x_axis_gse"], ds["xi"].values, ds["eta"].values)
    hdus = [_primary(ds, level, scalars)]
    if provenance is not None:
        provenance.add_to_fits(hdus[0].header)
    for name, var in images:
        hdus.append(_image(name, ds[var], cards, utype=var.endswith("_err")))
    if geometry is not None:
        check_same_frame(ds[images[0][1]], ds.attrs, geometry, caller=f"write_{level.lower()}")
        for name, _var, source in _PIXEL_MAPS:
            da = geometry[source]
            attrs = {"units": da.attrs.get("units", ""), "CATDESC": da.attrs.get("long_name", source)}
            hdus.append(_image(name, da.copy(data=da.values).assign_attrs(attrs), cards))
    hdus.extend(extra)
    hdus.append(_config_table(config))
    with atomic_path(path, overwrite=overwrite) as temporary:
        fits.HDUList(hdus).writeto(temporary, overwrite=True)
    return path


def write_l1(
    ds: xr.Dataset, path, *, geometry=None, config=None, overwrite: bool = False, provenance=None
) -> Path:
    """Write a :func:`~smilekit.instruments.uvi.l1.make_l1` frame as a FITS file (module docstring).

    Parameters
    ----------
    ds : xarray.Dataset
        The L1 frame, with its pointing attributes (``time``, ``boresight_gse``, ``x_axis_gse``).
    path : str or Path
        The file, e.g. named by ``product_name("uvi", "l1", "images", time, ext="fits")``.
    geometry : xarray.Dataset, optional
        :func:`~smilekit.instruments.uvi.sky.shell_geometry` of the frame, on the image's grid: its ``mlat``
        and ``mlt`` are written as the MLAT and MLT extensions.
    config : UVIConfig, optional
        The instrument the frame was taken with (default ``UVIConfig()``), written as the CONFIG table.
    overwrite : bool
        Replace an existing file (atomically: a failed write leaves the old one).
    provenance : Provenance, optional
        How the frame was made (:func:`smilekit.products.provenance.provenance`): CREATOR, DATE, HISTORY.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        Not an L1 dataset, no pointing, a geometry of another grid.
    ProductError
        The file exists and ``overwrite`` is False.
    """
    return _write(ds, path, "L1", _L1_IMAGES, _SCALARS, geometry, config, overwrite, provenance=provenance)


def write_l2(
    ds: xr.Dataset, path, *, geometry=None, config=None, overwrite: bool = False, provenance=None
) -> Path:
    """Write a :func:`~smilekit.instruments.uvi.l2.make_l2` frame as a FITS file (module docstring).

    Parameters as :func:`write_l1`; the (MLAT, MLT) map goes to the MAP* extensions.
    """
    _check_dataset(ds, "L2", _L2_IMAGES + _L2_MAPS)
    cards = _map_cards(ds)
    maps = [
        _image(name, ds[var].transpose("mlat", "mlt"), cards, utype=var.endswith("_err"))
        for name, var in (*_L2_MAPS, *((n, v) for n, v in _L2_OPTIONAL_MAPS if v in ds))
    ]
    return _write(
        ds, path, "L2", _L2_IMAGES, _SCALARS + _L2_SCALARS, geometry, config, overwrite, maps, provenance
    )


def _read(path, level: str, images, scalars, maps=(), optional_maps=()) -> xr.Dataset:
    what = f"a UVI {level}"
    with _open_product(path, what) as hdul:
        p = hdul[0].header
        if p.get("INSTRUME") != "UVI" or p.get("LEVEL") != level:
            raise ProductError(
                f"{path} is not {what} file (INSTRUME {p.get('INSTRUME')!r}, LEVEL {p.get('LEVEL')!r})"
            )
        names = {hdu.name for hdu in hdul}
        needed = {name for name, _ in images} | {name for name, _ in maps} | {"CONFIG"}
        if not needed <= names:
            raise ProductError(f"{path} is not {what} file: missing extensions {sorted(needed - names)}")
        try:
            h = hdul[images[0][0]].header
            nx, ny = int(h["NAXIS1"]), int(h["NAXIS2"])
            xi = (np.arange(1, nx + 1) - h["CRPIX1"]) * h["CDELT1"]
            eta = (np.arange(1, ny + 1) - h["CRPIX2"]) * h["CDELT2"]
            data_vars = {}

            def var(name, dims):
                hh = hdul[name].header
                attrs = {"units": hh["BUNIT"]}
                if "CATDESC" in hh:
                    attrs["CATDESC"] = hh["CATDESC"]
                return dims, np.array(hdul[name].data), attrs

            for name, v in images:
                data_vars[v] = var(name, ("eta", "xi"))
            for name, v, _ in _PIXEL_MAPS:
                if name in names:
                    data_vars[v] = var(name, ("eta", "xi"))
            coords = {
                "eta": ("eta", eta, {"units": "deg", "long_name": "tangent-plane coordinate along UVI +Y"}),
                "xi": ("xi", xi, {"units": "deg", "long_name": "tangent-plane coordinate along UVI +X"}),
            }
            if maps:
                m = hdul[maps[0][0]].header
                nlt, nlat = int(m["NAXIS1"]), int(m["NAXIS2"])
                lt = m["CRVAL1"] + m["CDELT1"] * np.arange(nlt)
                lat = m["CRVAL2"] + m["CDELT2"] * np.arange(nlat)
                coords["mlat"] = (
                    "mlat",
                    lat,
                    {"units": "deg", "CATDESC": "AACGM-v2 magnetic latitude, bin centre"},
                )
                coords["mlt"] = ("mlt", lt, {"units": "h", "CATDESC": "magnetic local time, bin centre"})
                for name, v in (*maps, *((n, v) for n, v in optional_maps if n in names)):
                    dims, data, attrs = var(name, ("mlat", "mlt"))
                    if v == "coverage":
                        data, attrs = data.astype(bool), {k: a for k, a in attrs.items() if k != "units"}
                    data_vars[v] = (dims, data, attrs)
            attrs = {"instrument": "UVI", "level": level, "time": p["DATE-OBS"]}
            for attr, key, kind, _ in scalars:
                if key in p:
                    attrs[attr] = kind(p[key])
            for attr, key, _ in _VECTORS:
                if f"{key}1" in p:
                    attrs[attr] = [float(p[f"{key}{k + 1}"]) for k in range(3)]
            table = hdul["CONFIG"].data
            attrs["config"] = {
                str(n).strip(): float(x) for n, x in zip(table["NAME"], table["VALUE"], strict=True)
            }
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProductError(f"{path} is not {what} file: {type(exc).__name__}: {exc}") from None
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def read_l1(path) -> xr.Dataset:
    """Read a UVI L1 frame written by :func:`write_l1` into the Dataset of ``make_l1``.

    Returns
    -------
    xarray.Dataset
        ``rate``, ``rate_err``, ``brightness``, ``brightness_err``, ``flat`` on ``(eta, xi)`` with the
        tangent-plane coordinates; ``pixel_mlat`` and ``pixel_mlt`` when the file has them; the attributes of
        the frame and ``config`` (dict of the instrument configuration's values).

    Raises
    ------
    ProductError
        Missing, empty, not FITS, cut short, not a UVI L1 file, an extension or keyword lacking.
    """
    return _read(path, "L1", _L1_IMAGES, _SCALARS)


def read_l2(path) -> xr.Dataset:
    """Read a UVI L2 frame written by :func:`write_l2` into the Dataset of ``make_l2`` (as :func:`read_l1`).

    The (MLAT, MLT) map (``brightness``, ``brightness_err``, ``n_pixels``, ``coverage``) and the image-plane
    ``image_brightness``, ``image_brightness_err``, ``dayglow``.
    """
    return _read(path, "L2", _L2_IMAGES, _SCALARS + _L2_SCALARS, _L2_MAPS, _L2_OPTIONAL_MAPS)
