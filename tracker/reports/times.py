"""Where the time went, as text: a pair's table (the end of ``tracker run``) and a sweep's
(per pair, then per stage over all of them: ``tracker time``). Lines fit 100 columns."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.store.times import PairTimes, StageTime, totals

WIDTH = 100
STAGE_WIDTH = 40
PAIR_WIDTH = 56


def duration(seconds: float) -> str:
    """``42.0 s``, ``5 min 40 s``, ``1 h 23 min``."""
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def stage_lines(stages: Sequence[StageTime], wall: float) -> list[str]:
    """One line per stage: its seconds (summed over cases), its share of the wall time,
    its seconds per case."""
    lines = [f"   {'stage':<{STAGE_WIDTH}} {'seconds':>10} {'share':>7} {'per case':>10} {'cases':>6}"]
    for stage in stages:
        share = stage.wall_share_seconds / wall if wall > 0 else 0.0
        per_case = f"{stage.per_case:.2f}" if stage.per_case is not None else "-"
        lines.append(f"   {_cut(stage.stage, STAGE_WIDTH):<{STAGE_WIDTH}} {stage.seconds:>10.1f} "
                     f"{share:>7.1%} {per_case:>10} {stage.cases:>6}")
    return lines


def pair_table(times: PairTimes) -> list[str]:
    parallel = max((s.parallel for s in times.stages), default=1)
    jobs = f", case stages {parallel:g} at once" if parallel > 1 else ""
    head = (f"   where the time went: {duration(times.wall)} wall, {times.cases} cases, "
            f"{_accounted(times.accounted, times.wall)} accounted{jobs}")
    return [head, *stage_lines(times.stages, times.wall)]


def sweep_table(pairs: Sequence[PairTimes], sweep_id: str | None) -> list[str]:
    """Per pair (wall, cases, environment build, overhead), then per stage over all."""
    if not pairs:
        return [f"no times stored for sweep {sweep_id}" if sweep_id else "no times stored"]
    wall = sum(p.wall for p in pairs)
    accounted = sum(p.accounted for p in pairs)
    name = f"sweep {sweep_id}" if sweep_id else "these runs"
    count = f"{len(pairs)} pair" + ("s" if len(pairs) != 1 else "")
    lines = [f"where the time of {name} went: {count}, {sum(p.cases for p in pairs)} cases, "
             f"{duration(wall)} wall, {_accounted(accounted, wall)} accounted",
             f"   {'pair':<{PAIR_WIDTH}} {'cases':>6} {'wall':>11} {'env build':>10} {'overhead':>9}"]
    for pair in pairs:
        lines.append(f"   {_cut(pair.pair, PAIR_WIDTH):<{PAIR_WIDTH}} {pair.cases:>6} {duration(pair.wall):>11} "
                     f"{pair.seconds('env_build'):>10.1f} {pair.seconds('overhead'):>9.1f}")
    lines.append("   over all pairs:")
    lines += stage_lines(totals(pairs), wall)
    return lines


def _accounted(accounted: float, wall: float) -> str:
    return f"{min(accounted, wall) / wall:.0%}" if wall > 0 else "all"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
