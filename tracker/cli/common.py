"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracker.store import default_store_path


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="the DuckDB store file (default: $TRACKER_STORE or .tracker/store.duckdb)",
    )


def store_path(args: argparse.Namespace) -> Path:
    return args.store or default_store_path()


def cache_path(store: Path) -> Path:
    """Artifacts and references live beside the store unless $TRACKER_CACHE says otherwise."""
    return Path(os.environ.get("TRACKER_CACHE") or store.parent / "cache")
