"""Shared helpers: run the real ``tracker`` CLI in a subprocess with the fake plugins; a
store as a version-1 tracker left it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FAKES = TESTS / "fakes"
FIXTURES = TESTS / "fixtures"

sys.path.insert(0, str(FAKES))


def fake_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(FAKES), str(ROOT), env.get("PYTHONPATH", "")])
    env["TRACKER_PLUGIN_MODULES"] = "tracker_fake_plugin"
    env["TRACKER_PLUGINS"] = "oracles"  # of the installed plugins, only the built-in oracles
    env.pop("TRACKER_STORE", None)
    env.update(extra)
    return env


def faulty_torch_env(cache: Path) -> dict[str, str]:
    """The installed plugins with the misbehaving PyTorch pieces of ``tracker_faulty_torch``
    beside them, caching under ``cache``."""
    env = dict(os.environ)
    env.pop("TRACKER_PLUGINS", None)
    env.pop("TRACKER_STORE", None)
    env["TRACKER_PLUGIN_MODULES"] = "tracker_faulty_torch"
    env["PYTHONPATH"] = os.pathsep.join([str(FAKES), env.get("PYTHONPATH", "")])
    env["TRACKER_CACHE"] = str(cache)
    return env


def fake_pair_json(**overrides) -> str:
    import dataclasses

    from tracker.matrix import load_matrix

    (pair,) = load_matrix(FAKES / "matrix.toml")
    return dataclasses.replace(pair, **overrides).to_json() if overrides else pair.to_json()


def tracker(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
            check: bool = False) -> subprocess.CompletedProcess[str]:
    process = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        capture_output=True, text=True, env=env or fake_env(), timeout=timeout, cwd=ROOT,
    )
    if check and process.returncode != 0:
        raise AssertionError(f"tracker {args} failed ({process.returncode}):\n{process.stdout}\n{process.stderr}")
    return process


def stored(store: Path, sql: str = "SELECT * FROM results", params=()) -> list[dict]:
    from tracker.store import Store

    with Store.open(store, read_only=True) as handle:
        return handle.query(sql, params)


@pytest.fixture(autouse=True, scope="session")
def _tensorflow_threads_as_in_a_worker():
    """Tests that run TensorFlow in pytest's own process get its thread pools set before its
    first op, as the tracker's workers set them (``configure_threads``), whichever test runs
    first. Left to TensorFlow's defaults (a Keras model a test saved before the tracker built
    anything), TensorFlow 2.21 crashed in a batched matmul of a synthetic case later in the
    same process (SIGSEGV, CI of 14f081a)."""
    if importlib.util.find_spec("tensorflow") and importlib.util.find_spec("tracker_tensorflow"):
        from tracker_tensorflow.calls import configure_threads

        configure_threads()
    yield


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store_v1(tmp_path: Path) -> Path:
    """A store as a schema-version-1 tracker left it, built from ``fixtures/store_v1.sql``."""
    import duckdb

    path = tmp_path / "store_v1.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute((FIXTURES / "store_v1.sql").read_text())
    finally:
        con.close()
    return path


def nox_or_tracker(directory: Path, variables: dict[str, str], *command: str,
                   nox: bool = False) -> subprocess.CompletedProcess[str]:
    """``nox`` (this project's noxfile, its environments in ``directory/nox-envs``) or
    ``python -m tracker`` with ``command``, run in ``directory`` with these environment
    ``variables`` and no plugin switches; it must succeed. For the end-to-end tests."""
    env = {**os.environ, **variables}
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS"):
        env.pop(name, None)
    head = ([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "--envdir", str(directory / "nox-envs")]
            if nox else [sys.executable, "-m", "tracker"])
    process = subprocess.run([*head, *command], capture_output=True, text=True, env=env, timeout=1800, cwd=directory)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]
    return process


def documented_cli_install() -> list[str]:
    """The one command the README gives to install the ``tracker`` command with the built-in
    plugins (``pip install -r requirements-cli.txt``), as argv; run in the clone's root."""
    commands = [line.split("#")[0].split() for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("pip install -r ")]
    assert len(commands) == 1, f"the README should give one `pip install -r FILE` line, not {commands}"
    return commands[0]


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's own type
    """The fuzz suite's count of generated inputs (tests/unit/fuzz/fuzzing.py), if it ran."""
    fuzzing = sys.modules.get("fuzzing")
    line = fuzzing.summary() if fuzzing is not None else None
    if line:
        terminalreporter.write_line(line)
