"""Every stored outcome of one case, in version order.

Rows are ordered as the columns of ``tracker results``: by pipeline, variant, then the
versions their environment's name lists (its pair id, :mod:`tracker.store.labels`), each
in ``packaging.version`` order. Each row names its environment (``label``: ``nox -s
"sweep(LABEL)"`` runs it again) and gives the versions of the variant's axes. By default only the case's
newest definition (content hash) is shown, as everywhere else
(:data:`tracker.store.views.LATEST_CASES`); older definitions are counted, and shown on
request, newest first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

from tracker.analysis.axes import Group
from tracker.declarations import DRIFT_BY_RESULT, declare
from tracker.errors import SelectionError
from tracker.store import Store
from tracker.store.views import label_key, newest_case_hash

# the metrics declared for the columns of `tracker history`, of one case's results, by label
_COLUMNS = """
    SELECT m.result_id, d.label, arg_min(m.value, d.priority) AS value, min(d.priority) AS priority
    FROM metrics m JOIN declared_metrics d ON d.oracle = m.oracle AND d.name = m.name
    JOIN results r ON r.result_id = m.result_id
    WHERE d.role = 'history' AND r.case_id = ?
    GROUP BY m.result_id, d.label
    ORDER BY priority, d.label
"""

_QUERY = f"""
    SELECT r.result_id, r.case_hash, c.first_seen AS defined, r.pipeline, r.variant, r.env_id, e.label,
           e.buildable, r.outcome, r.subkind, r.stage, r.signature, r.fault_location, r.localized_by,
           lr.case_id AS localized_case, m.value AS max_abs_error, r.run_seconds, r.created_at
    FROM results r
    LEFT JOIN results lr ON lr.result_id = r.localized_by
    LEFT JOIN cases c ON c.case_id = r.case_id AND c.case_hash = r.case_hash
    LEFT JOIN environments e ON e.env_id = r.env_id
    LEFT JOIN ({DRIFT_BY_RESULT}) m ON m.result_id = r.result_id
    WHERE r.case_id = ?
"""


@dataclasses.dataclass
class CaseHistory:
    case_id: str
    rows: list[dict[str, Any]]  # in display order, each with "versions": [(name, version)], "columns": {label: value}
    hidden: dict[str, int]  # older definitions not shown: case hash -> result count
    newest: str | None = None  # the newest definition's hash (its results may not be stored yet)
    columns: list[str] = dataclasses.field(default_factory=list)  # labels of the `history` metrics measured


def case_history(
    store: Store, groups: Sequence[Group], case_id: str, *, all_hashes: bool = False
) -> CaseHistory:
    """:raises SelectionError: the store holds no result of ``case_id``."""
    declare(store)  # the drift metric of the query, the history columns
    rows = store.query(_QUERY, [case_id])
    if not rows:
        raise _unknown_case(store, case_id)
    measured = store.query(_COLUMNS, [case_id])
    columns = list(dict.fromkeys(m["label"] for m in measured))
    by_result: dict[Any, dict[str, float]] = {}
    for metric in measured:
        by_result.setdefault(metric["result_id"], {})[metric["label"]] = metric["value"]
    for row in rows:
        row["columns"] = by_result.get(row.pop("result_id"), {})
    newest = newest_case_hash(store, case_id)
    by_name = {(g.pipeline, g.variant): g for g in groups}
    for row in rows:  # an environment missing from its table has no known versions
        group = by_name.get((row["pipeline"], row["variant"]))
        env = group.envs.get(row["env_id"]) if group else None
        versions = env.versions if env else {}
        row["versions"] = [(name, versions.get(name)) for name in (group.axes if group else ())]
        row["label"] = env.label if env else f"{row['pipeline']}.{row['variant']} {row['env_id']}"
    hidden: dict[str, int] = {}
    if not all_hashes:
        for row in rows:
            if row["case_hash"] != newest:
                hidden[row["case_hash"]] = hidden.get(row["case_hash"], 0) + 1
        rows = [r for r in rows if r["case_hash"] == newest]
    rows.sort(key=lambda r: (r["pipeline"], r["variant"], label_key(r["label"])))
    rows.sort(key=_defined, reverse=True)  # a stable sort: newest definition first
    return CaseHistory(case_id, rows, hidden, newest, columns)


def _defined(row: dict[str, Any]) -> dt.datetime:
    return row["defined"] or dt.datetime.min


def _unknown_case(store: Store, case_id: str) -> SelectionError:
    if store.query("SELECT 1 FROM cases WHERE case_id = ?", [case_id]):
        return SelectionError(
            f"case {case_id!r} is known but has no stored result yet",
            hint=f"run a sweep that selects it: nox -s sweep -- --models {case_id}",
        )
    stored = [r["case_id"] for r in store.query("SELECT DISTINCT case_id FROM results")]
    close = difflib.get_close_matches(case_id, stored, n=5)
    return SelectionError(
        f"the store holds no result of case {case_id!r}",
        hint=(f"did you mean {', '.join(close)}? " if close else "")
        + ("`tracker results` lists the stored cases" if stored else "run `nox -s sweep` first"),
    )
