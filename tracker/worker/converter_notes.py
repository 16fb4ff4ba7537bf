"""What a converter said while it converted: the warnings it issued (``warnings.warn``) and
the records it logged at WARNING or above, each one line (with the last line of an
exception a record carries). Kept with the conversion (``conversions.notes``) and handed to
the oracles (``Evidence.converter_notes``): an exporter that silently writes another opset
than asked says why only there (torch.onnx logs that a version-converter adapter is
missing; the opset it wrote is all the artifact shows).

The warnings are still printed to the case's log as before; logging is left as it was
(loggers that do not pass their records to the root, as torch's do, are listened to where
they stop them). Loggers created during the conversion itself are heard only through the root.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

MAX_NOTES = 20
MAX_NOTE = 500


class _Collector(logging.Handler):
    def __init__(self, notes: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not format
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            last = (str(error).strip().splitlines() or [""])[-1]
            text += f" ({type(error).__name__}: {last})"
        _add(self.notes, f"{record.levelname} {record.name}: {text}")


def _add(notes: list[str], text: str) -> None:
    line = " ".join(text.split())[:MAX_NOTE]
    if len(notes) < MAX_NOTES and line not in notes:
        notes.append(line)


@contextlib.contextmanager
def collected() -> Iterator[list[str]]:
    """The notes issued inside the block, in order, without repeats (at most 20)."""
    notes: list[str] = []
    handler = _Collector(notes)
    # the root, and every logger that keeps its records from it (torch's own: "torch",
    # "torch.onnx"...): a record reaches exactly one of them
    loggers = [logging.getLogger(), *(logger for logger in list(logging.Logger.manager.loggerDict.values())
                                      if isinstance(logger, logging.Logger) and not logger.propagate)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                yield notes
            finally:
                for warning in caught:
                    _add(notes, f"{warning.category.__name__}: {warning.message}")
        for warning in caught:  # printed as they would have been
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
