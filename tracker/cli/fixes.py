"""Print what got fixed between adjacent versions of a package, every other axis held
fixed: a failure at one version, ok at the next; and fixes behind a standing failure (one
oracle's verdict failed at one version and passed at the next while another failure stood at
both). The signature shown is the failure's, before the fix. The same options and rules as
`tracker regressions`."""

from __future__ import annotations

import argparse

from tracker.analysis import Rules
from tracker.cli.regressions import FIX_KINDS, add_transition_arguments, report

HELP = "list fixes between adjacent versions of a package, the rest held fixed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_transition_arguments(parser)


def main(args: argparse.Namespace) -> int:
    return report(args, FIX_KINDS, Rules(include_env_errors=args.include_env_errors))
