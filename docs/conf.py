"""Sphinx configuration for the jaxnn documentation.

Build (from the repository root; warnings are errors, every cross-reference must resolve):

    python -m sphinx -W -n --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # this checkout's jaxnn, and benchmarks/ for the generated page
sys.path.insert(0, str(DOCS))

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # importing jaxnn for autodoc needs no accelerator

from _ext.api_modules import API_MODULES  # noqa: E402

import jaxnn  # noqa: E402

project = "jaxnn"
author = "jaxnn developers"
copyright = "jaxnn developers"
release = jaxnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
    "_ext.xref",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# autodoc: every page is one `automodule`; `members` follows the module's `__all__`.
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "undoc-members": True,
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "mixed"
autoclass_content = "class"

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = False  # the Attributes sections give shapes; jax.Array adds nothing

html_theme = "furo"
html_title = f"jaxnn {release}"
html_static_path: list[str] = []
html_show_sourcelink = True

nitpicky = True
# No intersphinx: CI reaches PyPI only. Names of other libraries in signatures (jax.Array,
# numpy.ndarray, optax.GradientTransformation, matplotlib's Figure, typing helpers) cannot be
# linked offline; they stay plain text. jaxnn's own references must all resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(jax|jaxlib|numpy|np|jnp|optax|matplotlib|ml_dtypes|safetensors|tqdm)(\..*)?"),
    (r"py:.*", r"(collections\.abc|typing|os|pathlib|argparse|types|enum|dataclasses)\..*"),
    # type aliases of jaxnn.optim.base used in Optimizer's field annotations (not public names)
    (r"py:class", r"(Params|Updates|State)"),
    (r"py:.*", r"(Array|ArrayLike|PRNGKeyArray|PyTree|DTypeLike|Figure|Axes|Mesh|Sharding)"),
]

API_PAGES = [f"api/{name}" for name in API_MODULES]
