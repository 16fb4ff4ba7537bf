"""Sweep-level faults: SIGKILL, SIGINT, two writers, an unwritable store."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, fake_env, fake_pair_json, stored, tracker


def _start(store, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "run", "--pair", fake_pair_json(), "--store", str(store),
         "--set", "slow", "--jobs", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=fake_env(), cwd=ROOT,
        start_new_session=True,
    )


def _wait_for(process: subprocess.Popen[str], text: str, timeout: float = 120) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never appeared in:\n{''.join(seen)}")


def test_sigkill_in_the_middle_then_rerun_loses_and_duplicates_nothing(store):
    process = _start(store)
    _wait_for(process, "[2/6]")
    os.killpg(process.pid, signal.SIGKILL)  # the whole group: worker, fork server, case
    process.communicate(timeout=30)
    kept = {r["case_id"] for r in stored(store)}
    assert len(kept) >= 2
    again = tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "slow", check=True)
    assert f"{len(kept)} already stored" in again.stdout
    rows = stored(store, "SELECT case_id, count(*) AS n FROM results GROUP BY case_id")
    assert {r["case_id"]: r["n"] for r in rows} == {f"fake-slow-{i}": 1 for i in range(1, 7)}
    statuses = [r["status"] for r in stored(store, "SELECT status FROM runs ORDER BY started_at")]
    assert statuses == ["killed", "finished"]


def test_sigint_stops_cleanly_keeps_what_finished_and_says_how_far_it_got(store):
    process = _start(store)
    _wait_for(process, "[2/6]")
    os.kill(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "interrupted after" in output and "run the same command again to resume" in output
    runs = stored(store, "SELECT status, computed FROM runs")
    assert runs[0]["status"] == "interrupted"
    assert len(stored(store)) == runs[0]["computed"] >= 2
    # no process is left behind (the fork server exits once its parent is gone)
    assert _group_empties(process.pid), "processes of the sweep outlived it"


def _group_empties(pgid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
        if not found.stdout.strip():
            return True
        time.sleep(0.2)
    return False


def test_a_second_writer_gets_a_clear_error_and_the_first_is_unharmed(store):
    first = _start(store)
    _wait_for(first, "to run")  # it holds the store from before this line to its end (6 cases of 1 s)
    second = tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "slow")
    assert second.returncode == 5
    assert "in use by another tracker process" in second.stderr
    assert "Traceback" not in second.stderr
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert len(stored(store)) == 6


@contextlib.contextmanager
def _tmpfs(path, options: str):
    """A small tmpfs (read-only, or tiny to be filled): real file-system errors, even as root."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_a_read_only_store_location_is_refused_before_any_work(tmp_path):
    with _tmpfs(tmp_path / "ro", "size=1m,ro") as directory:
        process = tracker("run", "--pair", fake_pair_json(), "--store", str(directory / "s.duckdb"))
    assert process.returncode == 5, process.stderr
    assert "cannot write to the store directory" in process.stderr
    assert "Read-only file system" in process.stderr
    assert "Traceback" not in process.stderr


def test_a_full_disk_is_refused_before_any_work(tmp_path):
    with _tmpfs(tmp_path / "full", "size=32k") as directory:
        (directory / "filler").write_bytes(b"\0" * (32 * 1024 - 4096))
        process = tracker("run", "--pair", fake_pair_json(), "--store", str(directory / "s.duckdb"))
    assert process.returncode == 5, process.stderr
    assert "No space left on device" in process.stderr
    assert "free some disk space" in process.stderr


def test_a_store_path_that_cannot_be_created_is_refused_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(blocker / "s.duckdb"))
    assert process.returncode == 5
    assert "cannot create the store directory" in process.stderr
    assert "Traceback" not in process.stderr
