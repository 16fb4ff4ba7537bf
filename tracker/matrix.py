"""The version matrix: ``envs/*.toml`` parsed, validated and expanded into pairs.

A *pair* is one environment: one converter-side version set (framework + converter) and
one runtime version set, for one pipeline variant. ``noxfile.py`` turns every pair into a
parametrized ``sweep`` session. The format is documented in ``envs/README.md``.

This module runs inside nox's own interpreter as well: it needs only the standard
library and ``packaging``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from tracker.errors import ConfigError
from tracker.plugin_sources import FORMS, resolve_entry

PIPELINE_KEYS = {
    "description": str,
    "framework": str,
    "converter": str,
    "runtime": str,
    "plugins": list,
    "requires": list,
    "oracles": list,
    "oracle-options": dict,
    "runtime-options": dict,
    "second-runtime": str,
    "second-runtime-timeout": (int, float),
    "runs-on": list,
    "tags": list,
    "variant": dict,
    "runtime-axes": dict,
    "exclude": list,
}
PIPELINE_REQUIRED = ("framework", "converter", "runtime", "plugins", "variant", "runtime-axes")
VARIANT_KEYS = {
    "description": str,
    "options": dict,
    "converter-axes": dict,
    "runtime-axes": dict,
    "requires": list,
    "tags": list,
}
AXIS_VALUE_KEYS = {"version": str, "with": list, "why": str, "allow-cuda": str}
EXCLUDE_KEYS = {"match": dict, "why": str}
# a distribution name (PEP 508): what an axis is named by and what is installed
DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
# a pipeline, variant or plugin directory name: a nox session id and a path part
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclasses.dataclass(frozen=True)
class AxisValue:
    package: str
    version: str
    companions: tuple[str, ...] = ()  # extra pins needed beside this version
    why: str = ""
    # why this version may install CUDA packages (nvidia-*, triton): the noxfile refuses
    # them otherwise; empty: not allowed
    allow_cuda: str = ""

    @property
    def pin(self) -> str:
        return f"{self.package}=={self.version}"


@dataclasses.dataclass(frozen=True)
class Pair:
    """One environment of the matrix: a pipeline variant at one version of each axis."""

    pipeline: str
    variant: str
    framework: str
    converter: str
    runtime: str
    converter_axes: tuple[AxisValue, ...]
    runtime_axes: tuple[AxisValue, ...]
    requires: tuple[str, ...]
    options: Mapping[str, Any]
    runtime_options: Mapping[str, Any]
    oracles: tuple[str, ...]
    oracle_options: Mapping[str, Any]
    plugins: tuple[str, ...]
    tags: tuple[str, ...]
    source: str
    # a runtime that runs failing artifacts again to tell whose fault a failure is
    second_runtime: str | None = None
    second_runtime_timeout: float = 120.0
    # the platforms (``sys.platform`` values) where the runtime runs; empty: everywhere.
    # Elsewhere the pair still converts and checks artifacts; the sweep takes it last.
    runs_on: tuple[str, ...] = ()

    @property
    def axes(self) -> tuple[AxisValue, ...]:
        return self.converter_axes + self.runtime_axes

    @property
    def id(self) -> str:
        versions = " ".join(f"{a.package}-{a.version}" for a in self.axes)
        return f"{self.pipeline}.{self.variant} {versions}"

    @property
    def converter_side(self) -> str:
        """The pipeline variant at its converter versions: the pairs that share it share
        their conversions (only the runtime differs)."""
        versions = " ".join(f"{a.package}-{a.version}" for a in self.converter_axes)
        return f"{self.pipeline}.{self.variant} {versions}"

    @property
    def all_tags(self) -> list[str]:
        tags = [self.pipeline, self.variant, f"{self.pipeline}.{self.variant}", *self.tags]
        tags += [f"{a.package}-{a.version}" for a in self.axes]
        # identifier forms, usable in nox's -k expressions: -k "dynamo and onnxruntime_1_31_1"
        tags += [re.sub(r"\W", "_", f"{a.package}_{a.version}") for a in self.axes]
        return list(dict.fromkeys(tags))

    def cuda_allowances(self) -> list[str]:
        """``"pin: why"`` of each axis value that allows CUDA packages (``allow-cuda``)."""
        return [f"{a.pin}: {a.allow_cuda}" for a in self.axes if a.allow_cuda]

    def requirements(self) -> list[str]:
        """Every pin this environment asks for, axis pins first."""
        pins = [a.pin for a in self.axes]
        pins += [c for a in self.axes for c in a.companions]
        pins += list(self.requires)
        return list(dict.fromkeys(pins))

    def requested(self) -> dict[str, str]:
        """Distribution name -> specifier, as asked for (recorded with every result)."""
        result: dict[str, str] = {}
        for text in self.requirements():
            req = Requirement(text)
            result[req.name] = str(req.specifier) or "*"
        return result

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Pair:
        data = json.loads(text)
        for key in ("converter_axes", "runtime_axes"):
            data[key] = tuple(
                AxisValue(**{**a, "companions": tuple(a["companions"])}) for a in data[key]
            )
        for key in ("requires", "oracles", "plugins", "tags", "runs_on"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


# ---------------------------------------------------------------------------------------
# Loading


def matrix_files(location: Path) -> list[Path]:
    if location.is_file():
        return [location]
    if not location.is_dir():
        raise ConfigError(f"matrix location {location} does not exist")
    files = sorted(location.glob("*.toml"))
    if not files:
        raise ConfigError(f"no *.toml matrix file in {location}")
    return files


def load_matrix(location: Path) -> list[Pair]:
    """All pairs of every pipeline of the ``*.toml`` files at ``location``."""
    pairs: list[Pair] = []
    pipelines: dict[str, Path] = {}
    for path in matrix_files(location):
        for pair in _load_file(path, pipelines):
            pairs.append(pair)
    ids = [p.id for p in pairs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"the matrix defines these environments twice: {duplicates}")
    return pairs


class _File:
    """A matrix file, with what it takes to point at a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): a matrix file is TOML, "
                              "which is UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        self.lines = self.text.splitlines()

    def line_of(self, *needles: str) -> int | None:
        """First line (1-based) mentioning the last needle after the earlier ones."""
        start = 0
        found: int | None = None
        for needle in needles:
            pattern = re.compile(rf"(^|[\s.\[\"']){re.escape(needle)}($|[\s.\]\"'=])")
            for number in range(start, len(self.lines)):
                if pattern.search(self.lines[number].split("#", 1)[0]):
                    found, start = number + 1, number
                    break
        return found

    def error(self, key_path: Sequence[str], message: str, hint: str | None = None) -> ConfigError:
        line = self.line_of(*key_path)
        where = f"{self.path}:{line}" if line else str(self.path)
        key = ".".join(key_path)
        return ConfigError(f"{where}: key '{key}': {message}", hint=hint)


