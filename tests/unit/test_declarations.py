"""Oracles declare what their metrics are for; the declarations travel in the store (round
trip, merge, migration from a version-2 store, untrusted rows left out), and the readers
(drift, history, the report's error size and quality table) ask by declaration: a store
whose oracle has a name no reader knows reads the same once its declarations are stored."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from planted_store import EXPECTED, _keys, build_planted_store
from tracker_fake_plugin import fake_case
from tracker_oracles.agreement import Agreement
from tracker_oracles.numeric import Numeric

from tracker import declarations
from tracker.analysis import find_transitions, load_groups
from tracker.analysis.history import case_history
from tracker.api import MetricDeclaration, Oracle, Verdict
from tracker.envinfo import Environment
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.reports.terminal import render_terminal
from tracker.store import ResultRecord, Store, VerdictRecord
from tracker.store.merge import merge_stores
from tracker.store.schema import SCHEMA_VERSION

HOSTILE_LABEL = "<b>size</b>"


def _oracle(oracle_name: str, *declared: MetricDeclaration) -> Oracle:
    class Declaring(Oracle):
        name = oracle_name
        metrics = declared

        def judge_impl(self, evidence):
            return Verdict(None)

    return Declaring()


# the planted stores' error metric, under an oracle name no reader knows
RENAMED = _oracle("error-meter", MetricDeclaration("max_abs_error", label="max abs error", role="drift",
                                                   description="the largest"),
                  MetricDeclaration("latency_seconds", label="latency", role="latency"))


@pytest.fixture
def no_plugins(monkeypatch):
    """Readers as in an environment with the core only (`nox -s results`)."""
    monkeypatch.setattr(declarations, "installed_declarations", lambda: ())


def _rows(path, sql):
    with Store.open(path, read_only=True) as store:
        return store.query(sql)


def _version_2_store(path) -> None:
    """A store as the tracker of schema version 2 left it: no oracle_metrics."""
    with Store.open(path) as store:
        store.con.execute("DROP TABLE oracle_metrics")
        store.con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


# -- the declarations ---------------------------------------------------------------------

def test_a_declaration_is_checked_and_names_its_oracle():
    declared = Numeric().declared_metrics()[0]  # then its two history columns (errors against float64)
    assert (declared.oracle, declared.name, declared.role) == ("numeric", "max_abs_error", "drift")
    for bad in ({"role": "sideways"}, {"aggregate": "sum(value); DROP TABLE results"}, {"label": ""},
                {"label": "x" * 61}, {"label": "red\x1b[31m"}, {"priority": "1"}):
        with pytest.raises(ValueError, match="invalid metric declaration"):
            MetricDeclaration(**{"name": "m", "label": "m", "role": "report", **bad})


def test_the_installed_oracles_declare_the_report_as_it_was():
    columns = declarations.report_columns(declarations.installed_declarations())
    assert [c.label for c in columns] == [
        "accuracy source", "accuracy converted", "classifiers", "top-1 agreement", "top-5 agreement", "FGSM robust acc. source", "FGSM converted",
        "PGD robust acc. source", "PGD converted", "latency / eager", "session MB", "size / parameters"]
    size = columns[-1].declarations
    assert [(d.oracle, d.name) for d in size] == [("performance", "size_ratio"), ("coreml-spec", "size_ratio")]
    assert [(d.oracle, d.name) for d in declarations.of_role(declarations.installed_declarations(), "drift")] == [
        ("numeric", "max_abs_error")]


# -- in the store -------------------------------------------------------------------------

def test_declarations_round_trip_and_are_replaced_per_oracle(store):
    with Store.open(store) as handle:
        handle.record_oracle_declarations([Numeric(), Agreement()])
        assert handle.oracle_declarations() == sorted(
            Numeric().declared_metrics() + Agreement().declared_metrics(), key=lambda d: d.priority)
        (stamp,) = {r["recorded_at"] for r in handle.query("SELECT recorded_at FROM oracle_metrics")}
        handle.record_oracle_declarations([Numeric()])  # the same again: nothing written
        assert {r["recorded_at"] for r in handle.query("SELECT recorded_at FROM oracle_metrics")} == {stamp}
        renamed = _oracle("numeric", MetricDeclaration("max_rel_error", label="rel", role="drift"))
        handle.record_oracle_declarations([renamed])  # a newer plugin: its declarations replace the old
        assert [(d.oracle, d.name) for d in handle.oracle_declarations() if d.oracle == "numeric"] == [
            ("numeric", "max_rel_error")]
        assert len([d for d in handle.oracle_declarations() if d.oracle == "agreement"]) == 3


def test_a_stores_declarations_are_not_trusted(store):
    with Store.open(store) as handle:
        handle.record_oracle_declarations([Numeric()])
        handle.con.executemany(
            "INSERT INTO oracle_metrics VALUES (?, ?, ?, ?, ?, ?, ?, now())",
            [["evil", "m", "report", "ok", "sum(value); DROP TABLE results", 1, ""],
             ["evil", "m", "report", "\x1b[2J", "mean", 2, ""],
             ["evil", "m", "from-the-future", "ok", "mean", 3, ""],
             ["fine", "m", "report", HOSTILE_LABEL, "mean", 4, "<script>"]],
        )
        assert [(d.oracle, d.label) for d in handle.oracle_declarations()] == [
            ("numeric", "max abs error"), ("numeric", "source f32 vs f64"), ("numeric", "converted vs f64"),
            ("fine", HOSTILE_LABEL)]


def test_a_version_2_store_is_read_as_it_is_and_migrated_when_written(store):
    _version_2_store(store)
    with Store.open(store, read_only=True) as handle:
        assert handle.schema_version() == 2
        assert handle.oracle_declarations() == []  # the missing table stands in, empty
        assert handle.query("SELECT count(*) AS n FROM oracle_metrics") == [{"n": 0}]
    with Store.open(store) as handle:
        handle.record_oracle_declarations([Numeric()])
    with Store.open(store, read_only=True) as handle:
        assert handle.schema_version() == SCHEMA_VERSION
        assert [d.name for d in handle.oracle_declarations()] == [
            "max_abs_error", "float64_source_error", "float64_converted_error"]


def test_merge_carries_the_declarations_newest_first(tmp_path):
    old, new, version_2, out = (tmp_path / f"{name}.duckdb" for name in ("old", "new", "v2", "out"))
    with Store.open(old) as handle:
        handle.record_oracle_declarations([_oracle("numeric", MetricDeclaration(
            "max_abs_error", label="max abs error", role="drift", description="older words"))])
    with Store.open(new) as handle:
        handle.record_oracle_declarations([Numeric(), Agreement()])
    _version_2_store(version_2)
    merged = merge_stores(out, [version_2, old, new]).merged
    assert "oracle_metrics +6 (1 replacing older)" in merged[-1].line()
    with Store.open(out, read_only=True) as handle:
        assert handle.oracle_declarations() == sorted(
            Numeric().declared_metrics() + Agreement().declared_metrics(), key=lambda d: d.priority)
    assert merge_stores(out, [old]).merged[0].line().endswith("nothing new")  # older: the newer stays


# -- the readers ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def renamed_store(tmp_path_factory):
    """The planted store of test_transitions, its error metric under an unknown oracle name."""
    path = tmp_path_factory.mktemp("renamed") / "store.duckdb"
    build_planted_store(path)
    with Store.open(path) as handle:
        handle.con.execute("UPDATE metrics SET oracle = 'error-meter'")
        handle.con.execute("UPDATE samples SET oracle = 'error-meter'")
        handle.con.execute("UPDATE verdicts SET oracle = 'error-meter' WHERE oracle = 'numeric'")
    return path


def _found(path):
    with Store.open(path, read_only=True) as handle:
        return find_transitions(handle, load_groups(handle))


def test_drift_is_found_on_the_declared_metric_whatever_the_oracle_is_called(renamed_store, tmp_path, no_plugins):
    # nothing declared: no error size to drift, no latency to slow down
    assert _keys(_found(renamed_store)) == {key for key in EXPECTED if key[0] not in ("drift", "slowdown")}
    declared = tmp_path / "declared.duckdb"
    shutil.copyfile(renamed_store, declared)
    with Store.open(declared) as handle:
        handle.record_oracle_declarations([RENAMED])
    assert _keys(_found(declared)) == EXPECTED
    with Store.open(declared, read_only=True) as handle:
        errors = [row["max_abs_error"] for row in case_history(handle, load_groups(handle), "drifts").rows]
    assert sorted(e for e in errors if e is not None) == [1e-6, 1e-6, 4e-6, 5e-5, 5e-5]


def test_history_shows_a_column_per_declared_history_metric(renamed_store, tmp_path, no_plugins):
    from tracker.cli.history import render_history

    with Store.open(renamed_store, read_only=True) as handle:
        plain = case_history(handle, load_groups(handle), "drifts")
    assert plain.columns == [] and "error column" not in render_history(plain, show_hash=False)
    declared = tmp_path / "declared.duckdb"
    shutil.copyfile(renamed_store, declared)
    column = _oracle("error-meter", MetricDeclaration("max_abs_error", label="error column", role="history"))
    with Store.open(declared) as handle:
        handle.record_oracle_declarations([column])
    with Store.open(declared, read_only=True) as handle:
        history = case_history(handle, load_groups(handle), "drifts")
    assert history.columns == ["error column"]
    values = [row["columns"].get("error column") for row in history.rows]
    assert sorted(v for v in values if v is not None) == [1e-6, 1e-6, 4e-6, 5e-5, 5e-5]
    table = render_history(history, show_hash=False)
    assert "error column" in table.splitlines()[2] and "5e-05" in table


def test_an_old_store_read_with_the_plugins_installed_finds_the_drift_as_before(tmp_path):
    build_planted_store(tmp_path / "store.duckdb")
    assert _keys(_found(tmp_path / "store.duckdb")) == EXPECTED


def _quality_store(path) -> None:
    """Two environments: one measured both declarations of a shared label, the other only
    the second; a count and a mean beside them."""
    speed = _oracle("speed", MetricDeclaration("ratio", label=HOSTILE_LABEL, role="report", priority=1,
                                               description="<i>speed's</i> ratio"),
                    MetricDeclaration("hits", label="judged", role="report", aggregate="count", priority=0),
                    MetricDeclaration("hits", label="hit rate", role="report", aggregate="mean", priority=2))
    spec = _oracle("spec", MetricDeclaration("ratio", label=HOSTILE_LABEL, role="report", priority=3))
    error = _oracle("error-meter", MetricDeclaration("worst", label="worst", role="drift"))
    case = fake_case("quality-case")
    with Store.open(path) as store:
        store.record_cases([case])
        store.record_oracle_declarations([speed, spec, error])
        for runtime, verdicts in (("1.0", [VerdictRecord("speed", True, metrics={"ratio": 2.0, "hits": 0.5}),
                                           VerdictRecord("spec", True, metrics={"ratio": 7.0}),
                                           VerdictRecord("error-meter", True, metrics={"worst": 0.25})]),
                                  ("2.0", [VerdictRecord("spec", True, metrics={"ratio": 9.0})])):
            env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": runtime})
            store.record_environment(env, label=f"p.v onnxruntime-{runtime}", requested={"onnxruntime": runtime},
                                     buildable=True)
            run_id = store.start_run(env_id=env.env_id, label="p.v", pipeline="p", variant="v", model_set=None,
                                     manifest_hash="m", case_count=1, argv=[])
            store.record_result(ResultRecord(
                run_id=run_id, env_id=env.env_id, config_key="c", pipeline="p", variant="v", framework="fake",
                converter="conv", runtime="rt", case_id=case.id, case_hash=case.content_hash, outcome="ok",
                verdicts=verdicts))


def test_the_report_shows_what_the_store_declares_by_label_and_priority(store, no_plugins):
    _quality_store(store)
    with Store.open(store, read_only=True) as handle:
        data = gather(handle)
    assert [c.label for c in data.quality_columns] == ["judged", HOSTILE_LABEL, "hit rate"]
    first, second = (data.quality[env["column"]] for env in data.environments)
    assert first == {"judged": 1, HOSTILE_LABEL: 2.0, "hit rate": 0.5}  # speed's ratio before spec's
    assert second == {HOSTILE_LABEL: 9.0}  # where speed measured nothing, spec's
    assert data.error_size[data.environments[0]["column"]]["max"] == 0.25
    page = render_html(data)
    assert "<b>" not in page and "&lt;b&gt;size&lt;/b&gt;" in page and "&lt;i&gt;speed&#x27;s&lt;/i&gt;" in page
    assert "the error-meter oracle's <code>worst</code> over the results" in page
    text = render_terminal(data)
    assert "error size (error-meter worst)" in text and HOSTILE_LABEL in text


def test_a_store_without_declarations_read_without_plugins_has_no_quality_columns(store, no_plugins):
    _quality_store(store)
    with Store.open(store) as handle:
        handle.con.execute("DELETE FROM oracle_metrics")
    with Store.open(store, read_only=True) as handle:
        data = gather(handle)
    assert data.quality_columns == [] and data.error_size == {} and data.drift == []
    assert "no drift metric declared" in render_terminal(data)
    assert "none is known" in render_html(data)


def test_the_readers_sql_names_no_oracle():
    """The declaration table is what the readers join on (a store with it, read by duckdb)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE metrics (result_id VARCHAR, oracle VARCHAR, name VARCHAR, value DOUBLE)")
        con.execute("CREATE TEMP TABLE declared_metrics (oracle VARCHAR, name VARCHAR, role VARCHAR, label VARCHAR, "
                    "aggregate VARCHAR, priority INTEGER, description VARCHAR)")
        con.execute("INSERT INTO metrics VALUES ('r', 'a', 'e', 1.0), ('r', 'b', 'e', 2.0), ('s', 'b', 'e', 3.0)")
        con.execute("INSERT INTO declared_metrics VALUES ('a', 'e', 'drift', 'e', 'median', 5, ''), "
                    "('b', 'e', 'drift', 'e', 'median', 1, '')")
        # of two drift metrics in one result, the lower priority's; each result once
        assert sorted(con.execute(declarations.DRIFT_BY_RESULT).fetchall()) == [("r", 2.0), ("s", 3.0)]
    finally:
        con.close()
