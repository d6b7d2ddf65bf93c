# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Check that every Python file starts with the project's licence header.

Usage::

    python tools/check_headers.py [PATH ...]

Without arguments it checks the default paths (the package, tests, benchmarks, tools and the
documentation's Python files). A leading shebang line and blank lines are allowed before the
header. Exit status 1 lists the offending files.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.
"""

DEFAULT_PATHS = ("qiskit_patchqnn", "test", "benchmarks", "tools", "docs/conf.py", "docs/_ext")

SKIP_DIRS = {"__pycache__", "_build", ".ipynb_checkpoints", "stubs", ".venv", "build"}


def python_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the ``.py`` files under ``paths`` (files are yielded as given), sorted."""
    for path in paths:
        path = Path(path)
        if not path.is_absolute():
            path = ROOT / path
        if path.is_file():
            yield path
        elif path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if not SKIP_DIRS.intersection(file.relative_to(path).parts):
                    yield file


def has_header(path: Path) -> bool:
    """Whether ``path`` starts with :data:`HEADER` (after an optional shebang)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("#!"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return text.lstrip("\n").startswith(HEADER)


def missing_headers(paths: Iterable[str | Path] = DEFAULT_PATHS) -> list[Path]:
    """The files under ``paths`` without the header."""
    return [path for path in python_files(paths) if not has_header(path)]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    bad = missing_headers(args or DEFAULT_PATHS)
    for path in bad:
        try:
            shown = path.relative_to(ROOT)
        except ValueError:
            shown = path
        print(f"{shown}: missing licence header", file=sys.stderr)
    if bad:
        print(f"{len(bad)} file(s) without the licence header; copy it from {__file__}")
        return 1
    print(f"licence headers OK ({sum(1 for _ in python_files(args or DEFAULT_PATHS))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
