"""How the environments lie along the axes, as the small tables the transitions query
joins in: numbered *series* (one axis of one pipeline variant in one context), each
environment's place in them (the rank of its version), and *twins* (environments with the
same versions of every axis, such as one rebuilt on another day)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.analysis.axes import Context, Group
from tracker.errors import SelectionError
from tracker.store.views import version_key


def axes_to_follow(groups: Sequence[Group], axis: str | None) -> dict[tuple[str, str], list[str]]:
    """(pipeline, variant) -> the axes to follow in it."""
    if axis is None:
        return {(g.pipeline, g.variant): list(g.axes) for g in groups}
    chosen = {(g.pipeline, g.variant): [axis] for g in groups if axis in g.varying}
    if not chosen:
        known = "; ".join(f"{g.name}: {', '.join(g.axes) or '(none)'}" for g in groups)
        raise SelectionError(
            f"no environment in the store differs from another in its {axis!r} version",
            hint=f"the axes in the store are {known or '(none: the store holds no result)'}",
        )
    return chosen


class Layout:
    """The tables as parallel lists (:attr:`slots`, :attr:`twins`), and the way back from
    their numbers: :attr:`series` and :attr:`versions`."""

    def __init__(self, groups: Sequence[Group], chosen: dict[tuple[str, str], list[str]]) -> None:
        self.groups = [g for g in groups if chosen.get((g.pipeline, g.variant))]
        self.chosen = chosen
        self.ranks = _version_ranks(self.groups, chosen)
        self.versions = {axis: sorted(ranks, key=ranks.__getitem__) for axis, ranks in self.ranks.items()}
        self.series: list[tuple[Group, str, Context]] = []  # series number -> what it follows
        self.slots = self._slot_columns()
        self.twins = self._twin_columns()

    def _slot_columns(self) -> dict[str, list[Any]]:
        numbers: dict[tuple[str, str, Context], int] = {}
        rows = []
        for group in self.groups:
            for axis in self.chosen[(group.pipeline, group.variant)]:
                for env in group.envs.values():
                    if axis not in env.versions:
                        continue
                    context = group.context(env.env_id, axis)
                    key = (group.name, axis, context)
                    if key not in numbers:
                        numbers[key] = len(self.series)
                        self.series.append((group, axis, context))
                    rank = self.ranks[axis][env.versions[axis]]
                    rows.append((env.env_id, group.pipeline, group.variant, numbers[key], rank))
        names = ("slot_envs", "slot_pipelines", "slot_variants", "slot_series", "slot_ranks")
        return _columns(names, rows)

    def _twin_columns(self) -> dict[str, list[Any]]:
        twin_sets: list[tuple[Group, list[str]]] = []
        for group in self.groups:
            names = sorted({*group.axes, *self.chosen[(group.pipeline, group.variant)]})
            alike: dict[tuple[str | None, ...], list[str]] = {}
            for env in group.envs.values():
                alike.setdefault(tuple(env.versions.get(n) for n in names), []).append(env.env_id)
            twin_sets += [(group, env_ids) for env_ids in alike.values() if len(env_ids) > 1]
        rows = [
            (env_id, group.pipeline, group.variant, number)
            for number, (group, env_ids) in enumerate(twin_sets)
            for env_id in env_ids
        ]
        return _columns(("twin_envs", "twin_pipelines", "twin_variants", "twin_ids"), rows)


def _columns(names: Sequence[str], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows as parallel lists, the form the query's ``unnest`` parameters take."""
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _version_ranks(
    groups: Sequence[Group], chosen: dict[tuple[str, str], list[str]]
) -> dict[str, dict[str, int]]:
    """axis -> version -> its rank among every version of that package in the store."""
    versions: dict[str, set[str]] = {}
    for group in groups:
        for axis in chosen.get((group.pipeline, group.variant), []):
            for env in group.envs.values():
                if axis in env.versions:
                    versions.setdefault(axis, set()).add(env.versions[axis])
    return {
        axis: {v: rank for rank, v in enumerate(sorted(values, key=version_key))}
        for axis, values in versions.items()
    }
