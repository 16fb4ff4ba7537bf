"""Progress over the whole sweep: which pair of how many, time spent, time left.

``noxfile.py`` knows which sweep sessions this nox invocation runs; it hands each
``tracker run`` a :class:`MatrixPosition` (``--matrix-position FILE``). The time left is
what the remaining pairs took when they last computed something (stored runs), and for
those never run, this sweep's mean time per pair so far.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from pathlib import Path

from tracker.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class MatrixPosition:
    index: int  # 1-based, among this invocation's sweep sessions
    count: int
    sweep_started: float  # epoch seconds: when nox read the noxfile
    remaining: tuple[str, ...]  # the labels of the pairs after this one

    @classmethod
    def read(cls, path: Path) -> MatrixPosition:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            position = cls(int(data["index"]), int(data["count"]), float(data["sweep_started"]),
                           tuple(str(label) for label in data["remaining"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"--matrix-position {path}: not a matrix position ({exc})",
                              hint="noxfile.py writes this file; run the sweep through nox") from exc
        if not 1 <= position.index <= position.count:
            raise ConfigError(f"--matrix-position {path}: pair {position.index} of {position.count} is out of range")
        return position


def position_line(position: MatrixPosition, stored_seconds: Mapping[str, float], now: float | None = None) -> str:
    """``pair 3 of 71 · 12 min into the sweep · about 58 min left (...)``."""
    now = time.time() if now is None else now
    elapsed = max(0.0, now - position.sweep_started)
    head = f"pair {position.index} of {position.count} · {_minutes(elapsed)} into the sweep"
    if not position.remaining:
        return f"{head} · the last pair"
    known = [stored_seconds[label] for label in position.remaining if label in stored_seconds]
    unknown = len(position.remaining) - len(known)
    done = position.index - 1
    if unknown and not done:
        if not known:
            return f"{head} · time left unknown until a pair has finished (no stored timings)"
        return (f"{head} · more than {_minutes(sum(known))} left ({len(known)} pairs from stored timings, "
                f"{unknown} never timed)")
    mean = elapsed / done if done else 0.0
    left = sum(known) + unknown * mean
    how = []
    if known:
        how.append(f"{len(known)} pairs as they took when last run")
    if unknown:
        how.append(f"{unknown} at this sweep's mean of {_minutes(mean)} per pair")
    return f"{head} · about {_minutes(left)} left ({'; '.join(how)})"


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
