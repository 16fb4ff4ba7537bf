"""Parallel speed-up: the same pair and cases with `--jobs 1` and with `--jobs 2`.

    python benchmarks/parallel_speedup.py [--pair ID] [--set NAME] [--models ID ...]

The pair's environment is built first (untimed, one case, in a scratch nox envdir); then
each timed sweep starts from a fresh store and a fresh, empty cache, so both compute the
whole work (references, conversions, load, run, judge) and neither reuses the other's.
The speed-up is the wall time with one job over the wall time with two; the children's
summed lifetimes are printed too, since two cases at once on 2 cores each run slower.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import Scratch, load, machine, parser, selection


def main() -> None:
    args = parser(__doc__).parse_args()
    walls, children = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        scratch = Scratch(Path(tmp))
        scratch.warm(args.pair)
        for jobs in (1, 2):
            walls[jobs] = scratch.timed(args.pair, f"jobs-{jobs}", *selection(args), "--jobs", str(jobs))
            children[jobs] = scratch.totals(args.pair, f"jobs-{jobs}")["child"]
    print(f"machine: {machine()}; now {load()}")
    print(f"pair: {args.pair}; {' '.join(selection(args))}; warm environment, fresh store and cache each")
    for jobs in (1, 2):
        print(f"--jobs {jobs}: {walls[jobs]:7.1f} s   (children's lifetimes summed: {children[jobs]:.1f} s)")
    print(f"speed-up: {walls[1] / walls[2]:7.2f}   (parallel efficiency {walls[1] / walls[2] / 2:.0%})")


if __name__ == "__main__":
    main()
