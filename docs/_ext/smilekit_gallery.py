"""The gallery's image scraper for the figures smilekit's plotting functions return.

smilekit's plots are :class:`matplotlib.figure.Figure` objects made without pyplot (so that the library never
opens a window or keeps figures alive), which sphinx-gallery's own matplotlib scraper does not see. This one
saves every such figure the example holds in its namespace, once, after the code block that made it.
"""

from matplotlib.figure import Figure
from sphinx_gallery.scrapers import figure_rst

_saved: dict[str, set[int]] = {}


def figure_scraper(block, block_vars, gallery_conf) -> str:
    """Save the example's new pyplot-free figures and return their reST (sphinx-gallery's scraper API)."""
    import matplotlib.pyplot as plt

    managed = {id(plt.figure(n)) for n in plt.get_fignums()}
    seen = _saved.setdefault(str(block_vars["src_file"]), set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in seen and id(value) not in managed:
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=90)
            seen.add(id(value))
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
