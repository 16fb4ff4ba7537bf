import dataclasses
import json
import os
import time

from conftest import fake_pair_json, stored, tracker

from tracker import prune
from tracker.matrix import Pair
from tracker.store import ConversionRecord, ResultRecord, Store
from tracker.worker.cache import Cache

FINGERPRINT = {"packages": {"torch": "2.13.0+cpu", "onnx": "1.23.1"}, "python": "3.11"}


def _artifact(cache, key, size, age_days):
    path = cache.artifact_dir(key) / "model.onnx"
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(size))
    stamp = time.time() - age_days * 86400
    os.utime(path.parent, (stamp, stamp))
    return path


def _plant(tmp_path):
    """A store with a passing and a failing conversion, a cache with their artifacts, an
    orphan artifact, a temporary and a reference with an extra set."""
    cache = Cache(tmp_path / "cache")
    store = tmp_path / "store.duckdb"
    with Store.open(store) as handle:
        for key, outcome in (("passed", "ok"), ("failing", "incorrect")):
            _artifact(cache, key, 40_000, 1)
            handle.record_conversion(ConversionRecord(key, "torch.onnx", "torchscript", {}, FINGERPRINT, key, "h",
                                                      "ok", artifact=f"artifacts/{key[:2]}/{key}/model.onnx",
                                                      artifact_sha256="f" * 64, artifact_bytes=40_000))
            handle.record_result(ResultRecord(run_id="r", env_id="e", config_key="k", pipeline="torch-onnx",
                                              variant="torchscript", framework="pytorch", converter="torch.onnx",
                                              runtime="onnxruntime", case_id=key, case_hash="h", outcome=outcome,
                                              conversion_key=key))
    _artifact(cache, "orphan", 40_000, 1)
    (cache.root / "tmp" / "killed-1").mkdir(parents=True)
    (cache.root / "tmp" / "killed-1" / "model.onnx").write_bytes(os.urandom(20_000))
    cache.reference_path("ref1").parent.mkdir(parents=True)
    cache.reference_path("ref1").write_bytes(os.urandom(8_000))
    cache.extra_path("ref1", "robust").write_bytes(os.urandom(8_000))
    cache.extra_inputs_path("c" * 64, "fgsm").parent.mkdir(parents=True)  # a case's attack inputs
    cache.extra_inputs_path("c" * 64, "fgsm").write_bytes(os.urandom(8_000))
    return store, cache


def _entries(store, cache, pairs=None):
    with Store.open(store, read_only=True) as handle:
        return prune.entries(cache, prune.uses(handle.query(prune.USES_SQL)), pairs)


def test_least_needed_first_temporaries_orphans_passed_references_then_failures(tmp_path):
    store, cache = _plant(tmp_path)
    found = _entries(store, cache)
    assert [e.name(cache.root) for e in found] == [
        "tmp/killed-1", "artifacts/or/orphan", "artifacts/pa/passed", "references/re/ref1.npz",
        f"inputs/cc/{'c' * 24}.fgsm.npz", "artifacts/fa/failing"]
    assert [e.rank for e in found] == [1, 2, 4, 5, 5, 6]
    assert len(found[3].paths) == 2  # a reference goes with its extra sets


def test_converter_sides_out_of_the_matrix_go_before_those_in_it(tmp_path):
    store, cache = _plant(tmp_path)
    pair = Pair.from_json(fake_pair_json())
    in_it = dataclasses.replace(pair, converter="torch.onnx", variant="torchscript", requires=("torch==2.13.0",))
    older = dataclasses.replace(in_it, requires=("torch==2.12.0",))
    assert {e.name(cache.root): e.rank for e in _entries(store, cache, [in_it])}["artifacts/pa/passed"] == 4
    assert {e.name(cache.root): e.rank for e in _entries(store, cache, [older])}["artifacts/pa/passed"] == 3


def test_choose_stops_as_soon_as_the_rest_fits():
    entries = [prune.Entry((), size, 4, 0.0) for size in (50, 30, 20)]
    assert [e.bytes for e in prune.choose(entries, 100)] == []
    assert [e.bytes for e in prune.choose(entries, 60)] == [50]
    assert [e.bytes for e in prune.choose(entries, 0)] == [50, 30, 20]


def test_prune_reaches_the_budget_and_keeps_every_result_and_hash(tmp_path):
    store, cache = _plant(tmp_path)
    before = stored(store, "SELECT * FROM results ORDER BY case_id")
    hashes = stored(store, "SELECT conversion_key, artifact_sha256, artifact_bytes FROM conversions ORDER BY 1")
    budget = 60_000
    pruned = tracker("cache", "prune", "--budget", str(budget), "--store", str(store), check=True)
    assert "fits the budget" in pruned.stdout, pruned.stdout
    left = sum(e.bytes for e in _entries(store, cache))
    assert left <= budget
    assert cache.artifact_path("artifacts/fa/failing/model.onnx") is not None  # the most needed stays
    assert cache.artifact_path("artifacts/pa/passed/model.onnx") is None
    assert stored(store, "SELECT * FROM results ORDER BY case_id") == before
    assert stored(store, "SELECT conversion_key, artifact_sha256, artifact_bytes FROM conversions ORDER BY 1") == hashes


def test_a_dry_run_lists_and_removes_nothing(tmp_path):
    store, cache = _plant(tmp_path)
    listed = tracker("cache", "prune", "--budget", "0", "--dry-run", "--store", str(store), check=True)
    assert "artifacts/pa/passed" in listed.stdout and "would remove" in listed.stdout
    assert len(_entries(store, cache)) == 6


def test_bad_budgets_and_a_missing_store_are_one_line_errors(tmp_path):
    for budget in ("-5GB", "lots", "5 parsecs"):
        refused = tracker("cache", "prune", f"--budget={budget}", "--store", str(tmp_path / "s.duckdb"))
        assert refused.returncode == 3 and "is not a size" in refused.stderr and "Traceback" not in refused.stderr
    missing = tracker("cache", "prune", "--budget", "5GB", "--store", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 5 and "no store at" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_a_pruned_artifact_is_converted_again_by_the_next_pair_that_needs_it(store):
    run = ("run", "--store", str(store), "--set", "faults", "--models", "fake-ok-1")
    first = tracker(*run, "--pair", fake_pair_json(), check=True)
    assert "disk: cache" in first.stdout
    tracker("cache", "prune", "--budget", "0", "--store", str(store), check=True)
    assert not list((store.parent / "cache" / "artifacts").rglob("*.*"))
    assert len(stored(store)) == 1
    # another runtime configuration of the same converter side: the conversion is made again
    tracker(*run, "--pair", fake_pair_json(runtime_options={"pruned": True}), check=True)
    rows = stored(store, "SELECT outcome, conversion_reused FROM results ORDER BY created_at")
    assert rows == [{"outcome": "ok", "conversion_reused": False}, {"outcome": "ok", "conversion_reused": False}]
    assert list((store.parent / "cache" / "artifacts").rglob("*.*"))


def test_disk_prints_the_cache_and_the_environments(tmp_path, store):
    tracker("run", "--store", str(store), "--set", "faults", "--models", "fake-ok-1", "--pair", fake_pair_json(),
            check=True)
    (tmp_path / ".nox" / "env1").mkdir(parents=True)
    (tmp_path / ".nox" / "env1" / "lib.py").write_text(json.dumps(list(range(1000))))
    shown = tracker("disk", "--store", str(store), "--envs", str(tmp_path / ".nox"), check=True)
    assert shown.stdout.startswith("== disk\n   cache ")
    assert "environments" in shown.stdout and "env1" in shown.stdout and "total" in shown.stdout
