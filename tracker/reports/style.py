"""What every section of the HTML page shares: the outcome colours, the stylesheet, and
the one way text reaches the page (:func:`esc`)."""

from __future__ import annotations

from html import escape
from typing import Any

from tracker.outcomes import Outcome

COLOURS = {
    "ok": "#2e7d32", "convert_error": "#ef6c00", "invalid_model": "#8e24aa",
    "runtime_load_error": "#1565c0", "runtime_error": "#ad1457", "incorrect": "#d50000",
    "timeout": "#5d4037", "crash": "#000000", "env_error": "#757575", "not_runnable": "#90a4ae",
}
NO_RESULT = "#eeeeee"
UNKNOWN = "#cccccc"  # an outcome this tracker does not know (a store from a newer one)
# a column whose pair did not finish: its number, its missing cells
UNFINISHED = "repeating-linear-gradient(135deg, #ffb74d 0 3px, #fff 3px 6px)"

STYLE = f"""
body {{ font: 13px/1.4 system-ui, sans-serif; margin: 1.2em 1.5em; color: #222; }}
h1 {{ font-size: 20px; margin: 0 0 .2em; }} h2 {{ font-size: 16px; margin: 1.8em 0 .5em; }}
h3 {{ font-size: 14px; margin: 1.2em 0 .4em; }} nav a {{ display: inline-block; margin-right: 1em; }}
table {{ border-collapse: collapse; }} th, td {{ padding: 2px 6px; text-align: left; vertical-align: top; }}
.data td, .data th {{ border-bottom: 1px solid #eee; }} .data th {{ font-size: 12px; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }} .zero {{ color: #bbb; }}
.sep {{ border-left: 2px solid #ccc; }}
.mono {{ font-family: ui-monospace, monospace; font-size: 12px; }}
.note {{ color: #555; max-width: 70em; }}
.swatch {{ display: inline-block; width: 11px; height: 11px; vertical-align: -1px; border-radius: 2px; }}
.legend {{ list-style: none; padding: 0; margin: .4em 0; }}
.legend li {{ display: inline-block; margin-right: 1.1em; white-space: nowrap; }}
.scroll {{ overflow-x: auto; max-width: 100%; }}
.label {{ overflow-wrap: anywhere; min-width: 14em; max-width: 34em; }}
.count {{ font-weight: normal; font-size: 12px; color: #666; }}
.limited {{ font-weight: normal; font-size: 11px; background: #eceff1; padding: 0 .4em; border-radius: 3px; }}
.mark {{ color: #a04000; font-weight: 600; }}
.matrix {{ display: flex; gap: 1.2em; align-items: flex-start; max-width: 100%; }}
.heatmap {{ flex: 0 1 auto; min-width: 0; overflow: auto; max-height: 72vh; border: 1px solid #ccc; }}
.heatmap table {{ border-collapse: separate; border-spacing: 0; }}
.heatmap thead {{ position: sticky; top: 0; z-index: 2; }}
.heatmap thead th {{ background: #fff; font-weight: normal; font-size: 10px; line-height: 14px;
                    padding: 0; text-align: center; white-space: nowrap; overflow: hidden; }}
.heatmap thead tr.columns th {{ border-bottom: 1px solid #888; }}
.heatmap th.label {{ position: sticky; left: 0; z-index: 3; text-align: left; padding-left: 4px; }}
.heatmap td {{ padding: 0; }}
.heatmap td.cell {{ width: 15px; min-width: 15px; height: 13px; border: solid #fff; border-width: 0 1px 1px 0; }}
.heatmap td.none {{ background: {NO_RESULT}; }}
.heatmap th.unfinished, .heatmap td.none.unfinished, .swatch.unfinished {{ background: {UNFINISHED}; }}
.heatmap td.case {{ position: sticky; left: 0; z-index: 1; background: #fff; white-space: nowrap;
                   font: 11px/13px ui-monospace, monospace; padding: 0 .8em 0 4px; }}
.heatmap td.kind {{ font-size: 10px; line-height: 13px; color: #777; padding: 0 6px 0 0; background: #fff; }}
.heatmap tr.break td {{ border-top: 2px solid #555; }}
.heatmap tbody tr:hover td.case, .heatmap tbody tr:hover td.kind {{ background: #fff3b0; }}
.envs {{ flex: 1 1 24em; min-width: 18em; max-width: 44em; margin: 0; font-size: 11px; line-height: 15px; }}
.envs td {{ overflow-wrap: anywhere; padding: 0 4px; }} .envs td.num {{ white-space: nowrap; }}
.envs .broken {{ color: #b00020; }}
.bar {{ display: flex; width: 260px; height: 11px; background: {NO_RESULT}; margin-top: 3px; }}
.cases {{ max-width: 60em; }} .cases span {{ white-space: nowrap; }}
.nowrap {{ white-space: nowrap; }}
details summary {{ cursor: pointer; margin: .8em 0 .4em; font-weight: 600; }}
details.more {{ display: inline; }} details.more summary {{ display: inline; margin: 0; font-weight: normal; color: #1a5fb4; }}
"""


def esc(value: Any) -> str:
    """Text for the page, escaped for element content and attribute values alike."""
    return escape("" if value is None else str(value), quote=True)


def colour(outcome: str) -> str:
    return COLOURS.get(outcome, UNKNOWN)


def outcome_order(outcome: str) -> int:
    """The taxonomy's order; unknown outcomes last."""
    order = [o.value for o in Outcome]
    return order.index(outcome) if outcome in order else len(order)


def swatch(outcome: str) -> str:
    return f'<span class="swatch" style="background:{colour(outcome)}"></span>'


def count_cell(n: int, css: str = "") -> str:
    """A table's count: a dot for none, so that the numbers stand out."""
    return f'<td class="num{css}">{n}</td>' if n else f'<td class="num zero{css}">&middot;</td>'
