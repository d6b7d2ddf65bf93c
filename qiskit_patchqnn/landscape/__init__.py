# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Loss landscapes of patch QNNs: trajectory PCA planes, random and Hessian directions, scans.

Every grid point of a scan goes into the same batched estimator jobs (see
:func:`scan_plane`); angles are 2π-periodic and :mod:`.periodic` handles distances and
interpolation accordingly. Figures are in :mod:`qiskit_patchqnn.plotting`.
"""

from __future__ import annotations

from .directions import (
    TrajectoryPlane,
    bias_indices,
    hessian_directions,
    pca_plane,
    project_trajectory,
    random_directions,
)
from .periodic import (
    interpolate,
    periodic_difference,
    periodic_distance,
    periodic_mask,
    wrap_angles,
)
from .result import LandscapeScan
from .scan import evaluate_points, scan_line, scan_plane

__all__ = [
    "LandscapeScan",
    "TrajectoryPlane",
    "bias_indices",
    "evaluate_points",
    "hessian_directions",
    "interpolate",
    "pca_plane",
    "periodic_difference",
    "periodic_distance",
    "periodic_mask",
    "project_trajectory",
    "random_directions",
    "scan_line",
    "scan_plane",
    "wrap_angles",
]
