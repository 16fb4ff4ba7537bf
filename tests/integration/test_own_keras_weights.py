"""Your own weights in Keras, for real: a plugin the test writes registers a Keras case whose
weights are a `.keras` file the test saves; tf2onnx converts it, ONNX Runtime runs it,
`tracker results` shows it, and new weights are a new case hash. Runs in the
`integration_tensorflow` session."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, stored, tracker

pytestmark = [
    pytest.mark.tensorflow, pytest.mark.integration,
    # Keras 3 saving and loading weights under NumPy 2 warns from its own code (np.array(variable): its
    # __array__ takes no copy keyword): not what is tested here
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
]

PLUGIN = '''
"""A Keras case of a plugin outside plugins/, with local weights."""

import os

from tracker.plugin import InputSpec, ModelCase, hookimpl


def classifier():
    import tensorflow as tf

    inputs = tf.keras.Input((6,), name="x")
    hidden = tf.keras.layers.Dense(12, activation="relu")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(3, activation="softmax")(hidden))


@hookimpl
def register_models(register):
    register(ModelCase(
        id="own-keras-weighted", framework="tensorflow", builder="own_keras:classifier",
        inputs=(InputSpec("x", (2, 6)),), sets=frozenset({"own"}), weights=os.environ["OWN_WEIGHTS"],
    ))
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "own_keras.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.delitem(sys.modules, "own_keras", raising=False)
    return tmp_path / "src"


def _save_weights(path: Path, fill: float) -> list[np.ndarray]:
    """A trained model, in effect: the builder's model with every value moved, saved as .keras."""
    import own_keras

    model = own_keras.classifier()
    values = [np.linspace(-fill, fill, w.size, dtype=np.float32).reshape(w.shape) for w in model.get_weights()]
    model.set_weights(values)
    model.save(path)
    return values


def _env(plugin: Path, weights: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_PLUGINS", "TRACKER_STORE", "TRACKER_CACHE")}
    env["PYTHONPATH"] = os.pathsep.join([str(plugin), env.get("PYTHONPATH", "")])
    env["TRACKER_PLUGIN_MODULES"] = "own_keras"
    env["OWN_WEIGHTS"] = str(weights)
    return env


def _pair() -> str:
    from tracker.matrix import load_matrix

    installed = {name: importlib.metadata.version(name) for name in ("tensorflow-cpu", "tf2onnx", "onnxruntime")}
    pairs = [p for p in load_matrix(ROOT / "envs") if p.pipeline == "tf2onnx" and p.variant == "keras"
             and all(installed.get(a.package) == a.version for a in p.axes)]
    assert pairs, f"no tf2onnx.keras pair of envs/ has the installed versions {installed}"
    return pairs[0].to_json()


def test_a_keras_file_of_weights_is_loaded_into_the_builders_model(plugin, tmp_path, monkeypatch):
    from tracker.registry import Registry

    weights = tmp_path / "classifier.keras"
    values = _save_weights(weights, 0.5)
    for name, value in _env(plugin, weights).items():
        monkeypatch.setenv(name, value)
    registry = Registry.load()
    model = registry.framework("tensorflow").build(registry.case("own-keras-weighted"))
    for got, want in zip(model.get_weights(), values, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_keras_case_with_local_weights_converts_runs_and_is_in_the_results(plugin, tmp_path, store):
    weights = tmp_path / "classifier.keras"
    _save_weights(weights, 0.5)
    env = _env(plugin, weights)
    run = tracker("run", "--pair", _pair(), "--store", str(store), "--set", "own", "--jobs", "1", env=env,
                  timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert [(r["case_id"], r["outcome"]) for r in stored(store)] == [("own-keras-weighted", "ok")]
    table = tracker("results", "--store", str(store), env=env, check=True).stdout
    assert "own-keras-weighted" in table
    first = stored(store, "SELECT case_hash FROM results")[0]["case_hash"]

    _save_weights(weights, 0.25)
    again = tracker("run", "--pair", _pair(), "--store", str(store), "--set", "own", "--jobs", "1", env=env,
                    timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    hashes = {r["case_hash"] for r in stored(store, "SELECT case_hash FROM results")}
    assert len(hashes) == 2 and first in hashes
