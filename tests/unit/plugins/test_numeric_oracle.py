"""The numeric oracle has no hole: NaN never passes, shapes and dtypes are checked."""

from pathlib import Path

import numpy as np
import pytest
from tracker_oracles.numeric import DEFAULT_TOLERANCES, Numeric

from tracker.api import Evidence
from tracker.cases import ModelCase


def _judge(expected, actual, options=None):
    case = ModelCase(id="c", framework="f", builder="m:b", definition="x")
    evidence = Evidence(case=case, artifact=Path("a"), artifact_format="onnx",
                        options={**DEFAULT_TOLERANCES, **(options or {})},
                        expected=[expected], actual=[actual])
    return Numeric().judge(evidence)


F = np.array([1.0, 2.0, 3.0], dtype=np.float32)


def test_equal_outputs_pass_with_zero_errors():
    verdict = _judge([F], [F.copy()])
    assert verdict and verdict.metrics["max_abs_error"] == 0.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_where_the_reference_is_finite_fails(bad):
    actual = F.copy()
    actual[1] = bad
    verdict = _judge([F], [actual])
    assert verdict.passed is False and verdict.subkind == "nan"
    assert verdict.metrics["nonfinite_mismatches"] == 1


def test_nan_where_the_reference_has_nan_is_equal_and_the_sign_of_inf_matters():
    want = np.array([np.nan, np.inf, 1.0], dtype=np.float32)
    assert _judge([want], [want.copy()])
    flipped = np.array([np.nan, -np.inf, 1.0], dtype=np.float32)
    assert _judge([want], [flipped]).subkind == "nan"


def test_shape_and_dtype_differences_fail():
    assert _judge([F], [F.reshape(1, 3)]).subkind == "shape"
    assert _judge([F], [F.astype(np.float64)]).subkind == "dtype"
    assert _judge([F], [F, F]).subkind == "count"


def test_integers_and_booleans_are_compared_exactly():
    ints = np.array([-3, -2, 5], dtype=np.int64)
    assert _judge([ints], [ints.copy()])
    off = ints.copy()
    off[0] = -4
    verdict = _judge([ints], [off])
    assert verdict.subkind == "exact" and verdict.metrics["mismatch_fraction"] == pytest.approx(1 / 3)
    assert _judge([np.array([True, False])], [np.array([True, True])]).passed is False


def test_tolerances_are_per_dtype_and_configurable_and_the_message_says_what_was_needed():
    actual = F + np.float32(1e-2)
    verdict = _judge([F], [actual])
    assert verdict.passed is False and verdict.subkind == "mismatch"
    assert "passing would need atol >=" in verdict.message
    loose = _judge([F], [actual], {"float32": {"rtol": 1e-3, "atol": 2e-2}})
    assert loose and loose.metrics["max_abs_error"] == pytest.approx(1e-2, rel=1e-2)
    half = F.astype(np.float16)
    assert _judge([half], [half + np.float16(1e-3)])  # float16 is judged with its own tolerance


def test_empty_expected_is_not_applicable_never_a_pass():
    case = ModelCase(id="c", framework="f", builder="m:b", definition="x")
    verdict = Numeric().judge(Evidence(case=case, artifact=Path("a"), artifact_format="onnx",
                                       options={}, expected=[], actual=[]))
    assert verdict.passed is None and not verdict
