"""Geospace models: boundaries, magnetosheath plasma and field, the magnetospheric field (IGRF-14 + T89c),
the in situ truth along a track, cusps, exospheric hydrogen, SWCX emissivity, cubes,
the auroral oval.

All positions are in RE in the model frame, GSM (X to the Sun, Z north; solar-wind aberration ignored),
except the auroral oval's and the in situ truth's (GSE, the frame of the mission geometry that uses them).
"""

from smilekit.geospace.aurora import AURORA_ALTITUDE, OVAL_CENTRE_OFFSET, OVAL_RADII, oval_centre, oval_points
from smilekit.geospace.boundaries import (
    BOW_SHOCK_MODELS,
    MAGNETOPAUSE_MODELS,
    is_inside,
    jelinek2012_bow_shock,
    jelinek2012_magnetopause,
    lin2010,
    model_parameters,
    shue1997,
    shue1998,
    standoff,
    surface_points,
)
from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.cusps import cusp_edges
from smilekit.geospace.emissivity import (
    CMEM,
    EMISSIVITY_MODELS,
    EMISSIVITY_UNIT,
    EmissivityModel,
    Jorgensen2019,
    SWCXEmissivity,
)
from smilekit.geospace.exosphere import (
    EXOSPHERE_MODELS,
    Cravens2001,
    ExosphereModel,
    Hodges1994,
    exosphere_model,
)
from smilekit.geospace.fields import igrf_field, magnetospheric_field, t89_field
from smilekit.geospace.insitu import crossings, insitu_truth
from smilekit.geospace.magnetosheath import Magnetosheath
from smilekit.geospace.mhd import read_batsrus_idl_ascii

__all__ = [
    "AURORA_ALTITUDE",
    "BOW_SHOCK_MODELS",
    "CMEM",
    "EMISSIVITY_MODELS",
    "EMISSIVITY_UNIT",
    "EXOSPHERE_MODELS",
    "MAGNETOPAUSE_MODELS",
    "OVAL_CENTRE_OFFSET",
    "OVAL_RADII",
    "Cravens2001",
    "EmissivityCube",
    "EmissivityModel",
    "ExosphereModel",
    "Hodges1994",
    "Jorgensen2019",
    "Magnetosheath",
    "SWCXEmissivity",
    "crossings",
    "cusp_edges",
    "exosphere_model",
    "igrf_field",
    "insitu_truth",
    "is_inside",
    "jelinek2012_bow_shock",
    "jelinek2012_magnetopause",
    "lin2010",
    "magnetospheric_field",
    "model_parameters",
    "oval_centre",
    "oval_points",
    "read_batsrus_idl_ascii",
    "shue1997",
    "shue1998",
    "standoff",
    "surface_points",
    "t89_field",
]
