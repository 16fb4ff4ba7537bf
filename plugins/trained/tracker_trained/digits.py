"""The data set: scikit-learn's handwritten digits (``sklearn.datasets.load_digits``: 1,797
images of 8x8 pixels, 10 classes, shipped inside the package: nothing is downloaded),
split once into a training and a test part.

The split is stratified and seeded: of each class, the images are shuffled with
:data:`SPLIT_SEED` and one in :data:`TEST_EVERY` goes to the test part (355 images).
Pixels are scaled from 0..16 to [0, 1]. The test part is the one input set of every
trained case (:func:`test_images`, a custom input's callable) and its labels are the
case's labels (:func:`test_labels`); their source, with the split's, is in the case's
hash: changing the split changes every trained case.

An architecture that needs larger images gets them upsampled by an integer factor
(each pixel repeated), the same for the training and the test part (:func:`arrange`).
"""

from __future__ import annotations

import functools
from typing import Any

SPLIT_SEED = 20261204
TEST_EVERY = 5  # one image in five of each class is a test image
TEST_IMAGES = 355  # what that makes of the 1,797: the inputs' batch dimension
CLASSES = 10


@functools.cache
def split() -> tuple[Any, Any, Any, Any]:
    """``(train_images, train_labels, test_images, test_labels)``: images float32 (N, 8, 8)
    in [0, 1], labels int64 (N,)."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    generator = np.random.default_rng(SPLIT_SEED)
    test = np.zeros(len(labels), dtype=bool)
    for label in range(CLASSES):
        members = generator.permutation(np.flatnonzero(labels == label))
        test[members[: len(members) // TEST_EVERY]] = True
    return images[~test], labels[~test], images[test], labels[test]


def arrange(images: Any, shape: tuple[int, ...]) -> Any:
    """8x8 ``images`` (N, 8, 8) in the layout of an input ``shape`` (its first dimension
    not looked at): (N, 8, 8) rows, (N, 1, S, S) NCHW or (N, S, S, 1) NHWC, S a multiple of 8
    (each pixel repeated S/8 times along both axes)."""
    import numpy as np

    if len(shape) == 3:
        return images
    if len(shape) != 4 or 1 not in (shape[1], shape[3]):
        raise ValueError(f"digits come as (N, 8, 8), (N, 1, S, S) or (N, S, S, 1), not {shape}")
    size = shape[2]
    if size % 8:
        raise ValueError(f"digits upsample by whole factors of 8: {size} is not a multiple of 8")
    factor = size // 8
    upsampled = np.repeat(np.repeat(images, factor, axis=1), factor, axis=2)
    return upsampled[:, None, :, :] if shape[1] == 1 else upsampled[:, :, :, None]


def test_images(rng: Any, shape: tuple[int, ...], dtype: str) -> Any:
    """The custom input of every trained case: the whole test part, in the input's layout
    (``rng`` is not used: every sample is the test part)."""
    _, _, images, _ = split()
    if shape[0] != len(images):
        raise ValueError(f"the digits' test part holds {len(images)} images; the input's batch is {shape[0]}")
    return arrange(images, shape).astype(dtype)


def test_labels(rng: Any, shape: tuple[int, ...]) -> Any:
    """The labels of :func:`test_images`: one per image (``ModelCase.labels``)."""
    _, _, _, labels = split()
    return labels


def training_data(shape: tuple[int, ...]) -> tuple[Any, Any]:
    """The training part in the layout of an input ``shape``: ``(images, labels)``."""
    images, labels, _, _ = split()
    return arrange(images, shape), labels
