"""The report in the terminal: the outcome matrix, regressions and fixes, and the study's
failure table."""

from __future__ import annotations

from collections import Counter

from tracker.cli.common import render_table
from tracker.cli.results import render_matrix
from tracker.reports.data import STUDY_COLUMNS, ReportData

SHOWN_TRANSITIONS = 40


def render_terminal(data: ReportData) -> str:
    if not data.rows:
        return "the store holds no result yet (run `nox -s sweep`)"
    out = [render_matrix(data.rows), ""]
    kinds = Counter(t.kind for t in data.transitions)
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(kinds.items())) or "none"
    out.append(f"regressions and fixes between neighbouring versions: {summary}")
    for t in data.transitions[:SHOWN_TRANSITIONS]:
        out.append(f"  {t.kind:<16} {t.case_id:<28} {t.axis} {t.before.version} -> {t.after.version}  "
                   f"[{t.describe_context()}]  {t.before.outcome} -> {t.after.outcome}")
    if len(data.transitions) > SHOWN_TRANSITIONS:
        out.append(f"  ... {len(data.transitions) - SHOWN_TRANSITIONS} more: `tracker regressions`, `tracker fixes`")
    names = ["results", *(name for name, _ in STUDY_COLUMNS)]
    rows = [[converter, kind, *(str(counts.get(n, 0)) for n in names)] for converter, kind, counts in data.study]
    out += ["", "failures per converter, as in the study of the ONNX converters (results):",
            render_table(["converter", "models", *names], rows, "<<" + ">" * len(names))]
    return "\n".join(out)
