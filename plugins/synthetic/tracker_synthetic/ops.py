"""The operators: for each, where it may be applied (dtypes, shapes, value ranges), how its
attributes are drawn, the type and value facts of its result, and its PyTorch and
TensorFlow expressions.

An operator's :meth:`Op.propose` picks operands from the graph built so far (through the
:class:`~tracker_synthetic.generate.Builder`), draws attributes with the builder's seeded
``random.Random`` and returns a :class:`Proposal`, or ``None`` when nothing in the graph
suits it. Everything it proposes is valid by construction: the shapes and attributes
satisfy the operator's constraints in both frameworks, and the value facts
(:mod:`tracker_synthetic.facts`) keep the results finite.

Expressions are Python source: ``a`` holds the names of the inputs' variables. Images are
NCHW as in PyTorch; the TensorFlow expressions of convolutions, pooling and resizing
transpose to NHWC and back, since TensorFlow's CPU kernels have no NCHW form.

Adding an operator: subclass :class:`Op` (or use a family below), add it to :data:`OPS`,
bump :data:`tracker_synthetic.generate.VERSION` (the graphs change).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tracker_synthetic import facts as F
from tracker_synthetic.facts import BOOL, Facts
from tracker_synthetic.ir import FLOATS, Node, TensorType

if TYPE_CHECKING:
    from tracker_synthetic.generate import Builder, Tensor

MAX_NUMEL = 4096
MAX_DIM = 64
# Scalars exactly representable in float16 as in float32, so that no framework rounds them
# differently (PyTorch computes ``x + 0.1`` for float16 x in float32, TensorFlow in float16).
DYADIC = (-2.0, -1.5, -1.0, -0.5, -0.25, 0.25, 0.5, 0.75, 1.5, 2.0, 3.0)
NEG_FLOAT32 = -3.4028234663852886e38  # float32's lowest: the padding of max pooling
NUMERIC = ("float32", "float16", "int64")


@dataclasses.dataclass(frozen=True)
class ConstSpec:
    """A constant an operator asks for: drawn uniformly in [low, high) (integers: from
    ``range(low, high)``; bool: fair coins). ``weight`` marks an operator's parameter (a
    PyTorch ``Parameter``, a Keras weight) rather than a plain constant."""

    dtype: str
    shape: tuple[int, ...]
    low: float
    high: float
    weight: bool = False

    @property
    def facts(self) -> Facts:
        if self.dtype == "bool":
            return BOOL
        if self.dtype == "int64":
            return Facts(float(self.low), float(self.high - 1), True, True)
        return Facts(float(self.low), float(self.high), True, False)

    @property
    def type(self) -> TensorType:
        return TensorType(self.dtype, tuple(self.shape))


@dataclasses.dataclass
class Proposal:
    inputs: list[Any]  # Tensor or ConstSpec, in the operator's order
    outs: list[tuple[TensorType, Facts]]
    attrs: list[tuple[str, Any]] = dataclasses.field(default_factory=list)


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def broadcast(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...] | None:
    """NumPy's broadcasting of two shapes, or ``None``."""
    out = []
    for x, y in zip(reversed(tuple(a)), reversed(tuple(b))):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    longer = a if len(a) > len(b) else b
    out.extend(reversed(tuple(longer)[: abs(len(a) - len(b))]))
    return tuple(reversed(out))


def small(shape: Sequence[int]) -> bool:
    return numel(shape) <= MAX_NUMEL and all(1 <= d <= MAX_DIM for d in shape)


def partner_shape(rng, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``shape``: some dimensions 1, maybe fewer leading ones."""
    out = tuple(1 if rng.random() < 0.4 else d for d in shape)
    drop = rng.randrange(len(shape) + 1) if shape and rng.random() < 0.3 else 0
    return out[drop:]


def dims(shape: Sequence[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def dlist(values: Sequence[Any]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


class Op:
    """One operator kind. Subclasses set ``name`` and write the three methods."""

    name: str = ""
    # helper functions of the emitted TensorFlow code this operator needs (emit.TF_HELPERS)
    tf_helpers: tuple[str, ...] = ()

    def propose(self, b: Builder) -> Proposal | None:
        raise NotImplementedError

    def torch(self, node: Node, a: list[str], types: dict[int, TensorType]) -> str:
        raise NotImplementedError

    def tf(self, node: Node, a: list[str], types: dict[int, TensorType]) -> str:
        raise NotImplementedError

    def tf_weight_perm(self, index: int) -> tuple[int, ...] | None:
        """The transposition from the IR's (PyTorch's) layout of weight input ``index`` to
        the layout TensorFlow's kernel takes, if they differ."""
        return None

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def fmt(template: str, node: Node, a: list[str]) -> str:
    return template.format(*a, **node.attr_map)


# ---------------------------------------------------------------------------------------
# Elementwise unary


class Unary(Op):
    """``transfer(facts, dtype)`` gives the result's facts, or ``None`` where the operator
    may not be applied (outside its domain, or where a discontinuity needs exact input)."""

    def __init__(self, name: str, dtypes: tuple[str, ...], torch: str, tf: str,
                 transfer: Callable[[Facts, str], Facts | None], out_dtype: str | None = None):
        self.name, self.dtypes, self.torch_t, self.tf_t = name, dtypes, torch, tf
        self.transfer, self.out_dtype = transfer, out_dtype

    def propose(self, b: Builder) -> Proposal | None:
        t = b.pick(lambda t: t.dtype in self.dtypes and self.transfer(t.facts, t.dtype) is not None)
        if t is None:
            return None
        result = self.transfer(t.facts, t.dtype)
        return Proposal([t], [(TensorType(self.out_dtype or t.dtype, t.shape), result)])

    def torch(self, node, a, types):
        return fmt(self.torch_t, node, a)

    def tf(self, node, a, types):
        return fmt(self.tf_t, node, a)


def _saturates(f: Facts, at: float) -> bool:
    return f.ties or f.mag > at


def _relu(f, dt):
    return Facts(max(f.lo, 0.0), max(f.hi, 0.0), f.exact, True)


def _leaky(f, dt):
    lo = f.lo * 0.125 if f.lo < 0 else f.lo
    hi = f.hi if f.hi > 0 else f.hi * 0.125
    return Facts(lo, hi, f.exact, f.ties)


def _sigmoid(f, dt):
    return Facts(F.sigmoid(f.lo), F.sigmoid(f.hi), False, _saturates(f, 4.0))


def _tanh(f, dt):
    return Facts(math.tanh(f.lo), math.tanh(f.hi), False, _saturates(f, 4.0))


