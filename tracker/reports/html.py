"""The report as one static HTML page: no script, no network resource, every piece of
text from the store (messages, signatures, ids, labels) escaped by :func:`.style.esc`.

It leads with what changed at the newest step of each axis, then one heatmap per
pipeline (:mod:`.sections`), then the other steps and the tables. Nothing widens the page
beyond the window: wide tables scroll inside their own box, labels wrap."""

from __future__ import annotations

import datetime as dt

from tracker.render import render_number
from tracker.reports.data import FAULT_LOCATIONS, STUDY_COLUMNS, ReportData, short_code
from tracker.reports.heatmap import render_heatmaps
from tracker.reports.html_steps import render_newest, render_transitions
from tracker.reports.sections import Column, sections
from tracker.reports.style import STYLE, colour, count_cell, esc, outcome_order, swatch
from tracker.reports.times import duration
from tracker.store.times import totals

_OTHER_OUTCOMES = 5  # STUDY_COLUMNS: the study's five, then the rest


def render_html(data: ReportData, title: str = "Converter regression report") -> str:
    layout = sections(data)
    columns = [column for section in layout for column in section.columns]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        (f"<p>{len(data.rows)} results: {len(data.cases)} cases x {len(data.environments)} "
         f"environments; written {dt.datetime.now():%Y-%m-%d %H:%M}.</p>"),
        ('<nav><a href="#newest">newest steps</a><a href="#heatmap">outcomes</a>'
         '<a href="#transitions">other steps</a><a href="#trends">per environment</a>'
         '<a href="#study">failure table</a><a href="#quality">conversion quality</a>'
         + ('<a href="#labelled">labelled models</a>' if data.labelled.rows else "")
         + '<a href="#time">where the time went</a></nav>'),
        render_newest(data, layout),
        render_heatmaps(data, layout),
        render_transitions(data),
        _trends(data, columns),
        _study(data),
        _quality(data, columns),
        _labelled(data, columns),
        _times(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _trends(data: ReportData, columns: list[Column]) -> str:
    outcomes = data.outcomes()
    head = "".join(f'<th class="num" title="{esc(o)}">{swatch(o)} {esc(short_code(o))}</th>' for o in outcomes)
    lines = ['<h2 id="trends">Per environment: outcomes and error size</h2>',
             ('<p class="note">Environments in the order of the heatmap\'s columns. Error size: '
              f"{_error_size_metric(data)} over the results that have one (<i>measured</i>). "
              "Outcome codes as in the legend above.</p>"),
             (f'<div class="scroll"><table class="data" id="per-environment"><tr><th>#</th><th>environment</th><th>outcomes</th>{head}'
              '<th class="num sep">median error</th><th class="num">largest error</th><th class="num">measured</th></tr>')]
    for column in columns:
        env = column.env
        counts = data.counts(env["column"])
        size = data.error_size.get(env["column"], {})
        cells = "".join(count_cell(counts[o]) for o in outcomes)
        lines.append(
            f"<tr><td class='num'>{column.number}</td>{_label_cell(column)}"
            f"<td>{_bar(counts)}</td>{cells}<td class='num sep'>{render_number(size.get('median'))}</td>"
            f"<td class='num'>{render_number(size.get('max'))}</td><td class='num'>{size.get('n', '')}</td></tr>"
        )
    lines.append("</table></div>")
    return "\n".join(lines)


def _error_size_metric(data: ReportData) -> str:
    """What the error size is, as the oracles declare it (:attr:`ReportData.drift`)."""
    if not data.drift:
        return "the metric an oracle declares for it (none is known: no oracle plugin here, none in the store)"
    return " or ".join(
        f"the {esc(d.oracle)} oracle's <code>{esc(d.name)}</code>" + (f" ({esc(d.description)})" if d.description else "")
        for d in data.drift
    )


def _bar(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    spans = "".join(f'<span style="width:{100 * n / total:.2f}%;background:{colour(o)}" title="{esc(o)}: {n}"></span>'
                    for o, n in sorted(counts.items(), key=lambda item: outcome_order(item[0])))
    return f'<div class="bar">{spans}</div>'


def _study(data: ReportData) -> str:
    names = ["cases", "results", *(name for name, _ in STUDY_COLUMNS)]
    first_other = names.index(STUDY_COLUMNS[_OTHER_OUTCOMES][0])
    head = "".join(f'<th class="num{" sep" if i == first_other else ""}">{esc(n)}</th>' for i, n in enumerate(names))
    lines = ['<h2 id="study">Failures per converter, as in the study of the ONNX converters</h2>',
             f'<div class="scroll"><table class="data" id="failures"><tr><th>converter</th><th>models</th>{head}</tr>']
    previous = None
    for converter, kind, counts in data.study:
        shown = "" if converter == previous else esc(converter)
        previous = converter
        cells = "".join(count_cell(counts.get(n, 0), " sep" if i == first_other else "") for i, n in enumerate(names))
        lines.append(f"<tr><td class='mono'>{shown}</td><td>{esc(kind)}</td>{cells}</tr>")
    lines.append(
        "</table></div><p class='note'>Counted over results (case x environment); <i>cases</i> is the number of "
        "distinct models. <i>converted</i>: the converter wrote an artifact (what happened to it next is in "
        "the columns after it). The study's columns run from <i>converted</i> to <i>successful</i>; the "
        "ones after the line are the tracker's other outcomes, so that nothing is hidden.</p>")
    return "\n".join(lines)


def _quality(data: ReportData, environments: list[Column]) -> str:
    declared = {column.label: column.description for column in data.quality_columns}
    names = [*declared, *FAULT_LOCATIONS]
    head = "".join(f'<th class="num" title="{esc(declared.get(c, "failures localized here"))}">{esc(c)}</th>'
                   for c in names)
    lines = ['<h2 id="quality">Conversion quality, as in the empirical study of model conversion</h2>',
             ('<p class="note">Per environment: the measures the oracles declare for this table (hover over a '
              "column's name for what it is); and where the failures were localized (the second runtime's "
              "verdict). Empty where nothing was measured.</p>"),
             f'<div class="scroll"><table class="data" id="quality-table"><tr><th>#</th><th>environment</th>{head}</tr>']
    for column in environments:
        line = data.quality.get(column.env["column"], {})
        cells = "".join(f"<td class='num'>{render_number(line.get(c), '&middot;')}</td>" for c in names)
        lines.append(f"<tr><td class='num'>{column.number}</td>{_label_cell(column)}{cells}</tr>")
    lines.append("</table></div>")
    return "\n".join(lines)


def _labelled(data: ReportData, environments: list[Column]) -> str:
    """The per-model table of the cases with labelled inputs (none: no section)."""
    if not data.labelled.rows:
        return ""
    number = {column.env["column"]: column.number for column in environments}
    declared = {column.label: column.description for column in data.quality_columns}
    labels = data.labelled.labels
    head = "".join(f'<th class="num" title="{esc(declared.get(c, ""))}">{esc(c)}</th>' for c in labels)
    lines = ['<h2 id="labelled">Models with labelled inputs, as in the empirical study of model conversion</h2>',
             ('<p class="note">The cases whose inputs are a labelled data set (trained models on a test split): one '
              "row per model and environment (its number as in the tables above), accuracies against the true "
              "labels, before and after conversion.</p>"),
             '<div class="scroll"><table class="data" id="labelled-table"><tr><th>case</th><th>#</th>'
             f'<th>converter</th><th>outcome</th>{head}</tr>']
    for row in data.labelled.rows:
        cells = "".join(f"<td class='num'>{render_number(row.values.get(c), '&middot;')}</td>" for c in labels)
        lines.append(f"<tr><td>{esc(row.case_id)}</td><td class='num'>{number.get(row.column, '?')}</td>"
                     f"<td>{esc(row.converter)}</td><td>{swatch(row.outcome)} {esc(short_code(row.outcome))}</td>"
                     f"{cells}</tr>")
    lines.append("</table></div>")
    return "\n".join(lines)


def _times(data: ReportData) -> str:
    lines = ['<h2 id="time">Where the time of the newest sweep went</h2>']
    if not data.times:
        return lines[0] + "<p>No sweep with stored times (<code>nox -s sweep</code> stores them).</p>"
    wall = sum(p.wall for p in data.times)
    lines.append(f'<p class="note">Sweep <code>{esc(data.sweep_id or "")}</code>, as <code>tracker time</code> '
                 f"prints it: {len(data.times)} pairs, {esc(duration(wall))} wall. Case stages are summed over "
                 "cases; their share of the wall time is divided by the jobs that ran at once. "
                 "<i>overhead</i>: the wall time no stage accounts for.</p>")
    lines.append('<div class="scroll"><table class="data" id="time-pairs"><tr><th>pair</th><th class="num">cases</th>'
                 '<th class="num">wall</th><th class="num">env build s</th><th class="num">overhead s</th></tr>')
    for pair in data.times:
        lines.append(f"<tr><td class='mono label'>{esc(pair.pair)}</td><td class='num'>{pair.cases}</td>"
                     f"<td class='num'>{esc(duration(pair.wall))}</td>"
                     f"<td class='num'>{pair.seconds('env_build'):.1f}</td>"
                     f"<td class='num'>{pair.seconds('overhead'):.1f}</td></tr>")
    lines.append('</table></div><div class="scroll"><table class="data" id="time-stages"><tr><th>stage</th><th class="num">seconds</th>'
                 '<th class="num">share</th><th class="num">per case</th><th class="num">cases</th></tr>')
    for stage in totals(data.times):
        share = stage.wall_share_seconds / wall if wall > 0 else 0.0
        per_case = f"{stage.per_case:.2f}" if stage.per_case is not None else "&middot;"
        lines.append(f"<tr><td class='mono'>{esc(stage.stage)}</td><td class='num'>{stage.seconds:.1f}</td>"
                     f"<td class='num'>{share:.1%}</td><td class='num'>{per_case}</td>"
                     f"<td class='num'>{stage.cases}</td></tr>")
    lines.append("</table></div>")
    return "\n".join(lines)


def _label_cell(column: Column) -> str:
    """An environment's label, wrapping inside its cell; its mark when its pair did not finish."""
    mark = f' <span class="mark">{esc(column.note)}</span>' if column.mark else ""
    return f"<td class='mono label'>{esc(column.env['label'] or column.env['env_id'])}{mark}</td>"
