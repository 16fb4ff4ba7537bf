"""The order in which the sweep takes the matrix's pairs: the most useful results first.

1. Pairs whose runtime runs on this platform before those that cannot run here (a pipeline's
   ``runs-on`` in ``envs/``: Core ML predicts on macOS only; elsewhere its pairs only convert).
2. Among those, each variant's newest pair (every axis at its newest version) and its
   neighbour steps (one axis one release back) before the older history: after these, the
   newest step of every axis has both ends stored, so ``tracker regressions`` already has
   its first table. A runtime step comes before a converter step (it reuses the newest
   pair's conversions).
3. Then the rest of each variant's history, newest first.

Within each group the variants keep the matrix's order. Standard library and ``packaging``
only: ``noxfile.py`` orders its sessions with it in nox's own interpreter.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from tracker.matrix import AxisValue, Pair

NEWEST_AND_NEIGHBOURS = 1  # how many releases back, summed over the axes, count as "newest"


def runs_here(pair: Pair, platform: str = sys.platform) -> bool:
    """Whether the pair's runtime can run on ``platform`` (``sys.platform`` values)."""
    return not pair.runs_on or platform in pair.runs_on


def by_usefulness(pairs: Sequence[Pair], platform: str = sys.platform) -> list[Pair]:
    """``pairs`` in the order the sweep takes them (see the module's docstring)."""
    variants = list(dict.fromkeys((p.pipeline, p.variant) for p in pairs))
    ages = _ages(pairs)

    def key(indexed: tuple[int, Pair]) -> tuple[int, ...]:
        index, pair = indexed
        converter_age, runtime_age = ages[index]
        age = converter_age + runtime_age
        return (
            0 if runs_here(pair, platform) else 1,
            0 if age <= NEWEST_AND_NEIGHBOURS else 1,
            variants.index((pair.pipeline, pair.variant)),
            age,
            converter_age,
            index,
        )

    return [pair for _, pair in sorted(enumerate(pairs), key=key)]


def _ages(pairs: Sequence[Pair]) -> list[tuple[int, int]]:
    """For each pair: how many releases back from its variant's newest its converter axes
    are, and its runtime axes (summed over the axes)."""
    versions: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for pair in pairs:
        for axis in pair.axes:
            versions[(pair.pipeline, pair.variant, axis.package)].add(axis.version)
    newest_first = {key: sorted(found, key=_version_key, reverse=True) for key, found in versions.items()}

    def age(pair: Pair, axes: Sequence[AxisValue]) -> int:
        return sum(newest_first[(pair.pipeline, pair.variant, a.package)].index(a.version) for a in axes)

    return [(age(p, p.converter_axes), age(p, p.runtime_axes)) for p in pairs]


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)
