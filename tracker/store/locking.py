"""Who holds the store file: DuckDB lets one process write it and none read it meanwhile.

A writer leaves a mark (its pid) beside the store; a writer that finds the store held by a
reader (a short command) waits for it, one that finds it held by another writer fails.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


# Every connection to a store file: DuckDB never downloads or loads an extension for it
# (a SQLite or Parquet file given as --store would otherwise make it fetch one from the network).
CONNECT_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

# how long a writer waits for readers (tracker results, report, ...) that hold the store
READER_WAIT_SECONDS = 60.0


def locked(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def writer_mark(path: Path) -> Path:
    return path.with_name(f"{path.name}.writer")


def held_by_a_writer(path: Path) -> bool:
    """Whether a live process holds ``path`` for writing (it left its mark)."""
    try:
        pid = int(writer_mark(path).read_text(encoding="utf-8"))
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def connect_waiting_for_readers(path: Path, read_only: bool) -> Any:
    """Open ``path``; a writer that finds it held by a reader (a short command) waits for it
    up to :data:`READER_WAIT_SECONDS` rather than failing the sweep. Held by another
    writer (a sweep lasts hours), it fails at once."""
    import duckdb

    deadline = time.monotonic() + READER_WAIT_SECONDS
    waited = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(CONNECT_CONFIG))
        except duckdb.Error as exc:
            if read_only or not locked(exc) or held_by_a_writer(path) or time.monotonic() > deadline:
                raise
            if not waited:
                print(f"note: {path} is held by another process; waiting up to "
                      f"{READER_WAIT_SECONDS:.0f} s for it to let go", file=sys.stderr)
                waited = True
            time.sleep(0.5)
