# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Credentials never leave the process: scrubbing them from text and from option records."""

from __future__ import annotations

import os
import re

__all__ = ["SECRET_KEYS", "TOKEN_ENV", "scrub"]

TOKEN_ENV = "QISKIT_IBM_TOKEN"
"""Environment variable that may hold an IBM Quantum API token."""
SECRET_KEYS = re.compile(r"token|api_?key|password|secret|credential|auth", re.IGNORECASE)
"""Option names whose values are never recorded."""


def scrub(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Remove credentials from ``text``: the given secrets and ``$QISKIT_IBM_TOKEN``.

    Example:
        >>> scrub("token abc123 rejected", ["abc123"])
        'token *** rejected'
    """
    values = [*secrets, os.environ.get(TOKEN_ENV, "")]
    for secret in sorted({s for s in values if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
