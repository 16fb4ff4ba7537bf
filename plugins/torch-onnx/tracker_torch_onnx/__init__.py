"""torch.onnx as a converter, in its two exporters.

Options (a pipeline variant's ``options`` table in ``envs/``):

- ``dynamo`` (bool, default true): ``true`` uses the ``torch.export``-based exporter,
  whose translation to ONNX lives in the separately released ``onnxscript`` package;
  ``false`` the TorchScript-based exporter.
- ``opset`` (int): the ONNX opset asked for (``opset_version``).
- ``optimize`` (bool): the dynamo exporter's graph optimisation (default: torch's).
- any other key is passed to ``torch.onnx.export`` as is.

The graph inputs are named after the case's inputs (``input_names``).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from tracker.plugin import ConversionRequest, Converter, hookimpl
from tracker.signatures import exception_chain

_UNSUPPORTED_TYPES = {"UnsupportedOperatorError", "DispatchError", "OnnxExporterError"}
_UNSUPPORTED_TEXT = (
    "unsupported", "not supported", "no onnx function found", "no decomposition",
    "is not implemented", "does not support",
)


class TorchOnnx(Converter):
    name = "torch.onnx"
    description = "torch.onnx.export (dynamo=True: torch.export + onnxscript; dynamo=False: TorchScript)"
    frameworks = ("pytorch",)
    output_format = "onnx"
    requires = ("torch",)
    packages = ("torch", "onnxscript", "onnx", "onnx-ir")
    preload = ("torch.onnx", "onnxscript", "onnx")

    def convert_impl(self, request: ConversionRequest) -> Path:
        import torch

        options = dict(request.options)
        dynamo = bool(options.pop("dynamo", True))
        opset = options.pop("opset", None)
        path = request.output_dir / "model.onnx"
        args = tuple(torch.from_numpy(array.copy()) for array in request.sample_inputs)
        names = [spec.name for spec in request.case.inputs]
        kwargs: dict[str, Any] = {"dynamo": dynamo, "input_names": names, **options}
        if opset is not None:
            kwargs["opset_version"] = int(opset)
        torch.onnx.export(request.model, args, str(path), **kwargs)
        return path

    def repro_code(self, options: Any) -> str:
        options = dict(options)
        kwargs = {"dynamo": bool(options.pop("dynamo", True))}
        if options.get("opset") is not None:
            kwargs["opset_version"] = int(options.pop("opset"))
        kwargs.update(options)
        arguments = "".join(f", {key}={value!r}" for key, value in kwargs.items())
        return f"""artifact = "model.onnx"
torch.onnx.export(model, tuple(torch.from_numpy(a.copy()) for a in inputs.values()), artifact,
                  input_names=list(inputs){arguments})
"""

    def classify_error(self, exc: BaseException) -> str | None:
        for link in exception_chain(exc):
            text = str(link).lower()
            if type(link).__name__ == "UnsupportedOperatorError":
                return "unsupported"
            if type(link).__name__ in _UNSUPPORTED_TYPES and any(t in text for t in _UNSUPPORTED_TEXT):
                return "unsupported"
            if any(t in text for t in _UNSUPPORTED_TEXT[:3]):
                return "unsupported"
        return None

    def warmup(self, options: Any) -> None:
        """The first dynamo export in a process pays ~5 s of one-time set-up: pay it once."""
        if not options.get("dynamo", True):
            return
        import torch

        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()).eval()
        opset = options.get("opset")
        kwargs = {"opset_version": int(opset)} if opset is not None else {}
        with contextlib.redirect_stdout(io.StringIO()):
            torch.onnx.export(model, (torch.zeros(2, 4),), dynamo=True, **kwargs)


@hookimpl
def register_converters(register):
    register(TorchOnnx())
