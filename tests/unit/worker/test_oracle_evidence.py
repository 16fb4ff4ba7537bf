"""The oracles of the two studies, through the real worker on the NumPy pipeline: extra
input sets (made once, cached with the reference), the source's numbers, the runtime's
memory, and the second runtime that says whose fault a failure is."""

from __future__ import annotations

import json

import pytest

from conftest import fake_pair_json, stored, tracker

ORACLES = ("numeric", "agreement", "dynamic-shapes", "performance", "robustness")


def _sweep(store, tmp_path, *models, **pair):
    overrides = {"oracles": ORACLES, "second_runtime": "fake-reference", "options": {"dynamic": True}} | pair
    env_cache = {"TRACKER_CACHE": str(tmp_path / "cache")}
    from conftest import fake_env

    process = tracker("run", "--pair", fake_pair_json(**overrides), "--store", str(store), "--set", "oracles",
                      *(["--models", *models] if models else []), env=fake_env(**env_cache))
    assert process.returncode == 0, process.stdout + process.stderr
    return process


def _verdicts(store):
    rows = stored(store, """SELECT r.case_id, v.oracle, v.passed, v.subkind, v.message FROM verdicts v
                            JOIN results r USING (result_id)""")
    return {(r["case_id"], r["oracle"]): r for r in rows}


def _metrics(store, case, oracle):
    rows = stored(store, """SELECT m.name, m.value FROM metrics m JOIN results r USING (result_id)
                            WHERE r.case_id = ? AND m.oracle = ?""", [case, oracle])
    return {r["name"]: r["value"] for r in rows}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("oracles")
    store = tmp_path / "store.duckdb"
    _sweep(store, tmp_path)
    return store, tmp_path


def test_a_correct_classifier_passes_every_oracle_with_its_metrics(swept):
    store, _ = swept
    verdicts = _verdicts(store)
    (row,) = stored(store, "SELECT outcome, fault_location FROM results WHERE case_id = 'fake-classifier-none'")
    assert row == {"outcome": "ok", "fault_location": None}
    for oracle in ("numeric", "agreement", "dynamic-shapes", "robustness"):
        assert verdicts[("fake-classifier-none", oracle)]["passed"] is True, oracle
    agreement = _metrics(store, "fake-classifier-none", "agreement")
    assert agreement["top1_agreement"] == 1.0 and agreement["samples"] == 64  # 32 sets of 2 rows
    performance = _metrics(store, "fake-classifier-none", "performance")
    assert verdicts[("fake-classifier-none", "performance")]["passed"] is None  # no threshold set
    for name in ("latency_seconds", "eager_seconds", "latency_ratio", "artifact_bytes", "parameter_bytes",
                 "size_ratio", "session_rss_mb", "convert_seconds"):
        assert name in performance, name
    assert performance["parameter_bytes"] == 4 * 4 * 4 + 4 * 4
    robustness = _metrics(store, "fake-classifier-none", "robustness")
    # the attack works on the source (it flips some predictions), and the converted model
    # is exactly as robust
    assert robustness["pgd.source_robust_accuracy"] < 1.0
    assert robustness["pgd.converted_robust_accuracy"] == robustness["pgd.source_robust_accuracy"]
    assert robustness["fgsm.adversarial_agreement"] == 1.0


def test_a_converter_that_perturbs_one_weight_is_caught_by_numeric_and_agreement(swept):
    store, _ = swept
    verdicts = _verdicts(store)
    case = "fake-classifier-perturb-one-weight"
    assert verdicts[(case, "numeric")]["passed"] is False
    assert verdicts[(case, "agreement")]["passed"] is False
    assert verdicts[(case, "agreement")]["subkind"] == "disagreement"
    assert _metrics(store, case, "agreement")["top1_agreement"] < 0.95
    (row,) = stored(store, "SELECT outcome, fault_location FROM results WHERE case_id = ?", [case])
    # the second runtime computes the same wrong numbers: the converter's fault
    assert row == {"outcome": "incorrect", "fault_location": "converter"}
    assert verdicts[(case, "localize:fake-reference")]["subkind"] == "converter"


def test_an_artifact_only_the_runtime_mis_executes_is_localized_to_the_runtime(swept):
    store, _ = swept
    case = "fake-classifier-runtime-perturb"
    (row,) = stored(store, "SELECT outcome, fault_location FROM results WHERE case_id = ?", [case])
    assert row == {"outcome": "incorrect", "fault_location": "runtime"}
    localize = _verdicts(store)[(case, "localize:fake-reference")]
    assert localize["passed"] is True and "agrees with the source" in localize["message"]


def test_a_fixed_shape_export_run_at_another_batch_size_is_flagged(swept):
    store, _ = swept
    case = "fake-classifier-fixed-shape"
    verdicts = _verdicts(store)
    assert verdicts[(case, "numeric")]["passed"] is True  # right at the export shape
    dynamic = verdicts[(case, "dynamic-shapes")]
    assert dynamic["passed"] is False and dynamic["subkind"] == "fixed_shape"
    assert "batch=4" in dynamic["message"]
    (row,) = stored(store, "SELECT outcome, subkind, fault_location FROM results WHERE case_id = ?", [case])
    assert row == {"outcome": "incorrect", "subkind": "fixed_shape", "fault_location": "converter"}


