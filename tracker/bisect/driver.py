"""The bisection of one package's releases, behind a probe callback.

:func:`bisect` puts the two ends in version order (they may be given either way),
chooses the pair each release is probed in (:mod:`tracker.bisect.template`; the variant,
when several have the package as an axis and none is named, is the only one whose
results at both ends are stored), reads the outcomes stored at each end from the store,
sweeps a release only when the store lacks them, watches the cases whose outcome differs
between the ends (or those given), and searches (:class:`~tracker.bisect.search.Bisection`)
for the first release at which any watched case changed. The watched cases that had not
changed there are searched for again over the releases after it, and so on, each search
reusing the outcomes already read: every case gets its own release. When no outcome differs
at the ends but an oracle's verdict flipped behind a standing failure (an output oracle
passing at one end and failing at the other while the checker fails at both), the verdicts
of the oracles that flipped are watched with the outcome (or those ``oracles`` names, always).
With ``dev``, each
first changed release is searched again over the dev builds (and pre-releases) published
between it and the last unchanged one, when those two are consecutive. Sweeping is the
caller's: ``sweep(pair)`` builds and sweeps one pair's environment and returns the id of
the environment it stored results under, or None when the sweep failed.
"""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from packaging.tags import sys_tags
from packaging.utils import canonicalize_name as canonical_name
from packaging.version import InvalidVersion, Version

from tracker.bisect.search import (BAD, DEFAULT_INDEX, SKIP, Bisection, Release, builds_between, candidates, judge,
                                   max_probes)
from tracker.bisect.search import released_versions as index_releases
from tracker.bisect.summary import BisectResult, CaseChange, Step
from tracker.bisect.template import Template, bisect_template, with_version
from tracker.errors import ConfigError, TrackerError
from tracker.matrix import Pair, load_matrix
from tracker.outcomes import LOCALIZATION_PREFIX
from tracker.releases import installability
from tracker.store import Store
from tracker.store.views import ResultRow, query_rows

__all__ = ["BisectOptions", "BisectResult", "CaseChange", "Probe", "Step", "bisect", "stored_outcomes"]

# sweeps one pair; returns the id of the environment its results are stored under, or
# None when the sweep failed
Probe = Callable[[Pair], str | None]


@dataclasses.dataclass(frozen=True)
class BisectOptions:
    """What ``nox -s bisect --`` asks (see :func:`tracker.bisect.cli.bisect_parser`)."""

    package: str
    good: str  # the two ends, in either order (--good/--from, --bad/--to)
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
    axes: tuple[str, ...] = ()  # other axes of the probed pair (torch==2.13.0); none: the newest
    dev: bool = False  # go on into the dev builds between the last unchanged and first changed release
    oracles: tuple[str, ...] = ()  # watch these oracles' verdicts too; none: those that flipped, if no outcome did


