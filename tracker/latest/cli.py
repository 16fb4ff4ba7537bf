"""``nox -s latest -- ...``: its options, and ``python -m tracker.latest``, which the
session runs in its tool environment (where the store can be read).

    python -m tracker.latest --matrix envs --nox-python PYTHON --noxfile noxfile.py -- OPTIONS

Before ``--``: what the session knows of how it was started (the matrix, nox's own
interpreter and the noxfile: nox sweeps each new pair, ``nox -s "sweep(<pair>)"`` with the
pair in a pairs file, as ``nox -s bisect`` does); after it: the options of ``nox -s latest --``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tracker.bisect.cli import _launch_parser as bisect_launch_parser
from tracker.bisect.probe import NoxSweep
from tracker.bisect.search import DEFAULT_INDEX
from tracker.cli.sweep_args import add_sweep_arguments, forwarded
from tracker.errors import TrackerError
from tracker.latest.driver import LatestOptions, latest
from tracker.store import default_store_path

PROG = "nox -s latest --"


def latest_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Sweep the releases on the index newer than the matrix's newest version of each axis "
                    "(the newest installable one of each package), each in the pairs of the pipelines it "
                    "extends with every other axis at the matrix's newest; print what changed against the "
                    "matrix's newest: new regressions, new fixes, signature changes.",
    )
    parser.add_argument("--pre", action="store_true", help="pre-releases and dev (nightly) builds too")
    parser.add_argument("--all", dest="every", action="store_true",
                        help="every installable release newer than the matrix, not only the newest of each package")
    parser.add_argument("--package", dest="packages", action="append", default=[], metavar="NAME",
                        help="only this axis package (repeatable; default: every axis package)")
    parser.add_argument("--pipeline", dest="pipelines", action="append", default=[], metavar="NAME",
                        help="only this pipeline (repeatable; default: every pipeline)")
    parser.add_argument("--index", default=DEFAULT_INDEX,
                        help=f"a PyPI-style JSON API: <URL>/<package>/json (default {DEFAULT_INDEX})")
    add_sweep_arguments(parser)
    return parser


def _launch_parser() -> argparse.ArgumentParser:
    """The launch options of ``python -m tracker.bisect``: the same three (the matrix, nox's
    interpreter, the noxfile), under this module's name."""
    parser = bisect_launch_parser()
    parser.prog, parser.description = "python -m tracker.latest", __doc__
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    launch = _launch_parser().parse_args(argv[:split])
    args = latest_parser().parse_args(argv[split + 1:])
    args.store = (args.store or default_store_path()).resolve()
    options = LatestOptions(store=args.store, pre=args.pre, every=args.every, packages=tuple(args.packages),
                            pipelines=tuple(args.pipelines), index=args.index)
    probe = NoxSweep(nox=[launch.nox_python, "-m", "nox", "-f", str(launch.noxfile)], options=forwarded(args))
    started = time.monotonic()
    try:
        delta = latest(options, matrix=launch.matrix, sweep=probe,
                       log=lambda line: print(line, file=sys.stderr, flush=True))
    except TrackerError as error:
        print(f"nox -s latest: error: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    except KeyboardInterrupt:  # nox says so too; what was swept is stored
        return 130
    print("\n".join(delta.lines()), flush=True)
    if delta.swept:
        print(f"({len(delta.swept)} pairs in {time.monotonic() - started:.0f} s; results in {args.store}: "
              "tracker results, history and report see them)", flush=True)
    return 1 if delta.failed else 0
