"""What a sweep of one pair is asked to do: ``tracker run``'s options, as one value."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from tracker.shards import Shard


@dataclasses.dataclass
class SweepOptions:
    store: Path
    cache: Path
    logs: Path
    model_set: str | None = "default"
    patterns: Sequence[str] = ()
    jobs: int = 1
    threads: int = 1
    timeout: float = 600.0
    memory_limit_mb: float = 8192.0
    recompute: bool = False
    argv: Sequence[str] = ()
    shard: Shard | None = None  # only the selected cases of this shard (tracker.shards)
