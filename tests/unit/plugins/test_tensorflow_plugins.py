"""The TensorFlow framework and tf2onnx converter plugins, without TensorFlow: the model
set (ids, sets, hashes, tags, inputs), the converter's options and refusals, what it makes
of tf2onnx's logs and tracebacks (unsupported operations, failed nodes, failure stages),
and the repro code it writes."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
for plugin in ("tensorflow", "tf2onnx"):  # the plugins' sources, not installed here
    sys.path.insert(0, str(ROOT / "plugins" / plugin))

from tracker_tensorflow import TF_MODULE_TAG, catalog  # noqa: E402
from tracker_tf2onnx import ConverterCommandError, Tf2onnx, diagnosis  # noqa: E402

from tracker.errors import ConfigError  # noqa: E402

CASES = catalog.CASES
CONVERTER = Tf2onnx()


# -- the model set -----------------------------------------------------------------------


def test_ids_are_unique_and_every_case_hashes_without_tensorflow():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len({case.content_hash for case in CASES}) == len(CASES)  # reads every builder's source
    assert "tensorflow" not in sys.modules


def test_the_sets_hold_what_the_model_set_issue_asks_for():
    real = [case for case in CASES if case.kind == "real"]
    assert len(real) >= 15
    smoke = {case.id for case in CASES if "smoke" in case.sets}
    assert 3 <= len(smoke) <= 6
    for case in CASES:
        assert "full" in case.sets, case.id
        assert case.framework == "tensorflow"


def test_image_classifiers_are_tagged_and_take_nhwc_images():
    classifiers = [case for case in CASES if "classifier" in case.tags]
    assert len(classifiers) >= 10
    for case in classifiers:
        (image,) = case.inputs
        assert (image.kind, image.layout, image.shape[-1]) == ("image", "NHWC", 3), case.id
        assert dict(image.dynamic) == {0: "batch"}, case.id


def test_text_inputs_are_ids_inside_the_vocabulary_with_a_mask_and_dynamic_dims():
    for case in CASES:
        kinds = [spec.kind for spec in case.inputs]
        if "tokens" not in kinds:
            continue
        ids, mask = case.inputs
        assert (ids.kind, mask.kind, ids.dtype, mask.dtype) == ("tokens", "mask", "int32", "int32")
        assert ids.high <= case.params["vocab_size"], case.id
        assert dict(ids.dynamic) == dict(mask.dynamic) == {0: "batch", 1: "sequence"}


def test_only_the_tf_module_builders_are_tagged_tf_module():
    """from_keras refuses the tagged cases: the tag must say exactly which build tf.Modules
    (read from the builder's source: its class derives from tf.Module)."""
    for case in CASES:
        module_source = "(tf.Module):" in case.source_text()
        assert (TF_MODULE_TAG in case.tags) == module_source, case.id


# -- the converter's options and refusals ------------------------------------------------


def _case(case_id: str):
    return next(case for case in CASES if case.id == case_id)


def test_from_keras_refuses_plain_tf_modules_by_design_and_the_others_take_them():
    module = _case("tf-module-mlp")
    assert "from_keras takes Keras models" in CONVERTER.accepts(module, {"entry": "keras"})
    assert CONVERTER.accepts(module, {"entry": "function"}) is None
    assert CONVERTER.accepts(module, {"entry": "saved_model", "opset": 15}) is None
    assert CONVERTER.accepts(_case("tf-mobilenet-v2"), {"entry": "keras", "opset": 15, "dynamic": True}) is None


@pytest.mark.parametrize("options", [{"entry": "tflite"}, {"entry": "keras", "inputs_as_nchw": "x"}])
def test_a_bad_option_is_a_config_error_naming_what_is_valid(options):
    with pytest.raises(ConfigError, match="entry|keras, function, saved_model|opset, dynamic"):
        CONVERTER.accepts(_case("tf-lstm"), options)


# -- what tf2onnx logs instead of raising --------------------------------------------------

UNSUPPORTED_LOG = """\
2026-12-01 19:40:02,101 - ERROR - Tensorflow op [model/operation/TensorScatterAdd: TensorScatterAdd] is not supported
2026-12-01 19:40:02,102 - ERROR - Tensorflow op [model/conv/PartitionedCall: PartitionedCall] is not supported
2026-12-01 19:40:02,102 - ERROR - Tensorflow op [model/conv_1/PartitionedCall: PartitionedCall] is not supported
2026-12-01 19:40:02,110 - ERROR - Unsupported ops: Counter({'PartitionedCall': 2, 'TensorScatterAdd': 1})
"""


def test_unsupported_ops_in_the_log_become_an_error_whose_first_line_names_only_the_ops():
    with pytest.raises(diagnosis.UnsupportedOpsError) as raised:
        diagnosis.raise_for_unsupported(UNSUPPORTED_LOG)
    error = raised.value
    assert error.ops == collections.Counter({"PartitionedCall": 2, "TensorScatterAdd": 1})
    first, _, rest = str(error).partition("\n")
    assert first == "tf2onnx has no conversion for the TensorFlow ops PartitionedCall, TensorScatterAdd"
    assert "model/operation/TensorScatterAdd" in rest
    assert CONVERTER.classify_error(error) == "unsupported"
    assert CONVERTER.failure_stage(error) == "conversion"


def test_the_summary_line_alone_is_enough_and_a_clean_log_raises_nothing():
    with pytest.raises(diagnosis.UnsupportedOpsError, match="ops Erfc$"):
        diagnosis.raise_for_unsupported("ERROR:tf2onnx.tfonnx:Unsupported ops: Counter({'Erfc': 18})")
    diagnosis.raise_for_unsupported("INFO - Using opset <onnx, 15>\nINFO - Optimizing ONNX model\n")


def test_a_node_whose_conversion_raised_is_raised_with_its_exception_as_the_cause():
    import logging

    with diagnosis.collecting_errors() as errors:
        try:
            raise ValueError("make_sure failure: axis must be constant")
        except ValueError:
            logging.getLogger("tf2onnx.tfonnx").error("Failed to convert node %r (fct=%r)\n%r",
                                                      "model/Cumsum", "<function>", "", exc_info=True)
    with pytest.raises(diagnosis.NodeConversionError, match="model/Cumsum") as raised:
        diagnosis.raise_for_logged_errors(errors)
    assert isinstance(raised.value.__cause__, ValueError)
    assert logging.getLogger("tf2onnx").handlers == []  # the collector is gone


# -- failure stages, from tracebacks ------------------------------------------------------

SITE = "/env/lib/python3.11/site-packages"


def _traceback(*frames: tuple[str, str], error: str = "ValueError: boom") -> str:
    lines = ["Traceback (most recent call last):"]
    lines += [f'  File "{SITE}/{path}", line 10, in {function}\n    code()' for path, function in frames]
    return "\n".join([*lines, error])


@pytest.mark.parametrize(("frames", "stage"), [
    ([("tf2onnx/convert.py", "_convert_common"), ("tf2onnx/tfonnx.py", "process_tf_graph"),
      ("tf2onnx/tfonnx.py", "tensorflow_onnx_mapping"), ("tf2onnx/onnx_opset/math.py", "version_13"),
      ("tf2onnx/graph.py", "make_node")], "conversion"),
    ([("tf2onnx/convert.py", "from_keras"), ("tf2onnx/tf_loader.py", "from_trackable"),
      ("tensorflow/python/framework/convert_to_constants.py", "convert")], "loading"),
    ([("tf2onnx/convert.py", "_convert_common"), ("tf2onnx/tfonnx.py", "process_tf_graph"),
      ("tf2onnx/tfonnx.py", "graphs_from_tf"), ("tf2onnx/tf_utils.py", "tflist_to_onnx")], "loading"),
    ([("tf2onnx/convert.py", "_convert_common"), ("tf2onnx/optimizer/__init__.py", "optimize_graph"),
      ("tf2onnx/optimizer/transpose_optimizer.py", "_add_handler"), ("tf2onnx/graph.py", "get_node_by_output")],
     "optimization"),
    ([("tf2onnx/convert.py", "_convert_common"), ("tf2onnx/graph.py", "make_model"),
      ("onnx/helper.py", "make_model")], "export"),
    ([("tracker_tf2onnx/saved_model.py", "save_saved_model"), ("keras/src/export/saved_model.py", "write_out")],
     "loading"),
    ([("tracker_tf2onnx/__init__.py", "convert_impl")], None),
])
def test_the_stage_is_the_innermost_tf2onnx_module_that_names_one(frames, stage):
    text = _traceback(*frames)
    assert diagnosis.stage_of_text(text) == stage
    error = diagnosis.command_error(text, 1)
    assert error.summary == "ValueError: boom"
    assert CONVERTER.failure_stage(error) == stage


def test_the_stage_of_an_in_process_exception_is_read_from_its_root_cause():
    namespace: dict = {}
    exec(compile("def version_13(): raise ValueError('bad axis')", f"{SITE}/tf2onnx/onnx_opset/math.py", "exec"),
         namespace)
    try:
        try:
            namespace["version_13"]()
        except ValueError as cause:
            raise diagnosis.NodeConversionError("tf2onnx failed to convert node n") from cause
    except diagnosis.NodeConversionError as error:
        assert CONVERTER.failure_stage(error) == "conversion"


def test_a_failed_command_without_a_traceback_says_its_exit_code():
    error = diagnosis.command_error("", 3)
    assert error.summary == "python -m tf2onnx.convert exited with code 3 and wrote nothing on stderr"
    assert CONVERTER.classify_error(diagnosis.command_error(
        _traceback(error="ValueError: Opset 19 is not supported yet. Please use a lower opset"), 1)) == "unsupported"


# -- repro code ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["keras", "function", "saved_model"])
def test_the_repro_code_of_each_entry_point_compiles_and_writes_model_onnx(entry):
    code = CONVERTER.repro_code({"entry": entry, "opset": 15})
    compile(code, "repro.py", "exec")
    assert 'artifact = "model.onnx"' in code
    assert {"keras": "from_keras(", "function": "from_function(", "saved_model": "'tf2onnx.convert'"}[entry] in code
    assert "opset=15" in code or "'--opset', '15'" in code


# -- the command line, in the case's process -------------------------------------------------


def _fake_tf2onnx(monkeypatch, main):
    """A stand-in ``tf2onnx.convert`` whose ``main`` is ``main`` (no TensorFlow here)."""
    import types

    package, convert = types.ModuleType("tf2onnx"), types.ModuleType("tf2onnx.convert")
    convert.main = main
    package.convert = convert
    monkeypatch.setitem(sys.modules, "tf2onnx", package)
    monkeypatch.setitem(sys.modules, "tf2onnx.convert", convert)


def test_the_command_line_runs_in_process_with_its_argv_and_leaves_the_process_as_it_was(monkeypatch):
    import logging

    from tracker_tf2onnx import saved_model

    seen = []

    def main():
        seen.append(list(sys.argv))
        logging.basicConfig(level=logging.INFO, force=False)
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger().setLevel(logging.DEBUG)
        logging.getLogger("tensorflow").setLevel(logging.DEBUG)

    _fake_tf2onnx(monkeypatch, main)
    root = logging.getLogger()
    before = (list(sys.argv), root.level, list(root.handlers), logging.getLogger("tensorflow").level)
    argv = saved_model.arguments(Path("/saved"), Path("/out/model.onnx"), 15)
    saved_model.run_main(argv)
    assert seen == [["tf2onnx.convert", "--saved-model", "/saved", "--output", "/out/model.onnx",
                     "--signature_def", "serving_default", "--opset", "15"]]
    assert (list(sys.argv), root.level, list(root.handlers), logging.getLogger("tensorflow").level) == before
    assert saved_model.command(Path("/saved"), Path("/out/model.onnx"), None)[1:] == [
        "-X", "faulthandler", "-m", "tf2onnx.convert", *saved_model.arguments(Path("/saved"), Path("/out/model.onnx"), None)]


def test_a_usage_error_of_the_command_line_is_a_conversion_error_not_the_end_of_the_case(monkeypatch):
    from tracker_tf2onnx import saved_model

    _fake_tf2onnx(monkeypatch, lambda: sys.exit(2))
    with pytest.raises(ConverterCommandError, match="tf2onnx.convert exited with code 2"):
        saved_model.run_main(["--saved-model", "/nowhere"])
    _fake_tf2onnx(monkeypatch, lambda: sys.exit(0))
    saved_model.run_main(["--saved-model", "/nowhere"])  # exit code 0 is success


def test_an_error_of_the_command_line_is_raised_as_it_was_raised(monkeypatch):
    from tracker_tf2onnx import saved_model

    def main():
        raise ValueError("Input 0 of node x was passed float from y:0 incompatible with expected int32")

    _fake_tf2onnx(monkeypatch, main)
    with pytest.raises(ValueError, match="incompatible with expected int32"):
        saved_model.run_main([])
    assert sys.argv[0] != "tf2onnx.convert"



def test_tensorflow_says_why_it_runs_no_float64_reference():
    from tracker_tensorflow import TensorFlow

    with pytest.raises(NotImplementedError, match="runs no float64 reference: a float64 Keras model"):
        TensorFlow().run_float64(None, [])
    assert "tensorflow" not in sys.modules
