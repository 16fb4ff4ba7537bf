"""The machine's timing noise, measured as a run begins: how far one timed run of a fixed
piece of work strays above its typical time (the scheduler preempting it, the clock's
resolution, frequency changes). Stored with the run (``runs.timer_noise_seconds``); a
slowdown between versions must exceed it (:mod:`tracker.analysis.latency`).

The work is a pure-Python loop of about half a millisecond, timed ``repeats`` (200) times:
the noise is the 99th percentile's excess over the median, plus the clock's resolution.
About 0.1 s per run; on a quiet machine tens of microseconds, on a loaded one milliseconds.
"""

from __future__ import annotations

import statistics
import time


def _work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def timer_noise_seconds(repeats: int = 200, loop: int = 10_000) -> float:
    """The excess of the 99th percentile of ``repeats`` timed runs of a fixed loop over
    their median, plus ``perf_counter``'s resolution (seconds)."""
    _work(loop)  # warm
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        _work(loop)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    tail = seconds[min(len(seconds) - 1, int(0.99 * len(seconds)))]
    return tail - statistics.median(seconds) + time.get_clock_info("perf_counter").resolution