def _exp(f, dt):
    if f.hi > (8.0 if dt == "float32" else 4.0):
        return None
    lo = math.exp(f.lo) if f.lo > -15 else 0.0
    return Facts(lo, math.exp(f.hi), False, f.ties or f.lo <= -15)


def _log(f, dt):
    # at least 0.05: a one-ulp difference of the input grows at most 20 times
    return Facts(math.log(f.lo), math.log(f.hi), False, f.ties) if f.lo >= 0.05 else None


def _sqrt(f, dt):
    # near 0 only on exact input: sqrt would turn a 1e-7 difference into 3e-4
    if f.lo < 0 or (f.lo < 0.01 and not f.exact):
        return None
    return Facts(math.sqrt(f.lo), math.sqrt(f.hi), f.exact, f.ties)


def _abs(f, dt):
    lo = 0.0 if f.lo <= 0 <= f.hi else min(abs(f.lo), abs(f.hi))
    return Facts(lo, f.mag, f.exact, f.ties)


def _neg(f, dt):
    return Facts(-f.hi, -f.lo, f.exact, f.ties)


def _trig(f, dt):
    return Facts(-1.0, 1.0, False, f.ties) if f.mag <= 50 else None


def _gelu(f, dt):
    return Facts(-0.17, max(f.hi, 0.0), False, f.ties)


def _erf(f, dt):
    return Facts(math.erf(f.lo), math.erf(f.hi), False, _saturates(f, 3.0))


def _elu(f, dt):
    lo = math.expm1(f.lo) if f.lo < 0 else f.lo
    hi = f.hi if f.hi > 0 else math.expm1(f.hi)
    return Facts(lo, hi, False, _saturates(f, 8.0) if f.lo < 0 else f.ties)


def _rounding(f, dt):
    return Facts(float(math.floor(f.lo)), float(math.ceil(f.hi)), True, True) if f.exact else None


def _sign(f, dt):
    return Facts(-1.0, 1.0, True, True) if f.exact else None


def _square(f, dt):
    lo = 0.0 if f.lo <= 0 <= f.hi else min(f.lo * f.lo, f.hi * f.hi)
    return Facts(lo, f.mag * f.mag, f.exact, True)


def _logical_not(f, dt):
    return BOOL


UNARY = [
    Unary("relu", FLOATS, "torch.relu({0})", "tf.nn.relu({0})", _relu),
    Unary("leaky_relu", FLOATS, "F.leaky_relu({0}, 0.125)", "tf.nn.leaky_relu({0}, alpha=0.125)", _leaky),
    Unary("sigmoid", FLOATS, "torch.sigmoid({0})", "tf.math.sigmoid({0})", _sigmoid),
    Unary("tanh", FLOATS, "torch.tanh({0})", "tf.math.tanh({0})", _tanh),
    Unary("exp", FLOATS, "torch.exp({0})", "tf.math.exp({0})", _exp),
    Unary("log", ("float32",), "torch.log({0})", "tf.math.log({0})", _log),
    Unary("sqrt", FLOATS, "torch.sqrt({0})", "tf.math.sqrt({0})", _sqrt),
    Unary("abs", NUMERIC, "torch.abs({0})", "tf.math.abs({0})", _abs),
    Unary("neg", NUMERIC, "torch.neg({0})", "tf.math.negative({0})", _neg),
    Unary("square", NUMERIC, "torch.square({0})", "tf.math.square({0})", _square),
    Unary("sin", ("float32",), "torch.sin({0})", "tf.math.sin({0})", _trig),
    Unary("cos", ("float32",), "torch.cos({0})", "tf.math.cos({0})", _trig),
    Unary("gelu", ("float32",), "F.gelu({0})", "tf.nn.gelu({0}, approximate=False)", _gelu),
    Unary("erf", ("float32",), "torch.erf({0})", "tf.math.erf({0})", _erf),
    Unary("elu", ("float32",), "F.elu({0})", "tf.nn.elu({0})", _elu),
    Unary("floor", FLOATS, "torch.floor({0})", "tf.math.floor({0})", _rounding),
    Unary("ceil", FLOATS, "torch.ceil({0})", "tf.math.ceil({0})", _rounding),
    Unary("round", FLOATS, "torch.round({0})", "tf.math.round({0})", _rounding),  # half to even, both
    Unary("sign", FLOATS, "torch.sign({0})", "tf.math.sign({0})", _sign),
    Unary("logical_not", ("bool",), "torch.logical_not({0})", "tf.math.logical_not({0})", _logical_not),
]


# ---------------------------------------------------------------------------------------
# Elementwise binary, with broadcasting: the other operand is a graph tensor, a constant
# tensor of a broadcastable shape, or (where both frameworks agree on its type) a scalar


class Binary(Op):
    """``combine(a, b, dtype)`` gives the result's interval, or ``None`` where the operator
    may not be applied; ``other_ok`` says which facts of the second operand are allowed;
    ``first_ok`` which of the first; ``const_range(rng)`` draws the range of a constant second operand; ``scalars`` the
    scalars it may take (empty: none)."""

    def __init__(self, name, dtypes, torch, tf, combine, *, exact=True, ties=False,
                 other_ok=lambda f: True, first_ok=lambda f: True, const_range=None, scalars=None,
                 out_dtype=None, needs_exact=False):
        self.name, self.dtypes, self.torch_t, self.tf_t = name, dtypes, torch, tf
        self.combine, self.exact, self.ties, self.other_ok = combine, exact, ties, other_ok
        self.first_ok = first_ok
        self.const_range, self.scalars, self.out_dtype = const_range, scalars, out_dtype
        self.needs_exact = needs_exact

    def _first_ok(self, t: Tensor) -> bool:
        return (t.dtype in self.dtypes and self.first_ok(t.facts)
                and (t.facts.exact or not self.needs_exact))

    def _second_ok(self, t: Tensor, a: Tensor) -> bool:
        shape = broadcast(a.shape, t.shape)
        return (t.dtype == a.dtype and shape is not None and small(shape) and self.other_ok(t.facts)
                and (t.facts.exact or not self.needs_exact))

    def _default_range(self, rng, dtype):
        if dtype == "bool":
            return 0, 2
        if dtype == "int64":
            return -5, 6
        return -1.0, 1.0

    def _scalars(self, dtype):
        if self.scalars is not None:
            return self.scalars(dtype)
        if dtype == "int64":
            return (-3, -2, -1, 1, 2, 3, 5)
        return DYADIC if dtype in FLOATS else ()

    def propose(self, b: Builder) -> Proposal | None:
        a = b.pick(self._first_ok)
        if a is None:
            return None
        mode = b.rng.random()
        other: Any = None
        if mode < 0.5:
            other = b.pick(lambda t: self._second_ok(t, a))
        if other is None and mode < 0.8:
            low, high = (self.const_range or self._default_range)(b.rng, a.dtype)
            other = ConstSpec(a.dtype, partner_shape(b.rng, a.shape), low, high)
        attrs: list[tuple[str, Any]] = []
        if other is None:
            scalars = [s for s in self._scalars(a.dtype)
                       if self.other_ok(Facts(float(s), float(s)))]
            if not scalars:
                return None
            value = b.rng.choice(scalars)
            attrs = [("scalar", value)]
            other_facts, shape = Facts(float(value), float(value)), a.shape
        else:
            other_facts = other.facts
            shape = broadcast(a.shape, other.shape if isinstance(other, ConstSpec) else other.shape)
            if shape is None or not small(shape) or not self.other_ok(other_facts):
                return None
        interval = self.combine(a.facts, other_facts, a.dtype)
        if interval is None:
            return None
        result = Facts(*interval, self.exact and a.facts.exact and other_facts.exact,
                       self.ties or a.facts.ties or other_facts.ties)
        if self.out_dtype == "bool":
            result = BOOL
        inputs = [a] if other is None else [a, other]
        return Proposal(inputs, [(TensorType(self.out_dtype or a.dtype, shape), result)], attrs)

    def torch(self, node, a, types):
        other = a[1] if len(a) > 1 else repr(node.attr("scalar"))
        return self.torch_t.format(a[0], other)

    def tf(self, node, a, types):
        other = a[1] if len(a) > 1 else repr(node.attr("scalar"))
        return self.tf_t.format(a[0], other)


