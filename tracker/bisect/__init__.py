"""Bisect a change of outcome to the first release of one package that shows it.

``nox -s bisect -- ...`` runs ``python -m tracker.bisect`` in its tool environment:

- :mod:`tracker.bisect.search`: the releases from the index and the binary search;
- :mod:`tracker.bisect.template`: the matrix pair a release is probed in;
- :mod:`tracker.bisect.driver`: the ends, the watched cases, the loop, the result,
  reading stored outcomes from the store, behind a probe callback that sweeps a pair;
- :mod:`tracker.bisect.probe`: the real probe, ``nox -s "sweep(<pair>)"``;
- :mod:`tracker.bisect.cli`: the options of ``nox -s bisect --``.
"""

from tracker.bisect.search import (
    BAD,
    DEFAULT_INDEX,
    GOOD,
    SKIP,
    Bisection,
    Release,
    candidates,
    judge,
    max_probes,
    released_versions,
)

__all__ = [
    "BAD",
    "DEFAULT_INDEX",
    "GOOD",
    "SKIP",
    "Bisection",
    "Release",
    "candidates",
    "judge",
    "max_probes",
    "released_versions",
]
