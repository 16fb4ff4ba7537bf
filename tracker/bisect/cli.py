"""``nox -s bisect -- ...``: its options, and ``python -m tracker.bisect``, which the
session runs in its tool environment (where the store can be read).

    python -m tracker.bisect --matrix envs --nox-python PYTHON --noxfile noxfile.py -- OPTIONS

Before ``--``: what the session knows of how it was started (the matrix, nox's own
interpreter and the noxfile: nox sweeps each probed release); after it: the options of
``nox -s bisect --``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tracker.bisect.driver import BisectOptions, bisect
from tracker.bisect.probe import NoxSweep
from tracker.bisect.search import DEFAULT_INDEX
from tracker.cli.sweep_args import add_sweep_arguments, forwarded
from tracker.errors import TrackerError
from tracker.store import default_store_path

PROG = "nox -s bisect --"


def bisect_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find the first release of PACKAGE between two releases at which a watched case "
                    "changed outcome (a regression, a fix or another failure), for each watched case.",
    )
    parser.add_argument("--package", required=True, help="an axis of the matrix, e.g. onnxruntime")
    parser.add_argument("--good", "--from", dest="good", required=True, metavar="VERSION",
                        help="one end (the older, usually: the ends may be given in either order)")
    parser.add_argument("--bad", "--to", dest="bad", required=True, metavar="VERSION", help="the other end")
    parser.add_argument("--pipeline", default=None, help="pipeline of envs/ (default: as --variant)")
    parser.add_argument("--variant", default=None,
                        help="its variant (default: the only variant with PACKAGE as an axis, else the only "
                             "one whose results at both ends are in the store)")
    parser.add_argument("--case", dest="cases", nargs="+", default=[], metavar="ID",
                        help="the cases to watch (default: those whose outcome differs at --good and --bad)")
    parser.add_argument("--oracle", dest="oracles", nargs="+", default=[], metavar="NAME",
                        help="watch these oracles' verdicts too, not only the outcome (default: when no outcome "
                             "differs at the ends, the oracles whose verdict flipped behind a standing failure)")
    parser.add_argument("--pre", action="store_true", help="include pre-releases")
    parser.add_argument("--dev", action="store_true",
                        help="then search the dev builds (and pre-releases) published between the last unchanged "
                             "and the first changed release, when those two are consecutive")
    parser.add_argument("--axis", dest="axes", nargs="+", default=[], metavar="PIN",
                        help="keep another axis of the probed pair at this version, e.g. torch==2.13.0 "
                             "(default: the newest the matrix pairs with --good)")
    parser.add_argument("--yanked", action="store_true", help="include yanked releases")
    parser.add_argument("--max-skips", type=int, default=3,
                        help="releases that cannot be installed before giving up (default: 3)")
    parser.add_argument("--with", dest="companions", nargs="+", default=None, metavar="PIN",
                        help="companion pins for every probed release (default: those of --good in envs/)")
    parser.add_argument("--index", default=None, help="PyPI JSON API (default: https://pypi.org/pypi)")
    add_sweep_arguments(parser)
    return parser


def _launch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker.bisect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matrix", type=Path, required=True, help="the version matrix (envs/ or $TRACKER_MATRIX)")
    parser.add_argument("--nox-python", required=True, metavar="PATH", help="the interpreter nox runs in")
    parser.add_argument("--noxfile", type=Path, required=True, metavar="PATH", help="the project's noxfile")
    return parser


def options_of(args: argparse.Namespace) -> BisectOptions:
    return BisectOptions(
        package=args.package, good=args.good, bad=args.bad, store=args.store,
        pipeline=args.pipeline, variant=args.variant, cases=tuple(args.cases), pre=args.pre,
        yanked=args.yanked, max_skips=args.max_skips,
        companions=None if args.companions is None else tuple(args.companions),
        index=args.index or DEFAULT_INDEX, axes=tuple(args.axes), dev=args.dev,
        oracles=tuple(args.oracles),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    launch = _launch_parser().parse_args(argv[:split])
    args = bisect_parser().parse_args(argv[split + 1:])
    args.store = (args.store or default_store_path()).resolve()
    if args.cases:
        args.models = args.cases  # the probes sweep only the watched cases
    probe = NoxSweep(nox=[launch.nox_python, "-m", "nox", "-f", str(launch.noxfile)], options=forwarded(args))
    try:
        result = bisect(options_of(args), matrix=launch.matrix, sweep=probe,
                        log=lambda line: print(line, file=sys.stderr, flush=True))
    except TrackerError as error:
        print(f"nox -s bisect: error: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    except KeyboardInterrupt:  # nox says so too; what was swept is stored
        return 130
    print("\n".join(result.lines()), flush=True)
    return 0
