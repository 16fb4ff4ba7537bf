"""ONNX Runtime, CPU execution provider.

Runtime options (a pipeline's ``runtime-options`` table in ``envs/``):

- ``providers`` (list, default ``["CPUExecutionProvider"]``)
- ``graph_optimization_level``: ``disable`` | ``basic`` | ``extended`` | ``all`` (default)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import Runtime, hookimpl

_LEVELS = {
    "disable": "ORT_DISABLE_ALL",
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "all": "ORT_ENABLE_ALL",
}


class OnnxRuntime(Runtime):
    name = "onnxruntime"
    description = "ONNX Runtime InferenceSession"
    formats = ("onnx",)
    requires = ("onnxruntime",)
    packages = ("onnxruntime",)
    preload = ("onnxruntime",)

    def load_impl(self, artifact: Path, options: Mapping[str, Any]) -> Any:
        import onnxruntime as ort

        session_options = ort.SessionOptions()
        session_options.intra_op_num_threads = int(os.environ.get("TRACKER_THREADS", "1"))
        session_options.inter_op_num_threads = 1
        level = options.get("graph_optimization_level", "all")
        if level not in _LEVELS:
            raise ValueError(f"graph_optimization_level {level!r}: use one of {list(_LEVELS)}")
        session_options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, _LEVELS[level])
        providers = list(options.get("providers", ["CPUExecutionProvider"]))
        return ort.InferenceSession(str(artifact), sess_options=session_options, providers=providers)

    def repro_code(self, options: Mapping[str, Any]) -> str:
        level = _LEVELS[options.get("graph_optimization_level", "all")]
        providers = list(options.get("providers", ["CPUExecutionProvider"]))
        return f"""import onnxruntime as ort

session_options = ort.SessionOptions()
session_options.graph_optimization_level = ort.GraphOptimizationLevel.{level}
session = ort.InferenceSession(artifact, sess_options=session_options, providers={providers!r})
declared = [i.name for i in session.get_inputs()]
feeds = ({{name: inputs[name] for name in declared}} if all(name in inputs for name in declared)
         else dict(zip(declared, inputs.values())))
outputs = session.run(None, feeds)
"""

    def run_impl(self, session: Any, inputs: dict[str, Any]) -> list[Any]:
        feeds = self.feeds([i.name for i in session.get_inputs()], inputs)
        return list(session.run(None, feeds))


@hookimpl
def register_runtimes(register):
    register(OnnxRuntime())
