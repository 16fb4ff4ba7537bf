"""What went wrong in a tf2onnx conversion, and where.

tf2onnx does not raise when it meets a TensorFlow operation it has no conversion for:
it logs ``Tensorflow op [name: Op] is not supported`` and ``Unsupported ops:
Counter(...)`` at ERROR level and writes a model that still holds the TensorFlow node,
which no runtime can load. Its Python API (``from_keras``, ``from_function``) also
converts with ``continue_on_error=True``: a node whose conversion raised is logged
(``Failed to convert node ...``) and left in the graph. Both are failures of the
converter, reported by the converter itself, so :func:`raise_for_logged_errors` turns
them into exceptions: :class:`UnsupportedOpsError` and :class:`NodeConversionError`.
Its graph optimizers' failures (``Failed to apply optimize_transpose``) are only
warnings: tf2onnx restores the graph and goes on, so they stay in the case's log.

:func:`stage_of` maps an error to the converter stages of the published failure analysis
(:data:`tracker.plugin.FAILURE_STAGES`) from the tf2onnx modules its traceback runs through.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import re
import traceback
from collections.abc import Iterator

# tf2onnx's own log lines (tfonnx.tensorflow_onnx_mapping and process_parsed_graph)
_UNSUPPORTED_OP = re.compile(r"Tensorflow op \[(?P<node>.+?): (?P<op>[\w.>-]+)\] is not supported")
_UNSUPPORTED_SUMMARY = re.compile(r"Unsupported ops: Counter\(\{(?P<ops>.*)\}\)")
_FAILED_NODE = re.compile(r"Failed to convert node '?(?P<node>[^'\s(]+)'?")
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line \d+, in (?P<function>\S+)')
# the last line of a Python traceback: "ValueError: message", "tf2onnx.x.SomeError: message"
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\w*)"
                             r"(?::\s?(?P<message>.*))?$")


class UnsupportedOpsError(RuntimeError):
    """tf2onnx left TensorFlow operations it has no conversion for in the ONNX graph."""

    def __init__(self, ops: collections.Counter[str], nodes: list[str] | None = None) -> None:
        self.ops = ops
        self.nodes = nodes or []
        names = ", ".join(sorted(ops))
        # the first line (the error signature) names the ops only: node names are the model's
        where = ""
        if self.nodes:
            where = f"\nnodes: {', '.join(self.nodes[:10])}" + (" ..." if len(self.nodes) > 10 else "")
        super().__init__(f"tf2onnx has no conversion for the TensorFlow ops {names}{where}")


class NodeConversionError(RuntimeError):
    """tf2onnx's conversion of a node raised; its Python API logged it and went on."""


class ConverterCommandError(RuntimeError):
    """``python -m tf2onnx.convert`` failed: the message is its error line, then the tail
    of what it wrote on stderr."""

    def __init__(self, summary: str, stderr: str) -> None:
        self.summary = summary
        self.stderr = stderr
        super().__init__(f"{summary}\n\n{stderr}")


# ---------------------------------------------------------------------------------------
# Errors tf2onnx logs instead of raising


class _ErrorCollector(logging.Handler):
    """Keeps the ERROR records of the ``tf2onnx`` loggers during one conversion."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def collecting_errors() -> Iterator[_ErrorCollector]:
    """Collect what tf2onnx logs at ERROR level inside the block (its loggers still print
    as they would)."""
    logger = logging.getLogger("tf2onnx")
    collector = _ErrorCollector()
    previous = logger.level
    if not logger.isEnabledFor(logging.ERROR):
        logger.setLevel(logging.ERROR)
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous)


def raise_for_logged_errors(collector: _ErrorCollector) -> None:
    """Raise for the failures tf2onnx logged during an in-process conversion: a node whose
    conversion raised first (with that exception as the cause), else unconverted ops."""
    for record in collector.records:
        if record.exc_info and _FAILED_NODE.search(record.getMessage()):
            node = _FAILED_NODE.search(record.getMessage())["node"]
            raise NodeConversionError(f"tf2onnx failed to convert node {node}") from record.exc_info[1]
    raise_for_unsupported("\n".join(record.getMessage() for record in collector.records))


def raise_for_unsupported(log_text: str) -> None:
    """Raise :class:`UnsupportedOpsError` if ``log_text`` (tf2onnx's log) reports
    operations it could not convert."""
    ops: collections.Counter[str] = collections.Counter()
    nodes: list[str] = []
    for match in _UNSUPPORTED_OP.finditer(log_text):
        ops[match["op"]] += 1
        nodes.append(match["node"])
    if not ops:
        for match in _UNSUPPORTED_SUMMARY.finditer(log_text):
            for item in re.finditer(r"'(?P<op>[^']+)': (?P<count>\d+)", match["ops"]):
                ops[item["op"]] += int(item["count"])
    if ops:
        raise UnsupportedOpsError(ops, nodes)


def command_error(stderr: str, returncode: int) -> ConverterCommandError:
    """The error of a failed ``python -m tf2onnx.convert``: its last exception line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line)), None)
    if summary is None:
        summary = f"python -m tf2onnx.convert exited with code {returncode}" + (
            f": {lines[-1]}" if lines else " and wrote nothing on stderr")
    return ConverterCommandError(summary, _tail(stderr))


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------
# Stages

