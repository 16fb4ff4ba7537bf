"""The sweep's overhead: wall time of `nox -s "sweep(<pair>)"` over the pure work of its cases.

    python benchmarks/sweep_overhead.py [--models ID ... | --set NAME]

One pair (TorchScript exporter, onnxruntime 1.31.1), its environment warm (built by a
first, untimed run), every case recomputed (`--recompute`) on one job, so that the work
is serial and comparable: the pure work is the sum of the children's wall times (each
case's child builds the model, computes the reference, converts, loads, runs and judges;
its lifetime is the work itself). Everything else is the tracker's and nox's: checking
the environment, starting the fork server (importing torch once), scheduling, writing
the store. Target: <= 1.10 on the default set.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import TORCHSCRIPT, machine, selection_args, stored_times, sweep


def main() -> None:
    pair = TORCHSCRIPT.format("1.31.1")
    selection = selection_args(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.duckdb"
        sweep(pair, store, *selection)  # warm: the environment, the caches
        wall = sweep(pair, store, *selection, "--jobs", "1", "--recompute")
        times = stored_times(pair, store)
    print(f"machine: {machine()}")
    print(f"pair: {pair}; {times['results']} cases, serial (--jobs 1), warm environment")
    print(f"nox sweep wall time:          {wall:7.1f} s")
    print(f"sum of the cases' work:       {times['child_seconds']:7.1f} s")
    print(f"overhead ratio (wall / work): {wall / times['child_seconds']:7.2f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
