"""The page's version steps: first what changed at the newest step of each axis
(:mod:`.newest`), at the top of the page; then every other step, below the heatmaps.
One line per step: the cases that changed together at it."""

from __future__ import annotations

from tracker.reports.data import ReportData
from tracker.reports.newest import NewestStep, newest_of
from tracker.reports.sections import Section
from tracker.reports.steps import ALWAYS_COUNTED, HEADLINE_KINDS, LABELS, Step, detail, summary
from tracker.reports.style import count_cell, esc

_SHOWN_CASES = 8  # of a step's cases, before "and N more"
_COUNTED = ("regression", "fix", "signature_change")  # a column each; drift and slowdowns share one


def render_newest(data: ReportData, layout: list[Section]) -> str:
    order = {section.converter: index for index, section in enumerate(layout)}
    limited = {section.converter for section in layout if section.limited}
    # what changed first, then the pipelines in the page's order (those that ran first)
    newest = sorted(data.newest, key=lambda n: (not n.steps, order.get(n.converter, len(order))))
    steps = [step for item in newest for step in item.steps]
    lines = ['<h2 id="newest">What changed at the newest step of each axis</h2>',
             ('<p class="note">For each pipeline and each package that varies in it, the step into its newest '
              "version stored, every other package held fixed (at any of its versions): "
              f"{esc(summary(steps))}. Steps with changes first, then the pipelines that ran; every older step is "
              '<a href="#transitions">below the heatmaps</a>.</p>')]
    if not newest:
        return "\n".join([*lines, "<p>No package varies in any pipeline yet: nothing to compare.</p>"])
    head = "".join(f'<th class="num">{esc(LABELS[kind])}</th>' for kind in _COUNTED)
    lines.append(f'<div class="scroll"><table class="data" id="newest-steps"><tr><th>pipeline</th><th>package</th>'
                 f'<th>newest step</th>{head}<th class="num">other changes</th></tr>')
    lines += [_newest_line(item, item.converter in limited) for item in newest]
    lines.append("</table></div>")
    for kind in HEADLINE_KINDS:
        chosen = [s for s in steps if s.kind == kind]
        if chosen:
            lines.append(f'<h3 id="newest-{kind}">{esc(LABELS[kind]).capitalize()} at the newest steps '
                         f"({sum(len(s.transitions) for s in chosen)})</h3>")
            lines.append(steps_table(chosen, spelled_out=kind == "regression"))
    lines.append(_others(steps, "at the newest steps"))
    return "\n".join(lines)


def _newest_line(item: NewestStep, limited: bool) -> str:
    counts = "".join(count_cell(item.count(kind)) for kind in _COUNTED)
    others = sum(len(s.transitions) for s in item.steps if s.kind not in _COUNTED)
    note = ' <span class="limited">not runnable here</span>' if limited else ""
    return (f"<tr><td class='mono'>{esc(item.converter)}{note}</td><td>{esc(item.axis)}</td>"
            f"<td class='mono'>{esc(item.before)}&nbsp;&rarr;&nbsp;{esc(item.after)}</td>{counts}"
            f"{count_cell(others)}</tr>")


def render_transitions(data: ReportData) -> str:
    shown = newest_of(data.newest)
    steps = [s for s in data.steps if s not in shown]
    lines = ['<h2 id="transitions">Regressions and fixes at the older steps</h2>',
             (f'<p class="note">Between neighbouring versions of one package, every other package held fixed '
              f'(<code>tracker regressions</code>, <code>tracker fixes</code>), the newest steps '
              f'<a href="#newest">at the top</a> aside: {esc(summary(steps))}. '
              "One line per version step; hover over a case for what changed.</p>")]
    for kind in HEADLINE_KINDS:
        chosen = [s for s in steps if s.kind == kind]
        if not chosen and kind not in ALWAYS_COUNTED:
            continue
        lines.append(f'<h3 id="{kind}">{esc(LABELS[kind]).capitalize()} ({sum(len(s.transitions) for s in chosen)})</h3>')
        lines.append(steps_table(chosen, spelled_out=kind == "regression") if chosen else "<p>None.</p>")
    lines.append(_others(steps, ""))
    return "\n".join(lines)


def _others(steps: list[Step], where: str) -> str:
    """The other kinds (signature changes, drift, slowdowns), folded."""
    others = [s for s in steps if s.kind not in HEADLINE_KINDS]
    if not others:
        return ""
    return (f"<details><summary>Other changes{' ' + where if where else ''}: "
            f"{sum(len(s.transitions) for s in others)} (signature changes, drift, slowdowns)</summary>"
            f"{steps_table(others, kind_column=True)}</details>")


def steps_table(steps: list[Step], *, spelled_out: bool = False, kind_column: bool = False) -> str:
    head = "<th>kind</th>" if kind_column else ""
    lines = [(f'<div class="scroll"><table class="data steps"><tr>{head}<th>converter</th><th>package</th>'
              "<th>step</th><th>held fixed</th><th>cases</th></tr>")]
    for step in steps:
        if spelled_out:  # few and important: what each case does now, in full
            cases = "<br>".join(f'<span class="mono">{esc(t.case_id)}</span>: {esc(detail(t))}' for t in step.transitions)
        else:
            cases = _case_list(step)
        kind = f"<td>{esc(LABELS[step.kind])}</td>" if kind_column else ""
        lines.append(
            f"<tr>{kind}<td class='mono'>{esc(step.converter)}</td><td>{esc(step.axis)}</td>"
            f"<td class='mono nowrap'>{esc(step.before)}&nbsp;&rarr;&nbsp;{esc(step.after)}</td>"
            f"<td class='mono'>{esc(step.context)}</td>"
            f"<td class='cases'><b>{len(step.transitions)}</b>: {cases}</td></tr>"
        )
    lines.append("</table></div>")
    return "\n".join(lines)


def _case_list(step: Step) -> str:
    """The cases, each with what changed as its tooltip; a long list folded after a few."""
    names = [f'<span class="mono" title="{esc(detail(t))}">{esc(t.case_id)}</span>' for t in step.transitions]
    if len(names) <= _SHOWN_CASES:
        return ", ".join(names)
    return (", ".join(names[:_SHOWN_CASES]) + f" <details class='more'><summary>and {len(names) - _SHOWN_CASES}"
            f" more</summary>{', '.join(names[_SHOWN_CASES:])}</details>")
