"""The clock of one ``tracker run``: the pair's own stages timed in the parent (building
the environment, handed over by nox; the imports; storing), and at the end the pair's
time table stored with the run and printed (:mod:`tracker.store.times`)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from tracker.reports.times import pair_table
from tracker.store import Store, times
from tracker.store.times import PairTimes
from tracker.worker.progress import SweepSummary


def process_age() -> float:
    """Seconds since this process started (forked, or exec'd: what ran before
    the caller's first clock); 0 where /proc does not tell."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
        return max(0.0, now - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


class PairClock:
    """:param sweep_id: the ``nox -s sweep`` invocation the run belongs to (``TRACKER_SWEEP_ID``).
    :param jobs: how many cases may run at once (``--jobs``).
    :param env_build_seconds: what building the environment took (nox measures it).
    :param startup_seconds: the process's life before the clock was made (in the wall time).
    """

    def __init__(self, sweep_id: str | None = None, jobs: int = 1, env_build_seconds: float = 0.0,
                 startup_seconds: float = 0.0) -> None:
        self.started = time.monotonic()
        self.sweep_id, self.jobs, self.startup = sweep_id, jobs, startup_seconds
        self.own = {"env_build": env_build_seconds, "imports": 0.0, "store": 0.0}

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time of the ``with`` block to ``stage`` (one of the pair's own)."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.own[stage] += time.monotonic() - started

    @contextlib.contextmanager
    def store(self, path: Path) -> Iterator[Store]:
        """The store at ``path``, opened for writing; every call on it (its opening too)
        adds its time to the stage ``store``."""
        with self.timed("store"):
            opened = Store.connect(path)
        try:
            yield cast(Store, _TimedStore(opened, self))
        finally:
            opened.close()

    def wall(self) -> float:
        return self.own["env_build"] + self.startup + time.monotonic() - self.started

    def account(self, store: Store, run_id: str | None, summary: SweepSummary,
                out: Callable[[str], None]) -> PairTimes:
        """Store where the pair's time went (under a new id when it stored no run) and print it."""
        parallel = max(1, min(self.jobs, summary.computed))  # how many cases ran at once
        cases = times.case_stages(store, run_id, parallel) if run_id is not None else []
        pair_times = times.pair_times(run_id or times.new_run_id(), self.sweep_id, summary.pair, self.wall(),
                                      self.own, cases, summary.computed)
        times.record(store, pair_times)
        for line in pair_table(pair_times):
            out(line)
        return pair_times


class _TimedStore:
    """A store whose method calls are timed as the stage ``store`` of ``clock``."""

    def __init__(self, store: Store, clock: PairClock) -> None:
        self._store, self._clock = store, clock

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._clock.timed("store"):
                return found(*args, **kwargs)

        return timed
