# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Where patches sit in an image, and how to cut them out (NumPy only)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PatchLayout"]


@dataclass(frozen=True)
class PatchLayout:
    """Placement of rectangular patches on an image.

    Images are flattened row-major to vectors of length ``H * W``. Patch ``k`` covers rows
    ``offsets[k][0] : offsets[k][0] + p`` and columns ``offsets[k][1] : offsets[k][1] + q``;
    its features are that window flattened row-major. Patches are ordered as given (row-major
    over the offsets for :meth:`grid`).

    Args:
        image_shape: ``(H, W)``.
        patch_shape: ``(p, q)``.
        offsets: one ``(row, col)`` top-left corner per patch.

    Example:
        >>> layout = PatchLayout.grid((14, 14), (8, 8), num_patches=9)
        >>> sorted({r for r, _ in layout.offsets})
        [0, 3, 6]
    """

    image_shape: tuple[int, int]
    patch_shape: tuple[int, int]
    offsets: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        image_shape = _pair(self.image_shape, "image_shape")
        patch_shape = _pair(self.patch_shape, "patch_shape")
        if patch_shape[0] > image_shape[0] or patch_shape[1] > image_shape[1]:
            raise ValueError(
                f"patch_shape {patch_shape} does not fit inside image_shape {image_shape}"
            )
        offsets = tuple((int(r), int(c)) for r, c in self.offsets)
        if not offsets:
            raise ValueError("offsets must hold at least one (row, col) pair")
        for r, c in offsets:
            if not (0 <= r <= image_shape[0] - patch_shape[0]) or not (
                0 <= c <= image_shape[1] - patch_shape[1]
            ):
                raise ValueError(
                    f"offset {(r, c)} puts a {patch_shape} patch outside the {image_shape} image"
                )
        object.__setattr__(self, "image_shape", image_shape)
        object.__setattr__(self, "patch_shape", patch_shape)
        object.__setattr__(self, "offsets", offsets)

    @classmethod
    def grid(
        cls, image_shape: tuple[int, int], patch_shape: tuple[int, int], num_patches: int
    ) -> PatchLayout:
        r"""Place :math:`\sqrt{K}\times\sqrt{K}` patches evenly over the image.

        The offsets per axis are ``round(linspace(0, H - p, sqrt(K)))``; for 14×14 images and
        8×8 patches this gives the paper's ``{0, 6}``, ``{0, 3, 6}`` and ``{0, 2, 4, 6}``.

        Args:
            image_shape: ``(H, W)``.
            patch_shape: ``(p, q)``.
            num_patches: ``K``, a perfect square.

        Returns:
            The layout, patches ordered row-major.

        Raises:
            ValueError: if ``num_patches`` is not a positive perfect square or a shape is invalid.

        Example:
            >>> PatchLayout.grid((8, 8), (5, 5), 4).offsets
            ((0, 0), (0, 3), (3, 0), (3, 3))
        """
        if isinstance(num_patches, bool) or not isinstance(num_patches, (int, np.integer)):
            raise ValueError(f"num_patches must be an integer, got {num_patches!r}")
        side = math.isqrt(int(num_patches)) if num_patches > 0 else 0
        if num_patches <= 0 or side * side != num_patches:
            raise ValueError(f"num_patches must be a positive perfect square, got {num_patches}")
        image_shape = _pair(image_shape, "image_shape")
        patch_shape = _pair(patch_shape, "patch_shape")
        if patch_shape[0] > image_shape[0] or patch_shape[1] > image_shape[1]:
            raise ValueError(
                f"patch_shape {patch_shape} does not fit inside image_shape {image_shape}"
            )
        rows = np.rint(np.linspace(0, image_shape[0] - patch_shape[0], side)).astype(int)
        cols = np.rint(np.linspace(0, image_shape[1] - patch_shape[1], side)).astype(int)
        offsets = tuple((int(r), int(c)) for r in rows for c in cols)
        return cls(image_shape, patch_shape, offsets)

    @property
    def num_patches(self) -> int:
        """Number of patches ``K``."""
        return len(self.offsets)

    @property
    def num_pixels(self) -> int:
        """Number of pixels ``H * W`` of one image."""
        return self.image_shape[0] * self.image_shape[1]

    @property
    def patch_size(self) -> int:
        """Number of features ``p * q`` of one patch."""
        return self.patch_shape[0] * self.patch_shape[1]

    def pixel_indices(self) -> np.ndarray:
        """Flat pixel index of every patch feature.

        Returns:
            Integer array of shape ``(K, p * q)``: entry ``[k, f]`` is the row-major index into
            the flattened image of feature ``f`` of patch ``k``.

        Example:
            >>> PatchLayout.grid((4, 4), (2, 2), 4).pixel_indices()[3].tolist()
            [10, 11, 14, 15]
        """
        p, q = self.patch_shape
        width = self.image_shape[1]
        local = (np.arange(p)[:, None] * width + np.arange(q)[None, :]).ravel()
        starts = np.array([r * width + c for r, c in self.offsets])
        return starts[:, None] + local[None, :]

    def extract(self, images: np.ndarray) -> np.ndarray:
        """Cut every patch out of a batch of flattened images.

        Args:
            images: array of shape ``(N, H * W)`` (or ``(H * W,)`` for one image).

        Returns:
            Array of shape ``(N, K, p * q)``.

        Raises:
            ValueError: if the images have the wrong width or contain NaN or infinity.

        Example:
            >>> layout = PatchLayout.grid((4, 4), (2, 2), 4)
            >>> layout.extract(np.arange(16.0)).shape
            (1, 4, 4)
        """
        x = np.asarray(images, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.num_pixels:
            raise ValueError(
                f"images must have shape (N, {self.num_pixels}) for a {self.image_shape} image, "
                f"got {np.shape(images)}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("images contain NaN or infinite values")
        return x[:, self.pixel_indices()]

    def coverage(self) -> np.ndarray:
        """How many patches contain each pixel, as an ``(H, W)`` integer array."""
        counts = np.zeros(self.num_pixels, dtype=int)
        np.add.at(counts, self.pixel_indices().ravel(), 1)
        return counts.reshape(self.image_shape)

    def to_dict(self) -> dict:
        """A JSON-serialisable description, the inverse of :meth:`from_dict`."""
        return {
            "image_shape": list(self.image_shape),
            "patch_shape": list(self.patch_shape),
            "offsets": [list(o) for o in self.offsets],
        }

    @classmethod
    def from_dict(cls, data: dict) -> PatchLayout:
        """Rebuild a layout written by :meth:`to_dict`."""
        return cls(
            tuple(data["image_shape"]),  # type: ignore[arg-type]
            tuple(data["patch_shape"]),  # type: ignore[arg-type]
            tuple(tuple(o) for o in data["offsets"]),  # type: ignore[arg-type]
        )


def _pair(value: object, name: str) -> tuple[int, int]:
    try:
        items: tuple = tuple(value)  # type: ignore[arg-type]
        pair = (int(items[0]), int(items[1]))
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}") from None
    if len(items) != 2 or pair[0] <= 0 or pair[1] <= 0 or items != pair:
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}")
    return pair
