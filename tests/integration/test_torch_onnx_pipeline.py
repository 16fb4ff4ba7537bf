"""Real conversions: torch.onnx (both exporters) -> ONNX Runtime, judged by the oracles."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, stored, tracker

pytestmark = pytest.mark.integration

CASES = ["op-resize-bilinear", "op-layer-norm", "hf-bert"]


def _env():
    import os

    env = dict(os.environ)
    for name in ("TRACKER_PLUGIN_MODULES", "TRACKER_PLUGINS", "TRACKER_STORE"):
        env.pop(name, None)
    return env


def _pair(variant: str) -> str:
    from tracker.matrix import load_matrix

    pair = next(p for p in load_matrix(ROOT / "envs") if p.variant == variant)
    return pair.to_json()


def test_every_builtin_plugin_is_usable_here():
    # onnx-files is, given a folder of ONNX files to read; without one, it says so
    folder = {"TRACKER_ONNX_DIR": str(FIXTURES / "onnx-folder")}
    rows = json.loads(tracker("plugins", "--json", env=_env() | folder, check=True).stdout)
    unusable = [r for r in rows if not r["usable"]]
    assert not unusable
    assert {r["name"] for r in rows} >= {"pytorch", "torch.onnx", "onnxruntime", "onnx-checker", "numeric",
                                         "onnx-files", "identity"}
    rows = json.loads(tracker("plugins", "--json", env=_env(), check=True).stdout)
    assert [(r["name"], r["reason"].split(":")[0]) for r in rows if not r["usable"]] == [
        ("onnx-files", "no folder of ONNX files")]


@pytest.mark.parametrize(("variant", "opset"), [("torchscript", 17), ("dynamo", 18)])
def test_both_exporters_convert_run_and_judge(store, variant, opset):
    process = tracker("run", "--pair", _pair(variant), "--store", str(store), "--models", *CASES,
                      "--jobs", "2", env=_env(), timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {r["case_id"]: r for r in stored(store)}
    assert set(results) == set(CASES)
    metrics = stored(store, """SELECT r.case_id, m.oracle, m.name, m.value
                               FROM metrics m JOIN results r USING (result_id)""")
    by_case: dict[str, dict[str, float]] = {}
    for row in metrics:
        by_case.setdefault(row["case_id"], {})[f"{row['oracle']}.{row['name']}"] = row["value"]
    converted = [c for c, r in results.items() if r["outcome"] not in ("convert_error", "crash", "timeout")]
    assert converted, f"nothing converted: {results}"
    for case in converted:
        assert by_case[case]["onnx-checker.opset_requested"] == opset
        assert "onnx-checker.ir_version" in by_case[case]
    ran = [c for c, r in results.items() if r["outcome"] in ("ok", "incorrect")]
    for case in ran:
        assert "numeric.max_abs_error" in by_case[case]
    # the operator-level case that every release handles is expected to be correct
    assert results["op-resize-bilinear"]["outcome"] == "ok", results["op-resize-bilinear"]
    assert stored(store, "SELECT count(*) AS n FROM conversions")[0]["n"] == len(CASES)


def test_references_are_identical_in_two_processes():
    code = (
        "import sys, hashlib; from tracker.registry import Registry; from tracker.inputs import make_inputs\n"
        "r = Registry.load(); fw = r.framework('pytorch')\n"
        "case = r.case(sys.argv[1])\n"
        "out = fw.run(fw.build(case), make_inputs(case.inputs, case.seed, 0))\n"
        "print(hashlib.sha256(b''.join(o.tobytes() for o in out)).hexdigest())\n"
    )
    digests = {
        subprocess.run([sys.executable, "-c", code, "hf-bert"], capture_output=True, text=True,
                       check=True, env=_env()).stdout
        for _ in range(2)
    }
    assert len(digests) == 1
