"""The sweep's overhead: the wall time of `nox -s "sweep(<pair>)"` over the work of its
cases as the store accounts it.

    python benchmarks/sweep_overhead.py [--pair ID] [--set NAME] [--models ID ...] [--jobs N]

The pair's environment is built first (untimed, one case, in a scratch nox envdir); then
the timed sweep runs the selection into a fresh store and cache, so every reference,
extra input set and conversion is computed. The wall time is the whole command as a user
runs it: nox's start, the environment check, `tracker run` (registry, store, the fork
server importing torch and onnxruntime once, one forked child per case), and the
`results` summary.

The work is read from the store (`tracker time`, the times every case stored): the
references, the extra input sets, the conversions, every load, every run of every input
set, the localizations, and every oracle's own computation. The child's setup and fork,
importing once, checking the environment, storing and the rest are the tracker's cost;
the split is printed stage by stage. Beside the ratio, a lower bound over the children's
whole lifetimes (`wall_seconds`). With N jobs the work is divided by N, the wall time it
would take if the jobs shared it perfectly; the per-case times then stretch with
contention for the 2 cores, so keep the default `--jobs 1` to measure the overhead.
Target: <= 1.10 on the default set.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import WORK_STAGES, Scratch, load, machine, parser, print_split, selection, work


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--jobs", type=int, default=1, help="cases at once (default: 1)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        scratch = Scratch(Path(tmp))
        scratch.warm(args.pair)
        wall = scratch.timed(args.pair, "timed", *selection(args), "--jobs", str(args.jobs))
        t = scratch.totals(args.pair, "timed")
        stages = scratch.stages("timed")
    accounted = work(stages, WORK_STAGES)
    print(f"machine: {machine()}; now {load()}")
    print(f"pair: {args.pair}; {' '.join(selection(args))}: {t['results']} results ({t['ok']} ok), "
          f"--jobs {args.jobs}, warm environment, fresh store and cache")
    print("where the time went, as the store accounts it:")
    print_split(stages, WORK_STAGES)
    print(f"nox sweep wall time:                    {wall:7.1f} s")
    print(f"accounted work:                         {accounted:7.1f} s")
    print(f"children's lifetimes:                   {t['child']:7.1f} s")
    print(f"ratio wall / (children / jobs):         {wall / (t['child'] / args.jobs):7.2f}   (lower bound)")
    print(f"ratio wall / (work / jobs):             {wall / (accounted / args.jobs):7.2f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
