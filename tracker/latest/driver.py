"""Discover, sweep, compare: the run of ``nox -s latest`` behind a probe callback.

:func:`latest` reads the index (``releases(package, index)``, PyPI's JSON API by
default), discovers the releases newer than the matrix (:mod:`tracker.releases`), plans
their pairs (:mod:`tracker.latest.plan`) and sweeps each with ``sweep(pair)`` (a
:data:`tracker.bisect.driver.Probe`: it stores the results and returns the environment's
id, or None when the sweep failed). A baseline pair (the matrix's newest) is swept too
when the store lacks a case its new pair stored, unless the new pair could not be built
(``env_error`` takes no part in a comparison). The delta is what
:func:`tracker.analysis.find_transitions` finds along the package's axis from the
matrix's newest version, kept to the steps from that version to the new one in the new
pairs' contexts: the rules of ``tracker regressions``, not a copy of them.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name as canonical_name

from tracker.analysis import Transition, find_transitions, load_groups
from tracker.bisect.driver import Probe
from tracker.bisect.search import DEFAULT_INDEX, project_releases
from tracker.cli.regressions import render_transitions
from tracker.errors import SelectionError, TrackerError
from tracker.latest.plan import NewPair, chosen_releases, new_pairs
from tracker.matrix import Pair, load_matrix
from tracker.releases import Frontier, NewRelease, discover, frontiers
from tracker.store import Store
from tracker.store.views import ResultRow, query_rows

# the steps the delta lists: what `tracker regressions` and `tracker fixes` call a change
# of outcome (drift and slowdowns are measures: `tracker regressions` shows them)
DELTA_KINDS = ("regression", "signature_change", "fix")
_PLURALS = {"regression": "new regressions", "signature_change": "signature changes", "fix": "new fixes"}

Releases = Callable[[str, str], Mapping[str, list[dict[str, Any]]]]


@dataclasses.dataclass(frozen=True)
class LatestOptions:
    """What ``nox -s latest --`` asks (see :func:`tracker.latest.cli.latest_parser`)."""

    store: Path
    pre: bool = False
    every: bool = False  # --all: every release newer than the matrix, not the newest of each package
    packages: tuple[str, ...] = ()  # only these axis packages
    pipelines: tuple[str, ...] = ()  # only these pipelines
    index: str = DEFAULT_INDEX


@dataclasses.dataclass(frozen=True)
class Delta:
    """What a run swept and what changed against the matrix's newest versions."""

    frontiers: tuple[Frontier, ...]
    not_installable: tuple[NewRelease, ...]  # discovered, not sweepable here
    swept: tuple[NewPair, ...]
    transitions: tuple[Transition, ...]
    not_built: tuple[tuple[str, str], ...] = ()  # (pair id, the first line of its env_error)
    failed: tuple[str, ...] = ()  # pair ids whose sweep failed

    def lines(self) -> list[str]:
        """The printout: one line when nothing was released, else per release the steps found."""
        out = [f"not swept: {r.package} {r.version}: not installable here: {r.installability.reason}"
               for r in self.not_installable]
        if not self.swept:
            return [*out, f"nothing {'installable ' if out else ''}released since the matrix's newest: "
                          f"{describe_frontiers(self.frontiers)}"]
        for (package, version), planned in _by_release(self.swept).items():
            mine = [t for t in self.transitions if _is_step_of(t, planned)]
            newest = ", ".join(sorted({p.matrix_newest for p in planned}))
            counts = ", ".join(f"{_PLURALS[kind]}: {sum(1 for t in mine if t.kind == kind)}" for kind in DELTA_KINDS)
            ids = {p.pair.id for p in planned}
            compared = len(ids - set(self.failed) - {pair for pair, _ in self.not_built})
            verdict = counts if mine else "nothing changed" if compared else "nothing to compare: no pair was built"
            out.append(f"{package} {version} against the matrix's newest ({newest}), {len(planned)} pairs: {verdict}")
            if mine:
                out += ["   " + line for line in render_transitions(mine, fixes=False).splitlines()]
            out += [f"   not built (env_error, left out of the delta): {pair}: {reason}"
                    for pair, reason in self.not_built if pair in ids]
            out += [f"   the sweep failed (its output is above): {pair}" for pair in self.failed if pair in ids]
        return out


def describe_frontiers(fronts: Sequence[Frontier]) -> str:
    """``torch 2.14.1, onnxruntime 1.31.1 (torch-onnx) / 1.24.4 (tf2onnx)``."""
    by_package: dict[str, dict[str, list[str]]] = {}
    for front in fronts:
        by_package.setdefault(front.package, {}).setdefault(front.newest, []).append(front.pipeline)
    parts = []
    for package, versions in by_package.items():
        if len(versions) == 1:
            parts.append(f"{package} {next(iter(versions))}")
        else:
            parts.append(f"{package} " + " / ".join(f"{v} ({', '.join(p)})" for v, p in versions.items()))
    return ", ".join(parts)


