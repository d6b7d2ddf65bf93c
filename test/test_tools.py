# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""The maintenance tools that CI runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _min_constraints():
    spec = importlib.util.spec_from_file_location(
        "min_constraints", ROOT / "tools/min_constraints.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_min_constraints_pin_every_core_dependency_to_its_floor(tmp_path):
    pins = _min_constraints().constraints()
    names = [p.split("==")[0] for p in pins]
    assert {"qiskit", "qiskit-machine-learning", "numpy", "numba", "distributed"} <= set(names)
    assert all("==" in p and p.split("==")[1][0].isdigit() for p in pins)
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\nname = "x"\ndependencies = ["numpy<3"]\n')
    with pytest.raises(ValueError, match="has no '>=' floor"):
        _min_constraints().constraints(bad)
