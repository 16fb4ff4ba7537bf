"""The order of the sweep: pairs that run here first, newest steps before the history."""

import textwrap
from pathlib import Path

import pytest

from tracker.errors import ConfigError
from tracker.matrix import Pair, load_matrix
from tracker.matrix_order import by_usefulness, runs_here

ROOT = Path(__file__).resolve().parents[2]

MATRIX = """
[pipeline.mac]
framework = "fw"
converter = "conv"
runtime = "coreml-like"
plugins = ["a"]
runs-on = ["darwin"]

[pipeline.mac.variant.only]
converter-axes.torch = ["2.13.0"]

[pipeline.mac.runtime-axes]
tools = ["8.0", "9.0"]

[pipeline.p]
framework = "fw"
converter = "conv"
runtime = "rt"
plugins = ["a"]

[pipeline.p.variant.first]
converter-axes.torch = ["2.13.0", "2.14.1"]

[pipeline.p.variant.second]
converter-axes.torch = ["2.13.0", "2.14.1"]
converter-axes.onnxscript = ["0.6.2", "0.7.2", "0.10.0"]

[pipeline.p.runtime-axes]
onnxruntime = ["1.17.3", "1.24.4", "1.31.1"]
"""


def _pairs(tmp_path) -> list[Pair]:
    path = tmp_path / "m.toml"
    path.write_text(textwrap.dedent(MATRIX))
    return load_matrix(path)


def _short(pair: Pair) -> str:
    return f"{pair.variant} " + " ".join(a.version for a in pair.axes)


def test_newest_pairs_and_their_neighbour_steps_come_first_variant_by_variant(tmp_path):
    ordered = [_short(p) for p in by_usefulness(_pairs(tmp_path), platform="linux")]
    # each variant's newest pair, then its runtime step back, then its converter steps back
    assert ordered[:3] == ["first 2.14.1 1.31.1", "first 2.14.1 1.24.4", "first 2.13.0 1.31.1"]
    # versions as versions: 0.10.0 is onnxscript's newest, not 0.7.2
    assert ordered[3:7] == ["second 2.14.1 0.10.0 1.31.1", "second 2.14.1 0.10.0 1.24.4",
                            "second 2.13.0 0.10.0 1.31.1", "second 2.14.1 0.7.2 1.31.1"]
    # then the history, newest first within each variant
    assert ordered[7] == "first 2.14.1 1.17.3"
    assert ordered.index("first 2.13.0 1.17.3") < ordered.index("second 2.14.1 0.10.0 1.17.3")


def test_pairs_whose_runtime_cannot_run_here_come_last(tmp_path):
    pairs = _pairs(tmp_path)
    on_linux = by_usefulness(pairs, platform="linux")
    assert [p.pipeline for p in on_linux[-2:]] == ["mac", "mac"]
    assert {p.pipeline for p in on_linux[:-2]} == {"p"}
    on_mac = by_usefulness(pairs, platform="darwin")
    assert on_mac[0].pipeline == "mac"  # first in the files, and runnable there
    assert not runs_here(on_linux[-1], "linux") and runs_here(on_linux[0], "linux")


def test_the_order_keeps_every_pair_once(tmp_path):
    pairs = _pairs(tmp_path)
    ordered = by_usefulness(pairs, platform="linux")
    assert sorted(p.id for p in ordered) == sorted(p.id for p in pairs)
    assert by_usefulness(list(reversed(pairs)), platform="linux") != []  # any input order works


def test_runs_on_survives_json_and_must_name_platforms(tmp_path):
    mac = [p for p in _pairs(tmp_path) if p.pipeline == "mac"][0]
    assert mac.runs_on == ("darwin",)
    assert Pair.from_json(mac.to_json()) == mac
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(MATRIX).replace('runs-on = ["darwin"]', "runs-on = [1]"))
    with pytest.raises(ConfigError, match="runs-on"):
        load_matrix(path)


def test_the_shipped_matrix_starts_with_torchscript_newest_step_and_ends_with_core_ml():
    ordered = by_usefulness(load_matrix(ROOT / "envs"), platform="linux")
    first, second = ordered[0], ordered[1]
    assert (first.pipeline, first.variant) == ("torch-onnx", "torchscript")
    # the step between the newest two onnxruntime releases of TorchScript comes first
    assert first.converter_axes == second.converter_axes
    assert first.runtime_axes != second.runtime_axes
    runtimes = [p for p in ordered if p.runtime == "coreml"]
    assert runtimes and ordered[-len(runtimes):] == runtimes
