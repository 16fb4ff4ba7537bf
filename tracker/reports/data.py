"""What a report shows, gathered from the store once: the outcome of every case in every
environment, the error size per environment, regressions and fixes, and the failure
table in the shape of the published study of the ONNX converters."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import Any

from tracker.analysis import Transition, find_transitions, load_groups
from tracker.cli.results import ordered_environments, query_rows
from tracker.outcomes import Outcome
from tracker.store import Store

# The study's columns (converted, conversion failed, runtime load failed, mismatch,
# successful), then every other outcome so that nothing is hidden.
STUDY_COLUMNS = (
    ("converted", None),
    ("conversion failed", Outcome.CONVERT_ERROR.value),
    ("runtime load failed", Outcome.RUNTIME_LOAD_ERROR.value),
    ("mismatch", Outcome.INCORRECT.value),
    ("successful", Outcome.OK.value),
    ("invalid model", Outcome.INVALID_MODEL.value),
    ("runtime error", Outcome.RUNTIME_ERROR.value),
    ("crash", Outcome.CRASH.value),
    ("timeout", Outcome.TIMEOUT.value),
    ("env error", Outcome.ENV_ERROR.value),
    ("not runnable", Outcome.NOT_RUNNABLE.value),
)
# outcomes of a case whose conversion produced an artifact
_CONVERTED = {Outcome.OK, Outcome.INCORRECT, Outcome.INVALID_MODEL, Outcome.RUNTIME_LOAD_ERROR,
              Outcome.RUNTIME_ERROR}

_ERROR_SIZE = """
    SELECT r.env_id, median(m.value) AS median, max(m.value) AS max, count(*) AS n
    FROM metrics m JOIN results r USING (result_id)
    WHERE m.oracle = 'numeric' AND m.name = 'max_abs_error' AND isfinite(m.value)
    GROUP BY r.env_id
"""


@dataclasses.dataclass
class ReportData:
    rows: list[dict[str, Any]]  # one per (case, environment): results.query_rows
    environments: list[dict[str, Any]]  # the matrix's columns, in order
    cases: list[tuple[str, str]]  # (case id, kind): real first
    error_size: dict[str, dict[str, float]]  # env_id -> median, max, n
    transitions: list[Transition]
    study: list[tuple[str, str, dict[str, int]]]  # (pipeline.variant, kind, column -> count)

    def cell(self, case_id: str, env_id: str) -> dict[str, Any] | None:
        return self._cells.get((case_id, env_id))

    def counts(self, env_id: str) -> Counter[str]:
        return Counter(r["outcome"] for r in self.rows if r["env_id"] == env_id)

    def __post_init__(self) -> None:
        self._cells = {(r["case_id"], r["env_id"]): r for r in self.rows}


def gather(store: Store, pipeline: str | None = None) -> ReportData:
    rows = query_rows(store, pipeline)
    kinds = {r["case_id"]: r["kind"] for r in rows}
    error_size = {r["env_id"]: r for r in store.query(_ERROR_SIZE)}
    groups = load_groups(store, pipeline) if rows else []
    transitions = find_transitions(store, groups) if groups else []
    return ReportData(
        rows=rows,
        environments=ordered_environments(rows),
        cases=sorted(kinds.items(), key=lambda item: (item[1] != "real", item[0])),
        error_size=error_size,
        transitions=transitions,
        study=study_table(rows),
    )


def study_table(rows: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, int]]]:
    """Per converter (pipeline.variant) and case kind: results counted by the study's columns."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[(f"{row['pipeline']}.{row['variant']}", row["kind"])][row["outcome"]] += 1
    table = []
    for (converter, kind), by_outcome in sorted(counts.items()):
        line = {"results": sum(by_outcome.values()),
                "converted": sum(by_outcome[o.value] for o in _CONVERTED)}
        line |= {name: by_outcome[outcome] for name, outcome in STUDY_COLUMNS if outcome}
        table.append((converter, kind, line))
    return table
