"""Shards and merge: a sweep split in two shards, merged, equals the sweep done at once;
merging again changes nothing; bad shards and bad inputs are clear errors."""

from __future__ import annotations

import argparse
import math

import duckdb
import pytest
from conftest import fake_pair_json, stored, tracker

from tracker.cli.sweep_args import add_sweep_arguments, forwarded
from tracker.shards import Shard
from tracker.store import Store
from tracker.store.merge import FOLLOW_RESULTS, RULES
from tracker.store.schema import TABLES

# quick cases with every kind of row: ok, incorrect (verdicts and metrics, a NaN),
# convert_error (a conversion without artifact), crash
CASES = ["fake-ok-1", "fake-ok-2", "fake-perturb", "fake-nan", "fake-unsupported", "fake-exit"]


def _run(store, *options):
    return tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
                   "--models", *CASES, "--jobs", "2", *options, check=True)


def _outcomes(store):
    rows = stored(store, "SELECT case_id, outcome, subkind, stage, signature FROM results")
    return sorted(tuple(row.values()) for row in rows)


def _judgements(store):
    verdicts = stored(store, """SELECT r.case_id, v.oracle, v.passed, v.subkind
                                FROM verdicts v JOIN results r USING (result_id)""")
    metrics = stored(store, """SELECT r.case_id, m.oracle, m.name, m.value
                               FROM metrics m JOIN results r USING (result_id)""")
    return (sorted(tuple(v.values()) for v in verdicts),
            sorted((m["case_id"], m["oracle"], m["name"], repr(m["value"])) for m in metrics))


def _snapshot(store):
    """Every row of every table, comparable (NaN as text)."""
    def cell(value):
        return repr(value) if isinstance(value, float) and math.isnan(value) else value
    return {table: sorted(tuple(map(cell, row.values())) for row in stored(store, f"SELECT * FROM {table}"))
            for table in TABLES}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """The same cases swept at once, and as shards 1/2 and 2/2 into two other stores."""
    root = tmp_path_factory.mktemp("sweeps")
    whole, one, two = root / "whole.duckdb", root / "one.duckdb", root / "two.duckdb"
    _run(whole)
    _run(one, "--shard", "1/2")
    _run(two, "--shard", "2/2")
    return whole, one, two


def test_each_shard_runs_only_its_cases_and_records_the_shard(sweeps):
    _, one, two = sweeps
    first = {row[0] for row in _outcomes(one)}
    second = {row[0] for row in _outcomes(two)}
    assert first and second, "the chosen cases must fall in both shards for this test to mean anything"
    assert first.isdisjoint(second) and first | second == set(CASES)
    assert first == {c for c in CASES if Shard(1, 2).holds(c)}
    (run,) = stored(one, "SELECT argv, case_count FROM runs")
    assert '"--shard", "1/2"' in run["argv"] and run["case_count"] == len(first)


def test_merged_shards_equal_the_sweep_done_at_once(sweeps, tmp_path):
    whole, one, two = sweeps
    merged = tmp_path / "merged.duckdb"
    process = tracker("merge", str(merged), str(one), str(two), check=True)
    assert "merged 2 store(s)" in process.stdout
    assert _outcomes(merged) == _outcomes(whole)
    assert len(_outcomes(merged)) == len(CASES)  # no duplicates
    assert _judgements(merged) == _judgements(whole)
    counts = stored(merged, """SELECT (SELECT count(*) FROM runs) AS runs,
                                      (SELECT count(*) FROM environments) AS environments,
                                      (SELECT count(*) FROM cases) AS cases,
                                      (SELECT count(*) FROM conversions) AS conversions""")
    assert counts == [{"runs": 2, "environments": 1, "cases": len(CASES), "conversions": len(CASES)}]


def test_merging_again_changes_nothing(sweeps, tmp_path):
    _, one, two = sweeps
    merged = tmp_path / "merged.duckdb"
    tracker("merge", str(merged), str(one), str(two), check=True)
    before = _snapshot(merged)
    again = tracker("merge", str(merged), str(one), str(two), str(one), check=True)
    assert _snapshot(merged) == before
    assert again.stdout.count("nothing new") == 3


def test_a_newer_result_replaces_the_older_with_its_verdicts_and_metrics(sweeps, tmp_path):
    whole, one, two = sweeps  # the shards ran after the whole sweep: their results are newer
    merged = tmp_path / "merged.duckdb"
    process = tracker("merge", str(merged), str(whole), str(one), str(two), check=True)
    assert "replacing older" in process.stdout
    newest = {r["result_id"] for r in stored(one) + stored(two)}
    assert {r["result_id"] for r in stored(merged)} == newest
    orphans = stored(merged, """SELECT count(*) AS n FROM (
        SELECT result_id FROM verdicts UNION ALL SELECT result_id FROM metrics)
        WHERE result_id NOT IN (SELECT result_id FROM results)""")
    assert orphans == [{"n": 0}]
    assert _judgements(merged) == _judgements(whole)
    assert len(stored(merged, "SELECT * FROM runs")) == 3  # every run is kept


