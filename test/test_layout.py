# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

from __future__ import annotations

import numpy as np
import pytest

from qiskit_patchqnn import PatchLayout


@pytest.mark.parametrize(("k", "expected"), [(4, [0, 6]), (9, [0, 3, 6]), (16, [0, 2, 4, 6])])
def test_grid_offsets_match_paper(k, expected):
    layout = PatchLayout.grid((14, 14), (8, 8), k)
    rows = sorted({r for r, _ in layout.offsets})
    cols = sorted({c for _, c in layout.offsets})
    assert rows == expected and cols == expected
    assert layout.num_patches == k
    # row-major order over (i, j)
    assert list(layout.offsets) == [(r, c) for r in expected for c in expected]
    # the layouts cover the whole image
    assert layout.coverage().min() >= 1


def test_extract_row_major():
    layout = PatchLayout.grid((4, 4), (2, 2), 4)
    images = np.arange(32.0).reshape(2, 16)
    patches = layout.extract(images)
    assert patches.shape == (2, 4, 4)
    np.testing.assert_array_equal(patches[0, 0], [0, 1, 4, 5])
    np.testing.assert_array_equal(patches[1, 3], [16 + 10, 16 + 11, 16 + 14, 16 + 15])


def test_explicit_offsets_and_overlap_counts():
    layout = PatchLayout((5, 5), (3, 3), ((0, 0), (2, 2)))
    cov = layout.coverage()
    assert cov[2, 2] == 2 and cov[0, 0] == 1 and cov[4, 0] == 0
    assert PatchLayout.from_dict(layout.to_dict()) == layout


@pytest.mark.parametrize("k", [0, 2, 5, -4, 2.0])
def test_grid_rejects_non_square(k):
    with pytest.raises(ValueError, match="num_patches"):
        PatchLayout.grid((8, 8), (4, 4), k)


def test_bad_shapes_and_offsets():
    with pytest.raises(ValueError, match="patch_shape"):
        PatchLayout.grid((8, 8), (9, 2), 4)
    with pytest.raises(ValueError, match="image_shape"):
        PatchLayout.grid((8, -1), (2, 2), 4)
    with pytest.raises(ValueError, match="outside"):
        PatchLayout((4, 4), (2, 2), ((3, 0),))
    layout = PatchLayout.grid((4, 4), (2, 2), 4)
    with pytest.raises(ValueError, match=r"shape \(N, 16\)"):
        layout.extract(np.zeros((2, 15)))
    with pytest.raises(ValueError, match="NaN"):
        layout.extract(np.full((1, 16), np.nan))
