"""The ``tracker`` command. One module per subcommand.

Subcommand modules are imported only when the parser is built, so that ``noxfile.py``
can import :mod:`tracker.cli.sweep_args` in nox's own interpreter without the core's
dependencies.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tracker import __version__
from tracker.cli.sweep_args import OptionParser
from tracker.errors import StoreError, TrackerError

COMMANDS = ["run", "results", "plugins", "models", "regressions", "fixes", "history", "compare", "merge", "export",
            "repro", "report", "releases", "time", "disk", "cache", "plan-ci"]


def build_parser() -> argparse.ArgumentParser:
    parser = OptionParser(
        prog="tracker",
        description="Regression tracker for model converters and runtimes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"tracker.cli.{name.replace('-', '_')}")
        sub = commands.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except TrackerError as error:
        print(f"tracker {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:  # a store that opened but cannot be read (corrupted blocks)
        import duckdb

        if not isinstance(error, duckdb.Error):
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"tracker {args.command}: error: the store could not be read: {first}\n"
              "  hint: if it is corrupted, move it away and rerun the sweep", file=sys.stderr)
        return StoreError.exit_code
    except KeyboardInterrupt:
        print(f"tracker {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tracker results | head`
        return 0
