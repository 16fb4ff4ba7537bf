"""A failure localized once per (environment, failure signature): the other results with
the same failure refer to it (``results.localized_by``), in the same run, in parallel
children and in a later (resumed) run; ``incorrect`` is localized case by case; an
undetermined localization is tried again a bounded number of times."""

from __future__ import annotations

from conftest import fake_env, fake_pair_json, stored, tracker

from tracker.outcomes import Outcome
from tracker.store.schema import SCHEMA_VERSION
from tracker.worker.localize import UNDETERMINED_ATTEMPTS, Localization, Shared
from tracker.worker.result import CaseResult

REFUSED = [f"fake-runtime-refuse-{n}" for n in range(1, 5)]
OPAQUE = [f"fake-runtime-refuse-opaque-{n}" for n in range(1, 6)]
PERTURBED = ["fake-runtime-perturb-1", "fake-runtime-perturb-2"]


def _sweep(store, tmp_path, *models, jobs="1", **pair):
    overrides = {"second_runtime": "fake-reference"} | pair
    process = tracker("run", "--pair", fake_pair_json(**overrides), "--store", str(store), "--set", "localize",
                      "--jobs", jobs, *(["--models", *models] if models else []),
                      env=fake_env(TRACKER_CACHE=str(tmp_path / "cache")))
    assert process.returncode == 0, process.stdout + process.stderr
    return process


def _results(store):
    rows = stored(store, """
        SELECT r.case_id, r.result_id, r.outcome, r.fault_location, r.localized_by, v.passed, v.message,
               (SELECT count(*) FROM metrics m WHERE m.result_id = r.result_id AND m.oracle = v.oracle) AS metrics
        FROM results r LEFT JOIN verdicts v ON v.result_id = r.result_id AND v.oracle = 'localize:fake-reference'""")
    return {r["case_id"]: r for r in rows}


def test_one_refusal_is_localized_once_and_the_others_refer_to_it(store, tmp_path):
    _sweep(store, tmp_path, *REFUSED)
    rows = _results(store)
    localized = [rows[c] for c in REFUSED if rows[c]["localized_by"] is None]
    assert len(localized) == 1
    (first,) = localized
    assert first["fault_location"] == "runtime" and first["metrics"] > 0  # the reference ran it: seconds
    for case in REFUSED:
        row = rows[case]
        assert row["outcome"] == "runtime_load_error" and row["fault_location"] == "runtime"
        if row is not first:
            assert row["localized_by"] == first["result_id"]
            assert row["passed"] is True and row["metrics"] == 0  # not run again: no measurement
            assert f"localized on case {first['case_id']} (result {first['result_id']})" in row["message"]
    assert not (tmp_path / "cache" / "localizations").exists() or not any(
        (tmp_path / "cache" / "localizations").iterdir())  # the run's shared files are gone


def test_a_later_run_refers_to_a_localization_stored_by_an_earlier_one(store, tmp_path):
    _sweep(store, tmp_path, REFUSED[0])
    (first,) = _results(store).values()
    assert first["localized_by"] is None and first["fault_location"] == "runtime"
    _sweep(store, tmp_path, *REFUSED)  # resumed: the first is stored, not run again
    rows = _results(store)
    assert {rows[c]["localized_by"] for c in REFUSED[1:]} == {first["result_id"]}


def test_under_recompute_the_stored_localization_is_not_referred_to(store, tmp_path):
    _sweep(store, tmp_path, REFUSED[0])
    (first,) = _results(store).values()
    process = tracker("run", "--pair", fake_pair_json(second_runtime="fake-reference"), "--store", str(store),
                      "--set", "localize", "--models", *REFUSED[:2], "--recompute", "--jobs", "1",
                      env=fake_env(TRACKER_CACHE=str(tmp_path / "cache")))
    assert process.returncode == 0, process.stderr
    rows = _results(store)
    assert first["result_id"] not in {r["result_id"] for r in rows.values()}  # replaced
    assert rows[REFUSED[0]]["localized_by"] is None
    assert rows[REFUSED[1]]["localized_by"] == rows[REFUSED[0]]["result_id"]


def test_parallel_children_localize_a_signature_at_most_once_each(store, tmp_path):
    _sweep(store, tmp_path, *REFUSED, jobs="2")
    rows = _results(store)
    localized = {rows[c]["result_id"] for c in REFUSED if rows[c]["localized_by"] is None}
    assert 1 <= len(localized) <= 2
    assert all(rows[c]["localized_by"] in localized | {None} for c in REFUSED)
    assert {rows[c]["fault_location"] for c in REFUSED} == {"runtime"}


def test_incorrect_outputs_are_localized_case_by_case(store, tmp_path):
    _sweep(store, tmp_path, *PERTURBED)
    rows = _results(store)
    for case in PERTURBED:
        assert rows[case]["outcome"] == "incorrect" and rows[case]["fault_location"] == "runtime"
        assert rows[case]["localized_by"] is None and rows[case]["metrics"] > 0


