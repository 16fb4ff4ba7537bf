"""Results are committed in batches: at most a few seconds late, in order, never lost on
a failed write, and announced only once committed."""

from __future__ import annotations

import pytest

from tracker.store import ResultRecord, Store
from tracker.worker.batch import ResultBatch


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeStore:
    def __init__(self) -> None:
        self.transactions: list[list[str]] = []
        self.fail = False

    def record_results(self, records: list[ResultRecord]) -> None:
        if self.fail:
            raise OSError("No space left on device")
        self.transactions.append([r.case_id for r in records])


def _record(case_id: str) -> ResultRecord:
    return ResultRecord(run_id="r", env_id="e", config_key="k", pipeline="p", variant="v", framework="f",
                        converter="c", runtime="rt", case_id=case_id, case_hash="h", outcome="ok")


def _batch(store, clock, **limits) -> tuple[ResultBatch[str], list[str]]:
    announced: list[str] = []
    batch: ResultBatch[str] = ResultBatch(store, lambda record, note: announced.append(note), clock=clock,
                                          **limits)
    return batch, announced


def test_results_wait_until_the_oldest_is_seconds_old_then_go_in_one_transaction_and_are_announced():
    store, clock = FakeStore(), FakeClock()
    batch, announced = _batch(store, clock, seconds=2.0)
    batch.add(_record("a"), "line a")
    clock.now += 1.5
    batch.add(_record("b"), "line b")
    batch.flush_if_due()
    assert store.transactions == [] and announced == []  # nothing printed that is not stored
    clock.now += 0.5  # the oldest is 2 s old
    batch.flush_if_due()
    assert store.transactions == [["a", "b"]]
    assert announced == ["line a", "line b"]
    batch.flush_if_due()
    assert store.transactions == [["a", "b"]]  # nothing pending: no empty transaction


def test_a_full_batch_is_committed_at_once():
    store, clock = FakeStore(), FakeClock()
    batch, _ = _batch(store, clock, max_pending=3)
    for case_id in "abcd":
        batch.add(_record(case_id), case_id)
    assert store.transactions == [["a", "b", "c"]]
    batch.flush()  # every way out of a sweep ends so
    assert store.transactions == [["a", "b", "c"], ["d"]]


def test_a_failed_write_keeps_the_results_pending_and_says_why():
    store, clock = FakeStore(), FakeClock()
    batch, announced = _batch(store, clock)
    batch.add(_record("a"), "a")
    store.fail = True
    with pytest.raises(OSError, match="No space left"):
        batch.flush()
    assert announced == [] and [r.case_id for r, _ in batch.pending] == ["a"]
    store.fail = False
    batch.add(_record("b"), "b")
    batch.flush()
    assert store.transactions == [["a", "b"]] and announced == ["a", "b"]


def test_a_batch_is_stored_in_the_store_and_replaces_earlier_results(store):
    with Store.open(store) as handle:
        handle.record_result(_record("a"))
        batch, _ = _batch(handle, FakeClock())
        for case_id in ("a", "b"):
            batch.add(_record(case_id), case_id)
        batch.flush()
        rows = handle.query("SELECT case_id, count(*) AS n FROM results GROUP BY case_id ORDER BY case_id")
    assert rows == [{"case_id": "a", "n": 1}, {"case_id": "b", "n": 1}]
