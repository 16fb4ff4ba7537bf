"""Where a sweep's time went: the ``run_times`` table, written at the end of each
``tracker run`` and read by ``tracker time``, the sweep's last table and the HTML report.

A pair's time is split into stages. The pair's own (:data:`PAIR_STAGES`) are measured by
the parent in wall seconds: building the environment (by nox, handed over with
``--env-build-seconds``), importing the heavy modules once and warming them up (the fork
server's probe), storing results; the case stages (:data:`CASE_STAGES`, and one
``oracle NAME`` per oracle: its own computation) are measured in each case's child and
summed over the run's results, with ``child_exit`` the rest of the children's lives
(sending the result, exiting, the parent seeing it). Case stages run ``parallel`` at once (``--jobs``): their
seconds divided by it are their share of the wall time. ``overhead``, the tracker's own,
is the wall time minus everything accounted, never below zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# measured by the parent, in the order they happen; "overhead" is what is left
PAIR_STAGES = ("env_build", "imports", "store", "overhead")
# measured in the child: results.<stage>_seconds; "child_exit" is the rest of its life
CASE_STAGES = ("setup", "reference", "extra_sets", "convert", "load", "run", "extra_runs", "localize")
ORACLE_PREFIX = "oracle "
WALL = "wall"


@dataclasses.dataclass(frozen=True)
class StageTime:
    """Seconds spent in one stage by ``cases`` cases, ``parallel`` of them at once."""

    stage: str
    seconds: float
    cases: int
    parallel: float = 1  # a total over pairs (:func:`totals`) may share them unevenly

    @property
    def wall_share_seconds(self) -> float:
        """Its part of the wall time: a case stage's seconds shared by the jobs running at once."""
        return self.seconds / max(1, self.parallel)

    @property
    def per_case(self) -> float | None:
        return self.seconds / self.cases if self.cases else None


@dataclasses.dataclass(frozen=True)
class PairTimes:
    """Where one ``tracker run`` of one pair spent its wall time."""

    run_id: str
    sweep_id: str | None
    pair: str
    wall: float
    stages: tuple[StageTime, ...]

    @property
    def cases(self) -> int:
        return max((s.cases for s in self.stages), default=0)

    @property
    def accounted(self) -> float:
        """The wall seconds accounted by a stage other than the tracker's overhead."""
        return sum(s.wall_share_seconds for s in self.stages if s.stage != "overhead")

    def seconds(self, stage: str) -> float:
        return sum(s.seconds for s in self.stages if s.stage == stage)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "sweep_id": self.sweep_id, "pair": self.pair, "wall": self.wall,
                "stages": [dataclasses.asdict(s) for s in self.stages]}


def pair_times(run_id: str, sweep_id: str | None, pair: str, wall: float, own: Mapping[str, float],
               case_stages: Sequence[StageTime], cases: int) -> PairTimes:
    """A pair's times from the parent's own measures ``own`` (:data:`PAIR_STAGES` but
    overhead) and the summed case stages; the overhead is what the wall time leaves."""
    stages = [StageTime(name, seconds, cases) for name, seconds in own.items() if name != "store"]
    stages += [s for s in case_stages if s.seconds > 0 or s.stage == "run"]
    stages.append(StageTime("store", own.get("store", 0.0), cases))
    accounted = sum(s.wall_share_seconds for s in stages)
    stages.append(StageTime("overhead", max(0.0, wall - accounted), cases))
    return PairTimes(run_id, sweep_id, pair, wall, tuple(stages))


def case_stages(store: Any, run_id: str, parallel: int) -> list[StageTime]:
    """The case stages of run ``run_id``, summed over its results: :data:`CASE_STAGES`,
    each oracle's own time, and ``child_exit``. A reused conversion costs this run nothing."""
    sums = ", ".join(
        f"sum({_seconds(stage)}), count({_seconds(stage)})" for stage in CASE_STAGES
    )
    row = store.con.execute(
        f"SELECT {sums}, sum(wall_seconds) FROM results WHERE run_id = ?", [run_id]
    ).fetchone()
    stages = [StageTime(stage, row[2 * i] or 0.0, row[2 * i + 1], parallel) for i, stage in enumerate(CASE_STAGES)]
    oracles = store.con.execute(
        """SELECT v.oracle, sum(v.seconds), count(v.seconds) FROM verdicts v JOIN results r USING (result_id)
           WHERE r.run_id = ? AND v.seconds IS NOT NULL GROUP BY v.oracle ORDER BY v.oracle""",
        [run_id],
    ).fetchall()
    stages += [StageTime(ORACLE_PREFIX + name, seconds, count, parallel) for name, seconds, count in oracles]
    lives = row[-1] or 0.0
    counted = sum(s.seconds for s in stages)
    cases = max((s.cases for s in stages), default=0)
    stages.append(StageTime("child_exit", max(0.0, lives - counted), cases, parallel))
    return stages


