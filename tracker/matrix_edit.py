"""Append a version to axis lists of ``envs/*.toml``, editing the text, not the data.

A TOML library that loads and dumps the file would lose its comments and layout: the
matrix's comments say why each version is there. This module finds an axis array in the
text (a small scanner that knows TOML's tables, dotted keys, strings and comments), adds
one element after the last one in the array's own layout (one line per element, or all
on one line), and checks with :mod:`tomllib` that the edited text holds exactly the old
array plus the new version. :func:`write` edits the files, loads the matrix again and
puts the old text back if it no longer loads.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from tracker.errors import ConfigError

KeyPath = tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class AxisEdit:
    """Append ``version`` to the axis array at ``path`` (e.g. ``pipeline.torch-onnx.runtime-axes.onnxruntime``)."""

    file: str
    path: KeyPath
    version: str


@dataclasses.dataclass(frozen=True)
class ArrayLocation:
    table: KeyPath  # the [table] header the array's key is under
    key: KeyPath  # the (dotted) key, relative to the table
    start: int  # offset of '['
    end: int  # offset of the matching ']'

    def describe(self) -> str:
        return f"[{_dotted(self.table)}] {_dotted(self.key)}"


def frontier_arrays(data: Mapping[str, Any], pipeline: str, package: str, newest: str) -> list[KeyPath]:
    """The key paths of the pipeline's axis arrays for ``package`` whose newest version is
    ``newest``: the lists a newer release extends (a list that stops at an older version
    was left behind on purpose)."""
    spec = data.get("pipeline", {}).get(pipeline, {})
    candidates: list[tuple[KeyPath, Any]] = [
        (("pipeline", pipeline, "runtime-axes", package), spec.get("runtime-axes", {}).get(package))
    ]
    for name, variant in spec.get("variant", {}).items():
        for side in ("converter-axes", "runtime-axes"):
            path = ("pipeline", pipeline, "variant", name, side, package)
            candidates.append((path, variant.get(side, {}).get(package)))
    return [path for path, values in candidates
            if isinstance(values, list) and values and _newest(values) == Version(newest)]


def _newest(values: list[Any]) -> Version | None:
    try:
        return max(Version(v["version"] if isinstance(v, dict) else v) for v in values)
    except (InvalidVersion, KeyError, TypeError):
        return None


def append(text: str, path: KeyPath, version: str) -> tuple[str, ArrayLocation]:
    """``text`` with ``version`` appended to the array at ``path``, and where that array is."""
    location = locate_arrays(text).get(path)
    if location is None:
        raise ConfigError(f"no array at {_dotted(path)} in the text (an inline table the editor "
                          "does not follow?): add the version by hand")
    edited = _insert(text, location, json.dumps(version))
    before, after = _value(tomllib.loads(text), path), _value(tomllib.loads(edited), path)
    if after != [*before, version]:
        raise ConfigError(f"appending {version} to {_dotted(path)} would change more than that "
                          "array: add the version by hand")
    return edited, location


def _value(data: Mapping[str, Any], path: KeyPath) -> Any:
    for key in path:
        data = data[key]
    return data


def edit_texts(edits: Sequence[AxisEdit], originals: Mapping[str, str]) -> tuple[dict[str, str], list[ArrayLocation]]:
    """The files' texts after ``edits`` (``originals``: file -> text), and the array each edit
    changed, in order."""
    texts = dict(originals)
    locations = []
    for edit in edits:
        texts[edit.file], location = append(texts[edit.file], edit.path, edit.version)
        locations.append(location)
    return texts, locations


def write(texts: Mapping[str, str], originals: Mapping[str, str], load: Callable[[], object]) -> None:
    """Write ``texts`` (file -> text), then ``load()`` the matrix; on any failure put every
    file back as ``originals`` has it and raise a ConfigError."""
    try:
        for file, text in texts.items():
            Path(file).write_text(text, encoding="utf-8")
        load()
    except Exception as error:
        for file in texts:
            Path(file).write_text(originals[file], encoding="utf-8")
        raise ConfigError(f"the edited matrix does not load ({error}); "
                          "the files are back as they were") from error


# ---------------------------------------------------------------------------------------
# The scanner


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def locate_arrays(text: str) -> dict[KeyPath, ArrayLocation]:
    """Every array that is the value of a key, by its full key path."""
    found: dict[KeyPath, ArrayLocation] = {}
    table: KeyPath = ()
    i = 0
    while (i := _skip_blank(text, i)) < len(text):
        if text.startswith("[[", i):
            keys, i = _key(text, i + 2)
            table, i = (*keys, "[]"), text.index("]]", i) + 2  # arrays of tables: never an axis
        elif text[i] == "[":
            keys, i = _key(text, i + 1)
            table, i = keys, text.index("]", i) + 1
        else:
            keys, i = _key(text, i)
            if not text.startswith("=", i):
                raise ConfigError(f"cannot read the TOML text at offset {i}: expected '='")
            i = _skip_spaces(text, i + 1)
            end = _value_end(text, i)
            if text.startswith("[", i):
                found[(*table, *keys)] = ArrayLocation(table, keys, i, end - 1)
            i = end
    return found


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _skip_blank(text: str, i: int) -> int:
    """Past whitespace, newlines and comments."""
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
        elif text[i] == "#":
            i = _line_end(text, i)
        else:
            break
    return i


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _key(text: str, i: int) -> tuple[KeyPath, int]:
    """A dotted key from ``i``: its parts and the offset after it (and its spaces)."""
    parts = []
    while True:
        i = _skip_spaces(text, i)
        if text[i] in "\"'":
            end = _string_end(text, i)
            raw = text[i:end]
            parts.append(json.loads(raw) if raw[0] == '"' else raw[1:-1])
            i = end
        else:
            match = _BARE_KEY.match(text, i)
            if not match:
                raise ConfigError(f"cannot read a TOML key at offset {i}: {text[i:i + 20]!r}")
            parts.append(match.group())
            i = match.end()
        i = _skip_spaces(text, i)
        if not text.startswith(".", i):
            return tuple(parts), i
        i += 1


def _string_end(text: str, i: int) -> int:
    """The offset after the string starting at ``i`` (basic, literal, multi-line)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        return text.index(quote * 3, i + 3) + 3
    j = i + 1
    while text[j] != quote:
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1


