"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
import re
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


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters: whitespace runs collapsed, the rest cut."""
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def render_number(value: float | None, missing: str = "") -> str:
    """A measured number with 3 significant digits; ``missing`` when there is none."""
    return missing if value is None else f"{value:.3g}"


def render_table(headers: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A plain text table; ``align`` has one of ``<``/``>`` per column."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    align = align or "<" * len(headers)
    def line(cells: list[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    return "\n".join(out)
