"""Bound the cache to a budget, least needed first, without losing a result.

The store holds every result, verdict, metric and conversion (with the artifact's hash and
size); the cache only saves work. What is removed is rebuilt when a later sweep needs it:
an artifact is converted again (``tracker.worker.plan.job``), a reference and its extra
input sets are computed again. Least needed first:

1. temporaries (``tmp/``: what killed writers left);
2. artifacts no stored conversion names (nothing will look them up);
3. artifacts of converter sides no longer in the matrix (no pair of ``envs/`` reuses them);
4. artifacts whose every result passed (kept for the runtime pairs not swept yet);
5. references and their extra input sets (small, but attacks take minutes to remake);
6. artifacts with a failing result (the evidence an investigator opens first).

Within a rank, the longest unused first (artifacts: the newest result that used them;
references: the file's last access or change), then the largest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from tracker.disk import on_disk, tree_usage
from tracker.matrix import Pair
from tracker.worker.cache import Cache

RANKS = {
    1: "temporaries of killed writers",
    2: "artifacts no stored conversion names",
    3: "artifacts of converter sides no longer in the matrix",
    4: "artifacts whose results all passed",
    5: "references with their extra input sets",
    6: "artifacts of failing results",
}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One removable thing of the cache: a directory or a group of files."""

    paths: tuple[Path, ...]
    bytes: int
    rank: int
    last_used: float  # seconds since the epoch

    @property
    def reason(self) -> str:
        return RANKS[self.rank]

    def name(self, root: Path) -> str:
        return str(self.paths[0].relative_to(root))


@dataclasses.dataclass(frozen=True)
class Use:
    """What the store says of one conversion: how its results went, when last used."""

    converter: str
    variant: str
    packages: Mapping[str, str | None]
    failed: bool
    last_used: float


# outcomes that say nothing against the artifact (not_runnable: CoreML off macOS)
_PASSING = ("ok", "not_runnable")
USES_SQL = f"""
    SELECT c.conversion_key, c.converter, c.variant, c.fingerprint,
           coalesce(bool_or(r.outcome NOT IN {_PASSING}), false) AS failed,
           coalesce(max(r.created_at), max(c.created_at)) AS last_used
    FROM conversions c LEFT JOIN results r USING (conversion_key)
    WHERE c.artifact IS NOT NULL
    GROUP BY c.conversion_key, c.converter, c.variant, c.fingerprint"""


def uses(rows: Sequence[Mapping[str, Any]]) -> dict[str, Use]:
    """The rows of :data:`USES_SQL`, by conversion key."""
    found = {}
    for row in rows:
        packages = json.loads(row["fingerprint"]).get("packages", {})
        last = row["last_used"]
        found[row["conversion_key"]] = Use(row["converter"], row["variant"], packages, bool(row["failed"]),
                                           last.timestamp() if last is not None else 0.0)
    return found


def in_matrix(use: Use, pairs: Sequence[Pair]) -> bool:
    """Whether a pair of the matrix has this converter side: same converter and variant, and
    every pin it asks for that the conversion's fingerprint names is met."""
    return any(pair.converter == use.converter and pair.variant == use.variant
               and all(_meets(use.packages.get(name), spec) for name, spec in pair.requested().items())
               for pair in pairs)


def _meets(version: str | None, specifier: str) -> bool:
    if version is None or specifier == "*":
        return True  # not part of the converter side (a runtime pin), or anything goes
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def entries(cache: Cache, known: Mapping[str, Use], pairs: Sequence[Pair] | None) -> list[Entry]:
    """Everything removable in the cache, least needed first. ``pairs`` is the matrix
    (``None``: unknown, every converter side counts as still in it)."""
    parts = cache.parts()
    found = [_tree_entry(path, 1, None) for path in _children(parts["temporaries"])]
    for directory in _children(parts["artifacts"], depth=2):
        use = known.get(directory.name)
        if use is None:
            rank = 2
        elif pairs is not None and not in_matrix(use, pairs):
            rank = 3
        else:
            rank = 6 if use.failed else 4
        found.append(_tree_entry(directory, rank, use.last_used if use else None))
    groups: dict[str, list[Path]] = {}
    for path in _children(parts["references"], depth=2):
        groups.setdefault(path.name.split(".", 1)[0], []).append(path)
    for path in _children(parts["inputs"], depth=2):  # a case's extra inputs (attacks): made once
        groups.setdefault(path.name, []).append(path)
    for files in groups.values():
        stats = [p.stat() for p in files]
        found.append(Entry(tuple(sorted(files)), sum(on_disk(s) for s in stats), 5,
                           max(max(s.st_atime, s.st_mtime) for s in stats)))
    return sorted(found, key=lambda e: (e.rank, e.last_used, -e.bytes))


def _children(root: Path, depth: int = 1) -> list[Path]:
    level = [root]
    for _ in range(depth):
        level = [child for parent in level if parent.is_dir() for child in parent.iterdir()]
    return level


def _tree_entry(path: Path, rank: int, last_used: float | None) -> Entry:
    size = tree_usage(path).bytes if path.is_dir() else on_disk(path.stat())
    return Entry((path,), size, rank, last_used if last_used is not None else path.stat().st_mtime)


def choose(found: Sequence[Entry], budget: int) -> list[Entry]:
    """The first of ``found`` (least needed first) whose removal brings their total within ``budget``."""
    excess = sum(e.bytes for e in found) - budget
    chosen = []
    for entry in found:
        if excess <= 0:
            break
        chosen.append(entry)
        excess -= entry.bytes
    return chosen


def remove(entry: Entry) -> None:
    for path in entry.paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
