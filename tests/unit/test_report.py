"""The report: every section from a planted store, in the terminal and as HTML, with
every text from the store escaped."""

from __future__ import annotations

import pytest
from conftest import tracker
from test_transitions import build_planted_store
from tracker_fake_plugin import fake_case

from tracker.envinfo import Environment
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.reports.terminal import render_terminal
from tracker.store import ResultRecord, Store, VerdictRecord

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "store.duckdb"
    build_planted_store(path)
    case = fake_case("hostile")
    env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": "1.31.1"})
    with Store.open(path) as handle:
        handle.record_cases([case])
        handle.record_environment(env, label=f"torch-onnx.dynamo {ATTRIBUTE}", requested={}, buildable=True)
        run_id = handle.start_run(env_id=env.env_id, label="x", pipeline="torch-onnx", variant="dynamo",
                                  model_set=None, manifest_hash="m", case_count=1, argv=[])
        handle.record_result(ResultRecord(
            run_id=run_id, env_id=env.env_id, config_key="config-dynamo", pipeline="torch-onnx",
            variant="dynamo", framework="pytorch", converter="torch.onnx", runtime="onnxruntime",
            case_id=case.id, case_hash=case.content_hash, outcome="convert_error",
            signature=f"ValueError: {SCRIPT} {ATTRIBUTE}", message=SCRIPT * 3,
            verdicts=[VerdictRecord("numeric", None)],
        ))
    return path


def _data(path):
    with Store.open(path, read_only=True) as handle:
        return gather(handle)


def test_the_page_escapes_every_text_from_the_store(store):
    page = render_html(_data(store))
    assert SCRIPT not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_page_has_every_section(store):
    data = _data(store)
    page = render_html(data)
    for section in ('id="outcomes"', 'id="trends"', 'id="transitions"', 'id="study"'):
        assert section in page
    assert page.count('<td class="cell"') == len(data.cases) * len(data.environments)
    assert "regression" in page and "fix" in page
    kinds = {(converter, kind) for converter, kind, _ in data.study}
    assert ("torch-onnx.dynamo", "unit") in kinds


def test_the_study_table_counts_every_result_once(store):
    data = _data(store)
    assert sum(counts["results"] for _, _, counts in data.study) == len(data.rows)
    for _, _, counts in data.study:
        outcomes = sum(counts[name] for name in ("conversion failed", "runtime load failed", "mismatch",
                                                 "successful", "invalid model", "runtime error", "crash",
                                                 "timeout", "env error", "not runnable"))
        assert outcomes == counts["results"]


def test_the_terminal_report_has_the_matrix_the_transitions_and_the_study(store):
    text = render_terminal(_data(store))
    assert "ok / stored" in text
    assert "regressions and fixes between neighbouring versions:" in text
    assert "as in the study of the ONNX converters" in text


def test_the_command_writes_the_page_and_refuses_an_unwritable_place(store, tmp_path):
    done = tracker("report", "--store", str(store), "--html", str(tmp_path / "site"), check=True)
    assert "wrote" in done.stdout and (tmp_path / "site" / "index.html").is_file()
    blocked = tmp_path / "file"
    blocked.write_text("")
    failed = tracker("report", "--store", str(store), "--html", str(blocked / "site"))
    assert failed.returncode == 2 and "cannot write" in failed.stderr and "Traceback" not in failed.stderr


def test_an_empty_store_says_so(tmp_path):
    with Store.open(tmp_path / "empty.duckdb"):
        pass
    done = tracker("report", "--store", str(tmp_path / "empty.duckdb"), check=True)
    assert "no result yet" in done.stdout
