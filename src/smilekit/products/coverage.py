"""The time a product file covers, read from the file: the one reading the archive and the quick-looks use."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smilekit.errors import InputError, ProductError
from smilekit.times import as_datetime64

__all__ = ["product_time_range"]


def product_time_range(path) -> tuple[np.datetime64, np.datetime64]:
    """The UTC interval ``[start, stop)`` a product's data cover, read from the file.

    CDF: the first ``Epoch`` to the last (plus 1 ns: a half-open interval holding the last record); FITS:
    ``DATE-OBS`` to ``DATE-END`` of the first HDU that has both, else (SXI L2) its time bins' first start
    to last end; a quick-look PNG: the range of the product it shows
    (:func:`~smilekit.products.quicklooks.quicklook_time_range`).

    Raises
    ------
    ProductError
        For a file that cannot be read or holds no time (naming it and why).
    """
    path = Path(path)
    try:
        if path.suffix == ".cdf":
            import cdflib

            epoch = np.atleast_1d(cdflib.CDF(str(path)).varget("Epoch"))
            # the earliest and latest raw times alone (a CDF time grows with the time it encodes)
            first, last = as_datetime64(cdflib.cdfepoch.to_datetime(np.array([epoch.min(), epoch.max()])))
            return first, last + np.timedelta64(1, "ns")
        if path.suffix == ".fits":
            from astropy.io import fits

            with fits.open(path) as hdul:
                for hdu in hdul:
                    if "DATE-OBS" in hdu.header and "DATE-END" in hdu.header:
                        return (as_datetime64(hdu.header["DATE-OBS"])[()],
                                as_datetime64(hdu.header["DATE-END"])[()])  # fmt: skip
            from smilekit.products.sxi_fits import read_l2

            l2 = read_l2(path)
            return l2["time"].values.min(), l2["time_end"].values.max()
        if path.suffix == ".png":
            from smilekit.products.quicklooks import quicklook_time_range

            return quicklook_time_range(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError, ProductError, InputError) as exc:
        raise ProductError(f"{path.name}: cannot read its time range: {exc}") from None
    raise ProductError(f"{path.name}: not a CDF, FITS or quick-look PNG product")
