"""The marginal cost of one more runtime version: a pair that differs from a swept one
only in its onnxruntime version, over the pure runtime work of its cases.

    python benchmarks/marginal_runtime.py [--models ID ... | --set NAME]

First the pair with onnxruntime 1.31.1 fills the artifact and reference cache (untimed;
the second pair's environment is built untimed too). Then the pair with 1.24.4 is swept
into the same store (conversions are recorded there, artifacts in the cache beside it):
it must reuse every conversion (checked in the store) and only load, run and judge,
here on one job (`--jobs 1`) so that its wall time compares with the summed work. Its pure work is the sum
of its children's wall times (load the cached reference and artifact, load the session,
run, judge). Target: <= 1.2.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import TORCHSCRIPT, machine, selection_args, stored_times, sweep


def main() -> None:
    first, second = TORCHSCRIPT.format("1.31.1"), TORCHSCRIPT.format("1.24.4")
    selection = selection_args(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.duckdb"
        sweep(second, Path(tmp) / "warm-up" / "store.duckdb", "--models", "op-where")  # its environment
        sweep(first, store, *selection)
        wall = sweep(second, store, *selection, "--jobs", "1")  # serial: comparable with the work
        times = stored_times(second, store)
    print(f"machine: {machine()}")
    print(f"pair: {second}, after {first} filled the cache; {times['results']} cases")
    print(f"conversions reused: {times['reused']} of {times['results']} results "
          "(a stored failed conversion is reused too: it is not retried)")
    print(f"nox sweep wall time:             {wall:7.1f} s")
    print(f"sum of the cases' runtime work:  {times['child_seconds']:7.1f} s "
          f"(of which ONNX Runtime load + run {times['load_run_seconds']:.1f} s)")
    print(f"marginal cost ratio:             {wall / times['child_seconds']:7.2f}   (target <= 1.2)")


if __name__ == "__main__":
    main()
