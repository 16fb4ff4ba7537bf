"""tf2onnx as a converter, through its three entry points.

Options (a pipeline variant's ``options`` table in ``envs/``):

- ``entry``: ``"keras"`` calls ``tf2onnx.convert.from_keras`` (Keras models only: the
  plain ``tf.Module`` cases, tagged ``tf-module``, are refused by design, not failed);
  ``"function"`` (the default) wraps the model in a ``tf.function`` with an input
  signature from the case's inputs and calls ``tf2onnx.convert.from_function``;
  ``"saved_model"`` saves the model as a SavedModel (Keras 3: ``model.export``; Keras 2
  and tf.Module: ``tf.saved_model.save``) and runs tf2onnx's command line
  (``python -m tf2onnx.convert --saved-model DIR --output FILE --opset N``) in the
  case's own process: ``tf2onnx.convert.main()`` with that argv, so its parsing, defaults
  and code are the command's, without importing TensorFlow again per case. A failure
  is the exception it raised; ``tracker repro`` scripts run the command itself.
- ``opset`` (int): the ONNX opset asked for (default: tf2onnx's own, 15 in 1.15-1.17).
- ``dynamic`` (bool, default false): the case's dynamic dimensions are ``None`` in the
  input signature, so they are dynamic in the ONNX graph.

Every entry point is given the same input signature: one ``tf.TensorSpec`` per case
input, named after it, so the graph's inputs carry the case's input names. The model is
called as the reference was (:mod:`tracker_tensorflow.calls`).

tf2onnx logs, rather than raises, the operations it cannot convert and (in its Python
API) the nodes whose conversion raised; those become :class:`UnsupportedOpsError` and
:class:`NodeConversionError` (see :mod:`tracker_tf2onnx.diagnosis`).
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.plugin import ConfigError, ConversionRequest, Converter, ModelCase, exception_chain, hookimpl
from tracker_tensorflow import TF_MODULE_TAG  # a declared dependency; imports no TensorFlow
from tracker_tf2onnx import diagnosis, saved_model
from tracker_tf2onnx.diagnosis import ConverterCommandError, NodeConversionError, UnsupportedOpsError

ENTRIES = ("keras", "function", "saved_model")
OPTIONS = ("entry", "opset", "dynamic")
_UNSUPPORTED_TEXT = ("is not supported", "not supported", "unsupported", "not implemented", "no conversion for")

__all__ = ["ConverterCommandError", "NodeConversionError", "Tf2onnx", "UnsupportedOpsError"]


def _options(options: Mapping[str, Any]) -> tuple[str, int | None, bool]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"unknown tf2onnx option(s) {', '.join(unknown)}",
                          hint=f"the tf2onnx converter takes {', '.join(OPTIONS)}")
    entry = options.get("entry", "function")
    if entry not in ENTRIES:
        raise ConfigError(f"tf2onnx option entry = {entry!r} is not one of {', '.join(ENTRIES)}")
    opset = options.get("opset")
    return entry, None if opset is None else int(opset), bool(options.get("dynamic", False))


class Tf2onnx(Converter):
    name = "tf2onnx"
    description = "tf2onnx: from_keras, from_function, or the SavedModel command line"
    frameworks = ("tensorflow",)
    output_format = "onnx"

    def alters_framework(self, options: Mapping[str, Any]) -> bool:
        """The SavedModel entry runs tf2onnx's command line main() in the case's process, a
        function not written to share its process: as a precaution, the case makes its
        TensorFlow outputs first (docs/tensorflow.md)."""
        return options.get("entry", "function") == "saved_model"
    requires = ("tf2onnx", "tensorflow", "tracker_tensorflow")
    # this plugin's own version too: its artifacts change when it does (bump it then)
    packages = ("tf2onnx", "onnx", "tracker-tf2onnx")
    preload = ("tf2onnx",)

    def accepts(self, case: ModelCase, options: Mapping[str, Any]) -> str | None:
        entry, _, _ = _options(options)
        if entry == "keras" and TF_MODULE_TAG in case.tags:
            return "from_keras takes Keras models; this case is a plain tf.Module"
        return None

    def convert_impl(self, request: ConversionRequest) -> Path:
        from tracker_tensorflow.calls import as_function, configure_threads, input_signature

        entry, opset, dynamic = _options(request.options)
        configure_threads()
        signature = input_signature(request.case.inputs, dynamic=dynamic)
        path = request.output_dir / "model.onnx"
        if entry == "saved_model":
            return self._from_saved_model(request.model, signature, path, opset)
        import tf2onnx

        with diagnosis.collecting_errors() as errors:
            if entry == "keras":
                tf2onnx.convert.from_keras(request.model, input_signature=signature, opset=opset,
                                           output_path=str(path))
            else:
                function = as_function(request.model, signature)
                tf2onnx.convert.from_function(function, input_signature=signature, opset=opset,
                                              output_path=str(path))
        diagnosis.raise_for_logged_errors(errors)
        return path

    def _from_saved_model(self, model: Any, signature: list[Any], path: Path, opset: int | None) -> Path:
        with tempfile.TemporaryDirectory(prefix="tracker-saved-model-") as directory:
            saved_model.save_saved_model(model, signature, directory)
            with diagnosis.collecting_errors() as errors:
                saved_model.run_main(saved_model.arguments(Path(directory), path, opset))
        diagnosis.raise_for_logged_errors(errors)
        if not path.is_file():
            raise ConverterCommandError("tf2onnx.convert's command line returned but wrote no model",
                                        "arguments: " + " ".join(saved_model.arguments(Path(directory), path, opset)))
        saved_model.outputs_in_model_order(str(path))
        return path

    def classify_error(self, exc: BaseException) -> str | None:
        for link in exception_chain(exc):
            if isinstance(link, UnsupportedOpsError):
                return "unsupported"
            text = (link.summary if isinstance(link, ConverterCommandError) else str(link)).lower()
            if any(marker in text for marker in _UNSUPPORTED_TEXT):
                return "unsupported"
        return None

    def failure_stage(self, exc: BaseException) -> str | None:
        return diagnosis.stage_of(exc)

    def repro_code(self, options: Mapping[str, Any]) -> str:
        entry, opset, dynamic = _options(options)
        if dynamic:
            raise NotImplementedError("repro scripts of dynamic exports are not written yet: the script "
                                      "would need the case's dynamic dimensions")
        lines = [
            "import tf2onnx",
            "",
            "# one TensorSpec per input, named after it, of the inputs' shapes",
            "signature = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=name) for name, a in inputs.items()]",
            'artifact = "model.onnx"',
        ]
        if entry == "keras":
            lines.append(f"tf2onnx.convert.from_keras(model, input_signature=signature, opset={opset!r}, "
                         "output_path=artifact)")
        elif entry == "function":
            lines += ["function = tf.function(lambda *tensors: call_model(model, tensors), input_signature=signature)",
                      f"tf2onnx.convert.from_function(function, input_signature=signature, opset={opset!r}, "
                      "output_path=artifact)"]
        else:
            argv = saved_model.command(Path("SAVED"), Path("model.onnx"), opset)[1:]
            argv = ["sys.executable", *(repr(a) for a in argv)]
            lines = [
                "import subprocess",
                "import sys",
                "import tempfile",
                "",
                inspect.getsource(saved_model.save_saved_model),
                *lines,
                'saved = tempfile.mkdtemp(prefix="saved-model-")',
                "save_saved_model(model, signature, saved)",
                "subprocess.run([" + ", ".join(argv).replace("'SAVED'", "saved") + "], check=True)",
                "",
                "import re",
                "",
                "_SIGNATURE_OUTPUT = re.compile(r\"output_(\\d+)\")",
                "",
                inspect.getsource(saved_model.outputs_in_model_order),
                "outputs_in_model_order(artifact)",
            ]
        lines.append("# tf2onnx logs the TensorFlow ops it cannot convert (and leaves them in the graph) above")
        return "\n".join(lines) + "\n"


@hookimpl
def register_converters(register):
    register(Tf2onnx())