def _value_end(text: str, i: int) -> int:
    """The offset after the value starting at ``i`` (up to the end of its last line's
    content when it is a scalar)."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            i = _string_end(text, i)
            if depth == 0:
                return i
            continue
        if char == "#" or (char == "\n" and depth == 0):
            if depth == 0:
                return i
            i = _line_end(text, i)
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _last_element_end(text: str, location: ArrayLocation) -> int:
    """The offset after the last significant character inside the array (0 if empty)."""
    last, i = 0, location.start + 1
    while i < location.end:
        char = text[i]
        if char in "\"'":
            i = _string_end(text, i)
            last = i
        elif char == "#":
            i = _line_end(text, i)
        elif char in "[{":
            i = _value_end(text, i)
            last = i
        else:
            if char not in " \t\r\n":
                last = i + 1
            i += 1
    return last


def _insert(text: str, location: ArrayLocation, element: str) -> str:
    last = _last_element_end(text, location)
    if not last:
        return text[: location.start + 1] + element + text[location.start + 1:]
    comma = text[last - 1] == ","
    if "\n" not in text[location.start:location.end]:  # all on one line
        addition = f" {element}," if comma else f", {element}"
        return text[:last] + addition + text[last:]
    line_start = text.rfind("\n", 0, last) + 1
    indent = re.match(r"[ \t]*", text[line_start:]).group()
    # after the last element's line (its comment included), or before a ']' on that line
    at = min(_line_end(text, last), location.end)
    head = text[:last] + ("" if comma else ",") + text[last:at]
    tail = text[at:]
    if at == location.end:  # the ']' is on the last element's line: it stays after the new one
        return head.rstrip(" \t") + f"\n{indent}{element}" + tail
    return head + f"\n{indent}{element}" + ("," if comma else "") + tail


def _dotted(path: KeyPath) -> str:
    return ".".join(p if _BARE_KEY.fullmatch(p) else json.dumps(p) for p in path)
