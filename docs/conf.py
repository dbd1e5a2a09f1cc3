"""Sphinx configuration of the spbe documentation.

Build: ``python -m sphinx -W -n docs docs/_build`` (warnings are errors, ``-n`` makes every
unresolved cross-reference a warning). ``tests/test_docs.py`` runs exactly that build.
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))
import spbe  # noqa: E402

project = "spbe"
author = "The spbe maintainers"
release = spbe.__version__
version = spbe.__version__
copyright = "2026, the spbe maintainers"

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
nitpicky = True
# names in docstrings that are not documented objects: types of numpy, scipy and the standard
# library (no intersphinx: the build must not need the network)
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|numba|matplotlib|dask|pandas|typing|collections|pathlib|os)\..*"),
    (r"py:class", r"(optional|array|array_like|ndarray|callable|Callable|Sequence|Optional|Path|"
                  r"Figure|Axes|default.*|np\.ndarray|Iterable|Mapping|Any|Generator|Iterator|"
                  r"NDArray|ArrayLike|Union|Literal|Tuple|List|Dict|dtype|int|float|str|bool|"
                  r"tuple|list|dict|None|object|type|Exception|ValueError|LookupError)"),
]
autosummary_generate = False
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()
suppress_warnings = ["myst.header"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"spbe {release}"
