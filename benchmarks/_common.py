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

# Seconds of the ONNX checker oracle's work, as it does it, on every artifact in a store.
_CHECKER = """
import sys, time, duckdb, onnx
con = duckdb.connect(sys.argv[1], read_only=True)
started = time.perf_counter()
for (artifact,) in con.execute("SELECT artifact FROM conversions WHERE outcome = 'ok'").fetchall():
    path = sys.argv[2] + '/' + artifact
    onnx.load(path, load_external_data=False)
    try:
        onnx.checker.check_model(path, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError):
        pass
print(time.perf_counter() - started)
"""


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

    def sweep(self, pair: str, name: str, *args: str) -> float:
        """Seconds of ``nox -s "sweep(<pair>)" -- --store <name>/store.duckdb ARGS``, the
        cache in ``<name>/cache``; it must succeed."""
        command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "--envdir", str(self.envdir),
                   "-s", f"sweep({pair})", "--", "--store", str(self.store(name)), *args]
        env = {**os.environ, "TRACKER_CACHE": str(self.cache(name))}
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

    def checker_seconds(self, name: str) -> float:
        """The ONNX checker oracle's work on the artifacts of store ``name``, timed again
        (the store does not record oracle time)."""
        return float(self._python(_CHECKER, str(self.store(name)), str(self.cache(name))))

    def _python(self, script: str, *args: str) -> str:
        """The output of ``python -c SCRIPT ARGS`` in a pair environment built here."""
        python = next(self.envdir.glob("*/tracker-pins.json")).parent / "bin" / "python"
        return subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True,
                              check=True).stdout

    def totals(self, pair: str, name: str) -> dict[str, float]:
        """Counts and summed times of the pair's newest run in store ``name``."""
        return json.loads(self._python(_TOTALS, str(self.store(name)), pair))
