"""A Core ML model's interface (its inputs and outputs), and how it must match the source's.

Core ML's multi-array types are FLOAT32, FLOAT16, DOUBLE, INT32 and INT8: a source type
Core ML does not have is represented by a *stand-in* that coremltools picks by design
(int64 as INT32, bool as FLOAT32, ...; a neural network, which computes in floating point,
gives integer outputs as FLOAT32). A stand-in is not a failure, it is counted; any other
type, or a shape other than the source's, is.

Pure Python and NumPy: the spec (a protobuf) is read into :class:`Feature` values by
:func:`features_of` in :mod:`tracker_coreml.spec`, which needs coremltools.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

# source dtype -> the Core ML multi-array type that represents it exactly
EXACT = {"float32": "FLOAT32", "float16": "FLOAT16", "float64": "DOUBLE", "int32": "INT32", "int8": "INT8"}
# source dtype -> what coremltools uses where Core ML has no such type
STAND_INS = {
    "int64": ("INT32",),  # no 64-bit integers in Core ML
    "uint8": ("INT32",),
    "int16": ("INT32",),
    "uint16": ("INT32",),
    "int8": ("INT32",),
    "float64": ("FLOAT32",),  # MIL computes in float32 at most
    "float16": ("FLOAT32",),  # a float16 interface needs iOS16 / macOS13
    "bool": ("FLOAT32", "FLOAT16", "INT32"),  # no boolean multi-arrays
}
# A neural network computes in floating point: its integer and boolean outputs are FLOAT32
NEURALNETWORK_STAND_INS = {
    **STAND_INS,
    **{dtype: (*STAND_INS.get(dtype, ()), "FLOAT32")
       for dtype in ("int64", "int32", "int16", "int8", "uint8", "uint16")},
}
# Core ML multi-array type -> the NumPy dtype its values come back as
NUMPY_OF = {"FLOAT32": "float32", "FLOAT16": "float16", "DOUBLE": "float64", "INT32": "int32", "INT8": "int8"}


@dataclasses.dataclass(frozen=True)
class Feature:
    """One input or output of a Core ML model, as its spec declares it.

    :param kind: the feature type (``multiArrayType``, ``imageType``, ``doubleType``...).
    :param dtype: for a multi-array, its ``ArrayDataType`` name (``FLOAT32``).
    :param shape: the declared shape; empty when the spec declares none (a neural network's
        outputs, an output whose shape depends on the data).
    :param ranges: for a flexible shape, ``(lower, upper)`` per dimension (``upper`` -1:
        unbounded); ``None`` when the shape is fixed.
    """

    name: str
    kind: str
    dtype: str | None = None
    shape: tuple[int, ...] = ()
    ranges: tuple[tuple[int, int], ...] | None = None


@dataclasses.dataclass(frozen=True)
class Wanted:
    """What the source declares for one input or output: name, shape, NumPy dtype name."""

    name: str | None
    shape: tuple[int, ...]
    dtype: str


@dataclasses.dataclass
class Comparison:
    problems: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (subkind, text)
    stand_ins: list[str] = dataclasses.field(default_factory=list)
    undeclared_shapes: int = 0

    def add(self, other: Comparison) -> None:
        self.problems += other.problems
        self.stand_ins += other.stand_ins
        self.undeclared_shapes += other.undeclared_shapes


def compare(declared: Sequence[Feature], wanted: Sequence[Wanted], what: str,
            check_names: bool, stand_ins: Mapping[str, tuple[str, ...]] = STAND_INS) -> Comparison:
    """Compare a model's ``declared`` inputs (or outputs: ``what``) with the source's;
    ``stand_ins`` are the types accepted for a source dtype the format does not have."""
    result = Comparison()
    if len(declared) != len(wanted):
        result.problems.append(("count", f"{len(declared)} {what}s ({', '.join(f.name for f in declared)}), "
                                         f"the source has {len(wanted)}"))
    for index, (feature, want) in enumerate(zip(declared, wanted, strict=False)):  # counted above
        label = f"{what} {index} ({feature.name})"
        if check_names and want.name is not None and feature.name != want.name:
            result.problems.append(("name", f"{what} {index} is named {feature.name!r}, the source's "
                                            f"{want.name!r}"))
        if feature.kind != "multiArrayType":
            result.problems.append(("type", f"{label} is a {feature.kind}, not a multi-array"))
            continue
        dtype_problem = _dtype(feature, want, label, result, stand_ins)
        if dtype_problem:
            result.problems.append(("dtype", dtype_problem))
        shape_problem = _shape(feature, want, label, result)
        if shape_problem:
            result.problems.append(("shape", shape_problem))
    return result


def _dtype(feature: Feature, want: Wanted, label: str, result: Comparison,
           stand_ins: Mapping[str, tuple[str, ...]]) -> str | None:
    if EXACT.get(want.dtype) == feature.dtype:
        return None
    if feature.dtype in stand_ins.get(want.dtype, ()):
        result.stand_ins.append(f"{label}: {want.dtype} as {feature.dtype}")
        return None
    return f"{label} is {feature.dtype}, the source's is {want.dtype}"


def _shape(feature: Feature, want: Wanted, label: str, result: Comparison) -> str | None:
    if feature.ranges is not None:
        if len(feature.ranges) != len(want.shape):
            return f"{label} has rank {len(feature.ranges)} (flexible), the source's shape is {list(want.shape)}"
        for axis, ((lower, upper), size) in enumerate(zip(feature.ranges, want.shape, strict=True)):
            if size < lower or (upper >= 0 and size > upper):
                return (f"{label} allows [{lower}, {upper if upper >= 0 else 'inf'}] on axis {axis}, "
                        f"the source's shape is {list(want.shape)}")
        return None
    if not feature.shape:
        if want.shape:  # nothing declared (a rank-0 output declares nothing either)
            result.undeclared_shapes += 1
        return None
    if tuple(feature.shape) != tuple(want.shape):
        return f"{label} has shape {list(feature.shape)}, the source's is {list(want.shape)}"
    return None


def restore(value: Any, coreml_dtype: str, source_dtype: str | None) -> Any:
    """A Core ML output back in the source's dtype, where Core ML held it in a stand-in
    (``int64`` returned as ``int32``, or as ``float32`` by a neural network); any other
    output is returned as it is."""
    import numpy as np

    if source_dtype is None or coreml_dtype not in NEURALNETWORK_STAND_INS.get(source_dtype, ()):
        return value
    array = np.asarray(value)
    if source_dtype == "bool":
        return array != 0
    if np.dtype(source_dtype).kind in "iu" and array.dtype.kind == "f":
        array = np.rint(array)  # a float that holds an integer, within its rounding
    return array.astype(source_dtype)
