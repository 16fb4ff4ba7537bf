"""Merge store files into one: the stores of several shards, machines or CI jobs.

Each input is attached read-only to the output store (DuckDB ``ATTACH``) and copied table
by table in SQL, in one transaction per input. A row is identified as the writers
identify it, and one row per identity is kept:

- ``results``: (environment, configuration, case id, case hash), as
  :meth:`Store.record_result` replaces; the newest (``created_at``) wins, and its verdicts
  and metrics come with it, those of the result it replaces go with that result;
- ``conversions``: the conversion key, newest wins, as :meth:`Store.record_conversion`;
- ``runs``: the run id; every run is kept, the one that got further wins (a store
  merged again after its sweep finished updates the run's status);
- ``run_times``: (run id, stage), the newest (``recorded_at``) wins;
- ``environments``, ``env_packages``, ``cases``: their keys; a row already there stays;
- ``oracle_metrics``: (oracle, role, label), a report column of an oracle; the newest
  (``recorded_at``) wins.

A tie keeps the row already there, so merging the same input again changes nothing. An
input from a newer tracker is not merged; one with an older schema is migrated in a
temporary copy, never in place. An input that cannot be read (missing, not a store, from a
newer tracker, damaged) is reported and the others are merged, unless ``all_or_nothing``.
A store's write-ahead log (``STORE.wal``, where a killed sweep's latest results are) is
read with it when it lies beside it. Artifacts and logs stay in each input's cache directory:
only their records are merged.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tracker.errors import ConfigError, StoreError
from tracker.store.locking import CONNECT_CONFIG
from tracker.store.schema import SCHEMA_VERSION
from tracker.store.store import Store, _open_error

_SOURCE = "merge_input"


@dataclasses.dataclass(frozen=True)
class _Rule:
    table: str
    key: tuple[str, ...]
    # SQL over the alias {t}: of two rows with one key, the greater wins; None: the row
    # already in the output stays
    stamp: str | None = None


# every table but meta, in the order a sweep writes them; verdicts, metrics and samples follow results
RULES = (
    _Rule("environments", ("env_id",)),
    _Rule("env_packages", ("env_id", "name")),
    _Rule("cases", ("case_id", "case_hash")),
    _Rule("oracle_metrics", ("oracle", "role", "label"), "{t}.recorded_at"),
    _Rule("runs", ("run_id",), "coalesce({t}.finished_at, {t}.started_at)"),
    _Rule("run_times", ("run_id", "stage"), "{t}.recorded_at"),
    _Rule("conversions", ("conversion_key",), "{t}.created_at"),
    _Rule("results", ("env_id", "config_key", "case_id", "case_hash"), "{t}.created_at"),
)
FOLLOW_RESULTS = ("verdicts", "metrics", "samples")


@dataclasses.dataclass
class MergedInput:
    path: Path
    added: dict[str, int] = dataclasses.field(default_factory=dict)  # rows in, per table
    replaced: dict[str, int] = dataclasses.field(default_factory=dict)  # rows they replaced

    def line(self) -> str:
        results_first = sorted(self.added.items(), key=lambda item: item[0] != "results")
        parts = [
            f"{table} +{n}" + (f" ({self.replaced[table]} replacing older)" if self.replaced[table] else "")
            for table, n in results_first if n
        ]
        return f"{self.path}: " + (", ".join(parts) or "nothing new")


@dataclasses.dataclass
class Unreadable:
    """An input that could not be merged, and why (the error's one line)."""

    path: Path
    reason: str

    def line(self) -> str:
        return f"{self.path}: not merged: {self.reason}"


@dataclasses.dataclass
class MergeReport:
    merged: list[MergedInput]
    unreadable: list[Unreadable]


def merge_stores(out: Path, inputs: Sequence[Path], *, all_or_nothing: bool = False) -> MergeReport:
    """Merge the readable ``inputs`` into ``out`` (created if missing), reporting each
    input that cannot be read; with ``all_or_nothing``, an unreadable input refuses the
    whole merge before anything is written. An output that is also an input is always
    refused first."""
    with tempfile.TemporaryDirectory(prefix="tracker-merge-") as scratch:
        sources, unreadable = _checked_inputs(out, inputs, Path(scratch))
        if unreadable and all_or_nothing:
            raise StoreError(f"{len(unreadable)} of {len(inputs)} input(s) cannot be read, nothing merged: "
                             + "; ".join(one.line() for one in unreadable),
                             hint="drop --all-or-nothing to merge the others")
        merged: list[MergedInput] = []
        if sources:
            with Store.open(out) as store:
                for original, source in sources:
                    try:
                        merged.append(_merge_one(store, original, source))
                    except StoreError as error:
                        unreadable.append(Unreadable(original, _one_line(error)))
        return MergeReport(merged, unreadable)


def _checked_inputs(out: Path, inputs: Sequence[Path],
                    scratch: Path) -> tuple[list[tuple[Path, Path]], list[Unreadable]]:
    """(input, the file to attach: the input or a migrated copy of it) of each readable
    input, and the inputs that are not."""
    checked, unreadable = [], []
    for number, path in enumerate(inputs):
        if out.exists() and path.exists() and path.samefile(out):
            raise ConfigError(f"{path} is both the output and an input",
                              hint="merge into a new file: tracker merge NEW.duckdb IN [IN ...]")
        try:
            if not path.is_file():
                raise StoreError(f"no store at {path}")
            version = _schema_version(path)
            source = path if version == SCHEMA_VERSION else _migrated_copy(path, scratch / f"{number}.duckdb")
        except StoreError as error:
            unreadable.append(Unreadable(path, _one_line(error)))
            continue
        checked.append((path, source))
    return checked, unreadable


def _one_line(error: StoreError) -> str:
    message = " ".join(str(error.args[0]).split())
    return f"{message} (hint: {error.hint})" if error.hint else message


def _schema_version(path: Path) -> int:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True, config=dict(CONNECT_CONFIG))
    except duckdb.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        version = Store(con, path, read_only=True).schema_version()  # refuses a newer one
    finally:
        con.close()
    if version is None:
        wal = path.with_name(path.name + ".wal")
        raise StoreError(f"{path} is an empty DuckDB file, not a tracker store"
                         + ("" if wal.exists() else f" (a sweep killed before its first checkpoint left its "
                            f"results in {wal.name}: put that file beside it)"))
    return version


