"""Steps of a case's outcome between adjacent versions of one package, everything else
held fixed: regressions, fixes, signature changes, drift of the error size and slowdowns.

For every case (its newest definition only: results are never compared across content
hashes) and every axis of its pipeline variant (:mod:`tracker.analysis.axes`), the results
are lined up in the axis's version order (``packaging.version``) within a *context*: the
same configuration and the same versions of every other axis. Each pair of neighbours is
one step, judged by these rules:

- ``regression``: ``ok`` before, a failure after;
- ``fix``: a failure before, ``ok`` after;
- ``signature_change``: failures on both sides whose outcome or error signature differ;
- ``drift`` (a warning): ``ok`` on both sides, but the error size (the metric an oracle
  declares in the role ``drift``, a maximum absolute error: :mod:`tracker.declarations`)
  grew ``drift_ratio`` (10) times or more, counted from at least ``error_floor`` (1e-6):
  0 -> 5e-7 is float noise, 0 -> 2e-5 is a warning;
- ``slowdown``: ``ok`` on both sides and the latency (the metric an oracle declares in the
  role ``latency``, a median over repeated runs) grew ``latency_ratio`` (1.5) times or more
  by at least ``latency_floor`` (5 ms) or the timing noise measured on the machine, and the
  samples of the two sides say so with a rank test (:mod:`tracker.analysis.latency`): one
  run per side, or samples that overlap, is not a slowdown;
- ``hidden_fix`` and ``hidden_regression``: a failure on both sides, so the outcome says
  nothing, but one oracle's verdict flipped (failed -> passed, passed -> failed) behind it.
  The oracles after a failed artifact oracle still judge the outputs, so an error
  going from 0.23 to 1e-7 under a standing ``invalid_model`` (the checker's
  ``opset_mismatch`` at both ends) is a ``hidden_fix`` labelled with its oracle
  (:attr:`Transition.oracle`) and the failure it is behind (the later side's).

A step can be both a drift and a slowdown. Every outcome but ``ok`` is a failure, except
``not_runnable`` and ``env_error``. ``not_runnable`` (converted and checked, but the
runtime cannot run on this platform: CoreML off macOS) is a good side of a step, as far as
the platform lets anything be judged: ``not_runnable`` -> ``convert_error`` is the
converter's regression; it is still never counted as a pass in any table. ``env_error``: an environment that
could not be built or imported says nothing about the case, so by default its results
are left out before lining up (``ok`` at 1.9, ``env_error`` at 1.17, a crash at 1.20 is a
regression from 1.9 to 1.20). With ``include_env_errors`` they take part as failures.
When several environments hold the same versions in one context (rebuilt on another day,
differing only in incidental packages), the newest result stands for them.

The lining up and judging is one DuckDB query (a ``lag`` window over the version rank);
Python only ranks the few distinct versions and numbers the contexts
(:mod:`tracker.analysis.layout`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.analysis import latency
from tracker.analysis.axes import Context, Group, describe_versions
from tracker.analysis.layout import Layout, axes_to_follow
from tracker.api import CPU_TIME
from tracker.declarations import DRIFT_BY_RESULT, LATENCY_BY_RESULT, declare
from tracker.envinfo import canonical_name
from tracker.errors import ConfigError
from tracker.outcomes import LOCALIZATION_PREFIX
from tracker.store import Store
from tracker.store.views import LATEST_CASES, version_key

KINDS = ("regression", "hidden_regression", "signature_change", "drift", "slowdown", "fix", "hidden_fix")
MAX_SAMPLES = 10_000  # read from a store per result: more is not a measurement this tracker took


@dataclasses.dataclass(frozen=True)
class Rules:
    """Thresholds of the rules above; ``include_env_errors`` counts env_error as a failure."""

    drift_ratio: float = 10.0
    error_floor: float = 1e-6
    latency_ratio: float = 1.5
    latency_floor: float = 0.005
    latency_alpha: float = 0.01
    latency_min_samples: int = 5
    include_env_errors: bool = False

    def latency(self) -> latency.LatencyRules:
        return latency.LatencyRules(self.latency_ratio, self.latency_floor, self.latency_alpha,
                                    self.latency_min_samples)


@dataclasses.dataclass(frozen=True)
class Side:
    """One end of a step: a result."""

    version: str
    env_id: str
    outcome: str
    signature: str | None
    max_abs_error: float | None
    latency_seconds: float | None  # the median of the latency samples
    label: str = ""  # the environment's name: `nox -s "sweep(LABEL)"` runs it again
    subkind: str | None = None
    result_id: str = ""


@dataclasses.dataclass(frozen=True)
class Transition:
    kind: str
    case_id: str
    case_hash: str
    pipeline: str
    variant: str
    config_key: str
    axis: str
    context: Context  # the other axes' versions, held fixed
    before: Side
    after: Side
    also_changed: tuple[tuple[str, str | None, str | None], ...]  # incidental packages
    oracle: str | None = None  # the oracle whose verdict flipped (hidden_fix, hidden_regression)
    note: str = ""  # what carried the verdict (a slowdown: medians, the rank test's p, the floor)

    @property
    def behind(self) -> str:
        """The standing failure a hidden step is behind: the later side's outcome/subkind."""
        return "/".join(filter(None, [self.after.outcome, self.after.subkind]))

    def describe_context(self) -> str:
        return " ".join(filter(None, [f"{self.pipeline}.{self.variant}", describe_versions(self.context)]))

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["context"] = dict(self.context)
        data["also_changed"] = {name: [old, new] for name, old, new in self.also_changed}
        return data


