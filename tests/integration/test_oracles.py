"""The oracles on real conversions: a converter that perturbs one weight is caught by
the numeric and agreement oracles; an artifact only ONNX Runtime mis-executes is
localized to the runtime by ONNX's reference evaluator; a fixed-shape export run at
another batch size is flagged; adversarial inputs are made on torch's gradients, FGSM's
exactly as before the attacks left the framework plugin; an opset the converter was not
asked for is flagged; converter failures carry their stage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import ROOT, faulty_torch_env, stored, tracker

pytestmark = pytest.mark.integration

ORACLES = ("onnx-checker", "numeric", "agreement", "dynamic-shapes", "performance", "robustness")


def _env(tmp_path):
    return faulty_torch_env(tmp_path / "cache")


def _pair(converter="torch.onnx", runtime="onnxruntime", **options):
    from tracker.matrix import load_matrix

    pair = next(p for p in load_matrix(ROOT / "envs") if p.variant == "torchscript")
    return dataclasses.replace(pair, converter=converter, runtime=runtime, oracles=ORACLES,
                               second_runtime="onnx-reference",
                               options={"dynamo": False, "opset": 17, **options}).to_json()


def _sweep(tmp_path, name, pair, models=("test-tiny-classifier",)):
    store = tmp_path / f"{name}.duckdb"
    process = tracker("run", "--pair", pair, "--store", str(store), "--set", "oracle-tests",
                      "--models", *models, env=_env(tmp_path), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    (result,) = stored(store, "SELECT * FROM results")
    verdicts = {v["oracle"]: v for v in stored(store, "SELECT * FROM verdicts")}
    metrics: dict[str, dict[str, float]] = {}
    for m in stored(store, "SELECT * FROM metrics"):
        metrics.setdefault(m["oracle"], {})[m["name"]] = m["value"]
    return result, verdicts, metrics


def test_a_correct_dynamic_export_passes_every_oracle(tmp_path):
    result, verdicts, metrics = _sweep(tmp_path, "ok", _pair(dynamic=True))
    assert result["outcome"] == "ok", result["message"]
    for oracle in ("onnx-checker", "numeric", "agreement", "dynamic-shapes", "robustness"):
        assert verdicts[oracle]["passed"] is True, (oracle, verdicts[oracle]["message"])
    assert metrics["dynamic-shapes"]["symbolic_input_dims"] == 1
    assert metrics["agreement"]["top1_agreement"] == 1.0
    # torch's PGD changes the source's predictions; the converted model follows it
    assert metrics["robustness"]["pgd.source_robust_accuracy"] < 1.0
    assert metrics["robustness"]["pgd.adversarial_agreement"] >= 0.9
    for name in ("latency_seconds", "eager_seconds", "session_rss_mb", "parameter_bytes", "size_ratio"):
        assert metrics["performance"][name] > 0, name


def test_a_converter_that_perturbs_one_weight_is_caught_and_is_the_converters(tmp_path):
    result, verdicts, metrics = _sweep(tmp_path, "perturbed", _pair("torch.onnx+perturbed-weight"))
    assert result["outcome"] == "incorrect"
    assert verdicts["numeric"]["passed"] is False
    assert verdicts["agreement"]["passed"] is False, metrics["agreement"]
    assert result["fault_location"] == "converter"  # the reference evaluator computes it wrong too
    assert verdicts["localize:onnx-reference"]["subkind"] == "converter"


def test_an_artifact_only_onnx_runtime_mis_executes_is_localized_to_the_runtime(tmp_path):
    result, verdicts, _ = _sweep(tmp_path, "runtime", _pair(runtime="onnxruntime+perturbed-output"))
    assert result["outcome"] == "incorrect"
    assert result["fault_location"] == "runtime"
    assert verdicts["localize:onnx-reference"]["passed"] is True


def test_a_fixed_shape_export_run_at_another_batch_size_is_flagged(tmp_path):
    result, verdicts, metrics = _sweep(tmp_path, "fixed", _pair("torch.onnx+fixed-shape", dynamic=True))
    assert verdicts["numeric"]["passed"] is True
    assert verdicts["dynamic-shapes"]["passed"] is False
    assert verdicts["dynamic-shapes"]["subkind"] == "fixed_shape"
    assert metrics["dynamic-shapes"]["symbolic_input_dims"] == 0
    assert (result["outcome"], result["fault_location"]) == ("incorrect", "converter")


def test_a_converter_writing_another_opset_than_asked_is_flagged(tmp_path):
    result, verdicts, metrics = _sweep(tmp_path, "opset", _pair("torch.onnx+other-opset"))
    checker = verdicts["onnx-checker"]
    assert (metrics["onnx-checker"]["opset_requested"], metrics["onnx-checker"]["opset"]) == (17, 18)
    assert checker["passed"] is False and checker["subkind"] == "opset_mismatch", checker
    assert "asked for opset 17, the artifact declares 18" in checker["message"]
    assert result["outcome"] == "invalid_model" and result["fault_location"] == "converter"


def test_the_exporters_reason_for_keeping_another_opset_is_in_the_verdict(tmp_path):
    """The dynamo exporter asked for opset 17 writes 18 where ONNX's version converter has no
    adapter down from 18 (BitwiseAnd is new in 18): torch.onnx only logs why; the checker's
    message keeps it."""
    store = tmp_path / "bitwise.duckdb"
    env = {k: v for k, v in _env(tmp_path).items() if k != "TRACKER_PLUGIN_MODULES"}
    process = tracker("run", "--pair", _pair(dynamo=True), "--store", str(store), "--models", "op-bitwise-logic",
                      env=env, timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    (checker,) = stored(store, "SELECT * FROM verdicts WHERE oracle = 'onnx-checker'")
    assert checker["subkind"] == "opset_mismatch", checker
    assert "asked for opset 17, the artifact declares 18. The converter said: " in checker["message"]
    assert "No Previous Version of BitwiseAnd" in checker["message"], checker["message"]
    (notes,) = stored(store, "SELECT notes FROM conversions")
    assert "target version 17" in notes["notes"]


@pytest.mark.filterwarnings("ignore")  # torch's deprecation warnings are not the failures wanted here
def test_the_stage_of_real_torch_onnx_failures():
    import torch
    from tracker_torch_onnx import failure_stage

    class DataDependent(torch.nn.Module):
        def forward(self, x):
            if x.sum() > 0:  # control flow on data: torch.export cannot capture it
                return x + 1
            return x - 1

    class Unsupported(torch.nn.Module):
        def forward(self, x):
            return torch.linalg.eigvals(x).real  # no ONNX translation

    stages = {}
    for name, model, dynamo in (("data", DataDependent(), True), ("eig", Unsupported(), False)):
        try:
            torch.onnx.export(model.eval(), (torch.randn(3, 3),), f"/tmp/_stage_{name}.onnx", dynamo=dynamo)
        except Exception as exc:  # noqa: BLE001 - the failure is the point
            stages[name] = failure_stage(exc)
        else:
            stages[name] = "exported"
    assert stages == {"data": "loading", "eig": "conversion"}


def _fgsm_made_by_the_framework(model, input_sets, epsilon):
    """FGSM as tracker_pytorch.attacks made it before the attacks moved to the robustness
    oracle (issue 15): chunks of 8 sets on the batch axis, labels from a no-grad forward
    pass, the mean float32 cross-entropy."""
    import torch
    from tracker_pytorch import flatten

    result = []
    for start in range(0, len(input_sets), 8):
        chunk = input_sets[start:start + 8]
        stacked = [torch.from_numpy(np.concatenate([s[i] for s in chunk], axis=0)) for i in range(len(chunk[0]))]
        clean, others = stacked[0], stacked[1:]
        with torch.no_grad():
            logits = flatten(model(clean, *others))[0]
        labels = logits.reshape(-1, logits.shape[-1]).argmax(dim=-1)
        x = clean.clone().requires_grad_(True)
        logits = flatten(model(x, *others))[0]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels)
        (grad,) = torch.autograd.grad(loss, x)
        x = torch.max(torch.min(x.detach() + epsilon * grad.sign(), clean + epsilon), clean - epsilon)
        offsets = np.cumsum([0, *(len(s[0]) for s in chunk)])
        result += [x.numpy()[offsets[i]:offsets[i + 1]] for i in range(len(chunk))]
    return result


@pytest.mark.parametrize("batch", [1, 3])
def test_fgsm_on_torch_gradients_is_the_fgsm_torch_made(batch):
    from tracker_faulty_torch import CLASSIFIER
    from tracker_oracles import attacks
    from tracker_pytorch import PyTorch

    from tracker.inputs import make_inputs

    framework = PyTorch()
    model = framework.build(CLASSIFIER)
    specs = [spec.resized({"batch": batch}) for spec in CLASSIFIER.inputs]
    clean = [make_inputs(specs, CLASSIFIER.seed, 1000 + i) for i in range(12)]  # a chunk of 8, one of 4
    made = attacks.fgsm(framework, model, clean, attacks.attack_recipe("fgsm", count=12, epsilon=0.1))
    before = _fgsm_made_by_the_framework(model, clean, 0.1)
    assert all(np.array_equal(new[0], old) for new, old in zip(made, before))
    assert not np.array_equal(made[0][0], clean[0][0])
