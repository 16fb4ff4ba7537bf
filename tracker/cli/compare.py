"""Compare two stores' results of the same environments, configurations and cases: outcome
changes, flipped oracle verdicts, drift warnings, slowdowns and speedups from BASELINE to
OTHER, judged by the rules `tracker regressions` uses between versions. The A/A control of
those rules: sweep a pair, copy the store, sweep the same pair again into the copy with
--recompute, and compare: every difference is a false alarm. Exit code 0 when nothing
differs, 1 when something does (so a script can check the control), 5 when a store cannot
be read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracker.analysis.compare import KINDS, compare, read
from tracker.analysis.transitions import Rules
from tracker.cli.common import add_width_option, output_width
from tracker.render import fit, render_table, shorten, terminal_safe

HELP = "what differs between two stores' results of the same pairs (the A/A control of the alarms)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", type=Path, metavar="BASELINE", help="the store compared from")
    parser.add_argument("other", type=Path, metavar="OTHER", help="the store compared to it")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    add_width_option(parser)


def main(args: argparse.Namespace) -> int:
    rules = Rules()
    comparison = compare(read(args.baseline), read(args.other), rules)
    counts = comparison.counts()
    if args.format == "json":
        print(json.dumps({"matched": comparison.matched, "only_baseline": comparison.only_baseline,
                          "only_other": comparison.only_other, "counts": counts,
                          "differences": [d.__dict__ for d in comparison.differences]}, indent=2))
    else:
        sections = []
        if comparison.differences:
            rows = [[d.kind, terminal_safe(d.case_id), terminal_safe(d.label), shorten(terminal_safe(d.detail), 100)]
                    for d in comparison.differences]
            sections.append(render_table(["difference", "case", "environment", "detail"], rows))
        summary = ", ".join(f"{counts[kind]} {_NAMES[kind]}" for kind in KINDS)
        sections.append(f"{comparison.matched} results in both stores ({comparison.only_baseline} only in "
                        f"{args.baseline.name}, {comparison.only_other} only in {args.other.name}): {summary}")
        if not comparison.matched:
            sections.append("nothing to compare: the stores share no (environment, configuration, case) result; "
                            "sweep the same pairs into both")
        print(fit("\n\n".join(sections), output_width(args)))
    return 1 if comparison.differences else 0


_NAMES = {"outcome": "outcome changes", "verdict": "verdict flips", "drift": "drift warnings",
          "slowdown": "slowdowns", "speedup": "speedups"}
