"""Progress over the whole sweep: which pair of how many, time spent, time left.

``noxfile.py`` knows which sweep sessions this nox invocation runs; it hands each
``tracker run`` a :class:`MatrixPosition` (``--matrix-position FILE``). The time left is
what the remaining pairs took when they last computed something (stored runs); a pair never
run is estimated from this sweep's pairs of its kind so far. There are two kinds, because
they cost very different times: the first pair of a converter side converts every case,
the next pairs of that side (another runtime version) reuse its conversions and take a
fraction of it (measured on 2026-12-03: 3-8 min against 15 s-2 min). A kind with no pair
finished yet is estimated at this sweep's mean over all pairs.
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
    # every pair of this invocation in order (label, its converter side: the pipeline
    # variant at its converter versions, whose conversions the side's pairs share);
    # empty from a noxfile that does not write them
    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def read(cls, path: Path) -> MatrixPosition:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            position = cls(int(data["index"]), int(data["count"]), float(data["sweep_started"]),
                           tuple(str(label) for label in data["remaining"]),
                           tuple((str(label), str(side)) for label, side in data.get("pairs", [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"--matrix-position {path}: not a matrix position ({exc})",
                              hint="noxfile.py writes this file; run the sweep through nox") from exc
        if position.pairs and len(position.pairs) != position.count:
            raise ConfigError(f"--matrix-position {path}: {len(position.pairs)} pairs listed for {position.count}")
        if not 1 <= position.index <= position.count:
            raise ConfigError(f"--matrix-position {path}: pair {position.index} of {position.count} is out of range")
        return position

    @property
    def to_run(self) -> tuple[str, ...]:
        """The labels of this pair (``""`` when the file does not list the pairs) and those after it."""
        return (self.pairs[self.index - 1][0] if self.pairs else "", *self.remaining)


def position_line(position: MatrixPosition, stored_seconds: Mapping[str, float], now: float | None = None,
                  swept_seconds: Mapping[str, float] | None = None) -> str:
    """``pair 3 of 71 · 12 min into the sweep · about 58 min left (...)``.

    The time left counts this pair and those after it.

    :param stored_seconds: label -> seconds, of the pairs to run timed in earlier runs.
    :param swept_seconds: label -> seconds, of the pairs this sweep has finished.
    """
    now = time.time() if now is None else now
    elapsed = max(0.0, now - position.sweep_started)
    head = f"pair {position.index} of {position.count} · {_minutes(elapsed)} into the sweep"
    if not position.remaining:
        return f"{head} · the last pair"
    known = [stored_seconds[label] for label in position.to_run if label in stored_seconds]
    untimed = [label for label in position.to_run if label not in stored_seconds]
    done = position.index - 1
    if untimed and not done:
        if not known:
            return f"{head} · time left unknown until a pair has finished (no stored timings)"
        return (f"{head} · more than {_minutes(sum(known))} left ({len(known)} pairs from stored timings, "
                f"{len(untimed)} never timed)")
    how = [f"{len(known)} pairs as they took when last run"] if known else []
    left = sum(known)
    mean = elapsed / done if done else 0.0
    kinds = _kinds(position)
    swept = swept_seconds or {}
    for kind, name in ((FIRST, "first pairs of a converter side"), (MORE, "more runtimes of a converted side")):
        count = sum(1 for label in untimed if kinds.get(label, FIRST) == kind)
        if not count:
            continue
        finished = [seconds for label, seconds in swept.items() if kinds.get(label) == kind]
        per_pair = sum(finished) / len(finished) if finished else mean
        left += count * per_pair
        basis = f"the mean of {len(finished)} this sweep finished" if finished else "this sweep's mean over all pairs"
        how.append(f"{count} {name} at {_minutes(per_pair)} each, {basis}" if kinds
                   else f"{count} at this sweep's mean of {_minutes(mean)} per pair")
    return f"{head} · about {_minutes(left)} left ({'; '.join(how)})"


FIRST, MORE = "first", "more"


def _kinds(position: MatrixPosition) -> dict[str, str]:
    """Label -> FIRST (the first pair of its converter side in this invocation) or MORE."""
    seen: set[str] = set()
    kinds = {}
    for label, side in position.pairs:
        kinds[label] = MORE if side in seen else FIRST
        seen.add(side)
    return kinds


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
