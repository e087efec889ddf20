"""Quick-look figures of every stage: one module per subject.

* :mod:`~smilekit.products.plots.quicklook`: the solar wind, the stand-off distances and the emissivity
  slices of the main job;
* :mod:`~smilekit.products.plots.mission`: orbit planes, visibility, fields of view, transfer, operations;
* :mod:`~smilekit.products.plots.sxi`: SXI frames and movies;
* :mod:`~smilekit.products.plots.uvi`: UVI frames on the MLAT/MLT dial and movies;
* :mod:`~smilekit.products.plots.animation`: the movies' GIF writer (the figure laid out and its still parts
  drawn once);
* :mod:`~smilekit.products.plots.mag`: the MAG quick-look (components and magnitude, regions shaded);
* :mod:`~smilekit.products.plots.lia`: the LIA quick-look (energy-time spectrogram over the proton moments);
* :mod:`~smilekit.products.plots.regions`: the regions from the in situ moments, shaded, and the crossings;
* :mod:`~smilekit.products.plots.science`: the retrieved stand-off series against the truth;
* :mod:`~smilekit.products.plots.telemetry`: the downlink (mass memory, contacts, latency);
* :mod:`~smilekit.products.plots.campaign`: a campaign's figures (how often the requirement is met);
* :mod:`~smilekit.products.plots.style`: what every figure shares (the UT axis, the models' and
  methods' names).

Matplotlib's Agg backend, no screen needed; figures are returned (or written) for the caller to save.
"""
