# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The package's module map and layer imports, generated from the source when the docs build.

Two directives for ``docs/architecture.rst``, so that its numbers are never stale:

* ``.. patchqnn-module-map::`` a table of every module of ``qiskit_patchqnn`` with its line
  count and the first line of its docstring, and the commit (and date) it was counted at;
* ``.. patchqnn-layer-imports::`` for each layer (a subpackage or top-level module), the other
  layers it imports, found by parsing every ``import`` statement (function-local ones
  included).

Nothing is imported or executed: the files are read and parsed with :mod:`ast`. Run this file
directly to print both tables as reStructuredText.
"""

from __future__ import annotations

import ast
import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "qiskit_patchqnn"


def _layer(module: str) -> str:
    """``qiskit_patchqnn.hessian.hvp`` -> ``hessian``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules(package: Path = PACKAGE) -> list[tuple[str, Path]]:
    """``(dotted name, path)`` of every module, in folder order."""
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        name = ".".join(rel.parts)
        out.append((name.removesuffix(".__init__"), path))
    return out


def _summary(path: Path) -> str:
    """First line of the module docstring, or an empty string."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _lines(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("\n")


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def counted_at() -> str:
    """Which source the counts describe: commit, its date, and whether the tree was modified."""
    commit = _git("rev-parse", "--short=10", "HEAD")
    if not commit:
        return "the source tree the documentation was built from (no git history available)"
    date = _git("log", "-1", "--format=%cd", "--date=short")
    dirty = _git("status", "--porcelain", "--", "qiskit_patchqnn")
    extra = ", plus uncommitted changes to the package" if dirty else ""
    return f"commit ``{commit}`` of {date}{extra}"


def module_map_rst() -> list[str]:
    """The module map as a reStructuredText list-table."""
    mods = _modules()
    total = sum(_lines(p) for _, p in mods)
    largest = max(mods, key=lambda m: _lines(m[1]))
    per_layer: dict[str, list[int]] = defaultdict(list)
    for name, path in mods:
        per_layer[_layer(name)].append(_lines(path))
    lines = [
        f"Counted when this page was built, at {counted_at()}: {len(mods)} modules, "
        f"{total:,} lines (docstrings and comments included); the largest is "
        f"``{largest[0]}`` ({_lines(largest[1])} lines).",
        "",
        ".. list-table:: By layer",
        "   :header-rows: 1",
        "   :widths: 40 20 20 20",
        "",
        "   * - layer",
        "     - modules",
        "     - lines",
        "     - lines of its largest module",
    ]
    for layer, counts in sorted(per_layer.items(), key=lambda kv: (kv[0] != "__init__", kv[0])):
        label = "``qiskit_patchqnn`` (``__init__``)" if layer == "__init__" else f"``{layer}``"
        lines += [
            f"   * - {label}",
            f"     - {len(counts)}",
            f"     - {sum(counts)}",
            f"     - {max(counts)}",
        ]
    lines += [
        "",
        ".. list-table:: By module",
        "   :header-rows: 1",
        "   :widths: 38 8 54",
        "",
        "   * - module",
        "     - lines",
        "     - what it is (first line of its docstring)",
    ]
    for name, path in mods:
        text = _summary(path).replace("|", "\\|")
        lines += [f"   * - ``{name}``", f"     - {_lines(path)}", f"     - {text}"]
    return lines


def layer_imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """For each layer, the other layers of the package its modules import."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in _modules(package):
        is_pkg = path.name == "__init__.py"
        base = name.split(".") if is_pkg else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = base[: len(base) - node.level + 1]
                    targets.append(".".join(anchor + ([node.module] if node.module else [])))
                else:
                    targets.append(node.module or "")
            elif isinstance(node, ast.Import):
                targets += [alias.name for alias in node.names]
            for target in targets:
                if target.split(".")[0] == package.name and _layer(target) != _layer(name):
                    edges[_layer(name)].add(_layer(target))
        edges.setdefault(_layer(name), set())
    return dict(edges)


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of layers that reach each other through imports."""
    reach = {a: set(b) for a, b in edges.items()}
    changed = True
    while changed:
        changed = False
        for a in reach:
            more = set().union(*(reach.get(b, set()) for b in reach[a])) - reach[a]
            if more:
                reach[a] |= more
                changed = True
    return sorted((a, b) for a in reach for b in reach[a] if a < b and a in reach.get(b, set()))


def layer_imports_rst() -> list[str]:
    """The layer imports as a reStructuredText list-table, and whether any two form a cycle."""
    edges = layer_imports()
    loops = cycles(edges)
    verdict = (
        "No two layers import each other, directly or through others."
        if not loops
        else "Layers that import each other (a cycle): "
        + ", ".join(f"``{a}`` and ``{b}``" for a, b in loops)
        + "."
    )
    lines = [
        f"Found by parsing every import statement at {counted_at()}. {verdict}",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 20 80",
        "",
        "   * - layer",
        "     - imports from",
    ]
    for layer in sorted(edges, key=lambda s: (s != "__init__", s)):
        deps = ", ".join(f"``{d}``" for d in sorted(edges[layer])) or "(nothing in the package)"
        label = "``qiskit_patchqnn`` (``__init__``)" if layer == "__init__" else f"``{layer}``"
        lines += [f"   * - {label}", f"     - {deps}"]
    return lines


def setup(app):  # pragma: no cover - exercised by the Sphinx build
    """Register the two directives."""
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class _Generated(SphinxDirective):
        make = staticmethod(module_map_rst)

        def run(self) -> list[nodes.Node]:
            for _, path in _modules():
                self.env.note_dependency(str(path))
            container = nodes.container()
            self.state.nested_parse(StringList(self.make(), source="generated"), 0, container)
            return container.children

    class ModuleMap(_Generated):
        make = staticmethod(module_map_rst)

    class LayerImports(_Generated):
        make = staticmethod(layer_imports_rst)

    app.add_directive("patchqnn-module-map", ModuleMap)
    app.add_directive("patchqnn-layer-imports", LayerImports)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    print("\n".join(module_map_rst()))
    print()
    print("\n".join(layer_imports_rst()))
