"""Quick-look figures of products: one PNG per L2 or L3 product, public at once, not for publication.

SMILE's data policy makes quick-look plots public as soon as feasible, for event browsing and not for
publication (Branduardi-Raymont et al. 2022, sec. 5.3). :func:`write_quicklook` draws one for a product
file and names it by the mission's rule at level ``ql`` with the product's descriptor, time and version
(``smile_mag_l2_fields_20260320T120000_v01.cdf`` gives ``smile_mag_ql_fields_20260320T120000_v01.png``):

- an ISTP CDF: its record-varying data variables against time, one panel each (up to
  :data:`MAX_PANELS`; a vector's components as three lines, fill values left out);
- a FITS image product (SXI L2, UVI L1/L2): its first image (SXI's foreground intensity, the mean of its
  time bins; UVI's brightness).

The PNG carries what the archive needs in its text chunks (:data:`START_KEY`, :data:`STOP_KEY`,
:data:`SOURCE_KEY`: the product's time range and name) and the not-for-publication notice in the figure
and in ``Description``. :func:`quicklook_time_range` reads the range back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smilekit._io import save_figure
from smilekit.errors import ProductError
from smilekit.products.names import parse_product_name

__all__ = [
    "MAX_PANELS",
    "NOTICE",
    "SOURCE_KEY",
    "START_KEY",
    "STOP_KEY",
    "quicklook_name",
    "quicklook_time_range",
    "write_quicklook",
]

#: The most panels a CDF's quick-look has.
MAX_PANELS = 6
#: What every quick-look says (the seed's data policy).
NOTICE = (
    "SMILE quick-look: for event browsing, not for publication (except with the agreement of the SMILE SWT)"
)
#: PNG text keys of the product's time range (ISO 8601 UTC) and name.
START_KEY, STOP_KEY, SOURCE_KEY = "smilekit:start", "smilekit:stop", "smilekit:source"


def quicklook_name(product) -> str:
    """The quick-look's name for the product file ``product`` (module docstring)."""
    return parse_product_name(Path(product).name)._replace(level="ql", ext="png").name


def _cdf_panels(fig, path: Path):
    import cdflib

    from smilekit.products.cdf import time_series_variables

    cdf = cdflib.CDF(str(path))
    times = np.asarray(
        cdflib.cdfepoch.to_datetime(np.atleast_1d(cdf.varget("Epoch"))), dtype="datetime64[ns]"
    )
    series = [p for p in time_series_variables(path) if len(p.size) <= 1]
    aside = ("sigma", "quality", "flag")  # uncertainties and flags after the quantities themselves
    series.sort(key=lambda p: any(word in p.name for word in aside))
    parameters = series[:MAX_PANELS]
    if not parameters:
        raise ProductError(f"{path.name}: no time series to draw")
    axes = fig.subplots(len(parameters), 1, sharex=True, squeeze=False)[:, 0]
    for ax, p in zip(axes, parameters, strict=True):
        values = np.asarray(cdf.varget(p.name), dtype=np.float64).reshape(len(times), -1)
        if p.fill is not None:
            values[values == float(p.fill)] = np.nan
        for j in range(values.shape[1]):
            ax.plot(times, values[:, j], lw=0.8, marker="." if len(times) < 50 else None,
                    label="xyz"[j] if values.shape[1] == 3 else None)  # fmt: skip
        if values.shape[1] == 3:
            ax.legend(loc="upper right", fontsize=7, ncols=3)
        ax.set_title(f"{p.name} [{p.units.strip()}]" if p.units.strip() else p.name, fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("UTC", fontsize=8)
    return times.min(), times.max() + np.timedelta64(1, "ns")


def _fits_image(fig, path: Path):
    from astropy.io import fits

    from smilekit.products.coverage import product_time_range

    with fits.open(path) as hdul:
        image = next((h for h in hdul if h.is_image and h.data is not None and h.data.ndim in (2, 3)), None)
        if image is None:
            raise ProductError(f"{path.name}: no image to draw")
        data = np.asarray(image.data, dtype=np.float64)
        if data.ndim == 3:  # a stack of time bins (SXI L2): their mean
            data = np.nanmean(data, axis=0)
        label = f"{image.name} [{image.header.get('BUNIT', '')}]"
    ax = fig.subplots()
    finite = data[np.isfinite(data)]
    top = np.percentile(finite, 99.5) if finite.size else 1.0
    shown = ax.imshow(data, origin="lower", cmap="inferno", vmin=0.0 if top > 0 else None, vmax=top or None)
    fig.colorbar(shown, ax=ax, label=label)
    return product_time_range(path)


def write_quicklook(product, folder=None) -> Path:
    """Draw the quick-look of the product file ``product`` into ``folder`` (default beside it).

    Returns
    -------
    Path
        The PNG (:func:`quicklook_name`).

    Raises
    ------
    ProductError
        If the file is not a CDF or FITS product with something to draw.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    product = Path(product)
    target = Path(folder or product.parent) / quicklook_name(product)
    fig = Figure(figsize=(8, 6), layout="constrained")
    if product.suffix == ".cdf":
        start, stop = _cdf_panels(fig, product)
    elif product.suffix == ".fits":
        start, stop = _fits_image(fig, product)
    else:
        raise ProductError(f"{product.name}: quick-looks are of CDF and FITS products")
    start_text = np.datetime_as_string(np.datetime64(start, "ns"))
    stop_text = np.datetime_as_string(np.datetime64(stop, "ns"))
    fig.suptitle(f"{product.name}\n{start_text[:19]} to {stop_text[:19]} UTC", fontsize=9)
    fig.supxlabel(NOTICE, fontsize=8, color="firebrick")
    metadata = {START_KEY: start_text, STOP_KEY: stop_text, SOURCE_KEY: product.name, "Description": NOTICE}
    return save_figure(fig, target, dpi=80, metadata=metadata)


def quicklook_time_range(path) -> tuple[np.datetime64, np.datetime64]:
    """The time range a quick-look PNG of :func:`write_quicklook` shows (its text chunks).

    Raises
    ------
    ProductError
        For a PNG without them.
    """
    from PIL import Image

    path = Path(path)
    try:
        with Image.open(path) as image:
            text = dict(image.text)
        return np.datetime64(text[START_KEY], "ns"), np.datetime64(text[STOP_KEY], "ns")
    except (OSError, KeyError, ValueError, AttributeError) as exc:
        raise ProductError(f"{path.name}: not a smilekit quick-look ({exc})") from None
