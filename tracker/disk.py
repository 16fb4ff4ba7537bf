"""How much disk a sweep takes: its environments, its cache, its logs, its store.

Sizes are what the files occupy on disk (allocated blocks, as ``du`` counts them), each
inode once: uv installs packages into the environments as hard links to its own cache, so
a file linked into five environments is counted once, and the part of a tree that is also
linked from outside it (uv's cache) is reported as shared. Sizes are printed in decimal
units (1 GB = 10^9 bytes).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import ConfigError
from tracker.worker.cache import Cache


@dataclasses.dataclass(frozen=True)
class TreeUsage:
    """One directory tree: bytes on disk (each inode once) and how many of them are also
    linked from outside the tree (hard links into another directory, e.g. uv's cache)."""

    bytes: int = 0
    files: int = 0
    shared_bytes: int = 0

    def __add__(self, other: TreeUsage) -> TreeUsage:
        return TreeUsage(self.bytes + other.bytes, self.files + other.files, self.shared_bytes + other.shared_bytes)


def _regular_files(root: Path) -> Iterator[os.stat_result]:
    """The stat of every regular file under ``root`` (symbolic links not followed)."""
    stack = [root]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue  # vanished or unreadable: not counted
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    yield entry.stat(follow_symlinks=False)
            except OSError:
                continue


def on_disk(stat: os.stat_result) -> int:
    """The bytes a file occupies (its allocated blocks; its length where blocks are unknown)."""
    blocks = getattr(stat, "st_blocks", None)
    return blocks * 512 if blocks is not None else stat.st_size


def tree_usage(root: Path) -> TreeUsage:
    """The disk use of the tree at ``root`` (nothing if it does not exist), each inode once."""
    seen: dict[tuple[int, int], list[int]] = {}  # inode -> [links seen here, links in all, bytes]
    for stat in _regular_files(Path(root)):
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            seen[key][0] += 1
        else:
            seen[key] = [1, stat.st_nlink, on_disk(stat)]
    total = sum(size for _, _, size in seen.values())
    shared = sum(size for here, links, size in seen.values() if links > here)
    return TreeUsage(bytes=total, files=len(seen), shared_bytes=shared)


@dataclasses.dataclass(frozen=True)
class CacheUsage:
    """What one store's side of a sweep takes: the cache's parts, the logs and the store file."""

    artifacts: int
    references: int
    temporaries: int
    logs: int
    store: int

    @property
    def cache(self) -> int:
        """The part ``tracker cache prune`` can bound."""
        return self.artifacts + self.references + self.temporaries

    def line(self) -> str:
        return (f"cache {human(self.cache)} (artifacts {human(self.artifacts)}, references and extra input sets "
                f"{human(self.references)}, temporaries {human(self.temporaries)}), logs {human(self.logs)}, "
                f"store {human(self.store)}")


def cache_usage(store: Path, cache: Path, logs: Path) -> CacheUsage:
    parts = Cache(cache).parts()
    return CacheUsage(
        artifacts=tree_usage(parts["artifacts"]).bytes,
        references=tree_usage(parts["references"]).bytes + tree_usage(parts["inputs"]).bytes,
        temporaries=tree_usage(parts["temporaries"]).bytes,
        logs=tree_usage(logs).bytes,
        store=sum(on_disk(p.stat()) for p in _store_files(store)),
    )


def _store_files(store: Path) -> list[Path]:
    """The store file and DuckDB's write-ahead log beside it."""
    return [p for p in (store, store.with_name(store.name + ".wal")) if p.is_file()]


@dataclasses.dataclass(frozen=True)
class EnvironmentsUsage:
    """The environments nox built (``.nox``): every environment and all of them together."""

    each: dict[str, TreeUsage]
    total: TreeUsage

    def lines(self) -> list[str]:
        total = self.total
        lines = [f"environments {human(total.bytes)} in {len(self.each)} ({human(total.shared_bytes)} of it hard "
                 f"links shared with uv's cache; each file counted once)"]
        biggest = sorted(self.each.items(), key=lambda item: -item[1].bytes)[:3]
        lines += [f"  {name}: {human(usage.bytes)} counted alone" for name, usage in biggest]
        return lines


def environments_usage(nox_dir: Path) -> EnvironmentsUsage:
    """The disk use of each environment under ``nox_dir``, and of all of them together
    (a file hard-linked into several environments counts once in the total)."""
    nox_dir = Path(nox_dir)
    names = sorted(p.name for p in nox_dir.iterdir() if p.is_dir()) if nox_dir.is_dir() else []
    return EnvironmentsUsage(each={name: tree_usage(nox_dir / name) for name in names}, total=tree_usage(nox_dir))


# -- sizes as people write them ------------------------------------------------------------
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*")


def parse_size(text: str) -> int:
    """Bytes from ``5GB``, ``500M``, ``1.5GiB``, ``0``. Decimal units (GB = 10^9), binary
    ones with an ``i`` (GiB = 2^30); no unit means bytes."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ConfigError(
            f"{text!r} is not a size",
            hint="give a number of bytes with an optional unit: 500MB, 5GB, 1.5GiB (B, KB, MB, GB, TB; "
                 "KiB, MiB, GiB, TiB)",
        )
    return int(float(match.group(1)) * _UNITS[unit])


def human(size: int) -> str:
    """``size`` bytes in decimal units, three significant digits: 4.28 GB, 496 MB, 0 B."""
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            value = size / factor
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{size} B"