def bisect(options: BisectOptions, *, matrix: Path, sweep: Probe, log: Callable[[str], None],
           releases: Callable[[str, str], Iterable[Release]] = index_releases) -> BisectResult:
    """Find, for each watched case, the first release of ``options.package`` between the
    ends whose outcome differs from the older end's. ``releases(package, index)`` lists the
    package's releases; ``log`` gets the progress lines. Raises :class:`TrackerError`
    when an end cannot be installed, nothing differs, a sweep fails or too many releases
    are skipped; :class:`ConfigError` when the variant is not clear."""
    older, newer = _in_order(options.good, options.bad, log)
    pipeline, variant = _choose_variant(options, matrix, older, newer, log)
    template = bisect_template(matrix, options.package, older, pipeline=pipeline, variant=variant, axes=options.axes)
    on_index = list(releases(options.package, options.index))
    versions = candidates(on_index, older, newer, pre=options.pre, yanked=options.yanked)
    log(f"{len(versions)} releases after {older} up to {newer}: {', '.join(versions)}; "
        f"at most {max_probes(len(versions))} to try")
    probes = _Probes(options, template, older, sweep, log)
    at_older, at_newer = probes.outcomes_at(older), probes.outcomes_at(newer)
    _check_ends(options, {older: at_older, newer: at_newer})
    changed = sorted(c for c in at_older if at_newer.get(c, at_older[c]) != at_older[c])
    flipped = [] if changed or options.oracles else probes.flipped_oracles(older, newer)
    if flipped:
        probes.oracles = tuple(flipped)
        log(f"no {'watched ' if options.cases else ''}case has another outcome at {options.package} {newer} than at "
            f"{older}, but the verdicts of {', '.join(flipped)} flipped behind a standing failure: watching them")
        at_older, at_newer = probes.outcomes_at(older), probes.outcomes_at(newer)
        changed = sorted(c for c in at_older if at_newer.get(c, at_older[c]) != at_older[c])
    if not changed:
        raise TrackerError(f"no {'watched ' if options.cases else ''}case has another outcome at "
                           f"{options.package} {newer} than at {older}: nothing to bisect")
    watched = list(options.cases) or changed
    log(f"watching {len(watched)} cases: " + ", ".join(f"{c} ({at_older[c]} -> {at_newer.get(c)})" for c in watched))
    steps: list[Step] = []
    pending, span, bound = watched, versions, 0
    while pending:
        if steps:
            log(f"{len(pending)} cases had not changed at {steps[-1].first_changed}: searching the "
                f"{len(span)} releases after it for {', '.join(pending)}; at most {max_probes(len(span))} to try")
        bound += max_probes(len(span))
        step = _search(options, steps[-1].first_changed if steps else older, span,
                       {c: at_older[c] for c in pending}, probes, log)
        steps.append(step)
        moved = {change.case for change in step.changes}
        pending = [c for c in pending if c not in moved and at_newer.get(c, at_older[c]) != at_older[c]]
        span = versions[versions.index(step.first_changed) + 1:]
    if options.dev:
        for index, step in enumerate(steps):
            steps[index], more = _search_builds(options, step, on_index, versions, probes, log)
            bound += more
    moved = {change.case for step in steps for change in step.changes}
    return BisectResult(
        package=options.package, older=older, newer=newer, steps=tuple(steps),
        unchanged=tuple((c, at_older[c]) for c in watched if c not in moved),
        probed=tuple(probes.probed), built=tuple(probes.built), bound=bound,
    )


def _in_order(good: str, bad: str, log: Callable[[str], None]) -> tuple[str, str]:
    """The ends, older first; given newer first, they are swapped and that is said."""
    try:
        newer_first, same = Version(good) > Version(bad), Version(good) == Version(bad)
    except InvalidVersion:
        return good, bad  # candidates() says which one is not a version
    if same:
        raise ConfigError(f"--good and --bad are both {good}: give the two releases to bisect between")
    if not newer_first:
        return good, bad
    log(f"the ends were given newer first: searching from {bad} up to {good}")
    return bad, good


def _check_ends(options: BisectOptions, ends: dict[str, dict[str, str]]) -> None:
    for end, found in ends.items():
        if judge(found, found) == SKIP:
            raise TrackerError(f"{options.package} {end} cannot be installed or imported: see its env_error "
                               f"(tracker results --store {options.store})")
        missing = sorted(set(options.cases) - set(found))
        if missing:
            raise TrackerError(f"{options.package} {end} stored no result for {', '.join(missing)}: "
                               f"check the case ids (tracker cases lists them)")


