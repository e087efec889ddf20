"""Data products: the files of every level and instrument, their names, the quick-look figures and reports.

The instruments and the science make their products in memory (xarray objects, event lists, estimates);
the modules here name them, write them as files and read them back. An instrument's formats are the
modules named for it (adding an instrument's products is adding its modules):

* :mod:`~smilekit.products.names`: the file-name rule
  ``smile_<instrument>_<level>_<descriptor>_<YYYYMMDDThhmmss>_v<NN>.<ext>`` with its versions;
* :mod:`~smilekit.products.sxi_fits`: SXI's L1 FITS event lists and L2 FITS images (``write_l1``, ``read_l1``,
  ``write_l2``, ``read_l2``);
* :mod:`~smilekit.products.l3_cdf`: SXI's L3 CDF (magnetopause stand-off and cusp edges per image interval);
* :mod:`~smilekit.products.uvi_fits`: UVI's L1 and L2 FITS images with their WCS and MLAT/MLT maps;
  :mod:`~smilekit.products.uvi_l3_cdf`: UVI's L3 CDF (auroral boundaries by MLT sector, hemispheric power);
* :mod:`~smilekit.products.insitu_cdf`: the in-situ CDFs, MAG L1 (both sensors' readings) and L2 (the
  calibrated field in GSE and GSM) and LIA L1 (counts) and L2 (proton and alpha moments, their temperature
  and pressure tensors included), with the helpers they share (``write_mag_l1``, ``read_mag_l1``,
  ``write_mag_l2``, ``read_mag_l2``, ``write_lia_l1``, ``read_lia_l1``, ``write_lia_l2``, ``read_lia_l2``);
* :mod:`~smilekit.products.ephemeris`: the spacecraft ephemeris CDF; :mod:`~smilekit.products.cdf`: the
  ISTP helpers every CDF product uses;
* :mod:`~smilekit.products.plots`: the quick-look figures (one module per subject);
  :mod:`~smilekit.products.report`: the HTML report of a run.

The modules are imported by name (``from smilekit.products.sxi_fits import write_l1``); this package imports
none of them, so that using one format does not load the others.
"""
