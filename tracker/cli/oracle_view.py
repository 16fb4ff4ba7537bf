"""``tracker results --oracle NAME``: one oracle's verdicts, case x environment, and what
it measured, per environment."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from typing import Any

from tracker.render import render_number, render_table, shorten
from tracker.store import Store

_VERDICTS = """
    SELECT v.result_id, v.passed, v.subkind, v.message FROM verdicts v
    WHERE v.oracle = ? AND v.result_id IN (SELECT unnest(?::VARCHAR[]))
"""
_METRICS = """
    SELECT m.result_id, m.name, m.value FROM metrics m
    WHERE m.oracle = ? AND m.result_id IN (SELECT unnest(?::VARCHAR[]))
"""
CODES = {True: "pass", False: "FAIL", None: "n/a"}


def oracle_rows(store: Store, oracle: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (results) joined with the oracle's verdict and metrics, where it judged."""
    ids = [r["result_id"] for r in rows]
    verdicts = {v["result_id"]: v for v in store.query(_VERDICTS, [oracle, ids])}
    metrics: dict[str, dict[str, float]] = defaultdict(dict)
    for m in store.query(_METRICS, [oracle, ids]):
        metrics[m["result_id"]][m["name"]] = m["value"]
    joined = []
    for row in rows:
        verdict = verdicts.get(row["result_id"])
        if verdict is None:
            continue
        joined.append({**row, "passed": verdict["passed"], "verdict_subkind": verdict["subkind"],
                       "verdict_message": verdict["message"], "metrics": metrics.get(row["result_id"], {})})
    return joined


def known_oracles(store: Store) -> list[str]:
    return [r["oracle"] for r in store.query("SELECT DISTINCT oracle FROM verdicts ORDER BY oracle")]


def render(oracle: str, rows: list[dict[str, Any]], environments: list[dict[str, Any]]) -> str:
    columns = {e["column"]: i + 1 for i, e in enumerate(environments)}
    cells = {(r["case_id"], r["column"]): r for r in rows}
    kinds = {r["case_id"]: r["kind"] for r in rows}
    case_ids = sorted(kinds, key=lambda c: (kinds[c] != "real", c))
    table = [[case, kinds[case], *[CODES[cells[(case, e["column"])]["passed"]] if (case, e["column"]) in cells
                                   else "." for e in environments]] for case in case_ids]
    counts = [["pass / judged", ""]]
    for env in environments:
        judged = [r for r in rows if r["column"] == env["column"] and r["passed"] is not None]
        counts[0].append(f"{sum(1 for r in judged if r['passed'])}/{len(judged)}")
    out = [f"oracle {oracle}: pass, FAIL, n/a (not applicable); . = no verdict (the case failed before)",
           render_table(["case", "kind", *[str(columns[e["column"]]) for e in environments]], table + counts,
                        "<<" + ">" * len(environments))]
    out.append("\nenvironments:")
    out += [f"  {columns[e['column']]:>3}  {e['label'] or e['env_id']}" for e in environments]

    names = sorted({name for r in rows for name in r["metrics"] if "[" not in name})
    if names:
        out.append("\nmetrics, median over the cases judged (min - max):")
        metric_rows = []
        for env in environments:
            values = defaultdict(list)
            for r in rows:
                if r["column"] == env["column"]:
                    for name in names:
                        value = r["metrics"].get(name)
                        if value is not None and value == value:  # NaN is evidence, not a number to average
                            values[name].append(value)
            for name in names:
                if values[name]:
                    v = values[name]
                    metric_rows.append([str(columns[env["column"]]), name, render_number(statistics.median(v)),
                                        f"{render_number(min(v))} - {render_number(max(v))}", str(len(v))])
        out.append(render_table(["env", "metric", "median", "range", "cases"], metric_rows, "><>>>"))
    failures = Counter((r["verdict_subkind"] or "failed", shorten(r["verdict_message"] or "", 120))
                       for r in rows if r["passed"] is False)
    if failures:
        out.append("\nmost frequent failures:")
        out += [f"  {n:>4}  {kind:<16} {text}" for (kind, text), n in failures.most_common(12)]
    return "\n".join(out)


def as_json(rows: list[dict[str, Any]]) -> str:
    keep = ("case_id", "kind", "env_id", "label", "pipeline", "variant", "outcome", "passed",
            "verdict_subkind", "verdict_message", "metrics")
    return json.dumps([{k: r[k] for k in keep} for r in rows], indent=2, default=str)