def _search_builds(options: BisectOptions, step: Step, on_index: Sequence[Release], searched: Sequence[str],
                   probes: _Probes, log: Callable[[str], None]) -> tuple[Step, int]:
    """``step`` with the search of the dev builds between its last unchanged and first
    changed release (or why there is none), and the environments that search builds at most."""
    last, first = step.last_unchanged, step.first_changed
    if step.unresolved:
        return dataclasses.replace(step, builds_note=(
            f"no dev build searched: {last} and {first} are not consecutive releases "
            f"({', '.join(step.unresolved)} could not be tried)")), 0
    builds = [b for b in builds_between(on_index, last, first, yanked=options.yanked) if b not in searched]
    if not builds:
        return dataclasses.replace(step, builds_note=(
            f"no dev build searched: {options.package} has none between {last} and {first} on the index")), 0
    bound = max_probes(len(builds) + 1)
    log(f"{len(builds)} dev builds between {last} and {first}: {', '.join(builds)}; at most {bound} to try")
    release = {r.version: r for r in on_index}
    unavailable = {build: why for build in builds if (why := _not_installable(release[build]))}
    found = _search(options, last, [*builds, first], {c.case: c.before for c in step.changes}, probes, log,
                    unavailable=unavailable)
    first_day, last_day = (release[v].uploaded if v in release else None
                           for v in (found.first_changed, found.last_unchanged))
    return dataclasses.replace(step, builds=dataclasses.replace(found, uploaded=(first_day, last_day))), bound


def _not_installable(release: Release) -> str:
    """Why no file of ``release`` installs here (``tracker releases``' judgement); empty
    when one does, or when the index's files are not known."""
    if release.files is None:
        return ""
    found = installability(list(release.files), sys_tags(), platform.python_version())
    return "" if found.installable else f"not installable here ({found.reason})"


def _search(options: BisectOptions, start: str, span: Sequence[str], baseline: dict[str, str],
            probes: _Probes, log: Callable[[str], None], *, unavailable: Mapping[str, str] | None = None) -> Step:
    """The first release of ``span`` (those after ``start``) at which a case of
    ``baseline`` has another outcome; releases already probed are judged without a probe,
    those ``unavailable`` names (with why) are skipped without one."""
    def verdict(outcomes: dict[str, str]) -> str:
        return judge(baseline, {c: o for c, o in outcomes.items() if c in baseline})

    unavailable = unavailable or {}
    known = {v: verdict(probes.outcomes_at(v)) for v in span if v in probes.read}
    bisection = Bisection(start, list(span), max_skips=options.max_skips, known=known)
    while (version := bisection.next_probe()) is not None:
        found = SKIP if version in unavailable else verdict(probes.outcomes_at(version, probing=True))
        note = {SKIP: f"{unavailable.get(version, 'cannot be installed or imported')}: skipped",
                BAD: f"an outcome differs from {start}'s"}.get(found, f"as at {start}")
        log(f"{options.package} {version}: {found} ({note})")
        bisection.record(version, found)
    after = probes.outcomes_at(bisection.first_bad)
    return Step(
        first_changed=bisection.first_bad, last_unchanged=bisection.last_good,
        unresolved=tuple(bisection.unresolved),
        changes=tuple(CaseChange(c, o, after.get(c)) for c, o in baseline.items() if after.get(c) != o),
    )


@dataclasses.dataclass(frozen=True)
class CaseState:
    """A case's newest result in one environment: its outcome and every oracle's verdict."""

    outcome: str
    verdicts: Mapping[str, bool | None]  # oracle -> passed (None: not applicable)

    def describe(self, oracles: Sequence[str] = ()) -> str:
        """The outcome, with the verdicts of ``oracles``: what a probe compares."""
        if not oracles or self.outcome == "env_error":  # an environment not built judged nothing
            return self.outcome
        words = {True: "passed", False: "failed", None: "not judged"}
        return ", ".join([self.outcome, *(f"{o} {words[self.verdicts.get(o)]}" for o in oracles)])


