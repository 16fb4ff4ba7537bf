"""The report of a store: the outcome heatmap (cases x environments), outcomes and error
size per environment, regressions and fixes between neighbouring versions, and the
failure table in the shape of the published study of the ONNX converters. In the
terminal, or with --html DIR as a static page DIR/index.html (no script, no network
resource; every text from the store escaped)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.cli.common import add_store_option, store_path
from tracker.errors import TrackerError
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.reports.steps import summary
from tracker.reports.terminal import render_terminal
from tracker.store import Store

HELP = "print the report of the store, or write it as a static HTML page"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("--pipeline", default=None, help="only this pipeline")
    parser.add_argument("--html", type=Path, default=None, metavar="DIR", help="write DIR/index.html")


def main(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        data = gather(store, args.pipeline)
    if args.html is None:
        print(render_terminal(data))
        return 0
    page = args.html / "index.html"
    try:
        args.html.mkdir(parents=True, exist_ok=True)
        page.write_text(render_html(data), encoding="utf-8")
    except OSError as error:
        raise TrackerError(f"cannot write {page}: {error.strerror}", hint="choose another --html DIR") from error
    print(f"wrote {page} ({len(data.rows)} results; {summary(data.steps)})")
    return 0
