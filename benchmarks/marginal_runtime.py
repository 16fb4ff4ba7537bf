"""The marginal cost of one more runtime version: a pair that differs from a swept one
only in its onnxruntime version, over the pure runtime work of its cases.

    python benchmarks/marginal_runtime.py [--pair ID] [--filled-by ID] [--set NAME] [--models ID ...]

In a scratch nox envdir, store and cache: the timed pair's environment is built first
(untimed, one case, in another store); then `--filled-by` (onnxruntime 1.31.1) sweeps the
selection into the store, untimed, filling the cache with the references and artifacts;
then `--pair` (onnxruntime 1.24.4) sweeps the same selection into the same store on one
job (`--jobs 1`, so that its wall time compares with the summed work), timed. It must
convert nothing: the script checks in the store that every result whose conversion is
ok has `conversion_reused` true and that the run wrote no conversion (exit code 1 if not).

The pure runtime work is load + run seconds as stored per result, plus the oracles'
time, which the store does not record: the ONNX checker is run again on every artifact
and timed (the numeric comparison, milliseconds, is left out). Reading the cached
reference outputs and artifact, forking the child and starting nox count as the
tracker's cost. Printed beside it, the ratio over the children's whole lifetimes
(`wall_seconds`), a lower bound. Target: <= 1.2.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import DEFAULT_PAIR, Scratch, load, machine, parser, selection


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
        checker = scratch.checker_seconds("store")
    work = t["load"] + t["run"] + checker
    reused = t["converted_ok_not_reused"] == 0 and t["conversions_written"] == 0
    print(f"machine: {machine()}; now {load()}")
    print(f"pair: {args.pair}, after {args.filled_by} filled the cache; {' '.join(selection(args))}: "
          f"{t['results']} results ({t['ok']} ok), --jobs 1")
    print(f"conversions: {t['converted_ok'] - t['converted_ok_not_reused']} of {t['converted_ok']} ok ones reused, "
          f"{t['conversions_written']} written by the run: {'OK' if reused else 'FAILED: a conversion was redone'}")
    print(f"nox sweep wall time:                    {wall:7.1f} s")
    print(f"  of which `tracker run`'s run (store): {t['run_span']:7.1f} s")
    print(f"runtime work:                           {work:7.1f} s   (load {t['load']:.1f} + run {t['run']:.1f} "
          f"+ ONNX checker {checker:.1f}, timed again)")
    print(f"children's lifetimes:                   {t['child']:7.1f} s   (of which reading the cached references "
          f"{t['reference']:.1f})")
    print(f"ratio wall / children:                  {wall / t['child']:7.2f}   (lower bound)")
    print(f"ratio wall / runtime work:              {wall / work:7.2f}   (target <= 1.2)")
    sys.exit(0 if reused else 1)


if __name__ == "__main__":
    main()
