from tracker.signatures import exception_signature, mask, safe_text, signature


def test_numbers_addresses_and_paths_are_masked_identifiers_are_kept():
    sig = signature(
        "RuntimeError",
        "node n1_23 of type tensor(int64): shape (1, 3, 224) at 0x7f00ab in /tmp/x/model.onnx",
    )
    assert sig == (
        "RuntimeError: node n1_23 of type tensor(int64): shape (<n>, <n>, <n>) at <addr> in <path>"
    )


def test_the_same_bug_in_two_runs_has_one_signature():
    a = signature("Fail", "Load model from /tmp/a/1/model.onnx failed: max IR version 9, got 10")
    b = signature("Fail", "Load model from /home/u/cache/ff/model.onnx failed: max IR version 9, got 10")
    assert a == b


def test_traceback_noise_is_skipped_for_the_first_meaningful_line():
    message = 'Traceback (most recent call last):\n  File "x.py", line 3\n    ^^^^\nKeyError: foo'
    assert signature("KeyError", message) == "KeyError: KeyError: foo"


def test_node_names_are_masked_so_one_runtime_bug_has_one_signature_across_exporters():
    missing = "[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : Could not find an implementation for Where(9) node with name '{}'"
    torchscript = signature("NotImplemented", missing.format("/model/Where_3"))
    dynamo = signature("NotImplemented", missing.format("node_where"))
    assert torchscript == dynamo and torchscript.endswith("Where(<n>) node with name '<name>'")
    failed = "Non-zero status code returned while running Conv node. Name:'/conv/Conv' Status Message: bad"
    assert signature("Fail", failed) == "Fail: Non-zero status code returned while running Conv node. Name:'<name>' Status Message: bad"


def test_a_tensorflow_tracing_error_is_named_by_its_last_line():
    message = (
        "in user code:\n\n"
        '    File "/venv/lib/python3.11/site-packages/tf2onnx/convert.py", line 473, in model_fn  *\n'
        "        return model(*args, training=False)\n"
        '    File "/usr/lib/python3.11/inspect.py", line 3133, in _bind\n'
        "        raise TypeError('too many positional arguments') from None\n\n"
        "    TypeError: too many positional arguments\n"
    )
    assert signature("TypeError", message) == "TypeError: too many positional arguments"
    assert signature("ValueError", message) == "ValueError: TypeError: too many positional arguments"


def test_safe_text_handles_bytes_nul_and_size():
    assert safe_text(b"\xff\xfeok\x00") == "\ufffd\ufffdok\\0"
    huge = safe_text("a" * 3_000_000 + "THE END")
    assert len(huge) <= 8_000 and huge.endswith("THE END") and "characters omitted" in huge
    assert safe_text("\udcff lone surrogate").encode("utf-8")


def test_exception_signature_keeps_outer_type_and_innermost_message():
    try:
        try:
            raise KeyError("aten::frobnicate.default")
        except KeyError as inner:
            raise RuntimeError("Failed to convert the exported program") from inner
    except RuntimeError as outer:
        sig = exception_signature(outer)
    assert sig == "RuntimeError <- KeyError: 'aten::frobnicate.default'"


def test_signature_is_bounded():
    assert len(signature("E", "word " * 1000)) <= 240


def test_native_source_locations_and_signatures_are_dropped():
    message = (
        "[ONNXRuntimeError] : 1 : FAIL : Load model from /tmp/a/model.onnx failed:"
        "/onnxruntime_src/onnxruntime/core/graph/model.cc:179 onnxruntime::Model::Model("
        "onnx::ModelProto&&, const onnxruntime::PathString&) Unsupported model IR version: 10, "
        "max supported IR version: 9"
    )
    assert signature("Fail", message) == (
        "Fail: [ONNXRuntimeError] : <n> : FAIL : Load model from <path> failed:"
        "Unsupported model IR version: <n>, max supported IR version: <n>"
    )


def test_relative_cache_paths_are_masked_so_one_bug_has_one_signature():
    first = mask("Load model from .tracker/cache/artifacts/3e/ab12/model.onnx failed:Unsupported IR")
    second = mask("Load model from .tracker/cache/artifacts/7f/cd34/model.onnx failed:Unsupported IR")
    assert first == second == "Load model from <path> failed:Unsupported IR"
    assert mask("cannot cast int/float") == "cannot cast int/float"


def test_numpy_2_scalars_mask_as_numpy_1_numbers():
    from tracker.signatures import signature

    assert signature("KeyError", "np.int32(5)") == signature("KeyError", "5") == "KeyError: <n>"
    assert signature("ValueError", "got np.float64(0.25) and np.True_") == "ValueError: got <n> and np.True_"
