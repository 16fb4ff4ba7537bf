"""torch.onnx as a converter, in its two exporters.

Options (a pipeline variant's ``options`` table in ``envs/``):

- ``dynamo`` (bool, default true): ``true`` uses the ``torch.export``-based exporter,
  whose translation to ONNX lives in the separately released ``onnxscript`` package;
  ``false`` the TorchScript-based exporter.
- ``opset`` (int): the ONNX opset asked for (``opset_version``).
- ``optimize`` (bool): the dynamo exporter's graph optimisation (default: torch's).
- ``dynamic`` (bool, default false): export the case's dynamic dimensions
  (``InputSpec.dynamic``) as dynamic: ``dynamic_axes`` for the TorchScript exporter,
  ``dynamic_shapes`` with ``torch.export.Dim.DYNAMIC`` for the dynamo exporter. The
  ``dynamic-shapes`` oracle then runs the artifact at other sizes.
- any other key is passed to ``torch.onnx.export`` as is.

The graph inputs are named after the case's inputs (``input_names``). A failure's stage
(``failure_stage``) is read from the frames of its traceback: torch.export / tracing is
``loading``, the translation of an operator ``conversion``, onnxscript's optimizer or
the TorchScript graph passes ``optimization``, serialization ``export``, and the
exporter's own check of its model ``validation``.
"""

from __future__ import annotations

import contextlib
import io
import keyword
from pathlib import Path
from typing import Any

from tracker.plugin import ConversionRequest, Converter, exception_chain, hookimpl

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
        dynamic = bool(options.pop("dynamic", False))
        path = request.output_dir / "model.onnx"
        args = tuple(torch.from_numpy(array.copy()) for array in request.sample_inputs)
        names = [spec.name for spec in request.case.inputs]
        kwargs: dict[str, Any] = {"dynamo": dynamo, "input_names": names, **options}
        if opset is not None:
            kwargs["opset_version"] = int(opset)
        if dynamic:
            kwargs |= _dynamic_arguments(request.case, dynamo)
        torch.onnx.export(request.model, args, str(path), **kwargs)
        return path

    def failure_stage(self, exc: BaseException) -> str | None:
        return failure_stage(exc)

    def repro_code(self, options: Any) -> str:
        options = dict(options)
        if options.pop("dynamic", False):
            raise NotImplementedError("repro scripts of dynamic exports are not written yet")
        kwargs = {"dynamo": bool(options.pop("dynamo", True))}
        if options.get("opset") is not None:
            kwargs["opset_version"] = int(options.pop("opset"))
        kwargs.update(options)
        # keys become keyword arguments: identifiers only, never text pasted into code
        unusable = [key for key in kwargs if not str(key).isidentifier() or keyword.iskeyword(key)]
        if unusable:
            raise ValueError(f"torch.onnx option keys {unusable!r} are not Python identifiers")
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


def _dynamic_arguments(case: Any, dynamo: bool) -> dict[str, Any]:
    """The exporter's arguments that make the case's declared dimensions dynamic."""
    axes = case.dynamic_axes()
    if not dynamo:
        return {"dynamic_axes": {name: dict(dims) for name, dims in axes.items()}}
    import torch

    shapes = tuple({axis: torch.export.Dim.DYNAMIC for axis in axes.get(spec.name, {})} or None
                   for spec in case.inputs)
    return {"dynamic_shapes": shapes}


# Where in torch.onnx a failure happened, by the modules of its traceback's frames
# (innermost first): the stages of the published failure analysis.
_STAGE_MODULES = (
    ("validation", ("onnx.checker", "torch.onnx._internal.exporter._verification", "_check_onnx_proto")),
    ("export", ("onnx_ir.serde", "onnx_ir._io", "onnx.external_data_helper", "_serialization",
                "torch.onnx._internal.exporter._onnx_program")),
    ("optimization", ("onnxscript.optimizer", "onnxscript.rewriter", "onnx_ir.passes",
                      "torch.onnx._internal.exporter._optimize", "torch.onnx.utils._model_to_graph",
                      "torch.onnx._internal.jit_utils", "_jit_pass")),
    ("conversion", ("torch.onnx._internal.exporter._core._handle_call_function_node",
                    "torch.onnx._internal.exporter._registration", "torch.onnx._internal.exporter._building",
                    "torch.onnx.symbolic_", "onnxscript.function_libs", "torch.onnx._internal.fx",
                    "torch.onnx.utils._run_symbolic_function")),
    ("loading", ("torch.export", "torch._dynamo", "torch._export", "torch.fx.experimental",
                 "torch.jit._trace", "torch._functorch", "torch.onnx._internal.exporter._capture_strategies")),
)
_STAGE_TEXT = (
    ("conversion", ("unsupportedoperatorerror", "no onnx function found", "is not supported",
                    "unsupported onnx opset", "dispatcherror")),
    ("loading", ("failed to export the model with torch.export", "torch.export", "guardondatadependent",
                 "data-dependent")),
    ("validation", ("onnx checker", "validationerror")),
    ("export", ("protobuf", "2gb", "serializ")),
)


def failure_stage(exc: BaseException) -> str | None:
    """The stage of a torch.onnx failure: from the innermost frame of a known module in
    the root cause's traceback (then its wrappers'), else from words of the messages,
    else ``None``."""
    import traceback

    for link in reversed(exception_chain(exc)):  # the root cause first
        frames = traceback.extract_tb(link.__traceback__)
        for frame in reversed(frames):
            module = frame.filename.removesuffix(".py").replace("/", ".").replace("\\", ".")
            location = f"{module}.{frame.name}"
            for stage, modules in _STAGE_MODULES:
                if any(module in location for module in modules):
                    return stage
    text = " ".join(f"{type(link).__name__} {link}".lower() for link in exception_chain(exc))
    for stage, words in _STAGE_TEXT:
        if any(word in text for word in words):
            return stage
    return None


@hookimpl
def register_converters(register):
    register(TorchOnnx())
