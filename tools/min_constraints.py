# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Print pip constraints that pin every core dependency to the floor ``pyproject.toml`` declares.

CI's minimum-dependencies gate installs the package with these constraints and runs the test
suite, so the declared ranges are true: ``pip install -c <(python tools/min_constraints.py) .``.
A dependency without a ``>=`` floor is an error (every core dependency must declare one).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
_REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")


def constraints(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``name==floor`` for every core dependency (extras expanded where they add packages)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    out = []
    for req in data["project"]["dependencies"]:
        match = _REQ.match(req)
        if match is None:
            raise ValueError(f"cannot parse dependency {req!r}")
        name, extras, spec, marker = match.groups()
        if marker and "python_version" in marker:
            continue  # back-ports for old Pythons (tomli) are not floors of ours
        floor = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", spec or "")
        if floor is None:
            raise ValueError(f"dependency {req!r} has no '>=' floor")
        out.append(f"{name}=={floor.group(1)}")
        if name == "dask" and extras and "distributed" in extras:
            out.append(f"distributed=={floor.group(1)}")
    return out


if __name__ == "__main__":
    try:
        print("\n".join(constraints()))
    except ValueError as exc:
        print(f"min_constraints: {exc}", file=sys.stderr)
        sys.exit(1)
