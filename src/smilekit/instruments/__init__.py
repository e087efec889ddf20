"""Instrument simulators and their ground processing, one package per instrument: SXI (soft X-ray imager)
first, then UVI and MAG (the magnetometer: true field and attitude -> counts -> L1 -> L2), LIA to follow, all
with the same shape (config -> model -> sky or truth -> simulate -> process).

Each instrument makes its products in memory (xarray objects, event lists); their files are written and read
by its module in :mod:`smilekit.products`, and its run is a stage of :mod:`smilekit.runs`.
"""
