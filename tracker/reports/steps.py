"""Regressions and fixes as a reader takes them in: the cases that changed together at
one version step of one package, everything else held fixed, are one line (one
onnxruntime release fixing 57 cases is one fix step, not 57 rows)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from tracker.analysis import KINDS, Transition, version_key
from tracker.analysis.axes import describe_versions
from tracker.render import render_number

# What a maintainer asks first; the other kinds (signature changes, drift, slowdowns)
# are shown after them, folded.
HEADLINE_KINDS = ("regression", "hidden_regression", "fix", "hidden_fix")
ALWAYS_COUNTED = ("regression", "fix")  # the hidden kinds are counted when there are some
LABELS = {"regression": "regressions", "fix": "fixes", "signature_change": "signature changes",
          "drift": "drift warnings", "slowdown": "slowdowns",
          "hidden_regression": "regressions behind a standing failure",
          "hidden_fix": "fixes behind a standing failure"}


@dataclasses.dataclass(frozen=True)
class Step:
    kind: str
    converter: str  # pipeline.variant
    axis: str
    before: str  # the axis's version before and after the step
    after: str
    context: str  # the other axes' versions, held fixed
    transitions: tuple[Transition, ...]

    @property
    def case_ids(self) -> list[str]:
        return [t.case_id for t in self.transitions]


def group_steps(transitions: Iterable[Transition]) -> list[Step]:
    """One :class:`Step` per (kind, converter, axis, versions, context), regressions first,
    then by converter, axis, versions and context, versions in ``packaging`` order."""
    groups: dict[tuple[Any, ...], list[Transition]] = {}
    for t in transitions:
        key = (t.kind, t.pipeline, t.variant, t.axis, t.context, t.before.version, t.after.version)
        groups.setdefault(key, []).append(t)
    ordered = sorted(groups, key=lambda k: (KINDS.index(k[0]), k[1], k[2], k[3], version_key(k[5]),
                                           version_key(k[6]), [version_key(v) for _, v in k[4]]))
    return [Step(kind, f"{pipeline}.{variant}", axis, before, after, describe_versions(context),
                 tuple(sorted(groups[kind, pipeline, variant, axis, context, before, after],
                              key=lambda t: t.case_id)))
            for kind, pipeline, variant, axis, context, before, after in ordered]


def detail(t: Transition) -> str:
    """What changed for one case: the failure that appeared, went or changed, or the numbers."""
    if t.kind == "fix":
        return f"was {t.before.outcome}: {t.before.signature or ''}"
    if t.kind == "regression":
        return f"{t.after.outcome}: {t.after.signature or ''}"
    if t.kind in ("hidden_fix", "hidden_regression"):
        flip = "failed -> passed" if t.kind == "hidden_fix" else "passed -> failed"
        return f"{t.oracle} {flip}, behind {t.behind}: {t.after.signature or ''}"
    if t.kind == "signature_change":
        return (f"{t.before.outcome}: {t.before.signature or ''} -> "
                f"{t.after.outcome}: {t.after.signature or ''}")
    if t.kind == "drift":
        return f"max_abs_error {render_number(t.before.max_abs_error, '?')} -> {render_number(t.after.max_abs_error, '?')}"
    return t.note or f"latency {render_number(t.before.latency_seconds, '?')} s -> " \
        f"{render_number(t.after.latency_seconds, '?')} s"


def summary(steps: Iterable[Step]) -> str:
    """``0 regressions, 187 fixes; also 107 signature changes, 22 slowdowns``."""
    counts = {kind: 0 for kind in KINDS}
    for step in steps:
        counts[step.kind] += len(step.transitions)
    headline = ", ".join(f"{counts[k]} {LABELS[k]}" for k in HEADLINE_KINDS if k in ALWAYS_COUNTED or counts[k])
    others = ", ".join(f"{counts[k]} {LABELS[k]}" for k in KINDS if k not in HEADLINE_KINDS and counts[k])
    return headline + (f"; also {others}" if others else "")
