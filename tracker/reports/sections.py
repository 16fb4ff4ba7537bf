"""The page's layout of a big matrix: one section per pipeline variant, each with its own
heatmap (its own cases, its own columns), the sections whose runtime could run where the
results were made first, the platform-limited ones (Core ML off macOS: ``not_runnable``)
last; every column numbered across the page, and marked when its pair did not finish."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

from tracker.outcomes import Outcome
from tracker.reports.data import ReportData
from tracker.store.views import ResultRow

UNFINISHED = {"interrupted": "interrupted", "killed": "interrupted", "failed": "interrupted",
              "running": "not finished"}  # runs.status -> the column's mark


@dataclasses.dataclass(frozen=True)
class Column:
    number: int  # across the page: the # of the per-environment tables
    env: ResultRow
    results: int  # stored, of the section's cases
    cases: int  # the section's
    mark: str | None  # None | "interrupted" | "not finished" (its run still running, or killed) | "partial"

    @property
    def note(self) -> str:
        """``interrupted: 12 of 25 cases``; empty for a complete column."""
        return f"{self.mark}: {self.results} of {self.cases} cases" if self.mark else ""


@dataclasses.dataclass(frozen=True)
class Section:
    converter: str  # pipeline.variant
    limited: bool  # its runtime could not run where the results were made (:func:`_limited`)
    cases: tuple[tuple[str, str], ...]  # (case id, kind) with a result in the section, real first
    columns: tuple[Column, ...]

    @property
    def anchor(self) -> str:
        return f"pipeline-{self.converter}"


def sections(data: ReportData) -> list[Section]:
    """The sections in page order: runnable first, then the matrix's order."""
    groups = [(converter, list(envs)) for converter, envs in itertools.groupby(
        data.environments, key=lambda e: f"{e['pipeline']}.{e['variant']}")]
    limited = {converter: _limited([data.counts(e["column"]) for e in envs]) for converter, envs in groups}
    groups.sort(key=lambda group: limited[group[0]])  # stable: the matrix's order within
    found, number = [], 0
    for converter, envs in groups:
        columns = {e["column"] for e in envs}
        with_result = {r["case_id"] for r in data.rows if r["column"] in columns}
        cases = tuple(case for case in data.cases if case[0] in with_result)
        marked = []
        for env in envs:
            number += 1
            results = sum(data.counts(env["column"]).values())
            status = data.run_status.get(env["column"])
            marked.append(Column(number, env, results, len(cases), _mark(status, results, len(cases))))
        found.append(Section(converter, limited[converter], cases, tuple(marked)))
    return found


def _limited(counts: list[Counter[str]]) -> bool:
    """Whether a pipeline's runtime ran nothing where its results were made: some results are
    ``not_runnable`` and none is ``ok`` (Core ML off macOS converts and checks only)."""
    return any(c[Outcome.NOT_RUNNABLE.value] for c in counts) and not any(c[Outcome.OK.value] for c in counts)


def _mark(status: str | None, results: int, cases: int) -> str | None:
    if status in UNFINISHED:
        return UNFINISHED[status]
    return "partial" if results < cases else None
