"""What changed at the newest step of each axis: for every pipeline variant and every
package that varies in it, the step into the newest version stored, with the regressions,
fixes and signature changes found there (every context: the other axes held at any of
their versions). What a maintainer asks first after a release; the report leads with it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from tracker.analysis import Group, version_key
from tracker.reports.steps import Step


@dataclasses.dataclass(frozen=True)
class NewestStep:
    converter: str  # pipeline.variant
    axis: str
    before: str  # the second newest version stored of the axis
    after: str  # the newest
    steps: tuple[Step, ...]  # the steps into ``after`` along the axis, of every kind and context

    def count(self, kind: str) -> int:
        return sum(len(step.transitions) for step in self.steps if step.kind == kind)


def newest_steps(groups: Iterable[Group], steps: Sequence[Step]) -> list[NewestStep]:
    """One :class:`NewestStep` per (pipeline variant, axis), in the groups' and axes' order.

    A step into the newest version counts whatever its earlier side: one over a version
    that could not be built (1.17.3 -> 1.20.1 over 1.19.2) is the newest step too."""
    found = []
    for group in groups:
        for axis in group.axes:
            versions = sorted({v for env in group.envs.values() if (v := env.versions.get(axis))}, key=version_key)
            if len(versions) < 2:
                continue
            into = tuple(s for s in steps if s.converter == group.name and s.axis == axis and s.after == versions[-1])
            found.append(NewestStep(group.name, axis, versions[-2], versions[-1], into))
    return found


def newest_of(newest: Iterable[NewestStep]) -> set[Step]:
    """Every step that one of ``newest`` holds."""
    return {step for item in newest for step in item.steps}
