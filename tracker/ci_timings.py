"""How long each matrix pair took, read from stores: the input of ``tracker plan-ci``.

One function, :func:`read_pair_timings`, reads the store; everything else works on the
:class:`PairTiming` values it returns, so that the source can switch (today the ``runs``
table, with the per-case times of ``results`` and ``conversions`` to tell conversion from
the rest; later a per-run time table) without touching the plan.

A run's wall time is split in two, both per case:

- **conversion**: what converting the cases cost, whether this run converted them or
  reused them from the cache (a reused conversion still cost its first run, and a CI job
  starts with an empty cache);
- **the rest**: load, run, oracles, references, the tracker's own overhead; this is what a
  pair costs when its converter side's conversions are already in the cache.

The per-case times of ``results.wall_seconds`` add up to more than the wall time when
cases run in parallel (``--jobs``): they are scaled to the run's wall time.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from tracker.store import Store

# the run's cases, the sum of their wall times, and the conversion time they needed:
# all of it (conversion_total) and the part this run did itself (conversion_done)
_RUN_TIMES = """
    SELECT r.run_id, r.label, r.pipeline, r.variant, r.model_set, r.status, r.case_count,
           r.argv, r.started_at,
           epoch(r.finished_at) - epoch(r.started_at) AS seconds,
           count(x.result_id) AS cases,
           coalesce(sum(x.wall_seconds), 0) AS case_seconds,
           coalesce(sum(c.seconds), 0) AS conversion_total,
           coalesce(sum(CASE WHEN x.conversion_reused THEN 0 ELSE c.seconds END), 0) AS conversion_done
    FROM runs r
    JOIN results x ON x.run_id = r.run_id
    LEFT JOIN (SELECT conversion_key, max(seconds) AS seconds FROM conversions GROUP BY conversion_key) c
           ON c.conversion_key = x.conversion_key
    WHERE r.finished_at IS NOT NULL AND r.label IS NOT NULL AND r.model_set = ?
      AND (CAST(? AS VARCHAR) IS NULL
           OR r.env_id IN (SELECT env_id FROM environments WHERE platform LIKE CAST(? AS VARCHAR) || '%'))
    GROUP BY ALL
"""


@dataclasses.dataclass(frozen=True)
class PairTiming:
    """The best-measured run of one pair (its label is the pair's id), per case."""

    label: str
    pipeline: str
    variant: str
    cases: int  # cases with a result in the run
    full_cases: int  # cases of the whole set, as far as any run of this pipeline variant says
    convert_per_case: float  # wall seconds per case spent converting (done or reused)
    rest_per_case: float  # wall seconds per case for all the rest
    source: str  # the store and run it comes from
    selection: bool = False  # the run was given --models: part of the set, of unknown size

    @property
    def convert_seconds(self) -> float:
        """Converting every case of the set, cold."""
        return self.convert_per_case * self.full_cases

    @property
    def rest_seconds(self) -> float:
        """Every case of the set with its conversion already in the cache."""
        return self.rest_per_case * self.full_cases

    @property
    def basis(self) -> str:
        if self.cases >= self.full_cases and self.selection:
            return f"measured on {self.cases} cases chosen with --models: no run says how many the set has"
        if self.cases >= self.full_cases:
            return f"measured ({self.cases} cases)"
        return f"measured on {self.cases} of {self.full_cases} cases, scaled up"


@dataclasses.dataclass(frozen=True)
class _Run:
    label: str
    pipeline: str
    variant: str
    finished: bool
    set_size: int  # the whole selection this run was a part of (its cases x its shards)
    cases: int
    seconds: float
    case_seconds: float
    conversion_total: float
    conversion_done: float
    started: str
    source: str
    selection: bool

    def timing(self, full_cases: int) -> PairTiming:
        scale = self.seconds / self.case_seconds if self.case_seconds > 0 else 1.0
        convert = self.conversion_total * scale
        rest = max(self.seconds - self.conversion_done * scale, 0.0)
        return PairTiming(self.label, self.pipeline, self.variant, self.cases, max(full_cases, self.cases),
                          convert / self.cases, rest / self.cases, self.source, self.selection)


def _words(argv: str | None) -> list[str]:
    try:
        words = json.loads(argv or "[]")
    except json.JSONDecodeError:
        return []
    return [str(word) for word in words] if isinstance(words, list) else []


def _shard_count(words: list[str]) -> int:
    """N of a run's ``--shard I/N`` (1 when it ran unsharded)."""
    for flag, value in zip(words, words[1:], strict=False):
        if flag == "--shard" and "/" in str(value):
            count = str(value).split("/")[1].strip()
            return int(count) if count.isdigit() and int(count) > 0 else 1
    return 1


def _runs(path: Path, model_set: str, platform: str | None) -> list[_Run]:
    with Store.open(path, read_only=True) as store:
        rows = store.query(_RUN_TIMES, [model_set, platform, platform])
    return [
        _Run(row["label"], row["pipeline"], row["variant"], row["status"] == "finished",
             row["case_count"] * _shard_count(_words(row["argv"])), row["cases"], float(row["seconds"]),
             float(row["case_seconds"]), float(row["conversion_total"]), float(row["conversion_done"]),
             str(row["started_at"]), f"{path}, run {row['run_id']}", "--models" in _words(row["argv"]))
        for row in rows if row["cases"] > 0 and row["seconds"] > 0
    ]


def read_pair_timings(stores: Iterable[Path], model_set: str = "default",
                      platform: str | None = None) -> dict[str, PairTiming]:
    """Pair id -> its timing, from the runs of ``model_set`` in ``stores`` (only those of
    environments whose platform starts with ``platform``, e.g. ``linux`` or ``darwin``:
    a merged store holds the runs of several kinds of runner).

    Of several runs of one pair, the one that measured the most is kept: finished before
    interrupted, then the most cases, then the newest (an unchanged rerun that computed
    nothing has no result in its run, and is not a timing). A run of part of the set
    (``--models``, ``--shard``) is scaled up to the whole set, the largest any run of the
    same pipeline variant covered."""
    runs = [run for path in stores for run in _runs(Path(path), model_set, platform)]
    set_size: dict[tuple[str, str], int] = {}
    for run in runs:
        key = (run.pipeline, run.variant)
        set_size[key] = max(set_size.get(key, 0), run.set_size)
    best: dict[str, _Run] = {}
    for run in sorted(runs, key=lambda r: (r.finished, r.cases, r.started, r.source)):
        best[run.label] = run  # the last one sorted is the best
    return {label: run.timing(set_size[(run.pipeline, run.variant)]) for label, run in sorted(best.items())}
