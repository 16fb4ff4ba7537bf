"""From what a child reported to what the store keeps: result records, the result of a
child that died without one (crash classification), and the text read from case logs
and installer output to sign those failures."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from pathlib import Path

from tracker.matrix import Pair
from tracker.signatures import safe_text
from tracker.store import ConversionRecord, ResultRecord, Store, VerdictRecord
from tracker.worker import memory
from tracker.worker.job import ChildReport
from tracker.worker.procs import signal_name
from tracker.worker.result import CaseResult


@dataclasses.dataclass(frozen=True)
class Context:
    """Where every result of one run of one pair belongs."""

    run_id: str
    env_id: str
    config_key: str
    pipeline: str
    variant: str
    framework: str
    converter: str
    runtime: str

    @classmethod
    def of(cls, pair: Pair, run_id: str, env_id: str, config_key: str) -> Context:
        return cls(run_id, env_id, config_key, pair.pipeline, pair.variant, pair.framework, pair.converter,
                   pair.runtime)


def result_record(context: Context, case_id: str, case_hash: str, result: CaseResult,
                  verdicts: tuple[VerdictRecord, ...] = (), report: ChildReport | None = None) -> ResultRecord:
    """The stored form of ``result``, with what the parent measured of its child (none for
    results no child computed: an environment that could not be built or imported)."""
    job = report.job if report is not None else None
    kept_log = job is not None and result.failed  # an ok case's log is deleted
    return ResultRecord(
        **dataclasses.asdict(context),
        case_id=case_id,
        case_hash=case_hash,
        outcome=result.outcome.value,
        subkind=result.subkind,
        stage=result.stage,
        signature=result.signature,
        message=safe_text(result.message) if result.message else None,
        conversion_key=job.conversion_key if job else None,
        conversion_reused=job.conversion is not None if job else None,
        **dataclasses.asdict(result.timings),
        wall_seconds=report.wall_seconds if report else None,
        peak_rss_mb=(report.peak_rss_mb or None) if report else None,
        log_path=job.log_path if kept_log and job else None,
        fault_location=result.fault_location,
        fault_stage=result.fault_stage,
        localized_by=result.localized_by,
        verdicts=list(verdicts),
        **({"result_id": job.result_id} if job else {}),
    )


def record_of_report(store: Store, context: Context, case_hash: str, report: ChildReport, timeout: float,
                     memory_limit_mb: float) -> ResultRecord:
    """The record of what ``report`` says, under the limits it ran with (a conversion lost
    with its child is stored at once; a passing case's log is removed)."""
    result, verdicts = reported(report, timeout, memory_limit_mb)
    lost = lost_conversion(report, result) if report.result() is None else None
    if lost is not None:
        store.record_conversion(lost)
    record = dataclasses.replace(result_record(context, report.job.case_id, case_hash, result, verdicts, report),
                                 timeout_seconds=timeout, memory_limit_mb=memory_limit_mb)
    if not result.failed:
        with contextlib.suppress(OSError):
            os.unlink(report.job.log_path)
    return record


def reported(report: ChildReport, timeout: float, memory_limit_mb: float) -> tuple[CaseResult, tuple[VerdictRecord, ...]]:
    """The child's result (or, when it died without one, what its death says) and its
    verdicts: the last it sent, even if it died after sending them."""
    result = report.result() or death(report, timeout, memory_limit_mb)
    if result.failed and memory.exhausted(result.signature):  # refused by the data limit
        result = CaseResult.memory(result.stage or report.last_stage, memory_limit_mb, log_tail(report.job.log_path))
    verdicts = report.verdicts() or result.verdicts
    return result, tuple(verdicts)


def death(report: ChildReport, timeout: float, memory_limit_mb: float) -> CaseResult:
    """The result of a child that ended without reporting one: killed for its time or
    memory, dead of a signal, or exited."""
    stage = report.last_stage
    tail = log_tail(report.job.log_path)
    if report.killed_for == "timeout":
        result = CaseResult.timeout(stage, timeout, tail)
    elif report.killed_for == "memory":
        result = CaseResult.memory(stage, memory_limit_mb, tail)
    elif report.exitcode is not None and report.exitcode < 0:
        result = CaseResult.signal(stage, signal_name(-report.exitcode), crash_location(tail), tail)
    else:
        result = CaseResult.exit(stage, report.exitcode, tail)
    return result.but(fault_location="converter") if stage == "convert" else result


def lost_conversion(report: ChildReport, result: CaseResult) -> ConversionRecord | None:
    """The conversion of a child that died converting (it never sent one): stored as
    failed, so other environments do not convert the case again."""
    if report.last_stage != "convert" or report.conversion() is not None:
        return None
    job = report.job
    return ConversionRecord(
        conversion_key=job.conversion_key,
        converter=job.converter,
        variant=job.variant,
        options=job.options,
        fingerprint=job.converter_fingerprint,
        case_id=job.case_id,
        case_hash=job.case_hash,
        outcome=result.outcome.value,
        subkind=result.subkind,
        signature=result.signature,
        message=safe_text(result.message or ""),
        seconds=report.wall_seconds,
    )


# -- text -------------------------------------------------------------------------------


def log_tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16_384))
            data = handle.read()
    except OSError:
        return ""
    return safe_text(b"\n".join(data.splitlines()[-lines:]), 6_000)


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line \d+ in (?P<func>\S+)')


def crash_location(tail: str) -> str | None:
    """The innermost Python function in a faulthandler dump (its first listed frame)."""
    match = _FRAME.search(tail.split("most recent call first", 1)[-1])
    if not match:
        return None
    return f"{Path(match['file']).name}:{match['func']}"


def error_line(text: str) -> str:
    """The line of an installer's or importer's output that says what went wrong."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^(\w+Error|\w+Exception)\b", line):
            return line
    for line in lines:
        if re.search(r"\berror\b|×|because|no solution|not find|no matching", line, re.IGNORECASE):
            return line.lstrip("×╰─▶ ").strip()
    return lines[-1] if lines else "unknown error"
