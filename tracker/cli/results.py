"""Print the case x environment matrix of outcomes, failure counts per kind, and the most
frequent error signatures."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from typing import Any

from packaging.version import InvalidVersion, Version

from tracker.cli import oracle_view
from tracker.cli.common import add_store_option, render_table, shorten, store_path
from tracker.errors import SelectionError
from tracker.outcomes import Outcome
from tracker.store import Store

HELP = "print the case x environment matrix of outcomes"

# A common table expression: the newest definition of each case (hashes are never mixed).
LATEST_CASES = """latest AS (
        SELECT case_id, arg_max(case_hash, first_seen) AS case_hash, any_value(kind) AS kind
        FROM cases GROUP BY case_id
    )"""

_QUERY = f"""
    WITH {LATEST_CASES}
    SELECT r.case_id, l.kind, r.result_id, r.env_id, e.label, e.buildable, r.pipeline, r.variant,
           r.outcome, r.subkind, r.stage, r.signature, r.fault_location, r.fault_stage, r.created_at
    FROM results r
    JOIN latest l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    JOIN environments e ON e.env_id = r.env_id
    WHERE (? IS NULL OR r.pipeline = ?)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("--pipeline", default=None, help="only this pipeline")
    parser.add_argument("--case", dest="cases", nargs="+", default=[], help="only these case ids")
    parser.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="output format"
    )
    parser.add_argument("--oracle", default=None, metavar="NAME",
                        help="show one oracle's verdicts and metrics instead of the outcomes "
                             "(an oracle's name, as `tracker plugins` lists them)")


def _version_key(label: str) -> tuple[Any, ...]:
    key: list[Any] = []
    for token in label.split():
        name, _, version = token.rpartition("-")
        try:
            key.append((name, Version(version)))
        except InvalidVersion:
            key.append((token, Version("0")))
    return tuple(key)


def query_rows(store: Store, pipeline: str | None = None) -> list[dict[str, Any]]:
    """Every result of the newest definition of each case (of one pipeline, if given).

    Each row gets its matrix ``column``: the environment *and* the pipeline variant, since
    variants that install the same packages (``tf2onnx.keras`` and ``tf2onnx.function``,
    ``torchscript`` and ``torchscript-dynamic``) share one environment; and a ``label``
    naming that variant (an environment's stored label is that of the first pair that
    built it)."""
    rows = store.query(_QUERY, [pipeline, pipeline])
    for row in rows:
        row["column"] = column_of(row)
        versions = (row["label"] or "").partition(" ")[2] or row["env_id"]
        row["label"] = f"{row['pipeline']}.{row['variant']} {versions}"
    return rows


def column_of(row: dict[str, Any]) -> str:
    return f"{row['env_id']}:{row['pipeline']}.{row['variant']}"


def ordered_environments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per column (environment and pipeline variant), by pipeline, variant and
    versions: the matrix's columns."""
    envs: dict[str, dict[str, Any]] = {}
    for row in rows:
        envs.setdefault(row["column"], row)
    return sorted(envs.values(), key=lambda e: (e["pipeline"], e["variant"], _version_key(e["label"] or "")))


def load_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    with Store.open(store_path(args), read_only=True) as store:
        rows = query_rows(store, args.pipeline)
    if args.cases:
        wanted = set(args.cases)
        rows = [r for r in rows if r["case_id"] in wanted]
    return rows


def main(args: argparse.Namespace) -> int:
    if args.oracle:
        return _main_oracle(args)
    rows = load_rows(args)
    if args.format == "json":
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["case_id"])
        writer.writeheader()
        writer.writerows(rows)
        return 0
    if not rows:
        print("the store holds no result yet (run `nox -s sweep`)")
        return 0
    print(render_matrix(rows))
    return 0


