"""Limits (issue 20, item 4): validated, backed by the kernel, and part of what decides
whether a stored result is reused."""

from __future__ import annotations

import argparse
import os

import pytest
from conftest import fake_pair_json, stored, tracker

from tracker.cli.sweep_args import OptionParser, add_sweep_arguments, forwarded
from tracker.errors import ConfigError
from tracker.worker import memory, plan


@pytest.mark.parametrize("option, value", [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "0"), ("--timeout", "0.001"), ("--timeout", "-5"),
    ("--timeout", "soon"), ("--memory-limit", "0"), ("--memory-limit", "1K"), ("--memory-limit", "nan"),
    ("--memory-limit", "100M"), ("--jobs", "0"), ("--jobs", "two"),
])
def test_an_unusable_limit_is_one_line_and_exit_code_3(store, option, value):
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), option, value)
    assert process.returncode == ConfigError.exit_code == 3, process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and option in lines[0], process.stderr
    assert not store.exists()  # refused before any work


def test_the_nox_sweep_parser_refuses_them_with_the_same_code():
    parser = OptionParser(prog="nox -s sweep --")
    add_sweep_arguments(parser)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--timeout", "nan"])
    assert exit_.value.code == 3
    sane = parser.parse_args(["--timeout", "1.5", "--memory-limit", "1G"])
    again = parser.parse_args(forwarded(sane))  # what nox hands to `tracker run` parses again
    assert (again.timeout, again.memory_limit) == (1.5, 1024.0)


def test_an_unknown_option_exits_3_as_documented():
    process = tracker("results", "--no-such-option")
    assert process.returncode == 3 and "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1


def test_a_memory_store_is_refused(tmp_path):
    process = tracker("run", "--pair", fake_pair_json(), "--store", ":memory:", "--models", "fake-ok-1")
    assert process.returncode == 5 and "in-memory" in process.stderr, process.stderr


def test_a_timeout_under_a_lower_limit_is_computed_again_and_not_under_the_same(store):
    run = ("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults", "--models", "fake-hang",
           "--jobs", "1")
    tracker(*run, "--timeout", "1", check=True)
    (row,) = stored(store)
    assert (row["outcome"], row["timeout_seconds"]) == ("timeout", 1.0)
    same = tracker(*run, "--timeout", "1", check=True)
    assert "1 already stored" in same.stdout
    raised = tracker(*run, "--timeout", "2", check=True)
    assert "0 already stored" in raised.stdout and "computed under lower limits" in raised.stdout
    (row,) = stored(store)
    assert (row["outcome"], row["timeout_seconds"]) == ("timeout", 2.0)


def test_outgrown_takes_only_failures_a_raised_limit_could_change():
    rows = [("t-low", "h", "timeout", 10.0, 1000.0), ("t-same", "h", "timeout", 60.0, 1000.0),
            ("c-low", "h", "crash", 60.0, 500.0), ("c-old", "h", "crash", None, None),
            ("t-high", "h", "timeout", 120.0, 1000.0)]
    assert plan.outgrown(rows, timeout=60.0, memory_limit_mb=1000.0) == {("t-low", "h"), ("c-low", "h")}


def test_a_child_runs_under_a_data_limit_and_an_allocation_beyond_it_is_a_memory_crash():
    numpy = pytest.importorskip("numpy")
    resource = pytest.importorskip("resource")
    if not hasattr(resource, "RLIMIT_DATA"):
        pytest.skip("this platform has no RLIMIT_DATA: only the pool's poll limits memory")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what pool.Pool starts each case with
        os.close(read)
        def allocate() -> None:
            try:
                numpy.ones(512 * 1024 * 1024, dtype=numpy.uint8)
                os.write(write, b"allocated")
            except MemoryError as exc:
                os.write(write, type(exc).__name__.encode())
        memory.run_limited(memory.data_limit_bytes(128.0), allocate)
        os._exit(0)
    os.close(write)
    told = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert told.endswith("MemoryError") and memory.exhausted(f"{told}: Unable to allocate 512. MiB")
    assert not memory.exhausted("ValueError: MemoryError mentioned") and not memory.exhausted(None)


def test_argparse_type_functions_reject_nan_directly():
    from tracker.cli.sweep_args import memory_size, timeout_seconds

    for function, text in ((timeout_seconds, "nan"), (memory_size, "0"), (memory_size, "1K")):
        with pytest.raises(argparse.ArgumentTypeError):
            function(text)


def test_a_memory_error_under_the_data_limit_is_stored_as_the_memory_crash(tmp_path):
    from test_record import _report

    from tracker.outcomes import Outcome
    from tracker.worker.job import RESULT
    from tracker.worker.record import reported
    from tracker.worker.result import CaseResult

    refused = CaseResult(Outcome.CONVERT_ERROR, stage="convert", signature="_ArrayMemoryError: Unable to allocate <n>")
    result, _ = reported(_report(tmp_path, messages=[(RESULT, refused)]), timeout=60, memory_limit_mb=600)
    assert (result.outcome, result.subkind, result.stage) == (Outcome.CRASH, "memory", "convert")
