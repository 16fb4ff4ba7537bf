"""What a model file declares: its graph inputs (name, element type, dimensions) and the
external-data files it names, read with ``onnx`` without loading the external data.

The element types and the inputs made for them are plain tables here, so that what a
case's inputs are is readable without onnx (``tests/unit/plugins``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Dimensions the graph leaves symbolic (``batch``) or unknown are given this size.
SYMBOLIC_SIZE = 1

# ONNX TensorProto element types (onnx.proto's numbers) the generated inputs cover: NumPy dtype names.
ELEMENT_TYPES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
}
# The kind of seeded values (tracker's InputSpec kinds) made for an input, by the kind of its dtype;
# integers in [0, 10): non-negative, so that an index or a count is one for most models.
VALUE_KINDS = {"f": ("normal", None, None), "i": ("int", 0, 10), "u": ("int", 0, 10), "b": ("bool", None, None)}


@dataclasses.dataclass(frozen=True)
class DeclaredInput:
    """A graph input as declared: ``dims`` holds an int for a fixed dimension, the name of a
    symbolic one (``"batch"``), or ``None`` for an unknown one; ``None`` for no shape at all."""

    name: str
    element_type: int
    dims: tuple[int | str | None, ...] | None

    @property
    def dtype(self) -> str | None:
        """The NumPy dtype of the values, ``None`` for a type the generated inputs do not cover."""
        return ELEMENT_TYPES.get(self.element_type)

    def shape(self) -> tuple[int, ...]:
        """The shape of the generated values: symbolic and unknown dimensions at :data:`SYMBOLIC_SIZE`."""
        return tuple(d if isinstance(d, int) else SYMBOLIC_SIZE for d in self.dims or ())

    def dynamic(self) -> tuple[tuple[int, str], ...]:
        """The symbolic and unknown dimensions, as ``InputSpec.dynamic`` has them (unknown ones
        named after the input and the axis)."""
        return tuple((axis, d if isinstance(d, str) else f"{self.name}:{axis}")
                     for axis, d in enumerate(self.dims or ()) if not isinstance(d, int))

    def describe(self) -> str:
        dims = "no declared shape" if self.dims is None else \
            "[" + ", ".join("?" if d is None else str(d) for d in self.dims) + "]"
        return f"{self.name} {self.dtype or f'element type {self.element_type}'} {dims}"


@dataclasses.dataclass(frozen=True)
class Declared:
    """What a model file declares: its inputs (initializers excluded) and external-data files."""

    inputs: tuple[DeclaredInput, ...]
    data_files: tuple[str, ...]


def read(path: Path) -> Declared:
    """The declared inputs and external-data locations of the model at ``path``; onnx's
    exception if it cannot be parsed."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    initializers = {tensor.name for tensor in graph.initializer}
    inputs = tuple(_declared(value) for value in graph.input if value.name not in initializers)
    locations = {entry.value for tensor in _tensors(graph) if tensor.data_location == onnx.TensorProto.EXTERNAL
                 for entry in tensor.external_data if entry.key == "location"}
    return Declared(inputs, tuple(sorted(locations)))


def _declared(value: Any) -> DeclaredInput:
    if not value.type.HasField("tensor_type"):
        return DeclaredInput(value.name, 0, None)
    tensor = value.type.tensor_type
    if not tensor.HasField("shape"):
        return DeclaredInput(value.name, tensor.elem_type, None)
    dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim)
    return DeclaredInput(value.name, tensor.elem_type, dims)


def _tensors(graph: Any) -> Iterator[Any]:
    """Every tensor of a graph that may hold data: initializers and node attributes, in
    subgraphs too."""
    yield from graph.initializer
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("g"):
                yield from _tensors(attribute.g)
            for subgraph in attribute.graphs:
                yield from _tensors(subgraph)


def external_data_files(path: Path) -> list[Path]:
    """The external-data files the model at ``path`` names (checked when its case was made)."""
    return [path.parent / location for location in read(path).data_files]
