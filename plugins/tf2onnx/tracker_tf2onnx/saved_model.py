"""The SavedModel entry point: save the model as its users would, then run tf2onnx's
command line on the directory (``python -m tf2onnx.convert --saved-model DIR``), as the
tf2onnx README shows: its ``main()``, in this process (:func:`run_main`).

:func:`save_saved_model` is copied into ``tracker repro`` scripts with
``inspect.getsource``: it imports what it needs inside and uses nothing else here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def save_saved_model(model: Any, signature: Sequence[Any], directory: str) -> None:
    """Save ``model`` as a SavedModel whose ``serving_default`` signature takes the
    inputs of ``signature`` (``tf.TensorSpec``, named) positionally.

    A Keras 3 model is exported with ``model.export`` (Keras 3's SavedModel path, which
    also adds a ``serve`` endpoint); a Keras 2 or tf_keras model and a ``tf.Module`` with
    ``tf.saved_model.save`` and a ``tf.function`` that calls it as the reference does
    (Keras with ``training=False``, several inputs as a list).
    """
    import sys

    import tensorflow as tf

    keras3 = sys.modules.get("keras")
    is_keras3 = keras3 is not None and hasattr(keras3, "Model") and isinstance(model, keras3.Model) \
        and int(keras3.__version__.split(".")[0]) >= 3
    if is_keras3:
        specs = [list(signature)] if len(signature) > 1 else list(signature)
        model.export(directory, format="tf_saved_model", input_signature=specs, verbose=False)
        return
    is_keras = isinstance(model, tf.keras.Model) or (
        "tf_keras" in sys.modules and isinstance(model, sys.modules["tf_keras"].Model))

    def serve(*tensors):
        if is_keras:
            return model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
        return model(*tensors)

    function = tf.function(serve, input_signature=list(signature))
    tf.saved_model.save(model, directory, signatures={"serving_default": function.get_concrete_function()})


_SIGNATURE_OUTPUT = re.compile(r"output_(\d+)")


def outputs_in_model_order(artifact: str) -> bool:
    """Put the outputs of a converted SavedModel back in the model's order; return whether
    they had to move.

    A SavedModel signature returns a dict (``output_0``, ``output_1``, ...) and tf2onnx
    writes the outputs in the order of its sorted keys: ``output_0, output_1, output_10,
    output_2``. Read by position, as the reference is, an eleventh output would be compared
    with the third. Only the order of the graph's output list changes, nothing computed.
    Copied into ``tracker repro`` scripts with ``inspect.getsource``."""
    import onnx

    model = onnx.load(artifact, load_external_data=False)
    outputs = list(model.graph.output)
    matches = [_SIGNATURE_OUTPUT.fullmatch(o.name) for o in outputs]
    if not all(matches):
        return False
    ordered = sorted(outputs, key=lambda o: int(_SIGNATURE_OUTPUT.fullmatch(o.name).group(1)))
    if [o.name for o in ordered] == [o.name for o in outputs]:
        return False
    copies = [onnx.ValueInfoProto.FromString(o.SerializeToString()) for o in ordered]
    del model.graph.output[:]
    model.graph.output.extend(copies)
    onnx.save(model, artifact)
    return True


def arguments(saved_model: Path, output: Path, opset: int | None) -> list[str]:
    """The arguments of tf2onnx's command line for the SavedModel at ``saved_model``."""
    argv = ["--saved-model", str(saved_model), "--output", str(output), "--signature_def", "serving_default"]
    if opset is not None:
        argv += ["--opset", str(int(opset))]
    return argv


def command(saved_model: Path, output: Path, opset: int | None) -> list[str]:
    """The tf2onnx command line for the SavedModel at ``saved_model`` (as ``tracker repro``
    scripts run it)."""
    return [sys.executable, "-X", "faulthandler", "-m", "tf2onnx.convert", *arguments(saved_model, output, opset)]


def run_main(argv: list[str]) -> None:
    """Run tf2onnx's command line (``tf2onnx.convert.main``) with ``argv`` in this process:
    the same code as ``python -m tf2onnx.convert`` (argument parsing and its defaults,
    ``tf_loader.from_saved_model``, ``_convert_common``), without importing TensorFlow
    again (the case's process was forked from one that already has).

    What the command line changes in the process is put back afterwards: ``sys.argv``,
    and the logging set-up ``main()`` makes (the root logger's level and handlers, and the
    levels of the ``tf2onnx`` and ``tensorflow`` loggers). A usage error, which would end
    the command with exit code 2, raises :class:`ConverterCommandError` instead of ending
    the case. A crash ends this process with its signal, as it ended the command's.
    """
    import logging

    from tf2onnx import convert

    from tracker_tf2onnx.diagnosis import ConverterCommandError

    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in ("tf2onnx", "tensorflow")]
    saved = (list(sys.argv), root.level, list(root.handlers), [logger.level for logger in loggers])
    sys.argv = ["tf2onnx.convert", *argv]
    try:
        convert.main()
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise ConverterCommandError(f"tf2onnx.convert exited with code {exc.code}",
                                        "arguments: " + " ".join(argv)) from exc
    finally:
        sys.argv = saved[0]
        root.setLevel(saved[1])
        for handler in root.handlers[:]:
            if handler not in saved[2]:
                root.removeHandler(handler)
        for logger, level in zip(loggers, saved[3]):
            logger.setLevel(level)