def _load_file(path: Path, pipelines: dict[str, Path]) -> list[Pair]:
    source = _File(path)
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    _check_keys(source, [], data, {"pipeline": dict})
    pairs = []
    for name, spec in data.get("pipeline", {}).items():
        _check_name(source, ["pipeline", name], name, PLAIN_NAME, "a pipeline name")
        if name in pipelines:
            raise source.error(["pipeline", name], f"pipeline also defined in {pipelines[name]}")
        pipelines[name] = path
        pairs.extend(_expand_pipeline(source, name, spec))
    return pairs


def _check_keys(
    source: _File, where: list[str], table: Any, allowed: Mapping[str, type]
) -> None:
    if not isinstance(table, dict):
        raise source.error(where, f"must be a table, not {type(table).__name__}")
    for key, value in table.items():
        if key not in allowed:
            raise source.error(
                [*where, key], "unknown key", hint=f"allowed here: {', '.join(sorted(allowed))}"
            )
        expected = allowed[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in _types(expected)):
            names = " or ".join(t.__name__ for t in _types(expected))
            raise source.error([*where, key], f"must be a {names}, not {type(value).__name__}")


def _check_name(source: _File, where: list[str], name: str, pattern: re.Pattern[str], what: str) -> None:
    if not pattern.fullmatch(name):
        raise source.error(where, f"{name!r} is not {what}",
                           hint="letters, digits, '-' and '_' (and '.' inside a distribution name)")


