"""Sphinx configuration of smilekit's documentation (``make docs``; warnings are errors there and in CI)."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import smilekit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "smilekit"
author = "the smilekit developers"
copyright = "the smilekit developers, BSD-3-Clause"
release = version = smilekit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxcontrib.bibtex",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples"]  # the gallery reads its examples itself
suppress_warnings = ["myst.header"]  # the design notes start at their own heading level

# The API reference: one page per module, generated from the numpydoc docstrings (module.rst template).
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# One bibliography: docstrings cite its entries by key, :cite:`shue1998` (tests/test_references.py checks
# that every key resolves).
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# The gallery: every example runs during the build, so a broken example fails it.
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "matplotlib_animations": False,
    # the Figures smilekit's plotting functions return (docs/_ext/smilekit_gallery.py; first, while pyplot
    # still holds its own), and pyplot's figures
    "image_scrapers": ("smilekit_gallery.figure_scraper", "matplotlib"),
}

html_theme = "pydata_sphinx_theme"
html_title = f"smilekit {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []
