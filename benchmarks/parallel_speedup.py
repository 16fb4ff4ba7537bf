"""Parallel speed-up: the same pair and cases with --jobs 1 and --jobs 2.

    python benchmarks/parallel_speedup.py [--models ID ... | --set NAME]

Both runs recompute everything (`--recompute`, each with an empty cache of its own via
TRACKER_CACHE, so conversions and references are part of the work), in the pair's warm
environment. The ratio is the wall time with one job over the wall time with two.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from _common import TORCHSCRIPT, machine, selection_args, sweep


def main() -> None:
    pair = TORCHSCRIPT.format("1.31.1")
    selection = selection_args(sys.argv[1:])
    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        sweep(pair, Path(tmp) / "warm-up.duckdb", "--models", "op-where")
        for jobs in (1, 2):
            cache = Path(tmp) / f"cache-{jobs}"
            walls[jobs] = sweep(pair, Path(tmp) / f"jobs-{jobs}.duckdb", *selection, "--jobs", str(jobs),
                                "--recompute", env={"TRACKER_CACHE": str(cache)})
    print(f"machine: {machine()} ({os.cpu_count()} cores)")
    print(f"pair: {pair}, every case converted and run")
    print(f"--jobs 1: {walls[1]:7.1f} s")
    print(f"--jobs 2: {walls[2]:7.1f} s")
    print(f"speed-up: {walls[1] / walls[2]:7.2f}")


if __name__ == "__main__":
    main()
