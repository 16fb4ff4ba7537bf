"""``onnx-reference``: ONNX's own reference evaluator (``onnx.reference.ReferenceEvaluator``)
as a second runtime, to tell whose fault a failure is.

It implements the ONNX specification in NumPy, slowly and independently of ONNX Runtime.
A pipeline names it as its ``second-runtime`` (``envs/``): a case that fails in the runtime
under test is run again here, and judged again. Two things the evaluator leaves unchecked
are checked here, as the specification has them: inputs must have the element type and
the fixed dimensions the graph declares (a model exported with a fixed batch size does
not take another), and outputs are cast to the element types the graph declares (so a
NumPy type promotion inside the evaluator is not taken for the converter's error).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import Runtime


class OnnxReference(Runtime):
    name = "onnx-reference"
    description = "onnx.reference.ReferenceEvaluator (the ONNX specification in NumPy)"
    formats = ("onnx",)
    requires = ("onnx",)
    packages = ("onnx",)
    preload = ("onnx.reference",)

    def load_impl(self, artifact: Path, options: Mapping[str, Any]) -> Any:
        import onnx
        from onnx.reference import ReferenceEvaluator

        model = onnx.load(str(artifact))  # with its external data, from beside it
        outputs = [_declared(value) for value in model.graph.output]
        initializers = {tensor.name for tensor in model.graph.initializer}
        inputs = {value.name: _declared(value) for value in model.graph.input if value.name not in initializers}
        return ReferenceEvaluator(model), [dtype for dtype, _ in outputs], inputs

    def run_impl(self, session: Any, inputs: dict[str, Any]) -> list[Any]:
        import numpy as np

        evaluator, declared, expected_inputs = session
        feeds = self.feeds(list(evaluator.input_names), inputs)
        for name, value in feeds.items():
            dtype, shape = expected_inputs.get(name, (None, None))
            if dtype is not None and np.asarray(value).dtype != dtype:
                raise TypeError(f"input {name!r} has element type {np.asarray(value).dtype}; the model declares {dtype}")
            if shape is not None and (len(shape) != np.ndim(value) or any(
                    want is not None and want != got for want, got in zip(shape, np.shape(value)))):
                raise ValueError(f"input {name!r} has shape {np.shape(value)}; the model declares "
                                 f"{tuple('?' if d is None else d for d in shape)}")
        outputs = evaluator.run(None, feeds)
        return [np.asarray(value, dtype=dtype) if dtype is not None else np.asarray(value)
                for value, dtype in zip(outputs, declared + [None] * (len(outputs) - len(declared)))]

    def repro_code(self, options: Mapping[str, Any]) -> str:
        return """from onnx.reference import ReferenceEvaluator

evaluator = ReferenceEvaluator(artifact)
declared = list(evaluator.input_names)
feeds = ({name: inputs[name] for name in declared} if all(name in inputs for name in declared)
         else dict(zip(declared, inputs.values())))
outputs = evaluator.run(None, feeds)
"""


def _declared(value: Any) -> tuple[Any, tuple[int | None, ...] | None]:
    """The NumPy element type and the shape (``None`` for a symbolic dimension) of a graph
    input or output; ``(None, None)`` for what is not a tensor or not declared."""
    import onnx

    if not value.type.HasField("tensor_type"):
        return None, None
    tensor = value.type.tensor_type
    dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type) if tensor.elem_type else None
    if not tensor.HasField("shape"):
        return dtype, None
    return dtype, tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)
