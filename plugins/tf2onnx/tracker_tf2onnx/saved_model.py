"""The SavedModel entry point: save the model as its users would, then run tf2onnx's
command line on the directory in a subprocess (``python -m tf2onnx.convert
--saved-model DIR``), as the tf2onnx README shows.

:func:`save_saved_model` is copied into ``tracker repro`` scripts with
``inspect.getsource``: it imports what it needs inside and uses nothing else here.
"""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import subprocess
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


def command(saved_model: Path, output: Path, opset: int | None) -> list[str]:
    """The tf2onnx command line for the SavedModel at ``saved_model``."""
    argv = [sys.executable, "-X", "faulthandler", "-m", "tf2onnx.convert", "--saved-model", str(saved_model),
            "--output", str(output), "--signature_def", "serving_default"]
    if opset is not None:
        argv += ["--opset", str(int(opset))]
    return argv


def run_command(argv: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the tf2onnx command line, its output copied to this process's stderr (the
    case's log).

    If it dies of a signal, so does this process, with the same signal: a converter that
    crashes is a ``crash``, not a ``convert_error``; its faulthandler dump, just printed,
    names where it died. (This process's own dump is turned off: it would only show this
    function.) The subprocess is in this process's group, so a timeout kills it too.
    """
    process = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                             env={**os.environ, **environment}, check=False)
    sys.stderr.write(process.stdout + process.stderr)
    sys.stderr.flush()
    if process.returncode < 0:
        faulthandler.disable()
        number = -process.returncode
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    return process
