"""The second study's per-model table in the report: the cases with labelled inputs only, one
row per model and environment with the measures the oracles declare (accuracy before and
after conversion, robust accuracy...), in the terminal and in the page; no section at all
in a store without labelled cases."""

from __future__ import annotations

import dataclasses

import pytest
from tracker_fake_plugin import fake_case
from tracker_oracles.accuracy import Accuracy
from tracker_oracles.agreement import Agreement
from tracker_oracles.robustness import Robustness

from tracker.envinfo import Environment
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.reports.terminal import render_terminal
from tracker.store import ResultRecord, Store, VerdictRecord

LABELLED = dataclasses.replace(fake_case("digits-fake"), labels="tracker_fake_plugin:fake_labels")
PLAIN = fake_case("plain-fake")
ACCURACY = {"source_accuracy": 0.981, "converted_accuracy": 0.975, "accuracy_drop": 0.006, "samples": 355.0}
ROBUSTNESS = {"fgsm.source_robust_accuracy": 0.41, "fgsm.converted_robust_accuracy": 0.39,
              "pgd.source_robust_accuracy": 0.2, "pgd.converted_robust_accuracy": 0.18}


def plant(path, cases) -> None:
    with Store.open(path) as store:
        store.record_cases(cases)
        store.record_oracle_declarations([Accuracy(), Agreement(), Robustness()])
        env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": "1.31.1", "torch": "2.14.1"})
        store.record_environment(env, label="torch-onnx.torchscript onnxruntime-1.31.1", requested={},
                                 buildable=True)
        run_id = store.start_run(env_id=env.env_id, label="x", pipeline="torch-onnx", variant="torchscript",
                                 model_set=None, manifest_hash="m", case_count=len(cases), argv=[])
        for case in cases:
            labelled = case.labels is not None
            verdicts = [VerdictRecord("agreement", True, metrics={"top1_agreement": 0.99, "top5_agreement": 1.0}),
                        VerdictRecord("robustness", True, metrics=ROBUSTNESS)]
            if labelled:
                verdicts.append(VerdictRecord("accuracy", True, metrics=ACCURACY))
            store.record_result(ResultRecord(
                run_id=run_id, env_id=env.env_id, config_key="c", pipeline="torch-onnx", variant="torchscript",
                framework="pytorch", converter="torch.onnx", runtime="onnxruntime", case_id=case.id,
                case_hash=case.content_hash, outcome="ok", verdicts=verdicts))


@pytest.fixture()
def data(tmp_path):
    plant(tmp_path / "store.duckdb", [LABELLED, PLAIN])
    with Store.open(tmp_path / "store.duckdb", read_only=True) as store:
        return gather(store)


def test_one_row_per_labelled_model_with_its_own_measures(data):
    (row,) = data.labelled.rows
    assert (row.case_id, row.converter, row.outcome) == ("digits-fake", "torch-onnx.torchscript", "ok")
    assert row.values["accuracy source"] == 0.981 and row.values["accuracy converted"] == 0.975
    assert row.values["PGD robust acc. source"] == 0.2 and row.values["PGD converted"] == 0.18
    assert "classifiers" not in data.labelled.labels  # a count is an environment's, not a model's
    assert data.labelled.labels.index("accuracy source") < data.labelled.labels.index("FGSM robust acc. source")


def test_the_terminal_and_the_page_show_it(data):
    text = render_terminal(data)
    table = text.split("the models with labelled inputs", 1)[1]
    line = next(line for line in table.splitlines() if line.startswith("digits-fake"))
    assert "0.981" in line and "0.975" in line and "torch-onnx.torchscript" in line
    assert "plain-fake" not in table.split("\n\n", 1)[0]
    page = render_html(data).split('id="labelled-table"', 1)[1].split("</table>", 1)[0]
    assert "digits-fake" in page and "0.981" in page and "plain-fake" not in page


def test_no_section_without_labelled_cases(tmp_path):
    plant(tmp_path / "store.duckdb", [PLAIN])
    with Store.open(tmp_path / "store.duckdb", read_only=True) as store:
        data = gather(store)
    assert data.labelled.rows == ()
    assert "labelled inputs" not in render_terminal(data) and 'id="labelled-table"' not in render_html(data)
