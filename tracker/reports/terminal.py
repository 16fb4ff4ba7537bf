"""The report in the terminal, compactly: the outcome matrix (``tracker results``'s),
outcomes and error size per environment, regressions and fixes grouped by version step,
the first study's failure table and the second study's conversion-quality table (and its
per-model table, for the models with labelled inputs), and where
the newest sweep's time went (``tracker time``'s table)."""

from __future__ import annotations


from tracker.render import cut, render_matrix, render_number, render_table, shorten, terminal_safe
from tracker.reports.data import FAULT_LOCATIONS, STUDY_COLUMNS, ReportData, short_code
from tracker.reports.steps import HEADLINE_KINDS, Step, detail, summary
from tracker.reports.times import sweep_table

SHOWN_STEPS = 12  # of the other changes (signature changes, drift, slowdowns)
WIDTH = 160  # of a step's line of cases


def render_terminal(data: ReportData) -> str:
    if not data.rows:
        return "the store holds no result yet (run `nox -s sweep`)"
    sections = [render_matrix(data.rows), _per_environment(data), _transitions(data), _study(data), _quality(data)]
    if data.labelled.rows:
        sections.append(_labelled(data))
    if data.times:
        sections.append("\n".join(sweep_table(data.times, data.sweep_id)))
    return terminal_safe("\n\n".join(sections))


def _per_environment(data: ReportData) -> str:
    outcomes = data.outcomes()
    rows = []
    for index, env in enumerate(data.environments, 1):
        counts = data.counts(env["column"])
        size = data.error_size.get(env["column"], {})
        rows.append([str(index), *(str(counts[o] or ".") for o in outcomes),
                     render_number(size.get("median")), render_number(size.get("max")), str(size.get("n", ""))])
    headers = ["env", *(short_code(o) for o in outcomes), "median error", "largest error", "measured"]
    metric = " or ".join(f"{d.oracle} {d.name}" for d in data.drift) or "no drift metric declared"
    return (f"per environment: outcomes and error size ({metric}):\n"
            + render_table(headers, rows, ">" * len(headers)))


def _transitions(data: ReportData) -> str:
    out = [f"regressions and fixes between neighbouring versions, the rest held fixed: {summary(data.steps)}"]
    for kind in HEADLINE_KINDS:
        for step in (s for s in data.steps if s.kind == kind):
            out.append(_step_line(step))
            if kind in ("regression", "hidden_regression"):  # few and important: each case in full
                out += [f"      {t.case_id}: {shorten(detail(t), WIDTH)}" for t in step.transitions]
    others = [s for s in data.steps if s.kind not in HEADLINE_KINDS]
    out += [_step_line(step) for step in others[:SHOWN_STEPS]]
    if len(others) > SHOWN_STEPS:
        out.append(f"  ... {len(others) - SHOWN_STEPS} more steps: `tracker regressions`, `tracker fixes`")
    return "\n".join(out)


def _step_line(step: Step) -> str:
    held = f" [{step.context}]" if step.context else ""
    head = (f"  {step.kind.replace('_', ' '):<16} {step.converter} {step.axis} {step.before} -> {step.after}"
            f"{held}: {len(step.transitions)}")
    if step.kind in ("regression", "hidden_regression"):
        return head
    line = f"{head}: {', '.join(step.case_ids)}"
    return cut(line, WIDTH)


def _study(data: ReportData) -> str:
    names = ["cases", "results", *(name for name, _ in STUDY_COLUMNS)]
    rows = [[converter, kind, *(str(counts.get(n, 0)) for n in names)] for converter, kind, counts in data.study]
    return ("failures per converter, as in the study of the ONNX converters (counted over results):\n"
            + render_table(["converter", "models", *names], rows, "<<" + ">" * len(names)))


def _quality(data: ReportData) -> str:
    columns = [*(column.label for column in data.quality_columns), *FAULT_LOCATIONS]
    rows = []
    for index, env in enumerate(data.environments, 1):
        line = data.quality.get(env["column"], {})
        rows.append([str(index), *(render_number(line.get(c), ".") for c in columns)])
    return ("conversion quality, as in the empirical study of model conversion (the measures the oracles "
            "declare, each aggregated as declared; faults: where the failures lie):\n"
            + render_table(["env", *columns], rows, ">" * (len(columns) + 1)))


def _labelled(data: ReportData) -> str:
    number = {env["column"]: index for index, env in enumerate(data.environments, 1)}
    labels = data.labelled.labels
    rows = [[row.case_id, str(number.get(row.column, "?")), row.converter, short_code(row.outcome),
             *(render_number(row.values.get(label), ".") for label in labels)] for row in data.labelled.rows]
    return ("the models with labelled inputs (trained models on a test split), as in the empirical study of model "
            "conversion: one row per model and environment, accuracies against the true labels:\n"
            + render_table(["case", "env", "converter", "outcome", *labels], rows, "<><>" + ">" * len(labels)))
