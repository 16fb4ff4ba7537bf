"""Two stores' results of the same environments, configurations and cases, side by side:
what changed from the first (the baseline) to the second.

The A/A control of the alarms: sweep a pair, sweep the same pair again with
``--recompute`` into a copy of the store, and compare the two. Nothing was changed, so
every difference found is a false alarm of the rules the regressions use (issue 19):

- ``outcome``: the outcome or the failure's signature differs;
- ``verdict``: an oracle's verdict flipped (localizations excluded: whose fault a failure
  is, not whether it is one);
- ``drift``: the error size grew ``drift_ratio`` times from at least ``error_floor``, as
  between versions (:mod:`tracker.analysis.transitions`);
- ``slowdown`` and ``speedup``: the latency samples differ in either direction as a
  slowdown between versions must (:mod:`tracker.analysis.latency`).

Results are matched on (environment, configuration, case, content hash): the same
versions of every package, the same options, the same definition of the case.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from pathlib import Path

from tracker.analysis import latency
from tracker.analysis.transitions import VERDICT_PER_ORACLE, Rules, latency_evidence
from tracker.declarations import DRIFT_BY_RESULT, declare
from tracker.outcomes import LOCALIZATION_PREFIX
from tracker.store import Store

KINDS = ("outcome", "verdict", "drift", "slowdown", "speedup")

_RESULTS = f"""
    SELECT r.result_id, r.env_id, r.config_key, r.case_id, r.case_hash, r.pipeline, r.variant, r.outcome,
           r.signature, e.value AS error, n.timer_noise_seconds AS noise, v.label
    FROM results r
    LEFT JOIN ({DRIFT_BY_RESULT}) e ON e.result_id = r.result_id
    LEFT JOIN runs n ON n.run_id = r.run_id
    LEFT JOIN environments v ON v.env_id = r.env_id
"""

Key = tuple[str, str, str, str]  # env_id, config_key, case_id, case_hash


@dataclasses.dataclass(frozen=True)
class Stored:
    """What one store says of one result."""

    result_id: str
    label: str
    pipeline: str
    variant: str
    outcome: str
    signature: str | None
    error: float | None
    noise: float | None
    verdicts: dict[str, bool | None]
    samples: tuple[float, ...]
    cpu: tuple[float, ...]  # the CPU seconds of the same runs


@dataclasses.dataclass(frozen=True)
class Difference:
    kind: str  # one of KINDS
    case_id: str
    label: str  # the environment: `nox -s "sweep(LABEL)"`
    detail: str


@dataclasses.dataclass
class Comparison:
    matched: int  # results in both stores
    only_baseline: int
    only_other: int
    differences: list[Difference]

    def counts(self) -> dict[str, int]:
        return {kind: sum(d.kind == kind for d in self.differences) for kind in KINDS}


def read(path: Path) -> dict[Key, Stored]:
    """Every result of the store at ``path`` with what the comparison needs."""
    with Store.open(path, read_only=True) as store:
        declare(store)
        verdicts: dict[str, dict[str, bool | None]] = {}
        for result_id, oracle, passed in store.con.execute(
                VERDICT_PER_ORACLE, {"localization": LOCALIZATION_PREFIX}).fetchall():
            verdicts.setdefault(result_id, {})[oracle] = passed
        rows = store.query(_RESULTS)
        samples, cpu, _ = latency_evidence(store, [row["result_id"] for row in rows])
        out = {}
        for row in rows:
            rid = row["result_id"]
            out[(row["env_id"], row["config_key"], row["case_id"], row["case_hash"])] = Stored(
                rid, row["label"] or row["env_id"], row["pipeline"], row["variant"], row["outcome"], row["signature"],
                row["error"], row["noise"], verdicts.get(rid, {}), tuple(samples.get(rid, ())),
                tuple(cpu.get(rid, ())))
        return out


def compare(baseline: dict[Key, Stored], other: dict[Key, Stored], rules: Rules = Rules()) -> Comparison:
    """What changed from ``baseline`` to ``other``, result by matched result."""
    matched = sorted(baseline.keys() & other.keys(), key=lambda k: (k[2], k[0], k[1]))
    differences = [d for key in matched for d in _differences(key[2], baseline[key], other[key], rules)]
    return Comparison(len(matched), len(baseline.keys() - other.keys()), len(other.keys() - baseline.keys()),
                      differences)


def _differences(case_id: str, a: Stored, b: Stored, rules: Rules) -> Iterable[Difference]:
    label = b.label
    if (a.outcome, a.signature) != (b.outcome, b.signature):
        yield Difference("outcome", case_id, label, f"{a.outcome} -> {b.outcome}: {b.signature or a.signature or ''}")
    for oracle in sorted(a.verdicts.keys() & b.verdicts.keys()):
        before, after = a.verdicts[oracle], b.verdicts[oracle]
        if before is not None and after is not None and before != after:
            flip = "passed -> failed" if before else "failed -> passed"
            yield Difference("verdict", case_id, label, f"{oracle} {flip}")
    if a.outcome == b.outcome == "ok" and _finite(a.error) and _finite(b.error) \
            and b.error >= rules.drift_ratio * max(a.error, rules.error_floor):
        yield Difference("drift", case_id, label, f"max abs error {a.error:.2g} -> {b.error:.2g}")
    if a.outcome == b.outcome == "ok":
        noise = (a.noise, b.noise)
        slower = latency.judge(a.samples, b.samples, rules.latency(), noise, (a.cpu, b.cpu))
        if slower.slowdown:
            yield Difference("slowdown", case_id, label, slower.describe())
        faster = latency.judge(b.samples, a.samples, rules.latency(), noise, (b.cpu, a.cpu))
        if faster.slowdown:
            yield Difference("speedup", case_id, label, faster.describe())


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