def _add(a, b, dt):
    return F.add(a, b)


def _sub(a, b, dt):
    return F.sub(a, b)


def _mul(a, b, dt):
    return F.mul(a, b)


def _div(a, b, dt):
    corners = (a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi)
    return min(corners), max(corners)


def _maximum(a, b, dt):
    return max(a.lo, b.lo), max(a.hi, b.hi)


def _minimum(a, b, dt):
    return min(a.lo, b.lo), min(a.hi, b.hi)


def _pow(a, b, dt):
    """A base of at least 0.5, or an exact non-negative one with an exponent of at least
    1 (``x ** 0.5`` near 0 magnifies differences as ``sqrt`` does). On a box of positive
    bases, ``x ** e`` takes its extremes at the corners."""
    if a.lo < 0 or (a.lo < 0.5 and not (a.exact and b.lo >= 1.0)) or a.hi > 100.0:
        return None
    corners = [x ** e for x in (a.lo, a.hi) for e in (b.lo, b.hi)]
    if b.lo <= 0 <= b.hi:
        corners.append(1.0)
    return min(corners), max(corners)


def _floor_div(a, b, dt):
    return -(a.mag + 1.0), a.mag + 1.0


def _remainder(a, b, dt):
    return -(b.mag - 1.0), b.mag - 1.0


def _compare(a, b, dt):
    return 0.0, 1.0


def _signed_divisor(rng, dtype):
    if dtype == "int64":
        return (1, 6) if rng.random() < 0.5 else (-5, 0)
    return (0.5, 2.0) if rng.random() < 0.5 else (-2.0, -0.5)


def _int_divisors(dtype):
    return (-3, -2, 2, 3, 5)


BINARY = [
    Binary("add", NUMERIC, "torch.add({0}, {1})", "tf.math.add({0}, {1})", _add),
    Binary("sub", NUMERIC, "torch.sub({0}, {1})", "tf.math.subtract({0}, {1})", _sub),
    Binary("mul", NUMERIC, "torch.mul({0}, {1})", "tf.math.multiply({0}, {1})", _mul),
    # PyTorch divides float16 by a scalar as a product with its reciprocal: not exact
    Binary("div", FLOATS, "torch.div({0}, {1})", "tf.math.divide({0}, {1})", _div, exact=False,
           other_ok=lambda f: F.away_from_zero(f, 0.5), const_range=_signed_divisor),
    # no scalars: torch.maximum takes tensors only
    Binary("maximum", NUMERIC, "torch.maximum({0}, {1})", "tf.math.maximum({0}, {1})", _maximum,
           ties=True, scalars=lambda dt: ()),
    Binary("minimum", NUMERIC, "torch.minimum({0}, {1})", "tf.math.minimum({0}, {1})", _minimum,
           ties=True, scalars=lambda dt: ()),
    Binary("pow", ("float32",), "torch.pow({0}, {1})", "tf.math.pow({0}, {1})", _pow, exact=False,
           other_ok=lambda f: f.mag <= 2.0, first_ok=lambda f: 0 <= f.lo and f.hi <= 100.0,
           const_range=lambda rng, dt: (-2.0, 2.0) if rng.random() < 0.3 else (1.0, 2.0),
           scalars=lambda dt: (-1.5, -1.0, -0.5, 0.5, 1.5, 2.0, 3.0)),
    Binary("floor_div", ("int64",), 'torch.div({0}, {1}, rounding_mode="floor")',
           "tf.math.floordiv({0}, {1})", _floor_div,
           other_ok=lambda f: F.away_from_zero(f, 1.0), const_range=_signed_divisor, scalars=_int_divisors),
    Binary("remainder", ("int64",), "torch.remainder({0}, {1})", "tf.math.floormod({0}, {1})", _remainder,
           other_ok=lambda f: F.away_from_zero(f, 1.0), const_range=_signed_divisor, scalars=_int_divisors),
    Binary("greater", NUMERIC, "torch.gt({0}, {1})", "tf.math.greater({0}, {1})", _compare,
           out_dtype="bool", needs_exact=True),
    Binary("less", NUMERIC, "torch.lt({0}, {1})", "tf.math.less({0}, {1})", _compare,
           out_dtype="bool", needs_exact=True),
    Binary("equal", ("int64", "bool"), "torch.eq({0}, {1})", "tf.math.equal({0}, {1})", _compare,
           out_dtype="bool", scalars=lambda dt: (-1, 0, 1, 2) if dt == "int64" else ()),
    Binary("logical_and", ("bool",), "torch.logical_and({0}, {1})", "tf.math.logical_and({0}, {1})",
           _compare, out_dtype="bool"),
    Binary("logical_or", ("bool",), "torch.logical_or({0}, {1})", "tf.math.logical_or({0}, {1})",
           _compare, out_dtype="bool"),
    Binary("logical_xor", ("bool",), "torch.logical_xor({0}, {1})", "tf.math.logical_xor({0}, {1})",
           _compare, out_dtype="bool"),
]


# ---------------------------------------------------------------------------------------
# where, cast, clip


