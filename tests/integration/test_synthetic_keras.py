"""Synthetic graphs emitted to Keras: built by the tensorflow framework plugin, finite, the
same function as the IR says (an independent NumPy interpreter; the PyTorch emission is
checked against the same interpreter in test_synthetic_pipeline.py), and through tf2onnx
and ONNX Runtime with the tracker's plugins. Runs in the `integration_tensorflow` session."""

from __future__ import annotations

import importlib.metadata
import os
import sys

import numpy as np
import pytest

from conftest import ROOT, stored, tracker

pytestmark = [pytest.mark.tensorflow, pytest.mark.integration]

sys.path.insert(0, str(ROOT / "tests" / "unit" / "plugins"))  # the NumPy interpreter

from synthetic_numpy import close_to_interpreter  # noqa: E402

SEEDS = [0, 1, 2, 3, 7, 11, 17, 20, 26, 33, 35, 40]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    return env


def test_keras_emissions_are_built_finite_and_compute_the_graph():
    from tracker.inputs import make_inputs
    from tracker.registry import Registry
    from tracker_synthetic.catalog import case_id, graph_of

    registry = Registry.load()
    framework = registry.framework("tensorflow")
    for seed in SEEDS:
        case = registry.case(case_id(seed, "tensorflow"))
        model = framework.build(case)
        weights = [n for n in graph_of(seed, case.params["nodes"]).nodes if n.op == "weight"]
        assert len(model.weights) == len(weights), case.id  # the operators' parameters are Keras weights
        for sample in range(case.samples):
            inputs = make_inputs(case.inputs, case.seed, sample)
            outputs = framework.run(model, inputs)
            for index, output in enumerate(outputs):
                if output.dtype.kind == "f":
                    assert np.isfinite(output).all(), f"{case.id} output {index} is not finite"
            problems = close_to_interpreter(case, outputs, inputs)
            assert not problems, (case.id, problems)


def _pair(variant: str) -> str:
    from tracker.matrix import load_matrix

    installed = {name: importlib.metadata.version(name) for name in ("tensorflow-cpu", "tf2onnx", "onnxruntime")}
    pairs = [p for p in load_matrix(ROOT / "envs") if p.pipeline == "tf2onnx" and p.variant == variant
             and all(installed.get(a.package) == a.version for a in p.axes)]
    assert pairs, f"no tf2onnx.{variant} pair of envs/ has the installed versions {installed}"
    return pairs[0].to_json()


def test_tf2onnx_and_onnxruntime_take_the_keras_emissions(store):
    from tracker_synthetic.catalog import case_id

    ids = [case_id(seed, "tensorflow") for seed in SEEDS[:6]]
    process = tracker("run", "--pair", _pair("function"), "--store", str(store), "--models", *ids,
                      "--jobs", "1", env=_env(), timeout=1800)
    assert process.returncode == 0, process.stdout + process.stderr
    results = stored(store, "SELECT case_id, outcome, stage FROM results")
    assert {r["case_id"] for r in results} == set(ids)
    assert not [r for r in results if r["stage"] in ("setup", "reference")], results
    assert {r["kind"] for r in stored(store, "SELECT kind FROM cases")} == {"synthetic"}
