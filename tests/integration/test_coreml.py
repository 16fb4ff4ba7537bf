"""Real conversions with coremltools (the `integration_coreml` nox session): small PyTorch
models and a small Keras model through the sweep's own child processes, the coreml-spec
oracle's verdict and metrics, and the runtime's `not_runnable` off macOS. The oracle is
also shown failing on artifacts whose interface is not the source's."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import sys
import warnings
from pathlib import Path

import pytest
from packaging.version import Version

from conftest import ROOT, stored, tracker

pytestmark = pytest.mark.coreml

INTEGRATION = Path(__file__).resolve().parent
TORCH_CASES = ["op-conv-transpose", "op-topk"]
ON_MAC = sys.platform == "darwin"


def _env(tmp_path: Path, *modules: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    env["TRACKER_CACHE"] = str(tmp_path / "cache")
    if modules:
        env["TRACKER_PLUGIN_MODULES"] = ",".join(modules)
        env["PYTHONPATH"] = os.pathsep.join([str(INTEGRATION), env.get("PYTHONPATH", "")])
    return env


def _pair(variant: str, pipeline: str = "torch-coreml") -> str:
    """The pipeline variant's pair of envs/coreml.toml at the installed versions, judged by
    the coreml-spec and numeric oracles only (agreement and robustness make adversarial
    inputs first: minutes for nothing where the runtime cannot run)."""
    from tracker.matrix import load_matrix

    def installed(axis) -> bool:  # installed at this version (local labels aside: 2.13.0+cpu)
        try:
            return Version(importlib.metadata.version(axis.package)).public == Version(axis.version).public
        except importlib.metadata.PackageNotFoundError:
            return False

    pairs = [p for p in load_matrix(ROOT / "envs" / "coreml.toml") if (p.pipeline, p.variant) == (pipeline, variant)]
    here = [p for p in pairs if all(installed(a) for a in p.axes)]
    return dataclasses.replace((here or pairs)[-1], oracles=("coreml-spec", "numeric")).to_json()


def _run(tmp_path: Path, store: Path, pair: str, cases: list[str], *modules: str, model_set: str = "default"):
    process = tracker("run", "--pair", pair, "--store", str(store), "--set", model_set, "--models", *cases,
                      "--jobs", "1", env=_env(tmp_path, *modules), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {r["case_id"]: r for r in stored(store)}
    assert set(results) == set(cases), process.stdout
    return results


def _spec_metrics(store: Path) -> dict[str, dict[str, float]]:
    rows = stored(store, """SELECT r.case_id, m.name, m.value FROM metrics m JOIN results r USING (result_id)
                            WHERE m.oracle = 'coreml-spec'""")
    metrics: dict[str, dict[str, float]] = {}
    for row in rows:
        metrics.setdefault(row["case_id"], {})[row["name"]] = row["value"]
    return metrics


def _verdicts(store: Path) -> dict[tuple[str, str], dict]:
    rows = stored(store, "SELECT r.case_id, v.* FROM verdicts v JOIN results r USING (result_id)")
    return {(row["case_id"], row["oracle"]): row for row in rows}


def _assert_judged_then_not_runnable(results: dict, verdicts: dict) -> None:
    for case, result in results.items():
        assert verdicts[(case, "coreml-spec")]["passed"] is True, verdicts[(case, "coreml-spec")]
        if ON_MAC:
            assert result["outcome"] in ("ok", "incorrect"), result
        else:
            assert result["outcome"] == "not_runnable", result
            assert result["signature"].startswith("not runnable: Core ML runs on macOS only"), result
            assert (case, "numeric") not in verdicts  # nothing ran, so nothing was compared


@pytest.fixture(scope="module")
def torch_runs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """The PyTorch cases converted by each traced variant: variant -> (store, cache)."""
    root = tmp_path_factory.mktemp("coreml-torch")
    runs = {}
    for variant in ("mlprogram-fp16", "mlprogram-fp32", "neuralnetwork"):
        store = root / f"{variant}.duckdb"
        _run(root, store, _pair(variant), TORCH_CASES)
        runs[variant] = (store, root / "cache")
    return runs


def test_pytorch_models_convert_to_both_formats_and_their_spec_is_the_sources(torch_runs):
    by_variant = {}
    for variant, (store, _cache) in torch_runs.items():
        results = {r["case_id"]: r for r in stored(store)}
        _assert_judged_then_not_runnable(results, _verdicts(store))
        by_variant[variant] = _spec_metrics(store)
        artifact = stored(store, "SELECT artifact FROM conversions WHERE case_id = 'op-topk'")[0]["artifact"]
        assert artifact.endswith("model.mlpackage" if variant.startswith("mlprogram") else "model.mlmodel")
    conv = {variant: metrics["op-conv-transpose"] for variant, metrics in by_variant.items()}
    for metrics in conv.values():
        assert metrics["source_parameter_bytes"] > 0 and metrics["convert_seconds"] > 0
        assert metrics["size_ratio"] == pytest.approx(metrics["artifact_bytes"] / metrics["source_parameter_bytes"])
    # float32 weights hold at least the source's bytes; float16 fewer
    assert conv["mlprogram-fp32"]["weights_bytes"] >= conv["mlprogram-fp32"]["source_parameter_bytes"]
    assert conv["mlprogram-fp16"]["weights_bytes"] < conv["mlprogram-fp32"]["weights_bytes"]
    assert conv["mlprogram-fp16"]["ops"] > 0 and conv["neuralnetwork"]["layers"] > 0
    assert conv["mlprogram-fp16"]["spec_version"] == conv["mlprogram-fp16"]["spec_version_requested"] == 6
    # topk's int64 indices: INT32 in an ML program, FLOAT32 in a neural network (which
    # computes in floating point): stand-ins, counted; a neural network declares no
    # output shape
    for variant in ("mlprogram-fp32", "neuralnetwork"):
        assert by_variant[variant]["op-topk"]["dtype_stand_ins"] == 1
    assert by_variant["mlprogram-fp32"]["op-topk"]["undeclared_output_shapes"] == 0
    assert by_variant["neuralnetwork"]["op-topk"]["undeclared_output_shapes"] == 2


def test_a_keras_model_converts_and_its_inputs_carry_the_cases_names(tmp_path):
    pytest.importorskip("tensorflow", reason="the integration_coreml session installs tensorflow-cpu")
    store = tmp_path / "keras.duckdb"
    pair = _pair("mlprogram-fp16", pipeline="keras-coreml")
    results = _run(tmp_path, store, pair, ["test-keras-cnn"], "coreml_keras_case", model_set="coreml-test")
    _assert_judged_then_not_runnable(results, _verdicts(store))
    metrics = _spec_metrics(store)["test-keras-cnn"]
    assert metrics["inputs"] == 2 and metrics["outputs"] == 2
    assert metrics["source_parameter_bytes"] > 0 and metrics["ops"] > 0


# -- the oracle on artifacts whose interface is not the source's -------------------------------


def _coremltools():
    with warnings.catch_warnings():  # its own deprecation warnings, raised while importing
        warnings.simplefilter("ignore")
        import coremltools

    return coremltools


def _evidence(case_id: str, artifact: Path, options: dict):
    from tracker.api import Evidence
    from tracker.inputs import make_inputs
    from tracker.registry import Registry

    registry = Registry.load()
    case = registry.case(case_id)
    framework = registry.framework(case.framework)
    inputs = make_inputs(case.inputs, case.seed, 0)
    expected = framework.run(framework.build(case), inputs)
    return Evidence(case=case, artifact=artifact, artifact_format="coreml", options={}, converter_options=options,
                    inputs=[inputs], expected=[expected])


def test_the_spec_oracle_fails_an_interface_that_is_not_the_sources(torch_runs, tmp_path):
    ct = _coremltools()
    from tracker_coreml.spec import CoremlSpec

    store, cache = torch_runs["neuralnetwork"]
    relative = stored(store, "SELECT artifact FROM conversions WHERE case_id = 'op-topk'")[0]["artifact"]
    artifact = cache / relative
    options = json.loads(_pair("neuralnetwork"))["options"]
    oracle = CoremlSpec()
    evidence = _evidence("op-topk", artifact, options)
    assert oracle.judge(evidence).passed is True  # the artifact as converted

    spec = ct.utils.load_spec(str(artifact))
    ct.utils.rename_feature(spec, "x", "input")
    renamed = tmp_path / "renamed.mlmodel"
    ct.utils.save_spec(spec, str(renamed))
    verdict = oracle.judge(dataclasses.replace(evidence, artifact=renamed))
    assert (verdict.passed, verdict.subkind) == (False, "name"), verdict

    one_output = dataclasses.replace(evidence, expected=[evidence.expected[0][:1]])
    verdict = oracle.judge(one_output)
    assert (verdict.passed, verdict.subkind) == (False, "count"), verdict

    input_shape = dataclasses.replace(evidence.case.inputs[0], shape=(4, 11, 6))
    wrong = dataclasses.replace(evidence, case=dataclasses.replace(evidence.case, inputs=(input_shape,)))
    verdict = oracle.judge(wrong)
    assert (verdict.passed, verdict.subkind) == (False, "shape"), verdict

    as_mlprogram = dataclasses.replace(evidence, converter_options={**options, "convert_to": "mlprogram"})
    verdict = oracle.judge(as_mlprogram)
    assert (verdict.passed, verdict.subkind) == (False, "format"), verdict

    broken = tmp_path / "broken.mlmodel"
    broken.write_bytes(b"not a protobuf")
    verdict = oracle.judge(dataclasses.replace(evidence, artifact=broken))
    assert (verdict.passed, verdict.subkind) == (False, "unreadable"), verdict
