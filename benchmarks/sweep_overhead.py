"""The sweep's overhead: the wall time of `nox -s "sweep(<pair>)"` over the pure work of
its cases.

    python benchmarks/sweep_overhead.py [--pair ID] [--set NAME] [--models ID ...] [--jobs N]

The pair's environment is built first (untimed, one case, in a scratch nox envdir); then
the timed sweep runs the selection into a fresh store and cache, so every reference and
conversion is computed. The wall time is the whole command as a user runs it: nox's
start, the environment check, `tracker run` (registry, store, the fork server importing
torch and onnxruntime once, one forked child per case), and the `results` summary.

The pure work is what the store records per result, reference + conversion + load + run
seconds, plus the oracles' time, which the store does not record: the ONNX checker
(`onnx.load` and `check_model(full_check=True)`, as the oracle calls them) is run again
on every artifact after the sweep and timed; the numeric oracle, which compares a few
output arrays, is left out (milliseconds). Two bounds are printed beside that ratio:
  - over the stored stage times alone: an upper bound (oracle time counts as overhead);
  - over the children's lifetimes (`wall_seconds`: the stages, the oracles, and the
    child's fork, setup and cache I/O such as hashing the artifact): a lower bound.
With N jobs the work is divided by N, the wall time it would take if the jobs shared it
perfectly; the per-case times then stretch with contention for the 2 cores, so keep the
default `--jobs 1` to measure the overhead. Target: <= 1.10 on the default set.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import Scratch, load, machine, parser, selection


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--jobs", type=int, default=1, help="cases at once (default: 1)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        scratch = Scratch(Path(tmp))
        scratch.warm(args.pair)
        wall = scratch.timed(args.pair, "timed", *selection(args), "--jobs", str(args.jobs))
        t = scratch.totals(args.pair, "timed")
        checker = scratch.checker_seconds("timed")
    stages = t["reference"] + t["convert"] + t["load"] + t["run"]
    work = stages + checker
    print(f"machine: {machine()}; now {load()}")
    print(f"pair: {args.pair}; {' '.join(selection(args))}: {t['results']} results ({t['ok']} ok), "
          f"--jobs {args.jobs}, warm environment, fresh store and cache")
    print(f"nox sweep wall time:                    {wall:7.1f} s")
    print(f"  of which `tracker run`'s run (store): {t['run_span']:7.1f} s")
    print(f"stored stage work:                      {stages:7.1f} s   (reference {t['reference']:.1f} + convert "
          f"{t['convert']:.1f} + load {t['load']:.1f} + run {t['run']:.1f})")
    print(f"ONNX checker oracle, timed again:       {checker:7.1f} s")
    print(f"children's lifetimes (+ oracles, fork): {t['child']:7.1f} s")
    print(f"ratio wall / (stage work / jobs):       {wall / (stages / args.jobs):7.2f}   (upper bound)")
    print(f"ratio wall / (children / jobs):         {wall / (t['child'] / args.jobs):7.2f}   (lower bound)")
    print(f"ratio wall / ((stages + checker) / jobs): {wall / (work / args.jobs):5.2f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
