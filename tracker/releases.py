"""Releases on the package index newer than the matrix names (``tracker releases``).

Pure functions over the matrix's pairs (:func:`tracker.matrix.load_matrix`) and the
index's JSON (:func:`tracker.bisect.search.project_releases`, shaped as PyPI's
``/pypi/<name>/json``):

1. :func:`frontiers`: for every axis package of every pipeline, the newest version the
   matrix names for it (over all the pipeline's variants).
2. :func:`discover`: the releases of each package newer than a pipeline's frontier: final
   releases, pre-releases and dev builds with ``pre``, yanked ones never; each with
   :func:`installability` here (a wheel whose tags this interpreter supports, and whose
   ``requires_python`` admits it).

3. :func:`promotable` and :func:`promotion_edits`: the installable final releases, and the
   axis arrays each is appended to (those that end at the pipeline's frontier); the text
   edit itself is :mod:`tracker.matrix_edit`'s.
"""

from __future__ import annotations

import dataclasses
import platform
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, sys_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from tracker.bisect.search import is_yanked
from tracker.matrix import Pair
from tracker.matrix_edit import AxisEdit, frontier_arrays

FINAL, PRE, DEV = "final", "pre", "dev"
# packages whose Linux x86_64 wheels on PyPI are CUDA builds: the noxfile's guard refuses
# their nvidia-* dependencies unless the axis value says `allow-cuda`
CUDA_WHEEL_PACKAGES = frozenset({"torch"})
CUDA_NOTE = "a CUDA build on PyPI: nox sweeps a CPU build (the find-links, else PyTorch's CPU index), or allow-cuda"


@dataclasses.dataclass(frozen=True)
class Frontier:
    """The newest version one pipeline of the matrix names for one axis package."""

    pipeline: str
    package: str
    side: str  # "converter" or "runtime": which axes of the pairs it is on
    newest: str
    source: str  # the matrix file that defines the pipeline
    allow_cuda: bool = False  # a version of this axis in the pipeline allows CUDA packages

    def to_json(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "side": self.side, "matrix_newest": self.newest,
                "file": self.source}


@dataclasses.dataclass(frozen=True)
class Installability:
    """Whether a release can be installed here from a wheel; ``reason`` says why not."""

    installable: bool
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class NewRelease:
    """A release on the index newer than the matrix's newest version of its axis."""

    package: str
    version: str
    kind: str  # FINAL, PRE (alpha, beta, release candidate) or DEV
    uploaded: str | None  # the date of its first file, YYYY-MM-DD
    installability: Installability
    extends: tuple[Frontier, ...]  # the pipelines whose frontier it is newer than
    note: str = ""

    @property
    def sweepable(self) -> bool:
        return self.installability.installable

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "version": self.version,
            "kind": self.kind,
            "uploaded": self.uploaded,
            "installable": self.installability.installable,
            "reason": self.installability.reason or None,
            "sweepable": self.sweepable,
            "extends": [f.to_json() for f in self.extends],
            "note": self.note or None,
        }


def frontiers(pairs: Iterable[Pair]) -> list[Frontier]:
    """The newest version of every axis package of every pipeline, in matrix order."""
    found: dict[tuple[str, str], Frontier] = {}
    for pair in pairs:
        for side, axes in (("converter", pair.converter_axes), ("runtime", pair.runtime_axes)):
            for axis in axes:
                key = (pair.pipeline, axis.package)
                known = found.get(key)
                newest = axis.version
                if known and Version(known.newest) > Version(newest):
                    newest = known.newest
                found[key] = Frontier(pair.pipeline, axis.package, side, newest, pair.source,
                                      bool(axis.allow_cuda) or bool(known and known.allow_cuda))
    return list(found.values())


def release_kind(version: Version) -> str:
    if version.is_devrelease:
        return DEV
    return PRE if version.is_prerelease else FINAL


