"""The search: which release of one package to try next, and what a probe says.

Standard library and ``packaging`` only; :mod:`tracker.bisect.driver` runs it. The steps:

1. :func:`released_versions` reads the package's releases from the index (PyPI's JSON
   API, :func:`project_releases`, which ``tracker releases`` reads as well); an index that
   cannot be read is an :class:`IndexUnavailable` error (exit code 7).
2. :func:`candidates` keeps those after ``good`` up to ``bad``, in version order, leaving
   out yanked releases and, unless asked, pre-releases.
3. :class:`Bisection` chooses which release to try next. Each probe is judged ``good``
   (every watched case has the outcome it had at ``good``), ``bad`` (one differs) or
   ``skip`` (the release cannot be installed or imported: ``env_error``). A skipped
   release is set aside and a neighbour is tried instead, up to ``max_skips``.

With n candidates (``bad`` included, already known bad), a bisection with no skip
builds at most ceil(log2(n)) environments. :func:`builds_between` lists the dev builds
and pre-releases between two consecutive releases, which ``--dev`` searches next.
"""

from __future__ import annotations

import dataclasses
import json
import math
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from tracker.errors import ConfigError, IndexUnavailable, TrackerError

DEFAULT_INDEX = "https://pypi.org/pypi"
GOOD, BAD, SKIP = "good", "bad", "skip"


@dataclasses.dataclass(frozen=True)
class Release:
    version: str
    yanked: bool = False
    uploaded: str | None = None  # the day its first file was uploaded (YYYY-MM-DD), if known
    files: tuple[dict[str, Any], ...] | None = None  # as the index lists them; None: not known


