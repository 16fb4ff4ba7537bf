"""The three forms of a pipeline's ``plugins`` entry, and what makes an environment re-sync."""

from __future__ import annotations

import importlib.metadata
import json
import textwrap

import pytest

from tracker.errors import ConfigError
from tracker.install_plan import InstallStep
from tracker.matrix import load_matrix
from tracker.plugin_sources import BUNDLED, PATH, REQUIREMENT, check_local, classify, local_digest, resolve_entry
from tracker.registry import installed_from


def test_an_entry_is_a_directory_name_a_path_or_a_requirement(tmp_path):
    assert resolve_entry("pytorch", tmp_path) == "pytorch"
    assert resolve_entry("./my-models", tmp_path) == str(tmp_path / "my-models")
    assert resolve_entry("../elsewhere/mine", tmp_path / "envs") == str(tmp_path / "elsewhere" / "mine")
    assert resolve_entry("/srv/models", tmp_path) == "/srv/models"
    assert resolve_entry("my-models==1.2", tmp_path) == "my-models==1.2"
    assert resolve_entry("my-models @ file:///srv/my-models", tmp_path) == "my-models @ file:///srv/my-models"
    with pytest.raises(ValueError, match="neither a directory under plugins/ nor a version or URL"):
        resolve_entry("my.models", tmp_path)  # a bare distribution name that is no directory name
    with pytest.raises(ValueError, match="is not a plugin entry"):
        resolve_entry("my models ==", tmp_path)
    root = tmp_path / "plugins"
    assert classify("pytorch", root).kind == BUNDLED and classify("pytorch", root).path == root / "pytorch"
    assert classify(str(tmp_path / "my-models"), root).kind == PATH
    requirement = classify("my-models==1.2", root)
    assert (requirement.kind, requirement.local, requirement.install_args()) == (REQUIREMENT, False, ["my-models==1.2"])
    assert classify("pytorch", root).install_args() == ["-e", str(root / "pytorch")]


def test_a_path_in_a_matrix_file_is_relative_to_that_file_wherever_nox_runs(tmp_path, monkeypatch):
    home = tmp_path / "my-project"
    (home / "my-models").mkdir(parents=True)
    (home / "matrix.toml").write_text(textwrap.dedent("""
        [pipeline.mine]
        framework = "pytorch"
        converter = "torch.onnx"
        runtime = "onnxruntime"
        plugins = ["pytorch", "./my-models", "their-models==2.0"]
        [pipeline.mine.variant.torchscript]
        options = { dynamo = false }
        converter-axes.torch = ["2.13.0"]
        [pipeline.mine.runtime-axes]
        onnxruntime = ["1.31.1"]
    """))
    monkeypatch.chdir(tmp_path)  # not the matrix file's directory
    (pair,) = load_matrix(home / "matrix.toml")
    assert pair.plugins == ("pytorch", str(home / "my-models"), "their-models==2.0")
    (home / "matrix.toml").write_text((home / "matrix.toml").read_text().replace('"their-models==2.0"', '"x.y"'))
    with pytest.raises(ConfigError) as error:
        load_matrix(home / "matrix.toml")
    assert "plugins" in str(error.value) and "a path relative to the matrix file" in str(error.value)


def test_a_local_plugin_without_a_pyproject_is_refused_naming_what_there_is(tmp_path):
    root = tmp_path / "plugins"
    (root / "pytorch").mkdir(parents=True)
    (root / "pytorch" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    check_local(classify("pytorch", root), root, "envs/x.toml")
    with pytest.raises(ConfigError) as error:
        check_local(classify("pytorhc", root), root, "envs/x.toml: pipeline 'p'")
    assert "the plugin directories: pytorch" in str(error.value)
    with pytest.raises(ConfigError, match="relative to the matrix file"):
        check_local(classify(str(tmp_path / "nowhere"), root), root, "envs/x.toml")
    check_local(classify("anything==1.0", root), root, "envs/x.toml")  # a requirement is the installer's


def test_any_file_of_a_local_plugin_changes_the_digest_but_caches_do_not(tmp_path):
    plugin = tmp_path / "my-models"
    (plugin / "my_models").mkdir(parents=True)
    (plugin / "pyproject.toml").write_text("[project]\nname = 'my-models'\n")
    module = plugin / "my_models" / "__init__.py"
    module.write_text("CASES = 1\n")
    sources = [classify(str(plugin), tmp_path), classify("their-models==1.0", tmp_path)]
    before = local_digest(sources)
    for leftover in ("__pycache__/m.cpython-311.pyc", "my_models.egg-info/PKG-INFO", "build/lib/x.py"):
        (plugin / leftover).parent.mkdir(parents=True, exist_ok=True)
        (plugin / leftover).write_text("whatever")
    assert local_digest(sources) == before
    module.write_text("CASES = 2\n")
    assert local_digest(sources) != before
    module.write_text("CASES = 1\n")
    assert local_digest(sources) == before
    (plugin / "my_models" / "data.npz").write_bytes(b"\0")  # a new file is a change too
    assert local_digest(sources) != before


def test_a_reinstall_step_installs_only_what_it_names_again():
    step = InstallStep(("-e", "/p/core", "-e", "/p/mine"), reinstall=True)
    assert step.command("py", uv=True) == ["uv", "pip", "install", "--python", "py", "--no-deps", "--reinstall",
                                          "-e", "/p/core", "-e", "/p/mine"]
    assert step.command("py", uv=False)[3:6] == ["install", "--no-deps", "--force-reinstall"]


@pytest.mark.parametrize(("direct_url", "expected"), [
    (None, "index"),
    ({"url": "file:///srv/my-models", "dir_info": {"editable": True}}, "editable /srv/my-models"),
    ({"url": "file:///srv/my-models", "dir_info": {}}, "/srv/my-models"),
    ({"url": "https://example.org/m.whl", "archive_info": {}}, "https://example.org/m.whl"),
    ("not json", "index"),
])
def test_tracker_plugins_says_where_a_plugin_was_installed_from(tmp_path, direct_url, expected):
    info = tmp_path / "my_models-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-models\nVersion: 1.0\n")
    if direct_url is not None:
        text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url)
        (info / "direct_url.json").write_text(text)
    assert installed_from(importlib.metadata.PathDistribution(info)) == expected
