"""Real conversions: TensorFlow/Keras -> tf2onnx (each entry point) -> ONNX Runtime,
judged by the oracles. Runs in the `integration_tensorflow` nox session (one pin set of
envs/tensorflow.toml)."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, stored, tracker

pytestmark = [pytest.mark.tensorflow, pytest.mark.integration]

# A Keras model every release converts, a plain tf.Module, a recurrent Keras model, and
# an operation tf2onnx has no conversion for (TensorScatterAdd).
CASES = ["tf-op-resize-nearest", "tf-module-mlp", "tf-lstm", "tf-op-scatter-add"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    return env


def _pair(variant: str, **changes) -> str:
    """The pair of envs/tensorflow.toml with this variant and the installed versions."""
    from tracker.matrix import load_matrix

    installed = {name: importlib.metadata.version(name) for name in ("tensorflow-cpu", "tf2onnx", "onnxruntime")}
    pairs = [p for p in load_matrix(ROOT / "envs") if p.pipeline == "tf2onnx" and p.variant == variant
             and all(installed.get(a.package) == a.version for a in p.axes)]
    assert pairs, f"no tf2onnx.{variant} pair of envs/ has the installed versions {installed}"
    return dataclasses.replace(pairs[0], **changes).to_json() if changes else pairs[0].to_json()


def _run(store: Path, pair: str, *cases: str) -> subprocess.CompletedProcess[str]:
    process = tracker("run", "--pair", pair, "--store", str(store), "--models", *cases, "--jobs", "1",
                      env=_env(), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    return process


def _metrics(store: Path) -> dict[str, dict[str, float]]:
    rows = stored(store, "SELECT r.case_id, m.oracle, m.name, m.value FROM metrics m JOIN results r USING (result_id)")
    by_case: dict[str, dict[str, float]] = {}
    for row in rows:
        by_case.setdefault(row["case_id"], {})[f"{row['oracle']}.{row['name']}"] = row["value"]
    return by_case


def test_the_tensorflow_plugins_are_usable_here():
    rows = json.loads(tracker("plugins", "--json", env=_env(), check=True).stdout)
    usable = {r["name"] for r in rows if r["usable"]}
    assert {"tensorflow", "tf2onnx", "onnxruntime", "onnx-checker", "numeric"} <= usable, rows


@pytest.mark.parametrize("variant", ["keras", "function", "saved_model"])
def test_each_entry_point_converts_runs_and_judges(store, variant):
    process = _run(store, _pair(variant), *CASES)
    results = {r["case_id"]: r for r in stored(store)}
    if variant == "keras":  # from_keras takes Keras models only: refused by design, not failed
        assert "tf-module-mlp" not in results
        assert "not applicable to this pair: from_keras takes Keras models" in process.stdout
    expected = set(CASES) - ({"tf-module-mlp"} if variant == "keras" else set())
    assert set(results) == expected
    for case in expected - {"tf-op-scatter-add"}:
        assert results[case]["outcome"] == "ok", results[case]
    unsupported = results["tf-op-scatter-add"]
    assert (unsupported["outcome"], unsupported["subkind"], unsupported["fault_stage"]) == \
        ("convert_error", "unsupported", "conversion"), unsupported
    assert "TensorScatterAdd" in unsupported["signature"]
    metrics = _metrics(store)
    for case in expected - {"tf-op-scatter-add"}:
        assert metrics[case]["onnx-checker.opset_requested"] == 15
        assert metrics[case]["onnx-checker.opset_matches"] == 1
        assert metrics[case]["numeric.max_abs_error"] < 1e-4
    assert stored(store, "SELECT count(*) AS n FROM conversions")[0]["n"] == len(expected)


def test_a_dynamic_export_runs_at_other_sizes(store):
    pair = _pair("function", options={"entry": "function", "opset": 15, "dynamic": True},
                 oracles=("onnx-checker", "numeric", "dynamic-shapes"))
    _run(store, pair, "tf-module-mlp", "tf-subclassed-mlp")
    verdicts = stored(store, "SELECT r.case_id, v.passed FROM verdicts v JOIN results r USING (result_id) "
                             "WHERE v.oracle = 'dynamic-shapes'")
    assert {(v["case_id"], v["passed"]) for v in verdicts} == {("tf-module-mlp", True), ("tf-subclassed-mlp", True)}
    for case, values in _metrics(store).items():
        assert values["dynamic-shapes.symbolic_input_dims"] == 1, (case, values)


def test_adversarial_inputs_are_made_in_tensorflow(store):
    pair = _pair("function", oracles=("onnx-checker", "numeric", "robustness"),
                 oracle_options={"robustness": {"count": 4, "pgd_steps": 3}})
    _run(store, pair, "tf-custom-layers")
    (verdict,) = stored(store, "SELECT passed, message FROM verdicts WHERE oracle = 'robustness'")
    assert verdict["passed"] is not None, verdict  # applicable: the framework made the attacks
    metrics = _metrics(store)["tf-custom-layers"]
    assert metrics["robustness.samples"] == 4
    # the attacks work on the source: its robust accuracy drops below its clean accuracy (1)
    assert metrics["robustness.pgd.source_robust_accuracy"] < 1.0, metrics


def _fgsm_made_by_the_framework(model, input_sets, epsilon):
    """FGSM as the TensorFlow plugin made it before the attacks moved to the robustness
    oracle (issue 15): one set at a time, labels from a forward pass outside the tape, the
    summed cross-entropy."""
    import tensorflow as tf
    from tracker_tensorflow.calls import call_model, first_tensor

    result = []
    for inputs in input_sets:
        clean = tf.constant(inputs[0])
        rest = [tf.constant(a) for a in inputs[1:]]
        labels = tf.argmax(first_tensor(call_model(model, [clean, *rest])), axis=-1)
        with tf.GradientTape() as tape:
            tape.watch(clean)
            logits = first_tensor(call_model(model, [clean, *rest]))
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        gradient = tape.gradient(loss, clean)
        result.append(tf.clip_by_value(clean + epsilon * tf.sign(gradient), clean - epsilon, clean + epsilon).numpy())
    return result


def test_fgsm_on_tensorflow_gradients_is_the_fgsm_tensorflow_made():
    import numpy as np
    from tracker_oracles import attacks
    from tracker_tensorflow import TensorFlow
    from tracker_tensorflow.catalog import CASES as TF_CASES

    from tracker.inputs import make_inputs

    case = next(c for c in TF_CASES if c.id == "tf-custom-layers")
    framework = TensorFlow()
    model = framework.build(case)
    clean = [make_inputs(case.inputs, case.seed, 1000 + i) for i in range(4)]
    made = attacks.fgsm(framework, model, clean, attacks.attack_recipe("fgsm", count=4, epsilon=0.1))
    before = _fgsm_made_by_the_framework(model, clean, 0.1)
    assert all(np.array_equal(new[0], old) for new, old in zip(made, before))
    assert not np.array_equal(made[0][0], clean[0][0])


@pytest.mark.parametrize(("variant", "case"), [("function", "tf-op-floordiv-mod"),
                                               ("saved_model", "tf-op-resize-nearest")])
def test_the_repro_script_agrees_with_the_stored_outcome(store, tmp_path, variant, case):
    _run(store, _pair(variant), case)
    (result,) = stored(store)
    script = tmp_path / "repro.py"
    tracker("repro", result["result_id"], "--store", str(store), "-o", str(script), env=_env(), check=True)
    process = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                             env=_env(), timeout=600)
    assert process.returncode == (0 if result["outcome"] == "ok" else 1), process.stdout + process.stderr
    if result["outcome"] == "ok":
        assert "outputs match the reference" in process.stdout
    else:
        assert "elements differ" in process.stdout or "max abs error" in process.stdout, process.stdout


def test_references_are_identical_in_two_processes():
    code = (
        "import sys, hashlib; from tracker.registry import Registry; from tracker.inputs import make_inputs\n"
        "r = Registry.load(); fw = r.framework('tensorflow')\n"
        "case = r.case(sys.argv[1])\n"
        "out = fw.run(fw.build(case), make_inputs(case.inputs, case.seed, 0))\n"
        "print(hashlib.sha256(b''.join(o.tobytes() for o in out)).hexdigest())\n"
    )
    digests = {subprocess.run([sys.executable, "-c", code, "tf-custom-layers"], capture_output=True, text=True,
                              check=True, env=_env()).stdout for _ in range(2)}
    assert len(digests) == 1