def test_extra_inputs_are_made_once_and_cached_with_the_reference(swept):
    store, tmp_path = swept
    outputs = sorted((tmp_path / "cache" / "references").rglob("*.outputs-*.npz"))
    adversarial = sorted((tmp_path / "cache" / "inputs").rglob("*.npz"))
    # per converted case, the framework's outputs on: agreement's 32 samples (robustness's 16
    # clean ones are their first 16: no set of their own), fgsm, pgd, resized; the attacks'
    # inputs with the case. None for the classifier that failed to convert (attacks can take minutes)
    (failed,) = stored(store, "SELECT outcome FROM results WHERE case_id = 'fake-classifier-unsupported'")
    assert failed["outcome"] == "convert_error"
    assert (len(outputs), len(adversarial)) == (4 * 4, 4 * 2)
    again = tmp_path / "again.duckdb"
    _sweep(again, tmp_path, "fake-classifier-none")
    assert len(sorted((tmp_path / "cache" / "references").rglob("*.outputs-*.npz"))) == len(outputs)
    assert _metrics(again, "fake-classifier-none", "robustness") == _metrics(
        store, "fake-classifier-none", "robustness")


def test_a_pair_that_only_changes_the_runtime_imports_no_framework_even_with_a_failed_conversion(swept):
    import shutil

    store, tmp_path = swept
    copy = tmp_path / "another-runtime.duckdb"
    shutil.copy(store, copy)
    # another runtime configuration: new results, the same conversions (one of them failed,
    # so it has no extra input sets) and references
    process = _sweep(copy, tmp_path, runtime_options={"variant": "another"})
    assert "(references and artifacts all cached)" in process.stdout, process.stdout


def test_without_a_dynamic_export_the_dynamic_oracle_is_not_applicable(tmp_path):
    store = tmp_path / "store.duckdb"
    _sweep(store, tmp_path, "fake-classifier-fixed-shape", options={})
    verdict = _verdicts(store)[("fake-classifier-fixed-shape", "dynamic-shapes")]
    assert verdict["passed"] is None and "fixed shapes" in verdict["message"]
    (row,) = stored(store, "SELECT outcome FROM results")
    assert row["outcome"] == "ok"


def test_without_a_second_runtime_failures_are_not_localized(tmp_path):
    store = tmp_path / "store.duckdb"
    _sweep(store, tmp_path, "fake-classifier-runtime-perturb", second_runtime=None)
    (row,) = stored(store, "SELECT outcome, fault_location FROM results")
    assert row == {"outcome": "incorrect", "fault_location": None}
    assert not [k for k in _verdicts(store) if k[1].startswith("localize:")]


def test_converter_failures_are_the_converters_and_carry_a_stage_when_known(tmp_path):
    store = tmp_path / "store.duckdb"
    process = tracker("run", "--pair", fake_pair_json(), "--store", str(store), "--set", "faults",
                      "--models", "fake-unsupported", "fake-segfault", "--timeout", "30")
    assert process.returncode == 0, process.stderr
    rows = {r["case_id"]: r for r in stored(store, "SELECT case_id, outcome, fault_location FROM results")}
    assert rows["fake-unsupported"]["fault_location"] == "converter"
    assert rows["fake-segfault"] == {"case_id": "fake-segfault", "outcome": "crash", "fault_location": "converter"}
    assert json.loads(json.dumps(rows))  # plain values


def test_results_shows_one_oracles_verdicts_and_metrics(swept):
    store, _ = swept
    process = tracker("results", "--store", str(store), "--oracle", "agreement", check=True)
    assert "oracle agreement" in process.stdout
    assert "top1_agreement" in process.stdout and "disagreement" in process.stdout
    lines = {line.split()[0]: line.split() for line in process.stdout.splitlines() if line.startswith("fake-")}
    assert lines["fake-classifier-none"][2] == "pass"
    assert lines["fake-classifier-perturb-one-weight"][2] == "FAIL"
    rows = json.loads(tracker("results", "--store", str(store), "--oracle", "performance", "--format", "json",
                              check=True).stdout)
    assert {r["passed"] for r in rows} == {None} and all("latency_seconds" in r["metrics"] for r in rows)
    unknown = tracker("results", "--store", str(store), "--oracle", "nope")
    assert unknown.returncode == 6 and "agreement" in unknown.stderr
    summary = tracker("results", "--store", str(store), check=True).stdout
    assert "whose fault" in summary and "runtime" in summary


def test_the_report_has_the_second_studys_quality_table(swept, tmp_path):
    store, _ = swept
    text = tracker("report", "--store", str(store), check=True).stdout
    assert "conversion quality, as in the empirical study" in text
    tracker("report", "--store", str(store), "--html", str(tmp_path / "site"), check=True)
    page = (tmp_path / "site" / "index.html").read_text()
    assert 'id="quality-table"' in page and "PGD converted" in page


def test_the_sweep_records_what_its_oracles_declare_for_readers_without_plugins(swept):
    store, _ = swept
    declared = {r["oracle"] for r in stored(store, "SELECT oracle FROM oracle_metrics")}
    assert declared == {"numeric", "agreement", "performance", "robustness"}  # dynamic-shapes declares none
    from conftest import fake_env

    core_only = fake_env(TRACKER_PLUGINS="no-plugin-at-all", TRACKER_PLUGIN_MODULES="")
    text = tracker("report", "--store", str(store), env=core_only, check=True).stdout
    assert "error size (numeric max_abs_error)" in text and "PGD converted" in text and "classifiers" in text
