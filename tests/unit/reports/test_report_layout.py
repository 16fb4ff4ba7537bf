"""The page's layout of a big matrix (tests/planted_matrix.py, 67 pairs): what changed at
the newest steps leads, one heatmap per pipeline with those that ran first, columns of
pairs that did not finish marked, labels that wrap instead of widening the page."""

from __future__ import annotations

import collections

import pytest
from planted_matrix import CASES, FIXED, INTERRUPTED, ORT, PAIRS, REGRESSED, RUNNING, planted_matrix_data

from tracker.reports.html import render_html
from tracker.reports.sections import sections

RUNNABLE = ["tf2onnx.function", "tf2onnx.keras", "torch-onnx.dynamo", "torch-onnx.torchscript",
            "torch-onnx.torchscript-dynamic"]
CORE_ML = ["torch-coreml.mlprogram-fp16", "torch-coreml.mlprogram-fp32", "torch-coreml.neuralnetwork"]



@pytest.fixture(scope="module")
def matrix_data(tmp_path_factory):
    return planted_matrix_data(tmp_path_factory)

def _column(layout, variant, versions):
    (column,) = [c for s in layout for c in s.columns
                 if c.env["variant"] == variant and all(f"-{v} " in c.env["label"] + " " for v in versions)]
    return column


def test_one_section_per_pipeline_those_that_ran_first(matrix_data):
    layout = sections(matrix_data)
    assert [s.converter for s in layout] == RUNNABLE + CORE_ML
    assert [s.limited for s in layout] == [False] * len(RUNNABLE) + [True] * len(CORE_ML)
    numbers = [c.number for s in layout for c in s.columns]
    assert numbers == list(range(1, PAIRS + 1))  # numbered across the page, in its order


def test_columns_of_pairs_that_did_not_finish_are_marked(matrix_data):
    layout = sections(matrix_data)
    marks = collections.Counter(c.mark for s in layout for c in s.columns)
    assert marks == {None: PAIRS - 2, "interrupted": 1, "not finished": 1}
    interrupted = _column(layout, *INTERRUPTED)
    assert interrupted.note == f"interrupted: {len(CASES) // 2} of {len(CASES)} cases"
    assert _column(layout, *RUNNING).mark == "not finished"
    page = render_html(matrix_data)
    assert page.count('<th class=unfinished title="') == 2
    assert f'<span class="mark">{interrupted.note}</span>' in page


def test_a_column_missing_cases_of_a_finished_run_is_partial(matrix_data):
    import dataclasses

    from tracker.reports.data import ReportData

    (dropped,) = [r for r in matrix_data.rows if r["variant"] == "torchscript" and r["case_id"] == CASES[0].id
                  and f"onnxruntime-{ORT[0]} " in r["label"] and "torch-2.12.0" in r["label"]]
    fields = {f.name: getattr(matrix_data, f.name) for f in dataclasses.fields(ReportData)}
    fewer = ReportData(**(fields | {"rows": [r for r in matrix_data.rows if r is not dropped]}))
    column = _column(sections(fewer), "torchscript", ("2.12.0", ORT[0]))
    assert column.note == f"partial: {len(CASES) - 1} of {len(CASES)} cases"


def test_the_page_leads_with_the_newest_step_of_each_axis(matrix_data):
    (torchscript,) = [n for n in matrix_data.newest if n.converter == "torch-onnx.torchscript"
                      and n.axis == "onnxruntime"]
    assert (torchscript.before, torchscript.after) == ORT[-2:]
    # each case once at torch 2.12.0 and once at 2.13.0
    assert (torchscript.count("regression"), torchscript.count("fix")) == (2 * len(REGRESSED), 2)
    assert {t.case_id for s in torchscript.steps if s.kind == "regression" for t in s.transitions} == set(REGRESSED)
    assert {t.case_id for s in torchscript.steps if s.kind == "fix" for t in s.transitions} == {FIXED}
    axes = {(n.converter, n.axis) for n in matrix_data.newest}
    assert ("torch-onnx.dynamo", "onnxscript") in axes and ("torch-coreml.neuralnetwork", "coremltools") in axes
    page = render_html(matrix_data)
    assert page.index('id="newest"') < page.index('id="heatmap"') < page.index('id="transitions"')
    newest = page.split('id="newest-steps"', 1)[1].split("</table>", 1)[0]
    first = newest.split("<tr>")[2]  # after the header: the step with changes leads
    assert "torch-onnx.torchscript" in first and "onnxruntime" in first
    older = page.split('id="transitions"', 1)[1]
    assert REGRESSED[0] not in older  # shown at the top, not twice


def test_labels_wrap_and_wide_tables_scroll_in_their_own_box(matrix_data):
    page = render_html(matrix_data)
    assert "nowrap'>" + matrix_data.environments[0]["label"] not in page
    for table in ("per-environment", "quality-table", "failures", "newest-steps"):
        assert f'<div class="scroll"><table class="data" id="{table}">' in page
    heatmaps = page.count('<div class="matrix"><div class="heatmap">')
    assert heatmaps == page.count('<table class="envs mono">') == len(RUNNABLE + CORE_ML)