# SQL: one verdict per (result, oracle), even where a store repeats one: all must pass; a
# localization's verdict says whose fault a failure is, not whether it is one ($localization).
VERDICT_PER_ORACLE = """
    SELECT result_id, oracle, bool_and(passed) AS passed FROM verdicts
    WHERE NOT starts_with(oracle, $localization) GROUP BY result_id, oracle"""

_QUERY = f"""
WITH {LATEST_CASES},
numbered AS (      -- numbered, like configs and series: the window sorts on one number
    SELECT case_id, case_hash, row_number() OVER () - 1 AS case_no FROM latest
),
slots AS (         -- (environment, series) -> version rank; a series is one axis in one context
    SELECT unnest($slot_envs::VARCHAR[]) AS env_id, unnest($slot_pipelines::VARCHAR[]) AS pipeline,
           unnest($slot_variants::VARCHAR[]) AS variant, unnest($slot_series::INTEGER[]) AS series,
           unnest($slot_ranks::INTEGER[]) AS rank
),
twins AS (         -- environments with the same versions of every axis (rebuilt ones)
    SELECT unnest($twin_envs::VARCHAR[]) AS env_id, unnest($twin_pipelines::VARCHAR[]) AS pipeline,
           unnest($twin_variants::VARCHAR[]) AS variant, unnest($twin_ids::INTEGER[]) AS twin
),
configs AS (       -- numbered, like cases and series: the window sorts on one number
    SELECT config_key, row_number() OVER () - 1 AS config_no
    FROM (SELECT DISTINCT config_key FROM results)
),
errors AS ({DRIFT_BY_RESULT}
),
latencies AS ({LATENCY_BY_RESULT}
),
base AS MATERIALIZED (   -- narrow rows (the window's cost is in its payload): no strings kept
    SELECT l.case_no, c.config_no, r.rowid AS row, r.env_id, r.pipeline, r.variant,
           r.created_at, r.outcome IN ('ok', 'not_runnable') AS ok, hash(r.outcome, r.signature) AS failure,
           t.value AS seconds, e.value AS error
    FROM results r
    JOIN numbered l ON l.case_id = r.case_id AND l.case_hash = r.case_hash
    JOIN configs c ON c.config_key = r.config_key
    LEFT JOIN errors e ON e.result_id = r.result_id
    LEFT JOIN latencies t ON t.result_id = r.result_id
    WHERE $include_env_errors OR r.outcome <> 'env_error'
),
kept AS (          -- twins stand for one version: the newest result of the case among them
    SELECT * FROM base ANTI JOIN twins USING (env_id, pipeline, variant)
    UNION ALL
    SELECT b.* FROM base b JOIN twins t USING (env_id, pipeline, variant)
    QUALIFY row_number() OVER (PARTITION BY b.case_no, b.config_no, t.twin
                               ORDER BY b.created_at DESC) = 1
),
points AS (        -- each result once per series it belongs to; a line is (case, config, series)
    SELECT (k.case_no * (SELECT count(*) FROM configs) + k.config_no) * $series_count + s.series
               AS line,
           s.series, s.rank, k.row, k.ok, k.failure, k.error, k.seconds
    FROM kept k
    JOIN slots s ON s.env_id = k.env_id AND s.pipeline = k.pipeline AND s.variant = k.variant
),
steps AS (
    SELECT *,
           lag(line) OVER w AS before_line, lag(rank) OVER w AS before_rank,
           lag(row) OVER w AS before_row,
           lag(ok) OVER w AS before_ok, lag(failure) OVER w AS before_failure,
           lag(error) OVER w AS before_error, lag(seconds) OVER w AS before_seconds
    FROM points
    -- one sort on one number beats PARTITION BY over ~10^5 small partitions (2x, measured)
    WINDOW w AS (ORDER BY line * $rank_count + rank)
),
judged AS (        -- NULL where a rule does not hold
    SELECT *,
        CASE
            WHEN before_ok AND NOT ok THEN 'regression'
            WHEN ok AND NOT before_ok THEN 'fix'
            WHEN NOT ok AND NOT before_ok AND failure <> before_failure THEN 'signature_change'
        END AS change,
        CASE WHEN before_ok AND ok AND isfinite(before_error) AND isfinite(error)
                  AND error >= $drift_ratio * greatest(before_error, $error_floor)
             THEN 'drift' END AS drift,
        CASE WHEN before_ok AND ok       -- a candidate: its samples decide (tracker.analysis.latency)
                  AND seconds >= $latency_ratio * before_seconds AND seconds - before_seconds >= $latency_floor
             THEN 'slowdown' END AS slowdown
    FROM steps
    WHERE before_line = line AND before_rank >= $since_rank
),
outcome_steps AS (
    SELECT unnest([change, drift, slowdown]) AS kind, NULL::VARCHAR AS oracle,
           series, before_rank, rank, row, before_row, before_error, before_seconds, error, seconds
    FROM judged WHERE coalesce(change, drift, slowdown) IS NOT NULL
),
verdict AS ({VERDICT_PER_ORACLE}
),
hidden_steps AS (  -- failures on both sides: an oracle's verdict that flipped behind them
    SELECT CASE WHEN va.passed THEN 'hidden_fix' ELSE 'hidden_regression' END AS kind, va.oracle,
           j.series, j.before_rank, j.rank, j.row, j.before_row, j.before_error, j.before_seconds,
           j.error, j.seconds
    FROM judged j
    JOIN results ra ON ra.rowid = j.row
    JOIN results rb ON rb.rowid = j.before_row
    JOIN verdict va ON va.result_id = ra.result_id
    JOIN verdict vb ON vb.result_id = rb.result_id AND vb.oracle = va.oracle
    WHERE NOT j.ok AND NOT j.before_ok AND va.passed <> vb.passed   -- NULL (not applicable) never flips
),
found AS (
    SELECT * FROM outcome_steps WHERE kind IS NOT NULL
    UNION ALL
    SELECT * FROM hidden_steps
)
SELECT j.kind, j.series, j.before_rank, j.rank, r.case_id, r.case_hash, r.config_key,
       r.pipeline, r.variant,
       b.env_id, b.outcome, b.signature, j.before_error, j.before_seconds,
       r.env_id, r.outcome, r.signature, j.error, j.seconds, b.subkind, r.subkind, j.oracle,
       b.result_id, r.result_id
FROM found j
JOIN results r ON r.rowid = j.row           -- the strings, for the few steps reported
JOIN results b ON b.rowid = j.before_row
WHERE list_contains($kinds::VARCHAR[], j.kind)
  AND (j.kind <> 'signature_change'         -- failure hashes differ: check the strings
       OR b.outcome <> r.outcome OR b.signature IS DISTINCT FROM r.signature)
"""


