"""The outputs of a SavedModel converted by tf2onnx, put back in the model's order: on real
ONNX files, run in ONNX's reference evaluator (onnx, no TensorFlow needed)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for plugin in ("tensorflow", "tf2onnx"):  # the plugins' sources, not installed here
    sys.path.insert(0, str(ROOT / "plugins" / plugin))


def test_a_saved_models_outputs_are_put_back_in_the_models_order(tmp_path):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator
    from tracker_tf2onnx.saved_model import outputs_in_model_order

    # as tf2onnx writes a SavedModel signature's 11 outputs: sorted as strings
    names = sorted(f"output_{i}" for i in range(11))
    assert names[:3] == ["output_0", "output_1", "output_10"]
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", f"k{name}"], [name]) for name in names], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [2]) for name in names],
        [helper.make_tensor(f"k{name}", TensorProto.FLOAT, [1], [float(name.split("_")[1])]) for name in names])
    artifact = str(tmp_path / "model.onnx")
    onnx.save(helper.make_model(graph), artifact)

    assert outputs_in_model_order(artifact) is True
    outputs = ReferenceEvaluator(artifact).run(None, {"x": np.ones(2, np.float32)})
    assert [float(o[0]) for o in outputs] == [float(i) for i in range(11)]
    assert outputs_in_model_order(artifact) is False  # in order now: left as it is
    onnx.checker.check_model(onnx.load(artifact), full_check=True)


def test_outputs_not_named_by_a_signature_are_left_alone(tmp_path):
    import onnx
    from onnx import TensorProto, helper
    from tracker_tf2onnx.saved_model import outputs_in_model_order

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], [n]) for n in ("b", "a")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2]) for n in ("b", "a")])
    artifact = str(tmp_path / "model.onnx")
    onnx.save(helper.make_model(graph), artifact)
    assert outputs_in_model_order(artifact) is False
    assert [o.name for o in onnx.load(artifact).graph.output] == ["b", "a"]
