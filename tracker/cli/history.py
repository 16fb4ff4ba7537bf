"""Print every stored outcome of one case across environments, in version order
(pipeline, variant, then the versions of the packages the matrix varies), each
environment by its name (`nox -s "sweep(NAME)"` runs it again), with its error
signature, the error size an oracle declares (a max abs error), the metrics oracles declare
for its columns (errors against a float64 run, say) and the date. Only the case's newest
definition (content hash) unless --all-hashes. Lines are cut to the terminal's width."""

from __future__ import annotations

import argparse
import json

from tracker.analysis import load_groups
from tracker.analysis.history import CaseHistory, case_history
from tracker.cli.common import add_store_option, add_width_option, output_width, store_path
from tracker.render import fit, render_table, shorten, terminal_safe
from tracker.store import Store

HELP = "print every stored outcome of one case, in version order"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("case_id", metavar="CASE", help="a case id (see `tracker results`)")
    parser.add_argument(
        "--all-hashes",
        action="store_true",
        help="also the results of the case's older definitions (content hashes)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    add_width_option(parser)


def main(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        history = case_history(store, load_groups(store), args.case_id, all_hashes=args.all_hashes)
    if args.format == "json":
        rows = [{**row, "versions": dict(row["versions"])} for row in history.rows]
        print(json.dumps(rows, indent=2, default=str))
        return 0
    print(fit(terminal_safe(render_history(history, show_hash=args.all_hashes)), output_width(args)))
    return 0


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def render_history(history: CaseHistory, show_hash: bool) -> str:
    headers = ["environment", "outcome", "fault", "max abs error", *history.columns, "date", "signature"]
    if show_hash:
        headers.insert(0, "hash")
    rows = []
    for row in history.rows:
        outcome = row["outcome"] + (f"/{row['subkind']}" if row["subkind"] else "")
        if row["buildable"] is False:
            outcome += " (not built)"
        error = row["max_abs_error"]
        line = [
            row["label"],
            outcome,
            fault_text(row),
            "" if error is None else f"{error:.3g}",
            *(_number(row["columns"].get(label)) for label in history.columns),
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            shorten(row["signature"] or "", 100),
        ]
        rows.append([row["case_hash"], *line] if show_hash else line)
    hashes = dict.fromkeys(row["case_hash"] for row in history.rows)
    if not hashes and history.newest:  # the newest definition has no stored result yet
        hashes[history.newest] = None
    plural = "s" if len(hashes) > 1 else ""
    out = [f"{history.case_id}: {len(rows)} results, definition{plural} {', '.join(hashes)}\n"]
    out.append(render_table(headers, rows))
    if rows:
        out.append('\nenvironment: a matrix pair, `nox -s "sweep(ENVIRONMENT)"` runs it again')
    if history.hidden:
        count = sum(history.hidden.values())
        out.append(
            f"\n{len(history.hidden)} older definition(s) of this case have {count} more "
            "result(s), not compared with these: --all-hashes shows them"
        )
    if any(row["localized_by"] for row in history.rows):
        out.append("\nfault 'X as CASE': not run again in the second runtime, the same failure in the same "
                   "environment was localized on CASE (results.localized_by)")
    return "\n".join(out)


def fault_text(row: dict) -> str:
    """Whose fault a result's failure is, and which result's localization it shares."""
    if not row["localized_by"]:
        return row["fault_location"] or ""
    return f"{row['fault_location']} as {row['localized_case'] or 'result ' + row['localized_by'][:12]}"
