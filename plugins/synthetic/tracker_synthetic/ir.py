"""The graph IR of the synthetic models: typed tensors, nodes, and the canonical text.

A graph is a list of nodes in topological order. Every node produces one or more
tensors, numbered in creation order (``%0``, ``%1``, ...); its inputs are earlier tensors.
Three kinds of node are not operators: ``input`` (a model input), ``const`` (a constant
tensor drawn from the graph's seed) and ``weight`` (a parameter of an operator, drawn
likewise). The canonical text (:meth:`Graph.text`) is what identifies a graph: the same
generator version and seed give the same text on every machine.

Standard library only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

DTYPES = ("float32", "float16", "int64", "bool")
SHORT = {"float32": "f32", "float16": "f16", "int64": "i64", "bool": "bool"}
FLOATS = ("float32", "float16")
NOT_OPERATORS = ("input", "const", "weight")


@dataclasses.dataclass(frozen=True)
class TensorType:
    """A tensor's element type and static shape (every dimension at least 1)."""

    dtype: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype {self.dtype!r} is not one of {DTYPES}")
        if any(not isinstance(d, int) or d < 1 for d in self.shape):
            raise ValueError(f"shape {self.shape} has a dimension below 1")

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def text(self) -> str:
        return f"{SHORT[self.dtype]}[{','.join(map(str, self.shape))}]"


@dataclasses.dataclass(frozen=True)
class Node:
    """One node: ``outputs`` are the ids of the tensors it produces, ``inputs`` the ids of
    the tensors it reads, ``attrs`` its attributes in a fixed order."""

    op: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    attrs: tuple[tuple[str, Any], ...] = ()

    @property
    def is_operator(self) -> bool:
        return self.op not in NOT_OPERATORS

    def attr(self, name: str) -> Any:
        for key, value in self.attrs:
            if key == name:
                return value
        raise KeyError(f"node {self.op} has no attribute {name!r}")

    @property
    def attr_map(self) -> dict[str, Any]:
        return dict(self.attrs)


def format_value(value: Any) -> str:
    """Attribute values in the canonical text: Python literals, floats in their shortest
    round-trip form, tuples as lists."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return repr(value)


@dataclasses.dataclass
class Graph:
    """Nodes in topological order, the type of every tensor, and the outputs."""

    nodes: list[Node] = dataclasses.field(default_factory=list)
    types: dict[int, TensorType] = dataclasses.field(default_factory=dict)
    outputs: tuple[int, ...] = ()
    header: str = ""

    def add(self, op: str, inputs: Sequence[int], types: Sequence[TensorType],
            attrs: Mapping[str, Any] | Sequence[tuple[str, Any]] = ()) -> Node:
        for tensor in inputs:
            if tensor not in self.types:
                raise ValueError(f"{op} reads %{tensor}, which no earlier node produces")
        first = len(self.types)
        outputs = tuple(range(first, first + len(types)))
        for tensor, ttype in zip(outputs, types):
            self.types[tensor] = ttype
        items = tuple(attrs.items()) if isinstance(attrs, Mapping) else tuple(attrs)
        node = Node(op, tuple(inputs), outputs, items)
        self.nodes.append(node)
        return node

    # -- queries -----------------------------------------------------------------------
    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "input"]

    @property
    def operators(self) -> list[Node]:
        return [n for n in self.nodes if n.is_operator]

    def producer(self, tensor: int) -> Node:
        for node in self.nodes:
            if tensor in node.outputs:
                return node
        raise KeyError(f"no node produces %{tensor}")

    def consumers(self) -> dict[int, list[Node]]:
        uses: dict[int, list[Node]] = {t: [] for t in self.types}
        for node in self.nodes:
            for tensor in node.inputs:
                uses[tensor].append(node)
        return uses

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.operators:
            counts[node.op] = counts.get(node.op, 0) + 1
        return counts

    # -- the canonical text ----------------------------------------------------------------
    def lines(self) -> Iterator[str]:
        if self.header:
            yield self.header
        for node in self.nodes:
            targets = ", ".join(f"%{t}" for t in node.outputs)
            args = [f"%{t}" for t in node.inputs]
            attrs = [f"{k}={format_value(v)}" for k, v in node.attrs]
            inside = ", ".join(args) + ("; " if args and attrs else "") + ", ".join(attrs)
            types = ", ".join(self.types[t].text() for t in node.outputs)
            yield f"{targets} = {node.op}({inside}) : {types}"
        yield "return " + ", ".join(f"%{t}" for t in self.outputs)

    def text(self) -> str:
        return "\n".join(self.lines()) + "\n"
