"""What the generator knows about the values of a tensor, so that every graph it makes
is valid by construction and numerically fair.

- ``lo``/``hi``: a sound interval holding every value the tensor can take, given the
  inputs' ranges and the constants' ranges (interval arithmetic). Operators with a domain
  (``log``, ``sqrt``, ``div``, ``floor_div``...) are applied only where the interval lies in
  the domain; an operator whose result could leave :data:`MAGNITUDE` (overflow to ``inf``,
  integers beyond float precision) is not applied. So the reference outputs are finite.
- ``exact``: every operation on the way is exactly specified (correctly rounded IEEE
  arithmetic, comparisons, data movement), so every correct implementation gives the same
  bits. Discontinuous operators (``floor``, comparisons, casts to integers) are applied
  only to exact tensors: applied to ``tanh(x)``, a one-ulp difference between two correct
  kernels would flip a result, a mismatch that is no converter's fault.
- ``ties``: the tensor may hold equal values along an axis, where ``argmax`` is ambiguous.
"""

from __future__ import annotations

import dataclasses
import math

# The largest magnitude a tensor may reach: far from float16's 65504 and float32's 3e38;
# integers stay exact when cast to float32 (2**24); and float32 sums stay small enough
# that their rounding (which differs between correct kernels) stays within the numeric
# oracle's absolute tolerance where a result cancels to near 0.
MAGNITUDE = {"float32": 1e3, "float16": 500.0, "int64": 1e6, "bool": 1.0}


@dataclasses.dataclass(frozen=True)
class Facts:
    lo: float
    hi: float
    exact: bool = True
    ties: bool = False

    def __post_init__(self) -> None:
        if not (self.lo <= self.hi) or math.isnan(self.lo) or math.isnan(self.hi):
            raise ValueError(f"bad interval [{self.lo}, {self.hi}]")

    @property
    def mag(self) -> float:
        return max(abs(self.lo), abs(self.hi))

    def fits(self, dtype: str) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi) and self.mag <= MAGNITUDE[dtype]

    def but(self, **changes) -> Facts:
        return dataclasses.replace(self, **changes)


BOOL = Facts(0.0, 1.0, True, True)


def span(values, exact: bool, ties: bool) -> Facts:
    values = list(values)
    return Facts(min(values), max(values), exact, ties)


def add(a: Facts, b: Facts) -> tuple[float, float]:
    return a.lo + b.lo, a.hi + b.hi


def sub(a: Facts, b: Facts) -> tuple[float, float]:
    return a.lo - b.hi, a.hi - b.lo


def mul(a: Facts, b: Facts) -> tuple[float, float]:
    corners = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
    return min(corners), max(corners)


def away_from_zero(f: Facts, margin: float) -> bool:
    """Whether every value has magnitude at least ``margin`` (a safe divisor)."""
    return f.lo >= margin or f.hi <= -margin


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -30 else 0.0
