"""``tracker merge`` merges what it can read: an input that cannot be read (a killed
sweep's store without its write-ahead log, a missing file) is reported on a line of its
own, the others are merged, and the command exits 5 after writing them; with
``--all-or-nothing`` it writes nothing. A killed sweep's store with its log beside it
merges every committed result."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, stored, tracker

from tracker.store import ResultRecord, Store

_KILLED_WRITER = """
import os, sys
from tracker.store import ResultRecord, Store
store = Store.connect(sys.argv[1])
for case_id in ("a", "b", "c"):
    store.record_result(ResultRecord(run_id="r", env_id="e", config_key="k", pipeline="p", variant="v",
                                     framework="f", converter="c", runtime="rt", case_id=case_id,
                                     case_hash="h", outcome="ok"))
os._exit(9)  # as SIGKILL: no checkpoint, no close
"""


def _killed_sweep(path):
    """A store whose writer died after committing three results: they are in its log only."""
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False, cwd=ROOT)
    assert path.with_name(path.name + ".wal").exists()
    return path


def _good(path):
    with Store.open(path) as handle:
        handle.record_result(ResultRecord(run_id="r2", env_id="e2", config_key="k", pipeline="p", variant="v",
                                          framework="f", converter="c", runtime="rt", case_id="z",
                                          case_hash="h", outcome="ok"))
    return path


def _cases(path):
    return sorted(row["case_id"] for row in stored(path, "SELECT case_id FROM results"))


def test_a_killed_sweeps_store_with_its_log_beside_it_merges_every_committed_result(tmp_path):
    killed = _killed_sweep(tmp_path / "killed.duckdb")
    out = tmp_path / "out.duckdb"
    tracker("merge", str(out), str(killed), str(_good(tmp_path / "good.duckdb")), check=True)
    assert _cases(out) == ["a", "b", "c", "z"]


def test_an_unreadable_input_is_reported_and_the_others_are_merged_then_exit_5(tmp_path):
    killed = _killed_sweep(tmp_path / "killed.duckdb")
    killed.with_name("killed.duckdb.wal").unlink()  # only the .duckdb file was uploaded
    missing, out = tmp_path / "missing.duckdb", tmp_path / "out.duckdb"
    process = tracker("merge", str(out), str(killed), str(_good(tmp_path / "good.duckdb")), str(missing))
    assert process.returncode == 5, process.stderr
    assert "Traceback" not in process.stderr
    lines = process.stderr.splitlines()
    assert any(line.startswith(f"{killed}: not merged: ") and "killed.duckdb.wal" in line for line in lines), lines
    assert any(line.startswith(f"{missing}: not merged: no store at") for line in lines), lines
    assert "2 input(s) could not be read" in process.stdout
    assert _cases(out) == ["z"]


def test_all_or_nothing_writes_nothing_when_an_input_cannot_be_read(tmp_path):
    out = tmp_path / "out.duckdb"
    process = tracker("merge", "--all-or-nothing", str(out), str(_good(tmp_path / "good.duckdb")),
                      str(tmp_path / "missing.duckdb"))
    assert process.returncode == 5 and "nothing merged" in process.stderr and "Traceback" not in process.stderr
    assert not out.exists()
