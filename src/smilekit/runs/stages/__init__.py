"""The stages of the main job, one module per part of the flow; each registers its stages when imported.

:mod:`smilekit.runs` imports them in the order they start: :mod:`.solar_wind` (the event prepared),
:mod:`.geospace` (stand-off distances and emissivity slices), :mod:`.mission` (track, pointing, modes),
:mod:`.sxi` (the SXI frames, L1 and L2), :mod:`.science` (the retrievals, L3). An instrument adds a module
here with its stage and one import line in :mod:`smilekit.runs`, after the stages whose results it reads.
"""
