"""List the model cases, or show one case's definition."""

from __future__ import annotations

import argparse
import json
from collections import Counter

from tracker.cases import known_sets, manifest_hash, select
from tracker.errors import PluginError, SelectionError
from tracker.inputs import InputSpec
from tracker.registry import Registry
from tracker.render import render_table

HELP = "list model cases (`models list [--set NAME]`) or show one (`models show ID`)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list cases")
    listing.add_argument("--set", dest="model_set", default=None, help="only this model set")
    listing.add_argument("--framework", default=None, help="only this framework")
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = actions.add_parser("show", help="show one case: its definition, inputs and hash")
    show.add_argument("case_id")


def main(args: argparse.Namespace) -> int:
    registry = Registry.load()
    registry.require_healthy()
    if args.action == "show":
        return _show(registry, args.case_id)
    frameworks = [args.framework] if args.framework else None
    cases = select(registry.cases, model_set=args.model_set, frameworks=frameworks)
    if args.json:
        print(json.dumps([
            {"id": c.id, "hash": c.content_hash, "framework": c.framework, "kind": c.kind,
             "sets": sorted(c.sets), "tags": list(c.tags), "description": c.description}
            for c in cases
        ], indent=2))
        return 0
    rows = [
        [c.id, c.content_hash, c.framework, c.kind, ",".join(sorted(c.sets)), c.description]
        for c in cases
    ]
    print(render_table(["id", "hash", "framework", "kind", "sets", "description"], rows))
    kinds = Counter(c.kind for c in cases)
    print(
        f"\n{len(cases)} cases ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}); "
        f"sets: {', '.join(known_sets(registry.cases))}; manifest {manifest_hash(cases)}"
    )
    return 0


def _values(spec: InputSpec) -> str:
    """Where an input's values come from: its range, or a custom input's source."""
    if spec.source is not None:
        return spec.source
    return "" if spec.low is None and spec.high is None else f"[{spec.low}, {spec.high})"


def _show(registry: Registry, case_id: str) -> int:
    try:
        case = registry.case(case_id)
    except PluginError:
        raise SelectionError(f"no case named {case_id!r}", hint="see `tracker models list`") from None
    owner = registry.owner("model", case.id)
    print(f"id:          {case.id}")
    print(f"hash:        {case.content_hash}")
    print(f"framework:   {case.framework}   kind: {case.kind}   sets: {', '.join(sorted(case.sets))}")
    print(f"plugin:      {owner.name} ({owner.distribution or 'module'} {owner.version or ''})")
    print(f"builder:     {case.builder}({json.dumps(dict(case.params))})   seed {case.seed}")
    if case.generator:
        print(f"generator:   {case.generator}")
    if case.weights:
        print(f"weights:     {case.weights}   sha256 {case.recipe()['weights']['sha256'][:16]}")
    if case.labels:
        print(f"labels:      {case.labels}")
    print(f"description: {case.description}")
    print(f"inputs ({case.samples} samples):")
    print(render_table(
        ["name", "shape", "dtype", "kind", "range or source"],
        [[s.name, "x".join(map(str, s.shape)), s.dtype, s.kind, _values(s)] for s in case.inputs],
    ))
    print("\ndefinition:\n")
    print(case.source_text())
    return 0