def _seconds(stage: str) -> str:
    column = f"{stage}_seconds"
    if stage == "convert":  # a reused conversion was made by an earlier run
        return f"CASE WHEN conversion_reused THEN NULL ELSE {column} END"
    return column


def new_run_id() -> str:
    """An id for the times of a pair that stored no run (nothing new to run)."""
    return f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def record(store: Any, times: PairTimes) -> None:
    """Store ``times`` (replacing what its run held)."""
    now = _now()
    rows = [[times.run_id, times.sweep_id, times.pair, s.stage, s.seconds, s.cases, s.parallel, now]
            for s in times.stages]
    rows.append([times.run_id, times.sweep_id, times.pair, WALL, times.wall, times.cases, 1, now])
    with store.transaction():
        store.con.execute("DELETE FROM run_times WHERE run_id = ?", [times.run_id])
        store.con.executemany("INSERT INTO run_times VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def read(store: Any, *, sweep_id: str | None = None, run_ids: Iterable[str] = ()) -> list[PairTimes]:
    """The stored times of a sweep's pairs (in the order they ran), or of the given runs."""
    ids = list(run_ids)
    if sweep_id is not None:
        where, params = "sweep_id = ?", [sweep_id]
    elif ids:
        where, params = f"run_id IN ({', '.join('?' for _ in ids)})", ids
    else:
        return []
    rows = store.con.execute(
        f"""SELECT run_id, sweep_id, pair, stage, seconds, cases, parallel FROM run_times WHERE {where}
            ORDER BY recorded_at, run_id, rowid""",
        params,
    ).fetchall()
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    found = []
    for run_id, group in grouped.items():
        wall = sum(r[4] for r in group if r[3] == WALL)
        stages = tuple(StageTime(r[3], r[4], r[5] or 0, r[6]) for r in group if r[3] != WALL)
        found.append(PairTimes(run_id, group[0][1], group[0][2], wall, stages))
    return found


def last_sweep_id(store: Any) -> str | None:
    """The sweep whose times were recorded last."""
    row = store.con.execute(
        "SELECT sweep_id FROM run_times WHERE sweep_id IS NOT NULL ORDER BY recorded_at DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def last_run_id(store: Any) -> str | None:
    row = store.con.execute("SELECT run_id FROM run_times ORDER BY recorded_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def totals(pairs: Sequence[PairTimes]) -> list[StageTime]:
    """The stages summed over ``pairs``, in the order they first appear; a stage's
    ``parallel`` is then the one that makes its wall share the sum of the pairs'."""
    seconds: dict[str, float] = {}
    shares: dict[str, float] = {}
    cases: dict[str, int] = {}
    for pair in pairs:
        for stage in pair.stages:
            seconds[stage.stage] = seconds.get(stage.stage, 0.0) + stage.seconds
            shares[stage.stage] = shares.get(stage.stage, 0.0) + stage.wall_share_seconds
            cases[stage.stage] = cases.get(stage.stage, 0) + stage.cases
    return [StageTime(name, seconds[name], cases[name], seconds[name] / shares[name] if shares[name] else 1)
            for name in _ordered(seconds)]


def _ordered(names: Iterable[str]) -> list[str]:
    order = [*PAIR_STAGES[:2], *CASE_STAGES]
    names = list(names)

    def rank(name: str) -> tuple[int, str]:
        if name in order:
            return order.index(name), ""
        if name.startswith(ORACLE_PREFIX):
            return len(order), name
        if name == "child_exit":
            return len(order) + 1, ""
        return len(order) + 2 + PAIR_STAGES.index(name) if name in PAIR_STAGES else len(order) + 9, name

    return sorted(names, key=rank)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