def _main_oracle(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        rows = [r for r in query_rows(store, args.pipeline) if not args.cases or r["case_id"] in args.cases]
        judged = oracle_view.oracle_rows(store, args.oracle, rows)
        known = oracle_view.known_oracles(store)
    if args.oracle not in known:
        raise SelectionError(f"no verdict of an oracle named {args.oracle!r} in the store",
                             hint=f"oracles with verdicts: {', '.join(known) or 'none yet'}")
    if args.format == "json":
        print(oracle_view.as_json(judged))
    elif args.format == "csv":
        flat = [{**{k: v for k, v in r.items() if k != "metrics"}, **r["metrics"]} for r in judged]
        names = list(dict.fromkeys(k for r in flat for k in r)) or ["case_id"]
        writer = csv.DictWriter(sys.stdout, fieldnames=names)
        writer.writeheader()
        writer.writerows(flat)
    else:
        print(oracle_view.render(args.oracle, judged, ordered_environments(rows)))
    return 0


def render_matrix(rows: list[dict[str, Any]]) -> str:
    ordered = ordered_environments(rows)
    labels = Counter(e["label"] for e in ordered)
    columns = {e["column"]: i + 1 for i, e in enumerate(ordered)}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    kinds: dict[str, str] = {}
    for row in rows:
        cells[(row["case_id"], row["column"])] = row
        kinds[row["case_id"]] = row["kind"]
    case_ids = sorted(kinds, key=lambda c: (kinds[c] != "real", c))

    headers = ["case", "kind"] + [str(columns[e["column"]]) for e in ordered]
    table = []
    for case_id in case_ids:
        line = [case_id, kinds[case_id]]
        for env in ordered:
            cell = cells.get((case_id, env["column"]))
            line.append(outcome_code(cell) if cell else ".")
        table.append(line)
    totals = ["ok / stored", ""]
    for env in ordered:
        stored = [cells[k] for k in cells if k[1] == env["column"]]
        ok = sum(1 for c in stored if c["outcome"] == Outcome.OK.value)
        totals.append(f"{ok}/{len(stored)}")
    table.append(totals)
    out = [render_table(headers, table, "<<" + ">" * len(ordered))]

    out.append("\nenvironments:")
    for env in ordered:
        label = env["label"] or env["env_id"]
        if labels[env["label"]] > 1:
            label += f"  [env {env['env_id']}]"
        if not env["buildable"]:
            label += "  (could not be built)"
        out.append(f"  {columns[env['column']]:>3}  {label}")

    out.append("\nfailures per kind (real | unit | synthetic):")
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        per_kind[row["outcome"]][row["kind"]] += 1
    kind_rows = []
    for outcome in Outcome:
        if outcome.value in per_kind:
            counts = per_kind[outcome.value]
            kind_rows.append([
                outcome.value, str(sum(counts.values())),
                str(counts.get("real", 0)), str(counts.get("unit", 0)), str(counts.get("synthetic", 0)),
            ])
    out.append(render_table(["outcome", "total", "real", "unit", "synthetic"], kind_rows, "<>>>>"))

    located = Counter((r["outcome"], r["fault_location"] or "not localized") for r in rows
                      if r["outcome"] not in (Outcome.OK.value, Outcome.ENV_ERROR.value, Outcome.NOT_RUNNABLE.value))
    if located:
        out.append("\nwhose fault (the second runtime localizes failures of the runtime stages):")
        places = ("converter", "runtime", "undetermined", "not localized")
        location_rows = [[outcome.value, *[str(located.get((outcome.value, p), 0)) for p in places]]
                         for outcome in Outcome if any((outcome.value, p) in located for p in places)]
        out.append(render_table(["outcome", *places], location_rows, "<>>>>"))
        stages = Counter(r["fault_stage"] for r in rows if r["fault_stage"])
        if stages:
            out.append("converter failures by stage: " + ", ".join(f"{s} {n}" for s, n in stages.most_common()))

    signatures = Counter(
        (r["outcome"], r["signature"]) for r in rows if r["outcome"] != Outcome.OK.value
    )
    if signatures:
        out.append("\nmost frequent failure signatures:")
        for (outcome, sig), count in signatures.most_common(12):
            out.append(f"  {count:>4}  {outcome:<18} {shorten(sig or '', 150)}")
    out.append(
        "\ncodes: " + ", ".join(f"{o.code}={o.value}" for o in Outcome) + ", UNSUP=unsupported operator"
    )
    return "\n".join(out)


def outcome_code(cell: dict[str, Any]) -> str:
    """The short code of a result's outcome in the matrix (UNSUP: an unsupported operator)."""
    if cell["outcome"] == Outcome.CONVERT_ERROR.value and cell["subkind"] == "unsupported":
        return "UNSUP"
    return Outcome(cell["outcome"]).code
