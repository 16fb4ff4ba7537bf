"""Whose fault a failure is: the failing artifact run again in a second runtime.

The second runtime agreeing with the source puts the fault on the runtime under test;
disagreeing too, on the converter; failing or not finishing in time, nowhere
(``undetermined``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from tracker.api import Evidence, Oracle, Runtime, Verdict
from tracker.outcomes import Outcome
from tracker.signatures import exception_signature, safe_text
from tracker.worker import extras
from tracker.worker.judging import Requests, verdict_of
from tracker.worker.result import CaseResult

# the outcomes a second runtime can localize: the artifact converted and passed its checks
LOCALIZABLE = {Outcome.RUNTIME_LOAD_ERROR, Outcome.RUNTIME_ERROR, Outcome.INCORRECT}


def needs_localizing(result: CaseResult, second: Runtime | None) -> bool:
    return second is not None and result.fault_location is None and result.outcome in LOCALIZABLE


def judges_of(result: CaseResult, output_oracles: list[Oracle], requests: Requests) -> list[Oracle]:
    """The oracles that judge the second runtime's outputs: the one that failed, or (for a
    failure to load or run) every output oracle that needs no extra inputs."""
    if result.failed_oracle:
        return [o for o in output_oracles if o.name == result.failed_oracle]
    return [o for o in output_oracles if not requests.get(o.name)]


def second_opinion(second: Runtime, evidence: Evidence, judges: list[Oracle], requests: Requests,
                   sets: extras.ExtraSets, options_of: Callable[[Oracle], Any],
                   timeout: float) -> tuple[str, Verdict]:
    """(fault location, the verdict recorded for the localization)."""
    if not judges:
        return "undetermined", Verdict(None, message="no oracle can judge the second runtime's outputs",
                                       subkind="undetermined")
    names = [spec.name for spec in evidence.case.inputs]
    started = time.perf_counter()
    try:
        with _deadline(timeout):
            session = second.load(evidence.artifact, {})
            run = lambda sample: second.run(session, dict(zip(names, sample, strict=True)))  # noqa: E731
            actual = [run(sample) for sample in evidence.inputs or []]
            wanted = {key for oracle in judges for key, _ in requests.get(oracle.name, {}).values()}
            runs = extras.run_all(sets.only(wanted), run)
            second_evidence = dataclasses.replace(evidence, actual=actual, run_converted=run, runtime={})
            verdicts = [verdict_of(oracle, second_evidence, options_of(oracle), requests, runs, sets)[0]
                        for oracle in judges]
    except Exception as exc:  # noqa: BLE001 - the second runtime's failure says nothing
        traceback.print_exception(exc)
        return "undetermined", Verdict(
            None, {"seconds": time.perf_counter() - started},
            safe_text(f"the second runtime {second.name} could not run the artifact: "
                      f"{exception_signature(exc)}"), subkind="undetermined")
    metrics = {"seconds": time.perf_counter() - started}
    for oracle, verdict in zip(judges, verdicts, strict=True):
        metrics |= {f"{oracle.name}.{k}": v for k, v in verdict.metrics.items()}
    if any(v.passed is False for v in verdicts):
        failed = next(v for v in verdicts if v.passed is False)
        return "converter", Verdict(False, metrics, safe_text(
            f"the second runtime {second.name} disagrees with the source too: {failed.message}"),
            subkind="converter")
    if any(v.passed is True for v in verdicts):
        return "runtime", Verdict(True, metrics, f"the second runtime {second.name} agrees with the source",
                                  subkind="runtime")
    return "undetermined", Verdict(None, metrics, "no oracle could judge the second runtime's outputs",
                                   subkind="undetermined")


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeoutError` in this (main) thread after ``seconds``."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