def project_releases(package: str, index: str = DEFAULT_INDEX, timeout: float = 30,
                     *, missing_hint: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Version -> the release's files, as the index's JSON API (``<index>/<package>/json``,
    shaped as PyPI's) lists them: dicts with ``filename``, ``packagetype``,
    ``requires_python``, ``upload_time_iso_8601``, ``yanked``."""
    url = f"{index.rstrip('/')}/{package}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https URL)
            data = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise ConfigError(f"{package!r} is not on the index {index}", hint=missing_hint) from error
        raise IndexUnavailable(f"the index {url} answered {error.code}: {error.reason}; "
                               "try again later, or point --index at another PyPI JSON API") from error
    except ValueError as error:  # not JSON (json.JSONDecodeError is a ValueError)
        raise _not_the_json_api(url, "not JSON") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise IndexUnavailable(
            f"cannot read the releases of {package} from {url}: {reason}; check the network, "
            "or point --index at a reachable PyPI JSON API"
        ) from error
    releases = data.get("releases") if isinstance(data, dict) else None
    if not isinstance(releases, dict) or not all(
        isinstance(files, list) and all(isinstance(f, dict) and isinstance(f.get("filename"), str)
                                        for f in files)
        for files in releases.values()
    ):
        raise _not_the_json_api(url, "no 'releases' mapping versions to lists of files")
    return releases


def _not_the_json_api(url: str, what: str) -> IndexUnavailable:
    return IndexUnavailable(f"the index {url} answered something that is not PyPI's JSON API "
                            f"({what}); point --index at a PyPI JSON API such as {DEFAULT_INDEX}")


def released_versions(package: str, index: str = DEFAULT_INDEX, timeout: float = 30) -> list[Release]:
    """Every release of ``package`` on the index, with its files and the day of its first
    upload; a release is yanked when all its files are."""
    releases = project_releases(package, index, timeout, missing_hint="check the spelling of --package")
    return [
        Release(version, yanked=is_yanked(files), uploaded=upload_day(files), files=tuple(files))
        for version, files in releases.items()
    ]


def upload_day(files: list[dict[str, Any]]) -> str | None:
    """The day (YYYY-MM-DD) the first of ``files`` was uploaded; None when the index gives no time."""
    times = [f.get("upload_time_iso_8601") or f.get("upload_time") for f in files]
    return min((str(t)[:10] for t in times if t), default=None)


def is_yanked(files: list[dict[str, Any]]) -> bool:
    """A release is yanked when it has files and every one of them is."""
    return bool(files) and all(f.get("yanked") for f in files)


def candidates(
    releases: Iterable[Release], good: str, bad: str, *, pre: bool = False, yanked: bool = False
) -> list[str]:
    """The releases after ``good`` up to and including ``bad``, in version order.

    ``good`` is the older release (the driver orders the two ends the user gives): the
    bisection finds the first release whose outcome differs from it, a fix or a regression.
    """
    low, high = _version(good, "--good"), _version(bad, "--bad")
    if not low < high:
        raise ConfigError(
            f"--good {good} must be older than --bad {bad}",
            hint="give two different releases; bisect finds the first release after the older "
                 "one whose outcome differs from it",
        )
    kept: dict[Version, str] = {}
    for release in releases:
        try:
            version = Version(release.version)
        except InvalidVersion:
            continue  # legacy version strings: never a candidate
        if version == high or (
            low < version < high
            and (pre or not version.is_prerelease)
            and (yanked or not release.yanked)
        ):
            kept[version] = release.version
    if high not in kept:
        raise ConfigError(f"--bad {bad} is not a release of the package on the index")
    return [kept[v] for v in sorted(kept)]


def builds_between(releases: Iterable[Release], older: str, newer: str, *, yanked: bool = False) -> list[str]:
    """The dev builds and pre-releases strictly between two releases, in version order,
    yanked ones left out unless asked: those published between ``older`` and ``newer``
    (the dev builds of ``newer``, ``0.7.1.dev20260509`` < ``0.7.1``, among them)."""
    low, high = Version(older), Version(newer)
    kept: dict[Version, str] = {}
    for release in releases:
        try:
            version = Version(release.version)
        except InvalidVersion:
            continue
        if low < version < high and version.is_prerelease and (yanked or not release.yanked):
            kept[version] = release.version
    return [kept[v] for v in sorted(kept)]


def _version(text: str, option: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as error:
        raise ConfigError(f"{option} {text!r} is not a version") from error


def max_probes(count: int) -> int:
    """Environments a bisection over ``count`` candidates builds at most, with no skip."""
    return math.ceil(math.log2(count)) if count > 1 else 0


class Bisection:
    """Binary search for the first ``bad`` release among ``versions`` (the last known bad).

    Call :meth:`next_probe` for the release to try, :meth:`record` with its verdict,
    until :meth:`next_probe` returns None; then :attr:`first_bad` and :attr:`last_good`.
    """

    def __init__(self, good: str, versions: list[str], *, max_skips: int = 3,
                 known: Mapping[str, str] | None = None) -> None:
        if not versions:
            raise ConfigError("no release to bisect between --good and --bad")
        self.good = good
        self.versions = list(versions)
        self.max_skips = max_skips
        self.verdicts: dict[str, str] = {versions[-1]: BAD, **(known or {})}
        self.probed: list[str] = []

    # the open interval: releases after the last good one, up to the first bad one
    def _bounds(self) -> tuple[int, int]:
        low = -1
        high = len(self.versions) - 1
        for index, version in enumerate(self.versions):
            verdict = self.verdicts.get(version)
            if verdict == GOOD and index > low:
                low = index
            if verdict == BAD and index < high:
                high = index
        if low >= high:
            raise TrackerError(
                f"inconsistent verdicts: {self.versions[low]} is good after the bad "
                f"{self.versions[high]} (the outcome is not monotonic; bisect a smaller range)"
            )
        return low, high

    def next_probe(self) -> str | None:
        """The untried release nearest the middle of the open interval, or None when done."""
        low, high = self._bounds()
        untried = [i for i in range(low + 1, high) if self.versions[i] not in self.verdicts]
        if not untried:
            return None
        middle = (low + high) / 2
        return self.versions[min(untried, key=lambda i: (abs(i - middle), i))]

    def record(self, version: str, verdict: str) -> None:
        if verdict not in (GOOD, BAD, SKIP):
            raise ValueError(f"verdict must be good, bad or skip, not {verdict!r}")
        self.verdicts[version] = verdict
        self.probed.append(version)
        if self.skips > self.max_skips:
            skipped = [v for v, o in self.verdicts.items() if o == SKIP]
            raise TrackerError(
                f"{len(skipped)} releases could not be installed or imported "
                f"({', '.join(skipped)}): more than --max-skips {self.max_skips}",
                hint="check the companion pins (--with), or raise --max-skips",
            )

    @property
    def skips(self) -> int:
        return sum(1 for v in self.verdicts.values() if v == SKIP)

    @property
    def first_bad(self) -> str:
        return self.versions[self._bounds()[1]]

    @property
    def last_good(self) -> str:
        low = self._bounds()[0]
        return self.good if low < 0 else self.versions[low]

    @property
    def unresolved(self) -> list[str]:
        """Skipped releases between the last good and the first bad: any could be the first bad."""
        low, high = self._bounds()
        return [v for v in self.versions[low + 1:high] if self.verdicts.get(v) == SKIP]


def judge(good_outcomes: Mapping[str, str], outcomes: Mapping[str, str]) -> str:
    """A probe is ``skip`` when its environment could not be built or imported, ``bad``
    when a watched case's outcome differs from its outcome at ``good``, else ``good``."""
    if not outcomes or all(o == "env_error" for o in outcomes.values()):
        return SKIP
    missing = sorted(set(good_outcomes) - set(outcomes))
    if missing:
        raise TrackerError(f"the probe stored no result for {', '.join(missing)}")
    changed = [c for c, o in good_outcomes.items() if outcomes[c] != o]
    return BAD if changed else GOOD
