"""A warm environment build, uv against pip: a fresh venv with torch 2.13.0, onnx 1.23.1
and onnxruntime 1.31.1.

    python benchmarks/env_build.py

Each installer builds the environment once untimed (to warm its cache), then once timed,
in a fresh directory. pip reads its own configuration (find-links, where a CPU torch
lies); uv is handed the same find-links as UV_FIND_LINKS, as noxfile.py does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine

PINS = ["torch==2.13.0", "onnx==1.23.1", "onnxruntime==1.31.1"]


def find_links() -> dict[str, str]:
    found = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                           capture_output=True, text=True, check=False).stdout.split()
    return {"UV_FIND_LINKS": ",".join(found)} if found else {}


def build(installer: str, where: Path) -> float:
    shutil.rmtree(where, ignore_errors=True)
    started = time.perf_counter()
    if installer == "uv":
        subprocess.run(["uv", "venv", "-q", str(where)], check=True)
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(where / "bin" / "python"), *PINS],
                       check=True, env={**os.environ, **find_links()})
    else:
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "-q", *PINS], check=True)
    return time.perf_counter() - started


def main() -> None:
    if shutil.which("uv") is None:
        sys.exit('uv is not on PATH: pip install "nox[uv]"')
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for installer in ("uv", "pip"):
            build(installer, Path(tmp) / "warm-up")
            times[installer] = build(installer, Path(tmp) / installer)
    print(f"machine: {machine()}")
    print(f"environment: {' '.join(PINS)}")
    print(f"uv:  {times['uv']:6.1f} s")
    print(f"pip: {times['pip']:6.1f} s")
    print(f"pip / uv: {times['pip'] / times['uv']:.1f}")


if __name__ == "__main__":
    main()
