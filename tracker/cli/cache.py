"""Bound the cache of artifacts and references to a budget: ``tracker cache prune
--budget 5GB`` removes what is least needed first until the cache fits, and loses no
result (results, verdicts, metrics and each artifact's hash live in the store; a later
sweep converts or computes again what it needs and finds missing). ``--dry-run`` lists
what would go. The store is held while files are removed, so a sweep cannot start
meanwhile; while a sweep runs, prune refuses (the store is in use). See docs/sweep.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracker import prune
from tracker.cli.common import add_store_option, cache_path, store_path
from tracker.disk import human, parse_size
from tracker.errors import StoreError
from tracker.matrix import Pair, load_matrix
from tracker.store import Store
from tracker.worker.cache import Cache

HELP = "bound the cache of artifacts and references to a budget (tracker cache prune --budget 5GB)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    pruning = actions.add_parser("prune", help="remove what is least needed until the cache fits the budget",
                                 description=__doc__)
    pruning.add_argument("--budget", required=True, type=str, metavar="SIZE",
                         help="what the cache may keep: 5GB, 500MB, 1.5GiB, 0 (decimal units; GiB = 2^30)")
    pruning.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    pruning.add_argument("--matrix", type=Path, default=None,
                         help="the version matrix whose converter sides are kept longer "
                              "(default: $TRACKER_MATRIX or envs/, when it exists)")
    add_store_option(pruning)


def main(args: argparse.Namespace) -> int:
    budget = parse_size(args.budget)
    store = store_path(args)
    if not store.is_file():
        raise StoreError(f"no store at {store}: without it, cached artifacts cannot be matched to their results",
                         hint="point --store (or TRACKER_STORE) at the store this cache belongs to")
    cache = Cache(cache_path(store))
    pairs = _matrix(args.matrix)
    with Store.open(store, read_only=args.dry_run) as held:  # held: no sweep starts meanwhile
        found = prune.entries(cache, prune.uses(held.query(prune.USES_SQL)), pairs)
        chosen = prune.choose(found, budget)
        if not args.dry_run:
            for entry in chosen:
                prune.remove(entry)
    _report(cache, found, chosen, budget, args.dry_run, pairs is not None)
    return 0


def _matrix(given: Path | None) -> list[Pair] | None:
    location = given or Path(os.environ.get("TRACKER_MATRIX") or "envs")
    if given is None and not location.exists():
        return None
    return load_matrix(location)


def _report(cache: Cache, found: list[prune.Entry], chosen: list[prune.Entry], budget: int, dry_run: bool,
            knows_matrix: bool) -> None:
    before = sum(e.bytes for e in found)
    freed = sum(e.bytes for e in chosen)
    verb = "would remove" if dry_run else "removed"
    for entry in chosen if dry_run else []:
        print(f"  {human(entry.bytes):>9}  {entry.name(cache.root)}  ({entry.reason})")
    for rank, reason in prune.RANKS.items():
        ranked = [e for e in chosen if e.rank == rank]
        if ranked:
            print(f"{verb} {len(ranked)} of the {reason}: {human(sum(e.bytes for e in ranked))}")
    if not knows_matrix:
        print("no matrix here (envs/ or --matrix): every converter side counted as still in the matrix")
    fits = "fits" if before - freed <= budget else "does not fit"
    print(f"cache {cache.root}: {human(before)} before, {human(before - freed)} after ({fits} the budget "
          f"{human(budget)}); every result stays in the store, what a sweep needs again is rebuilt")
