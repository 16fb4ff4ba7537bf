"""From a child's report to the stored records: the crash classification of a child that
died without a result, and results stored field by field."""

from __future__ import annotations

import dataclasses
import signal

import pytest

from tracker.outcomes import Outcome
from tracker.store import ConversionRecord, VerdictRecord
from tracker.worker.job import CONVERSION, RESULT, VERDICTS, ChildReport, Job
from tracker.worker.record import Context, crash_location, death, error_line, lost_conversion, reported, result_record
from tracker.worker.result import CaseResult, Timings


def _job(tmp_path, conversion=None) -> Job:
    return Job(case_id="c", case_hash="h", framework="f", converter="k", runtime="r", variant="v",
               options={"opset": 17}, runtime_options={}, oracles=("o",), oracle_options={},
               cache_root=str(tmp_path), reference_key="ref", conversion_key="conv",
               converter_fingerprint={"k": "1"}, conversion=conversion, log_path=str(tmp_path / "c.log"))


def _report(tmp_path, messages=(), exitcode=0, killed_for=None, stage="convert", conversion=None) -> ChildReport:
    return ChildReport(job=_job(tmp_path, conversion), messages=list(messages), exitcode=exitcode,
                       killed_for=killed_for, last_stage=stage, wall_seconds=2.5, peak_rss_mb=10.0)


CONTEXT = Context("run", "env", "cfg", "pipe", "var", "f", "k", "r")


@pytest.mark.parametrize(("killed_for", "exitcode", "expected"), [
    ("timeout", -9, (Outcome.TIMEOUT, None, "timeout in load")),
    ("memory", -9, (Outcome.CRASH, "memory", "memory limit exceeded in load")),
    (None, -signal.SIGSEGV, (Outcome.CRASH, "SIGSEGV", "SIGSEGV in load at model.py:forward")),
    (None, 3, (Outcome.CRASH, "exit 3", "exit code 3 in load")),
])
def test_a_child_that_died_is_classified_by_how_it_ended(tmp_path, killed_for, exitcode, expected):
    (tmp_path / "c.log").write_text('Fatal Python error\nThread 0x1 (most recent call first):\n'
                                    '  File "/x/model.py", line 3 in forward\n')
    result = death(_report(tmp_path, exitcode=exitcode, killed_for=killed_for, stage="load"),
                   timeout=8, memory_limit_mb=600)
    assert (result.outcome, result.subkind, result.signature) == expected
    assert result.stage == "load" and result.fault_location is None
    assert "forward" in result.message  # the log's tail


def test_a_death_while_converting_is_the_converters_and_its_conversion_is_stored_as_failed(tmp_path):
    report = _report(tmp_path, exitcode=-signal.SIGABRT, stage="convert")
    result = death(report, timeout=8, memory_limit_mb=600)
    assert result.fault_location == "converter"
    lost = lost_conversion(report, result)
    assert lost is not None and (lost.outcome, lost.subkind, lost.seconds) == ("crash", "SIGABRT", 2.5)
    sent = dataclasses.replace(report, messages=[(CONVERSION, lost)])
    assert lost_conversion(sent, result) is None  # the child sent its conversion: nothing lost
    assert lost_conversion(_report(tmp_path, exitcode=-6, stage="load"), result) is None


def test_the_last_result_and_verdicts_sent_win(tmp_path):
    before = CaseResult.unjudged()
    after = before.but(fault_location="runtime", verdicts=(VerdictRecord("o", False),))
    late = (VerdictRecord("o", False), VerdictRecord("localize:x", True))
    report = _report(tmp_path, messages=[(RESULT, before), (VERDICTS, late[:1]), (RESULT, after), (VERDICTS, late)])
    assert reported(report, 8, 600) == (after, late)
    died = _report(tmp_path, messages=[(RESULT, before)], exitcode=-9, killed_for="timeout")
    assert reported(died, 8, 600)[0] is before  # died while localizing: the result before it


def test_a_result_is_stored_field_by_field_with_what_the_parent_measured(tmp_path):
    stored = ConversionRecord("conv", "k", "v", {}, {}, "c", "h", "ok", artifact="a.onnx")
    report = _report(tmp_path, conversion=stored)
    result = CaseResult.oracle_failure(Outcome.INCORRECT, "judge", "o", "nan", "o: nan", "bad").but(
        timings=Timings(reference_seconds=1.0, run_seconds=0.5), fault_location="converter")
    record = result_record(CONTEXT, "c", "h", result, (VerdictRecord("o", False),), report)
    assert (record.outcome, record.subkind, record.stage, record.signature, record.message) == (
        "incorrect", "nan", "judge", "o: nan", "bad")
    assert (record.reference_seconds, record.run_seconds, record.load_seconds) == (1.0, 0.5, None)
    assert (record.conversion_key, record.conversion_reused, record.wall_seconds, record.peak_rss_mb) == (
        "conv", True, 2.5, 10.0)
    assert record.log_path == str(tmp_path / "c.log") and record.fault_location == "converter"
    assert (record.run_id, record.env_id, record.pipeline) == ("run", "env", "pipe")
    ok = result_record(CONTEXT, "c", "h", CaseResult.ok(), (), _report(tmp_path))
    assert ok.log_path is None and ok.conversion_reused is False  # an ok case keeps no log


def test_an_environment_error_is_stored_without_child_measurements():
    record = result_record(CONTEXT, "c", "h", CaseResult.env_error("ImportError: x", "x" * 10))
    assert (record.outcome, record.stage, record.conversion_key, record.wall_seconds) == (
        "env_error", "setup", None, None)


def test_signatures_are_read_from_installer_and_faulthandler_text():
    assert error_line("Collecting x\n  × No solution found when resolving\n") == "No solution found when resolving"
    assert error_line("Traceback\nModuleNotFoundError: No module named 'x'\n") == \
        "ModuleNotFoundError: No module named 'x'"
    assert crash_location('Current thread (most recent call first):\n  File "/a/b/c.py", line 9 in run\n') == "c.py:run"
    assert crash_location("no frames") is None