def test_export_writes_every_table(sweeps, tmp_path):
    whole, _, _ = sweeps
    for fmt, reader in (("parquet", "read_parquet"), ("csv", "read_csv")):
        out = tmp_path / fmt
        tracker("export", "--store", str(whole), "--format", fmt, "--out", str(out), check=True)
        assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.{fmt}" for t in TABLES)
        con = duckdb.connect()
        (count,) = con.execute(f"SELECT count(*) FROM {reader}(?)", [str(out / f"results.{fmt}")]).fetchone()
        con.close()
        assert count == len(CASES)


def test_merge_knows_every_table_of_the_schema():
    merged = [rule.table for rule in RULES] + list(FOLLOW_RESULTS) + ["meta"]
    assert sorted(merged) == sorted(TABLES), "a new table needs a merge rule in tracker/store/merge.py"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("shard", "message"), [
    ("0/2", "out of range"), ("3/2", "out of range"), ("1/0", "out of range"), ("abc", "not of the form I/N"),
])
def test_a_bad_shard_is_an_option_error(shard, message, store):
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--shard", shard)
    assert process.returncode == 3, process.stderr
    assert message in process.stderr and "hint:" in process.stderr
    assert "Traceback" not in process.stderr
    assert not store.exists()


def test_nox_takes_the_shard_and_forwards_it_to_tracker_run(capsys):
    parser = argparse.ArgumentParser(prog="nox -s sweep --")
    add_sweep_arguments(parser)
    args = parser.parse_args(["--shard", " 2/3 "])
    assert args.shard == Shard(2, 3)
    assert forwarded(args)[-2:] == ["--shard", "2/3"]
    assert "--shard" not in forwarded(parser.parse_args([]))
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--shard", "4/3"])
    assert exit_.value.code == 3
    assert "nox -s sweep --: error: --shard 4/3 is out of range" in capsys.readouterr().err


def test_shards_split_any_selection_the_same_way():
    ids = [f"case-{i}" for i in range(200)]
    shards = [Shard(i, 3) for i in (1, 2, 3)]
    assert all(sum(s.holds(c) for s in shards) == 1 for c in ids)
    first = {c for c in ids if shards[0].holds(c)}
    assert first == {c for c in ids[::2] if shards[0].holds(c)} | {c for c in ids[1::2] if shards[0].holds(c)}
    assert 40 < len(first) < 94  # balanced on average
    assert all(Shard(1, 1).holds(c) for c in ids)


def test_merging_a_missing_store_is_a_store_error(tmp_path, store):
    out = tmp_path / "out.duckdb"
    process = tracker("merge", str(out), str(tmp_path / "none.duckdb"))
    assert process.returncode == 5 and "no store at" in process.stderr
    assert "Traceback" not in process.stderr and not out.exists()


def test_an_input_from_a_newer_tracker_is_refused_before_anything_is_written(tmp_path, store):
    with Store.open(store) as handle:
        handle.con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    out = tmp_path / "out.duckdb"
    process = tracker("merge", str(out), str(store))
    assert process.returncode == 5
    assert "schema version 999, newer than this tracker" in process.stderr
    assert "upgrade converter-tracker" in process.stderr and "Traceback" not in process.stderr
    assert not out.exists()


def test_an_input_with_an_older_schema_is_migrated_in_a_copy_not_in_place(sweeps, store_v1, tmp_path):
    whole, _, _ = sweeps
    untouched = store_v1.read_bytes()
    merged = tmp_path / "merged.duckdb"
    tracker("merge", str(merged), str(whole), str(store_v1), check=True)
    # the results of tests/fixtures/store_v1.sql, beside the current store's
    from_v1 = [("v1-ok", "ok", None, None, None), ("v1-unsupported", "convert_error", "unsupported", "convert",
                                                   "UnsupportedOperatorError: aten::frob")]
    assert _outcomes(merged) == sorted(_outcomes(whole) + from_v1)
    assert stored(merged, "SELECT fault_location FROM results WHERE case_id LIKE 'v1-%'") == [
        {"fault_location": None}] * 2
    assert store_v1.read_bytes() == untouched, "the input store was changed in place"


def test_the_output_cannot_be_an_input(sweeps, tmp_path):
    whole, _, _ = sweeps
    process = tracker("merge", str(whole), str(whole))
    assert process.returncode == 3 and "both the output and an input" in process.stderr


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    process = tracker("merge", str(tmp_path / "out.duckdb"), str(junk))
    assert process.returncode == 5 and "not a readable DuckDB store" in process.stderr


def test_export_into_a_file_is_a_clear_error(sweeps, tmp_path):
    whole, _, _ = sweeps
    taken = tmp_path / "taken"
    taken.write_text("")
    process = tracker("export", "--store", str(whole), "--out", str(taken))
    assert process.returncode == 2 and "cannot export to" in process.stderr and "--out" in process.stderr
    assert "Traceback" not in process.stderr
