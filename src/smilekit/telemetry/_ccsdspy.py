"""ccsdspy, imported without its start-up message.

ccsdspy logs "CCSDSPy version ... initialized." at INFO when it is imported, on a console handler of its own
(its default configuration's level is DEBUG): a time-stamped line on every ``smilekit`` command and from
every Dask worker of a run. The telemetry package imports it here first, with the records of INFO and below
dropped while the import runs (in the whole process: another thread's INFO records of that moment too, a
level set higher before is kept); its warnings afterwards (sequence-count gaps, unknown APIDs) are
untouched.
"""

import logging

_before = logging.root.manager.disable
logging.disable(max(_before, logging.INFO))
try:
    import ccsdspy  # noqa: F401 - imported for its side effect here; the modules import it themselves
finally:
    logging.disable(_before)