def find_transitions(
    store: Store,
    groups: Sequence[Group],
    *,
    kinds: Iterable[str] = KINDS,
    axis: str | None = None,
    since: str | None = None,
    rules: Rules = Rules(),
) -> list[Transition]:
    """Every step of the given kinds along ``axis`` (default: every axis of each group).

    :param since: a version of ``axis``: only steps whose earlier side is at or after it.
    :raises SelectionError: ``axis`` varies in none of the groups.
    :raises ConfigError: ``since`` without ``axis``, or not a version.
    """
    axis = canonical_name(axis) if axis else None
    layout = Layout(groups, axes_to_follow(groups, axis))
    params = {
        **layout.slots,
        **layout.twins,
        "series_count": max(len(layout.series), 1),
        "rank_count": max((len(r) for r in layout.ranks.values()), default=1),
        "include_env_errors": rules.include_env_errors,
        "since_rank": _since_rank(layout.ranks, axis, since),
        "drift_ratio": rules.drift_ratio,
        "error_floor": rules.error_floor,
        "latency_ratio": rules.latency_ratio,
        "latency_floor": rules.latency_floor,
        "kinds": list(kinds),
        "localization": LOCALIZATION_PREFIX,
    }
    declare(store)  # the drift and latency metrics of the errors and latencies CTEs
    rows = store.con.execute(_QUERY, params).fetchall()
    found = [_transition(layout, row) for row in rows]
    return sorted(judge_slowdowns(store, found, rules.latency()), key=_display_order)


