"""A folder of ONNX files, for real: the files tests/fixtures/onnx-folder holds (made by its
make_models.py with onnx) swept through the identity converter into ONNX Runtime with
`tracker run`, against ONNX's reference evaluator. Generated inputs, an .npz beside a
file, external data, a file that is not a model and one whose external data is missing;
a case's identity follows the bytes of its files, not their place."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES, ROOT, stored, tracker

pytestmark = pytest.mark.integration

FOLDER = FIXTURES / "onnx-folder"
MODEL_FILES = sorted(p.name for p in FOLDER.iterdir() if p.suffix in (".onnx", ".npz", ".data"))


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", FOLDER / "make_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_folder_is_what_its_script_writes(tmp_path):
    _make_models().write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == MODEL_FILES
    for name in MODEL_FILES:
        assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


@pytest.fixture
def models(tmp_path: Path) -> Path:
    """The fixture folder, and a model whose external data file is not beside it."""
    import onnx

    folder = tmp_path / "models"
    shutil.copytree(FOLDER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    model = onnx.load(folder / "external.onnx", load_external_data=False)
    for entry in model.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = "gone.data"
    onnx.save(model, folder / "missing_data.onnx")
    return folder


def _env(folder: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRACKER_PLUGINS", "TRACKER_PLUGIN_MODULES", "TRACKER_STORE", "TRACKER_ONNX_DIR")}
    if folder is not None:
        env["TRACKER_ONNX_DIR"] = str(folder)
    return env


def _pair(runtime: str = "1.24.4") -> str:
    from tracker.matrix import load_matrix

    pairs = load_matrix(ROOT / "envs" / "examples" / "onnx-files.toml")
    return next(p for p in pairs if p.id.endswith(f"onnxruntime-{runtime}")).to_json()


def test_the_folder_runs_in_onnx_runtime_against_the_reference_evaluator(models, tmp_path, store):
    env = _env(models) | {"TRACKER_CACHE": str(tmp_path / "cache")}
    run = tracker("run", "--pair", _pair(), "--store", str(store), "--jobs", "2", env=env, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    results = {r["case_id"]: r for r in stored(store)}
    assert {case: r["outcome"] for case, r in results.items()} == {
        "onnx-add": "ok", "onnx-matmul_relu": "ok", "onnx-square": "ok", "onnx-external": "ok",
        "onnx-newer_opset": "runtime_load_error",  # opset 26: onnxruntime 1.24.4 does not know it
        "onnx-broken": "env_error", "onnx-missing_data": "env_error"}, run.stdout
    # a file that cannot be a case is one failed case, saying which file and what to do
    broken, missing = results["onnx-broken"], results["onnx-missing_data"]
    assert broken["subkind"] == missing["subkind"] == "reference_failed"
    assert "broken.onnx cannot be read as an ONNX model" in broken["message"]
    assert "its external data file 'gone.data' is not beside it" in missing["message"]
    # the symbolic batch dimension is dynamic: run at another size too, and judged
    verdicts = stored(store, "SELECT case_id, oracle, passed FROM verdicts JOIN results USING (result_id)")
    assert {(v["case_id"], v["passed"]) for v in verdicts if v["oracle"] == "dynamic-shapes"
            and v["passed"] is not None} == {("onnx-matmul_relu", True)}
    assert all(v["passed"] for v in verdicts if v["oracle"] == "numeric")
    # the artifact is the file, byte for byte, with its external data beside it
    conversions = {c["case_id"]: c for c in stored(store, "SELECT * FROM conversions")}
    artifact = tmp_path / "cache" / conversions["onnx-external"]["artifact"]
    assert artifact.read_bytes() == (models / "external.onnx").read_bytes()
    assert (artifact.parent / "external.onnx.data").read_bytes() == (models / "external.onnx.data").read_bytes()
    table = tracker("results", "--store", str(store), env=env, check=True).stdout
    assert all(case in table for case in results)
    shown = tracker("models", "show", "onnx-matmul_relu", env=env, check=True).stdout
    assert "declared input: x float32 [batch, 4]" in shown, shown


def test_the_inputs_are_the_npz_beside_the_file_or_seeded_values_of_the_declared_shapes(models, monkeypatch):
    from tracker.inputs import make_inputs
    from tracker.registry import Registry

    monkeypatch.setenv("TRACKER_ONNX_DIR", str(models))
    registry = Registry.load()
    square = registry.case("onnx-square")
    assert square.samples == 3
    assert make_inputs(square.inputs, square.seed, 2)[0].tolist() == np.load(models / "square.npz")["x"][2].tolist()
    matmul = registry.case("onnx-matmul_relu")
    (x,) = make_inputs(matmul.inputs, matmul.seed, 0)
    assert (x.shape, x.dtype) == ((1, 4), np.float32)
    framework = registry.framework("onnx-files")
    (y,) = framework.run(framework.build(matmul), [x])
    weights = np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5)
    np.testing.assert_allclose(y, np.maximum(x @ weights, 0), rtol=1e-6)


def test_a_case_is_its_files_bytes_not_their_place(models, tmp_path, monkeypatch):
    from tracker.registry import Registry

    def hashes(folder: Path) -> dict[str, str]:
        monkeypatch.setenv("TRACKER_ONNX_DIR", str(folder))
        return {case.id: case.content_hash for case in Registry.load().cases if case.framework == "onnx-files"}

    before = hashes(models)
    moved = shutil.copytree(models, tmp_path / "elsewhere")
    after = hashes(moved)
    assert {case for case in before if before[case] != after[case]} == {"onnx-square"}  # its .npz is named by path
    (moved / "external.onnx.data").write_bytes(np.zeros(32, np.float32).tobytes())  # new weights
    np.savez(moved / "square.npz", x=np.ones((3, 3), np.float32))
    (moved / "add.onnx").write_bytes((models / "newer_opset.onnx").read_bytes())
    changed = hashes(moved)
    assert {case for case in after if after[case] != changed[case]} == {"onnx-external", "onnx-square", "onnx-add"}


def test_without_a_folder_or_a_file_in_it_the_sweep_says_what_to_do(store, tmp_path):
    run = tracker("run", "--pair", _pair(), "--store", str(store), env=_env(None), timeout=300)
    assert run.returncode != 0
    assert "the onnx-files framework is not usable here: no folder of ONNX files: set TRACKER_ONNX_DIR" in run.stderr
    run = tracker("run", "--pair", _pair(), "--store", str(store), env=_env(tmp_path), timeout=300)
    assert run.returncode != 0
    assert f"TRACKER_ONNX_DIR={tmp_path} holds no *.onnx file" in run.stderr
