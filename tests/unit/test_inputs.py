import numpy as np
import pytest

from tracker.errors import InternalError
from tracker.inputs import InputSpec, make_inputs


def test_same_recipe_same_arrays_other_sample_other_arrays():
    specs = [InputSpec("x", (2, 3)), InputSpec("ids", (1, 8), "int64", "tokens", high=100)]
    a, b = make_inputs(specs, 7, 0), make_inputs(specs, 7, 0)
    c = make_inputs(specs, 7, 1)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[0], c[0])


def test_kinds_respect_their_ranges_and_dtypes():
    tokens, mask, ints, flags, image = make_inputs(
        [
            InputSpec("ids", (4, 16), "int64", "tokens", high=50),
            InputSpec("mask", (4, 16), "int64", "mask"),
            InputSpec("n", (100,), "int32", "int", low=-5, high=5),
            InputSpec("b", (10,), "bool", "bool"),
            InputSpec("img", (1, 3, 8, 8), kind="image"),
        ],
        0,
        0,
    )
    assert tokens.dtype == np.int64 and 0 <= tokens.min() and tokens.max() < 50
    assert set(np.unique(mask)) <= {0, 1} and (mask[:, : 16 // 2] == 1).all()
    assert ints.dtype == np.int32 and ints.min() < 0 <= ints.max() < 5
    assert flags.dtype == np.bool_
    assert image.dtype == np.float32 and image.shape == (1, 3, 8, 8)
    assert -3 < image.min() and image.max() < 3  # normalised with ImageNet statistics


def test_tokens_without_a_vocabulary_size_are_an_error():
    with pytest.raises(InternalError, match="vocabulary"):
        make_inputs([InputSpec("ids", (2,), "int64", "tokens")], 0, 0)


def test_unknown_kind_is_an_error():
    with pytest.raises(InternalError, match="unknown kind"):
        InputSpec("x", (1,), kind="gaussian")