class Where(Op):
    name = "where"

    def propose(self, b):
        cond = b.pick(lambda t: t.dtype == "bool")
        if cond is None:
            return None
        x = b.pick(lambda t: t is not cond and (s := broadcast(cond.shape, t.shape)) is not None and small(s))
        if x is None:
            return None
        shape = broadcast(cond.shape, x.shape)
        low, high = (0, 2) if x.dtype == "bool" else (-5, 6) if x.dtype == "int64" else (-1.0, 1.0)
        y = (b.pick(lambda t: t.dtype == x.dtype and (s := broadcast(shape, t.shape)) is not None and small(s))
             if b.rng.random() < 0.5 else None)
        y = y or ConstSpec(x.dtype, partner_shape(b.rng, shape), low, high)
        shape = broadcast(shape, y.shape)
        if shape is None or not small(shape):
            return None
        yf = y.facts
        result = Facts(min(x.facts.lo, yf.lo), max(x.facts.hi, yf.hi), x.facts.exact and yf.exact, True)
        return Proposal([cond, x, y], [(TensorType(x.dtype, shape), result)])

    def torch(self, node, a, types):
        return f"torch.where({a[0]}, {a[1]}, {a[2]})"

    def tf(self, node, a, types):
        return f"tf.where({a[0]}, {a[1]}, {a[2]})"


TORCH_DTYPE = {"float32": "torch.float32", "float16": "torch.float16", "int64": "torch.int64", "bool": "torch.bool"}
TF_DTYPE = {"float32": "tf.float32", "float16": "tf.float16", "int64": "tf.int64", "bool": "tf.bool"}


def _cast_targets(f: Facts, dtype: str) -> list[str]:
    targets = []
    for to in ("float32", "float16", "int64", "bool"):
        if to == dtype:
            continue
        if to == "float16" and f.mag > F.MAGNITUDE["float16"]:
            continue
        if dtype in FLOATS and to in ("int64", "bool") and not f.exact:
            continue  # truncation and != 0 are discontinuous
        targets.append(to)
    return targets


class Cast(Op):
    name = "cast"

    def propose(self, b):
        t = b.pick(lambda t: bool(_cast_targets(t.facts, t.dtype)))
        if t is None:
            return None
        to = b.rng.choice(_cast_targets(t.facts, t.dtype))
        f = t.facts
        if to == "bool":
            result = BOOL
        elif to == "int64":
            result = Facts(float(math.trunc(f.lo)), float(math.trunc(f.hi)), True, True)
        elif to == "float16":
            result = f.but(ties=True)  # rounding to float16 merges neighbours
        else:
            result = f
        return Proposal([t], [(TensorType(to, t.shape), result)], [("to", to)])

    def torch(self, node, a, types):
        return f"{a[0]}.to({TORCH_DTYPE[node.attr('to')]})"

    def tf(self, node, a, types):
        return f"tf.cast({a[0]}, {TF_DTYPE[node.attr('to')]})"


def _quarter(x: float) -> float:
    return math.floor(x * 4.0) / 4.0


class Clip(Op):
    name = "clip"

    def propose(self, b):
        t = b.pick(lambda t: t.dtype in NUMERIC and t.facts.hi - t.facts.lo >= 1.0)
        if t is None:
            return None
        f, rng = t.facts, b.rng
        if t.dtype == "int64":
            low = math.floor(f.lo + (f.hi - f.lo) * rng.random() * 0.5)
            high = math.ceil(f.hi - (f.hi - f.lo) * rng.random() * 0.5)
            low, high = int(low), int(max(high, low + 1))
        else:
            low = _quarter(f.lo + (f.hi - f.lo) * rng.random() * 0.5)
            high = max(_quarter(f.hi - (f.hi - f.lo) * rng.random() * 0.5), low + 0.25)
        clamp = lambda x: min(max(x, low), high)  # noqa: E731
        return Proposal([t], [(t.type, Facts(clamp(f.lo), clamp(f.hi), f.exact, True))],
                        [("min", low), ("max", high)])

    def torch(self, node, a, types):
        return f"torch.clamp({a[0]}, {node.attr('min')!r}, {node.attr('max')!r})"

    def tf(self, node, a, types):
        return f"tf.clip_by_value({a[0]}, {node.attr('min')!r}, {node.attr('max')!r})"


# ---------------------------------------------------------------------------------------
# Linear algebra, convolution, pooling, resizing, normalization (float32)


def _f32(t: Tensor, rank: int | None = None, min_rank: int = 1) -> bool:
    return t.dtype == "float32" and (t.rank == rank if rank is not None else t.rank >= min_rank)


class Linear(Op):
    name = "linear"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t, min_rank=2))
        if t is None:
            return None
        k, n = t.shape[-1], b.rng.randint(1, 32)
        shape = (*t.shape[:-1], n)
        if not small(shape):
            return None
        bound = 1.0 / math.sqrt(k)
        mag = t.facts.mag * math.sqrt(k) + bound
        return Proposal([t, ConstSpec("float32", (k, n), -bound, bound, True),
                         ConstSpec("float32", (n,), -bound, bound, True)],
                        [(TensorType("float32", shape), Facts(-mag, mag, False, t.facts.ties))])

    def torch(self, node, a, types):
        return f"torch.matmul({a[0]}, {a[1]}) + {a[2]}"

    def tf(self, node, a, types):
        return f"tf.linalg.matmul({a[0]}, {a[1]}) + {a[2]}"


class MatMul(Op):
    name = "matmul"

    def propose(self, b):
        a = b.pick(lambda t: _f32(t, min_rank=2))
        if a is None:
            return None

        def fits(t):
            if not _f32(t, min_rank=2) or t.shape[-2] != a.shape[-1]:
                return False
            if t.rank != 2 and t.shape[:-2] != a.shape[:-2]:
                return False
            return small((*a.shape[:-1], t.shape[-1]))

        other = b.pick(fits)
        if other is None:
            return None
        k = a.shape[-1]
        mag = k * a.facts.mag * other.facts.mag
        shape = (*a.shape[:-1], other.shape[-1])
        return Proposal([a, other], [(TensorType("float32", shape), Facts(-mag, mag, False, True))])

    def torch(self, node, a, types):
        return f"torch.matmul({a[0]}, {a[1]})"

    def tf(self, node, a, types):
        return f"tf.linalg.matmul({a[0]}, {a[1]})"


