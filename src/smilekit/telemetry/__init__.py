"""Telemetry: CCSDS packets, the on-board mass memory, the link to the ground, and L0 decoding.

Submodules: :mod:`~smilekit.telemetry.onboard` (the mass memory and the playback in the ground contacts,
with the data latency) and :mod:`~smilekit.telemetry.link` (the faults on the way down).
"""
