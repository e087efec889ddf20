"""Science from the SXI images (the magnetopause stand-off distance, the cusp edges) and the in situ data.

- :mod:`~smilekit.science.geometry`: where the spacecraft is and where each L2 pixel looks;
- :mod:`~smilekit.science.magnetopause`: every stand-off method by name (:data:`METHODS`), from
  :mod:`~smilekit.science.tangent` (limb methods; their tangency geometry in
  :mod:`~smilekit.science.tangency`) and :mod:`~smilekit.science.boundary_fit` (forward
  models through :mod:`~smilekit.science.forward`, maximum Poisson likelihood);
- :mod:`~smilekit.science.cusps`: the mid-altitude cusp edges;
- :mod:`~smilekit.science.requirement`: the domain of SXI's science requirement (solar-wind flux and
  distance) the accuracy is owed for;
- :mod:`~smilekit.science.regions`: the regions crossed (solar wind, magnetosheath, magnetosphere) and the
  bow-shock and magnetopause crossings, from the in situ data (LIA moments, MAG field).

The case set and the harness that measures every method against the model truth (``smilekit evaluate``)
are :mod:`smilekit.campaign`.
"""

from smilekit.science.boundary_fit import boundary_fitting_cmem, boundary_fitting_jorgensen, boundary_model
from smilekit.science.cusps import CUSP_REFERENCE_DISTANCE, estimate_cusp_edges, true_cusp_edges
from smilekit.science.estimates import CuspEstimate, MagnetopauseEstimate
from smilekit.science.forward import ForwardModel, expected_counts_image, rebin
from smilekit.science.geometry import ImageGeometry, image_geometry
from smilekit.science.magnetopause import METHODS, estimate_standoff
from smilekit.science.regions import average_field, classify_regions, compare_with_truth, find_crossings
from smilekit.science.requirement import in_requirement_domain
from smilekit.science.tangent import max_gradient, max_intensity, tangent_fitting, tangential_direction

__all__ = [
    "CUSP_REFERENCE_DISTANCE",
    "METHODS",
    "CuspEstimate",
    "ForwardModel",
    "ImageGeometry",
    "MagnetopauseEstimate",
    "average_field",
    "boundary_fitting_cmem",
    "boundary_fitting_jorgensen",
    "boundary_model",
    "classify_regions",
    "compare_with_truth",
    "estimate_cusp_edges",
    "estimate_standoff",
    "expected_counts_image",
    "find_crossings",
    "image_geometry",
    "in_requirement_domain",
    "max_gradient",
    "max_intensity",
    "rebin",
    "tangent_fitting",
    "tangential_direction",
    "true_cusp_edges",
]
