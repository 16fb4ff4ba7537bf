"""How much disk the sweep takes: the cache (artifacts, references and extra input sets,
temporaries), the logs and the store; with ``--envs``, the environments nox built, each
file counted once however many environments hard-link it, and how much of that is shared
with uv's cache. ``nox -s results`` prints this at the end of ``nox -s sweep``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.cli.common import add_store_option, cache_path, store_path
from tracker.disk import cache_usage, environments_usage, human

HELP = "how much disk the cache, logs, store and (--envs) environments take"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("--envs", type=Path, default=None, metavar="DIR",
                        help="the environments' directory to count too (nox's .nox)")


def main(args: argparse.Namespace) -> int:
    store = store_path(args)
    usage = cache_usage(store, cache_path(store), store.parent / "logs")
    print("== disk")
    print(f"   {usage.line()}")
    total = usage.cache + usage.logs + usage.store
    if args.envs is not None:
        envs = environments_usage(args.envs)
        print(*(f"   {line}" for line in envs.lines()), sep="\n")
        total += envs.total.bytes
    print(f"   total {human(total)}; bound the cache with `tracker cache prune --budget SIZE`")
    return 0
