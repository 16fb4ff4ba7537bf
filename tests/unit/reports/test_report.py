"""The report: every section from a planted store, in the terminal and as HTML, with
every text from the store escaped.

The store is the planted one of tests/planted_store.py (regressions, fixes, signature changes,
drift and slowdowns along two axes) plus a variant ``jit`` planted here: onnxruntime
1.9.0 -> 1.20.1, where two cases break at once (one of them with a hostile id, label and
signature), a crash after conversion becomes a timeout during it, and an older definition
of a case has a huge error that must not count.
"""

from __future__ import annotations

import pytest
from conftest import tracker
from planted_store import EXPECTED, _keys, build_planted_store
from tracker_fake_plugin import fake_case

from tracker.envinfo import Environment
from tracker.reports.data import STUDY_KINDS, gather
from tracker.reports.html import render_html
from tracker.reports.steps import group_steps
from tracker.reports.terminal import render_terminal
from tracker.store import ResultRecord, Store, VerdictRecord

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
HOSTILE_ID = "hostile<u>\"&'"  # a case id may hold anything but spaces and '/'
ESCAPED_ID = "hostile&lt;u&gt;&quot;&amp;&#x27;"
ESCAPE_SEQUENCE = "\x1b[31m"
# results of the newest definitions: 10 cases x 6 dynamo columns, 1 x 2 torchscript, 3 x 2 jit
PLANTED_RESULTS = 10 * 6 + 1 * 2 + 3 * 2
# the transitions _plant_jit plants, beside test_transitions' EXPECTED
JIT_TRANSITIONS = {
    ("regression", HOSTILE_ID, "onnxruntime", "1.9.0", "1.20.1", "torch-onnx.jit"),
    ("regression", "jit-second", "onnxruntime", "1.9.0", "1.20.1", "torch-onnx.jit"),
    ("signature_change", "jit-crashing", "onnxruntime", "1.9.0", "1.20.1", "torch-onnx.jit"),  # crash -> timeout
}


def _result(store, env, run_id, case, outcome, *, error=None, stage=None, signature=None, message=None):
    metrics = {} if error is None else {"max_abs_error": error}
    store.record_result(ResultRecord(
        run_id=run_id, env_id=env.env_id, config_key="config-jit", pipeline="torch-onnx", variant="jit",
        framework="pytorch", converter="torch.onnx", runtime="onnxruntime", case_id=case.id,
        case_hash=case.content_hash, outcome=outcome, stage=stage, signature=signature, message=message,
        verdicts=[VerdictRecord("numeric", outcome == "ok" if error is not None else None, metrics=metrics)],
    ))


def _plant_jit(path) -> None:
    hostile, second, crashing = fake_case(HOSTILE_ID), fake_case("jit-second"), fake_case("jit-crashing")
    stale = fake_case("jit-second", delay=1.0)  # an older definition of jit-second
    with Store.open(path) as store:
        store.record_cases([stale])
        store.record_cases([hostile, second, crashing])
        for ort, label in (("1.9.0", ""), ("1.20.1", f" {ATTRIBUTE}")):
            env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": ort, "torch": "2.13.0"})
            store.record_environment(env, label=f"torch-onnx.jit onnxruntime-{ort}{label}",
                                     requested={"onnxruntime": f"=={ort}"}, buildable=True)
            run_id = store.start_run(env_id=env.env_id, label="jit", pipeline="torch-onnx", variant="jit",
                                     model_set=None, manifest_hash="m", case_count=3, argv=[])
            if ort == "1.9.0":
                _result(store, env, run_id, stale, "ok", error=1e6)  # never counted: not the newest
                _result(store, env, run_id, hostile, "ok", error=1.0)
                _result(store, env, run_id, second, "ok", error=3.0)
                _result(store, env, run_id, crashing, "crash", stage="run", signature="crash: SIGSEGV in run")
            else:
                _result(store, env, run_id, hostile, "convert_error", stage="convert",
                        signature=f"ValueError: {SCRIPT} {ATTRIBUTE}", message=SCRIPT * 3)
                _result(store, env, run_id, second, "runtime_error", stage="run",
                        signature=f"RuntimeError: {ESCAPE_SEQUENCE}red")
                _result(store, env, run_id, crashing, "timeout", stage="convert", signature="timeout: convert")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "store.duckdb"
    build_planted_store(path)
    _plant_jit(path)
    return path


@pytest.fixture(scope="module")
def data(store):
    with Store.open(store, read_only=True) as handle:
        return gather(handle)


def _column(data, label_start):
    (env,) = [e for e in data.environments if (e["label"] or "").startswith(label_start)]
    return env["column"]


def _section(page, anchor):
    return page.split(f'id="{anchor}"', 1)[1]


# -- the page -----------------------------------------------------------------------------

def test_the_page_escapes_every_text_from_the_store(data):
    page = render_html(data)
    assert SCRIPT not in page and "<img" not in page and "<u>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # the label and the signature
    assert ESCAPED_ID in page.split('class="outcomes"', 2)[2]  # jit's heatmap, the second
    regressions = _section(page, "newest-regression").split("</table>", 1)[0]
    assert ESCAPED_ID in regressions and "ValueError: &lt;script&gt;" in regressions