def judge_slowdowns(store: Store, transitions: list[Transition], rules: latency.LatencyRules) -> list[Transition]:
    """The candidate slowdowns judged on their results' samples: those the samples do not
    carry are dropped, the others get the evidence as their note."""
    candidates = [t for t in transitions if t.kind == "slowdown"]
    if not candidates:
        return transitions
    ids = {rid for t in candidates for rid in (t.before.result_id, t.after.result_id)}
    samples, cpu, noise = latency_evidence(store, ids)
    kept = []
    for t in transitions:
        if t.kind == "slowdown":
            sides = (t.before.result_id, t.after.result_id)
            step = latency.judge(samples.get(sides[0], ()), samples.get(sides[1], ()), rules,
                                 [noise.get(rid) for rid in sides], [cpu.get(rid, ()) for rid in sides])
            if not step.slowdown:
                continue
            t = dataclasses.replace(t, note=step.describe())
        kept.append(t)
    return kept


# SQL: per result, the samples of its latency metric (the declaration of lowest priority's)
# and the CPU-time samples of the same runs. Needs declare().
LATENCY_SAMPLES = f"""
    SELECT s.result_id, s."values", c."values" AS cpu FROM samples s
    JOIN declared_metrics d ON d.oracle = s.oracle AND d.name = s.name AND d.role = 'latency'
    LEFT JOIN samples c ON c.result_id = s.result_id AND c.oracle = s.oracle
                       AND c.name = s.name || '{CPU_TIME}'
    WHERE list_contains($ids, s.result_id)
    QUALIFY row_number() OVER (PARTITION BY s.result_id ORDER BY d.priority) = 1"""


def latency_evidence(store: Store, result_ids: Iterable[str]) -> tuple[
        dict[str, list[float]], dict[str, list[float]], dict[str, float]]:
    """The latency samples of these results (of the metric declared in the role ``latency``),
    the CPU-time samples of the same runs, and the timing noise measured by the run that
    computed each."""
    ids = sorted(result_ids)
    rows = store.con.execute(LATENCY_SAMPLES, {"ids": ids}).fetchall()
    samples = {rid: _floats(values) for rid, values, _ in rows}
    cpu = {rid: _floats(values) for rid, _, values in rows if values}
    noise = dict(store.con.execute(
        """SELECT r.result_id, n.timer_noise_seconds FROM results r JOIN runs n ON n.run_id = r.run_id
           WHERE list_contains($ids, r.result_id) AND n.timer_noise_seconds IS NOT NULL""", {"ids": ids}).fetchall())
    return samples, cpu, noise


def _floats(values: Sequence[float | None]) -> list[float]:
    return [float(x) for x in values[:MAX_SAMPLES] if x is not None]


def _transition(layout: Layout, row: tuple[Any, ...]) -> Transition:
    kind, series, before_rank, rank, case_id, case_hash, config_key, pipeline, variant = row[:9]
    group, axis, context = layout.series[series]
    before = Side(layout.versions[axis][before_rank], *row[9:14], subkind=row[19], result_id=row[22])
    after = Side(layout.versions[axis][rank], *row[14:19], subkind=row[20], result_id=row[23])
    before, after = (dataclasses.replace(side, label=group.envs[side.env_id].label) for side in (before, after))
    return Transition(
        kind=kind, case_id=case_id, case_hash=case_hash, pipeline=pipeline, variant=variant,
        config_key=config_key, axis=axis, context=context, before=before, after=after,
        also_changed=tuple(group.incidental_changes(before.env_id, after.env_id, axis)), oracle=row[21],
    )


def _display_order(t: Transition) -> tuple[Any, ...]:
    """By kind (regressions first), then case, then versions in ``packaging`` order."""
    return (
        KINDS.index(t.kind), t.pipeline, t.variant, t.axis, t.case_id, t.oracle or "",
        [version_key(version) for _, version in t.context], version_key(t.before.version),
    )


def _since_rank(ranks: dict[str, dict[str, int]], axis: str | None, since: str | None) -> int:
    if since is None:
        return 0
    if axis is None:
        raise ConfigError(
            f"--since {since} needs --axis: a version means nothing without its package",
            hint=f"for example --axis onnxruntime --since {since}",
        )
    if version_key(since)[0] != 0:
        raise ConfigError(f"--since {since!r} is not a version (PEP 440)")
    return sum(1 for version in ranks.get(axis, {}) if version_key(version) < version_key(since))
