"""The marginal cost of one more runtime version: a pair that differs from a swept one
only in its onnxruntime version, over the runtime work of its cases as the store
accounts it.

    python benchmarks/marginal_runtime.py [--pair ID] [--filled-by ID] [--set NAME] [--models ID ...]

In a scratch nox envdir, store and cache: the timed pair's environment is built first
(untimed, one case, in another store); then `--filled-by` (onnxruntime 1.31.1) sweeps the
selection into the store, untimed, filling the cache with the references, extra input
sets and artifacts; then `--pair` (onnxruntime 1.24.4) sweeps the same selection into the
same store on one job (`--jobs 1`, so that its wall time compares with the summed work),
timed. It must convert nothing: the script checks in the store that every result whose
conversion is ok has `conversion_reused` true and that the run wrote no conversion
(exit code 1 if not).

The runtime work is read from the store (`tracker time`, the times every case stored):
every load, every run of the judged samples and of every extra input set, the second
runtime's localization runs, and every oracle's own computation (the performance
oracle's repeated runs are its own). Reading the cached references and extra sets,
the child's setup and fork, importing once, checking the environment, storing and the
rest of nox and the tracker are the tracker's cost. The split is printed stage by stage
and oracle by oracle, with what each costs per case. Target: wall / runtime work <= 1.2.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import DEFAULT_PAIR, RUNTIME_STAGES, Scratch, load, machine, parser, print_split, selection, work


def main() -> None:
    options = parser(__doc__)
    options.set_defaults(pair="torch-onnx.torchscript torch-2.13.0 onnxruntime-1.24.4")
    options.add_argument("--filled-by", default=DEFAULT_PAIR, metavar="ID",
                         help=f"the pair that fills the cache first (default: {DEFAULT_PAIR})")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-marginal-") as tmp:
        scratch = Scratch(Path(tmp))
        scratch.warm(args.pair)
        scratch.sweep(args.filled_by, "store", *selection(args))
        wall = scratch.timed(args.pair, "store", *selection(args), "--jobs", "1")
        t = scratch.totals(args.pair, "store")
        stages = scratch.stages("store")
    runtime_work = work(stages, RUNTIME_STAGES)
    reused = t["converted_ok_not_reused"] == 0 and t["conversions_written"] == 0
    print(f"machine: {machine()}; now {load()}")
    print(f"pair: {args.pair}, after {args.filled_by} filled the cache; {' '.join(selection(args))}: "
          f"{t['results']} results ({t['ok']} ok), --jobs 1")
    print(f"conversions: {t['converted_ok'] - t['converted_ok_not_reused']} of {t['converted_ok']} ok ones reused, "
          f"{t['conversions_written']} written by the run: {'OK' if reused else 'FAILED: a conversion was redone'}")
    print("where the time went, as the store accounts it:")
    print_split(stages, RUNTIME_STAGES)
    print(f"nox sweep wall time:                    {wall:7.1f} s")
    print(f"accounted runtime work:                 {runtime_work:7.1f} s   (load, runs of every input set, "
          "localization, every oracle)")
    print(f"children's lifetimes:                   {t['child']:7.1f} s")
    print(f"ratio wall / children:                  {wall / t['child']:7.2f}   (lower bound)")
    print(f"ratio wall / runtime work:              {wall / runtime_work:7.2f}   (target <= 1.2)")
    sys.exit(0 if reused else 1)


if __name__ == "__main__":
    main()
