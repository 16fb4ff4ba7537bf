"""Shared by the sweep benchmarks: run one matrix pair through nox with a store of the
benchmark's own, time it, and read the per-case times the store recorded."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCHSCRIPT = "torch-onnx.torchscript torch-2.13.0 onnxruntime-{}"

_READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
row = con.execute('''SELECT count(*), sum(wall_seconds), sum(load_seconds + run_seconds),
                            count(*) FILTER (WHERE conversion_reused), count(*) FILTER (WHERE outcome = 'ok')
                     FROM results r JOIN environments e USING (env_id) WHERE e.label = ?''',
                  [sys.argv[2]]).fetchone()
print(json.dumps(dict(zip(["results", "child_seconds", "load_run_seconds", "reused", "ok"], row))))
"""


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores, {model}, load average {os.getloadavg()[0]:.2f}"


def env_python(pair: str) -> Path:
    """The interpreter of the pair's nox environment (nox's naming of session venvs)."""
    name = "sweep-" + "".join(c if c.isalnum() else "-" for c in pair.replace(".", "-")).strip("-")
    return ROOT / ".nox" / name / "bin" / "python"


def sweep(pair: str, store: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Seconds of ``nox -s "sweep(<pair>)" -- --store STORE ARGS`` (it must succeed)."""
    command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", f"sweep({pair})",
               "--", "--store", str(store), *args]
    started = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"the sweep failed:\n{process.stdout[-3000:]}{process.stderr[-3000:]}")
    return seconds


def stored_times(pair: str, store: Path) -> dict[str, float]:
    """Per-case times summed over the pair's results in the store (read with its own duckdb)."""
    output = subprocess.run([str(env_python(pair)), "-c", _READ, str(store), pair], capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output)


def selection_args(argv: list[str]) -> list[str]:
    """The model selection given on the command line (default: the default set)."""
    return argv or ["--set", "default"]
