"""The archive's web service (``smilekit serve``): HAPI 3.2 time series, product downloads and quick-look
pages under SMILE's data policy.

- :mod:`~smilekit.service.hapi`: the HAPI datasets and parameters, time parsing, the output formats;
- :mod:`~smilekit.service.app`: the FastAPI application (:func:`create_app`) and its token checks;
- :mod:`~smilekit.service.quicklook`: the quick-look pages.
"""

from smilekit.service.app import create_app

__all__ = ["create_app"]
