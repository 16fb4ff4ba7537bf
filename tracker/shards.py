"""Shards: the selected cases split over several machines, ``--shard I/N``.

A case belongs to shard ``I`` of ``N`` when the SHA-256 of its id (its first 8 bytes,
read as a big-endian number) is ``I - 1`` modulo ``N``. The hash is of the id alone, not
of the case's content hash nor of its place in the selection, so a case is in the same
shard whatever other cases are selected (another ``--set``, other ``--models``) and after
its definition is edited: its history stays with one machine, and the N shards of any
selection are disjoint and together cover it. The price is balance: shards are even only
on average, and with a handful of cases one shard may hold several more than another, or
none (an empty shard runs nothing and is not an error).

Standard library only: ``noxfile.py`` parses ``--shard`` in nox's own interpreter.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

from tracker.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/3"`` -> ``Shard(2, 3)``; a :class:`ConfigError` saying what is valid otherwise."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ConfigError(
                f"--shard {text!r} is not of the form I/N",
                hint="e.g. --shard 1/3 runs the first of three shards; run 2/3 and 3/3 elsewhere",
            )
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            raise ConfigError(
                f"--shard {text.strip()} is out of range: I must be between 1 and N, and N at least 1",
                hint=f"the shards of N={count} are 1/{count} to {count}/{count}" if count >= 1
                else "e.g. --shard 1/2 and --shard 2/2 split the cases in two",
            )
        return cls(index, count)

    def holds(self, case_id: str) -> bool:
        digest = hashlib.sha256(case_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