def test_an_undetermined_localization_is_tried_again_a_bounded_number_of_times(store, tmp_path):
    _sweep(store, tmp_path, *OPAQUE)
    rows = [r for case, r in sorted(_results(store).items()) if case in OPAQUE]
    assert {r["fault_location"] for r in rows} == {"undetermined"}
    tried = [r for r in rows if r["localized_by"] is None]
    assert len(tried) == UNDETERMINED_ATTEMPTS
    assert {r["localized_by"] for r in rows} - {None} <= {r["result_id"] for r in tried}
    assert len([r for r in rows if r["localized_by"]]) == len(OPAQUE) - UNDETERMINED_ATTEMPTS


# -- the shared files, directly --------------------------------------------------------------

def _refusal(signature="RuntimeError: Unsupported model IR version: <n>"):
    return CaseResult(Outcome.RUNTIME_LOAD_ERROR, stage="load", signature=signature)


def _localization(result_id, location="runtime"):
    return Localization(result_id, f"case-{result_id}", location, location == "runtime", location, "why")


def test_shared_finds_a_determined_localization_by_outcome_and_signature(tmp_path):
    shared = Shared(tmp_path / "shared", "reference")
    assert shared.find(_refusal()) is None  # nothing shared yet (the directory does not exist)
    shared.record("runtime_load_error", _refusal().signature, _localization("a"))
    assert shared.find(_refusal()) == _localization("a")
    assert shared.find(_refusal("RuntimeError: another refusal")) is None
    assert shared.find(_refusal().but(outcome=Outcome.RUNTIME_ERROR)) is None
    assert Shared(tmp_path / "shared", "another-reference").find(_refusal()) is None
    assert shared.find(_refusal().but(outcome=Outcome.INCORRECT)) is None  # never shared


def test_shared_counts_undetermined_attempts_before_referring_to_the_first(tmp_path):
    shared = Shared(tmp_path / "shared", "reference")
    attempts = [_localization(str(n), "undetermined") for n in range(UNDETERMINED_ATTEMPTS)]
    shared.seed([("runtime_error", "E: x", a) for a in attempts[:-1]])
    assert shared.find(_refusal("E: x").but(outcome=Outcome.RUNTIME_ERROR)) is None
    shared.record("runtime_error", "E: x", attempts[-1])
    assert shared.find(_refusal("E: x").but(outcome=Outcome.RUNTIME_ERROR)) == attempts[0]
    shared.record("runtime_error", "E: x", _localization("later"))  # a determined one wins
    assert shared.find(_refusal("E: x").but(outcome=Outcome.RUNTIME_ERROR)).result_id == "later"


# -- still checkable: which result was localized ---------------------------------------------

def test_history_results_repro_and_export_name_the_localized_result(store, tmp_path):
    _sweep(store, tmp_path, *REFUSED[:2])
    rows = _results(store)
    first, other = sorted(rows.values(), key=lambda r: r["localized_by"] is not None)
    history = tracker("history", other["case_id"], "--store", str(store), check=True).stdout
    assert f"runtime as {first['case_id']}" in history and "results.localized_by" in history
    results = tracker("results", "--store", str(store), check=True).stdout
    assert "1 of them not run again in the second runtime" in results
    as_json = tracker("results", "--store", str(store), "--format", "json", check=True).stdout
    assert f'"localized_by": "{first["result_id"]}"' in as_json
    from tracker.cli.repro import find_result, localization_text
    from tracker.store import Store

    with Store.open(store, read_only=True) as handle:  # what `tracker repro` prints after the script
        text = localization_text(find_result(handle, other["result_id"], None))
    assert f"runtime, as localized on case {first['case_id']} (result {first['result_id']})" in text
    tracker("export", "--store", str(store), "--format", "csv", "--out", str(tmp_path / "out"), check=True)
    assert "localized_by" in (tmp_path / "out" / "results.csv").read_text().splitlines()[0]


def test_a_version_3_store_is_read_with_localized_by_null(store, tmp_path):
    import duckdb

    from tracker.store.views import query_rows

    _sweep(store, tmp_path, REFUSED[0])
    con = duckdb.connect(str(store))
    con.execute("ALTER TABLE results DROP COLUMN localized_by")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    from tracker.store import Store

    with Store.open(store, read_only=True) as handle:
        (row,) = query_rows(handle)
    assert row["localized_by"] is None and row["fault_location"] == "runtime"
    assert tracker("history", REFUSED[0], "--store", str(store)).returncode == 0
    with Store.open(store) as handle:  # opened for writing: migrated
        assert handle.schema_version() == SCHEMA_VERSION
        assert handle.query("SELECT localized_by FROM results") == [{"localized_by": None}]
