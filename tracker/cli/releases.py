"""List the releases on the package index newer than the newest version the matrix names
for each axis of each pipeline (final releases; pre-releases and dev builds with --pre;
yanked ones never), whether a wheel for this platform and Python exists, and which
pipelines each one extends. --promote prints the matrix edits that add the installable
final releases to envs/*.toml; --write makes them. See docs/releases.md."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path

from tracker.bisect.search import DEFAULT_INDEX, project_releases
from tracker.errors import ConfigError, SelectionError
from tracker.matrix import load_matrix, matrix_files
from tracker.matrix_edit import edit_texts, write
from tracker.releases import NewRelease, discover, frontiers, promotable, promotion_edits
from tracker.render import render_table

HELP = "list releases on the index newer than the matrix; --promote adds them to envs/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--matrix", type=Path, default=None,
                        help="the version matrix, a directory or a file (default: $TRACKER_MATRIX or envs/)")
    parser.add_argument("--index", default=DEFAULT_INDEX,
                        help=f"a PyPI-style JSON API: <URL>/<package>/json (default {DEFAULT_INDEX})")
    parser.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                        help="for each answer of the index (default 30)")
    parser.add_argument("--pre", action="store_true",
                        help="pre-releases and dev (nightly) builds too")
    parser.add_argument("--package", action="append", default=None, metavar="NAME",
                        help="only this axis package (repeatable; default: every axis package)")
    parser.add_argument("--promote", action="store_true",
                        help="print the envs/*.toml edits that add the installable final releases")
    parser.add_argument("--newest", action="store_true",
                        help="with --promote: only the newest installable final release of each axis")
    parser.add_argument("--write", action="store_true",
                        help="make those edits in the files (implies --promote); the matrix must still load")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def main(args: argparse.Namespace) -> int:
    matrix = args.matrix or Path(os.environ.get("TRACKER_MATRIX") or "envs")
    if args.newest and not (args.promote or args.write):
        raise ConfigError("--newest chooses what --promote adds: give --promote too")
    fronts = frontiers(load_matrix(matrix))
    if args.package:
        unknown = sorted(set(args.package) - {f.package for f in fronts})
        if unknown:
            raise SelectionError(f"no axis of the matrix {matrix} is {', '.join(unknown)}",
                                 hint=f"its axis packages: {', '.join(sorted({f.package for f in fronts}))}")
        fronts = [f for f in fronts if f.package in args.package]
    packages = list(dict.fromkeys(f.package for f in fronts))
    index = {
        package: project_releases(
            package, args.index, args.timeout,
            missing_hint=f"the matrix {matrix} names it as an axis: check its spelling there, "
                         "or point --index at an index that has it",
        )
        for package in packages
    }
    found = discover(fronts, index, pre=args.pre and not (args.promote or args.write))
    if args.promote or args.write:
        return promote(found, matrix, newest=args.newest, write_files=args.write,
                       as_json=args.format == "json")
    if args.format == "json":
        print(json.dumps([r.to_json() for r in found], indent=2))
        return 0
    if found:
        print(render_releases(found))
        print()
    print(summary(found, packages, args.index, args.pre))
    return 0


def render_releases(found: list[NewRelease]) -> str:
    headers = ["package", "version", "kind", "uploaded", "installable here", "extends (pipeline > matrix newest)", "note"]
    rows = [
        [
            r.package,
            r.version,
            r.kind,
            r.uploaded or "?",
            "yes" if r.sweepable else f"no, not sweepable: {r.installability.reason}",
            ", ".join(f"{f.pipeline} > {f.newest}" for f in r.extends),
            r.note,
        ]
        for r in found
    ]
    return render_table(headers, rows)


def summary(found: list[NewRelease], packages: list[str], index: str, pre: bool) -> str:
    kinds = "releases, pre-releases and dev builds" if pre else "final releases (--pre adds pre-releases and dev builds)"
    if not found:
        return f"no release newer than the matrix for {', '.join(packages)} on {index}: {kinds}"
    sweepable = sum(1 for r in found if r.sweepable)
    return (f"{len(found)} newer than the matrix, {sweepable} installable here; "
            f"{kinds} of {', '.join(packages)} on {index}")


def promote(found: list[NewRelease], matrix: Path, *, newest: bool, write_files: bool, as_json: bool) -> int:
    """Print (and with ``write_files`` make) the edits adding the installable final releases
    (with ``newest``, only the newest of each package)."""
    promoted = promotable(found, newest=newest)
    originals = {str(path): path.read_text(encoding="utf-8") for path in matrix_files(matrix)}
    edits = promotion_edits(promoted, originals)
    texts, locations = edit_texts(edits, originals)
    if as_json:
        print(json.dumps([{"file": e.file, "table": ".".join(loc.table), "key": ".".join(loc.key),
                           "version": e.version} for e, loc in zip(edits, locations, strict=True)], indent=2))
    elif not edits:
        print("nothing to promote: no installable final release newer than the matrix")
    else:
        for edit, location in zip(edits, locations, strict=True):
            print(f"{edit.file}: {location.describe()} += {json.dumps(edit.version)}")
        for release in promoted:
            if release.note:
                print(f"note: {release.package} {release.version}: {release.note}")
        for file, text in texts.items():
            if text != originals[file]:
                print("".join(difflib.unified_diff(originals[file].splitlines(True), text.splitlines(True),
                                                   f"a/{file}", f"b/{file}")), end="")
    if write_files and edits:
        write(texts, originals, lambda: load_matrix(matrix))
        changed = sorted(file for file, text in texts.items() if text != originals[file])
        print(f"wrote {len(edits)} version(s) into {', '.join(changed)}; the matrix loads",
              file=sys.stderr if as_json else sys.stdout)
    return 0
