"""The whole default matrix, cold, over the sum of its accounted work.

    python benchmarks/matrix_cold.py                           # runs it (hours; nothing else should run)
    python benchmarks/matrix_cold.py --clone DIR --wall SECONDS  # reads a cold sweep already run in DIR
    python benchmarks/matrix_cold.py --clone DIR --wall SECONDS --sweep ID  # that sweep, not the last one

Run mode: a fresh clone of this checkout in a temporary directory, `nox -s sweep` in it
as a newcomer runs it (the default matrix, the default model set, `--jobs 2`; uv's cache
is the machine's, warm or not: say which), timed from outside. Read mode: the clone where
such a sweep ran and the wall time measured around it.

The work is what the store accounts (`tracker time --sweep`, summed over every pair):
every reference, extra input set, conversion, load, run, extra run, localization and
every oracle's own computation, in seconds of one core. The ideal wall time on `--jobs J`
is that work divided by J; the ratio printed is the wall time over it, and the table says
where the rest went (environment builds, imports, the children's setup, storing, the
tracker's overhead), stage by stage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, WORK_STAGES, load, machine, parser, print_split, work

JOBS = 2  # the sweep's default on this machine (tracker run --jobs)


def main() -> None:
    options = parser(__doc__, pair=False)
    options.add_argument("--clone", type=Path, help="a clone where `nox -s sweep` ran cold (read mode)")
    options.add_argument("--wall", type=float, help="the wall seconds measured around that sweep (read mode)")
    options.add_argument("--sweep", help="the cold sweep's id (read mode; default: the last sweep, which a repeat "
                                         "of it replaces)")
    args = options.parse_args()
    if (args.clone is None) != (args.wall is None):
        options.error("read mode needs both --clone and --wall")
    if args.clone is None:
        with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp:
            clone = Path(tmp) / "repo"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            print(f"before: {load()}", flush=True)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nox", "-s", "sweep"], cwd=clone, check=False)
            report(clone, time.perf_counter() - started)
    else:
        report(args.clone, args.wall, args.sweep)


def report(clone: Path, wall: float, sweep: str | None = None) -> None:
    which = ["--sweep", sweep] if sweep else ["--last"]
    shown = json.loads(_tracker(clone, "time", *which, "--format", "json"))
    stages = {s["stage"]: s for s in shown["total"]}
    pairs = shown["pairs"]
    accounted = work(stages, WORK_STAGES)
    print(f"machine: {machine()}; after: {load()}")
    print(f"sweep {shown['sweep_id']}: {len(pairs)} pairs, wall {wall:.0f} s ({wall / 60:.1f} min); "
          f"sum of the pairs' walls {sum(p['wall'] for p in pairs):.0f} s")
    print(f"accounted work {accounted:.0f} core-seconds; on {JOBS} jobs at best {accounted / JOBS:.0f} s")
    print(f"ratio wall / (work / jobs): {wall / max(1e-9, accounted / JOBS):.2f}")
    print_split(stages, WORK_STAGES)


def _tracker(clone: Path, *args: str) -> str:
    """``tracker ARGS`` in one of the clone's environments (any has the tracker installed)."""
    found = sorted(clone.glob(".nox/*/bin/tracker"))
    if not found:
        sys.exit(f"no environment with the tracker in {clone / '.nox'}: did the sweep run there?")
    env = {**os.environ, "TRACKER_STORE": str(clone / ".tracker" / "store.duckdb")}
    return subprocess.run([str(found[0]), *args], capture_output=True, text=True, check=True, env=env,
                          cwd=clone).stdout


if __name__ == "__main__":
    main()
