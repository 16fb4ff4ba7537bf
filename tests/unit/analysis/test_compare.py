"""tracker compare, the A/A control of the alarms: two stores of the same sweep show no
difference; a changed outcome, a flipped verdict, a grown error and slower samples in the
second each show as one, through the real command."""

from __future__ import annotations

import json

import pytest
from conftest import tracker
from planted_store import build_latency_store

from tracker.store import Store


@pytest.fixture
def twins(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    build_latency_store(a)
    build_latency_store(b)  # the same sweep again: new result ids, the same measurements
    return a, b


def _compare(a, b):
    process = tracker("compare", str(a), str(b), "--format", "json")
    return process.returncode, json.loads(process.stdout)


def test_the_same_sweep_twice_differs_in_nothing(twins):
    code, found = _compare(*twins)
    assert code == 0 and found["differences"] == []
    assert found["matched"] == 5 * 3 and found["only_baseline"] == found["only_other"] == 0
    table = tracker("compare", *map(str, twins)).stdout
    assert "0 outcome changes, 0 verdict flips, 0 drift warnings, 0 slowdowns, 0 speedups" in table


def test_each_kind_of_difference_is_found(twins):
    a, b = twins
    with Store.open(b) as store:
        store.con.execute("""UPDATE results SET outcome = 'runtime_error', signature = 'RuntimeError: x'
                             WHERE case_id = 'steady' AND env_id = (SELECT min(env_id) FROM results)""")
        store.con.execute("""UPDATE metrics SET value = value * 100 WHERE name = 'max_abs_error'
                             AND result_id IN (SELECT result_id FROM results WHERE case_id = 'noisy')""")
        store.con.execute("""UPDATE samples SET "values" = list_transform("values", lambda x: x * 3)
                             WHERE result_id IN (SELECT result_id FROM results WHERE case_id = 'slows')""")
        store.con.execute("""UPDATE verdicts SET passed = NOT passed WHERE oracle = 'numeric'
                             AND result_id IN (SELECT result_id FROM results WHERE case_id = 'one-sample')""")
    code, found = _compare(a, b)
    assert code == 1
    assert found["counts"] == {"outcome": 1, "verdict": 3, "drift": 3, "slowdown": 3, "speedup": 0}
    assert {d["case_id"] for d in found["differences"] if d["kind"] == "slowdown"} == {"slows"}
    _, backwards = _compare(b, a)
    assert backwards["counts"]["speedup"] == 3 and backwards["counts"]["slowdown"] == 0


def test_an_unreadable_store_is_one_line(tmp_path, twins):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a store")
    process = tracker("compare", str(twins[0]), str(bad))
    assert process.returncode == 5 and "Traceback" not in process.stderr and "error:" in process.stderr
