"""Cases: one model with its inputs, a stable id and a content hash.

A case's content hash covers what defines it: the source text of its builder (and of the
module-level helpers the builder uses), its parameters, its seed, its input recipe (with
the source of a custom input's callable, or the SHA-256 of its ``.npz`` file), the
SHA-256 of its local weights if it loads any, the source of its labels' callable if it
has labels and, for generated models, the generator's
version and the generated definition. Results are only ever compared for the same
``(id, hash)``: editing a model, its inputs or its weights starts a new history.

The source is read with :mod:`ast` from the plugin's file, so hashing a case never
imports a deep-learning framework.
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import functools
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tracker import custom_inputs, labels, local_files
from tracker.errors import InternalError, PluginError, SelectionError
from tracker.inputs import InputSpec

CASE_KINDS = ("real", "unit", "synthetic")


@dataclasses.dataclass(frozen=True)
class ModelCase:
    """One model of the model set.

    :param id: stable, unique across plugins (``"hf-bert"``, ``"op-grid-sample"``).
    :param framework: name of the framework plugin that builds it.
    :param builder: ``"module:callable"``; called with ``**params`` after seeding.
    :param kind: ``real`` (a published architecture), ``unit`` (a small module around
        operators that trip converters), ``synthetic`` (generated).
    :param sets: the named model sets it belongs to (``smoke``, ``default``, ``full``).
    :param samples: how many input sets are generated (at least 2).
    :param definition: for generated models, the generated definition (its text is what
        ``tracker models show`` prints and what is hashed); real models use their source.
    :param generator: ``"name version"`` of the generator for generated models.
    :param requires: top-level modules the builder needs beyond its framework's
        (``torchvision``, ``timm``). In an environment where one is missing the case is
        not applicable: the sweep leaves it out of that pair and says so. Not hashed: it
        says where a case can run, not what it is.
    :param weights: the location of local weights the framework loads into the built
        model: an absolute path or ``"package.module:relative/path"`` (relative to that
        module's directory; :mod:`tracker.local_files`). A PyTorch ``state_dict`` file
        (loaded with ``weights_only=True``), a Hugging Face ``save_pretrained`` directory,
        a Keras ``.keras`` or ``.weights.h5`` file. Their SHA-256, not their location, is
        hashed; nothing is downloaded.
    :param labels: for inputs that are a labelled data set: ``"package.module:callable"``
        giving each input set's true labels (:mod:`tracker.labels`); oracles then judge
        the predictions against them. Its source is hashed.
    """

    id: str
    framework: str
    builder: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    inputs: tuple[InputSpec, ...] = ()
    seed: int = 0
    kind: str = "real"
    sets: frozenset[str] = frozenset({"default", "full"})
    tags: tuple[str, ...] = ()
    description: str = ""
    samples: int = 2
    definition: str | None = None
    generator: str | None = None
    requires: tuple[str, ...] = ()
    weights: str | None = None
    labels: str | None = None

    def __post_init__(self) -> None:
        if case_id_problem(self.id):
            raise InternalError(f"case id {self.id!r} must be non-empty, without spaces or '/'")
        if ":" not in self.builder:
            raise InternalError(f"case {self.id}: builder {self.builder!r} is not 'module:callable'")
        if self.kind not in CASE_KINDS:
            raise InternalError(f"case {self.id}: kind {self.kind!r} not in {CASE_KINDS}")
        if self.samples < 1:
            raise InternalError(f"case {self.id}: samples must be >= 1")
        problem = None if self.weights is None else local_files.location_problem(self.weights)
        if problem:
            raise InternalError(f"case {self.id}: the weights location {self.weights!r} {problem}")
        problem = None if self.labels is None else labels.source_problem(self.labels)
        if problem:
            raise InternalError(f"case {self.id}: its labels {problem}")
        object.__setattr__(self, "sets", frozenset(self.sets))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "requires", tuple(self.requires))
        json.dumps(dict(self.params), sort_keys=True)  # params must be JSON: they are hashed

    # -- identity -------------------------------------------------------------------------
    def source_text(self) -> str:
        """The text that defines the model: the generated definition, or the builder source."""
        if self.definition is not None:
            return self.definition
        module, _, attribute = self.builder.partition(":")
        return builder_source(module, attribute.split(".")[0])

    def recipe(self) -> dict[str, Any]:
        """Everything hashed, as JSON-able data. What only some cases have (local weights, a
        custom input's content) is absent from the others, so that their hashes stay."""
        recipe = {
            "framework": self.framework,
            "builder": self.builder,
            "source": self.source_text(),
            "params": dict(self.params),
            "inputs": [self._input_recipe(spec) for spec in self.inputs],
            "seed": self.seed,
            "samples": self.samples,
            "generator": self.generator,
        }
        if self.weights is not None:
            recipe["weights"] = {"sha256": self._weights_digest}
        if self.labels is not None:
            recipe["labels"] = {"source": self.labels, "code": self._callable_source(self.labels, "labels")}
        return recipe

    def weights_path(self) -> Path | None:
        """Where the case's local weights are (``None``: it loads none); a
        :class:`tracker.errors.CaseFileError` naming the case and the path if they are missing."""
        if self.weights is None:
            return None
        return local_files.resolve(self.weights, owner=f"case {self.id}", what="weights")

    @functools.cached_property
    def _weights_digest(self) -> str:
        return local_files.digest(self.weights_path())  # type: ignore[arg-type]

    def _input_recipe(self, spec: InputSpec) -> dict[str, Any]:
        """An input as hashed: a custom one with its content (``content``): the callable's
        source (what ``tracker repro`` regenerates the values with), or the file's SHA-256."""
        data = spec.to_json()
        if spec.kind != "custom":
            return data
        source = str(spec.source)
        if custom_inputs.is_file(source):
            path = local_files.resolve(source, owner=f"case {self.id}", what=f"input {spec.name!r} arrays")
            data["content"] = {"sha256": local_files.digest(path)}
            return data
        data["content"] = {"code": self._callable_source(source, f"the values of input {spec.name!r}")}
        return data

    def _callable_source(self, source: str, what: str) -> str:
        """The source of the plugin's callable ``source`` (``"module:callable"``), hashed."""
        module, _, attribute = source.partition(":")
        try:
            return builder_source(module, attribute.split(".")[0])
        except InternalError as error:
            raise PluginError(f"case {self.id}: {what} come from {source}, whose source cannot be read: {error}",
                              hint="name a top-level callable of a module of the plugin, as builders are named") \
                from None

    @functools.cached_property
    def content_hash(self) -> str:
        return hash_json(self.recipe())[:16]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.content_hash}"

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        """Input name -> {axis: dimension name} of the dimensions declared dynamic."""
        return {spec.name: dict(spec.dynamic) for spec in self.inputs if spec.dynamic}


def case_id_problem(case_id: str) -> str | None:
    """What is wrong with ``case_id`` as a case id (``None``: nothing): it must be
    non-empty, without whitespace (line breaks included) or ``/``."""
    if not case_id:
        return "is empty"
    if any(c.isspace() for c in case_id) or "/" in case_id:
        return "has whitespace or '/'"
    return None


def hash_json(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------
# Builder source, read without importing


@functools.cache
def _module_definitions(path: str) -> tuple[str, dict[str, ast.AST], list[ast.AST]]:
    """The module's text, its top-level definitions by name, and its import statements."""
    text = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(text, filename=path)
    definitions: dict[str, ast.AST] = {}
    imports: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, ast.Import) or (
            isinstance(node, ast.ImportFrom) and node.module != "__future__"
        ):
            imports.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    definitions[target.id] = node
    return text, definitions, imports


def _bound_names(node: ast.AST) -> set[str]:
    """The names an import statement binds (``import a.b`` binds ``a``)."""
    return {alias.asname or alias.name.split(".")[0] for alias in node.names}  # type: ignore[attr-defined]


def _segment(text: str, node: ast.AST) -> str:
    """The source of a top-level statement, with its decorators (which
    ``ast.get_source_segment`` leaves out: a decorator changes what is defined). The
    same text as ``ast.get_source_segment``, which splits the whole module again for
    each statement (milliseconds each: a case's hash takes several); here the module's
    lines are split once."""
    decorators = getattr(node, "decorator_list", [])
    if not decorators:
        return _source_segment(_ast_lines(text), node)
    lines = _kept_lines(text)
    first = min(d.lineno for d in decorators) - 1
    return "".join(lines[first:node.end_lineno]).rstrip("\n")  # type: ignore[attr-defined]


_AST_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@functools.lru_cache(maxsize=16)
def _ast_lines(text: str) -> tuple[str, ...]:
    """``text`` split into lines as ``ast`` counts them (at \\r\\n, \\r or \\n only), ends kept."""
    return tuple(_AST_LINE.findall(text))


@functools.lru_cache(maxsize=16)
def _kept_lines(text: str) -> tuple[str, ...]:
    return tuple(text.splitlines(keepends=True))


def _source_segment(lines: tuple[str, ...], node: ast.AST) -> str:
    """``ast.get_source_segment(text, node) or ""`` from the text's :func:`_ast_lines`."""
    end_lineno, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_lineno is None or end_col is None:
        return ""
    first, last, col = node.lineno - 1, end_lineno - 1, node.col_offset  # type: ignore[attr-defined]
    if first == last:
        return lines[first].encode()[col:end_col].decode()
    return "".join([lines[first].encode()[col:].decode(), *lines[first + 1:last],
                    lines[last].encode()[:end_col].decode()])


def builder_source(module: str, name: str) -> str:
    """Source of ``module.name`` and of the module-level names it uses, transitively,
    after the module's import statements that bind a name they use: a self-contained
    definition (``tracker repro`` writes it into stand-alone scripts)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise InternalError(f"cannot find builder module {module!r}: {exc}") from exc
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise InternalError(f"builder module {module!r} has no Python source file")
    text, definitions, imports = _module_definitions(spec.origin)
    if name not in definitions:
        raise InternalError(f"{module} has no top-level definition named {name!r}")
    seen: list[str] = []
    used: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        for child in ast.walk(definitions[current]):
            if isinstance(child, ast.Name):
                used.add(child.id)
                if child.id in definitions and child.id not in seen:
                    pending.append(child.id)
    header = [_segment(text, node) for node in imports if _bound_names(node) & used]
    parts = [_segment(text, definitions[n]) for n in sorted(seen)]
    sections = (["\n".join(header)] if header else []) + parts
    return "\n\n\n".join(sections)


# ---------------------------------------------------------------------------------------
# Model sets and selection


def known_sets(cases: Iterable[ModelCase]) -> list[str]:
    return sorted({name for case in cases for name in case.sets})


def select(
    cases: Sequence[ModelCase],
    *,
    model_set: str | None = None,
    patterns: Sequence[str] = (),
    frameworks: Sequence[str] | None = None,
) -> list[ModelCase]:
    """Cases of ``model_set`` (all if ``None``) whose id matches one of ``patterns``.

    Patterns are ids or shell-style globs (``hf-*``). A set or pattern that matches
    nothing is an error naming what exists, not an empty sweep.
    """
    chosen = list(cases)
    if frameworks is not None:
        chosen = [c for c in chosen if c.framework in frameworks]
    if model_set is not None:
        sets = known_sets(cases)
        if model_set not in sets:
            raise SelectionError(
                f"unknown model set {model_set!r}",
                hint=f"known sets: {', '.join(sets) or '(none: no model plugin is installed)'}",
            )
        chosen = [c for c in chosen if model_set in c.sets]
    if patterns:
        wanted = [p for pattern in patterns for p in pattern.split(",") if p]
        unmatched = [p for p in wanted if not any(fnmatch.fnmatchcase(c.id, p) for c in cases)]
        if unmatched:
            close = sorted(c.id for c in cases)[:20]
            raise SelectionError(
                f"no case matches {', '.join(map(repr, unmatched))}",
                hint=f"see `tracker models list`; some ids: {', '.join(close)}",
            )
        chosen = [c for c in chosen if any(fnmatch.fnmatchcase(c.id, p) for p in wanted)]
    return sorted(chosen, key=lambda c: c.id)


def manifest_hash(cases: Iterable[ModelCase]) -> str:
    """Hash of the exact list of cases (ids and content hashes) a run covered."""
    return hash_json(sorted(case.key for case in cases))[:16]
