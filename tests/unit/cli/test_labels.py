"""One name per environment (issue 18): the label `tracker results`, `history` and
`regressions` print is the nox session's parameter, for real pairs of ``envs/``; torch
2.14.1's companion pins (torchvision, timm) are not axes; every line fits the width."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import ROOT, tracker
from tracker_fake_plugin import fake_case

from tracker.envinfo import Environment
from tracker.matrix import Pair, load_matrix
from tracker.store import ResultRecord, Store

LONG = "RuntimeError: " + "a very long converter message " * 30  # 914 characters


def _record(store: Store, pair: Pair, case, outcome: str = "ok", signature: str | None = None,
            installed: dict[str, str] | None = None) -> None:
    """A run of ``pair`` as the sweep records it: the environment labelled with the first
    pair that built it (variants installing the same packages share it), the run with its own."""
    packages = installed or {a.package: a.version for a in pair.axes}
    env = Environment("3.11.7", "linux-x86_64", dict(sorted(packages.items())))
    store.record_environment(env, label=pair.id, requested=pair.requested(), buildable=True)
    run_id = store.start_run(env_id=env.env_id, label=pair.id, pipeline=pair.pipeline, variant=pair.variant,
                             model_set=None, manifest_hash="m", case_count=1, argv=[])
    store.record_result(ResultRecord(
        run_id=run_id, env_id=env.env_id, config_key=f"config-{pair.variant}", pipeline=pair.pipeline,
        variant=pair.variant, framework=pair.framework, converter=pair.converter, runtime=pair.runtime,
        case_id=case.id, case_hash=case.content_hash, outcome=outcome, signature=signature, verdicts=[]))


def _pairs(*ids: str) -> list[Pair]:
    by_id = {pair.id: pair for pair in load_matrix(ROOT / "envs")}
    return [by_id[i] for i in ids]


# the two CoreML variants that install the same packages, so share one environment (the
# label issue 18 saw), and torch 2.13.0 and 2.14.1 with torchvision and timm beside it
SHARED = ("torch-coreml.mlprogram-fp16 torch-2.13.0 numpy-2.4.6 coremltools-9.0",
          "torch-coreml.mlprogram-fp32 torch-2.13.0 coremltools-9.0")
TORCH = ("torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1",
         "torch-onnx.torchscript torch-2.14.1 onnxruntime-1.31.1")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    path = tmp_path_factory.mktemp("labels") / "store.duckdb"
    case = fake_case("labelled")
    with Store.open(path) as store:
        store.record_cases([case])
        fp16, fp32 = _pairs(*SHARED)
        same = {"torch": "2.13.0", "numpy": "2.4.6", "coremltools": "9.0"}
        _record(store, fp16, case, installed=same)
        _record(store, fp32, case, installed=same)
        old, new = _pairs(*TORCH)
        _record(store, old, case)
        _record(store, new, case, outcome="convert_error", signature=LONG,
                installed={**{a.package: a.version for a in new.axes}, "torchvision": "0.29.1", "timm": "1.0.31"})
    return path


def test_results_name_each_column_by_its_pair(swept):
    rows = json.loads(tracker("results", "--store", str(swept), "--format", "json", check=True).stdout)
    assert sorted({row["label"] for row in rows}) == sorted([*SHARED, *TORCH])
    table = tracker("results", "--store", str(swept), check=True).stdout
    assert all(label in table for label in [*SHARED, *TORCH])


@pytest.mark.skipif(shutil.which("nox") is None, reason="nox is not on PATH: it lists the sessions")
def test_a_label_from_results_selects_its_nox_session(swept):
    listed = subprocess.run(["nox", "-l", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    sessions = {session["session"] for session in json.loads(listed.stdout)}
    rows = json.loads(tracker("results", "--store", str(swept), "--format", "json", check=True).stdout)
    for label in {row["label"] for row in rows}:
        assert f"sweep({label})" in sessions, f"`nox -s \"sweep({label})\"` selects no session"


def test_companion_pins_are_no_axes_and_history_is_in_version_order(swept):
    found = tracker("regressions", "--store", str(swept), "--width", "0", check=True).stdout
    assert "torch-onnx.torchscript torch 2.13.0 -> 2.14.1: 1" in found  # nothing else varies
    assert "torch-onnx.torchscript: torch\n" in found
    assert "timm (absent) -> 1.0.31" in found  # not an axis: named as changed along
    assert f"  {TORCH[0]}\n  {TORCH[1]}\n" in found  # the environments, by name
    history = tracker("history", "labelled", "--store", str(swept), "--width", "0", check=True).stdout
    torch_lines = [line for line in history.splitlines() if line.startswith("torch-onnx.torchscript")]
    assert [line.split("  ")[0] for line in torch_lines] == list(TORCH)


@pytest.mark.parametrize("width", ["60", "100"])
def test_every_line_fits_the_terminal(swept, width):
    env_width = {"COLUMNS": width}
    from conftest import fake_env

    for command in (["fixes"], ["history", "labelled"], ["regressions", "--all"], ["regressions"]):
        output = tracker(*command, "--store", str(swept), env=fake_env(**env_width), check=True).stdout
        longest = max(output.splitlines(), key=len)
        assert len(longest) <= int(width), f"tracker {' '.join(command)}: {longest!r}"
    (case,) = [line for line in output.splitlines() if "convert_error" in line]
    assert case.endswith("...") and len(case) == int(width)  # the 914 characters cut


def test_a_width_too_narrow_is_a_clear_error(swept):
    process = tracker("regressions", "--store", str(swept), "--width", "12")
    assert process.returncode == 3 and "a number of columns from 40" in process.stderr
