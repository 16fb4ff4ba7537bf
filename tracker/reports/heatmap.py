"""The page's outcome heatmap: one row per case, one narrow numbered column per
environment (grouped by converter, in the matrix's order), each cell coloured by outcome
with the outcome and the error signature as its tooltip; the numbered environments are
listed beside it."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from tracker.outcomes import Outcome
from tracker.render import outcome_code
from tracker.reports.data import ReportData
from tracker.reports.style import NO_RESULT, colour, esc, swatch


def render_heatmap(data: ReportData) -> str:
    firsts = {group[0]["column"] for _, group in _by_converter(data.environments)}
    rows = []
    previous_kind = None
    for case_id, kind in data.cases:
        cells = "".join(_cell(data.cell(case_id, env["column"]), env["column"] in firsts)
                        for env in data.environments)
        css = ' class="break"' if previous_kind not in (None, kind) else ""
        previous_kind = kind
        rows.append(f'<tr{css}><td class="case">{esc(case_id)}</td><td class="kind">{esc(kind)}</td>{cells}</tr>')
    table = (f'<div class="heatmap"><table id="outcomes">{_head(data, firsts)}'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    return (f'<h2 id="heatmap">Outcomes: cases x environments</h2>{legend()}'
            f'<div class="matrix">{table}{_environments(data)}</div>')


def legend() -> str:
    items = [f"<li>{swatch(o.value)} {esc(o.value)} ({esc(o.code)})</li>" for o in Outcome]
    items.append(f'<li><span class="swatch" style="background:{NO_RESULT}"></span> no result</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _cell(row: dict[str, Any] | None, first: bool) -> str:
    css = "cell first" if first else "cell"
    if row is None:
        return f'<td class="{css} none" title="no result"></td>'
    kind = row["outcome"] + (f"/{row['subkind']}" if row["subkind"] else "")
    tip = f"{kind}: {row['signature']}" if row["signature"] else kind
    return (f'<td class="{css}" data-outcome="{esc(row["outcome"])}" style="background:{colour(row["outcome"])}" '
            f'title="{esc(tip)}"><span hidden>{esc(outcome_code(row))}</span></td>')


def _head(data: ReportData, firsts: set[str]) -> str:
    groups = "".join(f'<th colspan="{len(group)}" class="first" title="{esc(converter)}">{esc(converter)}</th>'
                     for converter, group in _by_converter(data.environments))
    numbers = "".join(f'<th{" class=first" if env["column"] in firsts else ""} title="{esc(env["label"])}">{i}</th>'
                      for i, env in enumerate(data.environments, 1))
    return (f'<thead><tr class="groups"><th class="label" colspan="2"></th>{groups}</tr>'
            f'<tr class="columns"><th class="label">case</th><th>kind</th>{numbers}</tr></thead>')


def _environments(data: ReportData) -> str:
    """The numbered columns' environments, under their converter."""
    labels = Counter(e["label"] for e in data.environments)
    numbers = {e["column"]: i for i, e in enumerate(data.environments, 1)}
    lines = []
    for converter, group in _by_converter(data.environments):
        lines.append(f'<tr><td></td><td class="converter">{esc(converter)}</td></tr>')
        for env in group:
            text = _versions(env, converter)
            if labels[env["label"]] > 1:
                text += f" [env {env['env_id']}]"
            broken = "" if env["buildable"] else ' <span class="broken">(could not be built)</span>'
            lines.append(f'<tr><td class="num">{numbers[env["column"]]}</td><td>{esc(text)}{broken}</td></tr>')
    return f'<table class="envs mono">{"".join(lines)}</table>'


def _versions(env: dict[str, Any], converter: str) -> str:
    """The label without its leading ``pipeline.variant``: the versions that tell columns apart."""
    label = env["label"] or env["env_id"]
    return label.removeprefix(converter).strip() or label


def _by_converter(environments: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(converter, list(group)) for converter, group in
            itertools.groupby(environments, key=lambda e: f"{e['pipeline']}.{e['variant']}")]
