"""The values a repro script is written from, checked before a line is written.

A store is untrusted input: people pass store files around (``tracker merge``, CI
artifacts), and ``tracker repro`` turns what one holds into a Python script that its user
runs. So every stored value that reaches the script is checked against the rule it was
written under (a case id as :class:`tracker.cases.ModelCase` requires, a pin as a
``packaging`` requirement, an option key as a Python identifier, parameters as JSON
values) and then written as a Python or TOML literal (``repr``, ``json.dumps``); a value
that breaks its rule refuses the script with a :class:`StoreError` naming the field.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from tracker.cases import ModelCase, case_id_problem
from tracker.errors import StoreError
from tracker.inputs import KINDS, InputSpec
from tracker.outcomes import Outcome

_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")  # a distribution name (PEP 508)
_PLAIN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")  # a uuid4 hex, a hash
_DTYPE = re.compile(r"[a-z][a-z0-9]{0,15}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
HINT = ("a store is untrusted input: this one was damaged or edited; take the result from a store "
        "a sweep wrote, or rerun the pair")


def refuse(field: str, value: Any, rule: str) -> StoreError:
    return StoreError(f"the store's {field} {_shown(value)} is not {rule}: no repro script is written from it",
                      hint=HINT)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def identifier(field: str, value: Any) -> str:
    """``value`` if it is a Python identifier (and not a keyword)."""
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise refuse(field, value, "a Python identifier")
    return value


def dotted(field: str, value: Any) -> str:
    """``value`` if it is a dotted Python name (``module.sub``, ``Class.method``)."""
    if not isinstance(value, str) or not value:
        raise refuse(field, value, "a dotted Python name")
    for part in value.split("."):
        identifier(field, part)
    return value


def json_value(field: str, value: Any) -> Any:
    """``value`` if it is JSON data (what ``repr`` writes as a Python literal): strings,
    finite numbers, booleans, ``None``, lists and string-keyed objects of them."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise refuse(field, value, "a finite number")
        return value
    if isinstance(value, list):
        return [json_value(field, item) for item in value]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise refuse(field, key, "a string key")
        return {key: json_value(field, item) for key, item in value.items()}
    raise refuse(field, value, "JSON data")


