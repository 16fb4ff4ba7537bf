import duckdb
import pytest

from tracker.envinfo import Environment
from tracker.errors import StoreError
from tracker.store import ResultRecord, Store, VerdictRecord
from tracker.store.schema import SCHEMA_VERSION


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