def _strings(source: _File, where: list[str], items: list[Any], what: str) -> list[str]:
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise source.error(where, f"must list {what} as non-empty strings")
    return list(items)


def _json_table(source: _File, where: list[str], table: Mapping[str, Any]) -> dict[str, Any]:
    """A table of options, as JSON will carry it (to ``tracker run``, into a hash): no TOML dates."""
    try:
        json.dumps(table, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise source.error(where, f"must hold only strings, numbers, booleans, arrays and tables ({exc})") from None
    return dict(table)


def _types(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _expand_pipeline(source: _File, name: str, spec: Any) -> list[Pair]:
    where = ["pipeline", name]
    _check_keys(source, where, spec, PIPELINE_KEYS)
    for key in PIPELINE_REQUIRED:
        if key not in spec:
            raise source.error(where, f"missing required key {key!r}")
    for key in ("framework", "converter", "runtime"):
        _check_name(source, [*where, key], spec[key], DISTRIBUTION_NAME, f"a {key} name")
    if "second-runtime" in spec:
        _check_name(source, [*where, "second-runtime"], spec["second-runtime"], DISTRIBUTION_NAME, "a runtime name")
    plugins = _plugins(source, [*where, "plugins"], spec["plugins"])
    oracles = _strings(source, [*where, "oracles"], spec.get("oracles", []), "oracle names")
    tags = _strings(source, [*where, "tags"], spec.get("tags", []), "tags")
    second_timeout = spec.get("second-runtime-timeout", 120.0)
    if not math.isfinite(second_timeout) or second_timeout < 1:
        raise source.error([*where, "second-runtime-timeout"], f"{second_timeout!r} is not a usable timeout: "
                           "a finite number of seconds, at least 1")
    runtime_options = _json_table(source, [*where, "runtime-options"], spec.get("runtime-options", {}))
    oracle_options = _json_table(source, [*where, "oracle-options"], spec.get("oracle-options", {}))
    if not all(isinstance(v, dict) for v in oracle_options.values()):
        raise source.error([*where, "oracle-options"], "must hold one table per oracle")
    runs_on = _platforms(source, [*where, "runs-on"], spec.get("runs-on", []))
    requires = _requirements(source, [*where, "requires"], spec.get("requires", []))
    pipeline_runtime_axes = spec["runtime-axes"]
    exclusions = _exclusions(source, where, spec.get("exclude", []))
    pairs = []
    if not spec["variant"]:
        raise source.error([*where, "variant"], "needs at least one variant")
    for variant_name, variant in spec["variant"].items():
        vwhere = [*where, "variant", variant_name]
        _check_name(source, vwhere, variant_name, PLAIN_NAME, "a variant name")
        _check_keys(source, vwhere, variant, VARIANT_KEYS)
        options = _json_table(source, [*vwhere, "options"], variant.get("options", {}))
        variant_tags = _strings(source, [*vwhere, "tags"], variant.get("tags", []), "tags")
        converter_axes = _axes(source, [*vwhere, "converter-axes"], variant.get("converter-axes", {}))
        runtime_spec = variant.get("runtime-axes", pipeline_runtime_axes)
        runtime_axes = _axes(source, [*where, "runtime-axes"], runtime_spec)
        if not runtime_axes:
            raise source.error([*where, "runtime-axes"], "needs at least one axis")
        variant_requires = _requirements(source, [*vwhere, "requires"], variant.get("requires", []))
        axes = converter_axes + runtime_axes
        names = [axis[0].package for axis in axes]
        for combination in itertools.product(*axes):
            chosen = dict(zip(names, combination, strict=True))
            if any(_excluded(chosen, rule) for rule in exclusions):
                continue
            pairs.append(
                Pair(
                    pipeline=name,
                    variant=variant_name,
                    framework=spec["framework"],
                    converter=spec["converter"],
                    runtime=spec["runtime"],
                    converter_axes=tuple(combination[: len(converter_axes)]),
                    runtime_axes=tuple(combination[len(converter_axes) :]),
                    requires=tuple(requires + variant_requires),
                    options=dict(options),
                    runtime_options=dict(runtime_options),
                    oracles=tuple(oracles),
                    oracle_options=dict(oracle_options),
                    plugins=tuple(plugins),
                    tags=tuple(tags + variant_tags),
                    source=str(source.path),
                    second_runtime=spec.get("second-runtime"),
                    second_runtime_timeout=float(second_timeout),
                    runs_on=tuple(runs_on),
                )
            )
    return pairs


def _plugins(source: _File, where: list[str], items: list[Any]) -> list[str]:
    """The entries of ``plugins``, paths made absolute (relative to this file):
    :mod:`tracker.plugin_sources`."""
    entries = []
    for item in _strings(source, where, items, "plugins"):
        try:
            entries.append(resolve_entry(item, source.path.parent))
        except ValueError as exc:
            raise source.error(where, str(exc), hint=f"an entry of 'plugins' is {FORMS}") from None
    return entries


def _platforms(source: _File, where: list[str], items: list[Any]) -> list[str]:
    if not all(isinstance(item, str) and item for item in items):
        raise source.error(where, "must list platforms as sys.platform names",
                           hint='e.g. runs-on = ["darwin"] (macOS), ["linux"], ["win32"]')
    return list(items)


def _requirements(source: _File, where: list[str], items: list[Any]) -> list[str]:
    result = []
    for item in items:
        if not isinstance(item, str):
            raise source.error(where, f"requirement {item!r} must be a string like 'onnx==1.23.1'")
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            raise source.error(where, f"invalid requirement {item!r}: {exc}") from exc
        result.append(item)
    return result


def _axes(source: _File, where: list[str], table: Any) -> list[list[AxisValue]]:
    _check_keys(source, where, table, {k: list for k in table} if isinstance(table, dict) else {})
    axes = []
    for package, values in table.items():
        _check_name(source, [*where, package], package, DISTRIBUTION_NAME, "a distribution name")
        if not values:
            raise source.error([*where, package], "an axis needs at least one version")
        parsed = [_axis_value(source, [*where, package], package, v) for v in values]
        versions = [v.version for v in parsed]
        if len(set(versions)) != len(versions):
            raise source.error([*where, package], f"repeated version in {versions}")
        axes.append(sorted(parsed, key=lambda v: Version(v.version)))
    return axes


def _axis_value(source: _File, where: list[str], package: str, value: Any) -> AxisValue:
    if isinstance(value, str):
        value = {"version": value}
    if not isinstance(value, dict):
        raise source.error(where, f"{value!r} must be a version string or a table")
    _check_keys(source, where, value, AXIS_VALUE_KEYS)
    if "version" not in value:
        raise source.error(where, f"{value!r} has no 'version'")
    try:
        Version(value["version"])
        Requirement(f"{package}=={value['version']}")
    except (InvalidVersion, InvalidRequirement) as exc:
        raise source.error(where, f"{value['version']!r} is not a valid version") from exc
    companions = _requirements(source, [*where, "with"], value.get("with", []))
    allow_cuda = value.get("allow-cuda", "")
    if "allow-cuda" in value and not allow_cuda.strip():
        raise source.error([*where, "allow-cuda"], "must say why this version may install CUDA packages",
                           hint='e.g. allow-cuda = "only a CUDA build of this release lies on the local index"')
    return AxisValue(package, value["version"], tuple(companions), value.get("why", ""), allow_cuda.strip())


def _exclusions(source: _File, where: list[str], rules: list[Any]) -> list[dict[str, str]]:
    parsed = []
    for rule in rules:
        _check_keys(source, [*where, "exclude"], rule, EXCLUDE_KEYS)
        if "match" not in rule or "why" not in rule:
            raise source.error(
                [*where, "exclude"], "each exclusion needs 'match' and 'why' (say why it is excluded)"
            )
        if not all(isinstance(v, str) for v in rule["match"].values()):
            raise source.error([*where, "exclude"], "'match' maps axis names to version strings")
        parsed.append(dict(rule["match"]))
    return parsed


def _excluded(chosen: Mapping[str, AxisValue], rule: Mapping[str, str]) -> bool:
    for package, version in rule.items():
        value = chosen.get(package)
        if value is None or value.version != version:
            return False
    return True