def pin(name: Any, version: Any) -> str:
    """``name==version`` if both are what an installed distribution has (a PEP 508 name,
    a PEP 440 version), checked as a ``packaging`` requirement."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise refuse("package name", name, "a distribution name")
    try:
        Version(str(version))
        requirement = Requirement(f"{name}=={version}")
    except (InvalidVersion, InvalidRequirement):
        raise refuse(f"version of {name}", version, "a version (PEP 440)") from None
    return str(requirement)


def python_version(value: Any) -> str:
    """``major.minor`` of a stored Python version."""
    try:
        release = Version(str(value)).release
    except InvalidVersion:
        raise refuse("Python version", value, "a version") from None
    return ".".join(str(part) for part in (*release, 0)[:2])


def plain_id(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _PLAIN_ID.fullmatch(value):
        raise refuse(field, value, "an id of letters, digits, '-' and '_'")
    return value


def case_id(value: Any) -> str:
    problem = case_id_problem(value) if isinstance(value, str) else "is not text"
    if problem is None and not value.isprintable():
        problem = "has control characters"
    if problem:
        raise refuse("case id", value, f"a case id (it {problem})")
    return value


def outcome(value: Any) -> str:
    if value not in {o.value for o in Outcome}:
        raise refuse("outcome", value, "an outcome")
    return value


def builder(value: Any) -> str:
    """The callable part of a ``module:callable`` builder, checked as dotted names."""
    if not isinstance(value, str) or value.count(":") != 1:
        raise refuse("builder", value, "'module:callable'")
    module, _, attribute = value.partition(":")
    dotted("builder", module)
    return dotted("builder", attribute)


def input_spec(data: Any) -> InputSpec:
    """An input of a stored recipe, with a name, a shape of sizes, a NumPy dtype name, a
    known kind, finite bounds and a layout."""
    if not isinstance(data, Mapping):
        raise refuse("input", data, "an input recipe")
    if data.get("kind", "normal") not in KINDS:
        raise refuse("input kind", data.get("kind"), f"one of {', '.join(KINDS)}")
    shape = data.get("shape")
    if not isinstance(shape, list) or not all(type(size) is int and size >= 0 for size in shape):
        raise refuse("input shape", shape, "a list of sizes")
    for key in ("name", "dtype", "layout"):
        if not isinstance(data.get(key, ""), str):
            raise refuse(f"input {key}", data.get(key), "text")
    if not _DTYPE.fullmatch(data.get("dtype", "float32")):
        raise refuse("input dtype", data.get("dtype"), "a NumPy dtype name")
    if data.get("kind") == "custom":
        custom_content(data.get("content"))
    for key in ("low", "high"):
        bound = data.get(key)
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))
                                  or not math.isfinite(bound)):
            raise refuse(f"input {key}", bound, "a finite number")
    try:
        return InputSpec.from_json(data)
    except Exception as error:  # noqa: BLE001 - whatever a malformed recipe raises
        raise refuse("input", data, f"an input recipe ({error})") from None


def custom_content(content: Any) -> None:
    """A custom input's stored content: its callable's source (code, as the model's source
    is), or the SHA-256 its ``.npz`` file had."""
    if not isinstance(content, Mapping) or not (
            isinstance(content.get("code"), str) or _SHA256.fullmatch(str(content.get("sha256", "")))):
        raise refuse("custom input content", content, "a callable's source or a file's SHA-256")


def recipe(data: Any) -> dict[str, Any]:
    """A stored recipe with every field a repro script writes checked."""
    if not isinstance(data, Mapping) or not isinstance(data.get("source"), str):
        raise refuse("recipe", data, "a case recipe")
    if type(data.get("seed")) is not int:
        raise refuse("seed", data.get("seed"), "an integer")
    params = json_value("parameters", data.get("params", {}))
    if not isinstance(params, dict):
        raise refuse("parameters", params, "an object")
    inputs = data.get("inputs")
    if not isinstance(inputs, list):
        raise refuse("inputs", inputs, "a list of input recipes")
    for spec in inputs:
        input_spec(spec)
    builder(data.get("builder"))
    return dict(data)


def options(field: str, data: Any) -> dict[str, Any]:
    """Stored options: identifier keys (a converter writes them as keyword arguments),
    JSON values."""
    if not isinstance(data, Mapping):
        raise refuse(field, data, "an object")
    return {identifier(f"{field} key", key): json_value(field, value) for key, value in data.items()}


def recipe_to_write(case: str, case_hash: str, stored: Any, installed: ModelCase | None, *,
                    trust_store: bool) -> dict[str, Any]:
    """The recipe a repro script is written from. A script runs the model's source, so
    the source is the installed plugin's whenever its definition of the case has the
    stored content hash; the store's text only when the user says to trust it."""
    if installed is not None and installed.content_hash == case_hash:
        return installed.recipe()
    if not trust_store:
        why = "no installed plugin defines it" if installed is None else \
            f"the installed plugin defines it differently (content hash {installed.content_hash})"
        raise StoreError(
            f"case {case}@{case_hash}: {why}, so the script would run the model source stored "
            "with the result, and a store is untrusted input",
            hint="install the plugin version that swept it, or pass --trust-store-source after reading "
                 "the source (`tracker results --format json` shows the result) to write it from the store")
    return recipe(stored)


def docstring_text(text: str) -> str:
    """``text`` safe inside a triple-double-quoted docstring: backslashes and control
    characters escaped, no three double quotes in a row."""
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    return "".join(char if char == "\n" or char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escaping is TOML's)."""
    return json.dumps(text)
