"""Print where a sweep's time went: per pair (wall, cases, environment build, the
tracker's overhead), then per stage over all its pairs (seconds summed over cases, share
of the wall time, seconds per case). ``nox -s sweep`` ends with it."""

from __future__ import annotations

import argparse
import dataclasses
import json

from tracker.cli.common import add_store_option, store_path
from tracker.errors import SelectionError
from tracker.reports.times import sweep_table
from tracker.store import Store, times

HELP = "print where a sweep's time went, stage by stage (tracker run stores it)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sweep", metavar="ID", help="this sweep (runs.sweep_id; the default: the last one)")
    which.add_argument("--last", action="store_true",
                       help="the last sweep (the default), or the last `tracker run` if none was a sweep's")
    which.add_argument("--run", nargs="+", default=[], metavar="RUN_ID", help="these runs")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def main(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        sweep_id, run_ids = args.sweep, list(args.run)
        if sweep_id is None and not run_ids:
            sweep_id = times.last_sweep_id(store)
            last_run = times.last_run_id(store) if sweep_id is None else None
            run_ids = [last_run] if last_run else []
            if sweep_id is None and not run_ids:
                raise SelectionError("the store holds no times yet",
                                     hint="run a sweep first (`nox -s sweep`); its runs store their times")
        pairs = times.read(store, sweep_id=sweep_id, run_ids=run_ids)
    if not pairs:
        what = f"sweep {sweep_id}" if sweep_id else "run " + ", ".join(run_ids)
        raise SelectionError(f"no times stored for {what}",
                             hint="`tracker time` with no option shows the last sweep's")
    if args.format == "json":
        print(json.dumps({"sweep_id": sweep_id, "pairs": [p.to_json() for p in pairs],
                          "total": [dataclasses.asdict(t) for t in times.totals(pairs)]}, indent=2))
        return 0
    for line in sweep_table(pairs, sweep_id):
        print(line)
    return 0
