"""The job matrix of .github/workflows/sweep.yml, from the sweep sessions nox lists.

    nox -l --json -s sweep | python .github/scripts/sweep_matrix.py --shards 2

prints ``{"include": [{"session": ..., "shard": "1/2", "name": ...}, ...]}``: one job per
session and shard. ``name`` is safe as a file and artifact name. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

MAX_JOBS = 256  # GitHub's limit on the jobs of one matrix


def job_name(session: str, shard: int, shards: int) -> str:
    """``sweep(torch-onnx.dynamo torch-2.13.0 onnxruntime-1.31.1)`` -> a file-safe name."""
    inner = re.fullmatch(r"[^(]*\((.*)\)", session)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", inner[1] if inner else session).strip("_")
    return slug if shards == 1 else f"{slug}-shard{shard}of{shards}"


def matrix(listing: list[dict], shards: int) -> dict:
    sessions = [entry["session"] for entry in listing if entry.get("name") == "sweep"]
    if not sessions:
        raise SystemExit("sweep_matrix: nox listed no sweep session: is envs/ empty?")
    jobs = [
        {"session": session, "shard": f"{i}/{shards}", "name": job_name(session, i, shards)}
        for session in sessions
        for i in range(1, shards + 1)
    ]
    if len(jobs) > MAX_JOBS:
        raise SystemExit(
            f"sweep_matrix: {len(sessions)} sessions x {shards} shards = {len(jobs)} jobs, "
            f"more than GitHub's {MAX_JOBS} per matrix: use fewer shards"
        )
    return {"include": jobs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=1, help="jobs per session (default: 1)")
    args = parser.parse_args()
    if args.shards < 1:
        parser.error("--shards must be at least 1")
    print(json.dumps(matrix(json.load(sys.stdin), args.shards), separators=(",", ":")))


if __name__ == "__main__":
    main()
