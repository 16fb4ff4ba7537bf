"""Read-side views of the store, shared by the commands, the analyses and the reports:
the newest definition of each case, the results of those definitions, and the matrix's
columns (environment and pipeline variant) in version order.

Results are never compared across a case's content hashes: every view here shows the
newest definition of a case only (:data:`LATEST_CASES`). Versions are compared in
``packaging.version`` order everywhere (:func:`version_key`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

from packaging.version import InvalidVersion, Version

from tracker.errors import StoreError
from tracker.outcomes import Outcome
from tracker.store.labels import COLUMN_PAIRS, column_label
from tracker.store.store import Store

# A common table expression: the newest definition of each case (hashes are never mixed).
LATEST_CASES = """latest AS (   -- the newest definition of each case: hashes are never mixed
        SELECT case_id, arg_max(case_hash, first_seen) AS case_hash, any_value(kind) AS kind
        FROM cases GROUP BY case_id
    )"""

_RESULTS = f"""
    WITH {LATEST_CASES}, {COLUMN_PAIRS}
    SELECT r.case_id, l.kind, r.result_id, r.env_id, e.label, e.buildable, r.pipeline, r.variant,
           r.outcome, r.subkind, r.stage, r.signature, r.fault_location, r.fault_stage,
           r.localized_by, r.created_at, p.pair_id
    FROM results r
    JOIN latest l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    JOIN environments e ON e.env_id = r.env_id
    LEFT JOIN column_pairs p ON p.env_id = r.env_id AND p.pipeline = r.pipeline AND p.variant = r.variant
    WHERE (? IS NULL OR r.pipeline = ?)
"""

_NEWEST_HASH = f"WITH {LATEST_CASES} SELECT case_hash FROM latest WHERE case_id = ?"


class ResultRow(TypedDict):
    """One result of a case's newest definition, as :func:`query_rows` returns it (the keys
    in this order are the columns of ``tracker results --format json``/``csv``)."""

    case_id: str
    kind: str  # real | unit | synthetic
    result_id: str
    env_id: str
    label: str  # the column's name: its matrix pair's id, `nox -s "sweep(LABEL)"` (tracker.store.labels)
    buildable: bool
    pipeline: str
    variant: str
    outcome: str
    subkind: str | None
    stage: str | None
    signature: str | None
    fault_location: str | None
    fault_stage: str | None
    localized_by: str | None  # the result whose localization of the same failure this one shares
    created_at: dt.datetime
    column: str  # the matrix column: environment and pipeline variant (column_of)


def query_rows(store: Store, pipeline: str | None = None) -> list[ResultRow]:
    """Every result of the newest definition of each case (of one pipeline, if given).

    Each row gets its matrix ``column``: the environment *and* the pipeline variant, since
    variants that install the same packages (``tf2onnx.keras`` and ``tf2onnx.function``,
    ``torchscript`` and ``torchscript-dynamic``) share one environment; and a ``label``
    naming that column: the id of the matrix pair run there, the parameter of its nox
    session (:func:`tracker.store.labels.column_label`)."""
    rows = store.query(_RESULTS, [pipeline, pipeline])
    for row in rows:
        known_outcome(store, row)
        row["column"] = column_of(row)
        pair_id = row.pop("pair_id")
        row["label"] = column_label(row["pipeline"], row["variant"], pair_id, row["label"], row["env_id"])
    return cast(list[ResultRow], rows)


KNOWN_OUTCOMES = frozenset(o.value for o in Outcome)


def known_outcome(store: Store, row: Mapping[str, Any]) -> None:
    """Refuse a result whose outcome is not of the taxonomy: a store is untrusted input
    (merged from elsewhere, or written by a newer tracker), and every reader maps outcomes."""
    if row["outcome"] not in KNOWN_OUTCOMES:
        case = re.sub(r"[^\x20-\x7e]", "?", str(row["case_id"]))[:80]
        outcome = re.sub(r"[^\x20-\x7e]", "?", str(row["outcome"]))[:40]
        raise StoreError(
            f"{store.snapshot_of or store.path}: case {case!r} has the outcome {outcome!r}, which this tracker "
            f"does not know (known: {', '.join(sorted(KNOWN_OUTCOMES))})",
            hint="a newer tracker or another program wrote it: upgrade converter-tracker, or fix that row")


def newest_case_hash(store: Store, case_id: str) -> str | None:
    """The content hash of the newest definition of a case; ``None`` for an unknown case."""
    rows = store.query(_NEWEST_HASH, [case_id])
    return rows[0]["case_hash"] if rows else None


def column_of(row: ResultRow | dict[str, Any]) -> str:
    """A result's matrix column: ``env_id:pipeline.variant``."""
    return f"{row['env_id']}:{row['pipeline']}.{row['variant']}"


def ordered_environments(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """One row per column (environment and pipeline variant), by pipeline, variant and
    versions: the matrix's columns."""
    envs: dict[str, ResultRow] = {}
    for row in rows:
        envs.setdefault(row["column"], row)
    return sorted(envs.values(), key=lambda e: (e["pipeline"], e["variant"], label_key(e["label"] or "")))


def label_key(label: str) -> tuple[tuple[str, tuple[int, Any]], ...]:
    """Sort key of an environment's label (``torch-onnx.dynamo onnxruntime-1.20.1
    onnxscript-0.9.0``): its ``package-version`` words in order, each by package name, then
    version (:func:`version_key`); a word without a dash is a version without a name."""
    key = []
    for word in label.split():
        name, _, version = word.rpartition("-")
        key.append((name, version_key(version)))
    return tuple(key)


def version_key(text: str | None) -> tuple[int, Any]:
    """Sort key in ``packaging.version`` order; what is not a PEP 440 version sorts after
    every version, as text, and a missing version last."""
    if text is None:
        return (2, "")
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def pair_seconds(store: Store, labels: Sequence[str]) -> dict[str, float]:
    """Label -> seconds its newest finished run that computed something took."""
    if not labels:
        return {}
    rows = store.query(
        """SELECT label, epoch(finished_at) - epoch(started_at) AS seconds FROM runs
           WHERE label IN (SELECT unnest(?)) AND status = 'finished' AND computed > 0
             AND finished_at IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY label ORDER BY started_at DESC) = 1""",
        [list(labels)],
    )
    return {row["label"]: float(row["seconds"]) for row in rows}
