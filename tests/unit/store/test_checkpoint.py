"""A store's results are in the ``.duckdb`` file itself after each pair and on every exit
that closes the store: the file alone (what CI uploads, what ``tracker merge`` reads) is
not an empty store while its results sit in the write-ahead log."""

from __future__ import annotations

import shutil

from tracker.store import ResultRecord, Store


def _result(case_id: str) -> ResultRecord:
    return ResultRecord(run_id="r", env_id="e", config_key="k", pipeline="p", variant="v", framework="f",
                        converter="c", runtime="rt", case_id=case_id, case_hash="h", outcome="ok")


def _results_in_the_file_alone(store, copy) -> list[str]:
    """The case ids a copy of the store file, without its log, holds."""
    shutil.copyfile(store, copy)
    with Store.open(copy, read_only=True) as handle:
        tables = {row["table_name"] for row in handle.query("SELECT table_name FROM duckdb_tables()")}
        return [row["case_id"] for row in handle.query("SELECT case_id FROM results ORDER BY case_id")] \
            if "results" in tables else []


def test_a_finished_pairs_results_are_in_the_store_file_while_the_writer_goes_on(store, tmp_path):
    with Store.open(store) as handle:
        run_id = handle.start_run(env_id="e", label="pair", pipeline="p", variant="v", model_set=None,
                                  manifest_hash="m", case_count=3, argv=[])
        for case_id in ("a", "b", "c"):
            handle.record_result(_result(case_id))
        handle.finish_run(run_id, status="interrupted", computed=3, reused=0)
        handle.record_result(_result("d"))  # the next pair's first result: in the log only, for now
        assert _results_in_the_file_alone(store, tmp_path / "copy.duckdb") == ["a", "b", "c"]


def test_closing_a_store_leaves_every_result_in_its_file(store, tmp_path):
    with Store.open(store) as handle:
        handle.record_result(_result("a"))
    assert not store.with_name(store.name + ".wal").exists()
    assert _results_in_the_file_alone(store, tmp_path / "copy.duckdb") == ["a"]
