"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracker.render import terminal_width
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


MIN_WIDTH = 40


def add_width_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--width", type=_width, default=None, metavar="COLUMNS",
        help="cut every line to COLUMNS characters, ending a cut one with '...' (default: $COLUMNS, else "
             "the terminal's width; no limit when the output is not a terminal; 0: no limit)",
    )


def output_width(args: argparse.Namespace) -> int | None:
    """The width to fit lines to (``--width``, else the terminal's); ``None``: no limit."""
    if args.width is None:
        width = terminal_width()
        return None if width is None else max(width, MIN_WIDTH)
    return args.width or None


def _width(text: str) -> int:
    if not text.isdigit() or 0 < int(text) < MIN_WIDTH:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a width: a number of columns from {MIN_WIDTH} (e.g. 100), or 0 for no limit")
    return int(text)
