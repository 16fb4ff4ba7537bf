"""The report as one static HTML page: no script, no network resource, every piece of
text from the store (messages, signatures, ids, labels) escaped."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from tracker.cli.results import outcome_code
from tracker.outcomes import Outcome
from tracker.reports.data import STUDY_COLUMNS, ReportData

COLOURS = {
    "ok": "#2e7d32", "convert_error": "#ef6c00", "invalid_model": "#8e24aa",
    "runtime_load_error": "#1565c0", "runtime_error": "#ad1457", "incorrect": "#d50000",
    "timeout": "#5d4037", "crash": "#000000", "env_error": "#757575", "not_runnable": "#90a4ae",
}
_STYLE = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 2em; }
table { border-collapse: collapse; } th, td { padding: 2px 6px; text-align: left; }
.data td, .data th { border-bottom: 1px solid #eee; } .num { text-align: right; }
.heatmap { overflow: auto; max-height: 80vh; border: 1px solid #ddd; }
.heatmap th { position: sticky; top: 0; background: #fff; font-weight: normal; font-size: 11px; }
.heatmap td.cell { width: 22px; height: 14px; padding: 0; border: 1px solid #fff; }
.heatmap td.case { font-family: monospace; white-space: nowrap; padding-right: 1em; }
.legend span, .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; }
.legend { margin: .5em 0; } .legend li { display: inline-block; margin-right: 1em; }
.bar { display: flex; width: 300px; height: 12px; background: #eee; }
.mono { font-family: monospace; font-size: 12px; }
"""


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def render_html(data: ReportData, title: str = "Converter regression report") -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{len(data.rows)} results: {len(data.cases)} cases x {len(data.environments)} "
        f"environments; written {dt.datetime.now():%Y-%m-%d %H:%M}.</p>",
        _legend(),
        _heatmap(data),
        _trends(data),
        _transitions(data),
        _study(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _legend() -> str:
    items = "".join(f'<li><span style="background:{COLOURS[o.value]}"></span> {esc(o.value)} ({esc(o.code)})</li>'
                    for o in Outcome)
    return f'<ul class="legend">{items}</ul>'


def _heatmap(data: ReportData) -> str:
    head = "".join(f'<th title="{esc(e["label"])}">{i}</th>' for i, e in enumerate(data.environments, 1))
    lines = [f'<h2 id="heatmap">Outcomes: cases x environments</h2><div class="heatmap"><table id="outcomes">'
             f"<thead><tr><th>case</th><th>kind</th>{head}</tr></thead><tbody>"]
    for case_id, kind in data.cases:
        cells = []
        for env in data.environments:
            row = data.cell(case_id, env["env_id"])
            if row is None:
                cells.append('<td class="cell" title="no result"></td>')
                continue
            tip = f"{row['outcome']}{'/' + row['subkind'] if row['subkind'] else ''}: {row['signature'] or ''}"
            cells.append(f'<td class="cell" data-outcome="{esc(row["outcome"])}" '
                         f'style="background:{COLOURS.get(row["outcome"], "#ccc")}" title="{esc(tip)}">'
                         f'<span hidden>{esc(outcome_code(row))}</span></td>')
        lines.append(f'<tr><td class="case">{esc(case_id)}</td><td>{esc(kind)}</td>{"".join(cells)}</tr>')
    lines.append("</tbody></table></div>")
    lines.append(_environment_list(data))
    return "\n".join(lines)


def _environment_list(data: ReportData) -> str:
    items = "".join(f"<li>{esc(e['label'] or e['env_id'])}{'' if e['buildable'] else ' (could not be built)'}</li>"
                    for e in data.environments)
    return f'<ol class="mono">{items}</ol>'


def _trends(data: ReportData) -> str:
    lines = ['<h2 id="trends">Per environment: outcomes and error size</h2>',
             '<table class="data"><tr><th>#</th><th>environment</th><th>outcomes</th><th class="num">ok</th>'
             '<th class="num">failed</th><th class="num">median max-abs-error</th>'
             '<th class="num">largest max-abs-error</th></tr>']
    for index, env in enumerate(data.environments, 1):
        counts = data.counts(env["env_id"])
        total = sum(counts.values()) or 1
        bar = "".join(f'<span style="width:{100 * n / total:.2f}%;background:{COLOURS.get(o, "#ccc")}" '
                      f'title="{esc(o)}: {n}"></span>' for o, n in sorted(counts.items(), key=_outcome_order))
        size = data.error_size.get(env["env_id"], {})
        lines.append(
            f"<tr><td>{index}</td><td class='mono'>{esc(env['label'])}</td><td><div class='bar'>{bar}</div></td>"
            f"<td class='num'>{counts['ok']}</td><td class='num'>{total - counts['ok']}</td>"
            f"<td class='num'>{_number(size.get('median'))}</td><td class='num'>{_number(size.get('max'))}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _outcome_order(item: tuple[str, int]) -> int:
    order = [o.value for o in Outcome]
    return order.index(item[0]) if item[0] in order else len(order)


def _transitions(data: ReportData) -> str:
    lines = [f'<h2 id="transitions">Regressions and fixes ({len(data.transitions)})</h2>']
    if not data.transitions:
        return lines[0] + "<p>No change of outcome between neighbouring versions.</p>"
    lines.append('<table class="data"><tr><th>kind</th><th>case</th><th>axis</th><th>last -> first</th>'
                 "<th>context (held fixed)</th><th>outcome</th><th>signature after</th></tr>")
    for t in data.transitions:
        lines.append(
            f"<tr><td>{esc(t.kind.replace('_', ' '))}</td><td class='mono'>{esc(t.case_id)}</td><td>{esc(t.axis)}</td>"
            f"<td>{esc(t.before.version)} -> {esc(t.after.version)}</td><td class='mono'>{esc(t.describe_context())}</td>"
            f"<td>{esc(t.before.outcome)} -> {esc(t.after.outcome)}</td>"
            f"<td class='mono'>{esc(t.after.signature or t.before.signature)}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _study(data: ReportData) -> str:
    names = [name for name, _ in STUDY_COLUMNS]
    head = "".join(f'<th class="num">{esc(n)}</th>' for n in ["results", *names])
    lines = ['<h2 id="study">Failures per converter, as in the study of the ONNX converters</h2>',
             f'<table class="data"><tr><th>converter</th><th>models</th>{head}</tr>']
    for converter, kind, counts in data.study:
        cells = "".join(f'<td class="num">{counts.get(n, 0)}</td>' for n in ["results", *names])
        lines.append(f"<tr><td class='mono'>{esc(converter)}</td><td>{esc(kind)}</td>{cells}</tr>")
    lines.append("</table><p>Counts of results (case x environment). \"converted\": the converter wrote an "
                 "artifact (its later outcome is in the other columns).</p>")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
