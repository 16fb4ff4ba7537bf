"""Write a stand-alone Python script that reproduces one stored failure: the model's
definition, the inputs, the conversion call, the runtime call and the comparison (that of
the oracle that failed the result, else of the first of the pipeline's oracles, then of
the installed ones, that writes one), with
the failing environment's exact versions in an inline script-metadata header (run it
with `uv run repro.py`, or pip-install the versions it lists and run it with python).

Name the result by its id (`tracker results --format json` and `tracker history --format
json` show ids), or by case id and `--env TEXT`, a part of the environment's label.
The plugins that ran the case must be installed where this runs (they are light: torch
is not needed to write the script).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker.api import Oracle
from tracker.cli.common import add_store_option, store_path
from tracker.errors import PluginError, SelectionError
from tracker.registry import Registry
from tracker.repro import Failure, script
from tracker.repro_values import recipe_to_write, refuse
from tracker.store import Store

HELP = "write a stand-alone script that reproduces one stored failure"

_QUERY = """
    SELECT r.result_id, r.case_id, r.case_hash, r.outcome, r.signature, r.fault_location, r.localized_by,
           lr.case_id AS localized_case, r.framework,
           r.converter, r.runtime, r.pipeline, r.variant, e.label, e.packages, e.requested, e.python, e.buildable,
           c.recipe, v.options AS converter_options
    FROM results r
    JOIN environments e ON e.env_id = r.env_id
    JOIN cases c ON c.case_id = r.case_id AND c.case_hash = r.case_hash
    LEFT JOIN conversions v ON v.conversion_key = r.conversion_key
    LEFT JOIN results lr ON lr.result_id = r.localized_by
    WHERE {where}
    ORDER BY r.created_at DESC
"""

# The oracles that judged the pipeline variant's results: those that failed this one first
_JUDGES = """
    SELECT v.oracle, min(CASE WHEN v.result_id = ? AND v.passed = false THEN 0 ELSE 1 END) AS rank
    FROM verdicts v JOIN results r ON r.result_id = v.result_id
    WHERE r.pipeline = ? AND r.variant = ?
    GROUP BY v.oracle ORDER BY rank, v.oracle
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument("result", metavar="RESULT", help="a result id (or its first characters), or a case id with --env")
    parser.add_argument("--env", default=None, metavar="TEXT",
                        help="with a case id: the environment whose label contains TEXT")
    parser.add_argument("--trust-store-source", action="store_true",
                        help="write the model source stored with the result when no installed plugin defines "
                             "the case with its content hash (read the script before running it: a store "
                             "is untrusted input)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="the script's path (default: repro-CASE.py; '-' prints it)")


def find_result(store: Store, result: str, env: str | None) -> dict:
    if env is None:
        rows = store.query(_QUERY.format(where="r.result_id LIKE ? || '%'"), [result])
        what = f"result {result!r}"
    else:
        rows = store.query(_QUERY.format(where="r.case_id = ? AND e.label LIKE '%' || ? || '%'"), [result, env])
        what = f"case {result!r} in an environment labelled like {env!r}"
    if not rows:
        raise SelectionError(f"no stored {what}",
                             hint="`tracker results --format json` lists the result ids and labels")
    labels = sorted({r["label"] for r in rows})
    if len({r["result_id"] for r in rows}) > 1 and (env is None or len(labels) > 1):
        raise SelectionError(f"{what} matches {len(rows)} results ({'; '.join(labels[:5])})",
                             hint="give more of the result id, or a --env text that names one environment")
    return rows[0]


def comparing_oracle(registry: Registry, judges: Sequence[str]) -> Oracle:
    """The first output oracle, of ``judges`` then of the installed ones, that writes the
    comparison of repro scripts (:meth:`Oracle.repro_code`)."""
    for name in dict.fromkeys([*judges, *sorted(registry.oracles)]):
        oracle = registry.oracles.get(name)
        if oracle is None or oracle.stage != "outputs":
            continue
        try:
            oracle.repro_code({})
        except NotImplementedError:
            continue
        return oracle
    raise PluginError("no installed oracle that judges outputs writes the comparison of a repro script "
                      f"(the pipeline's oracles: {', '.join(judges) or 'none recorded'})",
                      hint="install the plugins of the pipeline's oracles (`tracker plugins` lists what is installed)")


def main(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        row = find_result(store, args.result, args.env)
        judges = [r["oracle"] for r in store.query(_JUDGES, [row["result_id"], row["pipeline"], row["variant"]])]
    if not row["buildable"]:
        raise SelectionError(f"{row['label']} could not be built (env_error): there is nothing to reproduce "
                             "in Python; its installer's message is in `tracker results`")
    registry = Registry.load()
    try:
        components = [registry.framework(row["framework"]), registry.converter(row["converter"]),
                      registry.runtime(row["runtime"]), comparing_oracle(registry, judges)]
        recipe = recipe_to_write(row["case_id"], row["case_hash"], _stored_json(row, "recipe", "null"),
                                 registry.components["model"].get(row["case_id"]),
                                 trust_store=args.trust_store_source)
        text = script(
            Failure(
                result_id=row["result_id"], case_id=row["case_id"], case_hash=row["case_hash"],
                outcome=row["outcome"], signature=row["signature"], label=row["label"],
                recipe=recipe, packages=_stored_json(row, "packages", "{}"),
                requested=_stored_json(row, "requested", "{}"), python=row["python"],
                converter_options=_stored_json(row, "converter_options", "{}"),
            ),
            *components,
        )
    except NotImplementedError as error:
        raise PluginError(str(error), hint="its plugin does not implement repro_code") from error
    if args.output is not None and str(args.output) == "-":
        print(text, end="")
        return 0
    output = args.output or Path(f"repro-{row['case_id']}.py")
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.splitlines())} lines): {row['case_id']} {row['outcome']} in {row['label']}\n"
          f"run it with: uv run {output}")
    if row["fault_location"]:
        print(f"whose fault: {localization_text(row)}")
    return 0


def _stored_json(row: dict, column: str, empty: str) -> Any:
    try:
        return json.loads(row[column] or empty)
    except (TypeError, ValueError):
        raise refuse(column.replace("_", " "), row[column], "JSON") from None


def localization_text(row: dict) -> str:
    """Where the failure was localized, and by which result when it shares another's localization."""
    if not row["localized_by"]:
        return row["fault_location"]
    return (f"{row['fault_location']}, as localized on case {row['localized_case'] or '(no longer stored)'} "
            f"(result {row['localized_by']}) for the same failure in this environment; "
            f"`tracker repro {row['localized_by'][:12]}` reproduces that one")
