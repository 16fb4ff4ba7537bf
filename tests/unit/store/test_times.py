"""Where a run's time went: summed from its results, stored in run_times, read back and
printed (tracker.store.times, tracker.reports.times); a version-3 store gains it."""

from __future__ import annotations

import pytest

from tracker.reports.times import pair_table, sweep_table
from tracker.store import ResultRecord, Store, VerdictRecord, times
from tracker.store.schema import SCHEMA_VERSION
from tracker.store.times import StageTime


def _result(case_id: str, **changes) -> ResultRecord:
    fields = dict(run_id="run-1", env_id="e", config_key="k", pipeline="p", variant="v", framework="f",
                  converter="c", runtime="rt", case_id=case_id, case_hash="h", outcome="ok")
    fields.update(changes)
    return ResultRecord(**fields)


def _two_cases(handle: Store) -> None:
    handle.record_result(_result(
        "a", setup_seconds=0.5, reference_seconds=1.0, extra_sets_seconds=2.0, convert_seconds=3.0,
        conversion_reused=False, load_seconds=0.25, run_seconds=0.75, extra_runs_seconds=1.5, wall_seconds=12.0,
        verdicts=[VerdictRecord("numeric", True, seconds=0.5), VerdictRecord("performance", True, seconds=2.0)]))
    handle.record_result(_result(
        "b", setup_seconds=0.5, reference_seconds=1.0, convert_seconds=40.0, conversion_reused=True,
        load_seconds=0.25, run_seconds=0.25, localize_seconds=4.0, wall_seconds=7.0,
        verdicts=[VerdictRecord("numeric", False, seconds=0.5), VerdictRecord("localize:ort", None)]))


def test_the_case_stages_are_summed_over_the_run_and_a_reused_conversion_costs_nothing(store):
    with Store.open(store) as handle:
        _two_cases(handle)
        stages = {s.stage: s for s in times.case_stages(handle, "run-1", parallel=2)}
    assert stages["convert"].seconds == 3.0 and stages["convert"].cases == 1  # b's conversion was reused
    assert stages["reference"].seconds == 2.0 and stages["reference"].cases == 2
    assert stages["localize"].seconds == 4.0 and stages["localize"].cases == 1
    assert stages["oracle numeric"].seconds == 1.0 and stages["oracle performance"].seconds == 2.0
    assert "oracle localize:ort" not in stages  # untimed: its time is the localize stage's
    counted = 0.5 * 2 + 1.0 * 2 + 2.0 + 3.0 + 0.25 * 2 + 0.75 + 0.25 + 1.5 + 4.0 + 1.0 + 2.0
    assert stages["child_exit"].seconds == pytest.approx(19.0 - counted)  # the rest of the children's lives
    assert {s.parallel for s in stages.values()} == {2}


def test_the_overhead_is_what_the_wall_time_leaves_and_never_negative():
    cases = [StageTime("run", 10.0, 4, parallel=2)]
    times_ = times.pair_times("r", None, "pair", 20.0, {"env_build": 6.0, "imports": 2.0, "store": 1.0}, cases, 4)
    assert times_.seconds("overhead") == pytest.approx(20.0 - 6.0 - 2.0 - 1.0 - 10.0 / 2)
    assert sum(s.wall_share_seconds for s in times_.stages) == pytest.approx(20.0)
    over = times.pair_times("r", None, "pair", 3.0, {"env_build": 6.0, "imports": 0.0, "store": 0.0}, cases, 4)
    assert over.seconds("overhead") == 0.0


