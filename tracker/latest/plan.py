"""The pairs a discovered release is swept in.

For each pipeline a release is newer than (its :class:`~tracker.releases.Frontier`), and
each variant of that pipeline with the package as an axis: the variant's *baseline*, its
pair with the package at the variant's newest version and every other axis at its newest
too, and the same pair with the package moved to the release
(:func:`tracker.bisect.template.with_version`). The moved axis keeps the companion pins
the matrix gives the newest version, but not its ``allow-cuda``: the matrix has not said
that the new release may install CUDA packages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from packaging.utils import canonicalize_name as canonical_name
from packaging.version import Version

from tracker.bisect.template import with_version
from tracker.matrix import AxisValue, Pair
from tracker.releases import NewRelease


@dataclasses.dataclass(frozen=True)
class NewPair:
    """A release in one pipeline variant: ``pair`` is ``baseline`` with ``package`` at ``version``."""

    package: str
    version: str
    baseline: Pair
    pair: Pair

    @property
    def matrix_newest(self) -> str:
        """The version of the package in the baseline: the matrix's newest in this variant."""
        return _axis(self.baseline, self.package).version


def chosen_releases(found: Sequence[NewRelease], *, every: bool = False) -> list[NewRelease]:
    """The installable releases to sweep: the newest of each package, or ``every`` one
    (``found`` is in version order within a package, as :func:`tracker.releases.discover` gives it)."""
    installable = [r for r in found if r.sweepable]
    if every:
        return installable
    newest = {r.package: r for r in installable}
    return [r for r in installable if newest[r.package] is r]


def new_pairs(pairs: Sequence[Pair], releases: Sequence[NewRelease]) -> list[NewPair]:
    """Each release in every variant of the pipelines it extends, in release then matrix order."""
    planned = []
    for release in releases:
        for front in release.extends:
            variants = [p for p in pairs if p.pipeline == front.pipeline and _has_axis(p, release.package)]
            for variant in dict.fromkeys(p.variant for p in variants):
                baseline = max((p for p in variants if p.variant == variant),
                               key=lambda p, package=release.package: _newest_first(p, package))
                axis = _axis(baseline, release.package)
                planned.append(NewPair(release.package, release.version, baseline,
                                       with_version(baseline, release.package, release.version, axis.companions)))
    return planned


def _has_axis(pair: Pair, package: str) -> bool:
    return any(canonical_name(a.package) == canonical_name(package) for a in pair.axes)


def _axis(pair: Pair, package: str) -> AxisValue:
    return next(a for a in pair.axes if canonical_name(a.package) == canonical_name(package))


def _newest_first(pair: Pair, package: str) -> list[Version]:
    """Sorts a variant's pairs so that the last has ``package`` at its newest, then each
    other axis at the newest the rest allow (the newest of all, unless an ``exclude`` rule
    of the matrix removed that combination)."""
    return [Version(_axis(pair, package).version),
            *(Version(a.version) for a in pair.axes if canonical_name(a.package) != canonical_name(package))]
