"""Plan the CI workflow's jobs from stored timings: the pairs of the matrix grouped by
converter side (they share conversions), heavy sides split into shards (--shard I/N),
light ones packed together, so that no job is expected to run longer than --max-minutes
on the runner. Needs no CI: `--format table` shows the plan, `--format json` prints the
job matrix that .github/workflows/sweep.yml runs.

Timings come from the runs of the stores (--store, repeatable; default: the default store
when there is one); a pair no run has timed gets an estimate, stated as such in the table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tracker.ci_plan import Assumptions, Plan, plan
from tracker.ci_timings import read_pair_timings
from tracker.errors import ConfigError
from tracker.matrix import load_matrix
from tracker.store import default_store_path

HELP = "plan the CI jobs from stored timings (no job over --max-minutes)"
DEFAULTS = Assumptions()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, action="append", default=[],
                        help="a store to read timings from; repeat to read several "
                             "(default: $TRACKER_STORE or .tracker/store.duckdb when it exists)")
    parser.add_argument("--matrix", type=Path, default=Path(os.environ.get("TRACKER_MATRIX") or "envs"),
                        help="the version matrix, as the noxfile reads it (default: $TRACKER_MATRIX or envs)")
    parser.add_argument("--tag", dest="tags", action="append", default=[],
                        help="only the pairs with this tag, as `nox -s sweep -t TAG` (repeatable: any of them)")
    parser.add_argument("--set", dest="model_set", default="default",
                        help="the model set the jobs sweep, whose runs are the timings (default: default)")
    parser.add_argument("--platform", default=None,
                        help="only the timings of environments on this platform (as sys.platform: "
                             "linux, darwin), for a plan of one kind of runner (default: all)")
    parser.add_argument("--max-minutes", type=float, default=DEFAULTS.max_minutes,
                        help=f"no job expected longer, on the runner (default: {DEFAULTS.max_minutes:g})")
    parser.add_argument("--speedup", type=float, default=DEFAULTS.speedup,
                        help="how much faster the runner is than the machine that recorded the timings "
                             f"(default: {DEFAULTS.speedup:g}: a 4-core ubuntu-latest against a 2-core machine; "
                             "1 for timings recorded on the runners themselves)")
    parser.add_argument("--env-minutes", type=float, default=DEFAULTS.env_minutes,
                        help=f"building one pair's environment on the runner (default: {DEFAULTS.env_minutes:g})")
    parser.add_argument("--default-minutes", type=float, default=DEFAULTS.default_minutes,
                        help="one pair, converting every case, for a pipeline no run has timed "
                             f"(default: {DEFAULTS.default_minutes:g})")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table: the plan for people; json: the workflow's job matrix")


def _stores(args: argparse.Namespace) -> list[Path]:
    if args.store:
        return args.store
    default = default_store_path()
    return [default] if default.exists() else []


def main(args: argparse.Namespace) -> int:
    assumptions = Assumptions(args.max_minutes, args.speedup, args.env_minutes, args.default_minutes)
    pairs = load_matrix(args.matrix)
    if args.tags:
        pairs = [p for p in pairs if set(args.tags) & set(p.all_tags)]
        if not pairs:
            raise ConfigError(f"no pair of {args.matrix} has the tag(s) {', '.join(args.tags)}",
                              hint="`nox -l -s sweep` lists the pairs; their tags are in envs/README.md")
    stores = _stores(args)
    the_plan = plan(pairs, read_pair_timings(stores, args.model_set, args.platform), assumptions)
    if args.format == "json":
        print(json.dumps(the_plan.matrix(), separators=(",", ":")))
        print(summary(the_plan, stores), file=sys.stderr)
    else:
        print(render(the_plan, stores))
    return 0


def summary(the_plan: Plan, stores: list[Path]) -> str:
    a = the_plan.assumptions
    pairs = {p.pair_id: p for job in the_plan.jobs for p in job.pairs}
    estimated = sum(p.basis.startswith("estimate") for p in pairs.values())
    source = ", ".join(map(str, stores)) or "no store: every pair estimated"
    return (f"plan: {len(pairs)} pairs in {len(the_plan.jobs)} jobs, longest expected "
            f"{the_plan.max_minutes:.1f} min (cap {a.max_minutes:g}); {estimated} pair(s) estimated; "
            f"runner speed-up {a.speedup:g}, {a.env_minutes:g} min per environment; timings: {source}")


def render(the_plan: Plan, stores: list[Path]) -> str:
    names = the_plan.names()
    width = max(len(n) for n in names)
    lines = [summary(the_plan, stores), "",
             f"{'job':<{width}}  shard  pairs  expected min"]
    lines += [f"{name:<{width}}  {job.shard_text:>5}  {len(job.pairs):>5}  {job.minutes:>12.1f}"
              for name, job in zip(names, the_plan.jobs, strict=True)]
    lines += ["", "pairs (minutes here: converting every case once per job | the rest | where from), by job:"]
    seen: set[str] = set()
    for name, job in zip(names, the_plan.jobs, strict=True):
        for pair in job.pairs:
            if pair.pair_id not in seen:
                seen.add(pair.pair_id)
                lines.append(f"  {name.split('-')[0]}  {pair.pair_id:<64} {pair.convert_minutes:6.1f} "
                             f"{pair.rest_minutes:6.1f}  {pair.basis}")
    return "\n".join(lines)
