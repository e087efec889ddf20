"""Campaigns: many SXI cases run through simulation and retrieval, and the accuracy measured over them.

- :mod:`~smilekit.campaign.cases`: the case set along the orbit (:func:`make_cases`, the shipped
  :data:`~smilekit.campaign.cases.SHIPPED_CASES`) and the case files (:func:`read_cases`);
- :mod:`~smilekit.campaign.truth`: each case's model truth and its simulated L2 image;
- :mod:`~smilekit.campaign.statistics`: the stand-off and cusp-edge error statistics (:func:`summarise`);
- :mod:`~smilekit.campaign.evaluate`: the harness that measures every retrieval against the truth over a
  case file, on Dask (:func:`evaluate_cases`, ``smilekit evaluate``; one case: :func:`run_case`);
- :mod:`~smilekit.campaign.schedule`: the mission's SXI frames over a period, with the solar wind of
  their time (:func:`mission_frames`);
- :mod:`~smilekit.campaign.insitu`, :mod:`~smilekit.campaign.uvi`: beside each SXI frame, the in situ
  truth and one LIA distribution at the spacecraft, and once an hour a UVI image of the oval;
- :mod:`~smilekit.campaign.chunks`: a campaign's frames run on Dask chunk by chunk, a Parquet file per
  chunk and part;
- :mod:`~smilekit.campaign.mission`: a period of the mission run frame by frame and its answer
  (:func:`run_campaign`, ``smilekit campaign``), with its report (:mod:`~smilekit.campaign.report`).

The retrievals themselves live in :mod:`smilekit.science`, the requirement they are judged by in
:mod:`smilekit.science.requirement`.
"""

from smilekit.campaign.cases import make_cases, read_cases
from smilekit.campaign.evaluate import evaluate_cases, run_case
from smilekit.campaign.mission import run_campaign
from smilekit.campaign.schedule import mission_frames
from smilekit.campaign.statistics import summarise

__all__ = [
    "evaluate_cases",
    "make_cases",
    "mission_frames",
    "read_cases",
    "run_campaign",
    "run_case",
    "summarise",
]
