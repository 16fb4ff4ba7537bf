"""Run the selected cases of one matrix pair in the current environment.

``noxfile.py`` calls this inside each environment it builds; you rarely call it by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tracker.cli.common import cache_path, store_path
from tracker.cli.sweep_args import add_report_argument, add_sweep_arguments
from tracker.disk import cache_usage
from tracker.errors import ConfigError, StoreError
from tracker.matrix import Pair
from tracker.store import Store, times
from tracker.store.views import pair_seconds
from tracker.sweep_report import FINISHED, INTERRUPTED, SWEEP_ID_VARIABLE, UNBUILDABLE, SweepReport
from tracker.worker.clock import PairClock, process_age
from tracker.worker.matrix_progress import MatrixPosition, position_line
from tracker.worker.progress import SweepSummary
from tracker.worker.options import SweepOptions
from tracker.worker.sweep import INTERRUPTED_EXIT_CODE, Sweep

HELP = "run one matrix pair's cases in this environment (used by nox)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pair", help="the matrix pair, as JSON (from noxfile.py)")
    source.add_argument("--pair-file", type=Path, help="a file holding the pair's JSON")
    parser.add_argument(
        "--env-error-file", type=Path,
        help="the environment could not be built: record env_error with this installer output",
    )
    parser.add_argument(
        "--matrix-position", type=Path, metavar="FILE",
        help="where this pair stands in the whole sweep (written by noxfile.py): printed first",
    )
    parser.add_argument(
        "--env-build-seconds", type=float, default=0.0, metavar="SECONDS",
        help="what building this environment took (nox measures it): the first stage of the time table",
    )
    add_sweep_arguments(parser)
    add_report_argument(parser)


def default_memory_limit_mb(jobs: int) -> float:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        total = 16_384
    return 0.8 * total / max(1, jobs)


def _read(option: str, path: Path) -> str:
    """The text of the file an option names; a missing or unreadable one is an option error."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {option} {path}: {exc.strerror or exc}") from None


def main(args: argparse.Namespace) -> int:
    text = args.pair if args.pair is not None else _read("--pair-file", args.pair_file)
    try:
        pair = Pair.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"--pair is not a matrix pair: {exc}") from exc
    store = store_path(args)
    options = SweepOptions(
        store=store,
        cache=cache_path(store),
        logs=store.parent / "logs",
        model_set=args.model_set,
        patterns=args.models,
        jobs=args.jobs,
        threads=args.threads,
        timeout=args.timeout,
        memory_limit_mb=args.memory_limit or default_memory_limit_mb(args.jobs),
        recompute=args.recompute,
        argv=sys.argv,
        shard=args.shard,
    )
    sweep_id = os.environ.get(SWEEP_ID_VARIABLE) or None
    if args.matrix_position is not None:
        print(_position_line(MatrixPosition.read(args.matrix_position), store, sweep_id), flush=True)
    clock = PairClock(sweep_id=sweep_id, jobs=args.jobs,
                      env_build_seconds=max(0.0, args.env_build_seconds), startup_seconds=process_age())
    sweep = Sweep(pair, options, out=lambda line: print(line, flush=True), clock=clock)
    if args.env_error_file is not None:
        summary = sweep.record_unbuildable(_read("--env-error-file", args.env_error_file))
        _report(args.report_file, summary, UNBUILDABLE)
        return 0
    summary = sweep.run()
    print(f"   disk: {cache_usage(store, options.cache, options.logs).line()}", flush=True)
    _report(args.report_file, summary, INTERRUPTED if summary.interrupted else FINISHED)
    if summary.interrupted:
        return INTERRUPTED_EXIT_CODE
    return 0


def _position_line(position: MatrixPosition, store: Path, sweep_id: str | None) -> str:
    stored: dict[str, float] = {}
    swept: dict[str, float] = {}
    if store.is_file() and position.remaining:
        try:
            with Store.open(store, read_only=True) as opened:
                stored = pair_seconds(opened, [label for label in position.to_run if label])
                if sweep_id:
                    swept = {pair.pair: pair.wall for pair in times.read(opened, sweep_id=sweep_id)}
        except StoreError:  # in use or unreadable: the sweep itself will say so
            pass
    return f"== {position_line(position, stored, swept_seconds=swept)}"


def _report(path: Path | None, summary: SweepSummary, status: str) -> None:
    """Write the sweep's report to ``path`` (``--report-file``), if given."""
    if path is None:
        return
    counts = {"selected": summary.selected, "reused": summary.reused, "computed": summary.computed,
              "not_applicable": summary.not_applicable}
    SweepReport(label=summary.pair, env_id=summary.env_id, status=status, counts=counts,
                outcomes=dict(summary.outcomes)).write(path)
