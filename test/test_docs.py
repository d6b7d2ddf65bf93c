# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The API reference lists every public name, and every Python file has the licence header.

These tests parse the reStructuredText sources in ``docs/`` (no Sphinx build) and run in well
under a second once the package is imported.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


apiref = _load("patchqnn_apiref", DOCS / "_ext" / "patchqnn_apiref.py")
check_headers = _load("check_headers", ROOT / "tools" / "check_headers.py")

_DIRECTIVE = re.compile(r"^(\s*)\.\. ([\w:-]+)::\s*(.*)$")


def documented_names(rst: str) -> tuple[set[str], set[str]]:
    """Fully qualified names in the page's ``autosummary`` tables, and ``.. data::`` names.

    Entries are resolved against the ``currentmodule`` in force; a leading ``~`` is dropped.
    Returns ``(autosummary entries, data directives)``.
    """
    current = None
    entries: set[str] = set()
    data: set[str] = set()
    lines = rst.splitlines()
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        i += 1
        if not match:
            continue
        indent, name, argument = match.groups()
        if name in ("currentmodule", "py:currentmodule"):
            current = None if argument.strip() == "None" else argument.strip()
        elif name in ("data", "py:data"):
            data.add(f"{current}.{argument.strip()}" if current else argument.strip())
        elif name == "autosummary":
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
            ):
                item = lines[i].strip()
                i += 1
                if not item or item.startswith(":") or item.startswith(".."):
                    continue
                item = item.lstrip("~")
                entries.add(
                    f"{current}.{item}"
                    if current and not item.startswith(apiref.ROOT_MODULE + ".")
                    else item
                )
    return entries, data


def _page(module: str) -> Path:
    return DOCS / "api" / f"{module}.rst"


MODULES = apiref.existing_modules()


def test_every_public_module_has_a_page_in_the_toctree():
    index = (DOCS / "apidocs.rst").read_text(encoding="utf-8")
    missing_pages = [m for m in MODULES if not _page(m).exists()]
    assert not missing_pages, (
        f"no API page for {missing_pages}; run `python docs/_ext/patchqnn_apiref.py` to create "
        "it (it writes only missing pages)"
    )
    not_linked = [m for m in MODULES if not re.search(rf"^\s+api/{re.escape(m)}\s*$", index, re.M)]
    assert not not_linked, f"add `api/<module>` for {not_linked} to docs/apidocs.rst"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_public_name_is_in_the_api_reference(module):
    page = _page(module)
    if not page.exists():
        pytest.skip(f"no page yet for {module} (reported by the toctree test)")
    entries, data = documented_names(page.read_text(encoding="utf-8"))
    homes = apiref.home_modules(MODULES)
    missing = []
    for name in MODULES[module].__all__:
        expected = f"{homes[(module, name)]}.{name}"
        if expected not in entries and f"{module}.{name}" not in data:
            missing.append(expected)
    assert not missing, (
        f"docs/api/{module}.rst does not list {missing}; add them to its autosummary "
        f"(`python docs/_ext/patchqnn_apiref.py --overwrite` regenerates the pages)"
    )
    stale = sorted(e for e in entries if e.rsplit(".", 1)[-1] not in MODULES[module].__all__)
    assert not stale, f"docs/api/{module}.rst lists names not in {module}.__all__: {stale}"


def test_documented_names_parser():
    rst = """
.. currentmodule:: pkg.mod

.. autosummary::
   :toctree: ../stubs/

   Alpha
   beta

.. currentmodule:: None

.. autosummary::

   ~pkg.other.Gamma

.. currentmodule:: pkg

.. data:: __version__
"""
    entries, data = documented_names(rst)
    assert entries == {"pkg.mod.Alpha", "pkg.mod.beta", "pkg.other.Gamma"}
    assert data == {"pkg.__version__"}


def test_every_python_file_has_the_licence_header():
    missing = check_headers.missing_headers()
    assert not missing, f"files without the licence header: {[str(p) for p in missing]}"


def test_header_check_detects_a_missing_header(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("#!/usr/bin/env python\n" + check_headers.HEADER + "\nx = 1\n")
    bad = tmp_path / "bad.py"
    bad.write_text("# Copyright somebody else\nx = 1\n")
    assert check_headers.missing_headers([tmp_path]) == [bad]


def test_every_documented_function_shows_an_example():
    """The style's rule: every public function on the API pages has an example (and
    ``test_doctests.py`` runs them all)."""
    missing = sorted(
        {
            f"{obj.__module__}.{name}"
            for mod in MODULES.values()
            for name in getattr(mod, "__all__", ())
            if inspect.isfunction(obj := getattr(mod, name)) and ">>>" not in (obj.__doc__ or "")
        }
    )
    assert not missing, f"public functions without an example: {missing}"
