"""A store is untrusted input (issue 20, items 5 and 6): one that is corrupted, not a
DuckDB file, or holds values this tracker does not know gives one line and exit code 5,
never a traceback; text from it reaches the terminal without escape sequences."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest
from conftest import tracker
from planted_store import build_planted_store

from tracker.errors import StoreError
from tracker.store import Store


@pytest.fixture
def planted(tmp_path):
    path = tmp_path / "planted.duckdb"
    build_planted_store(path)
    return path


def _one_error_line(process, code=5):
    assert process.returncode == code, (process.returncode, process.stderr)
    assert "Traceback" not in process.stderr
    errors = [line for line in process.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, process.stderr


def test_a_truncated_store_is_one_line(planted):
    # the file's three 4 KB headers and a piece of its first 256 KB block: every block the
    # headers point to is cut (a cut at a third of the file was readable when the layout
    # happened to put the blocks that are read before it)
    data = planted.read_bytes()
    planted.write_bytes(data[:16384])
    _one_error_line(tracker("results", "--store", str(planted)))


@pytest.mark.parametrize("command", ["results", "report"])
@pytest.mark.parametrize("sql, named", [
    ("UPDATE meta SET value = 'five' WHERE key = 'schema_version'", "'five'"),
    # every row: result ids are random, and one row alone may be a superseded definition's that `results` hides
    ("UPDATE results SET outcome = 'exploded'", "'exploded'"),
])
def test_a_value_this_tracker_cannot_read_is_one_line_naming_it(planted, command, sql, named):
    con = duckdb.connect(str(planted))
    con.execute(sql)
    con.close()
    process = tracker(command, "--store", str(planted))
    _one_error_line(process)
    assert named in process.stderr


def test_a_sqlite_file_is_refused_without_installing_an_extension(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a readable DuckDB store"):
        Store.connect(path, read_only=True)


def test_extension_autoinstall_and_autoload_are_off(planted):
    with Store.open(planted, read_only=True) as store:
        settings = store.query("SELECT current_setting('autoinstall_known_extensions') AS i, "
                               "current_setting('autoload_known_extensions') AS l")
    assert settings == [{"i": False, "l": False}]


def test_results_and_history_print_no_escape_sequence_from_the_store(planted):
    hostile = "RuntimeError: \x1b]0;owned\x07\x1b[2J\x1b[31mred\x9b1m \x1b]8;;http://x\x1b\\link"
    con = duckdb.connect(str(planted))
    con.execute("UPDATE results SET signature = ?, message = ? WHERE outcome <> 'ok'", [hostile, hostile])
    (case,) = con.execute("SELECT case_id FROM results WHERE outcome <> 'ok' LIMIT 1").fetchone()
    con.close()
    for args in (("results",), ("history", case)):
        process = tracker(*args, "--store", str(planted))
        assert process.returncode == 0, process.stderr
        assert "RuntimeError:" in process.stdout
        assert not any(ch in process.stdout for ch in "\x1b\x07\x9b\x9d"), args
        assert "owned" not in process.stdout and "red" in process.stdout


def test_terminal_safe_removes_sequences_and_keeps_text():
    from tracker.render import terminal_safe

    assert terminal_safe("a\x1b[1;31mb\x1b[0m\tc\nd\x1b]0;title\x07e\x00") == "ab\tc\nde?"