def latest(options: LatestOptions, *, matrix: Path, sweep: Probe, log: Callable[[str], None],
           releases: Releases | None = None) -> Delta:
    """Discover the releases newer than ``matrix``, sweep them into ``options.store`` and
    compare. Raises :class:`SelectionError` for a ``--package`` or ``--pipeline`` the
    matrix does not have; an unreachable index is :class:`IndexUnavailable`."""
    pairs = load_matrix(matrix)
    fronts = _selected(frontiers(pairs), options, matrix)
    read = releases or (lambda package, index: project_releases(package, index))
    index = {package: read(package, options.index) for package in dict.fromkeys(f.package for f in fronts)}
    found = discover(fronts, index, pre=options.pre)
    chosen = chosen_releases(found, every=options.every)
    planned = new_pairs([p for p in pairs if p.pipeline in {f.pipeline for f in fronts}], chosen)
    if found and len(chosen) < sum(1 for r in found if r.sweepable):
        log(f"{len(found)} releases newer than the matrix; sweeping the newest installable one of each "
            f"package (--all sweeps every one): {', '.join(f'{r.package} {r.version}' for r in chosen)}")
    failed = []
    for new in planned:
        log(f"sweeping {new.pair.id} ({new.package} {new.version}; the matrix's newest: {new.matrix_newest})")
        if sweep(new.pair) is None:
            failed.append(new.pair.id)
    rows = _rows(options.store)
    for baseline in _baselines_to_sweep(planned, rows, failed):
        log(f"sweeping {baseline.id} (the matrix's newest, to compare with: the store lacks some of its cases)")
        if sweep(baseline) is None:
            failed.append(baseline.id)
    rows = _rows(options.store)
    return Delta(
        frontiers=tuple(fronts),
        not_installable=tuple(_unsweepable(found, every=options.every)),
        swept=tuple(planned),
        transitions=tuple(_transitions(options.store, planned)),
        not_built=tuple((p.pair.id, reason) for p in planned if (reason := _env_error(rows, p.pair.id))),
        failed=tuple(failed),
    )


def _unsweepable(found: Sequence[NewRelease], *, every: bool) -> list[NewRelease]:
    """The releases that cannot be installed here (the newest of each package, unless ``every``)."""
    kept = [r for r in found if not r.sweepable]
    if every:
        return kept
    newest = {r.package: r for r in kept}
    return [r for r in kept if newest[r.package] is r]


def _selected(fronts: list[Frontier], options: LatestOptions, matrix: Path) -> list[Frontier]:
    for what, asked, known in (("axis package", options.packages, {f.package for f in fronts}),
                               ("pipeline", options.pipelines, {f.pipeline for f in fronts})):
        unknown = sorted(set(asked) - known)
        if unknown:
            raise SelectionError(f"no {what} of the matrix {matrix} is {', '.join(unknown)}",
                                 hint=f"its {what}s: {', '.join(sorted(known))}")
    return [f for f in fronts if (not options.packages or f.package in options.packages)
            and (not options.pipelines or f.pipeline in options.pipelines)]


def _rows(store: Path) -> list[ResultRow]:
    if not store.is_file():
        return []
    with Store.open(store, read_only=True) as handle:
        return list(query_rows(handle))


def _outcomes(rows: Sequence[ResultRow], label: str) -> dict[str, str]:
    return {row["case_id"]: row["outcome"] for row in rows if row["label"] == label}


def _baselines_to_sweep(planned: Sequence[NewPair], rows: Sequence[ResultRow], failed: Sequence[str]) -> list[Pair]:
    """The baselines lacking a case their new pair stored (one built, not ``env_error``)."""
    wanted: dict[str, Pair] = {}
    for new in planned:
        outcomes = _outcomes(rows, new.pair.id)
        if new.pair.id in failed or all(o == "env_error" for o in outcomes.values()):
            continue
        if set(outcomes) - set(_outcomes(rows, new.baseline.id)):
            wanted[new.baseline.id] = new.baseline
    return list(wanted.values())


def _env_error(rows: Sequence[ResultRow], label: str) -> str:
    """The first line of the env_error a pair stored for every case, or ``""``."""
    mine = [row for row in rows if row["label"] == label]
    if not mine or any(row["outcome"] != "env_error" for row in mine):
        return ""
    lines = [line.strip() for line in (mine[0]["signature"] or "").splitlines() if line.strip()]
    return textwrap.shorten(lines[0] if lines else "env_error", 300, placeholder="...")


def _transitions(store: Path, planned: Sequence[NewPair]) -> list[Transition]:
    """The steps along each swept package from the matrix's newest version on."""
    if not planned or not store.is_file():
        return []
    found: list[Transition] = []
    with Store.open(store, read_only=True) as handle:
        groups = load_groups(handle)
        for package, since in dict.fromkeys((p.package, p.matrix_newest) for p in planned):
            try:
                found += find_transitions(handle, groups, kinds=DELTA_KINDS, axis=package, since=since)
            except SelectionError:
                continue  # the axis varies nowhere in the store: the new pairs stored nothing comparable
    return [t for t in found if any(_is_step_of(t, [p]) for p in planned)]


def _by_release(planned: Sequence[NewPair]) -> dict[tuple[str, str], list[NewPair]]:
    grouped: dict[tuple[str, str], list[NewPair]] = {}
    for new in planned:
        grouped.setdefault((new.package, new.version), []).append(new)
    return grouped


def _is_step_of(step: Transition, planned: Sequence[NewPair]) -> bool:
    """Whether ``step`` goes from a baseline to its new pair: same variant, the package
    from the matrix's newest to the new version, the other axes as in the pair."""
    for new in planned:
        versions = {canonical_name(a.package): a.version for a in new.pair.axes}
        if ((step.pipeline, step.variant) == (new.pair.pipeline, new.pair.variant)
                and step.axis == canonical_name(new.package)
                and (step.before.version, step.after.version) == (new.matrix_newest, new.version)
                and all(versions.get(name, version) == version for name, version in step.context)):
            return True
    return False
