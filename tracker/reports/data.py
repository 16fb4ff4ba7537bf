"""What a report shows, gathered from the store once: the outcome of every case in every
environment, the error size per environment, regressions and fixes, the failure table in
the shape of the published study of the ONNX converters, and the conversion-quality
table in the shape of the empirical study of model conversion (the measures the oracles
declare for it: :mod:`tracker.declarations`) and, for the cases with labels, that
study's table per model (:mod:`tracker.reports.labelled`), where the newest sweep's time went, the
newest step of each axis, and how each pair's newest run ended (an interrupted pair is
marked in the page)."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import Any

from tracker.analysis import find_transitions, load_groups
from tracker.api import MetricDeclaration
from tracker.declarations import DRIFT_BY_RESULT, ReportColumn, declare, of_role, report_columns
from tracker.outcomes import Outcome
from tracker.reports.labelled import LabelledTable, labelled_table
from tracker.reports.newest import NewestStep, newest_steps
from tracker.reports.steps import Step, group_steps
from tracker.store import Store, times
from tracker.store.times import PairTimes
from tracker.store.views import LATEST_CASES, ResultRow, ordered_environments, query_rows

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
# The study's two kinds of model, then ours: every converter gets a line for each.
STUDY_KINDS = ("real", "synthetic", "unit")
# A result was converted when the converter wrote an artifact: it failed (crashed, timed
# out) at a later stage, or ended in one of these outcomes.
_CONVERTED = {Outcome.OK.value, Outcome.INCORRECT.value, Outcome.INVALID_MODEL.value,
              Outcome.RUNTIME_LOAD_ERROR.value, Outcome.RUNTIME_ERROR.value}
_AFTER_CONVERSION = {"check", "load", "run", "judge"}

_ERROR_SIZE = f"""
    WITH {LATEST_CASES}
    SELECT r.env_id || ':' || r.pipeline || '.' || r.variant AS column_key, median(m.value) AS median,
           max(m.value) AS max, count(*) AS n
    FROM ({DRIFT_BY_RESULT}) m JOIN results r USING (result_id)
    JOIN latest l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    WHERE isfinite(m.value) AND (? IS NULL OR r.pipeline = ?)
    GROUP BY column_key
"""

FAULT_LOCATIONS = ("converter", "runtime", "undetermined")

# How the newest run of each column ended (runs.status: running | finished | interrupted |
# failed | killed); a column without a run (a merged store's) has none.
_NEWEST_RUNS = """
    SELECT env_id || ':' || pipeline || '.' || variant AS column_key, status
    FROM runs
    QUALIFY row_number() OVER (PARTITION BY env_id, pipeline, variant ORDER BY started_at DESC) = 1
"""

# The second study's measures, per environment: every aggregate of each metric declared
# for the report (:func:`tracker.declarations.report_columns`)
_QUALITY = f"""
    WITH {LATEST_CASES}
    SELECT r.env_id || ':' || r.pipeline || '.' || r.variant AS column_key, d.label, d.priority, d.oracle,
           d.aggregate, avg(m.value) AS mean, median(m.value) AS median, count(*) AS count
    FROM metrics m JOIN results r USING (result_id)
    JOIN latest l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    JOIN declared_metrics d ON d.oracle = m.oracle AND d.name = m.name
    WHERE d.role = 'report' AND isfinite(m.value) AND (? IS NULL OR r.pipeline = ?)
    GROUP BY column_key, d.label, d.priority, d.oracle, d.aggregate
