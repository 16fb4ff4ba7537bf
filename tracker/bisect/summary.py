"""What a bisection found, and the summary ``nox -s bisect`` prints last.

A watched case's change between two releases is judged as :mod:`tracker.analysis.transitions`
judges a step: ``ok`` and ``not_runnable`` are the good side, every other outcome a failure.
Passing before and failing after is a regression ("first bad release"), failing before
and passing after a fix ("first fixed release"), anything else a change ("first changed
release": a failure that became another, or several cases changing different ways).
With ``--dev`` a line under each first changed release names the dev build, in the same
words ("first fixed build ... (uploaded ...); last still failing ... (uploaded ...)").
"""

from __future__ import annotations

import dataclasses

from tracker.outcomes import Outcome

# the good side of a step, as tracker.analysis.transitions judges it
PASSING = frozenset({Outcome.OK.value, Outcome.NOT_RUNNABLE.value})
REGRESSION, FIX, CHANGE = "regression", "fix", "change"

_HEADLINE = {
    REGRESSION: "first bad release: {package} {first} (last good: {last})",
    FIX: "first fixed release: {package} {first} (last still failing: {last})",
    CHANGE: "first changed release: {package} {first} (last unchanged: {last})",
}
_BUILDS = {
    REGRESSION: "first bad build {first} (uploaded {first_day}); last good {last} (uploaded {last_day})",
    FIX: "first fixed build {first} (uploaded {first_day}); last still failing {last} (uploaded {last_day})",
    CHANGE: "first changed build {first} (uploaded {first_day}); last unchanged {last} (uploaded {last_day})",
}
_VERB = {REGRESSION: "regressed", FIX: "fixed", CHANGE: "changed"}


@dataclasses.dataclass(frozen=True)
class CaseChange:
    """A watched case whose outcome at the first changed release differs from the last unchanged's."""

    case: str
    before: str
    after: str | None  # None: the first changed release stored no result for it

    @property
    def kind(self) -> str:
        if self.after is None:
            return CHANGE
        passed, passes = self.before in PASSING, self.after in PASSING
        return FIX if passes and not passed else REGRESSION if passed and not passes else CHANGE


@dataclasses.dataclass(frozen=True)
class Step:
    """Where one search ended: the first release at which some of its watched cases changed."""

    first_changed: str
    last_unchanged: str
    unresolved: tuple[str, ...]  # skipped releases in between: any may be the first changed
    changes: tuple[CaseChange, ...]
    # with --dev: the search of the dev builds between last_unchanged and first_changed,
    # or why there was none
    builds: Step | None = None
    builds_note: str = ""
    uploaded: tuple[str | None, str | None] = (None, None)  # upload days of first_changed, last_unchanged

    @property
    def kind(self) -> str:
        """A regression or a fix when every case changed that way, else a change."""
        kinds = {change.kind for change in self.changes}
        return kinds.pop() if len(kinds) == 1 else CHANGE

    def unresolved_line(self, indent: str) -> list[str]:
        if not self.unresolved:
            return []
        return [f"{indent}could not be tried, so the change may be in: {', '.join(self.unresolved)}"]

    def builds_lines(self, indent: str) -> list[str]:
        """With --dev: the first changed dev build and the window, or why none was searched."""
        if self.builds is None:
            return [f"{indent}{self.builds_note}"] if self.builds_note else []
        first_day, last_day = (day or "on an unknown day" for day in self.builds.uploaded)
        line = _BUILDS[self.builds.kind].format(first=self.builds.first_changed, last=self.builds.last_unchanged,
                                                first_day=first_day, last_day=last_day)
        return [f"{indent}{line}", *self.builds.unresolved_line(indent + "   ")]

    @property
    def searches(self) -> int:
        return 1 + (self.builds is not None)


@dataclasses.dataclass(frozen=True)
class BisectResult:
    package: str
    older: str  # the two ends, in version order
    newer: str
    steps: tuple[Step, ...]  # one per search: the first over every watched case, then one
    # over the cases that had not changed at the previous step's release
    unchanged: tuple[tuple[str, str], ...]  # watched cases with one outcome at both ends
    probed: tuple[str, ...]  # releases judged between the ends, in order
    built: tuple[str, ...]  # releases whose environment was swept (the rest were stored)
    bound: int  # environments the searches build at most when no release is skipped

    @property
    def first(self) -> Step:
        return self.steps[0]

    def lines(self) -> list[str]:
        """The summary ``nox -s bisect`` prints last: the first change, the cases it
        changed; then each case that changed later, with its own release; then the
        watched cases that did not change; then what it cost."""
        first, *later = self.steps
        lines = [_HEADLINE[first.kind].format(package=self.package, first=first.first_changed,
                                              last=first.last_unchanged)]
        lines += first.unresolved_line("   ")
        lines += first.builds_lines("   ")
        lines += [f"   {c.case}: {c.before} at {first.last_unchanged} -> {c.after} at {first.first_changed}"
                  for c in first.changes]
        for step in later:
            lines += [f"   {c.case}: {_VERB[c.kind]} in {step.first_changed} ({c.before} at "
                      f"{step.last_unchanged} -> {c.after} at {step.first_changed})" for c in step.changes]
            lines += step.unresolved_line("      ")
            lines += step.builds_lines("      ")
        lines += [f"   {case}: still {'passing' if outcome in PASSING else 'failing'} at {self.newer} "
                  f"({outcome} at {self.older} and {self.newer})" for case, outcome in self.unchanged]
        count = sum(step.searches for step in self.steps)
        searches = f" in {count} searches (at most {self.bound} with no skip)" if count > 1 else ""
        what = "releases and builds" if any(step.builds for step in self.steps) else "releases"
        lines.append(f"   {len(self.probed)} {what} probed{searches}, {len(self.built)} environments swept "
                     f"(the rest were in the store)")
        return lines
