import re

import duckdb
import pytest

from tracker.envinfo import Environment
from tracker.errors import StoreError
from tracker.store import ResultRecord, Store, VerdictRecord
from tracker.store.schema import MIGRATIONS, SCHEMA_VERSION


def _result(**changes):
    fields = dict(run_id="r", env_id="e", config_key="k", pipeline="p", variant="v", framework="f",
                  converter="c", runtime="rt", case_id="case", case_hash="h", outcome="ok")
    fields.update(changes)
    return ResultRecord(**fields)


def test_a_new_store_has_the_schema_and_its_version(store):
    with Store.open(store) as handle:
        (row,) = handle.query("SELECT value FROM meta WHERE key = 'schema_version'")
    assert int(row["value"]) == SCHEMA_VERSION


def test_a_result_replaces_the_earlier_one_with_its_verdicts_and_metrics(store):
    with Store.open(store) as handle:
        verdict = VerdictRecord("numeric", False, "bad", "nan", {"max_abs_error": float("nan")})
        handle.record_result(_result(outcome="incorrect", verdicts=[verdict]))
        handle.record_result(_result(outcome="ok", verdicts=[VerdictRecord("numeric", True, metrics={"max_abs_error": 0.0})]))
        results = handle.query("SELECT outcome FROM results")
        metrics = handle.query("SELECT value FROM metrics")
        verdicts = handle.query("SELECT passed FROM verdicts")
    assert results == [{"outcome": "ok"}]
    assert metrics == [{"value": 0.0}]
    assert verdicts == [{"passed": True}]


def test_results_stored_together_replace_earlier_ones_and_the_last_of_a_case_wins(store, monkeypatch):
    import tracker.store.store as store_module

    monkeypatch.setattr(store_module, "_ROWS_PER_STATEMENT", 2)  # several statements per table
    verdict = VerdictRecord("numeric", True, "fine", metrics={"max_abs_error": 0.5, "nan": float("nan")}, seconds=0.1)
    with Store.open(store) as handle:
        handle.record_result(_result(case_id="a", outcome="crash", verdicts=[VerdictRecord("numeric", False)]))
        handle.record_results([
            _result(case_id="a", outcome="incorrect"),
            _result(case_id="b", verdicts=[verdict, VerdictRecord("checker", None, "n/a", "skipped")]),
            _result(case_id="c", verdicts=[verdict]),
            _result(case_id="a", outcome="ok", verdicts=[verdict]),
        ])
        results = handle.query("SELECT case_id, outcome FROM results ORDER BY case_id")
        verdicts = handle.query("""SELECT r.case_id, v.oracle, v.passed, v.subkind, v.message, v.seconds
                                   FROM verdicts v JOIN results r USING (result_id) ORDER BY r.case_id, v.oracle""")
        metrics = handle.query("SELECT name, count(*) AS n FROM metrics GROUP BY name ORDER BY name")
    assert results == [{"case_id": "a", "outcome": "ok"}, {"case_id": "b", "outcome": "ok"},
                       {"case_id": "c", "outcome": "ok"}]
    assert [(v["case_id"], v["oracle"], v["passed"]) for v in verdicts] == [
        ("a", "numeric", True), ("b", "checker", None), ("b", "numeric", True), ("c", "numeric", True)]
    assert verdicts[1]["subkind"] == "skipped" and verdicts[1]["message"] == "n/a" and verdicts[2]["seconds"] == 0.1
    assert metrics == [{"name": "max_abs_error", "n": 3}, {"name": "nan", "n": 3}]


def test_nan_metrics_are_kept_as_evidence(store):
    with Store.open(store) as handle:
        handle.record_result(_result(verdicts=[VerdictRecord("numeric", False, metrics={"e": float("nan")})]))
        (row,) = handle.query("SELECT isnan(value) AS nan FROM metrics")
    assert row["nan"] is True


def test_environment_packages_are_queryable_by_name(store):
    env = Environment(python="3.11.7", platform="linux-x86_64", packages={"onnxruntime": "1.31.1"})
    with Store.open(store) as handle:
        handle.record_environment(env, label="x", requested={"onnxruntime": "==1.31.1"}, buildable=True)
        handle.record_environment(env, label="x", requested={}, buildable=True)  # idempotent
        rows = handle.query("SELECT name, version FROM env_packages WHERE env_id = ?", [env.env_id])
    assert rows == [{"name": "onnxruntime", "version": "1.31.1"}]