class _Probes:
    """The outcomes at each release: stored ones, else swept; each release read once."""

    def __init__(self, options: BisectOptions, template: Template, older: str, sweep: Probe,
                 log: Callable[[str], None]) -> None:
        self.options, self.template, self.older = options, template, older
        self.sweep, self.log = sweep, log
        self.oracles: tuple[str, ...] = options.oracles  # whose verdicts are compared with the outcome
        self.read: dict[str, dict[str, CaseState]] = {}
        self.probed: list[str] = []  # judged between the ends, in order
        self.built: list[str] = []  # swept: the store lacked them

    def outcomes_at(self, version: str, *, probing: bool = False) -> dict[str, str]:
        if probing:
            self.probed.append(version)
        if version not in self.read:
            self.read[version] = self._read_or_sweep(version)
        return {case: state.describe(self.oracles) for case, state in self.read[version].items()}

    def flipped_oracles(self, older: str, newer: str) -> list[str]:
        """The oracles whose verdict on some case passed at one end and failed at the other."""
        before, after = self.read[older], self.read[newer]
        return sorted({oracle for case in before.keys() & after.keys()
                       for oracle, passed in before[case].verdicts.items()
                       if passed is not None and after[case].verdicts.get(oracle) is (not passed)})

    def _read_or_sweep(self, version: str) -> dict[str, CaseState]:
        options = self.options
        companions = _companions(self.template, version, self.older, options.companions)
        pair = probed_pair(self.template, options.package, version, self.older, options.companions)
        known = stored_states(options.store, options.cases, label=pair.id)
        if known and not set(options.cases) - set(known):
            return known
        self.built.append(version)
        self.log(f"building and sweeping {pair.id}" + (f" (with {', '.join(companions)})" if companions else ""))
        env_id = self.sweep(pair)
        if env_id is None:
            raise TrackerError(f"the sweep of {pair.id} failed (its output is above)")
        return stored_states(options.store, options.cases, label=pair.id, env_id=env_id)


def probed_pair(template: Template, package: str, version: str, older: str,
                companions: tuple[str, ...] | None = None) -> Pair:
    """The pair ``version`` is probed in: with ``companions``, else those the matrix gives
    that version, else those of the older end."""
    return with_version(template.pair, package, version, _companions(template, version, older, companions),
                        template.allow_cuda.get(version, ""))


def _companions(template: Template, version: str, older: str, given: tuple[str, ...] | None) -> tuple[str, ...]:
    if given is not None:
        return given
    return template.companions.get(version, template.companions.get(older, ()))


def _choose_variant(options: BisectOptions, matrix: Path, older: str, newer: str,
                    log: Callable[[str], None]) -> tuple[str | None, str | None]:
    """``--pipeline`` and ``--variant``; when no variant is named and several have the
    package as an axis, the only one whose results (of the watched cases) at both ends are
    in the store. None or several: a :class:`ConfigError` listing them."""
    if options.variant is not None:
        return options.pipeline, options.variant
    templates = _variants_with_axis(matrix, options.package, older, options.pipeline, options.axes)
    if len(templates) < 2:
        return options.pipeline, None
    rows = _rows(options.store)

    def stored_at_both_ends(template: Template) -> bool:
        return all(_covers(rows, options.cases, probed_pair(template, options.package, end, older,
                                                            options.companions).id)
                   for end in (older, newer))

    stored = [key for key, template in templates.items() if stored_at_both_ends(template)]
    several_pipelines = len({pipeline for pipeline, _ in templates}) > 1
    names = {key: ".".join(key) if several_pipelines else key[1] for key in templates}
    what = f"results of {', '.join(options.cases)}" if options.cases else "results"
    where = f"{options.package} {older} and {newer}"
    if len(stored) == 1:
        log(f"variant {names[stored[0]]}: the only one of {', '.join(names.values())} with {what} "
            f"at {where} in the store")
        return stored[0]
    option = "--pipeline and --variant" if several_pipelines else "--variant"
    if stored:
        raise ConfigError(f"{options.package} is an axis of {len(templates)} variants and the store has {what} at "
                          f"{where} for {len(stored)}: choose one of {', '.join(names[k] for k in stored)} "
                          f"with {option}")
    raise ConfigError(f"{options.package} is an axis of {len(templates)} variants and the store has {what} at "
                      f"{where} for none: choose one of {', '.join(names.values())} with {option}")