def discover(
    fronts: Sequence[Frontier],
    releases: Mapping[str, Mapping[str, list[dict[str, Any]]]],
    *,
    pre: bool = False,
    tags: Iterable[Tag] | None = None,
    python: str | None = None,
) -> list[NewRelease]:
    """The releases newer than a frontier, by package then version.

    ``releases``: package -> version -> the release's files, as the index lists them.
    ``tags`` and ``python``: what "here" is (default: this interpreter's).
    """
    supported = frozenset(sys_tags() if tags is None else tags)
    python = python or platform.python_version()
    found = []
    for package in dict.fromkeys(f.package for f in fronts):
        mine = [f for f in fronts if f.package == package]
        for text, files in releases.get(package, {}).items():
            try:
                version = Version(text)
            except InvalidVersion:
                continue  # a legacy version string: never newer than anything
            if is_yanked(files) or (version.is_prerelease and not pre):
                continue
            extends = tuple(f for f in mine if version > Version(f.newest))
            if not extends:
                continue
            cuda = package in CUDA_WHEEL_PACKAGES or any(f.allow_cuda for f in extends)
            found.append(NewRelease(
                package, text, release_kind(version), _uploaded(files),
                installability(files, supported, python), extends, CUDA_NOTE if cuda else "",
            ))
    return sorted(found, key=lambda r: (r.package, Version(r.version)))


def _uploaded(files: list[dict[str, Any]]) -> str | None:
    times = [f.get("upload_time_iso_8601") or f.get("upload_time") for f in files]
    dates = sorted(str(t)[:10] for t in times if t)
    return dates[0] if dates else None


def installability(files: list[dict[str, Any]], supported: Iterable[Tag],
                   python: str) -> Installability:
    """Whether a wheel among ``files`` installs here (its tags among ``supported``, its
    ``requires_python`` admitting ``python``), else why not."""
    supported = frozenset(supported)
    files = [f for f in files if not f.get("yanked")]
    if not files:
        return Installability(False, "no file on the index")
    refused = [f["requires_python"] for f in files if not _admits(f.get("requires_python"), python)]
    if len(refused) == len(files):
        wanted = ", ".join(sorted(set(refused)))
        return Installability(False, f"every file requires Python {wanted} (this is {python})")
    wheels = _wheels(files)
    if any(tags & supported and _admits(f.get("requires_python"), python) for f, tags in wheels):
        return Installability(True)
    if not wheels:
        return Installability(False, "no wheel for this platform: sdist only")
    platforms = {t.platform for t in supported}
    other_pythons = {t.interpreter for _, tags in wheels for t in tags if t.platform in platforms}
    if other_pythons:
        return Installability(False, f"no wheel for Python {python} on this platform "
                                     f"(wheels for {_some(other_pythons)})")
    return Installability(False, "no wheel for this platform (wheels for "
                                 f"{_some({t.platform for _, tags in wheels for t in tags})})")


def _wheels(files: list[dict[str, Any]]) -> list[tuple[dict[str, Any], frozenset[Tag]]]:
    wheels = []
    for file in files:
        if file["filename"].endswith(".whl"):
            try:
                wheels.append((file, parse_wheel_filename(file["filename"])[3]))
            except InvalidWheelFilename:
                continue  # not installable by pip either
    return wheels


def _admits(requires_python: str | None, python: str) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores a malformed requires_python too


def _some(names: set[str], shown: int = 4) -> str:
    ordered = sorted(names)
    more = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


def promotable(found: Sequence[NewRelease], *, newest: bool = False) -> list[NewRelease]:
    """The installable final releases, in version order (with ``newest``: the last of each package)."""
    kept = [r for r in found if r.kind == FINAL and r.sweepable]
    if newest:
        last = {r.package: r for r in kept}  # ``found`` is in version order within a package
        kept = [r for r in kept if last[r.package] is r]
    return kept


def promotion_edits(promoted: Sequence[NewRelease], texts: Mapping[str, str]) -> list[AxisEdit]:
    """Each release appended to the axis arrays that end at its pipelines' frontiers
    (``texts``: matrix file -> its text)."""
    parsed = {file: tomllib.loads(text) for file, text in texts.items()}
    return [
        AxisEdit(front.source, path, release.version)
        for release in promoted
        for front in release.extends
        for path in frontier_arrays(parsed[front.source], front.pipeline, front.package, front.newest)
    ]
