"""Synthetic graphs emitted to PyTorch: finite references, both torch.onnx exporters and
ONNX Runtime through the tracker's plugins, and stand-alone repro scripts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, stored, tracker

pytestmark = pytest.mark.integration

sys.path.insert(0, str(ROOT / "tests" / "unit" / "plugins"))  # the NumPy interpreter

from synthetic_numpy import close_to_interpreter  # noqa: E402

# 20 graphs, every size from 15 to 100 operators at least once (seed s has 15 + 5 (s % 18))
SEEDS = list(range(18)) + [18, 35]


def _env():
    import os

    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    return env


def _ids(framework: str = "pytorch") -> list[str]:
    from tracker_synthetic.catalog import case_id

    return [case_id(seed, framework) for seed in SEEDS]


def _pair(variant: str) -> str:
    from tracker.matrix import load_matrix

    pair = next(p for p in load_matrix(ROOT / "envs") if p.variant == variant)
    return pair.to_json()


def test_the_pytorch_references_of_20_graphs_are_finite_reproducible_and_compute_the_graph():
    """Finite, the same in two builds, and the function of the IR (the NumPy interpreter,
    which the Keras emissions are checked against too: so both frameworks compute the
    same function)."""
    from tracker.inputs import make_inputs
    from tracker.registry import Registry

    registry = Registry.load()
    framework = registry.framework("pytorch")
    for case_id in _ids():
        case = registry.case(case_id)
        model = framework.build(case)
        for sample in range(case.samples):
            inputs = make_inputs(case.inputs, case.seed, sample)
            outputs = framework.run(model, inputs)
            again = framework.run(framework.build(case), inputs)
            assert outputs, case_id
            for index, (output, other) in enumerate(zip(outputs, again)):
                if output.dtype.kind == "f":
                    assert np.isfinite(output).all(), f"{case_id} output {index} is not finite"
                assert np.array_equal(output, other), f"{case_id}: two builds differ"
            problems = close_to_interpreter(case, outputs, inputs)
            assert not problems, (case_id, problems)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The 20 graphs through both exporters and ONNX Runtime, in one store."""
    store = tmp_path_factory.mktemp("synthetic") / "store.duckdb"
    for variant in ("torchscript", "dynamo"):
        process = tracker("run", "--pair", _pair(variant), "--store", str(store), "--models", *_ids(),
                          "--jobs", "2", env=_env(), timeout=1800)
        assert process.returncode == 0, process.stdout + process.stderr
    return store


def test_both_exporters_and_onnxruntime_take_every_graph_and_most_convert_correctly(swept):
    results = stored(swept, "SELECT variant, case_id, outcome, stage, signature FROM results")
    assert len(results) == 2 * len(SEEDS)
    kinds = {row["kind"] for row in stored(swept, "SELECT DISTINCT kind FROM cases")}
    assert kinds == {"synthetic"}
    # the reference (our emission, run in PyTorch) never fails: every failure is downstream
    assert not [r for r in results if r["stage"] in ("setup", "reference")], results
    for variant in ("torchscript", "dynamo"):
        outcomes = [r["outcome"] for r in results if r["variant"] == variant]
        assert outcomes.count("ok") >= len(SEEDS) // 2, (variant, outcomes)


def test_a_repro_script_of_a_synthetic_case_runs_stand_alone(swept, tmp_path):
    rows = stored(swept, "SELECT result_id, case_id, outcome FROM results WHERE variant = 'torchscript' "
                         "ORDER BY outcome = 'ok', case_id")
    chosen = rows[0]  # a failure if there is one, else a passing case (its script must say so)
    script = tmp_path / "repro.py"
    process = tracker("repro", chosen["result_id"], "--store", str(swept), "-o", str(script), env=_env())
    assert process.returncode == 0, process.stdout + process.stderr
    text = script.read_text()
    assert "def build_torch(seed, nodes):" in text and "tracker_synthetic" not in text.split("# -- the inputs")[0]
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                         cwd=tmp_path, check=False)
    assert "Traceback" not in run.stderr or chosen["outcome"] != "ok", run.stderr
    if chosen["outcome"] == "ok":
        assert run.returncode == 0 and "outputs match the reference" in run.stdout, run.stdout + run.stderr
    elif chosen["outcome"] == "incorrect":
        assert run.returncode == 1 and "output" in run.stdout, run.stdout + run.stderr


def test_models_show_prints_the_graph_and_the_program_and_the_hash_is_stable():
    process = tracker("models", "show", "syn-s0007-n50", env=_env(), check=True)
    assert "generator:   tracker-synthetic" in process.stdout
    assert "#   return %" in process.stdout and "class SyntheticModel(torch.nn.Module):" in process.stdout
    listing = [json.loads(tracker("models", "list", "--set", "smoke", "--json", env=_env(), check=True).stdout)
               for _ in range(2)]
    assert listing[0] == listing[1]
    assert {c["id"] for c in listing[0] if c["kind"] == "synthetic"} >= {"syn-s0000-n15", "syn-s0000-n15-tf"}
