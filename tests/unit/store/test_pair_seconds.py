"""How long a pair took when it last computed something: the sweep's time-left estimate."""

from tracker.store import Store
from tracker.store.views import pair_seconds


def _run(store: Store, label: str, seconds: float, *, computed: int = 3, status: str = "finished",
         started: str = "2026-12-01 10:00:00") -> None:
    run_id = store.start_run(env_id="e", label=label, pipeline="p", variant="v", model_set=None,
                             manifest_hash="m", case_count=3, argv=[])
    store.finish_run(run_id, status=status, computed=computed, reused=0)
    store.con.execute("UPDATE runs SET started_at = CAST(? AS TIMESTAMP), "
                      "finished_at = CAST(? AS TIMESTAMP) + to_microseconds(CAST(? AS BIGINT)) WHERE run_id = ?",
                      [started, started, int(seconds * 1e6), run_id])


def test_the_newest_finished_run_that_computed_something_counts(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        _run(store, "a", 300, started="2026-12-01 10:00:00")
        _run(store, "a", 120, started="2026-12-02 10:00:00")  # newer: this one
        _run(store, "a", 5, computed=0, started="2026-12-03 10:00:00")  # nothing new: not a timing
        _run(store, "b", 40, status="interrupted")  # cut short: not a timing
        _run(store, "c", 60)
        assert pair_seconds(store, ["a", "b", "c", "never"]) == {"a": 120.0, "c": 60.0}
        assert pair_seconds(store, []) == {}
