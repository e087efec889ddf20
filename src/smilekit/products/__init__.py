"""Data products: quick-look figures and reports (later: levels, file names, CDF and FITS writers)."""
