"""The trained models train deterministically: the same case trained in two processes, each
with a cache of its own (so each trains it), gives the same weights, bit for bit, through
the framework plugin's build as a sweep calls it; the test accuracy reached is the one
stated (docs/trained.md: at least 0.95); a third build loads the cached weights. PyTorch
here; Keras in the `integration_tensorflow` session (test_trained_keras_determinism.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

# build a case as the sweep does (the framework plugin seeds, bounds the threads, builds),
# print a digest per parameter tensor, the test accuracy, and the files of the cache
BUILD = """
import hashlib, json, sys
from tracker.plugin import plugin_cache_dir
from tracker_trained.catalog import trained_case
from tracker_trained.digits import test_images, test_labels

framework_name, architecture = sys.argv[1], sys.argv[2]
case = trained_case(architecture, framework_name)
if framework_name == "pytorch":
    from tracker_pytorch import PyTorch as Framework
else:
    from tracker_tensorflow import TensorFlow as Framework
framework = Framework()
model = framework.build(case)
if framework_name == "pytorch":
    weights = {name: tensor.detach().numpy() for name, tensor in model.state_dict().items()}
else:
    weights = {f"{index} {variable.name}": variable.numpy() for index, variable in enumerate(model.weights)}
spec = case.inputs[0]
images = test_images(None, spec.shape, spec.dtype)
(logits,) = framework.run(model, [images])
accuracy = float((logits.argmax(axis=-1) == test_labels(None, spec.shape)).mean())
cached = sorted(str(path.relative_to(plugin_cache_dir("trained"))) for path in plugin_cache_dir("trained").rglob("*")
                if path.is_file())
print(json.dumps({"weights": {name: hashlib.sha256(array.tobytes()).hexdigest() for name, array in weights.items()},
                  "accuracy": accuracy, "cached": cached}))
"""


def build(framework: str, architecture: str, cache: Path) -> dict:
    env = {**os.environ, "TRACKER_CACHE": str(cache), "TRACKER_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", BUILD, framework, architecture], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_trains_the_same_twice(framework: str, architecture: str, tmp_path: Path) -> None:
    first = build(framework, architecture, tmp_path / "first")
    second = build(framework, architecture, tmp_path / "second")
    assert first["weights"] == second["weights"], "two trainings gave different weights"
    assert first["accuracy"] == second["accuracy"] >= 0.95
    assert len(first["cached"]) == 1, first["cached"]
    again = build(framework, architecture, tmp_path / "first")  # from the cache
    assert again == first


@pytest.mark.parametrize("architecture", ["mlp", "lenet5", "resnet"])
def test_a_torch_model_trains_the_same_in_two_processes(architecture, tmp_path):
    check_trains_the_same_twice("pytorch", architecture, tmp_path)
