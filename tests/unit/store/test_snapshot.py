"""Reading while a sweep writes: the writer publishes consistent snapshots, a reader that
finds the store held opens the newest one, and a writer waits for readers to let go."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TESTS, fake_env, tracker
from planted_store import DYNAMO
from tracker.store import Store
from tracker.store.snapshot import snapshot_path

# A sweep's writer: stores one environment's results, then starts a second run (which
# publishes a snapshot: the new run, no result of it yet), stores that run's results
# without publishing again, and holds the store until told to let go.
WRITER = """
import sys
from planted_store import DYNAMO, _record
from tracker_fake_plugin import fake_case
from tracker.store import Store

with Store.open(sys.argv[1]) as store:
    cases = {name: fake_case(name) for name in DYNAMO}
    store.record_cases(list(cases.values()))
    _record(store, "dynamo", "1.9.0", "0.9.0", [(cases[n], plan) for n, plan in DYNAMO.items()])
    store.snapshots.interval = 3600  # from now on only start_run publishes
    _record(store, "dynamo", "1.20.1", "0.9.0", [(cases[n], plan) for n, plan in DYNAMO.items()])
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _writer(path):
    env = fake_env(PYTHONPATH=os.pathsep.join([str(TESTS), fake_env()["PYTHONPATH"]]))
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return process


def _let_go(process):
    out, err = process.communicate("\n", timeout=60)
    assert process.returncode == 0, err
    return out, err


def test_a_reader_reads_the_writers_newest_snapshot_while_it_writes(store, capsys):
    writer = _writer(store)
    try:
        assert writer.stdout.readline().strip() == "holding", writer.stderr.read()
        with Store.open(store, read_only=True) as reader:
            assert reader.snapshot_of == store
            results = reader.query("SELECT env_id, count(*) AS n FROM results GROUP BY env_id")
            runs = reader.query("SELECT status FROM runs ORDER BY started_at")
        # the state when the second run started: the first environment complete, the
        # second run there (the planted first run was never finished: killed), none of
        # the results written after the snapshot
        assert [r["n"] for r in results] == [len(DYNAMO)]
        assert [r["status"] for r in runs] == ["killed", "running"]
        assert "is being written by a sweep; reading its snapshot of" in capsys.readouterr().err
        # the commands read it too, as a user would in a second terminal
        shown = tracker("results", "--store", str(store))
        assert shown.returncode == 0, shown.stderr
        assert "snapshot" in shown.stderr
    finally:
        _let_go(writer)
    # the writer withdrew its snapshot when it let go: the store itself is read again
    assert not snapshot_path(store).exists()
    with Store.open(store, read_only=True) as reader:
        assert reader.snapshot_of is None
        assert reader.query("SELECT count(*) AS n FROM results")[0]["n"] == 2 * len(DYNAMO)


def test_a_held_store_without_a_snapshot_is_still_an_error_that_says_what_to_do(store):
    writer = _writer(store)
    try:
        assert writer.stdout.readline().strip() == "holding"
        snapshot_path(store).unlink()
        from tracker.errors import StoreError

        with pytest.raises(StoreError, match="in use by another tracker process"):
            Store.connect(store, read_only=True)
    finally:
        _let_go(writer)


def test_a_writer_waits_for_a_reader_to_let_go(store):
    Store.connect(store).close()  # an empty store
    reader = Store.connect(store, read_only=True)
    writer = _writer(store)
    try:
        line = writer.stderr.readline()
        assert "waiting up to" in line  # the writer saw the reader and waits, not fails
    finally:
        reader.close()
    assert writer.stdout.readline().strip() == "holding"
    _let_go(writer)