"""


@dataclasses.dataclass
class ReportData:
    rows: list[ResultRow]  # one per (case, environment): store.views.query_rows
    environments: list[ResultRow]  # the matrix's columns, in order
    cases: list[tuple[str, str]]  # (case id, kind): real first
    error_size: dict[str, dict[str, float]]  # column -> median, max, n (of the declared drift metric)
    steps: list[Step]  # regressions, fixes and the other transitions, grouped
    study: list[tuple[str, str, dict[str, int]]]  # (pipeline.variant, kind, column -> count)
    # column -> quality_columns' label -> value, and FAULT_LOCATIONS -> count
    quality: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    quality_columns: list[ReportColumn] = dataclasses.field(default_factory=list)  # as the oracles declare
    drift: list[MetricDeclaration] = dataclasses.field(default_factory=list)  # the error size's metric(s)
    sweep_id: str | None = None  # the newest sweep with stored times
    times: list[PairTimes] = dataclasses.field(default_factory=list)  # where its time went, per pair
    newest: list[NewestStep] = dataclasses.field(default_factory=list)  # each axis's step into its newest version
    run_status: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> its newest run's status
    # the labelled cases (trained models on a test split): one row per model and environment
    labelled: LabelledTable = dataclasses.field(default_factory=lambda: LabelledTable((), ()))

    def cell(self, case_id: str, column: str) -> ResultRow | None:
        return self._cells.get((case_id, column))

    def counts(self, column: str) -> Counter[str]:
        return self._counts[column]

    def outcomes(self) -> list[str]:
        """The outcomes present, in the taxonomy's order."""
        present = {r["outcome"] for r in self.rows}
        return [o.value for o in Outcome if o.value in present]

    def __post_init__(self) -> None:
        self._cells = {(r["case_id"], r["column"]): r for r in self.rows}
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            self._counts[row["column"]][row["outcome"]] += 1


def gather(store: Store, pipeline: str | None = None) -> ReportData:
    rows = query_rows(store, pipeline)
    kinds = {r["case_id"]: r["kind"] for r in rows}
    groups = load_groups(store, pipeline) if rows else []
    declarations = declare(store)
    sweep_id = times.last_sweep_id(store)
    steps = group_steps(find_transitions(store, groups)) if groups else []
    environments = ordered_environments(rows)
    columns = report_columns(declarations)
    return ReportData(
        rows=rows,
        environments=environments,
        cases=sorted(kinds.items(), key=lambda item: (item[1] != "real", item[0])),
        error_size={r["column_key"]: r for r in store.query(_ERROR_SIZE, [pipeline, pipeline])},
        steps=steps,
        study=study_table(rows),
        quality=quality_table(store, rows, pipeline),
        quality_columns=columns,
        drift=of_role(declarations, "drift"),
        sweep_id=sweep_id,
        times=times.read(store, sweep_id=sweep_id) if sweep_id else [],
        newest=newest_steps(groups, steps),
        run_status={r["column_key"]: r["status"] for r in store.query(_NEWEST_RUNS)},
        labelled=labelled_table(store, rows, environments, columns, pipeline),
    )


def quality_table(store: Store, rows: list[dict[str, Any]], pipeline: str | None) -> dict[str, dict[str, float]]:
    """Per environment: the measures the oracles declare for the report, each by its label
    (of declarations sharing one, the measured one of lowest priority), folded by its
    declared aggregate; and where failures were localized. Needs :func:`declare`."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for row in sorted(store.query(_QUALITY, [pipeline, pipeline]), key=lambda r: (r["priority"], r["oracle"])):
        # the aggregate is one of METRIC_AGGREGATES, each a column of the query: checked when declared and read back
        table[row["column_key"]].setdefault(row["label"], row[row["aggregate"]])
    for row in rows:
        if row.get("fault_location") in FAULT_LOCATIONS:
            line = table[row["column"]]
            line[row["fault_location"]] = line.get(row["fault_location"], 0) + 1
    return dict(table)


def short_code(outcome: str) -> str:
    """The outcome's code for dense tables (``LOAD``); one from a newer tracker as it is."""
    try:
        return Outcome(outcome).code
    except ValueError:
        return outcome


def study_table(rows: list[ResultRow]) -> list[tuple[str, str, dict[str, int]]]:
    """Per converter (pipeline.variant) and case kind: results counted by the study's columns."""
    results: dict[tuple[str, str], list[ResultRow]] = defaultdict(list)
    converters = set()
    for row in rows:
        converter = f"{row['pipeline']}.{row['variant']}"
        converters.add(converter)
        results[(converter, row["kind"])].append(row)
    kinds = list(STUDY_KINDS) + sorted({kind for _, kind in results} - set(STUDY_KINDS))
    return [(converter, kind, _study_line(results[(converter, kind)]))
            for converter in sorted(converters) for kind in kinds]


def _study_line(rows: list[ResultRow]) -> dict[str, int]:
    by_outcome = Counter(r["outcome"] for r in rows)
    line = {
        "cases": len({r["case_id"] for r in rows}),
        "results": len(rows),
        "converted": sum(1 for r in rows if r["outcome"] in _CONVERTED or r["stage"] in _AFTER_CONVERSION),
    }
    return line | {name: by_outcome[outcome] for name, outcome in STUDY_COLUMNS if outcome}
