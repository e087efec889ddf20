"""Instrument simulators and their ground processing, one package per instrument: SXI (soft X-ray imager)
first; UVI, LIA and MAG follow with the same shape (config -> model -> sky or truth -> simulate -> process).

Each instrument makes its products in memory (xarray objects, event lists); their files are written and read
by its module in :mod:`smilekit.products`, and its run is a stage of :mod:`smilekit.runs`.
"""
