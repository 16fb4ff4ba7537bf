"""A warm environment build, uv against pip: a fresh venv with torch 2.13.0, onnx 1.23.1
and onnxruntime 1.31.1.

    python benchmarks/env_build.py

Each installer builds the environment once untimed (to warm its cache), then once timed
in a fresh directory: uv is `uv venv` + `uv pip install`, pip is `python -m venv` (which
installs pip itself) + `pip install`, both with this interpreter. pip reads its own
configuration (find-links, where the CPU torch lies); uv is handed the same find-links
as UV_FIND_LINKS, as noxfile.py does. Their caches are the user's usual ones.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import load, machine, parser

PINS = ["torch==2.13.0", "onnx==1.23.1", "onnxruntime==1.31.1"]


def uv() -> list[str]:
    if importlib.util.find_spec("uv") is not None:  # pip install "nox[uv]" brings it
        return [sys.executable, "-m", "uv"]
    if shutil.which("uv"):
        return ["uv"]
    sys.exit('uv not found: pip install "nox[uv]"')


def find_links() -> dict[str, str]:
    found = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                           capture_output=True, text=True, check=False).stdout.split()
    return {"UV_FIND_LINKS": ",".join(found)} if found else {}


def build(installer: str, where: Path) -> float:
    shutil.rmtree(where, ignore_errors=True)
    python, command, env = str(where / "bin" / "python"), uv(), {**os.environ, **find_links()}
    started = time.perf_counter()
    if installer == "uv":
        subprocess.run([*command, "venv", "-q", "--python", sys.executable, str(where)], check=True)
        subprocess.run([*command, "pip", "install", "-q", "--python", python, *PINS], check=True, env=env)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *PINS], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser(__doc__, pair=False).parse_args()
    times = {}
    with tempfile.TemporaryDirectory(prefix="bench-envs-") as tmp:
        for installer in ("uv", "pip"):
            build(installer, Path(tmp) / "warm-up")
            print(f"   {installer}: before, {load()}", flush=True)
            times[installer] = build(installer, Path(tmp) / installer)
            print(f"   {installer}: {times[installer]:.1f} s; after, {load()}", flush=True)
    print(f"machine: {machine()}; now {load()}")
    print(f"environment: {' '.join(PINS)}, warm caches")
    print(f"uv:  {times['uv']:6.1f} s")
    print(f"pip: {times['pip']:6.1f} s")
    print(f"pip / uv: {times['pip'] / times['uv']:.1f}")


if __name__ == "__main__":
    main()
