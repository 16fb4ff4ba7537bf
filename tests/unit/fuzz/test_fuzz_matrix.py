"""Fuzzed matrix files: valid and broken TOML, wrong types, odd names and versions. The
property: a matrix either loads into pairs that every later step can take (JSON for
``tracker run``, pins, the sweep order, the config key) or is one ConfigError, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from fuzzing import TRIED, count_traceback
from hypothesis import given
from hypothesis import strategies as st

from tracker.errors import ConfigError
from tracker.matrix import Pair, load_matrix
from tracker.matrix_order import by_usefulness
from tracker.worker.plan import config_key

# the real torch.onnx matrix: variants, companions, exclusions, comments
VALID = (Path(__file__).resolve().parents[3] / "envs" / "pytorch.toml").read_text(encoding="utf-8")

names = st.one_of(st.sampled_from(["p", "torch", "onnxruntime", "a.b", "x-y", "", " ", "a b", "../x", "é", "1"]),
                  st.text(max_size=12))
versions = st.one_of(st.sampled_from(["1.0", "2.13.0", "1.0.post1", "1!2.0", "1.0+local", "v1", "1.0.0.0.0",
                                      "nan", "", "1.0 ", "1e3", "==1.0", "1.0\", \"evil==6.6.6"]),
                     st.text(max_size=10))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=10), versions)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(names, inner, max_size=3)), max_leaves=6)


def toml_value(value) -> str:  # noqa: ANN001 - any generated value
    if value is None:
        return '1979-05-27T07:32:00'  # TOML has no null: a date, which JSON cannot carry
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def documents(draw) -> str:  # noqa: ANN001
    """The valid matrix with some of its keys given generated names or values."""
    pipeline = {"framework": "fw", "converter": "conv", "runtime": "rt", "plugins": ["oracles"],
                "oracles": ["numeric"]}
    variant = {"options": {"opset": 17}, "converter-axes": {"torch": ["2.13.0", "2.4.1"]}}
    runtime_axes = {"onnxruntime": [{"version": "1.17.3", "with": ["numpy<2"]}, "1.31.1"]}
    for table, keys in ((pipeline, ["framework", "converter", "runtime", "plugins", "oracles", "requires", "tags",
                                    "second-runtime", "second-runtime-timeout", "runs-on", "runtime-options",
                                    "oracle-options", "description", "unknown"]),
                        (variant, ["options", "converter-axes", "requires", "tags", "runtime-axes"])):
        for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
            table[key] = draw(values)
    if draw(st.booleans()):
        runtime_axes = {draw(names): [draw(versions) for _ in range(draw(st.integers(0, 3)))]}
    if draw(st.booleans()):
        variant["converter-axes"] = {draw(names): draw(st.lists(st.one_of(versions, values), max_size=3))}
    pipeline["variant"] = {draw(names): variant}
    pipeline["runtime-axes"] = runtime_axes
    if draw(st.booleans()):
        pipeline["exclude"] = draw(st.lists(st.one_of(values, st.fixed_dictionaries(
            {"match": st.dictionaries(names, st.one_of(versions, values), max_size=2), "why": st.text(max_size=5)})),
            max_size=2))
    return "[pipeline]\n" + f"{json.dumps(draw(names))} = {toml_value(pipeline)}\n"


@st.composite
def mutated(draw) -> bytes:  # noqa: ANN001
    """The valid matrix's bytes with bytes flipped, cut, or inserted."""
    data = bytearray(VALID.encode())
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[where:where + draw(st.integers(1, 40))]
        else:
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def _check(path) -> None:  # noqa: ANN001
    try:
        pairs = load_matrix(path)
    except ConfigError as error:
        assert str(error).strip(), "an empty error"
        return
    except BaseException:
        count_traceback()
        raise
    for pair in by_usefulness(pairs):
        assert Pair.from_json(pair.to_json()) == pair
        pair.requested()
        config_key(pair)
        assert pair.all_tags


@given(documents())
def test_a_generated_matrix_loads_or_is_one_config_error(tmp_path_factory, text):
    TRIED["matrix"] += 1
    path = tmp_path_factory.mktemp("m") / "m.toml"
    path.write_text(text, encoding="utf-8")
    _check(path)


@given(mutated())
def test_a_damaged_matrix_file_loads_or_is_one_config_error(tmp_path_factory, data):
    TRIED["matrix"] += 1
    path = tmp_path_factory.mktemp("m") / "m.toml"
    path.write_bytes(data)
    _check(path)
