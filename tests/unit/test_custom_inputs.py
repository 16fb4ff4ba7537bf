"""Custom inputs (``kind="custom"``): values from a seeded callable of the plugin's, or
from an ``.npz`` file it ships; either is part of the case's identity, and a case without
them keeps the hash it had."""

from __future__ import annotations

import importlib
import sys
import textwrap

import numpy as np
import pytest

from tracker.cases import ModelCase
from tracker.errors import CaseFileError, InternalError, PluginError
from tracker.inputs import InputSpec, make_inputs

GENERATOR = """
    import numpy as np

    LOW = 1


    def divisors(rng, shape, dtype):
        return rng.integers(LOW, 10, shape)


    def unrelated():
        return 0


    def build(width):
        return width
"""


def _package(root, name, body=GENERATOR, arrays=None):
    """A package ``name`` under ``root`` (on sys.path), with ``body`` as its
    ``__init__.py`` and ``arrays`` saved beside it as ``inputs.npz``."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(body))
    if arrays is not None:
        np.savez(package / "inputs.npz", **arrays)
    return package


def _case(module, *inputs, **changes):
    return ModelCase(id="custom-case", framework="fw", builder=f"{module}:build", params={"width": 4},
                     inputs=inputs, **changes)


def test_a_callables_values_are_drawn_with_the_cases_seeded_generator(tmp_path, monkeypatch):
    _package(tmp_path, "gen_values")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = InputSpec("d", (3, 5), "int64", kind="custom", source="gen_values:divisors")
    first, again, other = make_inputs([spec], 4, 0), make_inputs([spec], 4, 0), make_inputs([spec], 4, 1)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    assert first[0].dtype == np.int64 and first[0].shape == (3, 5) and first[0].min() >= 1
    # the same stream a built-in kind of that position draws from
    (ints,) = make_inputs([InputSpec("d", (3, 5), "int64", kind="int", low=1, high=10)], 4, 0)
    np.testing.assert_array_equal(first[0], ints)


def _swap(root, monkeypatch, body):
    """``gen_edit`` with ``body``, first on sys.path from now on."""
    _package(root, "gen_edit", body)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "gen_edit", raising=False)
    importlib.invalidate_caches()


@pytest.mark.parametrize("edit", [("rng.integers(LOW, 10", "rng.integers(LOW, 11"), ("LOW = 1", "LOW = 2")],
                         ids=["the-callable", "a-constant-it-uses"])
def test_editing_the_generator_changes_the_hash(tmp_path, monkeypatch, edit):
    spec = InputSpec("d", (2, 2), "int64", kind="custom", source="gen_edit:divisors")
    _swap(tmp_path / "before", monkeypatch, GENERATOR)
    recipe = _case("gen_edit", spec).recipe()
    assert "def divisors" in recipe["inputs"][0]["content"]["code"]
    assert "unrelated" not in recipe["inputs"][0]["content"]["code"]
    before = _case("gen_edit", spec).content_hash
    _swap(tmp_path / "unrelated", monkeypatch, GENERATOR.replace("return 0", "return 1"))
    assert _case("gen_edit", spec).content_hash == before
    _swap(tmp_path / "after", monkeypatch, GENERATOR.replace(*edit))
    assert _case("gen_edit", spec).content_hash != before


def test_an_npz_inputs_values_are_its_arrays_sample_by_sample(tmp_path, monkeypatch):
    stack = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    package = _package(tmp_path, "npz_values", arrays={"x": stack, "other": np.zeros(1)})
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = InputSpec("x", (3, 4), kind="custom", source="npz_values:inputs.npz")
    for sample in (0, 1):
        (values,) = make_inputs([spec], 0, sample)
        assert values.dtype == np.float32
        np.testing.assert_array_equal(values, stack[sample].astype(np.float32))
    absolute = InputSpec("x", (3, 4), kind="custom", source=str(package / "inputs.npz"))
    np.testing.assert_array_equal(make_inputs([absolute], 0, 1)[0], make_inputs([spec], 0, 1)[0])
    with pytest.raises(ValueError, match="holds 2 samples of it, not sample 2"):
        make_inputs([spec], 0, 2)
    with pytest.raises(ValueError, match="no array named 'y' .*it holds x, other"):
        make_inputs([InputSpec("y", (3, 4), kind="custom", source="npz_values:inputs.npz")], 0, 0)
    with pytest.raises(ValueError, match=r"gave values of shape \(3, 4\), the input's shape is \(4, 3\)"):
        make_inputs([InputSpec("x", (4, 3), kind="custom", source="npz_values:inputs.npz")], 0, 0)


def test_the_npz_files_bytes_are_in_the_hash_not_its_location(tmp_path, monkeypatch):
    arrays = {"x": np.ones((2, 3), dtype=np.float32)}
    package = _package(tmp_path, "npz_hash", arrays=arrays)
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = InputSpec("x", (3,), kind="custom", source="npz_hash:inputs.npz")
    before = _case("npz_hash", spec).content_hash
    assert _case("npz_hash", spec).content_hash == before
    np.savez(package / "inputs.npz", x=np.full((2, 3), 2.0, dtype=np.float32))
    assert _case("npz_hash", spec).content_hash != before
    # the same bytes elsewhere, named by an absolute path: the content is what counts
    np.savez(package / "inputs.npz", **arrays)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "copy.npz").write_bytes((package / "inputs.npz").read_bytes())
    moved = _case("npz_hash", InputSpec("x", (3,), kind="custom", source=str(elsewhere / "copy.npz")))
    assert moved.recipe()["inputs"][0]["content"] == _case("npz_hash", spec).recipe()["inputs"][0]["content"]


def test_a_missing_npz_file_names_the_case_the_path_and_what_to_do(tmp_path, monkeypatch):
    _package(tmp_path, "npz_missing")
    monkeypatch.syspath_prepend(str(tmp_path))
    case = _case("npz_missing", InputSpec("x", (3,), kind="custom", source="npz_missing:data/inputs.npz"))
    with pytest.raises(CaseFileError) as error:
        case.content_hash  # noqa: B018 - the property is what is tested
    text = str(error.value)
    assert "case custom-case" in text and str(tmp_path / "npz_missing" / "data" / "inputs.npz") in text
    assert "hint: create it" in text and "np.savez" in text


def test_a_callable_that_cannot_be_read_names_the_case_and_the_input(tmp_path, monkeypatch):
    _package(tmp_path, "gen_missing")
    monkeypatch.syspath_prepend(str(tmp_path))
    case = _case("gen_missing", InputSpec("d", (3,), kind="custom", source="gen_missing:nowhere"))
    with pytest.raises(PluginError, match="case custom-case: the values of input 'd' come from gen_missing:nowhere"):
        case.recipe()


@pytest.mark.parametrize(("fields", "says"), [
    ({"kind": "custom"}, "has no source"),
    ({"kind": "custom", "source": "no_colon"}, "neither 'package.module:callable'"),
    ({"kind": "custom", "source": "inputs.npz"}, "a relative path without its module"),
    ({"kind": "custom", "source": "pkg:/abs/inputs.npz"}, "an absolute path after the module"),
    ({"kind": "normal", "source": "pkg:fn"}, "a source is for inputs of kind 'custom'"),
])
def test_a_malformed_source_is_refused_when_the_input_is_declared(fields, says):
    with pytest.raises(InternalError, match=says):
        InputSpec("x", (3,), **fields)


def test_existing_kinds_keep_their_recipe_so_their_hashes_stay():
    assert InputSpec("x", (1, 4)).to_json() == {
        "name": "x", "shape": [1, 4], "dtype": "float32", "kind": "normal", "low": None, "high": None,
        "layout": "NCHW"}
    custom = InputSpec("x", (1, 4), kind="custom", source="pkg:fn")
    assert custom.to_json()["source"] == "pkg:fn"
    assert InputSpec.from_json({**custom.to_json(), "content": {"code": "def fn(): ..."}}) == custom
