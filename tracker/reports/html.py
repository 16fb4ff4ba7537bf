"""The report as one static HTML page: no script, no network resource, every piece of
text from the store (messages, signatures, ids, labels) escaped by :func:`.style.esc`."""

from __future__ import annotations

import datetime as dt

from tracker.render import render_number
from tracker.reports.data import FAULT_LOCATIONS, STUDY_COLUMNS, ReportData, short_code
from tracker.reports.heatmap import render_heatmap
from tracker.reports.steps import HEADLINE_KINDS, LABELS, Step, detail, summary
from tracker.reports.style import STYLE, colour, esc, outcome_order, swatch
from tracker.reports.times import duration
from tracker.store.times import totals

_OTHER_OUTCOMES = 5  # STUDY_COLUMNS: the study's five, then the rest
_SHOWN_CASES = 8  # of a step's cases, before "and N more"


def render_html(data: ReportData, title: str = "Converter regression report") -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        (f"<p>{len(data.rows)} results: {len(data.cases)} cases x {len(data.environments)} "
         f"environments; written {dt.datetime.now():%Y-%m-%d %H:%M}.</p>"),
        ('<nav><a href="#heatmap">outcomes</a><a href="#trends">per environment</a>'
         '<a href="#transitions">regressions and fixes</a><a href="#study">failure table</a>'
         '<a href="#quality">conversion quality</a><a href="#time">where the time went</a></nav>'),
        render_heatmap(data),
        _trends(data),
        _transitions(data),
        _study(data),
        _quality(data),
        _times(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _trends(data: ReportData) -> str:
    outcomes = data.outcomes()
    head = "".join(f'<th class="num" title="{esc(o)}">{swatch(o)} {esc(short_code(o))}</th>' for o in outcomes)
    lines = ['<h2 id="trends">Per environment: outcomes and error size</h2>',
             ('<p class="note">Environments in the order of the heatmap\'s columns. Error size: '
              f"{_error_size_metric(data)} over the results that have one (<i>measured</i>). "
              "Outcome codes as in the legend above.</p>"),
             (f'<table class="data" id="per-environment"><tr><th>#</th><th>environment</th><th>outcomes</th>{head}'
              '<th class="num sep">median error</th><th class="num">largest error</th><th class="num">measured</th></tr>')]
    for index, env in enumerate(data.environments, 1):
        counts = data.counts(env["column"])
        size = data.error_size.get(env["column"], {})
        cells = "".join(_count(counts[o]) for o in outcomes)
        lines.append(
            f"<tr><td class='num'>{index}</td><td class='mono nowrap'>{esc(env['label'] or env['env_id'])}</td>"
            f"<td>{_bar(counts)}</td>{cells}<td class='num sep'>{render_number(size.get('median'))}</td>"
            f"<td class='num'>{render_number(size.get('max'))}</td><td class='num'>{size.get('n', '')}</td></tr>"
        )
    lines.append("</table>")
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


def _transitions(data: ReportData) -> str:
    lines = ['<h2 id="transitions">Regressions and fixes</h2>',
             (f'<p class="note">Between neighbouring versions of one package, every other package held fixed '
              f'(<code>tracker regressions</code>, <code>tracker fixes</code>): {esc(summary(data.steps))}. '
              "One line per version step; hover over a case for what changed.</p>")]
    for kind in HEADLINE_KINDS:
        steps = [s for s in data.steps if s.kind == kind]
        lines.append(f'<h3 id="{kind}">{esc(LABELS[kind]).capitalize()} ({sum(len(s.transitions) for s in steps)})</h3>')
        lines.append(_steps_table(steps, spelled_out=kind == "regression") if steps else "<p>None.</p>")
    others = [s for s in data.steps if s.kind not in HEADLINE_KINDS]
    if others:
        lines.append(f"<details><summary>Other changes: {sum(len(s.transitions) for s in others)} "
                     f"(signature changes, drift, slowdowns)</summary>{_steps_table(others, kind_column=True)}</details>")
    return "\n".join(lines)


def _steps_table(steps: list[Step], *, spelled_out: bool = False, kind_column: bool = False) -> str:
    head = "<th>kind</th>" if kind_column else ""
    lines = [(f'<table class="data steps"><tr>{head}<th>converter</th><th>package</th><th>step</th>'
              "<th>held fixed</th><th>cases</th></tr>")]
    for step in steps:
        if spelled_out:  # few and important: what each case does now, in full
            cases = "<br>".join(f'<span class="mono">{esc(t.case_id)}</span>: {esc(detail(t))}' for t in step.transitions)
        else:
            cases = _case_list(step)
        kind = f"<td>{esc(LABELS[step.kind])}</td>" if kind_column else ""
        lines.append(
            f"<tr>{kind}<td class='mono'>{esc(step.converter)}</td><td>{esc(step.axis)}</td>"
            f"<td class='mono'>{esc(step.before)}&nbsp;&rarr;&nbsp;{esc(step.after)}</td>"
            f"<td class='mono'>{esc(step.context)}</td>"
            f"<td class='cases'><b>{len(step.transitions)}</b>: {cases}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _case_list(step: Step) -> str:
    """The cases, each with what changed as its tooltip; a long list folded after a few."""
    names = [f'<span class="mono" title="{esc(detail(t))}">{esc(t.case_id)}</span>' for t in step.transitions]
    if len(names) <= _SHOWN_CASES:
        return ", ".join(names)
    return (", ".join(names[:_SHOWN_CASES]) + f" <details class='more'><summary>and {len(names) - _SHOWN_CASES}"
            f" more</summary>{', '.join(names[_SHOWN_CASES:])}</details>")


def _study(data: ReportData) -> str:
    names = ["cases", "results", *(name for name, _ in STUDY_COLUMNS)]
    first_other = names.index(STUDY_COLUMNS[_OTHER_OUTCOMES][0])
    head = "".join(f'<th class="num{" sep" if i == first_other else ""}">{esc(n)}</th>' for i, n in enumerate(names))
    lines = ['<h2 id="study">Failures per converter, as in the study of the ONNX converters</h2>',
             f'<table class="data" id="failures"><tr><th>converter</th><th>models</th>{head}</tr>']
    previous = None
    for converter, kind, counts in data.study:
        shown = "" if converter == previous else esc(converter)
        previous = converter
        cells = "".join(_count(counts.get(n, 0), " sep" if i == first_other else "") for i, n in enumerate(names))
        lines.append(f"<tr><td class='mono'>{shown}</td><td>{esc(kind)}</td>{cells}</tr>")
    lines.append(
        "</table><p class='note'>Counted over results (case x environment); <i>cases</i> is the number of "
        "distinct models. <i>converted</i>: the converter wrote an artifact (what happened to it next is in "
        "the columns after it). The study's columns run from <i>converted</i> to <i>successful</i>; the "
        "ones after the line are the tracker's other outcomes, so that nothing is hidden.</p>")
    return "\n".join(lines)


def _quality(data: ReportData) -> str:
    declared = {column.label: column.description for column in data.quality_columns}
    columns = [*declared, *FAULT_LOCATIONS]
    head = "".join(f'<th class="num" title="{esc(declared.get(c, "failures localized here"))}">{esc(c)}</th>'
                   for c in columns)
    lines = ['<h2 id="quality">Conversion quality, as in the empirical study of model conversion</h2>',
             ('<p class="note">Per environment: the measures the oracles declare for this table (hover over a '
              "column's name for what it is); and where the failures were localized (the second runtime's "
              "verdict). Empty where nothing was measured.</p>"),
             f'<table class="data" id="quality-table"><tr><th>#</th><th>environment</th>{head}</tr>']
    for index, env in enumerate(data.environments, 1):
        line = data.quality.get(env["column"], {})
        cells = "".join(f"<td class='num'>{render_number(line.get(c), '&middot;')}</td>" for c in columns)
        lines.append(f"<tr><td class='num'>{index}</td><td class='mono nowrap'>"
                     f"{esc(env['label'] or env['env_id'])}</td>{cells}</tr>")
    lines.append("</table>")
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
    lines.append('<table class="data" id="time-pairs"><tr><th>pair</th><th class="num">cases</th>'
                 '<th class="num">wall</th><th class="num">env build s</th><th class="num">overhead s</th></tr>')
    for pair in data.times:
        lines.append(f"<tr><td class='mono'>{esc(pair.pair)}</td><td class='num'>{pair.cases}</td>"
                     f"<td class='num'>{esc(duration(pair.wall))}</td>"
                     f"<td class='num'>{pair.seconds('env_build'):.1f}</td>"
                     f"<td class='num'>{pair.seconds('overhead'):.1f}</td></tr>")
    lines.append('</table><table class="data" id="time-stages"><tr><th>stage</th><th class="num">seconds</th>'
                 '<th class="num">share</th><th class="num">per case</th><th class="num">cases</th></tr>')
    for stage in totals(data.times):
        share = stage.wall_share_seconds / wall if wall > 0 else 0.0
        per_case = f"{stage.per_case:.2f}" if stage.per_case is not None else "&middot;"
        lines.append(f"<tr><td class='mono'>{esc(stage.stage)}</td><td class='num'>{stage.seconds:.1f}</td>"
                     f"<td class='num'>{share:.1%}</td><td class='num'>{per_case}</td>"
                     f"<td class='num'>{stage.cases}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _count(n: int, css: str = "") -> str:
    return f'<td class="num{css}">{n}</td>' if n else f'<td class="num zero{css}">&middot;</td>'
