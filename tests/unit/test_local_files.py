"""Local weights (``ModelCase.weights``) and the files cases name: found beside a module or
by an absolute path, their bytes (never their place) in the case's identity, a missing one
a clear error. No framework here: the checkpoints are plain bytes."""

from __future__ import annotations

import textwrap

import pytest

from tracker.cases import ModelCase
from tracker.errors import CaseFileError, InternalError
from tracker.local_files import digest, location_problem, resolve

BUILDER = """
    def build(width):
        return width
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A plugin module ``weights_plugin`` with a ``weights/`` folder beside it."""
    package = tmp_path / "weights_plugin"
    (package / "weights").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(BUILDER))
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def _case(**changes) -> ModelCase:
    return ModelCase(**{"id": "weighted", "framework": "fw", "builder": "weights_plugin:build",
                        "params": {"width": 4}, **changes})


def test_a_case_without_weights_has_no_weights_in_its_recipe(plugin):
    assert "weights" not in _case().recipe()
    assert _case().weights_path() is None


def test_the_weights_files_bytes_are_in_the_hash(plugin):
    checkpoint = plugin / "weights" / "model.pt"
    checkpoint.write_bytes(b"weights, first training run")
    case = _case(weights="weights_plugin:weights/model.pt")
    assert case.weights_path() == checkpoint
    first = case.content_hash
    assert first != _case().content_hash
    assert _case(weights="weights_plugin:weights/model.pt").content_hash == first
    checkpoint.write_bytes(b"weights, second training run")
    assert _case(weights="weights_plugin:weights/model.pt").content_hash != first


def test_the_same_bytes_elsewhere_are_the_same_case(plugin, tmp_path):
    (plugin / "weights" / "model.pt").write_bytes(b"the same checkpoint")
    elsewhere = tmp_path / "copied.pt"
    elsewhere.write_bytes(b"the same checkpoint")
    beside = _case(weights="weights_plugin:weights/model.pt")
    assert _case(weights=str(elsewhere)).content_hash == beside.content_hash


def test_a_directory_is_hashed_file_by_file_with_their_names(plugin):
    folder = plugin / "weights" / "pretrained"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "sub" / "model.safetensors").write_bytes(b"tensors")
    case = lambda: _case(weights="weights_plugin:weights/pretrained")  # noqa: E731 - a new case each time
    first = case().content_hash
    assert case().content_hash == first
    (folder / "config.json").write_text('{"hidden_size": 9}')
    edited = case().content_hash
    assert edited != first
    (folder / "sub" / "model.safetensors").rename(folder / "sub" / "renamed.safetensors")
    assert case().content_hash not in (first, edited)
    assert digest(folder) != digest(folder / "config.json")


def test_missing_weights_name_the_case_the_path_and_what_to_do(plugin):
    case = _case(weights="weights_plugin:weights/never-saved.pt")
    with pytest.raises(CaseFileError) as error:
        case.content_hash  # noqa: B018 - the property is what is tested
    text = str(error.value)
    assert "case weighted: its weights file" in text and str(plugin / "weights" / "never-saved.pt") in text
    assert "hint: create it" in text and "torch.save(model.state_dict(), path)" in text
    assert "nothing is downloaded" in text
    assert error.value.exit_code == 4  # a plugin's problem, as the CLI reports those


def test_weights_beside_a_module_that_does_not_exist_say_so(plugin):
    with pytest.raises(CaseFileError, match="beside module 'no_such_plugin', which cannot be found"):
        _case(weights="no_such_plugin:model.pt").weights_path()


@pytest.mark.parametrize(("location", "says"), [
    ("model.pt", "a relative path without its module"),
    ("weights_plugin:/abs/model.pt", "an absolute path after the module"),
    ("not a module:model.pt", "not a dotted Python name"),
    ("", "is empty"),
])
def test_a_malformed_location_is_refused_when_the_case_is_declared(plugin, location, says):
    assert says in location_problem(location)
    with pytest.raises(InternalError, match=f"case weighted: the weights location .*{says}"):
        _case(weights=location)
    with pytest.raises(CaseFileError, match="hint: give an absolute path"):
        resolve(location, owner="case weighted", what="weights")
