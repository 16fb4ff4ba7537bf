"""Whether one result's latency samples are slower than another's, beyond noise.

A slowdown needs all three of:

- **large**: the median after is at least ``ratio`` (1.5) times the median before;
- **beyond the floor**: the medians differ by at least the floor: the larger of the
  configured ``floor`` (5 ms) and the timing noise measured on the machine as each side's
  run began (``runs.timer_noise_seconds``, :mod:`tracker.worker.noise`). Below it, a
  shared machine's scheduler alone moves a run that much;
- **significant**: a one-sided Mann-Whitney U (rank) test says the after samples are
  larger with ``p < alpha`` (0.01), on at least ``min_samples`` (5) samples per side. It
  makes no assumption on the samples' distribution (latencies are skewed, with outliers
  where the scheduler interrupted a run); its p is exact for small samples without ties,
  else from the normal approximation with the tie correction. asv judges its benchmarks
  the same way.

One sample per side (a store without samples, or an oracle that took one) is never
significant: no slowdown is claimed from it.

The samples judged are the runs' CPU times where both sides have them
(:data:`tracker.api.CPU_TIME`), else their wall times. Other processes sharing the cores
lengthen a run's wall time, not its CPU time: the same pair swept twice on this 2-core
machine beside other work showed 22 "slowdowns" and "speedups" of x1.7-x4 of 234 results
in wall time (2026-12-04), each side's samples consistent with each other, the machine
not. Rescaling by a fixed loop timed between the runs did not help (8 left: a loop of a
millisecond fits in one time slice, a run of 100 ms does not).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class LatencyRules:
    ratio: float = 1.5
    floor: float = 0.005
    alpha: float = 0.01
    min_samples: int = 5


@dataclasses.dataclass(frozen=True)
class LatencyStep:
    """What the samples of both sides say."""

    before_median: float | None
    after_median: float | None
    p_value: float | None  # None: too few samples to test
    floor: float  # the difference of medians a slowdown must exceed
    slowdown: bool
    measure: str = "wall time"  # of the samples judged: "CPU time" or "wall time"

    def describe(self) -> str:
        if self.before_median is None or self.after_median is None:
            return "no latency samples"
        ratio = self.after_median / self.before_median if self.before_median > 0 else math.inf
        test = "too few samples for a rank test" if self.p_value is None else f"rank test p={self.p_value:.2g}"
        return (f"{self.measure} median {_ms(self.before_median)} -> {_ms(self.after_median)} (x{ratio:.2f}), "
                f"{test}, floor {_ms(self.floor)}")


def judge(before: Sequence[float], after: Sequence[float], rules: LatencyRules = LatencyRules(),
          noise: Sequence[float | None] = (), cpu: Sequence[Sequence[float]] = ()) -> LatencyStep:
    """The step from ``before`` to ``after`` (wall seconds per run); ``noise``: the timing
    noise of each side's run, where it was measured; ``cpu``: each side's CPU seconds of
    the same runs, judged instead where both have them."""
    measure = "wall time"
    if len(cpu) == 2 and all(_valid(side) for side in cpu):
        before, after, measure = cpu[0], cpu[1], "CPU time"
    before = _valid(before)
    after = _valid(after)
    floor = max([rules.floor, *(n for n in noise if n is not None and math.isfinite(n))])
    if not before or not after:
        return LatencyStep(None, None, None, floor, False)
    low, high = statistics.median(before), statistics.median(after)
    p = None
    if min(len(before), len(after)) >= rules.min_samples:
        p = mann_whitney_greater(before, after)
    slowdown = (p is not None and p < rules.alpha and high >= rules.ratio * low and high - low >= floor)
    return LatencyStep(low, high, p, floor, slowdown, measure)


def _valid(values: Sequence[float]) -> list[float]:
    return [x for x in values if x is not None and math.isfinite(x) and x >= 0]


def mann_whitney_greater(before: Sequence[float], after: Sequence[float]) -> float:
    """The one-sided p-value of the Mann-Whitney U test that ``after`` tends to be larger
    than ``before``: exact where both have at most 20 values and no value repeats, else the
    normal approximation with the tie correction and a continuity correction."""
    n1, n2 = len(after), len(before)
    if not n1 or not n2:
        raise ValueError("both sides need samples")
    ranks = _ranks([*after, *before])
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2  # pairs (a, b) with a > b, ties counting half
    tied = len(set(ranks)) < len(ranks)
    if not tied and n1 <= 20 and n2 <= 20:
        counts = _u_counts(n1, n2)
        at_least = sum(counts[math.ceil(u):])
        return at_least / math.comb(n1 + n2, n1)
    n = n1 + n2
    ties = sum(t ** 3 - t for t in _tie_sizes(ranks))
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0  # every value equal: nothing is larger
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _tie_sizes(ranks: Sequence[float]) -> list[int]:
    sizes: dict[float, int] = {}
    for rank in ranks:
        sizes[rank] = sizes.get(rank, 0) + 1
    return [size for size in sizes.values() if size > 1]


@functools.cache
def _u_counts(n1: int, n2: int) -> tuple[int, ...]:
    """How many of the C(n1 + n2, n1) orderings give U = 0, 1, ..., n1 * n2."""
    if n1 == 0 or n2 == 0:
        return (1,)
    # the largest value is from the first sample (it beats all n2 others) or from the second
    with_first = _u_counts(n1 - 1, n2)
    with_second = _u_counts(n1, n2 - 1)
    counts = [0] * (n1 * n2 + 1)
    for u, count in enumerate(with_first):
        counts[u + n2] += count
    for u, count in enumerate(with_second):
        counts[u] += count
    return tuple(counts)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"
