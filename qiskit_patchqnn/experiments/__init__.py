# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Experiments at scale: sweep configs, a resumable run store, sweeps on Dask, reports.

A sweep is the grid ``num_patches × depths × seeds`` described by a TOML config (or a built-in
preset); each cell is one run (train, Hessian at the best checkpoint, optional landscape) and
lands atomically in ``DIR/runs/<name>/``. ``summary.csv`` holds one row per finished run and
:func:`write_report` puts the numbers beside the paper's. The ``patchqnn`` commands use the
same pieces for single runs.

Modules: ``sections``/``schema`` (the configuration, one default per field), ``config``
(files, presets, error messages), ``runner`` and ``stages`` (one run: training, Hessian,
landscape), ``rundir`` (run directories: completion markers, resumption, derived results),
``store`` and ``sweep`` (a sweep directory, in-process or on Dask), ``report`` with ``figures``,
``markdown`` and ``claims``, ``study`` and ``study_report`` (several sweeps judged together,
with ``convergence``), ``cost`` and ``paper_data``.

Example:
    >>> from qiskit_patchqnn.experiments import load_preset
    >>> [r.name for r in load_preset("quick").runs()][:2]
    ['p4-d1-s0', 'p4-d1-s1']
"""

from .config import load_config, load_preset, parse_config, preset_names
from .cost import (
    RunCost,
    RunTime,
    SweepCost,
    Throughput,
    TimeEstimate,
    measure_throughput,
    run_cost,
    sweep_cost,
    time_estimate,
)
from .report import write_report
from .runner import SUMMARY_COLUMNS, RunOutput, build_model, execute_run, load_sweep_data
from .schema import ConfigError, SweepConfig
from .sections import (
    BackendSpec,
    DatasetSpec,
    HessianSpec,
    LandscapeSpec,
    LayoutSpec,
    ModelSpec,
    RunSpec,
    SweepSpec,
    TrainingSpec,
)
from .store import SweepStore, read_summary
from .study import StudyConfig, load_study, parse_study
from .study_report import write_study_report
from .sweep import SweepOutcome, run_sweep

__all__ = [
    "BackendSpec",
    "ConfigError",
    "DatasetSpec",
    "HessianSpec",
    "LandscapeSpec",
    "LayoutSpec",
    "ModelSpec",
    "RunCost",
    "RunOutput",
    "RunTime",
    "RunSpec",
    "SUMMARY_COLUMNS",
    "SweepConfig",
    "SweepCost",
    "SweepOutcome",
    "SweepSpec",
    "StudyConfig",
    "SweepStore",
    "Throughput",
    "TimeEstimate",
    "TrainingSpec",
    "build_model",
    "execute_run",
    "load_config",
    "load_preset",
    "load_study",
    "load_sweep_data",
    "measure_throughput",
    "parse_config",
    "parse_study",
    "preset_names",
    "read_summary",
    "run_cost",
    "run_sweep",
    "sweep_cost",
    "time_estimate",
    "write_report",
    "write_study_report",
]
