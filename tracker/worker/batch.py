"""A sweep's results committed in batches: one store transaction per few seconds of
finished cases, instead of one per case (each transaction costs milliseconds, as much as
a small case's work).

A result waits at most :data:`FLUSH_SECONDS` (or until :data:`MAX_PENDING` results wait)
before it is committed; the sweep also commits what waits on every way out of its loop
(the end, Ctrl-C, an error: :meth:`tracker.worker.sweep.Sweep._run_jobs`). A sweep
killed outright (SIGKILL, power loss) loses the results of its last seconds at most, and
the next run computes those cases again; what was committed stays committed. A result is
announced (the progress line) only once committed: a line printed is a result stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from tracker.store import ResultRecord, Store

FLUSH_SECONDS = 2.0  # the longest a finished case's result waits to be committed
MAX_PENDING = 100  # results committed at once at most

Note = TypeVar("Note")  # what the caller keeps with a record to announce it (a child's report)


class ResultBatch(Generic[Note]):
    """Results waiting to be committed to ``store``, oldest first. ``committed`` is called
    with each record and its note once its transaction is committed, in order."""

    def __init__(self, store: Store, committed: Callable[[ResultRecord, Note], None], *,
                 seconds: float = FLUSH_SECONDS, max_pending: int = MAX_PENDING,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.committed = store, committed
        self.seconds, self.max_pending, self.clock = seconds, max_pending, clock
        self.pending: list[tuple[ResultRecord, Note]] = []
        self.oldest = 0.0  # when the oldest pending record was added

    def add(self, record: ResultRecord, note: Note) -> None:
        """Keep ``record`` to be committed; commit the batch if it is due."""
        if not self.pending:
            self.oldest = self.clock()
        self.pending.append((record, note))
        self.flush_if_due()

    def due(self) -> bool:
        return bool(self.pending) and (len(self.pending) >= self.max_pending
                                       or self.clock() - self.oldest >= self.seconds)

    def flush_if_due(self) -> None:
        if self.due():
            self.flush()

    def flush(self) -> None:
        """Commit every pending record in one transaction, then announce them. If the
        store refuses them, they stay pending (a later flush tries again) and the error
        is raised."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self.store.record_results([record for record, _ in batch])
        except BaseException:
            self.pending = batch + self.pending
            raise
        for record, note in batch:
            self.committed(record, note)
