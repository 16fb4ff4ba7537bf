"""Plain text shared by the commands (:mod:`tracker.cli`) and the reports
(:mod:`tracker.reports`): tables, numbers, lines cut to a width, and the outcome matrix
that both ``tracker results`` and the terminal report print."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.outcomes import Outcome
from tracker.store.views import ResultRow, ordered_environments


# What a terminal would obey in text from the store (converters' messages are untrusted):
# CSI sequences (colours, cursor moves, ESC [ ... or the one-byte CSI), OSC sequences (window
# titles, hyperlinks: ESC ] ... BEL or ST), other two-byte escapes, then any control byte left.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|\x1b[@-Z\\-_]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with every escape sequence removed and every other control byte shown as
    ``?`` (tabs and newlines kept): what is printed to a terminal from the store."""
    return _CONTROLS.sub("?", _ESCAPES.sub("", text))


def cut(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` characters, else its start and ``...``."""
    return text if len(text) <= width else text[: width - 3] + "..."


def terminal_width() -> int | None:
    """The width to fit printed lines to: ``$COLUMNS`` if set, else the terminal's when the
    output is a terminal; ``None`` (no limit) when it goes to a pipe or a file, where whole
    lines are what ``grep`` and a log want."""
    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def fit(text: str, width: int | None) -> str:
    """Every line of ``text`` cut to ``width`` characters (its start and ``...``); ``None``:
    ``text`` as it is."""
    if width is None:
        return text
    return "\n".join(cut(line, width) for line in text.split("\n"))


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters: whitespace runs collapsed, the rest cut."""
    return cut(re.sub(r"\s+", " ", text), width)


def render_number(value: float | None, missing: str = "") -> str:
    """A measured number with 3 significant digits; ``missing`` when there is none."""
    return missing if value is None else f"{value:.3g}"


def render_table(headers: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A plain text table; ``align`` has one of ``<``/``>`` per column."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    align = align or "<" * len(headers)
    def line(cells: list[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    return "\n".join(out)


def outcome_code(cell: Mapping[str, Any]) -> str:
    """The short code of a result's outcome in the matrix (UNSUP: an unsupported operator)."""
    if cell["outcome"] == Outcome.CONVERT_ERROR.value and cell["subkind"] == "unsupported":
        return "UNSUP"
    return Outcome(cell["outcome"]).code


def render_matrix(rows: Sequence[ResultRow]) -> str:
    """The case x environment matrix of outcomes, the environments, failures per kind and
    per fault location, and the most frequent error signatures."""
    ordered = ordered_environments(rows)
    labels = Counter(e["label"] for e in ordered)
    columns = {e["column"]: i + 1 for i, e in enumerate(ordered)}
    cells: dict[tuple[str, str], ResultRow] = {}
    kinds: dict[str, str] = {}
    for row in rows:
        cells[(row["case_id"], row["column"])] = row
        kinds[row["case_id"]] = row["kind"]
    case_ids = sorted(kinds, key=lambda c: (kinds[c] != "real", c))

    headers = ["case", "kind"] + [str(columns[e["column"]]) for e in ordered]
    table = []
    for case_id in case_ids:
        line = [case_id, kinds[case_id]]
        for env in ordered:
            cell = cells.get((case_id, env["column"]))
            line.append(outcome_code(cell) if cell else ".")
        table.append(line)
    totals = ["ok / stored", ""]
    for env in ordered:
        stored = [cells[k] for k in cells if k[1] == env["column"]]
        ok = sum(1 for c in stored if c["outcome"] == Outcome.OK.value)
        totals.append(f"{ok}/{len(stored)}")
    table.append(totals)
    out = [render_table(headers, table, "<<" + ">" * len(ordered))]

    out.append("\nenvironments:")
    for env in ordered:
        label = env["label"] or env["env_id"]
        if labels[env["label"]] > 1:
            label += f"  [env {env['env_id']}]"
        if not env["buildable"]:
            label += "  (could not be built)"
        out.append(f"  {columns[env['column']]:>3}  {label}")

    out.append("\nfailures per kind (real | unit | synthetic):")
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        per_kind[row["outcome"]][row["kind"]] += 1
    kind_rows = []
    for outcome in Outcome:
        if outcome.value in per_kind:
            counts = per_kind[outcome.value]
            kind_rows.append([
                outcome.value, str(sum(counts.values())),
                str(counts.get("real", 0)), str(counts.get("unit", 0)), str(counts.get("synthetic", 0)),
            ])
    out.append(render_table(["outcome", "total", "real", "unit", "synthetic"], kind_rows, "<>>>>"))

    located = Counter((r["outcome"], r["fault_location"] or "not localized") for r in rows
                      if r["outcome"] not in (Outcome.OK.value, Outcome.ENV_ERROR.value, Outcome.NOT_RUNNABLE.value))
    if located:
        out.append("\nwhose fault (the second runtime localizes failures of the runtime stages):")
        places = ("converter", "runtime", "undetermined", "not localized")
        location_rows = [[outcome.value, *[str(located.get((outcome.value, p), 0)) for p in places]]
                         for outcome in Outcome if any((outcome.value, p) in located for p in places)]
        out.append(render_table(["outcome", *places], location_rows, "<>>>>"))
        referring = [r for r in rows if r["localized_by"]]
        if referring:
            localized = {r["localized_by"] for r in referring}
            out.append(f"{len(referring)} of them not run again in the second runtime: they share the localization "
                       f"of {len(localized)} result(s) with the same failure in the same environment "
                       "(`tracker history CASE` names it; results.localized_by)")
        stages = Counter(r["fault_stage"] for r in rows if r["fault_stage"])
        if stages:
            out.append("converter failures by stage: " + ", ".join(f"{s} {n}" for s, n in stages.most_common()))

    signatures = Counter(
        (r["outcome"], r["signature"]) for r in rows if r["outcome"] != Outcome.OK.value
    )
    if signatures:
        out.append("\nmost frequent failure signatures:")
        for (outcome, sig), count in signatures.most_common(12):
            out.append(f"  {count:>4}  {outcome:<18} {shorten(sig or '', 150)}")
    out.append(
        "\ncodes: " + ", ".join(f"{o.code}={o.value}" for o in Outcome) + ", UNSUP=unsupported operator"
    )
    return "\n".join(out)
