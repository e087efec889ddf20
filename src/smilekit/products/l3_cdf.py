"""The SXI level-3 product: magnetopause stand-off and cusp edges per image interval, as an ISTP CDF.

One record per L2 time bin (5 min in the mission's baseline), at the bin's middle (``Epoch``). Input is
grouped by interval: for each record, the :class:`~smilekit.science.estimates.MagnetopauseEstimate` of
every method run on that image and optionally its :class:`~smilekit.science.estimates.CuspEstimate`\\ s.

Variables (all on ``Epoch``; NaN is written as the ISTP fill value -1e31):

* ``r0_<method>``, ``r0_sigma_<method>``: the subsolar stand-off distance and its 1-sigma uncertainty (RE =
  6371 km) of each method, one pair per method (names as in
  :data:`smilekit.science.magnetopause.METHODS`; the variable attribute ``METHOD`` and the global attribute
  ``Methods`` name them too); ``quality_<method>``: the quality flag below.
* ``cusp_<hemisphere>_equatorward``, ``cusp_<hemisphere>_poleward`` and their ``_sigma``: the cusp edges
  as GSM latitudes (deg) in the noon meridian at the reference distance (attribute
  ``REFERENCE_DISTANCE_RE``), with ``quality_cusp_<hemisphere>``; written for each hemisphere present.
* ``sc_distance``: the spacecraft's geocentric distance (RE), when positions are given; ``sw_flux``: the
  upstream solar-wind particle flux (cm^-2 s^-1), when given.

Quality flag (``quality_*``, int16, a sum of bits; 0 = a good answer), :data:`QUALITY_BITS`:

====  =========================================================================================
bit   meaning
====  =========================================================================================
1     no answer: the retrieval's status is not "ok" (or the method was not run on this image)
2     outside the requirement domain: flux n v <= 4.9e8 cm^-2 s^-1 or spacecraft within 15 RE
4     the Sun within :data:`SUN_NEAR` (30 deg, the pointing module's exclusion cone) of the boresight
8     uncertainty above the requirement: r0_sigma > 0.5 RE; cusp edge sigma > 0.25 RE at the
      reference distance
16    requirement domain not assessed (flux or spacecraft position not given)
====  =========================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.products.cdf import epoch_attrs, istp_global_attrs, scalar_attrs, write_istp_cdf
from smilekit.science.requirement import in_requirement_domain_values
from smilekit.units import RE, RE_KM

__all__ = ["QUALITY_BITS", "SUN_NEAR", "l3_dataset", "write_l3_cdf"]

#: Quality bits of the L3 product (module notes).
QUALITY_BITS = {
    1: "no answer (status not ok, or the method not run on this image)",
    2: "outside the requirement domain (flux n v <= 4.9e8 cm^-2 s^-1 or spacecraft within 15 RE)",
    4: "Sun within 30 deg of the SXI boresight",
    8: "uncertainty above the requirement (r0_sigma > 0.5 RE; cusp edge sigma > 0.25 RE)",
    16: "requirement domain not assessed (flux or spacecraft position not given)",
}
#: Sun-to-boresight angle below which bit 4 is set (the default Sun exclusion of
#: :func:`smilekit.mission.pointing.exclusions`).
SUN_NEAR = 30.0 * u.deg

_NO_ANSWER, _OUTSIDE, _SUN, _SIGMA, _UNASSESSED = 1, 2, 4, 8, 16
_R0_SIGMA_MAX_RE = 0.5
_CUSP_SIGMA_MAX_RE = 0.25
_INT16_FILL = np.int16(-32768)
_FLAG_TEXT = "; ".join(f"{bit}: {text}" for bit, text in QUALITY_BITS.items())


def _group(value, name: str, k: int) -> list:
    if value is None:
        return []
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # one NamedTuple estimate
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise InputError(
        f"{name}[{k}] must be an estimate or a sequence of estimates, got {type(value).__name__}"
    )


def _record_time(items: list, k: int) -> np.datetime64:
    times = {np.datetime64(getattr(e, "time", None), "ns") for e in items}
    if len(times) != 1:
        raise InputError(f"record {k}: the estimates must share one time (the image's), got {sorted(times)}")
    return times.pop()


def _per_record(value, unit, name: str, n: int, shape=()) -> np.ndarray | None:
    if value is None:
        return None
    v = np.asarray(as_value(value, unit, name, allow_nan=True), dtype=np.float64)
    if v.shape != (n, *shape):
        raise InputError(f"{name} must have shape {(n, *shape)} (one per record), got {v.shape}")
    return v


def _value(q, unit) -> float:
    try:
        return float(u.Quantity(q).to_value(unit))
    except (TypeError, u.UnitsError):
        return math.nan


def l3_dataset(
    estimates, cusps=None, *, sc_position=None, flux=None, sun_angle=None, text: str = ""
) -> xr.Dataset:
    """The ISTP dataset of the L3 product (module notes for the variables and the quality bits).

    Parameters
    ----------
    estimates : sequence of sequences of MagnetopauseEstimate
        One element per record (image interval), in increasing time: the estimates of the methods run on
        that image (at most one per method), all with the image's time.
    cusps : sequence, optional
        One element per record: a CuspEstimate, a sequence of them (one per hemisphere) or None.
    sc_position : Quantity, optional
        Spacecraft position (GSE, length) per record, shape (N, 3).
    flux : Quantity, optional
        Upstream solar-wind particle flux n v per record (cm^-2 s^-1), shape (N,).
    sun_angle : Quantity, optional
        Angle between the Sun and the SXI boresight per record, shape (N,) (e.g. the L2/intensity map
        attribute ``sun_angle_deg``).
    text : str
        Added to the ``TEXT`` global attribute.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    InputError
        For an empty input, estimates of one record at different times, records not in increasing time, a
        method or hemisphere twice in one record, or per-record arrays of the wrong shape.
    """
    if estimates is None or isinstance(estimates, str) or len(estimates) == 0:
        raise InputError("estimates must be a non-empty sequence (one element per record)")
    n = len(estimates)
    if cusps is not None and len(cusps) != n:
        raise InputError(f"cusps must have one element per record ({n}), got {len(cusps)}")
    groups = [_group(g, "estimates", k) for k, g in enumerate(estimates)]
    cusp_groups = [_group(c, "cusps", k) for k, c in enumerate(cusps)] if cusps is not None else [[]] * n
    times = []
    for k in range(n):
        items = groups[k] + cusp_groups[k]
        if not items:
            raise InputError(f"record {k} holds no estimate")
        times.append(_record_time(items, k))
    time = np.array(times, dtype="datetime64[ns]")
    if n > 1 and np.any(np.diff(time) <= np.timedelta64(0, "ns")):
        raise InputError("records must be in strictly increasing time")

    position = _per_record(sc_position, RE, "sc_position", n, (3,))
    flux_v = _per_record(flux, u.cm**-2 / u.s, "flux", n)
    sun_v = _per_record(sun_angle, u.deg, "sun_angle", n)
    common = np.zeros(n, dtype=np.int16)
    if position is None or flux_v is None:
        common |= _UNASSESSED
    else:
        inside = in_requirement_domain_values(flux_v, np.linalg.norm(position, axis=-1))
        common |= np.where(inside, 0, _OUTSIDE).astype(np.int16)
    if sun_v is not None:
        common |= np.where(sun_v < SUN_NEAR.to_value(u.deg), _SUN, 0).astype(np.int16)

    methods: list[str] = []
    table: dict[str, list] = {}
    for k, group in enumerate(groups):
        for est in group:
            name = str(est.method)
            if not name.isidentifier():
                raise InputError(f"method name {name!r} cannot name a CDF variable")
            if name not in table:
                methods.append(name)
                table[name] = [None] * n
            if table[name][k] is not None:
                raise InputError(f"record {k} holds two estimates of the method {name!r}")
            table[name][k] = est

    variables: dict[str, xr.Variable] = {}
    for name in methods:
        r0 = np.full(n, np.nan)
        sigma = np.full(n, np.nan)
        quality = common.copy()
        for k, est in enumerate(table[name]):
            if est is None or est.status != "ok":
                quality[k] |= _NO_ANSWER
                continue
            r0[k] = _value(est.r0, RE)
            sigma[k] = _value(est.r0_sigma, RE)
            if not np.isfinite(r0[k]):
                quality[k] |= _NO_ANSWER
            elif not sigma[k] <= _R0_SIGMA_MAX_RE:
                quality[k] |= _SIGMA
        meta = {"METHOD": name, "UNIT_NOTE": f"RE = {RE_KM} km"}
        variables[f"r0_{name}"] = xr.Variable(
            ("Epoch",),
            r0,
            scalar_attrs(
                f"r0_{name}", f"Subsolar magnetopause stand-off distance, method {name}", "RE", 0.0, 100.0
            )
            | meta,
        )
        variables[f"r0_sigma_{name}"] = xr.Variable(
            ("Epoch",),
            sigma,
            scalar_attrs(f"r0_sigma_{name}", f"1-sigma uncertainty of r0, method {name}", "RE", 0.0, 100.0)
            | meta,
        )
        variables[f"quality_{name}"] = _quality(
            f"quality_{name}", f"Quality flag of r0, method {name}", quality
        )

    hemispheres: dict[str, list] = {}
    for k, group in enumerate(cusp_groups):
        for est in group:
            hemi = str(est.hemisphere)
            if hemi not in ("north", "south"):
                raise InputError(f"record {k}: hemisphere must be 'north' or 'south', got {hemi!r}")
            hemispheres.setdefault(hemi, [None] * n)
            if hemispheres[hemi][k] is not None:
                raise InputError(f"record {k} holds two {hemi} cusp estimates")
            hemispheres[hemi][k] = est
    for hemi in ("north", "south"):
        if hemi not in hemispheres:
            continue
        values = {
            key: np.full(n, np.nan)
            for key in ("equatorward", "poleward", "equatorward_sigma", "poleward_sigma")
        }
        quality = common.copy()
        refs = []
        for k, est in enumerate(hemispheres[hemi]):
            if est is None or est.status != "ok":
                quality[k] |= _NO_ANSWER
                continue
            ref = _value(est.reference_distance, RE)
            refs.append(ref)
            for key in values:
                values[key][k] = _value(getattr(est, key), u.deg)
            worst = np.nanmax([values["equatorward_sigma"][k], values["poleward_sigma"][k], np.nan])
            if not (np.isfinite(values["equatorward"][k]) or np.isfinite(values["poleward"][k])):
                quality[k] |= _NO_ANSWER
            elif not ref * np.radians(worst) <= _CUSP_SIGMA_MAX_RE:
                quality[k] |= _SIGMA
        ref_attr = {"REFERENCE_DISTANCE_RE": float(refs[0]) if refs else math.nan}
        for key, arr in values.items():
            name = f"cusp_{hemi}_{key}"
            what = key.replace("_sigma", "")
            description = (
                f"1-sigma uncertainty of the {hemi} cusp {what} edge"
                if key.endswith("sigma")
                else f"{hemi.capitalize()} cusp {what} edge: GSM latitude in the noon meridian at the "
                "reference distance"
            )
            lo = 0.0 if key.endswith("sigma") else -180.0
            variables[name] = xr.Variable(
                ("Epoch",), arr, scalar_attrs(name, description, "deg", lo, 180.0) | ref_attr
            )
        variables[f"quality_cusp_{hemi}"] = _quality(
            f"quality_cusp_{hemi}", f"Quality flag of the {hemi} cusp edges", quality
        )

    distance = np.linalg.norm(position, axis=-1) if position is not None else np.full(n, np.nan)
    variables["sc_distance"] = xr.Variable(
        ("Epoch",),
        distance,
        scalar_attrs("sc_distance", "Geocentric distance of the spacecraft", "RE", 0.0, 1000.0, data=False)
        | {"UNIT_NOTE": f"RE = {RE_KM} km"},
    )
    if flux_v is not None:
        variables["sw_flux"] = xr.Variable(
            ("Epoch",),
            flux_v,
            scalar_attrs(
                "sw_flux", "Upstream solar-wind particle flux n v", "cm^-2 s^-1", 0.0, 1e12, data=False
            ),
        )
    attrs = istp_global_attrs(
        data_type="L3>Level 3",
        descriptor="SXI>Soft X-ray Imager magnetopause and cusps",
        logical_source="smile_l3_sxi",
        description="SMILE SXI magnetopause stand-off and cusp edges per image (smilekit simulation)",
        text=(
            "Subsolar magnetopause stand-off r0 (RE) by each retrieval method and the mid-altitude cusp "
            "edges (deg GSM latitude at the reference distance) per SXI image interval. Quality bits: "
            f"{_FLAG_TEXT}. " + text
        ).strip(),
        instrument_type="Imaging and Remote Sensing (Magnetosphere/Earth)",
    )
    attrs["Methods"] = ", ".join(methods)
    return xr.Dataset(variables, coords={"Epoch": ("Epoch", time, epoch_attrs(time))}, attrs=attrs)


def _quality(name: str, description: str, values: np.ndarray) -> xr.Variable:
    return xr.Variable(
        ("Epoch",),
        values.astype(np.int16),
        scalar_attrs(name, description, " ", np.int16(0), np.int16(31), data=False)
        | {"FILLVAL": _INT16_FILL, "FLAG_BITS": _FLAG_TEXT},
    )


def write_l3_cdf(
    path,
    estimates,
    cusps=None,
    *,
    sc_position=None,
    flux=None,
    sun_angle=None,
    text: str = "",
    overwrite: bool = True,
    provenance=None,
):
    """Write :func:`l3_dataset` as an ISTP CDF; returns the path (an existing file is replaced unless
    ``overwrite`` is False: :func:`~smilekit.products.cdf.write_istp_cdf`).

    The file name follows the mission's rule (:func:`smilekit.products.names.product_name`), e.g.
    ``smile_sxi_l3_boundaries_20260320T120000_v01.cdf``.

    Examples
    --------
    >>> import astropy.units as u, numpy as np, tempfile, pathlib
    >>> from smilekit.science.estimates import MagnetopauseEstimate
    >>> from smilekit.units import RE
    >>> t = np.datetime64("2026-03-20T12:02:30", "ns")
    >>> est = MagnetopauseEstimate("max_intensity", 9.1 * RE, 0.3 * RE, "ok", {}, t)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "smile_sxi_l3_boundaries_20260320T120000_v01.cdf"
    >>> write_l3_cdf(path, [[est]], sc_position=[[6, 0, 18]] * RE,
    ...              flux=[6e8] * u.cm**-2 / u.s).name
    'smile_sxi_l3_boundaries_20260320T120000_v01.cdf'
    """
    dataset = l3_dataset(estimates, cusps, sc_position=sc_position, flux=flux, sun_angle=sun_angle, text=text)
    return write_istp_cdf(dataset, path, overwrite=overwrite, provenance=provenance)
