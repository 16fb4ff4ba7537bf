"""The generator: a seeded random graph of exactly N operators, valid by construction.

``generate(seed, nodes)`` draws the model's inputs from the seed alone (:func:`input_types`,
cheap: registering a case needs them, not the graph), then grows the graph one operator
at a time, as NNSmith does: an operator kind is drawn uniformly from
:data:`tracker_synthetic.ops.OPS`, it picks operands among the tensors built so far
(unused tensors first, so that the graph is deep and every input is read), and its
proposal is kept if its results fit (shape and magnitude limits). The tensors nothing
reads are the outputs.

Reproducibility: all randomness comes from one private ``random.Random``, seeded from
``(VERSION, seed, nodes)`` through SHA-256, and only its integer and float draws are used
(``random()``, ``randrange``, ``choice``, ``shuffle``, ``sample``), whose streams Python
keeps stable across versions and platforms. Nothing depends on hash ordering or on the
clock. Bump :data:`VERSION` whenever the graphs a seed gives change.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any

from tracker_synthetic.facts import BOOL, Facts
from tracker_synthetic.ir import Graph, TensorType
from tracker_synthetic.ops import OPS, ConstSpec, Proposal, small

VERSION = "1.0"
GENERATOR = f"tracker-synthetic {VERSION}"

# The inputs' value ranges, as the tracker's input recipes draw them (InputSpec kinds
# "uniform" in [low, high) and "int" in range(low, high)).
FLOAT_RANGE = (-3.0, 3.0)
INT_RANGE = (-10, 10)


class GenerationError(RuntimeError):
    """The generator could not complete a graph (a bug of the generator: report the seed)."""


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.sha256("/".join(map(str, (GENERATOR, *parts))).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def input_types(seed: int) -> list[TensorType]:
    """The model inputs of every graph of ``seed``: one to three tensors; the first is
    often an NCHW float32 image-like tensor (convolutions need one)."""
    rng = _rng("inputs", seed)
    types = []
    if rng.random() < 0.6:
        shape = (rng.randint(1, 2), rng.randint(1, 8), rng.randint(4, 16), rng.randint(4, 16))
        types.append(TensorType("float32", shape))
    else:
        types.append(TensorType("float32", _shape(rng)))
    for _ in range(rng.choice((0, 1, 1, 2))):
        dtype = rng.choices(("float32", "int64", "bool", "float16"), (4, 3, 2, 1))[0]
        types.append(TensorType(dtype, _shape(rng)))
    return types


def _shape(rng: random.Random) -> tuple[int, ...]:
    while True:
        shape = tuple(rng.randint(1, 12) for _ in range(rng.randint(1, 4)))
        if small(shape) and max(shape) >= 2:
            return shape


def input_facts(ttype: TensorType) -> Facts:
    if ttype.dtype == "bool":
        return BOOL
    if ttype.dtype == "int64":
        return Facts(float(INT_RANGE[0]), float(INT_RANGE[1] - 1), True, True)
    return Facts(*FLOAT_RANGE, True, False)


class Tensor:
    """A tensor of the graph being built, with what the generator knows about its values.
    (A plain class with its type's fields copied: operand picking reads them a lot.)"""

    __slots__ = ("id", "type", "facts", "kind", "dtype", "shape", "rank", "numel")

    def __init__(self, id: int, type: TensorType, facts: Facts, kind: str):  # noqa: A002
        self.id, self.type, self.facts = id, type, facts
        self.kind = kind  # "input", "const", "weight", or "value" (an operator's result)
        self.dtype, self.shape, self.rank, self.numel = type.dtype, type.shape, type.rank, type.numel

    def __repr__(self) -> str:
        return f"<tensor %{self.id} {self.type.text()} {self.kind}>"


class Builder:
    """The graph being built, and the operand picking the operators use."""

    def __init__(self, rng: random.Random, inputs: list[TensorType]):
        self.rng = rng
        self.graph = Graph()
        self.tensors: dict[int, Tensor] = {}
        self.pickable: list[Tensor] = []  # inputs and operators' results: not constants
        self.uses: dict[int, int] = {}
        self.required: int | None = None  # an input the next operator must read
        for index, ttype in enumerate(inputs):
            node = self.graph.add("input", [], [ttype], {"name": f"x{index}"})
            self._track(node.outputs[0], ttype, input_facts(ttype), "input")

    def _track(self, tensor: int, ttype: TensorType, facts: Facts, kind: str) -> Tensor:
        self.tensors[tensor] = Tensor(tensor, ttype, facts, kind)
        if kind in ("input", "value"):
            self.pickable.append(self.tensors[tensor])
        self.uses[tensor] = 0
        return self.tensors[tensor]

    def pick(self, ok: Callable[[Tensor], bool]) -> Tensor | None:
        """A random tensor (not a constant) for which ``ok`` holds: an unread input is
        almost always preferred, then tensors nothing reads yet, the newer the likelier."""
        candidates, weights = [], []
        for t in self.pickable:
            if not ok(t):
                continue
            unread = self.uses[t.id] == 0
            candidates.append(t)
            weights.append(1000.0 if unread and t.kind == "input" else (8.0 if unread else 1.0) + t.id / 50.0)
        if not candidates:
            return None
        return self.rng.choices(candidates, weights)[0]

    def accept(self, op: str, proposal: Proposal) -> bool:
        """Add the proposed node (and its constants) if every result fits the limits."""
        for ttype, facts in proposal.outs:
            if not small(ttype.shape) or not facts.fits(ttype.dtype) or ttype.rank == 0:
                return False
        reads = [x.id for x in proposal.inputs if isinstance(x, Tensor)]
        if self.required is not None and self.required not in reads:
            return False
        ids = []
        for item in proposal.inputs:
            if isinstance(item, ConstSpec):
                kind = "weight" if item.weight else "const"
                node = self.graph.add(kind, [], [item.type], {"low": item.low, "high": item.high})
                self._track(node.outputs[0], item.type, item.facts, kind)
                ids.append(node.outputs[0])
            else:
                ids.append(item.id)
        node = self.graph.add(op, ids, [t for t, _ in proposal.outs], proposal.attrs)
        for tensor in ids:
            self.uses[tensor] += 1
        for tensor, (ttype, facts) in zip(node.outputs, proposal.outs):
            self._track(tensor, ttype, facts, "value")
        return True

    def unread_inputs(self) -> list[int]:
        return [t.id for t in self.tensors.values() if t.kind == "input" and self.uses[t.id] == 0]


def generate(seed: int, nodes: int) -> Graph:
    """The graph of ``nodes`` operators for ``seed`` (the same on every machine)."""
    return grow(seed, nodes).graph


def grow(seed: int, nodes: int) -> Builder:
    """The builder that made the graph of ``(seed, nodes)``: the graph (``.graph``) and
    what the generator knew about each tensor (``.tensors[id].facts``)."""
    if nodes < 1:
        raise ValueError(f"a graph needs at least one operator, not {nodes}")
    rng = _rng("graph", seed, nodes)
    builder = Builder(rng, input_types(seed))
    names = list(OPS)
    count, attempts = 0, 0
    while count < nodes:
        attempts += 1
        if attempts > 500 * nodes:
            raise GenerationError(f"no graph of {nodes} operators for seed {seed} after {attempts} attempts")
        unread = builder.unread_inputs()
        builder.required = unread[0] if unread and nodes - count <= len(unread) else None
        op = OPS[rng.choice(names)]
        proposal = op.propose(builder)
        if proposal is not None and builder.accept(op.name, proposal):
            count += 1
    graph = builder.graph
    values = [t for t in builder.tensors.values() if t.kind == "value"]
    graph.outputs = tuple(t.id for t in values if builder.uses[t.id] == 0)
    return builder
