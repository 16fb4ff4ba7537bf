"""Print what broke between adjacent versions of a package, every other axis held fixed:
regressions (ok -> failure), changes of failure signature, drift warnings (the
error size an oracle declares, a max abs error, x10 or more, still within tolerance) and slowdowns (run time x1.5 or more,
counted from at least 5 ms). The rules are in tracker/analysis/transitions.py and in
docs/analysis.md ("Regressions, fixes and history")."""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Sequence

from tracker.analysis import Group, Rules, Transition, find_transitions, load_groups
from tracker.cli.common import add_store_option, store_path
from tracker.render import render_table
from tracker.store import Store

HELP = "list regressions between adjacent versions of a package, the rest held fixed"

REGRESSION_KINDS = ("regression", "signature_change", "drift", "slowdown")
_LABELS = {
    "regression": "regression",
    "signature_change": "signature change",
    "drift": "drift (warning)",
    "slowdown": "slowdown",
    "fix": "fix",
}
_PLURALS = {
    "regression": "regressions",
    "signature_change": "signature changes",
    "drift": "drift warnings",
    "slowdown": "slowdowns",
    "fix": "fixes",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_transition_arguments(parser)
    parser.add_argument(
        "--latency-ratio",
        type=_ratio,
        default=Rules.latency_ratio,
        metavar="RATIO",
        help="a slowdown is a run time this many times the previous one or more "
        f"(default {Rules.latency_ratio}; run times under {Rules.latency_floor * 1000:g} ms "
        "count as that floor)",
    )


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


def main(args: argparse.Namespace) -> int:
    rules = Rules(latency_ratio=args.latency_ratio, include_env_errors=args.include_env_errors)
    return report(args, REGRESSION_KINDS, rules)


def report(args: argparse.Namespace, kinds: Sequence[str], rules: Rules) -> int:
    """Find the steps of ``kinds`` the options ask for and print them."""
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
    if transitions:
        print(render_transitions(transitions, fixes="fix" in kinds))
    print(summary(transitions, kinds, groups, args.axis, rules))
    return 0


def render_transitions(transitions: list[Transition], fixes: bool) -> str:
    steps = "last bad -> first good" if fixes else "last good -> first bad"
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


def _detail(t: Transition) -> str:
    if t.kind == "drift":
        before, after = t.before.max_abs_error or 0.0, t.after.max_abs_error or 0.0
        ratio = f" (x{after / before:.3g})" if before else ""
        return f"max abs error {before:.2g} -> {after:.2g}{ratio}"
    if t.kind == "slowdown":
        before, after = t.before.run_seconds or 0.0, t.after.run_seconds or 0.0
        return f"run {before * 1000:.1f} ms -> {after * 1000:.1f} ms (x{after / max(before, 1e-9):.1f})"
    signature = t.before.signature if t.kind == "fix" else t.after.signature
    return textwrap.shorten(signature or "", 110, placeholder="...")


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
    counts = [f"{_PLURALS[kind]}: {sum(1 for t in transitions if t.kind == kind)}" for kind in kinds]
    axes = f"along {axis}" if axis else "axes " + "; ".join(
        f"{g.name}: {', '.join(g.axes) or '(none varies)'}" for g in groups
    )
    env_errors = (
        "env_error counted as a failure"
        if rules.include_env_errors
        else "env_error results left out (--include-env-errors counts them)"
    )
    return f"\n{', '.join(counts)}\n{axes}; {env_errors}"


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a ratio above 1 (e.g. 1.5)")
    return value