def test_stored_times_are_read_back_per_sweep_in_order_and_summed(store):
    with Store.open(store) as handle:
        _two_cases(handle)
        first = times.pair_times("run-1", "sweep-1", "pair one", 30.0, {"env_build": 5.0, "imports": 1.0, "store": 0.5},
                                 times.case_stages(handle, "run-1", 1), 2)
        times.record(handle, first)
        nothing_new = times.pair_times(times.new_run_id(), "sweep-1", "pair two", 2.0,
                                       {"env_build": 1.5, "imports": 0.0, "store": 0.1}, [], 0)
        times.record(handle, nothing_new)
        times.record(handle, times.pair_times("other", "sweep-0", "pair one", 9.0, {"env_build": 9.0}, [], 0))
        times.record(handle, first)  # again: replaces, never duplicates
        read = times.read(handle, sweep_id="sweep-1")
        assert times.last_sweep_id(handle) == "sweep-1"
    assert [p.pair for p in read] == ["pair two", "pair one"]  # in the order they were recorded
    assert read[1] == first and read[1].cases == 2
    total = {s.stage: s for s in times.totals(read)}
    assert total["env_build"].seconds == pytest.approx(6.5)
    assert total["store"].seconds == pytest.approx(0.6)
    shares = sum(s.wall_share_seconds for s in times.totals(read))
    assert shares == pytest.approx(32.0)  # every second of both pairs' wall time


def test_the_tables_fit_100_columns_and_show_every_stage(store):
    long_pair = "torch-onnx.dynamo torch-2.14.1 onnxruntime-1.31.1 onnxscript-0.7.2 and a very long tail"
    with Store.open(store) as handle:
        _two_cases(handle)
        pair = times.pair_times("run-1", "s", long_pair, 30.0, {"env_build": 5.0, "imports": 1.0, "store": 0.5},
                                times.case_stages(handle, "run-1", 2), 2)
    lines = pair_table(pair) + sweep_table([pair, pair], "s")
    assert max(len(line) for line in lines) <= 100
    assert "30.0 s wall, 2 cases" in lines[0]
    table = "\n".join(lines)
    for stage in ("env_build", "imports", "setup", "reference", "extra_sets", "convert", "load", "run", "extra_runs",
                  "oracle numeric", "oracle performance", "localize", "child_exit", "store", "overhead"):
        assert f"   {stage} " in table
    assert sweep_table([], "nope") == ["no times stored for sweep nope"]


def _as_version_3(path) -> None:
    """A store as version 3 left it: without what version 4 adds."""
    with Store.open(path) as handle:
        for table, column in [("results", "setup_seconds"), ("results", "extra_sets_seconds"),
                              ("results", "extra_runs_seconds"), ("results", "localize_seconds"),
                              ("verdicts", "seconds"), ("runs", "sweep_id")]:
            handle.con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        handle.con.execute("DROP TABLE run_times")
        handle.con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        handle.con.execute("""INSERT INTO verdicts (result_id, oracle, passed) VALUES ('old', 'numeric', true)""")


def test_a_version_3_store_is_read_as_it_is_and_migrated_when_written(store):
    _as_version_3(store)
    with Store.open(store, read_only=True) as handle:  # a reader: run_times stands in, empty
        assert times.last_sweep_id(handle) is None and times.read(handle, sweep_id="s") == []
    with Store.open(store) as handle:
        assert handle.schema_version() == SCHEMA_VERSION
        _two_cases(handle)
        times.record(handle, times.pair_times("run-1", "s", "p", 30.0, {"env_build": 1.0},
                                              times.case_stages(handle, "run-1", 1), 2))
    with Store.open(store) as handle:  # migrating again changes nothing (idempotent statements)
        from tracker.store.schema import MIGRATIONS
        for statement in MIGRATIONS[4]:
            handle.con.execute(statement)
        assert handle.query("SELECT seconds FROM verdicts WHERE result_id = 'old'") == [{"seconds": None}]
        assert [p.pair for p in times.read(handle, sweep_id="s")] == ["p"]


def test_the_html_report_shows_the_newest_sweeps_table(store):
    from tracker.reports.data import gather
    from tracker.reports.html import render_html

    with Store.open(store) as handle:
        _two_cases(handle)
        times.record(handle, times.pair_times("old", "sweep-old", "old <pair>", 5.0, {"env_build": 1.0}, [], 0))
        times.record(handle, times.pair_times("run-1", "sweep-new", "new <pair>", 30.0, {"env_build": 2.0},
                                              times.case_stages(handle, "run-1", 1), 2))
        data = gather(handle)
    page = render_html(data)
    assert 'id="time"' in page and "sweep-new" in page and "new &lt;pair&gt;" in page
    assert "old &lt;pair&gt;" not in page and "oracle performance" in page
