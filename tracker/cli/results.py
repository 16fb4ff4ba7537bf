"""Print the case x environment matrix of outcomes, failure counts per kind, and the most
frequent error signatures."""

from __future__ import annotations

import argparse
import csv
import json
import sys

from tracker.cli import oracle_view
from tracker.cli.common import add_store_option, store_path
from tracker.errors import SelectionError
from tracker.render import render_matrix, terminal_safe
from tracker.store import Store
from tracker.store.views import ResultRow, ordered_environments, query_rows

HELP = "print the case x environment matrix of outcomes"


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


def load_rows(args: argparse.Namespace) -> list[ResultRow]:
    with Store.open(store_path(args), read_only=True) as store:
        rows = query_rows(store, args.pipeline)  # refuses an outcome it does not know: one line
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
    print(terminal_safe(render_matrix(rows)))
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
        print(terminal_safe(oracle_view.render(args.oracle, judged, ordered_environments(rows))))
    return 0
