import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tracker.errors import ConfigError
from tracker.matrix import Pair, load_matrix

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[pipeline.p]
framework = "fw"
converter = "conv"
runtime = "rt"
plugins = ["a"]
requires = ["onnx==1.23.1"]

[pipeline.p.variant.v1]
options = { opset = 17 }
converter-axes.torch = ["2.13.0"]

[pipeline.p.variant.v2]
converter-axes.torch = ["2.13.0"]
converter-axes.onnxscript = ["0.7.2", "0.10.0", "0.6.2"]

[pipeline.p.runtime-axes]
onnxruntime = [{ version = "1.17.3", with = ["numpy<2"], why = "NumPy 1 ABI" }, "1.31.1"]

[[pipeline.p.exclude]]
match = { onnxscript = "0.6.2", onnxruntime = "1.17.3" }
why = "never installable together (for the test)"
"""


def _write(tmp_path, text, name="m.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_pairs_are_the_product_of_the_axes_minus_exclusions(tmp_path):
    pairs = load_matrix(_write(tmp_path, GOOD))
    assert len(pairs) == 2 + (3 * 2 - 1)
    ids = [p.id for p in pairs]
    assert "p.v1 torch-2.13.0 onnxruntime-1.17.3" in ids
    assert "p.v2 torch-2.13.0 onnxscript-0.6.2 onnxruntime-1.17.3" not in ids
    # versions are ordered as versions, not strings: 0.10.0 after 0.7.2
    v2 = [p for p in pairs if p.variant == "v2" and p.runtime_axes[0].version == "1.31.1"]
    assert [p.converter_axes[1].version for p in v2] == ["0.6.2", "0.7.2", "0.10.0"]


def test_companion_pins_travel_with_their_axis_value(tmp_path):
    pairs = {p.id: p for p in load_matrix(_write(tmp_path, GOOD))}
    old = pairs["p.v1 torch-2.13.0 onnxruntime-1.17.3"]
    new = pairs["p.v1 torch-2.13.0 onnxruntime-1.31.1"]
    assert old.requirements() == ["torch==2.13.0", "onnxruntime==1.17.3", "numpy<2", "onnx==1.23.1"]
    assert "numpy<2" not in new.requirements()
    assert old.requested() == {"torch": "==2.13.0", "onnxruntime": "==1.17.3", "numpy": "<2",
                               "onnx": "==1.23.1"}


def test_a_pair_survives_json(tmp_path):
    for pair in load_matrix(_write(tmp_path, GOOD)):
        assert Pair.from_json(pair.to_json()) == pair


CUDA_TORCH = ('converter-axes.torch = ["2.13.0", { version = "2.14.1", allow-cuda = %s }]'
              '\n\n[pipeline.p.variant.v2]')


def _with_cuda_torch(value: str) -> str:
    text = textwrap.dedent(GOOD)
    old = 'converter-axes.torch = ["2.13.0"]\n\n[pipeline.p.variant.v2]'
    assert old in text
    return text.replace(old, CUDA_TORCH % value)


def test_allow_cuda_is_the_reason_of_one_axis_value_only(tmp_path):
    text = _with_cuda_torch('"only a CUDA build is on the index"')
    pairs = {p.id: p for p in load_matrix(_write(tmp_path, text))}
    cuda = pairs["p.v1 torch-2.14.1 onnxruntime-1.31.1"]
    assert cuda.cuda_allowances() == ["torch==2.14.1: only a CUDA build is on the index"]
    assert pairs["p.v1 torch-2.13.0 onnxruntime-1.31.1"].cuda_allowances() == []
    assert all(p.cuda_allowances() == [] for p in pairs.values() if p.variant == "v2")
    assert Pair.from_json(cuda.to_json()) == cuda
    # the reason says where CUDA may come; it is no pin
    assert cuda.requirements() == ["torch==2.14.1", "onnxruntime==1.31.1", "onnx==1.23.1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [('""', "must say why"), ('"  "', "must say why"), ("true", "must be a str, not bool")],
)
def test_allow_cuda_must_say_why(tmp_path, value, expected):
    key = "pipeline.p.variant.v1.converter-axes.torch.allow-cuda"
    with pytest.raises(ConfigError, match=rf"m.toml:11: key '{key}': {expected}"):
        load_matrix(_write(tmp_path, _with_cuda_torch(value)))


def test_tags_allow_selection_by_nox_keywords(tmp_path):
    pair = load_matrix(_write(tmp_path, GOOD))[0]
    assert {"p", "v1", "onnxruntime-1.17.3", "onnxruntime_1_17_3"} <= set(pair.all_tags)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('runtime = "rt"', 'runtim = "rt"'), r"m.toml:\d+: key 'pipeline.p.runtim': unknown key"),
        (('"1.31.1"]', '"1.31.x"]'), r"m.toml:\d+: key 'pipeline.p.runtime-axes.onnxruntime': '1.31.x' is not a valid version"),
        (('plugins = ["a"]', 'plugins = "a"'), r"m.toml:6: key 'pipeline.p.plugins': must be a list, not str"),
        (('why = "never', 'whyy = "never'), r"unknown key"),
        (('["onnx==1.23.1"]', '["onnx==1.0 extra"]'), r"key 'pipeline.p.requires': invalid requirement 'onnx==1.0 extra'"),
        (('framework = "fw"\n', ''), r"missing required key 'framework'"),
        (('[pipeline.p.runtime-axes]', '[pipeline.p.runtime-axes'), r"m.toml:17: not valid TOML: Expected ']'"),
        (('"2.13.0"]\n\n[pipeline.p.variant.v2]', '"2.13.0", "2.13.0"]\n\n[pipeline.p.variant.v2]'),
         r"repeated version"),
    ],
)
def test_a_malformed_file_names_the_file_the_line_and_the_key(tmp_path, edit, expected):
    text = textwrap.dedent(GOOD).replace(*edit)
    assert text != textwrap.dedent(GOOD)
    with pytest.raises(ConfigError, match=expected):
        load_matrix(_write(tmp_path, text))


def test_a_pipeline_defined_twice_is_an_error(tmp_path):
    _write(tmp_path, GOOD, "a.toml")
    _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ConfigError, match="pipeline also defined in"):
        load_matrix(tmp_path)


def test_an_exclusion_must_say_why(tmp_path):
    text = textwrap.dedent(GOOD).replace('why = "never installable together (for the test)"\n', "")
    with pytest.raises(ConfigError, match="needs 'match' and 'why'"):
        load_matrix(_write(tmp_path, text))


def test_missing_matrix_location_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_matrix(tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"no \*.toml"):
        load_matrix(tmp_path)


def test_the_shipped_default_matrix():
    pairs = load_matrix(ROOT / "envs")
    torch_onnx = [p for p in pairs if p.pipeline == "torch-onnx"]
    variants = {p.variant for p in torch_onnx}
    assert {"torchscript", "dynamo"} <= variants
    assert all(p.options["dynamo"] is p.variant.startswith("dynamo") for p in torch_onnx)
    onnxscript = {a.version for p in torch_onnx for a in p.converter_axes if a.package == "onnxscript"}
    runtimes = sorted({a.version for p in torch_onnx for a in p.runtime_axes}, key=Version)
    assert len(onnxscript) >= 3
    assert len(runtimes) >= 4
    assert Version(runtimes[0]) < Version("1.18") and Version(runtimes[-1]) >= Version("1.30")
    # every pin of torch is exact: an unpinned torch would download a CUDA build
    for pair in pairs:
        torch_pins = [r for r in pair.requirements() if Requirement(r).name == "torch"]
        assert all(r.startswith("torch==") for r in torch_pins), pair.id
        assert torch_pins or pair.framework != "pytorch", pair.id
    # torch is an axis of both exporters; the release that brings torchvision and timm is
    # the only one allowed to install CUDA packages, and says why
    torches = {variant: {a.version for p in torch_onnx if p.variant == variant
                         for a in p.converter_axes if a.package == "torch"}
               for variant in ("torchscript", "dynamo")}
    assert all(len(versions) >= 2 for versions in torches.values()), torches
    for pair in torch_onnx:
        vision = {"torchvision", "timm"} <= {Requirement(r).name for r in pair.requirements()}
        assert bool(pair.cuda_allowances()) == vision, pair.id


# -- issue 20: the whole matrix is validated when it is read (at `nox -l`), one line each


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("converter-axes.torch = [\"2.13.0\"]\n\n[pipeline.p.variant.v2]",
                         "converter-axes.\"torch vision\" = [\"2.13.0\"]\n\n[pipeline.p.variant.v2]"),
     "not a distribution name"),
    (lambda t: t.replace('plugins = ["a"]', 'plugins = ["a b"]'), "is not a plugin entry"),
    (lambda t: t.replace('plugins = ["a"]', 'plugins = [1]'), "non-empty strings"),
    (lambda t: t.replace("options = { opset = 17 }", "options = { when = 1979-05-27 }"), "only strings, numbers"),
    (lambda t: t.replace('runtime = "rt"', 'runtime = "rt"\nsecond-runtime = "rt2"\nsecond-runtime-timeout = nan'),
     "not a usable timeout"),
    (lambda t: t.replace("[pipeline.p.variant.v2]", "[pipeline.p.variant.\"v 2\"]")
              .replace("[pipeline.p.variant.v2", "[pipeline.p.variant.\"v 2\""), "not a variant name"),
])
def test_a_bad_value_anywhere_is_a_config_error_at_load_time(tmp_path, edit, message):
    with pytest.raises(ConfigError, match=message):
        load_matrix(_write(tmp_path, edit(GOOD)))


def test_a_matrix_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "m.toml"
    path.write_bytes(textwrap.dedent(GOOD).encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_matrix(path)


def test_a_missing_plugin_directory_fails_nox_list_in_one_line(tmp_path):
    import subprocess
    import sys

    path = _write(tmp_path, GOOD.replace('plugins = ["a"]', 'plugins = ["no-such-plugin"]'))
    env = {**__import__("os").environ, "TRACKER_MATRIX": str(path)}
    process = subprocess.run([sys.executable, "-m", "nox", "-l", "-f", str(ROOT / "noxfile.py")],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert process.returncode != 0 and "Traceback" not in process.stderr, process.stderr
    assert "no-such-plugin" in process.stderr and "pyproject.toml" in process.stderr


def test_a_missing_pair_file_is_an_option_error(tmp_path):
    from conftest import tracker

    process = tracker("run", "--pair-file", str(tmp_path / "nope.json"))
    assert process.returncode == 3 and "cannot read --pair-file" in process.stderr
    assert "Traceback" not in process.stderr
