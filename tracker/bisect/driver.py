"""The bisection of one package's releases, behind a probe callback.

:func:`bisect` chooses the pair each release is probed in (:mod:`tracker.bisect.template`),
reads the outcomes stored at each end from the store, sweeps a release only when the
store lacks them, watches the cases whose outcome differs between the ends (or those
given), and searches (:class:`~tracker.bisect.search.Bisection`). Sweeping is the
caller's: ``sweep(pair)`` builds and sweeps one pair's environment and returns the id of
the environment it stored results under, or None when the sweep failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from tracker.bisect.search import BAD, DEFAULT_INDEX, SKIP, Bisection, Release, candidates, judge, max_probes
from tracker.bisect.search import released_versions as index_releases
from tracker.bisect.template import bisect_template, with_version
from tracker.store.views import query_rows
from tracker.errors import TrackerError
from tracker.matrix import Pair
from tracker.store import Store

# sweeps one pair; returns the id of the environment its results are stored under, or
# None when the sweep failed
Probe = Callable[[Pair], str | None]


@dataclasses.dataclass(frozen=True)
class BisectOptions:
    """What ``nox -s bisect --`` asks (see :func:`tracker.bisect.cli.bisect_parser`)."""

    package: str
    good: str
    bad: str
    store: Path
    pipeline: str | None = None
    variant: str | None = None
    cases: tuple[str, ...] = ()  # the watched cases; none: those that differ at the ends
    pre: bool = False
    yanked: bool = False
    max_skips: int = 3
    companions: tuple[str, ...] | None = None  # pins for every probe; None: the matrix's
    index: str = DEFAULT_INDEX


@dataclasses.dataclass(frozen=True)
class CaseChange:
    """A watched case whose outcome at the first bad release differs from the last good's."""

    case: str
    before: str
    after: str | None  # None: the first bad release stored no result for it


@dataclasses.dataclass(frozen=True)
class BisectResult:
    package: str
    first_bad: str
    last_good: str
    unresolved: tuple[str, ...]  # skipped releases in between: any may be the first bad
    probed: tuple[str, ...]  # releases judged between the ends, in order
    built: tuple[str, ...]  # releases whose environment was swept (the rest were stored)
    changes: tuple[CaseChange, ...]

    def lines(self) -> list[str]:
        """The summary ``nox -s bisect`` prints last."""
        lines = [f"first bad release: {self.package} {self.first_bad} (last good: {self.last_good})"]
        if self.unresolved:
            lines.append(f"   could not be tried, so the change may be in: {', '.join(self.unresolved)}")
        lines += [f"   {c.case}: {c.before} at {self.last_good} -> {c.after} at {self.first_bad}"
                  for c in self.changes]
        lines.append(f"   {len(self.probed)} releases probed, {len(self.built)} environments swept "
                     f"(the rest were in the store)")
        return lines


def bisect(options: BisectOptions, *, matrix: Path, sweep: Probe, log: Callable[[str], None],
           releases: Callable[[str, str], Iterable[Release]] = index_releases) -> BisectResult:
    """Find the first release of ``options.package`` after ``good`` up to ``bad`` whose
    outcome differs from ``good``'s. ``releases(package, index)`` lists the package's
    releases; ``log`` gets the progress lines. Raises :class:`TrackerError` when an end
    cannot be installed, nothing differs, a sweep fails or too many releases are skipped."""
    template = bisect_template(matrix, options.package, options.good,
                               pipeline=options.pipeline, variant=options.variant)
    versions = candidates(releases(options.package, options.index), options.good, options.bad,
                          pre=options.pre, yanked=options.yanked)
    log(f"{len(versions)} releases after {options.good} up to {options.bad}: {', '.join(versions)}; "
        f"at most {max_probes(len(versions))} to try")
    built: list[str] = []
    good_companions = template.companions.get(options.good, ())

    def outcomes_at(version: str) -> dict[str, str]:
        """Stored outcomes at ``version``; its environment is built and swept if needed."""
        companions = (options.companions if options.companions is not None
                      else template.companions.get(version, good_companions))
        pair = with_version(template.pair, options.package, version, companions,
                            template.allow_cuda.get(version, ""))
        known = stored_outcomes(options.store, options.cases, label=pair.id)
        if not known or set(options.cases) - set(known):
            built.append(version)
            log(f"building and sweeping {pair.id}" + (f" (with {', '.join(companions)})" if companions else ""))
            env_id = sweep(pair)
            if env_id is None:
                raise TrackerError(f"the sweep of {pair.id} failed (its output is above)")
            known = stored_outcomes(options.store, options.cases, label=pair.id, env_id=env_id)
        return known

    at_good, at_bad = outcomes_at(options.good), outcomes_at(options.bad)
    for end, found in ((options.good, at_good), (options.bad, at_bad)):
        if judge(found, found) == SKIP:
            raise TrackerError(f"{options.package} {end} cannot be installed or imported: see its env_error "
                               f"(tracker results --store {options.store})")
    changed = sorted(c for c in at_good if at_bad.get(c, at_good[c]) != at_good[c])
    if not changed:
        raise TrackerError(f"no {'watched ' if options.cases else ''}case has another outcome at "
                           f"{options.package} {options.bad} than at {options.good}: nothing to bisect")
    watched = list(options.cases) or changed
    at_good = {c: at_good[c] for c in watched}
    log(f"watching {len(watched)} cases: " + ", ".join(f"{c} ({at_good[c]} -> {at_bad.get(c)})" for c in watched))
    bisection = Bisection(options.good, versions, max_skips=options.max_skips)
    while (version := bisection.next_probe()) is not None:
        verdict = judge(at_good, {c: o for c, o in outcomes_at(version).items() if c in at_good})
        note = {SKIP: "cannot be installed or imported: skipped",
                BAD: f"an outcome differs from {options.good}'s"}.get(verdict, f"as at {options.good}")
        log(f"{options.package} {version}: {verdict} ({note})")
        bisection.record(version, verdict)
    after = outcomes_at(bisection.first_bad)
    return BisectResult(
        package=options.package,
        first_bad=bisection.first_bad,
        last_good=bisection.last_good,
        unresolved=tuple(bisection.unresolved),
        probed=tuple(bisection.probed),
        built=tuple(built),
        changes=tuple(CaseChange(c, at_good[c], after.get(c)) for c in watched if after.get(c) != at_good[c]),
    )


def stored_outcomes(store: Path, cases: Iterable[str], *, label: str,
                    env_id: str | None = None) -> dict[str, str]:
    """The newest stored outcome of each case (of ``cases``, if any) in one environment,
    named by the label of the pair it was built for or by its id (an environment keeps
    the label of the first pair that built it: an identical one built for another label
    is the same). Nothing when there is no store yet."""
    if not store.is_file():
        return {}
    with Store.open(store, read_only=True) as handle:
        rows = query_rows(handle)
    wanted = set(cases)
    newest: dict[str, dict] = {}
    for row in rows:
        if wanted and row["case_id"] not in wanted:
            continue
        if (row["label"] == label or row["env_id"] == env_id) and (
                row["case_id"] not in newest or row["created_at"] >= newest[row["case_id"]]["created_at"]):
            newest[row["case_id"]] = row
    return {case: row["outcome"] for case, row in newest.items()}
