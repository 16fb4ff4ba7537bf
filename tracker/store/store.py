"""The DuckDB result store.

One embedded file, by default ``.tracker/store.duckdb`` under the working directory
(``--store PATH`` or ``TRACKER_STORE`` elsewhere). A result is committed atomically with
its verdicts and metrics; a sweep commits its results a few at a time, at most seconds
after each completes (:mod:`tracker.worker.batch`), so a killed sweep loses at most the
cases that were running and those of its last seconds. DuckDB allows one writing
process per file: a second writer gets a clear error naming the process that holds it.
All SQL is parametrized.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import re
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.api import MetricDeclaration, Oracle
from tracker.cases import ModelCase
from tracker.envinfo import Environment
from tracker.errors import StoreError
from tracker.store.locking import CONNECT_CONFIG, connect_waiting_for_readers, locked, writer_mark
from tracker.store.snapshot import SnapshotPublisher, snapshot_path, taken_at
from tracker.store.schema import MIGRATIONS, OLDEST_READABLE, SCHEMA_VERSION, TABLES

DEFAULT_STORE = Path(".tracker") / "store.duckdb"


def default_store_path() -> Path:
    return Path(os.environ.get("TRACKER_STORE") or DEFAULT_STORE)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass
class VerdictRecord:
    oracle: str
    passed: bool | None
    message: str = ""
    subkind: str | None = None
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    seconds: float | None = None  # the oracle's own computation (None: not timed)
    samples: dict[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)  # repeated measurements


@dataclasses.dataclass
class ConversionRecord:
    conversion_key: str
    converter: str
    variant: str
    options: Mapping[str, Any]
    fingerprint: Mapping[str, Any]
    case_id: str
    case_hash: str
    outcome: str
    subkind: str | None = None
    signature: str | None = None
    message: str | None = None
    artifact: str | None = None
    artifact_sha256: str | None = None
    artifact_bytes: int | None = None
    seconds: float | None = None
    fault_stage: str | None = None
    notes: str | None = None  # what the converter warned or logged while it converted, one per line


@dataclasses.dataclass
class ResultRecord:
    run_id: str
    env_id: str
    config_key: str
    pipeline: str
    variant: str
    framework: str
    converter: str
    runtime: str
    case_id: str
    case_hash: str
    outcome: str
    subkind: str | None = None
    stage: str | None = None
    signature: str | None = None
    message: str | None = None
    conversion_key: str | None = None
    conversion_reused: bool | None = None
    setup_seconds: float | None = None
    reference_seconds: float | None = None
    extra_sets_seconds: float | None = None
    convert_seconds: float | None = None
    load_seconds: float | None = None
    run_seconds: float | None = None
    extra_runs_seconds: float | None = None
    localize_seconds: float | None = None
    wall_seconds: float | None = None
    peak_rss_mb: float | None = None
    log_path: str | None = None
    fault_location: str | None = None  # converter | runtime | undetermined (failures only)
    fault_stage: str | None = None  # the converter stage that failed (api.FAILURE_STAGES)
    localized_by: str | None = None  # the result whose localization this one shares (same env and signature)
    timeout_seconds: float | None = None  # the limits it was computed under (None: none, or before schema 5)
    memory_limit_mb: float | None = None
    verdicts: list[VerdictRecord] = dataclasses.field(default_factory=list)
    result_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)


_RESULT_COLUMNS = [
    f.name for f in dataclasses.fields(ResultRecord) if f.name not in ("verdicts",)
] + ["created_at"]
_VERDICT_COLUMNS = ["result_id", "oracle", "passed", "subkind", "message", "seconds"]
_METRIC_COLUMNS = ["result_id", "oracle", "name", "value"]
_SAMPLE_COLUMNS = ["result_id", "oracle", "name", '"values"']
_ROWS_PER_STATEMENT = 200  # rows of one INSERT: a few thousand parameters at most
_CONVERSION_COLUMNS = [f.name for f in dataclasses.fields(ConversionRecord)] + ["created_at"]
_CONVERSION_FIELDS = [f.name for f in dataclasses.fields(ConversionRecord)]
# oracle_metrics' columns, as MetricDeclaration's fields (recorded_at aside)
_DECLARATION_COLUMNS = ["oracle", "name", "role", "label", "aggregate", "priority", "description"]


class Store:
    """A connection to the store. Use :meth:`open` (a context manager)."""

    def __init__(self, connection: Any, path: Path, read_only: bool) -> None:
        self.con = connection
        self.path = path
        self.read_only = read_only
        # a sweep's writer publishes snapshots for readers (tracker.store.snapshot)
        self.snapshots: SnapshotPublisher | None = None
        # a reader that found the store held by a writer reads the snapshot it published
        self.snapshot_of: Path | None = None

    # -- opening --------------------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path | str | None = None, *, read_only: bool = False) -> Iterator[Store]:
        store = cls.connect(path, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    @classmethod
    def connect(cls, path: Path | str | None = None, *, read_only: bool = False) -> Store:
        import duckdb

        path = Path(path) if path is not None else default_store_path()
        if str(path).strip().lower().startswith(":memory:"):
            raise StoreError(
                f"{path} is an in-memory database: a sweep's results would be lost when it ends",
                hint="give --store / TRACKER_STORE a file path, e.g. .tracker/store.duckdb",
            )
        if read_only and not path.exists():
            raise StoreError(
                f"no store at {path}",
                hint="run a sweep first (`nox -s sweep`), or point --store / TRACKER_STORE at one",
            )
        if not read_only:
            _check_writable(path)
        snapshot_of = None
        try:
            con = connect_waiting_for_readers(path, read_only)
        except duckdb.Error as exc:
            snapshot = snapshot_path(path)
            if not (read_only and locked(exc) and snapshot.is_file()):
                raise _open_error(path, exc) from exc
            try:  # a sweep is writing the store: read the snapshot it published
                con = duckdb.connect(str(snapshot), read_only=True, config=dict(CONNECT_CONFIG))
            except duckdb.Error:
                raise _open_error(path, exc) from exc
            snapshot_of, path = path, snapshot
            age = (dt.datetime.now() - taken_at(snapshot)).total_seconds()
            print(f"note: {snapshot_of} is being written by a sweep; reading its snapshot of "
                  f"{taken_at(snapshot):%H:%M:%S} ({age:.0f} s old)", file=sys.stderr)
        if not read_only:  # tells a second writer not to wait for this one (see below)
            writer_mark(path).write_text(str(os.getpid()), encoding="utf-8")
        store = cls(con, path, read_only)
        store.snapshot_of = snapshot_of
        try:
            store._ensure_schema()
        except duckdb.Error as exc:  # opened, but its tables cannot be read: corrupted
            store.close()
            raise _open_error(path, exc) from exc
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.checkpoint()  # on every exit, clean or interrupted, that reaches here
        self.con.close()
        if not self.read_only:
            with contextlib.suppress(OSError):
                writer_mark(self.path).unlink()
        if self.snapshots is not None:
            self.snapshots.withdraw()  # the store itself is readable again

    def schema_version(self) -> int | None:
        """The store's schema version; ``None`` for an empty DuckDB file. Refuses a DuckDB
        file that is not a store, and a store from a newer tracker."""
        tables = {row[0] for row in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{self.path} is a DuckDB file but not a tracker store")
            return None
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            version = int(row[0]) if row else 0
        except (TypeError, ValueError):
            raise StoreError(
                f"{self.path} has a schema version that is not a number: {str(row[0])[:40]!r}",
                hint="it was not written by converter-tracker, or it is corrupted: move it away",
            ) from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this tracker "
                f"understands ({SCHEMA_VERSION})",
                hint="upgrade converter-tracker, or use another store path",
            )
        return version

    def _ensure_schema(self) -> None:
        version = self.schema_version()
        if version is None:
            if self.read_only:
                raise StoreError(f"{self.path} is an empty store")
            with self.transaction():
                for ddl in TABLES.values():
                    self.con.execute(ddl)
                self.con.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?)",
                    [str(SCHEMA_VERSION), f"converter-tracker {__version__}"],
                )
            return
        if version < SCHEMA_VERSION:
            if self.read_only and version >= OLDEST_READABLE:
                self._stand_in_missing_tables()  # migrated when next opened for writing
                return
            if self.read_only:
                raise StoreError(
                    f"{self.path} has the older schema version {version}",
                    hint="open it once for writing (run a sweep) to migrate it",
                )
            with self.transaction():
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS.get(target, []):
                        self.con.execute(statement)
                self.con.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)]
                )

    def _stand_in_missing_tables(self) -> None:
        """An older store, read as it is: the tables it lacks, empty and temporary; a table
        that lacks columns, as a temporary view of the same name with them NULL (and the
        table's ``rowid``, which queries use for order and a view has not of its own)."""
        present = {row[0] for row in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        for name, ddl in TABLES.items():
            if name not in present:
                self.con.execute(ddl.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
                continue
            missing = self._missing_columns(name, ddl)
            if missing:
                (database,) = self.con.execute("SELECT current_database()").fetchone()
                nulls = "".join(f", NULL::{kind} AS {column}" for column, kind in missing)
                self.con.execute(f'CREATE TEMP VIEW {name} AS SELECT *, rowid AS rowid{nulls} FROM "{database}".main.{name}')

    def _missing_columns(self, name: str, ddl: str) -> list[tuple[str, str]]:
        """The (column, type) pairs of the current schema's table ``name`` that the store's lacks."""
        shape = f"_current_{name}"
        self.con.execute(ddl.replace(f"CREATE TABLE {name}", f"CREATE TEMP TABLE {shape}", 1))
        try:
            columns = self.con.execute(
                """SELECT c.column_name, c.data_type FROM duckdb_columns() c WHERE c.table_name = ?
                   AND c.column_name NOT IN (SELECT column_name FROM duckdb_columns()
                                             WHERE table_name = ? AND database_name = current_database())
                   ORDER BY c.column_index""", [shape, name]).fetchall()
        finally:
            self.con.execute(f"DROP TABLE {shape}")
        return [(column, kind) for column, kind in columns]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- writing --------------------------------------------------------------------------
    def record_environment(
        self, env: Environment, *, label: str, requested: Mapping[str, str], buildable: bool
    ) -> None:
        exists = self.con.execute(
            "SELECT 1 FROM environments WHERE env_id = ?", [env.env_id]
        ).fetchone()
        if exists:
            return
        with self.transaction():
            self.con.execute(
                "INSERT INTO environments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    env.env_id,
                    label,
                    env.python,
                    env.platform,
                    json.dumps(dict(env.packages), sort_keys=True),
                    json.dumps(dict(requested), sort_keys=True),
                    buildable,
                    _now(),
                ],
            )
            if buildable:  # an unbuildable one has only what was asked: environments.requested
                self.con.executemany(
                    "INSERT INTO env_packages VALUES (?, ?, ?)",
                    [[env.env_id, name, version] for name, version in env.packages.items()],
                )

    def record_cases(self, cases: Sequence[ModelCase]) -> None:
        known = {
            (row[0], row[1])
            for row in self.con.execute("SELECT case_id, case_hash FROM cases").fetchall()
        }
        new = [c for c in cases if (c.id, c.content_hash) not in known]
        if not new:
            return
        now = _now()
        with self.transaction():
            self.con.executemany(
                "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        c.id,
                        c.content_hash,
                        c.framework,
                        c.kind,
                        json.dumps(sorted(c.sets)),
                        json.dumps(list(c.tags)),
                        json.dumps(c.recipe(), sort_keys=True),
                        now,
                    ]
                    for c in new
                ],
            )

    def start_run(
        self,
        *,
        env_id: str,
        label: str,
        pipeline: str,
        variant: str,
        model_set: str | None,
        manifest_hash: str,
        case_count: int,
        argv: Sequence[str],
        sweep_id: str | None = None,
        timer_noise_seconds: float | None = None,
    ) -> str:
        run_id = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        with self.transaction():
            # A writer holds the store alone: a run still 'running' was killed (SIGKILL,
            # power loss). Its finished cases are stored; its counts are unknown.
            self.con.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'")
            self.con.execute(
                """INSERT INTO runs (run_id, env_id, label, pipeline, variant, model_set,
                       manifest_hash, case_count, status, argv, tracker_version, host,
                       started_at, sweep_id, timer_noise_seconds)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)""",
                [
                    run_id,
                    env_id,
                    label,
                    pipeline,
                    variant,
                    model_set,
                    manifest_hash,
                    case_count,
                    json.dumps(list(argv)),
                    __version__,
                    socket.gethostname(),
                    _now(),
                    sweep_id,
                    _finite_or_none(timer_noise_seconds),
                ],
            )
        if self.snapshots is None:  # a sweep: readers get snapshots while it writes
            self.snapshots = SnapshotPublisher(self.path)
        self.snapshots.publish(self.con)
        return run_id

    def finish_run(self, run_id: str, *, status: str, computed: int, reused: int) -> None:
        with self.transaction():
            self.con.execute(
                """UPDATE runs SET status = ?, computed = ?, reused = ?, finished_at = ?
                   WHERE run_id = ?""",
                [status, computed, reused, _now(), run_id],
            )
        self.checkpoint()  # a pair done (or interrupted): its results in the .duckdb file itself

    def checkpoint(self) -> None:
        """Write what the write-ahead log (``STORE.wal``) holds into the store file, so that
        the file alone (what a CI job uploads, what ``tracker merge`` reads) has every
        committed result. A writer's results are committed one by one into the log; a
        sweep killed between checkpoints leaves the latest in the log only, which DuckDB
        replays when the store is next opened beside it. Best effort: a failed checkpoint
        loses nothing (the log still holds it)."""
        import duckdb

        if self.read_only:
            return
        with contextlib.suppress(duckdb.Error):
            self.con.execute("CHECKPOINT")

    def record_conversion(self, record: ConversionRecord) -> None:
        values = dataclasses.asdict(record)
        values["options"] = json.dumps(dict(record.options), sort_keys=True)
        values["fingerprint"] = json.dumps(dict(record.fingerprint), sort_keys=True)
        values["created_at"] = _now()
        placeholders = ", ".join("?" for _ in _CONVERSION_COLUMNS)
        with self.transaction():
            self.con.execute(
                "DELETE FROM conversions WHERE conversion_key = ?", [record.conversion_key]
            )
            self.con.execute(
                f"INSERT INTO conversions ({', '.join(_CONVERSION_COLUMNS)}) VALUES ({placeholders})",
                [values[c] for c in _CONVERSION_COLUMNS],
            )

    def record_result(self, result: ResultRecord) -> None:
        """Store one result with its verdicts and metrics, atomically, replacing any
        earlier result of the same environment, configuration and case."""
        self.record_results([result])

    def record_results(self, results: Sequence[ResultRecord]) -> None:
        """Store ``results`` with their verdicts and metrics in one transaction (all of
        them or none), each replacing any earlier result of the same environment,
        configuration and case (the last of ``results`` wins among its own). A sweep
        commits its results in batches this way (:mod:`tracker.worker.batch`): one
        transaction, and one statement per table, instead of one per row."""
        latest = {(r.env_id, r.config_key, r.case_id, r.case_hash): r for r in results}
        if not latest:
            return
        now = _now()
        rows = [[now if c == "created_at" else getattr(r, c) for c in _RESULT_COLUMNS] for r in latest.values()]
        verdicts = [[r.result_id, v.oracle, v.passed, v.subkind, v.message, _finite_or_none(v.seconds)]
                    for r in latest.values() for v in r.verdicts]
        metrics = [[r.result_id, v.oracle, name, _finite_or_none(value)]
                   for r in latest.values() for v in r.verdicts for name, value in v.metrics.items()]
        samples = [[r.result_id, v.oracle, name, [float(x) for x in values if math.isfinite(x)]]
                   for r in latest.values() for v in r.verdicts for name, values in v.samples.items()]
        with self.transaction():
            old = self._result_ids(list(latest))
            for table in ("samples", "metrics", "verdicts", "results"):
                for chunk in _chunks(old, _ROWS_PER_STATEMENT):
                    self.con.execute(f"DELETE FROM {table} WHERE result_id IN ({', '.join('?' for _ in chunk)})",
                                     chunk)
            self._insert("results", _RESULT_COLUMNS, rows)
            self._insert("verdicts", _VERDICT_COLUMNS, verdicts)
            self._insert("metrics", _METRIC_COLUMNS, metrics)
            self._insert("samples", _SAMPLE_COLUMNS, samples)
        if self.snapshots is not None:
            self.snapshots.publish_if_due(self.con)

    def _result_ids(self, keys: Sequence[tuple[str, str, str, str]]) -> list[str]:
        """The ids of the stored results with these (env_id, config_key, case_id, case_hash)."""
        found: list[str] = []
        for chunk in _chunks(keys, _ROWS_PER_STATEMENT):
            values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
            found += [row[0] for row in self.con.execute(
                f"""SELECT r.result_id FROM results r
                    JOIN (VALUES {values}) AS k(env_id, config_key, case_id, case_hash)
                    USING (env_id, config_key, case_id, case_hash)""",
                [value for key in chunk for value in key]).fetchall()]
        return found

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``rows`` into ``table`` with one statement per :data:`_ROWS_PER_STATEMENT` rows
        (DuckDB's ``executemany`` runs one statement per row: milliseconds each)."""
        marks = f"({', '.join('?' for _ in columns)})"
        for chunk in _chunks(rows, _ROWS_PER_STATEMENT):
            self.con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(marks for _ in chunk)}",
                             [value for row in chunk for value in row])

    def record_oracle_declarations(self, oracles: Iterable[Oracle]) -> None:
        """Record what each of ``oracles`` declares about its metrics (:attr:`Oracle.metrics`),
        replacing what the store held for it, so that readers without the plugin installed
        know it. Writes nothing when the store holds exactly these declarations already."""
        wanted = {oracle.name: sorted(_declaration_row(d) for d in oracle.declared_metrics()) for oracle in oracles}
        if not wanted:
            return
        marks = ", ".join("?" for _ in wanted)
        held: dict[str, list[tuple[Any, ...]]] = {name: [] for name in wanted}
        for row in self.con.execute(
            f"SELECT {', '.join(_DECLARATION_COLUMNS)} FROM oracle_metrics WHERE oracle IN ({marks})", list(wanted)
        ).fetchall():
            held[row[0]].append(tuple(row))
        if all(sorted(held[name]) == rows for name, rows in wanted.items()):
            return
        now = _now()
        with self.transaction():
            self.con.execute(f"DELETE FROM oracle_metrics WHERE oracle IN ({marks})", list(wanted))
            rows = [[*row, now] for rows in wanted.values() for row in rows]
            if rows:
                self.con.executemany(
                    f"INSERT INTO oracle_metrics ({', '.join(_DECLARATION_COLUMNS)}, recorded_at) "
                    f"VALUES ({', '.join('?' for _ in _DECLARATION_COLUMNS)}, ?)",
                    rows,
                )

    # -- reading --------------------------------------------------------------------------
    def oracle_declarations(self) -> list[MetricDeclaration]:
        """The metric declarations recorded in the store, by priority. What a store says is
        not trusted: a declaration that is not valid (:meth:`MetricDeclaration.problem`: an
        unknown role or aggregate, a label that is not short printable text) is left out.
        """
        declarations = []
        for row in self.con.execute(
            f"SELECT {', '.join(_DECLARATION_COLUMNS)} FROM oracle_metrics ORDER BY priority, oracle, name, label"
        ).fetchall():
            try:
                declarations.append(MetricDeclaration(**dict(zip(_DECLARATION_COLUMNS, row, strict=True))))
            except (TypeError, ValueError):
                continue  # not valid: see the docstring
        return declarations

    def use_declarations(self, declarations: Sequence[MetricDeclaration]) -> None:
        """Put ``declarations`` in this connection's temporary table ``declared_metrics``
        (the columns of ``oracle_metrics``), which readers' SQL joins on ``metrics``
        (:mod:`tracker.declarations`). Works on a read-only connection too."""
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE declared_metrics (oracle VARCHAR, name VARCHAR, role VARCHAR,
                   label VARCHAR, aggregate VARCHAR, priority INTEGER, description VARCHAR)"""
        )
        if declarations:
            self.con.executemany(
                f"INSERT INTO declared_metrics ({', '.join(_DECLARATION_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _DECLARATION_COLUMNS)})",
                [list(_declaration_row(d)) for d in declarations],
            )

    def conversion(self, conversion_key: str) -> ConversionRecord | None:
        cursor = self.con.execute(
            f"SELECT {', '.join(_CONVERSION_FIELDS)} FROM conversions WHERE conversion_key = ?",
            [conversion_key],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        data = dict(zip(_CONVERSION_FIELDS, row, strict=True))
        data["options"] = json.loads(data["options"])
        data["fingerprint"] = json.loads(data["fingerprint"])
        return ConversionRecord(**data)

    def stored_cases(self, env_id: str, config_key: str) -> set[tuple[str, str]]:
        """(case id, case hash) of the results already stored for an environment and config."""
        rows = self.con.execute(
            "SELECT case_id, case_hash FROM results WHERE env_id = ? AND config_key = ?",
            [env_id, config_key],
        ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def limited_failures(self, env_id: str, config_key: str) -> list[tuple[str, str, str, float | None, float | None]]:
        """(case id, case hash, outcome, timeout_seconds, memory_limit_mb) of the stored
        timeouts and crashes of an environment and config: the results a limit may have made."""
        return [tuple(row) for row in self.con.execute(
            """SELECT case_id, case_hash, outcome, timeout_seconds, memory_limit_mb FROM results
               WHERE env_id = ? AND config_key = ? AND outcome IN ('timeout', 'crash')""",
            [env_id, config_key]).fetchall()]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _declaration_row(declaration: MetricDeclaration) -> tuple[Any, ...]:
    return tuple(getattr(declaration, column) for column in _DECLARATION_COLUMNS)


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    # NaN and infinities are stored as such (DuckDB DOUBLE holds them): they are evidence.
    return number


def _check_writable(path: Path) -> None:
    """Fail before any work starts when the store cannot be written."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the store directory {directory}: {exc.strerror}",
            hint="choose a writable location with --store or TRACKER_STORE",
        ) from exc
    probe = directory / f".write-probe-{os.getpid()}"
    try:
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 65536)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise StoreError(
            f"cannot write to the store directory {directory}: {exc.strerror}",
            hint="free some disk space or choose another location with --store / TRACKER_STORE",
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(
            f"the store {path} is read-only",
            hint="fix its permissions or choose another location with --store / TRACKER_STORE",
        )


def _open_error(path: Path, exc: Exception) -> StoreError:
    text = str(exc)
    if locked(exc):
        pid = re.search(r"PID (\d+)", text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return StoreError(
            f"the store {path} is in use by another tracker process{holder}",
            hint="wait for that sweep to finish, or give this one its own store with --store",
        )
    first = (text.strip().splitlines() or [type(exc).__name__])[0]
    return StoreError(
        f"{path} is not a readable DuckDB store: {first}",
        hint="if it is corrupted, move it away and rerun the sweep; "
        "the cache next to it lets most work be reused",
    )
