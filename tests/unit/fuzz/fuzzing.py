"""The fuzz suite's settings and its count of generated inputs (imported by its tests;
``tests/conftest.py`` prints the count at the end of the session).

Two Hypothesis profiles: ``ci`` (the default: a bounded number of examples per property,
derandomized so that a CI run is reproducible; what ``nox -t tests`` runs) and ``fuzz``
(many more, random: ``nox -s fuzz``, or ``HYPOTHESIS_PROFILE=fuzz``). The session ends with
one line: how many inputs were tried, how many tracebacks and changed stores were seen
(the properties fail on the first of either, so a passing run prints 0 and 0).
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "40")), deadline=None,
                          derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", max_examples=int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "1000")), deadline=None,
                          database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TRIED: Counter[str] = Counter()  # generated inputs, per kind (matrix, cli, store)
FOUND: Counter[str] = Counter()  # tracebacks, changed stores


def count_traceback() -> None:
    FOUND["traceback"] += 1


def count_changed_store() -> None:
    FOUND["store changed"] += 1


def summary() -> str | None:
    """The session's line: inputs tried per kind, tracebacks and changed stores seen."""
    if not TRIED:
        return None
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(TRIED.items()))
    return (f"fuzz: {sum(TRIED.values())} generated inputs tried ({kinds}; up to {settings().max_examples} "
            f"per property): {FOUND['traceback']} tracebacks, {FOUND['store changed']} stores changed")
