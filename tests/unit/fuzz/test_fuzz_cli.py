"""Fuzzed argument vectors and corrupted stores, through the real ``tracker`` entry point
(in this process, for speed). The property: each command either works or prints one error
line and exits with a documented code (docs/reliability.md); never a traceback, and a
store it only reads is left byte for byte as it was."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from fuzzing import TRIED, count_changed_store, count_traceback
from hypothesis import given
from hypothesis import strategies as st
from planted_store import build_planted_store

from tracker.cli import main

DOCUMENTED_EXIT_CODES = {0, 2, 3, 4, 5, 6, 7}
READING_COMMANDS = ["results", "history", "regressions", "fixes", "time", "report"]  # they only read the store


class Pristine(bytes):
    """The planted store's bytes (a short repr: Hypothesis prints the arguments of a failure)."""

    def __repr__(self) -> str:
        return f"<the planted store, {len(self)} bytes>"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Pristine:
    path = tmp_path_factory.mktemp("planted") / "store.duckdb"
    build_planted_store(path)
    return Pristine(path.read_bytes())


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # whatever a generated argument names lands here
    monkeypatch.delenv("TRACKER_STORE", raising=False)
    return tmp_path


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def run_reading(argv: list[str], store: Path) -> int:
    """``tracker argv``; checks the property and returns the exit code."""
    before = _digest(store.parent)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help (0) or an option error (3)
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:
            count_traceback()
            raise
    errors = [line for line in err.getvalue().splitlines() if "error:" in line]
    assert code in DOCUMENTED_EXIT_CODES, (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue() and len(errors) <= 1, (argv, err.getvalue())
    assert code == 0 or len(errors) == 1, (argv, code, err.getvalue())
    if _digest(store.parent) != before:
        count_changed_store()
        raise AssertionError(f"tracker {argv} changed the store it only reads")
    return code


tokens = st.one_of(
    st.sampled_from(["--format", "json", "csv", "table", "--case", "--pipeline", "torch-onnx", "--oracle", "numeric",
                     "--all-hashes", "--sweep", "--set", "--models", "--kind", "--since", "--axis", "onnxruntime",
                     "--help", "-h", "fake-ok-1", "nan", "-1", "0", "1e309", "", " ", "\x1b[31m", "é", "'; DROP TABLE"]),
    st.text(max_size=12).filter(lambda t: not t.startswith("-")),  # no generated option: none may write files
)


@given(command=st.sampled_from(READING_COMMANDS), args=st.lists(tokens, max_size=6))
def test_a_generated_argument_vector_works_or_is_one_documented_error(pristine, workdir, command, args):
    TRIED["cli"] += 1
    store = workdir / "store" / "store.duckdb"
    store.parent.mkdir(exist_ok=True)
    store.write_bytes(pristine)
    run_reading([command, *args, "--store", str(store)], store)


@st.composite
def corruptions(draw) -> tuple[str, object]:  # noqa: ANN001
    kind = draw(st.sampled_from(["truncate", "flip", "schema_version", "outcome", "text", "number"]))
    if kind == "truncate":
        return kind, draw(st.floats(0.0, 0.999))
    if kind == "flip":
        return kind, draw(st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(0, 7)), min_size=1, max_size=8))
    if kind in ("schema_version", "outcome", "text"):
        return kind, draw(st.one_of(st.text(max_size=20), st.sampled_from(["-1", "99", "4.5", "", "5", "ok"])))
    return kind, draw(st.floats(allow_nan=True, allow_infinity=True))


def corrupt(path: Path, pristine: bytes, kind: str, value) -> None:  # noqa: ANN001
    data = bytearray(pristine)
    if kind == "truncate":
        data = data[: int(len(data) * value)]
    elif kind == "flip":
        for where, bit in value:
            data[int(len(data) * where)] ^= 1 << bit
    path.write_bytes(bytes(data))
    if kind in ("truncate", "flip"):
        return
    con = duckdb.connect(str(path))
    try:
        if kind == "schema_version":
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [value])
        elif kind == "outcome":
            con.execute("UPDATE results SET outcome = ? WHERE result_id = (SELECT min(result_id) FROM results)",
                        [value])
        elif kind == "text":
            con.execute("UPDATE results SET signature = ?, message = ?, case_id = ? || case_id", [value] * 3)
        else:
            con.execute("UPDATE metrics SET value = ?", [value])
            con.execute("UPDATE results SET wall_seconds = ?, peak_rss_mb = ?", [value, value])
    finally:
        con.close()


@given(corruption=corruptions(), command=st.sampled_from(READING_COMMANDS))
def test_a_corrupted_store_is_read_or_is_one_store_error_and_stays_as_it_was(pristine, workdir, corruption, command):
    TRIED["store"] += 1
    store = workdir / "store" / "store.duckdb"
    if store.parent.exists():
        shutil.rmtree(store.parent)
    store.parent.mkdir()
    corrupt(store, pristine, *corruption)
    args = ["fake-ok-1"] if command == "history" else []
    code = run_reading([command, *args, "--store", str(store)], store)
    assert code in (0, 5, 6), (corruption, command, code)
    assert not os.path.exists(f"{store}.wal")
