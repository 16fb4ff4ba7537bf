"""Merge store files into one, without duplicates: the stores of the shards of a sweep
(``--shard I/N``), of several machines, or of the jobs of a CI workflow.

A result is identified by its environment, configuration, case id and case hash; when
two inputs hold one, the newer is kept with its verdicts and metrics. Every run is kept.
Merging the same input again changes nothing. OUT is created if it does not exist; the
inputs are only read (each with its write-ahead log, STORE.wal, when it lies beside it: a
killed sweep's latest results are there). Artifacts and logs stay in each input's cache
directory.

An input that cannot be read (missing, not a store, from a newer tracker, damaged) is
reported on a line of its own and the others are merged; the command then exits 5.
With --all-or-nothing, such an input refuses the merge before anything is written (exit 5).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tracker.errors import StoreError
from tracker.store.merge import merge_stores

HELP = "merge store files into one (the stores of shards, machines or CI jobs)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT", help="the merged store (created if missing)")
    parser.add_argument("inputs", type=Path, nargs="+", metavar="IN", help="the stores to merge into OUT")
    parser.add_argument("--all-or-nothing", action="store_true",
                        help="merge nothing if an input cannot be read (default: merge the others, report "
                             "each one that cannot be read, exit 5)")


def main(args: argparse.Namespace) -> int:
    report = merge_stores(args.out, args.inputs, all_or_nothing=args.all_or_nothing)
    for one in report.merged:
        print(one.line())
    for one in report.unreadable:
        print(one.line(), file=sys.stderr)
    total = sum(one.added.get("results", 0) for one in report.merged)
    print(f"merged {len(report.merged)} store(s) into {args.out}: {total} result(s) added or updated"
          + (f"; {len(report.unreadable)} input(s) could not be read" if report.unreadable else ""))
    return StoreError.exit_code if report.unreadable else 0