def test_a_store_from_a_newer_tracker_is_refused_with_advice(store):
    with Store.open(store) as handle:
        handle.con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 999, newer") as error:
        Store.connect(store)
    assert "upgrade converter-tracker" in str(error.value)


def test_a_corrupted_store_is_refused_with_advice(store):
    store.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(StoreError, match="not a readable DuckDB store") as error:
        Store.connect(store)
    assert "move it away" in str(error.value)


def test_a_foreign_duckdb_file_is_not_taken_for_a_store(store):
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE something (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a tracker store"):
        Store.connect(store)


def test_reading_a_missing_store_says_how_to_make_one(tmp_path):
    with pytest.raises(StoreError, match="no store at") as error:
        Store.connect(tmp_path / "none.duckdb", read_only=True)
    assert "nox -s sweep" in str(error.value)


# -- migrations, from a real version-1 store (tests/fixtures/store_v1.sql) ------------------

_ADD_COLUMN = re.compile(r"\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)


# rows per table, as tests/fixtures/store_v1.sql writes them
V1_ROWS = {"environments": 1, "env_packages": 2, "cases": 2, "runs": 1, "conversions": 2,
           "results": 2, "verdicts": 2, "metrics": 1}


def _added_by_migrations() -> set[tuple[str, str]]:
    """(table, column) of every ``ALTER TABLE ... ADD COLUMN`` and of every table a
    ``CREATE TABLE`` makes, in every migration."""
    statements = [statement for statements in MIGRATIONS.values() for statement in statements]
    matches = (_ADD_COLUMN.match(statement) for statement in statements)
    added = {(m.group(1), m.group(2)) for m in matches if m}
    con = duckdb.connect()
    try:
        for statement in statements:
            if statement.lstrip().upper().startswith("CREATE TABLE"):
                con.execute(statement)
        added |= set(con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                 "WHERE database_name = current_database() AND NOT internal").fetchall())
    finally:
        con.close()
    return added


def _columns(path) -> dict[tuple[str, str], str]:
    """(table, column) -> type, read by DuckDB itself, not through the Store."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND NOT internal").fetchall()
    finally:
        con.close()
    return {(table, column): kind for table, column, kind in rows}


def _contents(path, columns) -> dict[str, list[tuple]]:
    """Every table's rows in the given (table, column)s, sorted."""
    tables = sorted({table for table, _ in columns})
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {table: sorted(con.execute(
            f"SELECT {', '.join(c for t, c in sorted(columns) if t == table)} FROM {table}").fetchall(), key=repr)
            for table in tables}
    finally:
        con.close()


def test_the_version_1_store_is_the_schema_without_what_the_migrations_add(store_v1, tmp_path):
    Store.connect(tmp_path / "new.duckdb").close()
    now, then = set(_columns(tmp_path / "new.duckdb")), set(_columns(store_v1))
    assert then == now - _added_by_migrations(), (
        "a column of TABLES that no migration adds (old stores will lack it), or "
        "tests/fixtures/store_v1.sql was edited: it must stay version 1's schema")


def test_a_version_1_store_is_migrated_to_the_current_schema_with_its_rows_intact(store_v1, tmp_path):
    old_columns = {(table, column) for table, column in _columns(store_v1) if table != "meta"}
    old_rows = _contents(store_v1, old_columns)
    assert {table: len(rows) for table, rows in old_rows.items()} == V1_ROWS
    Store.connect(store_v1).close()  # opening for writing migrates
    Store.connect(tmp_path / "new.duckdb").close()
    with Store.open(store_v1, read_only=True) as handle:
        assert handle.schema_version() == SCHEMA_VERSION
        assert handle.query("SELECT value FROM meta WHERE key = 'created_by'") == [
            {"value": "converter-tracker 0.1.0"}]
    migrated = _columns(store_v1)
    assert migrated == _columns(tmp_path / "new.duckdb")  # the tables, columns and types of a new store
    assert _added_by_migrations() and _added_by_migrations() <= set(migrated)
    assert _contents(store_v1, old_columns) == old_rows
    added = {(table, column) for table, column in migrated if table != "meta"} - old_columns
    assert all(row == (None,) * len(row) for rows in _contents(store_v1, added).values() for row in rows)


def test_a_migrated_store_records_what_a_new_one_does(store_v1):
    with Store.open(store_v1) as handle:
        handle.record_result(_result(outcome="convert_error", fault_location="converter", fault_stage="export"))
        rows = handle.query("SELECT case_id, fault_location, fault_stage FROM results ORDER BY case_id")
    assert rows == [{"case_id": "case", "fault_location": "converter", "fault_stage": "export"},
                    {"case_id": "v1-ok", "fault_location": None, "fault_stage": None},
                    {"case_id": "v1-unsupported", "fault_location": None, "fault_stage": None}]


def test_an_older_store_is_not_migrated_by_a_reader(store_v1):
    with pytest.raises(StoreError, match="older schema version 1") as error:
        Store.connect(store_v1, read_only=True)
    assert "open it once for writing" in str(error.value)
    assert ("results", "fault_location") not in _columns(store_v1)


def test_the_matrix_columns_are_in_packaging_version_order():
    from tracker.store.views import ordered_environments

    expected = ["dynamo onnxruntime-1.9.0", "dynamo onnxruntime-1.10.0rc1", "dynamo onnxruntime-1.10.0",
                "dynamo onnxruntime-1.10.0 onnxscript-0.9.0", "dynamo onnxruntime-1.10.0 onnxscript-0.10.0",
                "dynamo onnxruntime-nightly", "torchscript onnxruntime-1.2.0"]
    rows = [{"column": f"{n}:{label}", "pipeline": "p", "variant": label.split()[0], "label": label}
            for n, label in enumerate(reversed(expected))]
    assert [row["label"] for row in ordered_environments(rows)] == expected


def test_a_result_row_names_its_column_and_variant_and_shows_the_newest_definition_only(store):
    from tracker.store.views import ResultRow, newest_case_hash, query_rows

    env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": "1.20.1"})
    with Store.open(store) as handle:
        handle.record_environment(env, label="p.first onnxruntime-1.20.1", requested={}, buildable=True)
        handle.con.execute("INSERT INTO cases VALUES ('case', 'old', 'f', 'unit', '[]', '[]', '{}', now() - INTERVAL 1 DAY),"
                           " ('case', 'h', 'f', 'unit', '[]', '[]', '{}', now())")
        handle.record_result(_result(env_id=env.env_id, variant="second"))
        handle.record_result(_result(env_id=env.env_id, case_hash="old", config_key="old"))
        (row,) = query_rows(handle)
        assert newest_case_hash(handle, "case") == "h" and newest_case_hash(handle, "other") is None
    assert list(row) == list(ResultRow.__annotations__)  # the columns of `tracker results --format json`
    assert row["column"] == f"{env.env_id}:p.second" and row["label"] == "p.second onnxruntime-1.20.1"


def test_a_store_of_the_previous_schema_version_is_read_as_it_is_report_and_transitions_included(store, tmp_path):
    """Read-only, a store one version old (no ``timeout_seconds``, ``memory_limit_mb``) is
    read through stand-in views: the queries that order by ``results.rowid`` work on them."""
    from tracker.analysis import find_transitions, load_groups
    from tracker.reports.data import gather
    from tracker.reports.html import render_html
    from tracker.store.schema import SCHEMA_VERSION

    env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": "1.20.1"})
    with Store.open(store) as handle:
        handle.record_environment(env, label="p.v onnxruntime-1.20.1", requested={}, buildable=True)
        handle.record_result(_result(env_id=env.env_id, variant="v"))
        for column in ("timeout_seconds", "memory_limit_mb"):
            handle.con.execute(f"ALTER TABLE results DROP COLUMN {column}")
        handle.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION - 1)])
    with Store.open(store, read_only=True) as handle:
        assert "ok" in render_html(gather(handle))
        find_transitions(handle, load_groups(handle))
