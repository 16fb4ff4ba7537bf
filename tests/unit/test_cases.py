import importlib
import subprocess
import sys
import textwrap

import pytest

from tracker.cases import ModelCase, builder_source, manifest_hash, select
from tracker.errors import InternalError, SelectionError
from tracker.inputs import InputSpec


def _module(tmp_path, monkeypatch, name, body):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    return f"{name}:build"


def _case(builder, **changes):
    fields = dict(id="c1", framework="fw", builder=builder, params={"width": 4},
                  inputs=(InputSpec("x", (1, 4)),))
    fields.update(changes)
    return ModelCase(**fields)


BODY = """
    SCALE = 2

    def helper(x):
        return x * SCALE

    def build(width):
        return helper(width)

    def unrelated():
        return 0
"""


def test_hash_covers_the_builder_and_the_helpers_it_uses(tmp_path, monkeypatch):
    _module(tmp_path, monkeypatch, "mods_a", BODY)
    source = builder_source("mods_a", "build")
    assert "def helper" in source and "SCALE = 2" in source and "unrelated" not in source


@pytest.mark.parametrize(
    "edit",
    [
        ("SCALE = 2", "SCALE = 3"),  # a constant the builder uses, through a helper
        ("return x * SCALE", "return x + SCALE"),  # the helper
        ("return helper(width)", "return helper(width) + 1"),  # the builder itself
    ],
)
def test_editing_the_definition_changes_the_hash(tmp_path, monkeypatch, edit):
    original, edited = tmp_path / "original", tmp_path / "edited"
    original.mkdir()
    edited.mkdir()
    builder = _module(original, monkeypatch, "mods_b", BODY)
    before = _case(builder).content_hash
    _module(edited, monkeypatch, "mods_b", BODY.replace(*edit))  # same module, now first on sys.path
    importlib.invalidate_caches()
    assert _case(builder).content_hash != before


def test_unrelated_edits_and_ids_do_not_change_the_hash(tmp_path, monkeypatch):
    builder = _module(tmp_path, monkeypatch, "mods_e", BODY)
    base = _case(builder)
    assert _case(builder, id="other-id").content_hash == base.content_hash
    assert _case(builder, description="new words").content_hash == base.content_hash
    assert _case(builder, params={"width": 5}).content_hash != base.content_hash
    assert _case(builder, seed=1).content_hash != base.content_hash
    assert _case(builder, inputs=(InputSpec("x", (2, 4)),)).content_hash != base.content_hash


def test_the_hash_of_a_case_without_custom_inputs_or_weights_is_frozen(tmp_path, monkeypatch):
    """Computed before custom inputs and local weights existed: what they added to the
    recipe is absent from the cases that use neither, so stored results keep their case."""
    builder = _module(tmp_path, monkeypatch, "mods_frozen", BODY)
    case = _case(builder, inputs=(InputSpec("x", (1, 4)),
                                  InputSpec("ids", (1, 4), "int64", kind="tokens", high=9, dynamic=((1, "s"),))))
    assert case.content_hash == "4eb040a386cd87f7"


def test_hash_is_the_same_in_another_process(tmp_path, monkeypatch):
    builder = _module(tmp_path, monkeypatch, "mods_f", BODY)
    here = _case(builder).content_hash
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from tracker.cases import ModelCase; from tracker.inputs import InputSpec;"
        "print(ModelCase(id='c1', framework='fw', builder='mods_f:build', params={'width': 4},"
        " inputs=(InputSpec('x', (1, 4)),)).content_hash)"
    )
    there = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert here == there


def test_select_by_set_and_glob_and_errors_name_what_exists(tmp_path, monkeypatch):
    builder = _module(tmp_path, monkeypatch, "mods_g", BODY)
    cases = [
        _case(builder, id="hf-bert", sets={"default"}),
        _case(builder, id="hf-gpt2", sets={"default", "smoke"}),
        _case(builder, id="op-pad", sets={"smoke"}),
    ]
    assert [c.id for c in select(cases, model_set="smoke")] == ["hf-gpt2", "op-pad"]
    assert [c.id for c in select(cases, patterns=["hf-*"])] == ["hf-bert", "hf-gpt2"]
    assert [c.id for c in select(cases, model_set="default", patterns=["op-pad,hf-bert"])] == ["hf-bert"]
    with pytest.raises(SelectionError, match="unknown model set 'nope'") as error:
        select(cases, model_set="nope")
    assert "default, smoke" in str(error.value)
    with pytest.raises(SelectionError, match="no case matches 'resnet18'"):
        select(cases, patterns=["resnet18"])
    assert manifest_hash(cases) == manifest_hash(list(reversed(cases)))
    assert manifest_hash(cases[:2]) != manifest_hash(cases)


def test_invalid_case_ids_are_rejected(tmp_path, monkeypatch):
    builder = _module(tmp_path, monkeypatch, "mods_h", BODY)
    for bad in ("", "has space", "a/b"):
        with pytest.raises(InternalError, match="case id"):
            _case(builder, id=bad)


def test_a_decorated_helper_is_hashed_with_its_decorator(tmp_path, monkeypatch):
    from tracker.cases import _module_definitions, builder_source

    module = tmp_path / "decorated_builders.py"
    module.write_text("import functools\n\n\n@functools.lru_cache(maxsize=None)\ndef helper():\n    return 1\n\n\n"
                      "def build():\n    return helper()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    source = builder_source("decorated_builders", "build")
    assert "@functools.lru_cache(maxsize=None)\ndef helper():" in source
    assert source.startswith("import functools")
    _module_definitions.cache_clear()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_statement_s_source_is_what_ast_says_it_is(newline):
    import ast

    from tracker.cases import _segment

    text = newline.join([
        "import numpy as np", "X = 1  # é, 漢字", "def f(a,", "      b):", "    return a + b  # ü",
        "@decorator", "class C:", "    y = 'z'\f", "Z = [1,", " 2]; W = 3",
    ])  # no newline at the end; a form feed, which ast does not take for a line end
    for node in ast.parse(text).body:
        expected = ast.get_source_segment(text, node) or ""
        if getattr(node, "decorator_list", []):
            continue  # with its decorators: not ast's segment
        assert _segment(text, node) == expected
