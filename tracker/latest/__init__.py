"""``nox -s latest``: sweep what was released since the matrix's newest versions, and
print only what it changed.

1. :mod:`tracker.latest.plan`: the releases ``tracker releases`` discovers (installable
   ones; the newest of each package unless every one is asked for), each turned into
   pairs: the new version on its axis, every other axis at the matrix's newest for that
   pipeline variant.
2. :mod:`tracker.latest.driver`: sweeps them (and the matrix pairs they are compared
   with, when the store lacks those) through a probe, as ``nox -s bisect`` does, then
   asks :func:`tracker.analysis.find_transitions` for the steps from the matrix's newest
   version of the axis to the new one: new regressions, fixes, signature changes.
3. :mod:`tracker.latest.cli`: ``python -m tracker.latest``, which the session runs in
   its tool environment.
"""

from tracker.latest.driver import Delta, LatestOptions, latest
from tracker.latest.plan import NewPair, chosen_releases, new_pairs

__all__ = ["Delta", "LatestOptions", "NewPair", "chosen_releases", "latest", "new_pairs"]
