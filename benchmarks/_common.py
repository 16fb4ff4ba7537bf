"""Shared by the benchmarks: the machine, the command line, and sweeps of one matrix pair
through nox in a scratch directory of their own (nox environments, stores, caches), so
that the user's ``.nox/`` and ``.tracker/`` are never touched."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAIR = "torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1"
WARM_UP_CASE = "op-where"  # one small case: enough to build an environment and import everything

# Scripts run with a pair environment's interpreter (duckdb, onnx). Counts and times of
# one pair's newest run in a store; a reused conversion's
# convert_seconds is the original conversion's, so it is not counted as work.
_TOTALS = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
run_id, started, span = con.execute('''SELECT run_id, started_at, epoch(finished_at - started_at) FROM runs
    WHERE label = ? ORDER BY started_at DESC LIMIT 1''', [sys.argv[2]]).fetchone()
row = con.execute('''SELECT count(*), count(*) FILTER (WHERE r.outcome = 'ok'),
    sum(coalesce(reference_seconds, 0)),
    sum(coalesce(convert_seconds, 0)) FILTER (WHERE NOT conversion_reused),
    sum(coalesce(load_seconds, 0)), sum(coalesce(run_seconds, 0)), sum(wall_seconds),
    count(*) FILTER (WHERE c.outcome = 'ok'), count(*) FILTER (WHERE c.outcome = 'ok' AND NOT conversion_reused)
    FROM results r LEFT JOIN conversions c USING (conversion_key) WHERE r.run_id = ?''', [run_id]).fetchone()
names = ["results", "ok", "reference", "convert", "load", "run", "child",
         "converted_ok", "converted_ok_not_reused"]
totals = dict(zip(names, [v or 0 for v in row]))
totals["run_span"] = span
totals["conversions_written"] = con.execute(
    "SELECT count(*) FROM conversions WHERE created_at >= ?", [started]).fetchone()[0]
print(json.dumps(totals))
"""

# What the store accounts as work (tracker.store.times): every stage a case spends doing
# what the tracker is for. The rest is the tracker's cost: building or checking the
# environment, importing once, the child's setup, forking, storing, its own overhead.
WORK_STAGES = ("reference", "extra_sets", "convert", "load", "run", "extra_runs", "localize")
# of which a runtime's own: every load, every run of every input set (the second runtime's too)
RUNTIME_STAGES = ("load", "run", "extra_runs", "localize")
ORACLE = "oracle "  # each oracle's own computation is work: its stage is "oracle NAME"


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores, {model}"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def parser(doc: str | None, pair: bool = True) -> argparse.ArgumentParser:
    """The benchmark's command line: its docstring as help, and the model selection."""
    parsed = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if pair:
        parsed.add_argument("--pair", default=DEFAULT_PAIR, help=f"the matrix pair (default: {DEFAULT_PAIR})")
        parsed.add_argument("--set", dest="model_set", default="default", help="model set (default: default)")
        parsed.add_argument("--models", nargs="+", default=[], metavar="ID",
                            help="only these case ids or globs (a quick run: --models 'op-*')")
    return parsed


def selection(args: argparse.Namespace) -> list[str]:
    return ["--set", args.model_set, *(["--models", *args.models] if args.models else [])]


class Scratch:
    """A directory holding a benchmark's nox environments (``--envdir``), stores and caches."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.envdir = path / "nox"
        self.sweep_ids: dict[str, str] = {}  # store name -> the sweep id of its last sweep

    def sweep(self, pair: str, name: str, *args: str) -> float:
        """Seconds of ``nox -s "sweep(<pair>)" -- --store <name>/store.duckdb ARGS``, the
        cache in ``<name>/cache``; it must succeed."""
        command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "--envdir", str(self.envdir),
                   "-s", f"sweep({pair})", "--", "--store", str(self.store(name)), *args]
        self.sweep_ids[name] = f"bench-{name}-{len(self.sweep_ids)}-{time.time_ns()}"
        env = {**os.environ, "TRACKER_CACHE": str(self.cache(name)), "TRACKER_SWEEP_ID": self.sweep_ids[name]}
        started = time.perf_counter()
        process = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            sys.exit(f"the sweep failed: {' '.join(command)}\n{process.stdout[-3000:]}{process.stderr[-3000:]}")
        return seconds

    def warm(self, pair: str) -> None:
        """Build (or check) the pair's environment and the `results` one, untimed."""
        self.sweep(pair, "warm-up", "--models", WARM_UP_CASE)

    def timed(self, pair: str, name: str, *args: str) -> float:
        """:meth:`sweep`, printing the load average before and after."""
        print(f"   {name}: before, {load()}", flush=True)
        seconds = self.sweep(pair, name, *args)
        print(f"   {name}: {seconds:.1f} s; after, {load()}", flush=True)
        return seconds

    def store(self, name: str) -> Path:
        return self.path / name / "store.duckdb"

    def cache(self, name: str) -> Path:
        return self.path / name / "cache"

    def stages(self, name: str) -> dict[str, dict[str, float]]:
        """Where the last sweep into store ``name`` spent its time, as the store accounts it
        (``tracker time --format json``): stage -> seconds, cases, parallel."""
        python = next(self.envdir.glob("*/tracker-pins.json")).parent / "bin" / "python"
        shown = subprocess.run([str(python), "-m", "tracker", "time", "--store", str(self.store(name)),
                                "--sweep", self.sweep_ids[name], "--format", "json"],
                               capture_output=True, text=True, check=True).stdout
        return {s["stage"]: s for s in json.loads(shown)["total"]}

    def _python(self, script: str, *args: str) -> str:
        """The output of ``python -c SCRIPT ARGS`` in a pair environment built here."""
        python = next(self.envdir.glob("*/tracker-pins.json")).parent / "bin" / "python"
        return subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True,
                              check=True).stdout

    def totals(self, pair: str, name: str) -> dict[str, float]:
        """Counts and summed times of the pair's newest run in store ``name``."""
        return json.loads(self._python(_TOTALS, str(self.store(name)), pair))


def work(stages: dict[str, dict[str, float]], counted: tuple[str, ...]) -> float:
    """The seconds of the ``counted`` stages and of every oracle (summed over cases)."""
    return sum(s["seconds"] for name, s in stages.items() if name in counted or name.startswith(ORACLE))


def print_split(stages: dict[str, dict[str, float]], counted: tuple[str, ...]) -> None:
    """Every stage: seconds, seconds per case, and whether it counts as work."""
    print(f"   {'stage':<36} {'seconds':>9} {'per case':>9} {'cases':>6}  counted as")
    for name, stage in stages.items():
        as_work = name in counted or name.startswith(ORACLE)
        per_case = f"{stage['seconds'] / stage['cases']:.3f}" if stage["cases"] else "-"
        print(f"   {name:<36} {stage['seconds']:>9.1f} {per_case:>9} {stage['cases']:>6}  "
              f"{'work' if as_work else 'tracker'}")
