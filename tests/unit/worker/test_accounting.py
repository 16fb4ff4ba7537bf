"""Every stage a case spends is timed in its child and stored; the run's own time with it;
`tracker run` ends with the pair's table, `tracker time` prints the sweep's."""

from __future__ import annotations

import json

from conftest import fake_env, fake_pair_json, stored, tracker

MODELS = ("--set", "faults", "--models", "fake-ok-1", "fake-ok-2", "fake-perturb")


def test_a_run_stores_every_stage_of_its_cases_and_its_own(store):
    env = fake_env(TRACKER_SWEEP_ID="sweep-a")
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), *MODELS, "--jobs", "2",
                      "--env-build-seconds", "4.5", env=env, check=True)
    results = stored(store, "SELECT * FROM results")
    assert len(results) == 3
    for column in ("setup_seconds", "reference_seconds", "extra_sets_seconds", "convert_seconds", "load_seconds",
                   "run_seconds", "extra_runs_seconds"):
        assert all(r[column] is not None and r[column] >= 0 for r in results), column
    assert all(r["localize_seconds"] is None for r in results)  # the fake pair names no second runtime
    verdicts = stored(store, "SELECT oracle, seconds FROM verdicts")
    assert verdicts and all(v["seconds"] is not None and v["seconds"] >= 0 for v in verdicts)
    (run,) = stored(store, "SELECT run_id, sweep_id FROM runs")
    assert run["sweep_id"] == "sweep-a"
    rows = {r["stage"]: r for r in stored(store, "SELECT * FROM run_times WHERE run_id = ?", [run["run_id"]])}
    assert rows["env_build"]["seconds"] == 4.5
    assert rows["imports"]["seconds"] > 0 and rows["store"]["seconds"] > 0
    assert rows["oracle numeric"]["cases"] == 3 and rows["run"]["parallel"] == 2
    assert rows["overhead"]["seconds"] >= 0
    accounted = sum(r["seconds"] / r["parallel"] for stage, r in rows.items() if stage != "wall")
    assert abs(accounted - rows["wall"]["seconds"]) < 1e-6 or rows["overhead"]["seconds"] == 0
    assert "where the time went:" in process.stdout and "   oracle numeric " in process.stdout


def test_a_repeat_with_nothing_new_stores_its_time_too_and_the_sweep_table_sums_both(store):
    env = fake_env(TRACKER_SWEEP_ID="sweep-b")
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), *MODELS, env=env, check=True)
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), *MODELS, "--env-build-seconds", "1",
            env=env, check=True)
    assert len(stored(store, "SELECT * FROM runs")) == 1  # nothing new: no run, but its time
    shown = tracker("time", "--store", str(store), check=True).stdout
    assert shown.startswith("where the time of sweep sweep-b went: 2 pairs, 3 cases")
    assert all(len(line) <= 100 for line in shown.splitlines())
    data = json.loads(tracker("time", "--store", str(store), "--sweep", "sweep-b", "--format", "json",
                              check=True).stdout)
    assert [len(p["stages"]) > 4 for p in data["pairs"]] == [True, False]
    total = {s["stage"]: s["seconds"] for s in data["total"]}
    assert total["env_build"] == 1.0 and total["run"] >= 0


def test_time_says_what_to_do_when_there_is_nothing_to_show(store):
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults", "--models", "fake-ok-1",
            env=fake_env(TRACKER_SWEEP_ID=""), check=True)
    unknown = tracker("time", "--store", str(store), "--sweep", "no-such-sweep")
    assert unknown.returncode == 6 and "no times stored for sweep no-such-sweep" in unknown.stderr
    last = tracker("time", "--store", str(store), check=True)  # no sweep: the last run
    assert last.stdout.startswith("where the time of these runs went: 1 pair, 1 cases")