def _migrated_copy(path: Path, copy: Path) -> Path:
    shutil.copyfile(path, copy)
    wal = path.with_name(path.name + ".wal")
    if wal.is_file():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    Store.connect(copy).close()  # opening for writing migrates
    return copy


def _merge_one(store: Store, original: Path, source: Path) -> MergedInput:
    import duckdb

    merged = MergedInput(original)
    try:
        store.con.execute(f"ATTACH ? AS {_SOURCE} (READ_ONLY)", [str(source)])
    except duckdb.Error as exc:
        raise _open_error(original, exc) from exc
    try:
        with store.transaction():
            for rule in RULES:
                merged.added[rule.table], merged.replaced[rule.table] = _merge_table(store, rule)
    finally:
        store.con.execute(f"DETACH {_SOURCE}")
    return merged


def _merge_table(store: Store, rule: _Rule) -> tuple[int, int]:
    """Copy the input's winning rows of one table; (rows added, rows they replaced)."""
    con = store.con

    def same_key(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{column} = {b}.{column}" for column in rule.key)

    beaten = "" if rule.stamp is None else (
        f" AND {rule.stamp.format(t='o')} >= {rule.stamp.format(t='s')}"
    )
    newest_first = rule.stamp.format(t="s") + " DESC" if rule.stamp else "1"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT s.* FROM {_SOURCE}.{rule.table} s
            WHERE NOT EXISTS (SELECT 1 FROM main.{rule.table} o WHERE {same_key('o', 's')}{beaten})
            QUALIFY row_number() OVER (PARTITION BY {', '.join('s.' + c for c in rule.key)}
                                       ORDER BY {newest_first}) = 1"""
    )
    if rule.table == "results":
        for table in FOLLOW_RESULTS:  # the verdicts and metrics of the results replaced
            con.execute(
                f"""DELETE FROM main.{table} WHERE result_id IN (
                        SELECT o.result_id FROM main.results o JOIN incoming s ON {same_key('o', 's')})"""
            )
    (replaced,) = con.execute(
        f"DELETE FROM main.{rule.table} o USING incoming s WHERE {same_key('o', 's')}"
    ).fetchone()
    (added,) = con.execute(f"INSERT INTO main.{rule.table} BY NAME SELECT * FROM incoming").fetchone()
    if rule.table == "results":
        for table in FOLLOW_RESULTS:
            con.execute(
                f"""INSERT INTO main.{table} BY NAME SELECT x.* FROM {_SOURCE}.{table} x
                    WHERE x.result_id IN (SELECT result_id FROM incoming)"""
            )
    con.execute("DROP TABLE incoming")
    return added, replaced
