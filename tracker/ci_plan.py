"""The CI plan: the pairs of the matrix spread over jobs so that none is expected to run
longer than a cap, from how long each pair took (:mod:`tracker.ci_timings`).

What makes a job long:

- **a converter side converts once per job.** The pairs of one converter side (pipeline
  variant and converter versions) share their conversions through the cache, but a CI job
  starts with an empty cache: a job converts every case of its side once, then each of
  its pairs loads and runs them. So the pairs of one side go together, and a side too
  heavy for one job is split into shards (``--shard I/N``: each job runs every pair of
  the side on one N-th of the cases) or, when that takes fewer jobs, into groups of its
  pairs, each converting again;
- **every pair builds its environment** in every job that runs it, sharded or not;
- **the runner's speed**: times measured here are divided by ``speedup``.

Light sides are then packed together (largest first, into the first job with room), so
that jobs are few and none exceeds the cap. A pair with no timing of its own gets an
estimate, and says so: from the timed pairs of its pipeline variant, else of its
pipeline, else ``default_minutes``.

The expected minutes of a sharded job assume the cases split evenly: shards hash case ids
(:mod:`tracker.shards`), even only on average.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from statistics import fmean

from tracker.ci_timings import PairTiming
from tracker.errors import ConfigError
from tracker.matrix import Pair

MAX_JOBS = 256  # GitHub's limit on the jobs of one matrix
JOB_SETUP_MINUTES = 1.0  # checkout, Python, nox: once per job
DEFAULT_CONVERT_SHARE = 0.5  # of --default-minutes, for a pipeline no run has timed


@dataclasses.dataclass(frozen=True)
class Assumptions:
    max_minutes: float = 30.0  # no job expected longer, on the runner
    speedup: float = 1.5  # runner time = time measured here / speedup
    env_minutes: float = 2.0  # building one pair's environment on the runner (downloads)
    default_minutes: float = 20.0  # one pair cold, measured here, when nothing is known

    def __post_init__(self) -> None:
        for name in ("max_minutes", "speedup", "env_minutes", "default_minutes"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                option = "--" + name.replace("_", "-")
                raise ConfigError(f"{option} {value!r} must be a positive number",
                                  hint=f"e.g. {option} {getattr(Assumptions, name)}")


@dataclasses.dataclass(frozen=True)
class PairCost:
    """One pair's expected time here (not yet divided by the speedup), in minutes."""

    pair_id: str
    side: str  # the converter side: pipeline.variant and converter versions
    convert_minutes: float  # converting every case of the set, once per job
    rest_minutes: float  # everything else, with the conversions in the cache
    basis: str  # measured, or how it was estimated


@dataclasses.dataclass(frozen=True)
class Job:
    """One job of the matrix: these pairs, in this order, on one shard of the cases."""

    pairs: tuple[PairCost, ...]
    shard: int
    shards: int
    minutes: float  # expected, on the runner

    @property
    def sessions(self) -> list[str]:
        return [f"sweep({p.pair_id})" for p in self.pairs]

    @property
    def shard_text(self) -> str:
        return f"{self.shard}/{self.shards}"


@dataclasses.dataclass(frozen=True)
class Plan:
    jobs: tuple[Job, ...]
    assumptions: Assumptions

    @property
    def max_minutes(self) -> float:
        return max((job.minutes for job in self.jobs), default=0.0)

    def names(self) -> list[str]:
        """File- and artifact-safe job names, unique, in job order."""
        names = []
        for number, job in enumerate(self.jobs, 1):
            sides = list(dict.fromkeys(p.side for p in job.pairs))
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", sides[0]).strip("_")
            more = f"-and-{len(sides) - 1}-more" if len(sides) > 1 else ""
            shard = f"-shard{job.shard}of{job.shards}" if job.shards > 1 else ""
            names.append(f"{number:02d}-{slug}{more}{shard}")
        return names

    def matrix(self) -> dict:
        """The ``strategy.matrix`` of the workflow: sessions one a line."""
        return {"include": [
            {"name": name, "sessions": "\n".join(job.sessions), "shard": job.shard_text,
             "minutes": round(job.minutes, 1)}
            for name, job in zip(self.names(), self.jobs, strict=True)
        ]}


def side_of(pair: Pair) -> str:
    """The converter side whose pairs share conversions: the pipeline variant and the
    versions of the converter axes, and of a runtime axis that is the converter itself
    (coremltools, a runtime axis of the Core ML pipelines, converts as well)."""
    converter = _canonical(pair.converter)
    axes = [*pair.converter_axes, *(a for a in pair.runtime_axes if _canonical(a.package) == converter)]
    return " ".join([f"{pair.pipeline}.{pair.variant}", *(f"{a.package}-{a.version}" for a in axes)])


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pair_costs(pairs: Sequence[Pair], timings: Mapping[str, PairTiming], assumptions: Assumptions) -> list[PairCost]:
    """Each pair's cost: its own timing, else an estimate that says what it is from."""
    costs = []
    for pair in pairs:
        timing = timings.get(pair.id)
        if timing is not None:
            costs.append(PairCost(pair.id, side_of(pair), timing.convert_seconds / 60, timing.rest_seconds / 60,
                                  timing.basis))
            continue
        variant = [t for t in timings.values() if (t.pipeline, t.variant) == (pair.pipeline, pair.variant)]
        pipeline = [t for t in timings.values() if t.pipeline == pair.pipeline]
        if variant or pipeline:
            like = variant or pipeline
            what = f"{pair.pipeline}.{pair.variant}" if variant else f"pipeline {pair.pipeline}"
            costs.append(PairCost(
                pair.id, side_of(pair), fmean(t.convert_seconds for t in like) / 60,
                fmean(t.rest_seconds for t in like) / 60,
                f"estimate: mean of {len(like)} timed pair(s) of {what}"))
            continue
        default = assumptions.default_minutes
        costs.append(PairCost(pair.id, side_of(pair), default * DEFAULT_CONVERT_SHARE,
                              default * (1 - DEFAULT_CONVERT_SHARE),
                              f"estimate: no timing of pipeline {pair.pipeline}, --default-minutes"))
    return costs


