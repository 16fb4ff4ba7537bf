"""Merge store files into one, without duplicates: the stores of the shards of a sweep
(``--shard I/N``), of several machines, or of the jobs of a CI workflow.

A result is identified by its environment, configuration, case id and case hash; when
two inputs hold one, the newer is kept with its verdicts and metrics. Every run is kept.
Merging the same input again changes nothing. OUT is created if it does not exist; the
inputs are only read. Artifacts and logs stay in each input's cache directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.store.merge import merge_stores

HELP = "merge store files into one (the stores of shards, machines or CI jobs)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT", help="the merged store (created if missing)")
    parser.add_argument("inputs", type=Path, nargs="+", metavar="IN", help="the stores to merge into OUT")


def main(args: argparse.Namespace) -> int:
    merged = merge_stores(args.out, args.inputs)
    for one in merged:
        print(one.line())
    total = sum(one.added.get("results", 0) for one in merged)
    print(f"merged {len(merged)} store(s) into {args.out}: {total} result(s) added or updated")
    return 0
