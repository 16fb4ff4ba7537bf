"""The second study's table itself, per model: for the cases whose inputs are a labelled data
set (their recipe has ``labels``: trained models judged on a test split), one row per model
and environment with its outcome and the measures the oracles declare for the report,
each as that result measured it (right predictions before and after conversion, under
each attack too, time, memory, size). A measure declared as a count
(how many classifiers) is an environment's, not a model's: it is left out here."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from tracker.declarations import ReportColumn
from tracker.store import Store
from tracker.store.views import LATEST_CASES, ResultRow

_LABELLED_CASES = f"""
    WITH {LATEST_CASES}
    SELECT c.case_id FROM cases c JOIN latest l ON l.case_id = c.case_id AND l.case_hash = c.case_hash
    WHERE json_extract(c.recipe, '$.labels') IS NOT NULL
"""

# every report measure of each result of a labelled case's newest definition. Needs declarations.declare
_MEASURES = f"""
    WITH {LATEST_CASES}
    SELECT r.case_id, r.env_id || ':' || r.pipeline || '.' || r.variant AS column_key, d.label, d.priority,
           d.oracle, m.value
    FROM results r
    JOIN latest l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    JOIN cases c ON c.case_id = r.case_id AND c.case_hash = r.case_hash
    JOIN metrics m ON m.result_id = r.result_id
    JOIN declared_metrics d ON d.oracle = m.oracle AND d.name = m.name
    WHERE json_extract(c.recipe, '$.labels') IS NOT NULL AND d.role = 'report' AND d.aggregate != 'count'
      AND isfinite(m.value) AND (? IS NULL OR r.pipeline = ?)
"""


@dataclasses.dataclass(frozen=True)
class LabelledRow:
    case_id: str
    column: str  # the matrix column (environment and pipeline variant), as ResultRow's
    converter: str  # pipeline.variant: the framework and the target format
    outcome: str
    values: dict[str, float]  # column label -> the value measured


@dataclasses.dataclass(frozen=True)
class LabelledTable:
    labels: tuple[str, ...]  # the measures' columns, in the declarations' order
    rows: tuple[LabelledRow, ...]  # by environment (in the matrix's order), then case


def labelled_table(store: Store, rows: Sequence[ResultRow], environments: Sequence[ResultRow],
                   columns: Sequence[ReportColumn], pipeline: str | None) -> LabelledTable:
    """The per-model table of the labelled cases among ``rows``; empty when there are none.
    Of declarations sharing a label, a result's measured one of lowest priority is shown."""
    labelled = {r["case_id"] for r in store.query(_LABELLED_CASES)}
    chosen = [row for row in rows if row["case_id"] in labelled]
    if not chosen:
        return LabelledTable((), ())
    values: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in sorted(store.query(_MEASURES, [pipeline, pipeline]), key=lambda r: (r["priority"], r["oracle"])):
        values[(row["case_id"], row["column_key"])].setdefault(row["label"], row["value"])
    order = {env["column"]: index for index, env in enumerate(environments)}
    chosen.sort(key=lambda row: (order.get(row["column"], len(order)), row["case_id"]))
    labels = tuple(c.label for c in columns if any(d.aggregate != "count" for d in c.declarations))
    return LabelledTable(labels, tuple(LabelledRow(row["case_id"], row["column"], f"{row['pipeline']}.{row['variant']}",
                                                   row["outcome"], values.get((row["case_id"], row["column"]), {}))
                                       for row in chosen))