def _work(pairs: Sequence[PairCost], assumptions: Assumptions) -> float:
    """The runner minutes of the cases of ``pairs``, unsharded: each side converts once."""
    convert: dict[str, float] = {}
    for pair in pairs:
        convert[pair.side] = max(convert.get(pair.side, 0.0), pair.convert_minutes)
    return (sum(convert.values()) + sum(p.rest_minutes for p in pairs)) / assumptions.speedup


def _setup(pairs: Sequence[PairCost], assumptions: Assumptions) -> float:
    """The runner minutes before any case runs: the job's, then each pair's environment."""
    return JOB_SETUP_MINUTES + len(pairs) * assumptions.env_minutes


def _minutes(pairs: Sequence[PairCost], shards: int, assumptions: Assumptions) -> float:
    """A job running ``pairs`` on one of ``shards`` shards of the cases."""
    return _setup(pairs, assumptions) + _work(pairs, assumptions) / shards


def _shards_needed(pairs: Sequence[PairCost], assumptions: Assumptions) -> int | None:
    """The fewest shards under the cap; None when even the setup does not fit."""
    room = assumptions.max_minutes - _setup(pairs, assumptions)
    if room <= 0:
        return None
    return max(1, math.ceil(_work(pairs, assumptions) / room - 1e-9))


def _split_side(side: Sequence[PairCost], assumptions: Assumptions) -> list[tuple[tuple[PairCost, ...], int]]:
    """Consecutive groups of the side's pairs with their shard counts: the fewest jobs
    (then the shortest longest job), by dynamic programming over where groups end."""
    best: list[tuple[int, float, list] | None] = [(0, 0.0, [])] + [None] * len(side)
    for end in range(1, len(side) + 1):
        for start in range(end):
            before, group = best[start], tuple(side[start:end])
            shards = _shards_needed(group, assumptions)
            if before is None or shards is None:
                continue
            longest = max(before[1], _minutes(group, shards, assumptions))
            candidate = (before[0] + shards, longest, [*before[2], (group, shards)])
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    if best[-1] is None:
        first = side[0]
        raise ConfigError(
            f"--max-minutes {assumptions.max_minutes:g} leaves no time for the work: one job of "
            f"{first.pair_id} needs {_setup([first], assumptions):.1f} "
            f"min to set up before any case runs",
            hint="raise --max-minutes, or lower --env-minutes if environments build faster on your runners",
        )
    return best[-1][2]


def _pack(groups: list[tuple[PairCost, ...]], assumptions: Assumptions) -> list[tuple[PairCost, ...]]:
    """Unsharded groups packed into as few jobs as fit under the cap: first fit, largest first."""
    bins: list[tuple[PairCost, ...]] = []
    for group in sorted(groups, key=lambda g: (-_minutes(g, 1, assumptions), g[0].pair_id)):
        for index, packed in enumerate(bins):
            if _minutes(packed + group, 1, assumptions) <= assumptions.max_minutes:
                bins[index] = packed + group
                break
        else:
            bins.append(group)
    return bins


def plan(pairs: Sequence[Pair], timings: Mapping[str, PairTiming], assumptions: Assumptions | None = None) -> Plan:
    """Every pair in exactly one job (or in every shard job of its group), the longest
    job first; the same inputs give the same plan."""
    assumptions = assumptions or Assumptions()
    if not pairs:
        raise ConfigError("no pair to plan: the matrix (or the --tag selection) is empty",
                          hint="check envs/*.toml, or list the tags with `nox -l -s sweep`")
    sides: dict[str, list[PairCost]] = {}
    for cost in pair_costs(pairs, timings, assumptions):
        sides.setdefault(cost.side, []).append(cost)
    sharded: list[Job] = []
    whole: list[tuple[PairCost, ...]] = []
    for side in sides.values():
        for group, shards in _split_side(side, assumptions):
            if shards == 1:
                whole.append(group)
                continue
            minutes = _minutes(group, shards, assumptions)
            sharded += [Job(group, index, shards, minutes) for index in range(1, shards + 1)]
    jobs = sharded + [Job(group, 1, 1, _minutes(group, 1, assumptions)) for group in _pack(whole, assumptions)]
    if len(jobs) > MAX_JOBS:
        raise ConfigError(f"the plan needs {len(jobs)} jobs, more than GitHub's {MAX_JOBS} per matrix",
                          hint="raise --max-minutes")
    jobs.sort(key=lambda job: (-round(job.minutes, 6), job.sessions, job.shard))
    return Plan(tuple(jobs), assumptions)
