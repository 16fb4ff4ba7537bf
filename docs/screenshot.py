"""Make docs/report.png: the HTML report of a store, as headless Chromium shows it 1400 px wide.

    python docs/screenshot.py --store .tracker/store.duckdb
    python docs/screenshot.py --store other.duckdb --out /tmp/report.png --height 3000

Writes the page (``tracker report --html``) into a temporary directory and photographs its
top ``--height`` pixels; says how wide the page is laid out (at most the window's width:
nothing overflows). Needs the tracker installed (``pip install -e .``) and Chromium
(``apt-get install chromium``). Take it from a store no sweep is writing: a sweep's store
is read through its snapshot, which may be up to a minute old.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.store import Store

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the page as it is, plus a line that tells how wide it was laid out (for the check, not the picture)
MEASURE = ("<script>document.title = 'scrollWidth=' + document.documentElement.scrollWidth;</script>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/screenshot.py", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", type=Path, required=True, help="the store to report on")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "report.png", help="default: docs/report.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2400, help="of the picture: the top of the page")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        parser.error("no chromium on PATH: apt-get install chromium")
    if not args.store.is_file():
        parser.error(f"no store at {args.store}: give --store the path of a .duckdb file")
    with Store.open(args.store, read_only=True) as store:
        page = render_html(gather(store))
    with tempfile.TemporaryDirectory(prefix="tracker-screenshot-") as tmp:
        html = Path(tmp) / "index.html"
        html.write_text(page, encoding="utf-8")
        measured = Path(tmp) / "measured.html"
        measured.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
        window = [f"--user-data-dir={tmp}/profile", f"--window-size={args.width},{args.height}"]
        dom = subprocess.run([chromium, *FLAGS, *window, "--dump-dom", measured.as_uri()],
                             capture_output=True, text=True, timeout=300, check=True).stdout
        subprocess.run([chromium, *FLAGS, *window, f"--screenshot={args.out.resolve()}", html.as_uri()],
                       capture_output=True, timeout=300, check=True)
    width = dom.split("<title>scrollWidth=", 1)[-1].split("<", 1)[0]
    print(f"wrote {args.out} ({args.width}x{args.height}); the page is laid out {width} px wide")
    if width.isdigit() and int(width) > args.width:
        print(f"the page overflows the {args.width} px window", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
