"""The trained set, read without a framework and without its data: ids, sets, labels, and
a case hash that changes with the training recipe and with the data set's split."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "trained"
sys.path.insert(0, str(PLUGIN))  # the plugin's source, not installed here

from tracker_trained import catalog, digits  # noqa: E402

HASHES = "import json; from tracker_trained.catalog import CASES; print(json.dumps({c.id: c.content_hash for c in CASES}))"


def hashes_of(plugin: Path) -> dict[str, str]:
    """The case hashes of the plugin's copy at ``plugin``, computed in a fresh process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", HASHES], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    shutil.copytree(PLUGIN / "tracker_trained", tmp_path / "tracker_trained",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_six_architectures_in_both_frameworks_in_a_set_of_their_own():
    ids = {case.id for case in catalog.CASES}
    assert len(ids) == len(catalog.CASES) == 12
    assert {case.framework for case in catalog.CASES} == {"pytorch", "tensorflow"}
    assert all(case.sets == {"trained"} and "default" not in case.sets for case in catalog.CASES)
    assert "torch" not in sys.modules and "sklearn" not in sys.modules


@pytest.mark.parametrize("case", catalog.CASES, ids=lambda case: case.id)
def test_a_case_is_the_whole_test_split_with_its_labels(case):
    (spec,) = case.inputs
    assert spec.kind == "custom" and spec.source == catalog.SOURCE and spec.shape[0] == digits.TEST_IMAGES
    assert case.samples == 1 and case.labels == catalog.LABELS and "classifier" in case.tags
    assert "labels" in case.recipe() and "test_labels" in case.recipe()["labels"]["code"]


def test_the_copy_hashes_as_the_plugin(copy):
    assert hashes_of(copy) == {case.id: case.content_hash for case in catalog.CASES}


def test_another_training_recipe_is_another_case(copy):
    before = hashes_of(copy)
    edit(copy / "tracker_trained" / "catalog.py", '"vgg": (16, 12, 2e-3,', '"vgg": (16, 13, 2e-3,')
    after = hashes_of(copy)
    assert {case for case in before if before[case] != after[case]} == {"digits-vgg-torch", "digits-vgg-keras"}


def test_another_training_loop_is_another_case_of_that_framework(copy):
    before = hashes_of(copy)
    edit(copy / "tracker_trained" / "torch_nets.py", "optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)",
         "optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)")
    after = hashes_of(copy)
    assert {case for case in before if before[case] != after[case]} == {c.id for c in catalog.CASES
                                                                       if c.framework == "pytorch"}


@pytest.mark.parametrize("old, new", [("SPLIT_SEED = 20261204", "SPLIT_SEED = 20261205"),
                                      ("TEST_EVERY = 5", "TEST_EVERY = 4")], ids=["seed", "fraction"])
def test_another_split_is_another_case_every_one(copy, old, new):
    before = hashes_of(copy)
    edit(copy / "tracker_trained" / "digits.py", old, new)
    after = hashes_of(copy)
    assert all(before[case] != after[case] for case in before)


def test_the_study_matrix_takes_every_pipeline_with_the_plugin_and_the_accuracy_oracle():
    from tracker.matrix import load_matrix

    pairs = load_matrix(ROOT / "envs" / "studies" / "trained.toml")
    assert {(pair.converter, pair.variant) for pair in pairs} == {
        ("torch.onnx", "torchscript"), ("torch.onnx", "dynamo"), ("tf2onnx", "keras"), ("tf2onnx", "function"),
        ("tf2onnx", "saved_model"), ("coremltools", "mlprogram-fp16"), ("coremltools", "mlprogram-fp32")}
    assert all("trained" in pair.plugins and "accuracy" in pair.oracles for pair in pairs)
    assert not any("trained" in pair.plugins for pair in load_matrix(ROOT / "envs"))  # the default matrix: untouched
