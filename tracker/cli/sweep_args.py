"""The sweep's options, shared by ``tracker run`` and ``nox -s sweep -- ...``.

Standard library only: ``noxfile.py`` imports it in nox's own interpreter.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.shards import Shard


def memory_size(text: str) -> float:
    """``8G``, ``512M``, ``1.5GiB`` -> megabytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 8G or 512M")
    factor = {"": 1 / (1024 * 1024), "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    return float(match[1]) * factor[match[2].upper()]


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return value


class ShardAction(argparse.Action):
    """``--shard I/N``, checked as it is parsed; a bad value exits with the code of an
    option error (:class:`ConfigError`), here and in ``nox -s sweep --``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        try:
            shard = Shard.parse(str(values))
        except ConfigError as error:
            parser.print_usage(sys.stderr)
            parser.exit(ConfigError.exit_code, f"{parser.prog}: error: {error}\n")
        setattr(namespace, self.dest, shard)


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="model_set", default="default", help="model set (default: default)")
    parser.add_argument(
        "--models", nargs="+", default=[], metavar="ID",
        help="only these case ids or shell-style globs (e.g. hf-bert 'op-*')",
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=os.cpu_count() or 1,
        help="cases run at once (default: the number of cores)",
    )
    parser.add_argument("--threads", type=positive_int, default=1, help="threads per case (default: 1)")
    parser.add_argument(
        "--timeout", type=positive_float, default=600.0, help="seconds per case (default: 600)"
    )
    parser.add_argument(
        "--memory-limit", type=memory_size, default=None, metavar="SIZE",
        help="resident memory per case before it is killed, e.g. 8G (default: 80%% of RAM / jobs)",
    )
    parser.add_argument(
        "--recompute", action="store_true",
        help="recompute results, references and conversions already stored",
    )
    parser.add_argument(
        "--store", type=Path, default=None,
        help="the DuckDB store file (default: $TRACKER_STORE or .tracker/store.duckdb)",
    )
    parser.add_argument(
        "--shard", action=ShardAction, default=None, metavar="I/N",
        help="run only shard I of N: the cases whose id hashes to I (see tracker/shards.py); "
        "run the other shards elsewhere and `tracker merge` their stores",
    )


# The sweep sessions of `nox -s sweep` are those of the pairs in the file this variable
# names (one pair's JSON a line) instead of the matrix's: `nox -s bisect` sweeps releases
# the matrix does not list this way.
PAIRS_FILE_VARIABLE = "TRACKER_PAIRS_FILE"


def add_report_argument(parser: argparse.ArgumentParser) -> None:
    """``--report-file``, of ``tracker run`` and ``nox -s sweep --`` (which passes it on)."""
    parser.add_argument(
        "--report-file", type=Path, default=None, metavar="PATH",
        help="write what the sweep did here, as JSON: the environment id, the pair's label, "
        "its status and counts (tracker/sweep_report.py; nox -s bisect reads it)",
    )


def forwarded(args: argparse.Namespace) -> list[str]:
    """The parsed options as arguments for ``tracker run``."""
    out = ["--set", args.model_set, "--jobs", str(args.jobs), "--threads", str(args.threads),
           "--timeout", str(args.timeout)]
    if args.models:
        out += ["--models", *args.models]
    if args.memory_limit is not None:
        out += ["--memory-limit", f"{args.memory_limit}M"]
    if args.recompute:
        out.append("--recompute")
    if args.store is not None:
        out += ["--store", str(args.store.resolve())]
    if args.shard is not None:
        out += ["--shard", str(args.shard)]
    return out
