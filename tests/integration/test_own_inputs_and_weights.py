"""Your own inputs and your own weights, for real: a plugin the test writes (outside
`plugins/`) registers a case whose inputs come from its seeded callable and its `.npz`
file, and a case that loads a `state_dict` the test saves; both go through torch.onnx
into ONNX Runtime with `tracker run`, and `tracker results` shows them. New weights are a
new case hash, swept again; a Hugging Face `save_pretrained` folder is loaded offline."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, stored, tracker

pytestmark = pytest.mark.integration

PLUGIN = '''
"""Cases of a plugin outside plugins/: custom inputs and local weights."""

import os

from tracker.plugin import InputSpec, ModelCase, hookimpl

OWN = frozenset({"own"})


@hookimpl
def register_models(register):
    register(ModelCase(
        id="own-divide", framework="pytorch", builder="own_cases.nets:Divide", sets=OWN,
        inputs=(InputSpec("x", (3, 4), kind="custom", source="own_cases:inputs.npz"),
                InputSpec("d", (3, 4), kind="custom", source="own_cases.inputs:divisors")),
    ))
    register(ModelCase(
        id="own-weighted", framework="pytorch", builder="own_cases.nets:Scorer", params={"features": 8},
        inputs=(InputSpec("x", (2, 8)),), sets=OWN, weights=os.environ["OWN_WEIGHTS"],
    ))
'''

NETS = '''
import torch
from torch import nn


class Divide(nn.Module):
    def forward(self, x, d):
        return x / d


class Scorer(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return torch.sigmoid(self.layers(x))
'''

INPUTS = '''
import numpy as np


def divisors(rng, shape, dtype):
    """Away from zero, both signs: a division the converters must keep exact."""
    return rng.choice([-4.0, -2.0, 0.5, 2.0, 8.0], size=shape)
'''


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """The plugin ``own_cases`` in ``tmp_path/src``, with its ``inputs.npz``."""
    package = tmp_path / "src" / "own_cases"
    package.mkdir(parents=True)
    for name, text in {"__init__.py": PLUGIN, "nets.py": NETS, "inputs.py": INPUTS}.items():
        (package / name).write_text(textwrap.dedent(text))
    np.savez(package / "inputs.npz", x=np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32))
    return package


def _save_weights(path: Path, fill: float) -> None:
    """A trained checkpoint, in effect: the Scorer's state_dict with every value moved."""
    import torch

    from_scratch = __import__("own_cases.nets", fromlist=["Scorer"]).Scorer(8)
    with torch.no_grad():
        for parameter in from_scratch.parameters():
            parameter.copy_(torch.linspace(-fill, fill, parameter.numel()).reshape(parameter.shape))
    torch.save(from_scratch.state_dict(), path)


def _env(plugin: Path, weights: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_PLUGINS", "TRACKER_STORE", "TRACKER_CACHE")}
    env["PYTHONPATH"] = os.pathsep.join([str(plugin.parent), env.get("PYTHONPATH", "")])
    env["TRACKER_PLUGIN_MODULES"] = "own_cases"
    env["OWN_WEIGHTS"] = str(weights)
    return env


def _pair() -> str:
    from tracker.matrix import load_matrix

    return next(p for p in load_matrix(ROOT / "envs") if p.variant == "torchscript").to_json()


@pytest.fixture
def on_path(plugin: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin.parent))
    for name in ("own_cases", "own_cases.nets", "own_cases.inputs"):
        monkeypatch.delitem(__import__("sys").modules, name, raising=False)
    return plugin


def test_custom_inputs_and_local_weights_convert_run_and_are_in_the_results(on_path, tmp_path, store):
    weights = tmp_path / "scorer.pt"
    _save_weights(weights, 0.5)
    env = _env(on_path, weights)
    run = tracker("run", "--pair", _pair(), "--store", str(store), "--set", "own", "--jobs", "2", env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    results = {r["case_id"]: r for r in stored(store)}
    assert {case: r["outcome"] for case, r in results.items()} == {"own-divide": "ok", "own-weighted": "ok"}, results
    table = tracker("results", "--store", str(store), env=env, check=True).stdout
    assert "own-divide" in table and "own-weighted" in table
    shown = tracker("models", "show", "own-divide", env=env, check=True).stdout
    assert "own_cases:inputs.npz" in shown and "own_cases.inputs:divisors" in shown
    assert f"weights:     {weights}" in tracker("models", "show", "own-weighted", env=env, check=True).stdout
    recipes = {r["case_id"]: r["recipe"] for r in stored(store, "SELECT case_id, recipe FROM cases")}
    assert '"weights"' in recipes["own-weighted"] and '"content"' in recipes["own-divide"]

    # new weights: a new case hash, computed again beside the old result (never mixed with it)
    _save_weights(weights, 0.25)
    again = tracker("run", "--pair", _pair(), "--store", str(store), "--set", "own", "--jobs", "2", env=env,
                    timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    hashes = stored(store, "SELECT case_id, count(DISTINCT case_hash) AS n FROM results GROUP BY case_id")
    assert {r["case_id"]: r["n"] for r in hashes} == {"own-divide": 1, "own-weighted": 2}


def test_the_built_model_holds_the_saved_weights_and_the_inputs_are_the_plugins(on_path, tmp_path, monkeypatch):
    import torch

    from tracker.inputs import make_inputs
    from tracker.registry import Registry

    weights = tmp_path / "scorer.pt"
    _save_weights(weights, 0.5)
    for name, value in _env(on_path, weights).items():
        monkeypatch.setenv(name, value)
    registry = Registry.load()
    framework, case = registry.framework("pytorch"), registry.case("own-weighted")
    model = framework.build(case)
    saved = torch.load(weights, weights_only=True)
    assert all(torch.equal(model.state_dict()[k], saved[k]) for k in saved)
    divide = registry.case("own-divide")
    x, d = make_inputs(divide.inputs, divide.seed, 1)
    np.testing.assert_array_equal(x, np.load(on_path / "inputs.npz")["x"][1])
    assert set(np.unique(d)) <= {-4.0, -2.0, 0.5, 2.0, 8.0}
    # a missing checkpoint: the case and the path named, and what to do
    weights.unlink()
    with pytest.raises(Exception, match=r"case own-weighted: its weights file .*scorer\.pt' does not exist"):
        Registry.load().case("own-weighted").content_hash  # noqa: B018


def test_a_hugging_face_save_pretrained_folder_is_loaded_offline(tmp_path, monkeypatch):
    import torch
    from transformers import BertConfig, BertModel

    (tmp_path / "hf_cases.py").write_text(textwrap.dedent('''
        from transformers import BertConfig, BertModel


        def tiny_bert():
            return BertModel(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                        intermediate_size=32, max_position_embeddings=16))
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    torch.manual_seed(123)
    trained = BertModel(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                   intermediate_size=32, max_position_embeddings=16)).eval()
    trained.save_pretrained(tmp_path / "tiny-bert")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    from tracker.cases import ModelCase
    from tracker.inputs import InputSpec, make_inputs
    from tracker_pytorch import PyTorch

    case = ModelCase(id="own-bert", framework="pytorch", builder="hf_cases:tiny_bert",
                     inputs=(InputSpec("input_ids", (1, 8), "int64", kind="tokens", high=64),),
                     weights=str(tmp_path / "tiny-bert"))
    framework = PyTorch()
    (ids,) = make_inputs(case.inputs, case.seed, 0)
    got = framework.run(framework.build(case), [ids])
    with torch.no_grad():
        want = trained(torch.from_numpy(ids)).last_hidden_state.numpy()
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-6)
    assert "weights" in case.recipe()
