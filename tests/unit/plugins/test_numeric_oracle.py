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


# -- calibrated by the source's own noise (tracker_oracles.noise) ---------------------------
def _calibrated(expected, actual, float64, options=None, unavailable=None):
    case = ModelCase(id="c", framework="f", builder="m:b", definition="x")
    numeric = Numeric()
    evidence = Evidence(case=case, artifact=Path("a"), artifact_format="onnx",
                        options={**numeric.defaults, **(options or {})}, expected=[expected], actual=[actual],
                        reference_float64=None if float64 is None else [float64],
                        reference_float64_unavailable=unavailable)
    return numeric.judge(evidence)


# an output of ordinary scale whose float32 rounding is large: the exact value, the source's
# float32 run 2e-3 off it, far beyond rtol 1e-3 of 0.5
EXACT = np.array([0.5, -0.25, 1e-3], dtype=np.float64)
SOURCE = (EXACT + np.array([2e-3, -1e-3, 5e-4])).astype(np.float32)
SOURCE_ERROR = float(np.max(np.abs(SOURCE.astype(np.float64) - EXACT)))


def test_a_converted_output_as_far_from_float64_as_the_source_passes_and_both_errors_are_stored():
    converted = (EXACT - np.array([1e-3, 2e-3, -1e-3])).astype(np.float32)  # its own rounding, of the same size
    assert _judge([SOURCE], [converted]).passed is False  # the fixed tolerance alone fails it
    verdict = _calibrated([SOURCE], [converted], [EXACT])
    assert verdict.passed is True, verdict.message
    assert verdict.metrics["calibrated"] == 1.0
    assert verdict.metrics["float64_source_error"] == pytest.approx(SOURCE_ERROR, rel=1e-5)
    assert verdict.metrics["float64_converted_error"] == pytest.approx(2e-3, rel=1e-4)
    assert verdict.metrics["float64_source_error[0]"] == verdict.metrics["float64_source_error"]
    assert verdict.metrics["noise_ratio"] == pytest.approx(1.0, rel=1e-4)
    # the errors against float32 are those of the fixed tolerance, as before
    assert verdict.metrics["max_abs_error"] == pytest.approx(3e-3, rel=1e-4)


def test_beyond_the_factor_times_the_source_noise_fails_and_the_message_says_by_how_much():
    converted = (EXACT + np.array([0.0, 0.0, 10.5 * SOURCE_ERROR])).astype(np.float32)
    verdict = _calibrated([SOURCE], [converted], [EXACT])
    assert verdict.passed is False and verdict.subkind == "mismatch"
    assert "noise_factor 10 x the source's own float32 error" in verdict.message
    assert verdict.metrics["noise_ratio"] == pytest.approx(10.5, rel=1e-3)
    assert _calibrated([SOURCE], [converted], [EXACT], {"noise_factor": 11.0})


def test_outputs_of_ordinary_scale_and_exact_sources_are_judged_by_the_fixed_tolerance_only():
    # the source exact in float32: no floor, a converted error beyond the tolerance fails
    exact = np.array([1.0, 2.0, 3.0])
    off = (exact + np.array([0.0, 0.0, 1e-2])).astype(np.float32)
    verdict = _calibrated([exact.astype(np.float32)], [off], [exact])
    assert verdict.passed is False and verdict.metrics["float64_source_error"] == 0.0
    assert "noise_ratio" not in verdict.metrics
    # within the fixed tolerance passes whatever the floor (a relaxation only)
    close = (exact + 1e-4).astype(np.float32)
    assert _calibrated([exact.astype(np.float32)], [close], [exact])


def test_integers_stay_exact_and_nan_never_passes_with_a_float64_reference():
    ints = np.array([-3, -2, 5], dtype=np.int64)
    off = ints.copy()
    off[0] = -4
    assert _calibrated([ints], [off], [ints]).subkind == "exact"
    nan = SOURCE.copy()
    nan[0] = np.nan
    assert _calibrated([SOURCE], [nan], [EXACT]).subkind == "nan"


def test_without_a_float64_reference_it_falls_back_to_the_fixed_tolerance_and_says_why():
    converted = (EXACT - np.array([1e-3, 2e-3, -1e-3])).astype(np.float32)
    verdict = _calibrated([SOURCE], [converted], None, unavailable="the float64 run failed: RuntimeError: no kernel")
    assert verdict.passed is False and verdict.metrics["calibrated"] == 0.0
    assert "fixed tolerance only: the float64 run failed" in verdict.message
    passing = _calibrated([SOURCE], [SOURCE.copy()], None, unavailable="framework 'f' cannot")
    assert passing and "fixed tolerance only: framework 'f' cannot" in passing.message
    mismatched = _calibrated([SOURCE], [converted], [EXACT[:2]])
    assert mismatched.passed is False and "float64 run's output has shape" in mismatched.message
    # calibrate = false: the fixed tolerance, no float64 metric, nothing asked of the core
    off = _calibrated([SOURCE], [converted], [EXACT], {"calibrate": False})
    assert off.passed is False and "calibrated" not in off.metrics
    assert not Numeric().wants_float64_reference({"calibrate": False}) and Numeric().wants_float64_reference({})
