"""Asking one oracle for its verdict on a case's evidence, in the child."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from tracker.api import Evidence, ExtraRun, Oracle, Verdict
from tracker.signatures import exception_signature, safe_text
from tracker.store import VerdictRecord
from tracker.worker import extras

# oracle name -> {the name it gave a set: (recipe key, recipe)}, from extras.requests
Requests = Mapping[str, Mapping[str, tuple[str, Mapping[str, Any]]]]


def verdict_of(oracle: Oracle, evidence: Evidence, options: Mapping[str, Any], requests: Requests,
               runs: Mapping[str, ExtraRun], sets: extras.ExtraSets) -> tuple[Verdict, str]:
    """``oracle``'s verdict on ``evidence`` (given the extra runs it asked for and its
    pipeline ``options``) and the signature its failure would have; an oracle that
    raises has failed (an oracle bug is a failed verdict)."""
    evidence.options = {**oracle.defaults, **options}
    asked = requests.get(oracle.name, {})
    evidence.extra = {name: runs[key] for name, (key, _) in asked.items() if key in runs}
    evidence.extra_unavailable = {name: sets.unavailable.get(key, "these inputs were not made")
                                  for name, (key, _) in asked.items() if key not in runs}
    try:
        verdict = oracle.judge(evidence)
        return verdict, f"{oracle.name}: {verdict.subkind or 'failed'}"
    except Exception as exc:  # noqa: BLE001
        traceback.print_exception(exc)
        verdict = Verdict(False, message=safe_text(f"oracle raised {exc!r}"), subkind="oracle_error")
        return verdict, f"{oracle.name}: {exception_signature(exc)}"


def verdict_record(oracle: str, verdict: Verdict, seconds: float | None = None) -> VerdictRecord:
    """A verdict as it is stored (message bounded, metrics as floats), with the seconds
    the oracle took to give it."""
    return VerdictRecord(
        seconds=seconds,
        oracle=oracle,
        passed=verdict.passed,
        subkind=verdict.subkind,
        message=safe_text(verdict.message, 4_000),
        metrics={k: float(v) for k, v in verdict.metrics.items()},
        samples={k: tuple(float(x) for x in values) for k, values in verdict.samples.items()},
    )
