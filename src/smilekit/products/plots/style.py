"""What every figure shares: the UT time axis and the display names of the models and the methods.

Times are UT (smilekit's times are UTC, :mod:`smilekit.times`; UT here as on the axes of the community's
figures). Models are named in figures and reports by their authors and year, as they are cited, never by
the code names the library uses as keys.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates

__all__ = ["METHOD_LABELS", "MODEL_LABELS", "method_label", "model_label", "ut_time_axis"]

#: Display names, by the code names of :data:`smilekit.geospace.boundaries.MAGNETOPAUSE_MODELS`, the bow
#: shock and the emissivity models the main job compares.
MODEL_LABELS: dict[str, str] = {
    "shue1997": "Shue et al. (1997)",
    "shue1998": "Shue et al. (1998)",
    "lin2010": "Lin et al. (2010)",
    "jelinek2012": "Jelínek et al. (2012)",
    "bow shock (jelinek2012)": "bow shock, Jelínek et al. (2012)",
    "physical SWCX": "physical SWCX, Cravens (1997) on a gas-dynamic sheath",
    "Jorgensen 2019": "Jorgensen et al. (2019)",
    "CMEM": "CMEM (Wharton et al.)",
}


def model_label(name: str) -> str:
    """The display name of a model given by its code name (the name itself when it has none)."""
    return MODEL_LABELS.get(name, name)


#: Display names of the stand-off methods (:data:`smilekit.science.magnetopause.METHODS`), with the paper
#: each follows, for legends and the report.
METHOD_LABELS: dict[str, str] = {
    "max_intensity": "maximum intensity (Samsonov et al. 2022)",
    "max_gradient": "maximum gradient (Samsonov et al. 2022)",
    "tangent_fitting": "tangent fitting (Sun et al. 2020)",
    "tangential_direction": "tangential direction (Collier & Connor 2018)",
    "boundary_fitting_jorgensen": "boundary fitting, Jorgensen et al. (2019) emissivity",
    "boundary_fitting_cmem": "boundary fitting, CMEM emissivity",
}


def method_label(name: str) -> str:
    """The display name of a stand-off method given by its code name (its words when it has none)."""
    return METHOD_LABELS.get(name, str(name).replace("_", " "))


def ut_time_axis(ax, *, label: bool = True) -> None:
    """Give ``ax`` a date axis with concise UT tick labels and, with ``label``, the axis label "UT"."""
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if label:
        ax.set_xlabel("UT")
