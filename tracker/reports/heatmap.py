"""The page's outcome heatmaps, one per pipeline variant (:mod:`.sections`): one row per
case of the section, one narrow numbered column per environment, each cell coloured by
outcome with the outcome and the error signature as its tooltip; the numbered
environments are listed beside the heatmap (wrapping, never widening the page), a column
whose pair did not finish is marked in both."""

from __future__ import annotations

from typing import Any

from tracker.outcomes import Outcome
from tracker.render import outcome_code
from tracker.reports.data import ReportData
from tracker.reports.sections import Column, Section
from tracker.reports.style import NO_RESULT, colour, esc, swatch


def render_heatmaps(data: ReportData, layout: list[Section]) -> str:
    limited = [s.converter for s in layout if s.limited]
    note = (f" Last: {esc(', '.join(limited))}, whose runtime could not run where these results were made "
            "(<i>not runnable</i>: it converts and checks only)." if limited else "")
    parts = ['<h2 id="heatmap">Outcomes: cases x environments, per pipeline</h2>',
             (f'<p class="note">One heatmap per pipeline, those that ran first.{note} A column marked '
              f'<span class="swatch unfinished"></span> is a pair that did not finish: interrupted, still '
              "running, or partial (hover over its number).</p>"),
             legend(),
             "<nav>" + "".join(f'<a href="#{esc(s.anchor)}">{esc(s.converter)}</a>' for s in layout) + "</nav>"]
    parts += [_section(data, section) for section in layout]
    return "\n".join(parts)


def legend() -> str:
    items = [f"<li>{swatch(o.value)} {esc(o.value)} ({esc(o.code)})</li>" for o in Outcome]
    items.append(f'<li><span class="swatch" style="background:{NO_RESULT}"></span> no result</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _section(data: ReportData, section: Section) -> str:
    unfinished = sum(1 for c in section.columns if c.mark)
    counts = (f"{len(section.cases)} cases x {len(section.columns)} environments"
              + (f", {unfinished} not finished" if unfinished else ""))
    limited = ' <span class="limited">not runnable here</span>' if section.limited else ""
    rows = []
    previous_kind = None
    for case_id, kind in section.cases:
        cells = "".join(_cell(data.cell(case_id, c.env["column"]), c) for c in section.columns)
        css = ' class="break"' if previous_kind not in (None, kind) else ""
        previous_kind = kind
        rows.append(f'<tr{css}><td class="case">{esc(case_id)}</td><td class="kind">{esc(kind)}</td>{cells}</tr>')
    table = (f'<div class="heatmap"><table class="outcomes">{_head(section)}'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    return (f'<h3 id="{esc(section.anchor)}">{esc(section.converter)}{limited} '
            f'<span class="count">{counts}</span></h3><div class="matrix">{table}{_environments(section)}</div>')


def _cell(row: dict[str, Any] | None, column: Column) -> str:
    css = "cell unfinished" if column.mark else "cell"
    if row is None:
        return f'<td class="{css} none" title="no result{esc(f" ({column.note})" if column.mark else "")}"></td>'
    kind = row["outcome"] + (f"/{row['subkind']}" if row["subkind"] else "")
    tip = f"{kind}: {row['signature']}" if row["signature"] else kind
    return (f'<td class="{css}" data-outcome="{esc(row["outcome"])}" style="background:{colour(row["outcome"])}" '
            f'title="{esc(tip)}"><span hidden>{esc(outcome_code(row))}</span></td>')


def _head(section: Section) -> str:
    numbers = "".join(f'<th{" class=unfinished" if c.mark else ""} title="{esc(_label(c))}'
                      f'{esc(f" ({c.note})" if c.mark else "")}">{c.number}</th>' for c in section.columns)
    return f'<thead><tr class="columns"><th class="label">case</th><th>kind</th>{numbers}</tr></thead>'


def _environments(section: Section) -> str:
    """The numbered columns' environments by name, wrapping: each is a nox session,
    ``nox -s "sweep(NAME)"`` runs it again."""
    labels = [_label(c) for c in section.columns]
    lines = []
    for column, text in zip(section.columns, labels, strict=True):
        if labels.count(text) > 1:
            text += f" [env {column.env['env_id']}]"
        notes = [] if column.env["buildable"] else ['<span class="broken">(could not be built)</span>']
        if column.mark:
            notes.append(f'<span class="mark">{esc(column.note)}</span>')
        lines.append(f'<tr><td class="num">{column.number}</td><td title="{esc(_label(column))}">{esc(text)}'
                     f'{" " if notes else ""}{" ".join(notes)}</td></tr>')
    return f'<table class="envs mono">{"".join(lines)}</table>'


def _label(column: Column) -> str:
    return column.env["label"] or column.env["env_id"]
