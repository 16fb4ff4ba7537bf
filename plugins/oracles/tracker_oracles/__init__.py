"""Built-in oracles: ``onnx-checker`` (artifact) and ``numeric`` (outputs)."""

from tracker.plugin import hookimpl
from tracker_oracles.checker import OnnxChecker
from tracker_oracles.numeric import Numeric


@hookimpl
def register_oracles(register):
    register(OnnxChecker())
    register(Numeric())
