# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Sphinx configuration for qiskit-patchqnn.

The build uses no network (no intersphinx) and must pass with ``-W``. Tutorials are the
notebooks in ``tutorials/`` at the repository root; they are copied into ``docs/tutorials/``
(generated, git-ignored) before the build. Set ``PATCHQNN_TUTORIALS`` to a folder of already
executed copies (CI executes them once with nbmake) and ``NBSPHINX_EXECUTE=never`` to render
the stored outputs without running the notebooks a second time.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from qiskit_patchqnn import __version__

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "qiskit-patchqnn"
author = "The qiskit-patchqnn developers"
copyright = "2026, the qiskit-patchqnn developers"  # noqa: A001
release = __version__
version = ".".join(__version__.split(".")[:2])
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.doctest",
    "nbsphinx",
    "reno.sphinxext",
    "qiskit_sphinx_theme",
    "patchqnn_apiref",
    "patchqnn_modulemap",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

# -- Theme ------------------------------------------------------------------------------------
html_theme = "qiskit-ecosystem"
html_title = f"{project} {release}"
html_static_path: list[str] = []
html_last_updated_fmt = None

# -- Math: MathJax is loaded from the theme's default CDN only when a page is viewed; the build
# itself never touches the network.
mathjax3_config = {"tex": {"macros": {"ket": ["|#1\\rangle", 1], "bra": ["\\langle#1|", 1]}}}

# -- autodoc / autosummary --------------------------------------------------------------------
autosummary_generate = True
autosummary_generate_overwrite = True
autosummary_imported_members = True
autosummary_ignore_module_all = False
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_typehints_format = "short"
autoclass_content = "class"
autodoc_mock_imports: list[str] = []
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True
napoleon_attr_annotations = True
add_module_names = False
python_use_unqualified_type_names = True
# Without intersphinx, references to Qiskit, NumPy, SciPy and torch objects in signatures and
# docstrings cannot resolve. nitpicky stays off so that they render as plain text; every
# reference *inside* this package is still checked by the ``-W`` build through autosummary.
nitpicky = False

# -- nbsphinx ---------------------------------------------------------------------------------
nbsphinx_execute = os.environ.get("NBSPHINX_EXECUTE", "auto")
nbsphinx_allow_errors = False
nbsphinx_timeout = 600
nbsphinx_requirejs_path = ""
nbsphinx_widgets_path = ""
nbsphinx_prolog = """
.. note::

   This page was generated from the notebook
   ``tutorials/{{ env.docname.split('/')|last }}.ipynb`` of the qiskit-patchqnn repository;
   the outputs shown were produced when the documentation was built.
"""

# -- reno -------------------------------------------------------------------------------------
# reno.sphinxext reads release notes from this repository's git history (no network).


def _copy_tutorials() -> None:
    """Copy the tutorial notebooks into ``docs/tutorials/`` (a generated folder)."""
    source = Path(os.environ.get("PATCHQNN_TUTORIALS", ROOT / "tutorials"))
    target = DOCS / "tutorials"
    target.mkdir(exist_ok=True)
    wanted = {p.name for p in source.glob("*.ipynb")}
    for old in target.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for notebook in sorted(source.glob("*.ipynb")):
        dest = target / notebook.name
        if not dest.exists() or dest.read_bytes() != notebook.read_bytes():
            shutil.copyfile(notebook, dest)


_copy_tutorials()
