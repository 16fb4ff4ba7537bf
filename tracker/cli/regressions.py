"""Print what broke between adjacent versions of a package, every other axis held fixed:
regressions (ok -> failure), changes of failure signature, drift warnings (the
error size an oracle declares, a max abs error, x10 or more, still within tolerance) and slowdowns (run time x1.5 or more,
counted from at least 5 ms). The rules are in tracker/analysis/transitions.py and in
docs/analysis.md ("Regressions, fixes and history").

Regressions and fixes are listed case by case, then the environments of their steps by
name (``nox -s "sweep(NAME)"`` runs one again); the other kinds are counted per version
step (``--all`` lists them case by case too). Every line is cut to the terminal's width."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Sequence

from tracker.analysis import Group, Rules, Transition, find_transitions, load_groups, version_key
from tracker.cli.common import add_store_option, add_width_option, output_width, store_path
from tracker.render import fit, render_table, shorten
from tracker.reports.steps import HEADLINE_KINDS, group_steps
from tracker.store import Store
from tracker.store.views import label_key

HELP = "list regressions between adjacent versions of a package, the rest held fixed"

MAX_SIGNATURE = 200  # characters of a signature, even without a width (--width 0)
REGRESSION_KINDS = ("regression", "hidden_regression", "signature_change", "drift", "slowdown")
FIX_KINDS = ("fix", "hidden_fix")
_LABELS = {
    "regression": "regression",
    "hidden_regression": "regression behind a failure",
    "signature_change": "signature change",
    "drift": "drift (warning)",
    "slowdown": "slowdown",
    "fix": "fix",
    "hidden_fix": "fix behind a failure",
}
_PLURALS = {
    "regression": "regressions",
    "hidden_regression": "regressions behind a standing failure",
    "signature_change": "signature changes",
    "drift": "drift warnings",
    "slowdown": "slowdowns",
    "fix": "fixes",
    "hidden_fix": "fixes behind a standing failure",
}

_SHORT = {"regression": "regr", "hidden_regression": "regr-behind", "signature_change": "sig", "drift": "drift",
          "slowdown": "slow", "fix": "fix", "hidden_fix": "fix-behind"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_transition_arguments(parser)
    parser.add_argument(
        "--latency-ratio",
        type=_ratio,
        default=Rules.latency_ratio,
        metavar="RATIO",
        help="a slowdown is a median latency this many times the previous one or more "
        f"(default {Rules.latency_ratio}), longer by {Rules.latency_floor * 1000:g} ms or the timing noise "
        f"measured on the machine, and significant in a rank test of the samples (p < {Rules.latency_alpha})",
    )
    parser.add_argument("--all", action="store_true",
                        help="list signature changes, drift warnings and slowdowns case by case too "
                             "(by default they are counted per version step)")


def add_transition_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `tracker regressions` and `tracker fixes` share."""
    add_store_option(parser)
    parser.add_argument(
        "--axis",
        metavar="PACKAGE",
        default=None,
        help="only steps of this package (default: every package the matrix varies)",
    )
    parser.add_argument(
        "--since",
        metavar="VERSION",
        default=None,
        help="only steps from VERSION of --axis or a later one",
    )
    parser.add_argument("--pipeline", default=None, help="only this pipeline")
    parser.add_argument(
        "--include-env-errors",
        action="store_true",
        help="count env_error (environment not built or not importable) as a failure; "
        "by default such results are left out",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    add_width_option(parser)


def main(args: argparse.Namespace) -> int:
    rules = Rules(latency_ratio=args.latency_ratio, include_env_errors=args.include_env_errors)
    return report(args, REGRESSION_KINDS, rules, list_all=args.all)


def report(args: argparse.Namespace, kinds: Sequence[str], rules: Rules, list_all: bool = True) -> int:
    """Find the steps of ``kinds`` the options ask for and print them: regressions and
    fixes case by case, the other kinds counted per version step unless ``list_all``."""
    with Store.open(store_path(args), read_only=True) as store:
        groups = load_groups(store, args.pipeline)
        if not groups:
            print("[]" if args.format == "json" else "the store holds no result yet (run `nox -s sweep`)")
            return 0
        transitions = find_transitions(
            store, groups, kinds=kinds, axis=args.axis, since=args.since, rules=rules
        )
    if args.format == "json":
        print(json.dumps([t.to_json() for t in transitions], indent=2, default=str))
        return 0
    listed = [t for t in transitions if list_all or t.kind in HEADLINE_KINDS]
    sections = [render_cases_by_step(listed)] if listed else []
    sections += [render_environments(listed)] if listed else []
    counted = [] if list_all else [t for t in transitions if t.kind not in HEADLINE_KINDS]
    sections += [render_step_counts(counted)] if counted else []
    changed = _incidental_changes(transitions)
    if changed:
        sections.append("\n".join(["also changed with these steps (not matrix axes, so not held fixed):",
                                   *(f"  {line}" for line in changed)]))
    sections.append(summary(transitions, kinds, groups, args.axis, rules))
    print(fit("\n\n".join(sections), output_width(args)))
    return 0


def render_cases_by_step(transitions: Iterable[Transition]) -> str:
    """Per kind, per version step (a line naming it), one line per case."""
    out: list[str] = []
    kind = None
    for step in group_steps(transitions):
        if step.kind != kind:
            kind = step.kind
            sides = "last bad -> first good" if kind in FIX_KINDS else "last good -> first bad"
            out += [*([""] if out else []), f"{_PLURALS[kind]} ({sides}), per version step:"]
        held = f" [{step.context}]" if step.context else ""
        out.append(f"  {step.converter} {step.axis} {step.before} -> {step.after}{held}: {len(step.transitions)}")
        width = max(len(case_id) for case_id in step.case_ids)
        for t in step.transitions:
            outcomes = "" if t.kind in ("drift", "slowdown") else f"{t.before.outcome} -> {t.after.outcome}  "
            out.append(f"    {t.case_id:<{width}}  {outcomes}{_detail(t)}")
    return "\n".join(out)


def render_transitions(transitions: list[Transition], fixes: bool) -> str:
    """One row per case and step (`nox -s latest`'s table)."""
    steps = "last bad -> first good" if fixes else "last good -> first bad"  # of the outcome, or of the oracle
    headers = ["kind", "case", "axis", steps, "context (held fixed)", "outcome", "signature or measure"]
    rows = [
        [
            _LABELS[t.kind],
            t.case_id,
            t.axis,
            f"{t.before.version} -> {t.after.version}",
            t.describe_context(),
            f"{t.before.outcome} -> {t.after.outcome}",
            _detail(t),
        ]
        for t in transitions
    ]
    out = [render_table(headers, rows)]
    changed = _incidental_changes(transitions)
    if changed:
        out.append("\nalso changed with these steps (not matrix axes, so not held fixed):")
        out += [f"  {line}" for line in changed]
    return "\n".join(out)


def render_environments(transitions: Iterable[Transition]) -> str:
    """The environments on either side of the steps listed, by name: each a nox session."""
    labels = sorted({side.label for t in transitions for side in (t.before, t.after) if side.label},
                    key=label_key)
    return "\n".join(['the environments of these steps (`nox -s "sweep(NAME)"` runs one again):',
                      *(f"  {label}" for label in labels)])


def render_step_counts(transitions: Iterable[Transition]) -> str:
    """One row per version step: how many cases changed there, per kind."""
    counts: dict[tuple[str, str, str, str, str], Counter[str]] = {}
    for step in group_steps(transitions):
        key = (step.converter, step.axis, step.before, step.after, step.context)
        counts.setdefault(key, Counter())[step.kind] += len(step.transitions)
    kinds = [kind for kind in _PLURALS if any(kind in c for c in counts.values())]
    rows = []
    for key in sorted(counts, key=_step_order):
        converter, axis, before, after, context = key
        held = f" [{context}]" if context else ""
        rows.append([*(str(counts[key][kind] or ".") for kind in kinds), f"{converter} {axis} {before} -> {after}{held}"])
    table = render_table([*(_SHORT[kind] for kind in kinds), "version step (the rest held fixed)"], rows,
                         ">" * len(kinds) + "<")
    legend = ", ".join(f"{_SHORT[kind]}: {_PLURALS[kind]}" for kind in kinds)
    return f"cases per version step (--all lists each case):\n{table}\n({legend})"


def _step_order(key: tuple[str, str, str, str, str]) -> tuple[object, ...]:
    converter, axis, before, after, context = key
    return (converter, axis, version_key(before), version_key(after),
            [version_key(word.partition("==")[2]) for word in context.split()])


def _detail(t: Transition) -> str:
    if t.kind in ("hidden_fix", "hidden_regression"):
        kind = "fix" if t.kind == "hidden_fix" else "regression"
        flip = "failed -> passed" if t.kind == "hidden_fix" else "passed -> failed"
        return f"{kind} ({t.oracle}, behind {t.behind}): {t.oracle} {flip}; {shorten(t.after.signature or '', MAX_SIGNATURE)}"
    if t.kind == "drift":
        before, after = t.before.max_abs_error or 0.0, t.after.max_abs_error or 0.0
        ratio = f" (x{after / before:.3g})" if before else ""
        return f"max abs error {before:.2g} -> {after:.2g}{ratio}"
    if t.kind == "slowdown":
        return t.note
    signature = t.before.signature if t.kind in FIX_KINDS else t.after.signature
    return shorten(signature or "", MAX_SIGNATURE)


def _incidental_changes(transitions: list[Transition]) -> list[str]:
    lines: dict[str, None] = {}  # ordered, without repeats
    for t in transitions:
        if t.also_changed:
            step = f"{t.pipeline}.{t.variant} {t.axis} {t.before.version} -> {t.after.version}"
            moved = ", ".join(f"{n} {a or '(absent)'} -> {b or '(absent)'}" for n, a, b in t.also_changed)
            lines[f"{step}: {moved}"] = None
    return list(lines)


def summary(
    transitions: list[Transition], kinds: Sequence[str], groups: list[Group], axis: str | None,
    rules: Rules,
) -> str:
    found = Counter(t.kind for t in transitions)
    counts = [f"{_PLURALS[kind]}: {found[kind]}" for kind in kinds if found[kind] or not kind.startswith("hidden_")]
    axes = [f"along {axis}"] if axis else ["axes:", *(
        f"  {g.name}: {', '.join(g.axes) or '(none varies)'}" for g in groups)]
    env_errors = (
        "env_error counted as a failure"
        if rules.include_env_errors
        else "env_error results left out (--include-env-errors counts them)"
    )
    return "\n".join([", ".join(counts), *axes, env_errors])


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a ratio above 1 (e.g. 1.5)")
    return value
