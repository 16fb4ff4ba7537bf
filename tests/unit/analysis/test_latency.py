"""The rank test that judges slowdowns (tracker.analysis.latency), against values worked
out by hand and against its own exact and approximate branches."""

from __future__ import annotations

import math
import random

import pytest

from tracker.analysis.latency import LatencyRules, judge, mann_whitney_greater


def test_separated_samples_have_the_smallest_exact_p():
    # 5 against 5, every after larger: 1 ordering of C(10, 5) = 252
    assert mann_whitney_greater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(1 / 252)
    assert mann_whitney_greater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]) == pytest.approx(1.0)


def test_one_swap_is_the_next_smallest_p():
    # U = 24 of 25: the orderings with U >= 24 are 2 of 252
    assert mann_whitney_greater([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]) == pytest.approx(2 / 252)


def test_ties_take_the_normal_approximation_with_its_corrections():
    # scipy.stats.mannwhitneyu(after, before, alternative="greater", method="asymptotic") gives
    # 0.021765124517855765 (scipy 1.16, checked 2026-12-04)
    before, after = [1, 1, 2, 2, 3, 3, 4], [2, 3, 3, 4, 5, 5, 6]
    assert mann_whitney_greater(before, after) == pytest.approx(0.021765124517855765, rel=1e-9)


def test_the_exact_p_is_used_up_to_twenty_a_side():
    rng = random.Random(7)
    for n_after, n_before in ((20, 20), (3, 17)):
        before = [rng.random() for _ in range(n_before)]
        after = [rng.random() for _ in range(n_after)]
        p = mann_whitney_greater(before, after)
        u = sum(a > b for a in after for b in before)
        brute = _brute_force_p(before, after, u) if n_after + n_before <= 20 else None
        assert 0 < p <= 1 and (brute is None or p == pytest.approx(brute))


def _brute_force_p(before, after, u):
    """The share of all relabellings of the pooled values with a U at least ``u``."""
    import itertools

    pooled = [*after, *before]
    count = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(after)):
        picked = set(chosen)
        a = [pooled[i] for i in picked]
        b = [pooled[i] for i in range(len(pooled)) if i not in picked]
        total += 1
        count += sum(x > y for x in a for y in b) >= u
    return count / total


def test_all_equal_is_never_larger():
    assert mann_whitney_greater([1.0] * 30, [1.0] * 30) == 1.0


def test_a_slowdown_is_large_significant_and_beyond_the_floor():
    before = [0.020 + 0.0001 * k for k in range(10)]
    after = [0.050 + 0.0001 * k for k in range(10)]
    assert judge(before, after).slowdown
    assert not judge(before, [x * 1.2 for x in before]).slowdown  # not large: x1.2
    assert not judge([x / 10 for x in before], [x / 10 for x in after]).slowdown  # 2 ms -> 5 ms: under 5 ms
    assert not judge(before, after, noise=(0.040, None)).slowdown  # under the noise measured on that run
    assert not judge(before[:1], after[:1]).slowdown  # one run per side: no test
    assert judge(before[:1], after[:1]).p_value is None
    assert not judge([], after).slowdown and "no latency samples" in judge([], after).describe()


def test_values_a_store_should_not_hold_are_left_out():
    before = [0.020] * 4 + [math.nan, -1.0, math.inf, 0.021, 0.022]
    step = judge(before, [0.050, 0.051, 0.052, 0.053, 0.054], LatencyRules())
    assert step.before_median == pytest.approx(0.020) and step.slowdown


def test_cpu_time_is_judged_where_both_sides_have_it():
    before = [0.020 + 0.0001 * k for k in range(10)]
    after = [3 * x for x in before]  # x3 in wall time: the machine was shared
    step = judge(before, after, cpu=(before, before))
    assert not step.slowdown and "CPU time" in step.describe()
    assert judge(before, after).slowdown  # wall time alone: a slowdown
    assert judge(before, after, cpu=(before, [])).slowdown  # one side without CPU time: wall time
    assert judge(before, before, cpu=(before, after)).slowdown  # x3 in CPU time: a slowdown whatever the wall
