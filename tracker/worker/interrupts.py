"""Ctrl-C and SIGTERM stop a sweep cleanly, but never in the middle of a store write.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be. Inside a
DuckDB call that is unsafe twice over: the client may swallow the signal (the sweep then
runs to its end, as if never interrupted), or the write is cut short. While a write is in
progress (:meth:`Interrupts.held`), a signal is only noted, and raised as
``KeyboardInterrupt`` as soon as the write is done.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

from tracker.worker.procs import die_with_parent

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    def __init__(self) -> None:
        self._holding = 0
        self._pending: int | None = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self._holding:
            self._pending = signum
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interrupts]:
        """Handle SIGINT and SIGTERM (and the parent's death, as SIGTERM) for the block."""
        die_with_parent(signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._handler) for sig in SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold signals for the block; raise ``KeyboardInterrupt`` after it if one came."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding and self._pending is not None:
            self._pending = None
            raise KeyboardInterrupt
