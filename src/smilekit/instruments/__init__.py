"""Instrument simulators and their ground processing: SXI (soft X-ray imager) first."""
