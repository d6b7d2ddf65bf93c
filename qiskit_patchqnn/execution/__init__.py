# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Execution: from parameter values to estimator jobs, on any backend.

* :mod:`.backends` resolves a spec string (``exact``, ``aer``, ``aer:<fake>``, ``fake:<fake>``,
  ``ibm:<name>``) to an estimator and a pass manager; :mod:`.primitives` builds the Qiskit
  Runtime estimator of ``fake:``/``ibm:`` specs (the client-side ``Estimator``, or the
  deprecated ``EstimatorV2`` on request) with checked options; :mod:`.isa` transpiles a patch
  circuit once and lays its observables out;
* :class:`Executor` (``executor.py``) owns one circuit on one estimator: ISA circuit, precision,
  limits, journal, confirmation and provenance; each call returns its values with what it cost;
* :mod:`.execute` is the one place that calls ``estimator.run``: PUBs split at the backend's
  :mod:`.limits`, the :mod:`.cost` confirmed before hardware, job ids kept in a
  :mod:`.journal`, broadcast bindings passed as
  :class:`~qiskit_patchqnn.model.FactoredValues`;
* :mod:`.provenance` records where and how results were computed (credentials are removed by
  :mod:`.secrets`).
"""

from .backends import SPEC_FORMS, fake_backend, fake_backend_names, resolve
from .cost import (
    ConfirmHook,
    CostEstimate,
    SubmissionDeclined,
    estimate_cost,
    measurement_bases,
    print_cost,
    require_confirmation,
    shots_for_precision,
)
from .execute import ExecutionLog, execute
from .executor import Evaluation, Executor
from .isa import device_of, transpile_patch
from .journal import JobJournal
from .limits import (
    IBM_LIMITS,
    LOCAL_LIMITS,
    JobLimits,
    executions_per_binding,
    is_hardware,
    job_limits,
)
from .primitives import PRIMITIVES, checked_options, runtime_estimator, runtime_primitive
from .provenance import Provenance, backend_name, primitive_name, provenance, runtime_options
from .secrets import scrub

__all__ = [
    "IBM_LIMITS",
    "LOCAL_LIMITS",
    "PRIMITIVES",
    "SPEC_FORMS",
    "ConfirmHook",
    "CostEstimate",
    "Evaluation",
    "ExecutionLog",
    "Executor",
    "JobJournal",
    "JobLimits",
    "Provenance",
    "SubmissionDeclined",
    "backend_name",
    "checked_options",
    "device_of",
    "estimate_cost",
    "execute",
    "executions_per_binding",
    "fake_backend",
    "fake_backend_names",
    "is_hardware",
    "job_limits",
    "measurement_bases",
    "primitive_name",
    "print_cost",
    "provenance",
    "require_confirmation",
    "resolve",
    "runtime_estimator",
    "runtime_options",
    "runtime_primitive",
    "scrub",
    "shots_for_precision",
    "transpile_patch",
]