def test_the_page_has_every_section(data):
    page = render_html(data)
    for section in ('id="newest"', 'id="newest-steps"', 'id="newest-regression"', 'id="heatmap"',
                    'id="per-environment"', 'id="transitions"', 'id="regression"', 'id="fix"', 'id="failures"'):
        assert section in page
    assert "<script" not in page and "http" not in page  # nothing runs, nothing is fetched
    # one heatmap per pipeline, each with its own cases: a cell per result (every pair ran every case)
    assert page.count('<td class="cell') == len(data.rows) == PLANTED_RESULTS
    assert '<h3 id="pipeline-torch-onnx.jit">torch-onnx.jit <span class="count">3 cases x 2 environments' in page


def test_a_cell_shows_its_outcome_and_signature_as_its_title(data):
    page = render_html(data)
    assert 'data-outcome="timeout" style="background:#5d4037" title="timeout: timeout: convert"' in page


def test_the_environments_are_in_the_matrix_order(data):
    labels = [e["label"] for e in data.environments]
    dynamo = [label for label in labels if label.startswith("torch-onnx.dynamo")]
    assert dynamo[:2] == ["torch-onnx.dynamo onnxruntime-1.9.0 onnxscript-0.9.0",
                          "torch-onnx.dynamo onnxruntime-1.9.0 onnxscript-0.10.0"]  # versions, not strings
    assert labels.index(dynamo[-1]) < labels.index("torch-onnx.jit onnxruntime-1.9.0")


# -- what is gathered ---------------------------------------------------------------------

def test_the_error_size_counts_only_the_newest_definitions(data):
    size = data.error_size[_column(data, "torch-onnx.jit onnxruntime-1.9.0")]
    assert (size["median"], size["max"], size["n"]) == (2.0, 3.0, 2)


def test_cases_that_change_together_are_one_step(data):
    (step,) = [s for s in data.steps if s.kind == "regression" and s.converter == "torch-onnx.jit"]
    assert (step.axis, step.before, step.after) == ("onnxruntime", "1.9.0", "1.20.1")
    assert step.case_ids == sorted([HOSTILE_ID, "jit-second"])
    grouped = [t for s in data.steps for t in s.transitions]
    assert len(grouped) == len(EXPECTED | JIT_TRANSITIONS) == 19  # each planted transition in one step
    assert _keys(grouped) == EXPECTED | JIT_TRANSITIONS
    assert [s.kind for s in data.steps] == sorted((s.kind for s in data.steps), key=[
        "regression", "hidden_regression", "signature_change", "drift", "slowdown", "fix", "hidden_fix"].index)
    assert group_steps([]) == []


def test_the_study_table_counts_every_result_once(data):
    assert sum(counts["results"] for _, _, counts in data.study) == len(data.rows) == PLANTED_RESULTS
    for _, _, counts in data.study:
        outcomes = sum(counts[name] for name in ("conversion failed", "runtime load failed", "mismatch",
                                                 "successful", "invalid model", "runtime error", "crash",
                                                 "timeout", "env error", "not runnable"))
        assert outcomes == counts["results"]


def test_the_study_table_has_every_kind_of_model_and_counts_conversions_by_stage(data):
    jit = {kind: counts for converter, kind, counts in data.study if converter == "torch-onnx.jit"}
    assert list(jit) == list(STUDY_KINDS)
    assert jit["real"]["results"] == jit["synthetic"]["results"] == 0
    unit = jit["unit"]
    assert (unit["cases"], unit["results"]) == (3, 6)
    # 1.9.0: ok, ok, a crash while running; 1.20.1: a runtime error (a timeout while converting is not)
    assert unit["converted"] == 4
    assert (unit["successful"], unit["conversion failed"], unit["crash"], unit["timeout"]) == (2, 1, 1, 1)


# -- the terminal -------------------------------------------------------------------------

def test_the_terminal_report_has_every_section(data):
    text = render_terminal(data)
    assert "ok / stored" in text  # tracker results' matrix
    assert "per environment: outcomes and error size" in text
    assert "regressions and fixes between neighbouring versions" in text
    assert "\n  regression       torch-onnx.jit onnxruntime 1.9.0 -> 1.20.1: 2\n" in text
    assert f"      {HOSTILE_ID}: convert_error: ValueError: {SCRIPT}" in text
    assert "as in the study of the ONNX converters" in text
    assert ESCAPE_SEQUENCE not in text and "RuntimeError: red" in text


# -- the command --------------------------------------------------------------------------

def test_the_command_writes_the_page_and_refuses_an_unwritable_place(store, tmp_path):
    done = tracker("report", "--store", str(store), "--html", str(tmp_path / "site"), check=True)
    assert "wrote" in done.stdout and "regressions" in done.stdout
    assert (tmp_path / "site" / "index.html").is_file()
    blocked = tmp_path / "file"
    blocked.write_text("")
    failed = tracker("report", "--store", str(store), "--html", str(blocked / "site"))
    assert failed.returncode == 2 and "cannot write" in failed.stderr and "Traceback" not in failed.stderr


def test_the_command_prints_the_report(store):
    done = tracker("report", "--store", str(store), "--pipeline", "torch-onnx", check=True)
    assert "per environment" in done.stdout and "as in the study" in done.stdout


def test_an_empty_store_says_so(tmp_path):
    with Store.open(tmp_path / "empty.duckdb"):
        pass
    done = tracker("report", "--store", str(tmp_path / "empty.duckdb"), check=True)
    assert "no result yet" in done.stdout
