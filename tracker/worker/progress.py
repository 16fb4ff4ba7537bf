"""What a sweep tells its user: a line per finished case, a summary per pair."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable

from tracker.store.times import PairTimes
from tracker.worker.job import ChildReport


@dataclasses.dataclass
class SweepSummary:
    pair: str
    selected: int = 0
    reused: int = 0
    computed: int = 0
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)
    interrupted: bool = False
    seconds: float = 0.0
    not_applicable: int = 0
    env_id: str | None = None  # the environment the results were stored under
    times: PairTimes | None = None  # where its time went (stored in run_times)

    def line(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing new"
        state = "INTERRUPTED: " if self.interrupted else ""
        return (
            f"{state}{self.pair}: {self.selected} cases, {self.reused} already stored, "
            f"{self.computed} computed ({counts}) in {self.seconds:.1f}s"
        )



class Progress:
    """One line per finished case, with the time the pair has left."""

    def __init__(self, out: Callable[[str], None], started: float, total: int, id_width: int) -> None:
        self.out, self.started, self.total, self.id_width = out, started, total, id_width
        self.done = 0

    def case(self, report: ChildReport, outcome: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.done * (self.total - self.done)
        note = " (conversion reused)" if report.job.conversion is not None else ""
        width = len(str(self.total))
        self.out(
            f"   [{self.done:>{width}}/{self.total}] {report.job.case_id:<{self.id_width}} {outcome:<18} "
            f"{report.wall_seconds:6.1f}s{note}   ~{remaining:.0f}s left"
        )