def _window_out(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def _tf_pads(node: Node) -> str:
    ph, pw = node.attr("padding")
    return f"[[0, 0], [{ph}, {ph}], [{pw}, {pw}], [0, 0]]"


class Conv2d(Op):
    """A 2-d convolution, NCHW, with bias; ``depthwise``: one filter per channel."""

    tf_helpers = ("_to_nhwc", "_to_nchw")

    def __init__(self, depthwise: bool):
        self.depthwise = depthwise
        self.name = "depthwise_conv2d" if depthwise else "conv2d"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t, rank=4))
        if t is None:
            return None
        rng = b.rng
        n, c, h, w = t.shape
        out = c if self.depthwise else rng.randint(1, 16)
        kh, kw = rng.randint(1, min(3, h)), rng.randint(1, min(3, w))
        stride = rng.choice((1, 1, 2))
        dilation = rng.choice((1, 2)) if stride == 1 else 1
        ph, pw = rng.randint(0, dilation * (kh - 1) // 2), rng.randint(0, dilation * (kw - 1) // 2)
        oh, ow = _window_out(h, kh, stride, ph, dilation), _window_out(w, kw, stride, pw, dilation)
        if oh < 1 or ow < 1 or not small((n, out, oh, ow)):
            return None
        fan = (1 if self.depthwise else c) * kh * kw
        bound = 1.0 / math.sqrt(fan)
        mag = t.facts.mag * math.sqrt(fan) + bound
        weight = ConstSpec("float32", (out, 1 if self.depthwise else c, kh, kw), -bound, bound, True)
        return Proposal([t, weight, ConstSpec("float32", (out,), -bound, bound, True)],
                        [(TensorType("float32", (n, out, oh, ow)), Facts(-mag, mag, False, t.facts.ties))],
                        [("stride", stride), ("padding", (ph, pw)), ("dilation", dilation)])

    def torch(self, node, a, types):
        groups = types[node.inputs[0]].shape[1] if self.depthwise else 1
        return (f"F.conv2d({a[0]}, {a[1]}, {a[2]}, stride={node.attr('stride')}, "
                f"padding={dims(node.attr('padding'))}, dilation={node.attr('dilation')}, groups={groups})")

    def tf(self, node, a, types):
        s, d = node.attr("stride"), node.attr("dilation")
        padded = f"tf.pad(_to_nhwc({a[0]}), {_tf_pads(node)})"
        if self.depthwise:
            conv = (f"tf.nn.depthwise_conv2d({padded}, {a[1]}, strides=[1, {s}, {s}, 1], "
                    f'padding="VALID", dilations=[{d}, {d}])')
        else:
            conv = f'tf.nn.conv2d({padded}, {a[1]}, strides={s}, padding="VALID", dilations={d})'
        return f"_to_nchw(tf.nn.bias_add({conv}, {a[2]}))"

    def tf_weight_perm(self, index):
        # PyTorch's OIHW (depthwise: C,1,H,W) -> TensorFlow's HWIO (depthwise: H,W,C,1)
        if index != 1:
            return None
        return (2, 3, 0, 1) if self.depthwise else (2, 3, 1, 0)


class Pool2d(Op):
    """Max or average pooling, NCHW; average pooling counts the zero padding (PyTorch's
    default ``count_include_pad=True``), which TensorFlow gets by padding first."""

    tf_helpers = ("_to_nhwc", "_to_nchw")

    def __init__(self, kind: str):
        self.kind = kind
        self.name = f"{kind}_pool2d"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t, rank=4) and min(t.shape[2:]) >= 2)
        if t is None:
            return None
        rng = b.rng
        n, c, h, w = t.shape
        k = rng.randint(2, min(3, h, w))
        stride = rng.randint(1, 2)
        pad = rng.randint(0, k // 2)
        oh, ow = _window_out(h, k, stride, pad), _window_out(w, k, stride, pad)
        if oh < 1 or ow < 1:
            return None
        f = t.facts
        result = f.but(ties=True) if self.kind == "max" else Facts(min(f.lo, 0.0), max(f.hi, 0.0), False, f.ties)
        if pad == 0 and self.kind == "avg":
            result = Facts(f.lo, f.hi, False, f.ties)
        return Proposal([t], [(TensorType("float32", (n, c, oh, ow)), result)],
                        [("kernel", k), ("stride", stride), ("padding", pad)])

    def torch(self, node, a, types):
        k, s, p = node.attr("kernel"), node.attr("stride"), node.attr("padding")
        return f"F.{self.kind}_pool2d({a[0]}, {k}, {s}, {p})"

    def tf(self, node, a, types):
        k, s, p = node.attr("kernel"), node.attr("stride"), node.attr("padding")
        value = f", constant_values={NEG_FLOAT32!r}" if self.kind == "max" else ""
        padded = f"tf.pad(_to_nhwc({a[0]}), [[0, 0], [{p}, {p}], [{p}, {p}], [0, 0]]{value})"
        return f'_to_nchw(tf.nn.{self.kind}_pool2d({padded}, {k}, {s}, "VALID"))'


class Resize(Op):
    """Nearest (integer factors, where PyTorch's and TensorFlow's pixel conventions agree)
    or bilinear (half-pixel centres, any size, no antialiasing) resizing, NCHW."""

    tf_helpers = ("_to_nhwc", "_to_nchw")

    def __init__(self, mode: str):
        self.mode = mode
        self.name = f"resize_{mode}"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t, rank=4))
        if t is None:
            return None
        rng = b.rng
        n, c, h, w = t.shape
        if self.mode == "nearest":
            fh, fw = rng.randint(1, 3), rng.randint(1, 3)
            if fh == fw == 1:
                fh = 2
            size = (h * fh, w * fw)
        else:
            size = (rng.randint(max(1, h // 2), 2 * h), rng.randint(max(1, w // 2), 2 * w))
            if size == (h, w):
                return None
        if not small((n, c, *size)):
            return None
        f = t.facts
        result = f.but(ties=True) if self.mode == "nearest" else f.but(exact=False, ties=True)
        return Proposal([t], [(TensorType("float32", (n, c, *size)), result)], [("size", size)])

    def torch(self, node, a, types):
        extra = ", align_corners=False" if self.mode == "bilinear" else ""
        return f'F.interpolate({a[0]}, size={dims(node.attr("size"))}, mode="{self.mode}"{extra})'

    def tf(self, node, a, types):
        return f'_to_nchw(tf.image.resize(_to_nhwc({a[0]}), {dlist(node.attr("size"))}, method="{self.mode}"))'


class BatchNorm(Op):
    """Batch normalization in inference mode: fixed statistics over channel axis 1."""

    name = "batch_norm"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t, min_rank=2) and t.rank <= 4)
        if t is None:
            return None
        c = t.shape[1]
        mag = (t.facts.mag + 1.0) / math.sqrt(0.5) * 1.5 + 0.5
        return Proposal([t, ConstSpec("float32", (c,), -1.0, 1.0), ConstSpec("float32", (c,), 0.5, 2.0),
                         ConstSpec("float32", (c,), 0.5, 1.5, True), ConstSpec("float32", (c,), -0.5, 0.5, True)],
                        [(t.type, Facts(-mag, mag, False, t.facts.ties))])

    def torch(self, node, a, types):
        return f"F.batch_norm({a[0]}, {a[1]}, {a[2]}, {a[3]}, {a[4]}, training=False, eps=1e-05)"

    def tf(self, node, a, types):
        shape = [1] * types[node.inputs[0]].rank
        shape[1] = -1
        r = [f"tf.reshape({name}, {dlist(shape)})" for name in a[1:]]
        return f"tf.nn.batch_normalization({a[0]}, {r[0]}, {r[1]}, {r[3]}, {r[2]}, 1e-05)"


class LayerNorm(Op):
    """Layer normalization over the last axis, with eps 0.1. Random graphs make nearly
    constant rows (saturated ``tanh``/``erf``, ``relu`` zeros); there a variance computed as
    ``E[x^2] - E[x]^2`` (ONNX Runtime's kernel) cancels, and with PyTorch's eps 1e-5 two
    correct kernels differed by 1e-4 on such rows: a mismatch that is nobody's bug. With
    eps 0.1 the normalization magnifies differences at most about 3 times."""

    name = "layer_norm"
    tf_helpers = ("_layer_norm",)

    def propose(self, b):
        t = b.pick(lambda t: _f32(t) and t.shape[-1] >= 2)
        if t is None:
            return None
        n = t.shape[-1]
        mag = min(math.sqrt(n), 2 * t.facts.mag / math.sqrt(0.1)) * 1.5 + 0.5
        return Proposal([t, ConstSpec("float32", (n,), 0.5, 1.5, True), ConstSpec("float32", (n,), -0.5, 0.5, True)],
                        [(t.type, Facts(-mag, mag, False, t.facts.ties))])

    def torch(self, node, a, types):
        n = types[node.inputs[0]].shape[-1]
        return f"F.layer_norm({a[0]}, ({n},), {a[1]}, {a[2]}, eps=0.1)"

    def tf(self, node, a, types):
        return f"_layer_norm({a[0]}, {a[1]}, {a[2]}, 0.1)"


class Softmax(Op):
    def __init__(self, log: bool):
        self.log = log
        self.name = "log_softmax" if log else "softmax"

    def propose(self, b):
        t = b.pick(lambda t: _f32(t))
        if t is None:
            return None
        axis = b.rng.randrange(t.rank)
        f, n = t.facts, t.shape[axis]
        result = (Facts(-(f.hi - f.lo) - math.log(n), 0.0, False, f.ties) if self.log
                  else Facts(0.0, 1.0, False, f.ties))
        return Proposal([t], [(t.type, result)], [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.{self.name}({a[0]}, dim={node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.nn.{self.name}({a[0]}, axis={node.attr('axis')})"


# ---------------------------------------------------------------------------------------
# Reductions, arg-reductions, cumulative sums, top-k


def _reduced(shape: tuple[int, ...], axis: int, keepdim: bool) -> tuple[int, ...]:
    return shape[:axis] + ((1,) if keepdim else ()) + shape[axis + 1:]


class Reduce(Op):
    """A reduction along one axis, the reduced axis kept (size 1) or dropped."""

    def __init__(self, name, dtypes, torch, tf, transfer):
        self.name, self.dtypes, self.torch_f, self.tf_f, self.transfer = name, dtypes, torch, tf, transfer

    def propose(self, b):
        t = b.pick(lambda t: t.dtype in self.dtypes and t.rank >= 1)
        if t is None:
            return None
        axis = b.rng.randrange(t.rank)
        keepdim = t.rank == 1 or b.rng.random() < 0.5
        result = self.transfer(t.facts, t.shape[axis], t.dtype)
        if result is None:
            return None
        dtype = "int64" if self.name.startswith("arg") else t.dtype
        return Proposal([t], [(TensorType(dtype, _reduced(t.shape, axis, keepdim)), result)],
                        [("axis", axis), ("keepdim", keepdim)])

    def torch(self, node, a, types):
        return f"{self.torch_f}({a[0]}, dim={node.attr('axis')}, keepdim={node.attr('keepdim')})"

    def tf(self, node, a, types):
        axis, keepdim = node.attr("axis"), node.attr("keepdim")
        if self.name.startswith("arg"):
            expr = f"{self.tf_f}({a[0]}, axis={axis}, output_type=tf.int64)"
            return f"tf.expand_dims({expr}, {axis})" if keepdim else expr
        return f"{self.tf_f}({a[0]}, axis={axis}, keepdims={keepdim})"


def _sum(f, n, dt):
    return Facts(n * min(f.lo, 0.0), n * max(f.hi, 0.0), dt == "int64", f.ties)


def _mean(f, n, dt):
    return Facts(f.lo, f.hi, False, f.ties)


def _extreme(f, n, dt):
    return f


def _prod(f, n, dt):
    if n > 8 or f.mag > 2.0:
        return None
    bound = max(f.mag ** n, 1.0)
    return Facts(-bound, bound, False, f.ties)


def _any(f, n, dt):
    return BOOL


def _arg(f, n, dt):
    return Facts(0.0, float(n - 1), True, True) if not f.ties else None


REDUCE = [
    Reduce("reduce_sum", ("float32", "int64"), "torch.sum", "tf.reduce_sum", _sum),
    Reduce("reduce_mean", ("float32",), "torch.mean", "tf.reduce_mean", _mean),
    Reduce("reduce_max", NUMERIC, "torch.amax", "tf.reduce_max", _extreme),
    Reduce("reduce_min", NUMERIC, "torch.amin", "tf.reduce_min", _extreme),
    Reduce("reduce_prod", ("float32",), "torch.prod", "tf.reduce_prod", _prod),
    Reduce("reduce_any", ("bool",), "torch.any", "tf.reduce_any", _any),
    Reduce("reduce_all", ("bool",), "torch.all", "tf.reduce_all", _any),
    Reduce("argmax", ("float32",), "torch.argmax", "tf.math.argmax", _arg),
    Reduce("argmin", ("float32",), "torch.argmin", "tf.math.argmin", _arg),
]


class CumSum(Op):
    name = "cumsum"

    def propose(self, b):
        t = b.pick(lambda t: t.dtype in ("float32", "int64"))
        if t is None:
            return None
        axis = b.rng.randrange(t.rank)
        n, f = t.shape[axis], t.facts
        result = Facts(n * min(f.lo, 0.0), n * max(f.hi, 0.0), t.dtype == "int64", f.ties)
        return Proposal([t], [(t.type, result)], [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.cumsum({a[0]}, dim={node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.math.cumsum({a[0]}, axis={node.attr('axis')})"


class TopK(Op):
    """The k largest values along the last axis, sorted (the values only: the order of
    the indices of equal values is unspecified)."""

    name = "topk"

    def propose(self, b):
        t = b.pick(lambda t: t.dtype in ("float32", "int64") and t.shape[-1] >= 2)
        if t is None:
            return None
        k = b.rng.randint(1, min(t.shape[-1], 8))
        return Proposal([t], [(TensorType(t.dtype, (*t.shape[:-1], k)), t.facts)], [("k", k)])

    def torch(self, node, a, types):
        return f"torch.topk({a[0]}, {node.attr('k')}).values"

    def tf(self, node, a, types):
        return f"tf.math.top_k({a[0]}, {node.attr('k')}).values"


# ---------------------------------------------------------------------------------------
# Data movement (every dtype): values unchanged


def _factorize(rng, total: int, rank: int) -> tuple[int, ...]:
    """A random shape of ``rank`` dimensions whose product is ``total``."""
    factors, n, p = [], total, 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    shape = [1] * rank
    for factor in factors:
        shape[rng.randrange(rank)] *= factor
    return tuple(shape)


class Reshape(Op):
    name = "reshape"

    def propose(self, b):
        t = b.pick(lambda t: t.numel > 1)
        if t is None:
            return None
        shape = _factorize(b.rng, t.numel, b.rng.randint(1, 4))
        if shape == t.shape or not small(shape):
            return None
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts)], [("shape", shape)])

    def torch(self, node, a, types):
        return f"torch.reshape({a[0]}, {dims(node.attr('shape'))})"

    def tf(self, node, a, types):
        return f"tf.reshape({a[0]}, {dlist(node.attr('shape'))})"


class Transpose(Op):
    name = "transpose"

    def propose(self, b):
        t = b.pick(lambda t: t.rank >= 2)
        if t is None:
            return None
        perm = list(range(t.rank))
        b.rng.shuffle(perm)
        if perm == sorted(perm):
            perm[0], perm[1] = perm[1], perm[0]
        shape = tuple(t.shape[p] for p in perm)
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts)], [("perm", tuple(perm))])

    def torch(self, node, a, types):
        return f"torch.permute({a[0]}, {dims(node.attr('perm'))})"

    def tf(self, node, a, types):
        return f"tf.transpose({a[0]}, {dlist(node.attr('perm'))})"


class Concat(Op):
    name = "concat"

    def propose(self, b):
        a = b.pick(lambda t: True)
        if a is None:
            return None
        axis = b.rng.randrange(a.rank)

        def matches(t):
            return (t.dtype == a.dtype and t.rank == a.rank
                    and all(x == y for i, (x, y) in enumerate(zip(t.shape, a.shape)) if i != axis))

        parts = [a]
        for _ in range(b.rng.randint(1, 2)):
            parts.append(b.pick(matches) or a)
        total = sum(p.shape[axis] for p in parts)
        shape = a.shape[:axis] + (total,) + a.shape[axis + 1:]
        if not small(shape):
            return None
        f = [p.facts for p in parts]
        result = Facts(min(x.lo for x in f), max(x.hi for x in f), all(x.exact for x in f), True)
        return Proposal(parts, [(TensorType(a.dtype, shape), result)], [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.cat([{', '.join(a)}], dim={node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.concat([{', '.join(a)}], axis={node.attr('axis')})"


class Split(Op):
    name = "split"

    def propose(self, b):
        t = b.pick(lambda t: max(t.shape) >= 2)
        if t is None:
            return None
        axes = [i for i, d in enumerate(t.shape) if d >= 2]
        axis = b.rng.choice(axes)
        n = t.shape[axis]
        pieces = min(n, b.rng.randint(2, 3))
        cuts = sorted(b.rng.sample(range(1, n), pieces - 1))
        sizes = tuple(y - x for x, y in zip([0, *cuts], [*cuts, n]))
        outs = [(TensorType(t.dtype, t.shape[:axis] + (s,) + t.shape[axis + 1:]), t.facts) for s in sizes]
        return Proposal([t], outs, [("axis", axis), ("sizes", sizes)])

    def torch(self, node, a, types):
        return f"torch.split({a[0]}, {dlist(node.attr('sizes'))}, dim={node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.split({a[0]}, {dlist(node.attr('sizes'))}, axis={node.attr('axis')})"


def _index(rank: int, axis: int, item: str) -> str:
    return ", ".join([":"] * axis + [item])


class Slice(Op):
    name = "slice"

    def propose(self, b):
        t = b.pick(lambda t: max(t.shape) >= 2)
        if t is None:
            return None
        rng = b.rng
        axis = rng.choice([i for i, d in enumerate(t.shape) if d >= 2])
        n = t.shape[axis]
        start = rng.randrange(n)
        stop = rng.randint(start + 1, n)
        step = rng.choice((1, 1, 2))
        if (start, stop, step) == (0, n, 1):
            start = 1
        length = len(range(start, stop, step))
        shape = t.shape[:axis] + (length,) + t.shape[axis + 1:]
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts)],
                        [("axis", axis), ("start", start), ("stop", stop), ("step", step)])

    def _item(self, node):
        start, stop, step = node.attr("start"), node.attr("stop"), node.attr("step")
        return f"{start}:{stop}" + (f":{step}" if step != 1 else "")

    def torch(self, node, a, types):
        return f"{a[0]}[{_index(types[node.inputs[0]].rank, node.attr('axis'), self._item(node))}]"

    tf = torch


class Gather(Op):
    """Gather along one axis at constant indices (in range; repeats allowed)."""

    name = "gather"

    def propose(self, b):
        t = b.pick(lambda t: True)
        if t is None:
            return None
        axis = b.rng.randrange(t.rank)
        count = b.rng.randint(1, min(8, 2 * t.shape[axis]))
        shape = t.shape[:axis] + (count,) + t.shape[axis + 1:]
        if not small(shape):
            return None
        indices = ConstSpec("int64", (count,), 0, t.shape[axis])
        return Proposal([t, indices], [(TensorType(t.dtype, shape), t.facts.but(ties=True))], [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.index_select({a[0]}, {node.attr('axis')}, {a[1]})"

    def tf(self, node, a, types):
        return f"tf.gather({a[0]}, {a[1]}, axis={node.attr('axis')})"


class Expand(Op):
    name = "expand"

    def propose(self, b):
        t = b.pick(lambda t: 1 in t.shape)
        if t is None:
            return None
        shape = tuple(b.rng.randint(2, 4) if d == 1 and b.rng.random() < 0.7 else d for d in t.shape)
        if shape == t.shape:
            shape = tuple(2 if d == 1 else d for d in t.shape)
        if not small(shape):
            return None
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts.but(ties=True))], [("shape", shape)])

    def torch(self, node, a, types):
        return f"{a[0]}.expand{dims(node.attr('shape'))}"

    def tf(self, node, a, types):
        return f"tf.broadcast_to({a[0]}, {dlist(node.attr('shape'))})"


class Squeeze(Op):
    name = "squeeze"

    def propose(self, b):
        t = b.pick(lambda t: t.rank >= 2 and 1 in t.shape)
        if t is None:
            return None
        axis = b.rng.choice([i for i, d in enumerate(t.shape) if d == 1])
        return Proposal([t], [(TensorType(t.dtype, t.shape[:axis] + t.shape[axis + 1:]), t.facts)],
                        [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.squeeze({a[0]}, {node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.squeeze({a[0]}, axis=[{node.attr('axis')}])"


class Unsqueeze(Op):
    name = "unsqueeze"

    def propose(self, b):
        t = b.pick(lambda t: t.rank <= 3)
        if t is None:
            return None
        axis = b.rng.randint(0, t.rank)
        return Proposal([t], [(TensorType(t.dtype, t.shape[:axis] + (1,) + t.shape[axis:]), t.facts)],
                        [("axis", axis)])

    def torch(self, node, a, types):
        return f"torch.unsqueeze({a[0]}, {node.attr('axis')})"

    def tf(self, node, a, types):
        return f"tf.expand_dims({a[0]}, {node.attr('axis')})"


class Flatten(Op):
    """Flatten every axis from 1 on (``torch.flatten(x, 1)``)."""

    name = "flatten"

    def propose(self, b):
        t = b.pick(lambda t: t.rank >= 3)
        if t is None:
            return None
        shape = (t.shape[0], t.numel // t.shape[0])
        if not small(shape):
            return None
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts)])

    def torch(self, node, a, types):
        return f"torch.flatten({a[0]}, 1)"

    def tf(self, node, a, types):
        n = types[node.inputs[0]].shape[0]
        return f"tf.reshape({a[0]}, [{n}, -1])"


class Tile(Op):
    name = "tile"

    def propose(self, b):
        t = b.pick(lambda t: True)
        if t is None:
            return None
        reps = [b.rng.choice((1, 1, 2)) for _ in t.shape]
        reps[b.rng.randrange(t.rank)] = 2
        shape = tuple(d * r for d, r in zip(t.shape, reps))
        if not small(shape):
            return None
        return Proposal([t], [(TensorType(t.dtype, shape), t.facts.but(ties=True))], [("reps", tuple(reps))])

    def torch(self, node, a, types):
        return f"torch.tile({a[0]}, {dims(node.attr('reps'))})"

    def tf(self, node, a, types):
        return f"tf.tile({a[0]}, {dlist(node.attr('reps'))})"


class Flip(Op):
    name = "flip"

    def propose(self, b):
        t = b.pick(lambda t: max(t.shape) >= 2)
        if t is None:
            return None
        candidates = [i for i, d in enumerate(t.shape) if d >= 2]
        axes = tuple(sorted(b.rng.sample(candidates, b.rng.randint(1, len(candidates)))))
        return Proposal([t], [(t.type, t.facts)], [("axes", axes)])

    def torch(self, node, a, types):
        return f"torch.flip({a[0]}, {dims(node.attr('axes'))})"

    def tf(self, node, a, types):
        return f"tf.reverse({a[0]}, {dlist(node.attr('axes'))})"


class Pad(Op):
    """Constant (any numeric dtype) or reflect (float32, rank 3-4: PyTorch's limits)
    padding of the last one or two axes."""

    name = "pad"

    def propose(self, b):
        t = b.pick(lambda t: t.dtype in NUMERIC and t.rank >= 2)
        if t is None:
            return None
        rng = b.rng
        reflect = t.dtype == "float32" and t.rank >= 3 and rng.random() < 0.4
        axes = 2 if t.rank == 4 or (t.rank >= 2 and rng.random() < 0.5) else 1
        if reflect:
            axes = 2 if t.rank == 4 else 1
        pads = []  # PyTorch's order: last axis first, (before, after) each
        for axis in range(t.rank - 1, t.rank - 1 - axes, -1):
            limit = t.shape[axis] - 1 if reflect else 2
            pads += [rng.randint(0, min(2, limit)), rng.randint(0, min(2, limit))]
        if not any(pads):
            return None
        shape = list(t.shape)
        for i in range(axes):
            shape[t.rank - 1 - i] += pads[2 * i] + pads[2 * i + 1]
        if not small(shape):
            return None
        value = 0 if reflect else (rng.randint(-3, 3) if t.dtype == "int64" else rng.choice(DYADIC))
        f = t.facts
        result = f.but(ties=True) if reflect else Facts(min(f.lo, value), max(f.hi, value), f.exact, True)
        mode = "reflect" if reflect else "constant"
        return Proposal([t], [(TensorType(t.dtype, tuple(shape)), result)],
                        [("pads", tuple(pads)), ("mode", mode), ("value", value)])

    def torch(self, node, a, types):
        mode = node.attr("mode")
        value = f", value={node.attr('value')!r}" if mode == "constant" else ""
        return f'F.pad({a[0]}, {dims(node.attr("pads"))}, mode="{mode}"{value})'

    def tf(self, node, a, types):
        rank, pads = types[node.inputs[0]].rank, node.attr("pads")
        full = [[0, 0] for _ in range(rank)]
        for i in range(len(pads) // 2):
            full[rank - 1 - i] = [pads[2 * i], pads[2 * i + 1]]
        if node.attr("mode") == "reflect":
            return f'tf.pad({a[0]}, {full}, mode="REFLECT")'
        return f'tf.pad({a[0]}, {full}, constant_values={node.attr("value")!r})'


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        *UNARY, *BINARY, Where(), Cast(), Clip(),
        Linear(), MatMul(), Conv2d(False), Conv2d(True), Pool2d("max"), Pool2d("avg"),
        Resize("nearest"), Resize("bilinear"), BatchNorm(), LayerNorm(), Softmax(False), Softmax(True),
        *REDUCE, CumSum(), TopK(),
        Reshape(), Transpose(), Concat(), Split(), Slice(), Gather(), Expand(), Squeeze(), Unsqueeze(),
        Flatten(), Tile(), Flip(), Pad(),
    ]
}