# (module path inside tf2onnx, function or None for any) -> stage; the innermost match wins
_TF2ONNX_STAGES: list[tuple[str, str | None, str]] = [
    ("tf_loader.py", None, "loading"),
    ("tf_utils.py", "tflist_to_onnx", "loading"),  # reading the TensorFlow graph; the other
    ("tf_utils.py", "tensorflow_to_onnx", "loading"),  # tf_utils helpers serve every stage
    ("tf_utils.py", "compute_const_folding_using_tf", "loading"),
    ("tfonnx.py", "graphs_from_tf", "loading"),
    ("convert.py", "_get_concrete_function", "loading"),
    ("tfonnx.py", None, "conversion"),
    ("onnx_opset/", None, "conversion"),
    ("rewriter/", None, "conversion"),
    ("late_rewriters/", None, "conversion"),
    ("custom_opsets/", None, "conversion"),
    ("tflite_handlers/", None, "conversion"),
    ("handler.py", None, "conversion"),
    ("schemas.py", None, "conversion"),
    ("graph_builder.py", None, "conversion"),
    ("optimizer/", None, "optimization"),
    ("graph.py", "make_model", "export"),
    ("graph.py", "make_graph", "export"),
    ("utils.py", "save_protobuf", "export"),
    ("utils.py", "save_onnx_zip", "export"),
]


def _frame_stage(path: str, function: str) -> str | None:
    path = path.replace("\\", "/")
    if "/tf2onnx/" not in path:
        return None
    inner = path.rsplit("/tf2onnx/", 1)[1]
    for module, name, stage in _TF2ONNX_STAGES:
        if (inner == module or (module.endswith("/") and inner.startswith(module))) and name in (None, function):
            return stage
    return None


def _stage_of_frames(frames: list[tuple[str, str]]) -> str | None:
    """The stage of the innermost frame that names one; "loading" for a traceback through
    TensorFlow or Keras only (tracing or saving the model, before tf2onnx sees it)."""
    stage = None
    for path, function in frames:
        stage = _frame_stage(path, function) or stage
    if stage is None and any(re.search(r"/(tensorflow|keras|tf_keras)/", p) for p, _ in frames):
        return "loading"
    return stage


def stage_of(exc: BaseException) -> str | None:
    """The conversion stage an exception from a tf2onnx conversion belongs to, or None."""
    if isinstance(exc, UnsupportedOpsError):
        return "conversion"
    if isinstance(exc, ConverterCommandError):
        return stage_of_text(exc.stderr)
    chain, current = [], exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    for link in reversed(chain):  # the innermost cause first: it is the real error
        frames = [(f.filename, f.name) for f in traceback.extract_tb(link.__traceback__)]
        stage = _stage_of_frames(frames)
        if stage is not None:
            return stage
    return None


def stage_of_text(text: str) -> str | None:
    """:func:`stage_of` for a traceback printed by another process (its first traceback
    with a known frame: Python prints the innermost cause first)."""
    if _UNSUPPORTED_OP.search(text) or _UNSUPPORTED_SUMMARY.search(text):
        return "conversion"
    for block in text.split("Traceback (most recent call last):")[1:]:
        frames = [(m["file"], m["function"]) for m in _FRAME.finditer(block)]
        stage = _stage_of_frames(frames)
        if stage is not None:
            return stage
    return None