def _variants_with_axis(matrix: Path, package: str, older: str, pipeline: str | None,
                        axes: tuple[str, ...]) -> dict[tuple[str, str], Template]:
    """The bisection template of each variant (of ``pipeline``) with ``package`` as an axis."""
    keys = dict.fromkeys((p.pipeline, p.variant) for p in load_matrix(matrix) if pipeline in (None, p.pipeline))
    templates = {}
    for key in keys:
        try:
            template = bisect_template(matrix, package, older, pipeline=key[0], variant=key[1], axes=axes)
        except ConfigError:
            continue  # not a package of this variant
        if any(canonical_name(a.package) == canonical_name(package) for a in template.pair.axes):
            templates[key] = template
    return templates


def stored_outcomes(store: Path, cases: Iterable[str], *, label: str,
                    env_id: str | None = None) -> dict[str, str]:
    """The newest stored outcome of each case (of ``cases``, if any) in one environment,
    named by the label of the pair it was built for or by its id (an environment keeps
    the label of the first pair that built it: an identical one built for another label
    is the same). Nothing when there is no store yet."""
    return _newest_outcomes(_rows(store), cases, label=label, env_id=env_id)


def stored_states(store: Path, cases: Iterable[str], *, label: str, env_id: str | None = None) -> dict[str, CaseState]:
    """As :func:`stored_outcomes`, with every oracle's verdict on each of those results."""
    newest = _newest_rows(_rows(store), cases, label=label, env_id=env_id)
    verdicts: dict[str, dict[str, bool | None]] = {row["result_id"]: {} for row in newest.values()}
    if verdicts:
        with Store.open(store, read_only=True) as handle:
            found = handle.con.execute(  # an oracle repeated for one result (a hostile store) passes if all pass
                "SELECT result_id, oracle, bool_and(passed) FROM verdicts "
                "WHERE list_contains($ids::VARCHAR[], result_id) AND NOT starts_with(oracle, $localization) "
                "GROUP BY result_id, oracle",
                {"ids": list(verdicts), "localization": LOCALIZATION_PREFIX}).fetchall()
        for result_id, oracle, passed in found:
            verdicts[result_id][str(oracle)] = None if passed is None else bool(passed)
    return {case: CaseState(row["outcome"], verdicts[row["result_id"]]) for case, row in newest.items()}


def _rows(store: Path) -> list[ResultRow]:
    if not store.is_file():
        return []
    with Store.open(store, read_only=True) as handle:
        return list(query_rows(handle))


def _covers(rows: Sequence[ResultRow], cases: Sequence[str], label: str) -> bool:
    """Whether ``rows`` hold results at ``label`` (of every one of ``cases``, if any)."""
    found = _newest_outcomes(rows, cases, label=label)
    return bool(found) and not set(cases) - set(found)


def _newest_outcomes(rows: Iterable[ResultRow], cases: Iterable[str], *, label: str,
                     env_id: str | None = None) -> dict[str, str]:
    return {case: row["outcome"] for case, row in _newest_rows(rows, cases, label=label, env_id=env_id).items()}


def _newest_rows(rows: Iterable[ResultRow], cases: Iterable[str], *, label: str,
                 env_id: str | None = None) -> dict[str, ResultRow]:
    wanted = set(cases)
    newest: dict[str, ResultRow] = {}
    for row in rows:
        if wanted and row["case_id"] not in wanted:
            continue
        if (row["label"] == label or row["env_id"] == env_id) and (
                row["case_id"] not in newest or row["created_at"] >= newest[row["case_id"]]["created_at"]):
            newest[row["case_id"]] = row
    return newest
