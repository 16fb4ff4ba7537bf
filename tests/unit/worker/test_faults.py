"""Per-case faults: each becomes that case's outcome, and every other case still runs."""

from __future__ import annotations

import json

from conftest import fake_pair_json, stored, tracker


def test_each_fault_becomes_its_outcome_and_the_others_still_pass(store):
    process = tracker(
        "run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
        "--timeout", "8", "--memory-limit", "600M", "--jobs", "2",
    )
    assert process.returncode == 0, process.stderr
    rows = {r["case_id"]: r for r in stored(store)}
    outcomes = {case: (r["outcome"], r["subkind"], r["stage"]) for case, r in rows.items()}
    assert outcomes == {
        "fake-ok-1": ("ok", None, None),
        "fake-ok-2": ("ok", None, None),
        "fake-ok-3": ("ok", None, None),
        "fake-segfault": ("crash", "SIGSEGV", "convert"),
        "fake-abort": ("crash", "SIGABRT", "convert"),
        "fake-hang": ("timeout", None, "convert"),
        "fake-memory": ("crash", "memory", "convert"),
        "fake-huge-message": ("convert_error", None, "convert"),
        "fake-exit": ("crash", "exit 3", "convert"),
        "fake-unsupported": ("convert_error", "unsupported", "convert"),
        # the converter could not import its own machinery: the environment, not the case
        "fake-incompatible": ("env_error", "incompatible_environment", "convert"),
        "fake-perturb": ("incorrect", "mismatch", "judge"),
        "fake-nan": ("incorrect", "nan", "judge"),
        "fake-runtime-abort": ("crash", "SIGABRT", "load"),
    }
    # a segfault's signature names where it happened, from faulthandler's dump
    assert rows["fake-segfault"]["signature"].startswith("SIGSEGV in convert at ")
    # the giant message is stored truncated, valid UTF-8, and its signature is masked
    huge = rows["fake-huge-message"]
    assert len(huge["message"]) <= 8_000
    huge["message"].encode("utf-8")
    assert len(huge["signature"]) <= 240
    assert huge["signature"].startswith("ValueError: <script>")
    incompatible = rows["fake-incompatible"]
    assert "could not import" in incompatible["message"] and "tracker_fake_plugin_machinery" in incompatible["message"]


def test_metrics_and_verdicts_are_stored_for_every_judged_case(store):
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
            "--models", "fake-ok-1", "fake-perturb", "fake-nan", check=True)
    metrics = stored(store, """
        SELECT r.case_id, m.name, m.value FROM metrics m JOIN results r USING (result_id)
        WHERE m.oracle = 'numeric'""")
    by_case: dict[str, dict[str, float]] = {}
    for row in metrics:
        by_case.setdefault(row["case_id"], {})[row["name"]] = row["value"]
    assert by_case["fake-ok-1"]["max_abs_error"] == 0.0
    assert by_case["fake-perturb"]["max_abs_error"] > 0.1
    assert by_case["fake-nan"]["nonfinite_mismatches"] > 0
    verdicts = stored(store, "SELECT oracle, passed, subkind FROM verdicts")
    assert {(v["oracle"], v["passed"]) for v in verdicts} == {("numeric", True), ("numeric", False)}


def test_a_second_run_recomputes_nothing_and_says_so(store):
    first = tracker("run", "--pair", fake_pair_json(), "--store", str(store), check=True)
    assert "3 to run" in first.stdout
    second = tracker("run", "--pair", fake_pair_json(), "--store", str(store), check=True)
    assert "3 already stored (not recomputed), 0 to run" in second.stdout
    assert len(stored(store)) == 3
    runs = stored(store, "SELECT computed, reused FROM runs ORDER BY started_at")
    assert [(r["computed"], r["reused"]) for r in runs] == [(3, 0)]  # nothing to do: no run


def test_recompute_replaces_results_without_duplicating_them(store):
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), check=True)
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--recompute", check=True)
    rows = stored(store, "SELECT case_id, count(*) AS n FROM results GROUP BY case_id")
    assert {r["case_id"]: r["n"] for r in rows} == {"fake-ok-1": 1, "fake-ok-2": 1, "fake-ok-3": 1}


def test_a_pair_that_differs_only_in_the_runtime_reuses_the_conversions(store):
    tracker("run", "--pair", fake_pair_json(), "--store", str(store), check=True)
    other_runtime = fake_pair_json(runtime_options={"some_runtime_option": 1})
    process = tracker("run", "--pair", other_runtime, "--store", str(store), check=True)
    assert "conversion reused" in process.stdout
    rows = stored(store, "SELECT conversion_reused FROM results ORDER BY created_at")
    assert [r["conversion_reused"] for r in rows] == [False] * 3 + [True] * 3
    assert len(stored(store, "SELECT * FROM conversions")) == 3


def test_an_unbuildable_environment_is_recorded_as_env_error(store, tmp_path):
    installer = tmp_path / "install.txt"
    installer.write_text(
        "Resolved 3 packages\n  × No solution found when resolving dependencies:\n"
        "  ╰─▶ Because there is no version of onnxruntime==1.99.0 and you require "
        "onnxruntime==1.99.0, we can conclude that your requirements are unsatisfiable.\n"
    )
    tracker("run", "--pair", fake_pair_json(), "--store", str(store),
            "--env-error-file", str(installer), check=True)
    rows = stored(store, """SELECT r.outcome, r.signature, e.buildable, e.packages
                            FROM results r JOIN environments e USING (env_id)""")
    assert len(rows) == 3
    assert {r["outcome"] for r in rows} == {"env_error"}
    assert rows[0]["signature"].startswith("InstallError: No solution found")
    assert rows[0]["buildable"] is False
    assert json.loads(rows[0]["packages"])["numpy"] == "(requested ==1.0.0)"
