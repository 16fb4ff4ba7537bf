"""The sweep's options, shared by ``tracker run`` and ``nox -s sweep -- ...``.

Standard library only: ``noxfile.py`` imports it in nox's own interpreter.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.shards import Shard


# The smallest limits that make sense: a case's child is a fork of an interpreter that has
# imported the framework, converter and runtime; below these every case would be stored as
# a timeout or a crash that says nothing about the converter (docs/sweep.md#limits).
MIN_TIMEOUT_SECONDS = 1.0
MIN_MEMORY_LIMIT_MB = 128.0


class OptionParser(argparse.ArgumentParser):
    """An argument parser whose errors exit with the code of an option error
    (:attr:`ConfigError.exit_code`, 3), as docs/reliability.md promises, not argparse's 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ConfigError.exit_code, f"{self.prog}: error: {message} (`{self.prog} --help` lists the options)\n")


def memory_size(text: str) -> float:
    """``8G``, ``512M``, ``1.5GiB`` -> megabytes; at least :data:`MIN_MEMORY_LIMIT_MB`."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 8G or 512M")
    factor = {"": 1 / (1024 * 1024), "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    megabytes = float(match[1]) * factor[match[2].upper()]
    if not math.isfinite(megabytes) or megabytes < MIN_MEMORY_LIMIT_MB:
        raise argparse.ArgumentTypeError(
            f"{text!r} is too small a memory limit: at least {MIN_MEMORY_LIMIT_MB:.0f}M (e.g. 8G)")
    return megabytes


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def timeout_seconds(text: str) -> float:
    """A timeout in seconds: a finite number, at least :data:`MIN_TIMEOUT_SECONDS`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < MIN_TIMEOUT_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a usable timeout: a finite number of seconds, at least {MIN_TIMEOUT_SECONDS:g}")
    return value


class ShardAction(argparse.Action):
    """``--shard I/N``, checked as it is parsed; a bad value exits with the code of an
    option error (:class:`ConfigError`), here and in ``nox -s sweep --``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        try:
            shard = Shard.parse(str(values))
        except ConfigError as error:
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
        "--timeout", type=timeout_seconds, default=600.0,
        help=f"seconds per case, at least {MIN_TIMEOUT_SECONDS:g} (default: 600)"
    )
    parser.add_argument(
        "--memory-limit", type=memory_size, default=None, metavar="SIZE",
        help=f"resident memory per case before it is killed, e.g. 8G, at least {MIN_MEMORY_LIMIT_MB:.0f}M "
        "(default: 80%% of RAM / jobs)",
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
