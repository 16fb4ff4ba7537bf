"""A store is untrusted input: hostile text planted in any field a repro script is written
from either refuses the script (one line, exit 5) or stays a literal. The check: the
script's statements, literals aside, are the template's (those of a script written from
honest values), so nothing planted becomes code."""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
from pathlib import Path

import pytest
from tracker_oracles.numeric import Numeric

from tracker.cases import ModelCase
from tracker.errors import StoreError
from tracker.inputs import InputSpec
from tracker.repro import Failure, script
from tracker.repro_values import recipe_to_write

ROOT = Path(__file__).resolve().parents[2]
for plugin in ("pytorch", "torch-onnx", "onnxruntime"):  # their sources: torch is not needed to write code
    sys.path.insert(0, str(ROOT / "plugins" / plugin))

from tracker_onnxruntime import OnnxRuntime  # noqa: E402
from tracker_pytorch import PyTorch  # noqa: E402
from tracker_torch_onnx import TorchOnnx  # noqa: E402

PLANT = "x\nimport os; os.system('echo planted')\n"
CALL = "__import__('os').system('echo planted')"
HOSTILE_TEXTS = [PLANT, f'"""\n{CALL}\n"""', f"\\\"\"\"\n{CALL}\n#", f"2.4.6\", \"other==6.6.6", f"a){CALL}#",
                 "x\x00\r\u2028y", "\ud800"]


def _honest() -> Failure:
    return Failure(
        result_id="0123abcd" * 4, case_id="op-floor-divide", case_hash="0123456789abcdef", outcome="incorrect",
        signature="numeric: mismatch", label="torchscript torch-2.13.0 onnxruntime-1.31.1",
        recipe={"builder": "tracker_pytorch.units:floor_divide", "source": "def floor_divide(scale):\n    pass\n",
                "params": {"scale": 2, "name": "a"}, "seed": 3, "samples": 2, "framework": "pytorch",
                "generator": None,
                "inputs": [InputSpec("x", (3,), "int64", kind="int", low=0, high=5).to_json()]},
        packages={"numpy": "2.4.6", "torch": "2.13.0", "onnxscript": "0.7.0", "onnxruntime": "1.31.1"},
        requested={"torch": "==2.13.0"}, python="3.11.7",
        converter_options={"dynamo": False, "opset": 18, "do_constant_folding": True},
    )


def _write(failure: Failure) -> str:
    return script(failure, PyTorch(), TorchOnnx(), OnnxRuntime(), Numeric())


class _Literals(ast.NodeTransformer):
    """Every literal (what ``ast.literal_eval`` accepts) replaced by one placeholder."""

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr):
            try:
                ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
            else:
                return ast.Constant("<literal>")
        return self.generic_visit(node)


def _statements(text: str) -> set[str]:
    tree = _Literals().visit(ast.parse(text))
    return {ast.dump(node) for node in ast.walk(tree) if isinstance(node, ast.stmt)}


TEMPLATE = _statements(_write(_honest()))


def _planted(path: str, text: str) -> Failure:
    """The honest failure with ``text`` at ``path`` (``field`` or ``field.key`` or
    ``recipe.inputs.0.key``; ``field.<key>``: ``text`` as a key)."""
    failure = json.loads(json.dumps(dataclasses.asdict(_honest())))
    *parents, last = path.split(".")
    target = failure
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if last == "<key>":
        target[text] = next(iter(target.values()))
    else:
        target[last] = text
    return Failure(**failure)


FIELDS = ["result_id", "case_id", "case_hash", "outcome", "signature", "label", "python",
          "recipe.builder", "recipe.seed", "recipe.params.name", "recipe.params.<key>", "recipe.inputs.0.name",
          "recipe.inputs.0.dtype", "recipe.inputs.0.kind", "recipe.inputs.0.layout", "recipe.inputs.0.low",
          "recipe.inputs.0.high", "recipe.inputs.0.shape", "packages.numpy", "packages.torch", "packages.<key>",
          "requested.<key>", "converter_options.<key>", "converter_options.opset", "converter_options.dynamo",
          "converter_options.do_constant_folding"]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
@pytest.mark.parametrize("field", FIELDS)
def test_hostile_text_in_a_stored_field_never_becomes_a_statement(field, text):
    try:
        written = _write(_planted(field, text))
    except StoreError as error:
        assert "\n" not in str(error).split("\n  hint: ")[0]  # one line, then the hint
        return
    assert _statements(written) <= TEMPLATE, f"{field}: a planted statement"


def test_a_version_that_adds_a_dependency_is_refused():
    with pytest.raises(StoreError, match="version of numpy"):
        _write(_planted("packages.numpy", '2.4.6", "other==6.6.6'))


def test_an_option_key_that_is_not_an_identifier_is_refused():
    with pytest.raises(StoreError, match="converter options key"):
        _write(_planted("converter_options.<key>", f"x=1, y={CALL}"))


def test_a_newline_in_a_case_id_is_refused():
    with pytest.raises(StoreError, match="case id"):
        _write(_planted("case_id", PLANT))


def _installed(source_case: str = "double") -> ModelCase:
    return ModelCase(id=source_case, framework="fake-numpy", builder="tracker_fake_plugin:AffineModel")


def test_the_model_source_is_the_installed_plugins_not_the_stores():
    case = _installed()
    stored = {**case.recipe(), "source": f"{CALL}\n"}
    written = recipe_to_write(case.id, case.content_hash, stored, case, trust_store=False)
    assert written["source"] == case.recipe()["source"] and CALL not in written["source"]


@pytest.mark.parametrize("installed", [None, _installed()], ids=["not-installed", "redefined"])
def test_a_source_only_the_store_has_is_refused_unless_trusted(installed):
    stored = {**_installed().recipe(), "source": f"{CALL}\n"}
    with pytest.raises(StoreError, match="untrusted input"):
        recipe_to_write("double", "ffffffffffffffff", stored, installed, trust_store=False)
    assert recipe_to_write("double", "ffffffffffffffff", stored, installed, trust_store=True)["source"] == stored["source"]


@pytest.mark.parametrize(("source", "content"), [
    (f"pkg:f){CALL}#", {"code": "def f(rng, shape, dtype):\n    return rng.random(shape)\n"}),
    (PLANT, {"code": ""}),
    ("pkg:f", {"sha256": PLANT}),
    ("pkg:f", None),
], ids=["source-call", "source-lines", "content-digest", "no-content"])
def test_a_custom_input_of_a_store_is_refused_unless_its_source_and_content_keep_their_rules(source, content):
    custom = {**InputSpec("x", (3,), kind="custom", source="pkg:f").to_json(), "source": source, "content": content}
    failure = dataclasses.replace(_honest(), recipe={**_honest().recipe, "inputs": [custom]})
    with pytest.raises(StoreError, match="input"):
        _write(failure)
