"""The SavedModel entry point runs tf2onnx's command line in the case's own process
(``tf2onnx.convert.main()`` with the command's argv): the model it writes is the one
``python -m tf2onnx.convert`` writes, and no subprocess is started. Runs in the
`integration_tensorflow` nox session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tensorflow, pytest.mark.integration]


def _saved_model(directory: Path) -> None:
    import tensorflow as tf
    from tracker_tf2onnx.saved_model import save_saved_model

    class Affine(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32), (4, 3)) / 10.0)

        def __call__(self, x):
            return tf.nn.relu(tf.matmul(x, self.w) - 0.5)

    save_saved_model(Affine(), [tf.TensorSpec((2, 4), tf.float32, name="x")], str(directory))


def _graph(path: Path) -> tuple:
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    return ([(n.op_type, list(n.input), list(n.output)) for n in graph.node],
            [i.name for i in graph.input], [o.name for o in graph.output],
            sorted((t.name, t.raw_data) for t in graph.initializer), [(o.domain, o.version) for o in model.opset_import])


def test_the_in_process_command_line_writes_the_model_the_command_writes(tmp_path):
    # every TensorFlow step in processes of their own: a TensorFlow model built in the
    # pytest process changed what a Keras model built later there computed (see
    # test_synthetic_keras.py), and tf2onnx's main() may leave TensorFlow altered too
    subprocess.run([sys.executable, "-c", SAVE, str(tmp_path / "saved")], check=True, timeout=600,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])})
    from tracker_tf2onnx import saved_model

    by_command = tmp_path / "command" / "model.onnx"
    by_command.parent.mkdir()
    subprocess.run(saved_model.command(tmp_path / "saved", by_command, 15), check=True, capture_output=True,
                   timeout=600)
    in_process = tmp_path / "in-process" / "model.onnx"
    in_process.parent.mkdir()
    run = subprocess.run([sys.executable, "-c", IN_PROCESS, str(tmp_path / "saved"), str(in_process)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert _graph(in_process) == _graph(by_command)
    assert ("", 15) in _graph(in_process)[4]


HERE = Path(__file__).resolve().parent

SAVE = """
import sys
from pathlib import Path
from test_saved_model_in_process import _saved_model
_saved_model(Path(sys.argv[1]))
"""

# the command line's main() in this process, and no subprocess started by it (what the
# imports start, such as platform's `uname -p`, happens before the check)
IN_PROCESS = """
import platform, subprocess, sys
from pathlib import Path
from tf2onnx import convert
from tracker_tf2onnx import saved_model
platform.processor()

def no_subprocess(*args, **kwargs):
    raise AssertionError(f"a subprocess was started: {args}")

subprocess.Popen = no_subprocess
saved_model.run_main(saved_model.arguments(Path(sys.argv[1]), Path(sys.argv[2]), 15))
"""
