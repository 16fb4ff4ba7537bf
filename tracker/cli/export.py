"""Export every table of the store to a file, for pandas, Polars, Spark or a spreadsheet.

One file per table (``results.parquet`` or ``results.csv``, ...), written by DuckDB's
``COPY``; the tables and their columns are those of the docs site's "Store schema" page
(``docs/schema.md``, generated from ``tracker/store/schema.py``). Existing files of the
same names are replaced.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.cli.common import add_store_option, store_path
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.store.schema import TABLES

HELP = "export every table of the store to Parquet or CSV files"

_OPTIONS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER)"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("--format", choices=sorted(_OPTIONS), default="parquet",
                        help="file format (default: parquet)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="the directory to write into (created if missing)")


def export_tables(store: Store, directory: Path, fmt: str) -> dict[Path, int]:
    """Write each table to ``directory/TABLE.fmt``; rows written per file."""
    import duckdb

    written = {}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            path = directory / f"{table}.{fmt}"
            (rows,) = store.con.execute(f"COPY {table} TO ? {_OPTIONS[fmt]}", [str(path)]).fetchone()
            written[path] = rows
    except (OSError, duckdb.Error) as exc:
        raise TrackerError(
            f"cannot export to {directory}: {exc}", hint="choose another directory with --out"
        ) from exc
    return written


def main(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        written = export_tables(store, args.out, args.format)
    for path, rows in written.items():
        print(f"{path}  {rows} rows")
    return 0
