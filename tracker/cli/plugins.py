"""List every plugin found, its version, where it was installed from, what it provides and
whether it is usable here."""

from __future__ import annotations

import argparse
import json

from tracker.registry import Registry
from tracker.render import render_table

HELP = "list installed plugins and whether each is usable in this environment"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def main(args: argparse.Namespace) -> int:
    registry = Registry.load()
    rows = []
    for info in sorted(registry.plugins.values(), key=lambda i: i.name):
        if info.broken:
            rows.append({
                "plugin": info.name, "distribution": info.distribution, "version": info.version, "from": info.origin,
                "kind": "-", "name": "-", "usable": False, "reason": f"BROKEN: {info.error}",
            })
            continue
        components = [(k, n) for k, n in info.provides if k != "model"]
        models = sum(1 for k, _ in info.provides if k == "model")
        for kind, name in components:
            component = registry.component(kind, name)
            reason = component.unavailable_reason()
            if reason is None and kind == "runtime":
                not_runnable = registry.runtime(name).not_runnable_reason()
                reason = f"not runnable here: {not_runnable}" if not_runnable else None
            rows.append({
                "plugin": info.name, "distribution": info.distribution, "version": info.version, "from": info.origin,
                "kind": kind, "name": name, "usable": reason is None, "reason": reason or "",
                "versions": component.versions(),
            })
        if models:
            rows.append({
                "plugin": info.name, "distribution": info.distribution, "version": info.version, "from": info.origin,
                "kind": "models", "name": f"{models} cases", "usable": True, "reason": "",
            })
        if not components and not models:
            rows.append({
                "plugin": info.name, "distribution": info.distribution, "version": info.version, "from": info.origin,
                "kind": "-", "name": "-", "usable": True, "reason": "registers nothing",
            })
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        table = [
            [
                r["plugin"],
                f"{r['distribution'] or '-'} {r['version'] or ''}".strip(),
                r["from"] or "-",
                r["kind"],
                r["name"],
                "yes" if r["usable"] else "no",
                r["reason"],
            ]
            for r in rows
        ]
        print(render_table(["plugin", "distribution", "from", "kind", "name", "usable", "reason"], table))
        if not rows:
            print("no plugin is installed (entry-point group 'tracker')")
    return 4 if registry.broken() else 0
