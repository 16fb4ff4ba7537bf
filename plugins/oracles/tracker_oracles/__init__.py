"""Built-in oracles, and ONNX's reference evaluator as a second runtime.

Artifact oracles: ``onnx-checker`` (the ONNX checker, full check, and the declared opset
and IR version against those asked for). Output oracles: ``numeric`` (values, shapes,
dtypes, NaN), ``accuracy`` (against the true labels of a labelled data set), ``agreement`` (a classifier's top-1 / top-5 predictions over 32 more
inputs), ``dynamic-shapes`` (a dynamic export at other sizes), ``performance`` (latency,
memory, size beside the source's), ``robustness`` (accuracy under FGSM and PGD).
Runtime: ``onnx-reference``, to localize failures (a pipeline's ``second-runtime``).
"""

from tracker.plugin import hookimpl
from tracker_oracles.accuracy import Accuracy
from tracker_oracles.agreement import Agreement
from tracker_oracles.checker import OnnxChecker
from tracker_oracles.dynamic import DynamicShapes
from tracker_oracles.numeric import Numeric
from tracker_oracles.performance import Performance
from tracker_oracles.reference_runtime import OnnxReference
from tracker_oracles.robustness import Robustness


@hookimpl
def register_oracles(register):
    for oracle in (OnnxChecker(), Numeric(), Accuracy(), Agreement(), DynamicShapes(), Performance(), Robustness()):
        register(oracle)


@hookimpl
def register_runtimes(register):
    register(OnnxReference())
