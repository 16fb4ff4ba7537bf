"""What a bisection found, and the summary ``nox -s bisect`` prints last.

A watched case's change between two releases is judged as :mod:`tracker.analysis.transitions`
judges a step: ``ok`` and ``not_runnable`` are the good side, every other outcome a failure.
Passing before and failing after is a regression ("first bad release"), failing before
and passing after a fix ("first fixed release"), anything else a change ("first changed
release": a failure that became another, or several cases changing different ways).
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

    @property
    def kind(self) -> str:
        """A regression or a fix when every case changed that way, else a change."""
        kinds = {change.kind for change in self.changes}
        return kinds.pop() if len(kinds) == 1 else CHANGE

    def unresolved_line(self, indent: str) -> list[str]:
        if not self.unresolved:
            return []
        return [f"{indent}could not be tried, so the change may be in: {', '.join(self.unresolved)}"]


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
        lines += [f"   {c.case}: {c.before} at {first.last_unchanged} -> {c.after} at {first.first_changed}"
                  for c in first.changes]
        for step in later:
            lines += [f"   {c.case}: {_VERB[c.kind]} in {step.first_changed} ({c.before} at "
                      f"{step.last_unchanged} -> {c.after} at {step.first_changed})" for c in step.changes]
            lines += step.unresolved_line("      ")
        lines += [f"   {case}: still {'passing' if outcome in PASSING else 'failing'} at {self.newer} "
                  f"({outcome} at {self.older} and {self.newer})" for case, outcome in self.unchanged]
        searches = f" in {len(self.steps)} searches (at most {self.bound} with no skip)" if later else ""
        lines.append(f"   {len(self.probed)} releases probed{searches}, {len(self.built)} environments swept "
                     f"(the rest were in the store)")
        return lines
