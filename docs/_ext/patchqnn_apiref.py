# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Which module documents each public name, shared by ``conf.py`` and ``test/test_docs.py``.

Every object is documented once, in its *home* module: the first public module (in
:data:`PUBLIC_MODULES` order, the top-level package last) that defines it or whose private
submodules define it. Other modules that re-export it (the top-level package, ``backends``
re-exporting ``execution``) link to the home page from their API page with
``~home.Name`` autosummary entries. As a Sphinx extension, this module resolves references to
re-exported paths such as ``qiskit_patchqnn.PatchQNN`` to the home entry, so that docstrings can
use either spelling.

To document a new public module, add it here and add ``api/<module>`` to ``docs/apidocs.rst``
and a page ``docs/api/<module>.rst``; ``test/test_docs.py`` names whatever is missing.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

ROOT_MODULE = "qiskit_patchqnn"

PUBLIC_MODULES: tuple[str, ...] = (
    "qiskit_patchqnn",
    "qiskit_patchqnn.layout",
    "qiskit_patchqnn.circuits",
    "qiskit_patchqnn.model",
    "qiskit_patchqnn.simulator",
    "qiskit_patchqnn.derivatives",
    "qiskit_patchqnn.qnn",
    "qiskit_patchqnn.losses",
    "qiskit_patchqnn.training",
    "qiskit_patchqnn.datasets",
    "qiskit_patchqnn.execution",
    "qiskit_patchqnn.hessian",
    "qiskit_patchqnn.landscape",
    "qiskit_patchqnn.plotting",
    "qiskit_patchqnn.experiments",
)
"""Public modules: each has a page ``docs/api/<module>.rst`` listing every name in ``__all__``."""

TITLES = {
    "qiskit_patchqnn": "Top-level package",
    "qiskit_patchqnn.layout": "Patch layouts",
    "qiskit_patchqnn.circuits": "Patch circuits",
    "qiskit_patchqnn.model": "The pure patch model",
    "qiskit_patchqnn.simulator": "The exact simulator",
    "qiskit_patchqnn.derivatives": "Derivatives: shift rules and strategies",
    "qiskit_patchqnn.qnn": "The PatchQNN network",
    "qiskit_patchqnn.losses": "Losses",
    "qiskit_patchqnn.training": "Training",
    "qiskit_patchqnn.datasets": "Datasets",
    "qiskit_patchqnn.execution": "Execution: backends, jobs, cost, journals and provenance",
    "qiskit_patchqnn.hessian": "Loss Hessians",
    "qiskit_patchqnn.landscape": "Loss landscapes",
    "qiskit_patchqnn.plotting": "Plotting",
    "qiskit_patchqnn.experiments": "Experiments and sweeps",
}


def existing_modules() -> dict[str, ModuleType]:
    """Import the public modules that exist (a module still being written may be absent)."""
    out = {}
    for name in PUBLIC_MODULES:
        try:
            out[name] = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # the module itself does not exist yet
            raise
    return out


def _defining_module(obj: Any) -> str | None:
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return getattr(obj, "__module__", None)
    return None


def home_modules(modules: dict[str, ModuleType] | None = None) -> dict[tuple[str, str], str]:
    """Map ``(module, name)`` for every public name to the module that documents it."""
    modules = existing_modules() if modules is None else modules
    order = [m for m in modules if m != ROOT_MODULE] + [m for m in modules if m == ROOT_MODULE]
    homes: dict[tuple[str, str], str] = {}
    for mod_name in order:
        mod = modules[mod_name]
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            defined_in = _defining_module(obj)
            home = mod_name
            if defined_in is not None and defined_in != mod_name:
                candidates = [
                    m
                    for m in order
                    if m != ROOT_MODULE
                    and (defined_in == m or defined_in.startswith(m + "."))
                    and getattr(modules[m], name, None) is obj
                    and name in getattr(modules[m], "__all__", ())
                ]
                if candidates:
                    home = max(candidates, key=len)
            homes[(mod_name, name)] = home
    return homes


def render_page(mod_name: str, homes: dict[tuple[str, str], str] | None = None) -> str:
    """A fresh ``docs/api/<module>.rst``: names documented here, then re-exports as links."""
    homes = home_modules() if homes is None else homes
    mod = importlib.import_module(mod_name)
    names = sorted((n for n in mod.__all__ if n != "__version__"), key=str.lower)
    own = [n for n in names if homes[(mod_name, n)] == mod_name]
    reexported = [n for n in names if homes[(mod_name, n)] != mod_name]
    title = f"{TITLES.get(mod_name, mod_name)} (``{mod_name}``)"
    lines = [title, "=" * len(title), "", f".. automodule:: {mod_name}", "   :no-members:", ""]
    lines += [f".. currentmodule:: {mod_name}", ""]
    if own:
        lines += [".. autosummary::", "   :toctree: ../stubs/", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in own] + [""]
    if reexported:
        lines += ["Re-exported here and documented in the module that defines them:", ""]
        lines += [".. currentmodule:: None", ""]
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   ~{homes[(mod_name, n)]}.{n}" for n in reexported] + [""]
    if "__version__" in mod.__all__:
        lines += [f".. currentmodule:: {mod_name}", ""]
        lines += [".. data:: __version__", ""]
        lines += ["   The installed version of qiskit-patchqnn, from the package metadata.", ""]
    return "\n".join(lines)


def _resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve ``qiskit_patchqnn.<module>.Name[.attr]`` re-export paths to the home entry."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target.startswith(ROOT_MODULE):
        return None
    aliases = env.app.config._patchqnn_aliases
    parts = target.split(".")
    for cut in range(len(parts), 1, -1):
        head = ".".join(parts[:cut])
        if head in aliases:
            new_target = ".".join([aliases[head], *parts[cut:]])
            domain = env.domains["py"]
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], new_target, node, contnode
            )
    return None


def _build_aliases(app: Any, config: Any) -> None:
    aliases = {}
    for (mod, name), home in home_modules().items():
        if home != mod:
            aliases[f"{mod}.{name}"] = f"{home}.{name}"
    config._patchqnn_aliases = aliases


def setup(app: Any) -> dict[str, Any]:
    """Register the alias resolver."""
    app.connect("config-inited", _build_aliases)
    app.connect("missing-reference", _resolve_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # pragma: no cover - maintenance helper
    import sys
    from pathlib import Path

    api = Path(__file__).resolve().parents[1] / "api"
    overwrite = "--overwrite" in sys.argv
    all_homes = home_modules()
    for module_name in existing_modules():
        page = api / f"{module_name}.rst"
        if overwrite or not page.exists():
            page.write_text(render_page(module_name, all_homes), encoding="utf-8")
            print(f"wrote {page}")
