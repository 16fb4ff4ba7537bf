"""The Core ML plugin's parts that need no coremltools: options, the interface comparison of
the coreml-spec oracle, stand-in types, failure stages, the platform check."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from tracker_coreml import converter as converter_module
from tracker_coreml.converter import CoremlTools
from tracker_coreml.features import Feature, Wanted, compare, restore
from tracker_coreml.options import CoremlOptions, OptionError
from tracker_coreml.runtime import CoreML, platform_reason

from tracker.cases import ModelCase


def _case(framework: str = "pytorch") -> ModelCase:
    return ModelCase(id="c", framework=framework, builder="m:b", definition="x")


# -- options ------------------------------------------------------------------------------


def test_the_defaults_are_coremltools_own_for_a_traced_ml_program():
    options = CoremlOptions.parse({})
    assert (options.source, options.convert_to, options.artifact_name) == ("trace", "mlprogram", "model.mlpackage")
    assert options.minimum_deployment_target is None and options.compute_precision is None
    assert not options.float16_io_allowed()  # iOS15, the ML program's default target


@pytest.mark.parametrize(("options", "says"), [
    ({"convert_to": "onnx"}, "convert_to"),
    ({"source": "script"}, "source"),
    ({"compute_precision": "int8"}, "compute_precision"),
    ({"convert_to": "neuralnetwork", "compute_precision": "float16"}, "ML programs only"),
    ({"minimum_deployment_target": "iOS14"}, "iOS15"),
    ({"minimum_deployment_target": "Android13"}, "coremltools.target"),
    ({"dynamic": True}, "dynamic"),
    ({"opset": 17}, "unknown option"),
])
def test_options_that_cannot_work_are_refused_saying_what_to_change(options, says):
    with pytest.raises(OptionError, match=says):
        CoremlOptions.parse(options)


def test_a_neural_network_may_target_ios13_and_float16_io_needs_ios16():
    assert CoremlOptions.parse({"convert_to": "neuralnetwork", "minimum_deployment_target": "iOS13"})
    assert CoremlOptions.parse({"minimum_deployment_target": "macOS13"}).float16_io_allowed()
    assert CoremlOptions.parse({"minimum_deployment_target": "iOS17"}).target_spec_version == 8


def test_the_converter_refuses_a_variant_that_cannot_work_and_keras_with_a_torch_source():
    converter = CoremlTools()
    assert "compute_precision" in converter.accepts(_case(), {"convert_to": "neuralnetwork",
                                                              "compute_precision": "float32"})
    assert "PyTorch" in converter.accepts(_case("tensorflow"), {"source": "export"})
    assert converter.accepts(_case("tensorflow"), {"convert_to": "neuralnetwork"}) is None


def test_an_export_variant_is_refused_by_a_coremltools_release_before_8(monkeypatch):
    from packaging.version import Version

    monkeypatch.setattr(converter_module, "coremltools_version", lambda: Version("7.2"))
    assert "8.0" in CoremlTools().accepts(_case(), {"source": "export"})
    assert CoremlTools().accepts(_case(), {"source": "trace"}) is None
    monkeypatch.setattr(converter_module, "coremltools_version", lambda: Version("8.3.0"))
    assert CoremlTools().accepts(_case(), {"source": "export"}) is None


# -- the interface comparison ---------------------------------------------------------------


def _array(name, dtype, shape, ranges=None):
    return Feature(name, "multiArrayType", dtype, tuple(shape), ranges)


def test_an_interface_as_the_source_declares_it_passes():
    result = compare([_array("x", "FLOAT32", (1, 3, 8, 8))], [Wanted("x", (1, 3, 8, 8), "float32")],
                     "input", check_names=True)
    assert result.problems == [] and result.stand_ins == []


def test_types_core_ml_lacks_are_stand_ins_not_failures():
    result = compare([_array("ids", "INT32", (2, 4)), _array("mask", "FLOAT32", (2, 4))],
                     [Wanted("ids", (2, 4), "int64"), Wanted("mask", (2, 4), "bool")], "input", check_names=True)
    assert result.problems == []
    assert result.stand_ins == ["input 0 (ids): int64 as INT32", "input 1 (mask): bool as FLOAT32"]


@pytest.mark.parametrize(("feature", "want", "subkind"), [
    (_array("y", "FLOAT16", (1, 10)), Wanted(None, (1, 10), "float32"), "dtype"),  # fp16 interface
    (_array("y", "INT32", (1, 10)), Wanted(None, (1, 10), "float32"), "dtype"),
    (_array("y", "FLOAT32", (10,)), Wanted(None, (1, 10), "float32"), "shape"),
    (_array("y", "FLOAT32", (1, 3), ((1, 2), (1, -1))), Wanted(None, (4, 3), "float32"), "shape"),
    (Feature("y", "imageType"), Wanted(None, (1, 3, 8, 8), "float32"), "type"),
])
def test_another_type_or_shape_than_the_sources_fails(feature, want, subkind):
    result = compare([feature], [want], "output", check_names=False)
    assert [kind for kind, _ in result.problems] == [subkind], result.problems


def test_names_count_for_inputs_and_the_number_of_features_is_compared():
    result = compare([_array("input", "FLOAT32", (2,))], [Wanted("x", (2,), "float32")], "input", check_names=True)
    assert [kind for kind, _ in result.problems] == ["name"]
    result = compare([_array("a", "FLOAT32", (2,))], [Wanted(None, (2,), "float32")] * 2, "output",
                     check_names=False)
    assert [kind for kind, _ in result.problems] == ["count"]


def test_an_undeclared_or_flexible_shape_that_fits_is_counted_not_failed():
    undeclared = compare([_array("y", "FLOAT32", ())], [Wanted(None, (3, 4), "float32")], "output", False)
    assert undeclared.problems == [] and undeclared.undeclared_shapes == 1
    flexible = compare([_array("y", "FLOAT32", (1, 4), ((1, 8), (4, -1)))], [Wanted(None, (3, 40), "float32")],
                       "output", False)
    assert flexible.problems == [] and flexible.undeclared_shapes == 0
    scalar = compare([_array("y", "FLOAT32", ())], [Wanted(None, (), "float32")], "output", False)
    assert scalar.problems == [] and scalar.undeclared_shapes == 0


def test_outputs_held_in_stand_ins_come_back_in_the_sources_dtype():
    ints = restore(np.array([1, -2], dtype=np.int32), "INT32", "int64")
    assert ints.dtype == np.int64 and ints.tolist() == [1, -2]
    flags = restore(np.array([0.0, 1.0], dtype=np.float32), "FLOAT32", "bool")
    assert flags.dtype == np.bool_ and flags.tolist() == [False, True]
    floats = np.array([0.5], dtype=np.float32)
    assert restore(floats, "FLOAT32", "float32") is floats  # not a stand-in: as it is
    assert restore(np.array([1], dtype=np.int32), "INT32", None).dtype == np.int32  # source unknown


# -- failure stages, from where the exception was raised -------------------------------------


def _raised_in(path: str) -> BaseException:
    namespace: dict = {}
    exec(compile("def fail():\n    raise NotImplementedError('op not implemented')\n", path, "exec"), namespace)
    with pytest.raises(NotImplementedError) as raised:
        namespace["fail"]()
    return raised.value


@pytest.mark.parametrize(("path", "stage"), [
    ("/env/site-packages/coremltools/converters/mil/frontend/torch/ops.py", "conversion"),
    ("/env/site-packages/coremltools/converters/mil/mil/passes/defs/optimize.py", "optimization"),
    ("/env/site-packages/coremltools/converters/mil/backend/mil/load.py", "export"),
    ("/env/site-packages/coremltools/converters/_converters_entry.py", "loading"),
    ("/env/site-packages/torch/jit/_trace.py", "loading"),
])
def test_the_failure_stage_is_where_coremltools_raised(path, stage):
    exc = _raised_in(path)
    assert CoremlTools().failure_stage(exc) == stage
    assert CoremlTools().classify_error(exc) == "unsupported"


# -- the runtime ---------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "darwin", reason="off macOS only: on a Mac Core ML can run")
def test_off_macos_the_runtime_is_not_runnable_and_says_what_to_do():
    reason = CoreML().not_runnable_reason()
    assert reason == platform_reason()
    assert "macOS" in reason and "merge" in reason and "README" in reason


def test_a_neural_network_gives_integer_outputs_as_float32_and_they_come_back_as_integers():
    from tracker_coreml.features import NEURALNETWORK_STAND_INS

    feature, want = _array("indices", "FLOAT32", ()), Wanted(None, (4, 3), "int64")
    assert [k for k, _ in compare([feature], [want], "output", False).problems] == ["dtype"]
    result = compare([feature], [want], "output", False, stand_ins=NEURALNETWORK_STAND_INS)
    assert result.problems == [] and result.stand_ins == ["output 0 (indices): int64 as FLOAT32"]
    back = restore(np.array([2.0, 7.0, -1.0], dtype=np.float32), "FLOAT32", "int64")
    assert back.dtype == np.int64 and back.tolist() == [2, 7, -1]


def test_an_error_deep_in_mil_is_staged_by_the_phase_that_called_it():
    namespace: dict = {}
    exec(compile("def check():\n    raise ValueError('expects tensor of dtype fp32')\n",
                 "/env/site-packages/coremltools/converters/mil/mil/operation.py", "exec"), namespace)
    exec(compile("def translate():\n    check()\n",
                 "/env/site-packages/coremltools/converters/mil/frontend/torch/ops.py", "exec"), namespace)
    with pytest.raises(ValueError) as raised:
        namespace["translate"]()
    assert CoremlTools().failure_stage(raised.value) == "conversion"
    assert CoremlTools().classify_error(raised.value) is None


def test_on_a_mac_the_runtime_runs_unless_coremltools_lacks_its_core_ml_binding(monkeypatch, tmp_path):
    import types

    from tracker_coreml import runtime

    package = tmp_path / "coremltools"
    package.mkdir()
    monkeypatch.setattr(runtime.sys, "platform", "darwin")
    monkeypatch.setattr(runtime.importlib.util, "find_spec",
                        lambda name: types.SimpleNamespace(submodule_search_locations=[str(package)]))
    reason = platform_reason()
    assert reason is not None and "libcoremlpython" in reason and "wheel" in reason
    (package / "libcoremlpython.so").write_bytes(b"\0")
    assert platform_reason() is None
