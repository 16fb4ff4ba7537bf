"""``onnx-files``: the framework of the folder's cases. Building a case loads its file into
ONNX's reference evaluator (the oracles plugin's ``onnx-reference`` runtime: inputs checked
against the declared types and fixed dimensions, outputs cast to the declared types), and
its run is the reference every ONNX Runtime release is judged against.

The references are keyed by the installed ``onnx`` (:attr:`OnnxFiles.packages`): pairs that
differ only in their onnxruntime compute them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker.plugin import Framework, ModelCase
from tracker_oracles.reference_runtime import OnnxReference

from tracker_onnx_files import folder, graph


class ModelFileError(Exception):
    """A model file that cannot be a case as it is; the message says which and what to do."""


def model_path(case: ModelCase) -> Path:
    """The file of ``case`` in the configured folder; a :class:`ModelFileError` if the case
    registered a problem with it or it is gone."""
    problem = case.params.get("problem")
    if problem:
        raise ModelFileError(problem)
    try:
        path = folder.configured_directory() / case.params["file"]
    except folder.FolderError as error:
        raise ModelFileError(str(error)) from None
    if not path.is_file():
        raise ModelFileError(f"case {case.id}: its file {path} is gone: put it back, or run again without the case")
    return path


def reference_session(path: Path) -> Any:
    """The reference evaluator of the model at ``path`` (with its external data, from beside it)."""
    return OnnxReference().load(path, {})


class OnnxFiles(Framework):
    name = "onnx-files"
    description = "the .onnx files of TRACKER_ONNX_DIR, referenced by onnx.reference.ReferenceEvaluator"
    requires = ("onnx",)
    packages = ("onnx",)
    preload = ("onnx", "onnx.reference")

    def unavailable_reason(self) -> str | None:
        """No folder configured, or no model file in it (then it has no case to run), or no onnx."""
        try:
            directory = folder.configured_directory()
        except folder.FolderError as error:
            return str(error)
        if not folder.model_files(directory):
            return f"{folder.DIRECTORY_VARIABLE}={directory} holds no *{folder.MODEL_SUFFIX} file"
        return super().unavailable_reason()

    def build_impl(self, case: ModelCase) -> Any:
        return case, reference_session(model_path(case))

    def run_impl(self, model: Any, inputs: list[Any]) -> Sequence[Any]:
        case, session = model
        names = [spec.name for spec in case.inputs]
        return OnnxReference().run(session, dict(zip(names, inputs, strict=True)))

    def parameter_bytes(self, model: Any) -> int | None:
        case, _ = model
        path = model_path(case)
        return sum(p.stat().st_size for p in [path, *graph.external_data_files(path)])
