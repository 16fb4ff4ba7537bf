"""Whose fault a failure is: the failing artifact run again in a second runtime.

The second runtime agreeing with the source puts the fault on the runtime under test;
disagreeing too, on the converter; failing or not finishing in time, nowhere
(``undetermined``).

A localization is done once per (environment, failure signature): the first result of a
runtime failure (``runtime_load_error``, ``runtime_error``) is localized, the others with
the same outcome and signature in the same environment carry its fault location and name
it (``localized_by``), with the verdict ``localize:SECOND`` saying so. The localizations
are shared through files in the cache (:class:`Shared`), one directory per run, seeded
by the parent with those stored by earlier runs (:func:`stored_localizations`). Two cases
with the same failure that reach the second runtime at once both localize (a wait could
not be shorter than the localization it waits for, and a case that dies localizing would
hold up the other): at most ``--jobs`` localizations per signature. ``incorrect`` is
localized case by case: its signature names a symptom (an oracle and its verdict), not
a cause. An ``undetermined`` localization (the second runtime failed, or did not finish in
time) says something about the model, not the failure: the next results with the
signature try again, until one determines it or :data:`UNDETERMINED_ATTEMPTS` have not;
the others then refer to the first of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tracker.api import Evidence, Oracle, Runtime, Verdict
from tracker.outcomes import LOCALIZATION_PREFIX, Outcome
from tracker.signatures import exception_signature, safe_text
from tracker.store import Store, VerdictRecord
from tracker.worker import extras
from tracker.worker.judging import Requests, verdict_of
from tracker.worker.result import CaseResult

# the outcomes a second runtime can localize: the artifact converted and passed its checks
LOCALIZABLE = {Outcome.RUNTIME_LOAD_ERROR, Outcome.RUNTIME_ERROR, Outcome.INCORRECT}
# the outcomes whose signature names the cause (the runtime's error), so one localization serves all
SHARED = {Outcome.RUNTIME_LOAD_ERROR, Outcome.RUNTIME_ERROR}
# undetermined localizations of one signature after which the others stop trying
UNDETERMINED_ATTEMPTS = 3
DETERMINED = ("converter", "runtime")


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
        timed_out = {"timed_out": 1.0} if isinstance(exc, TimeoutError) else {}
        return "undetermined", Verdict(
            None, {"seconds": time.perf_counter() - started, **timed_out},
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


# -- one localization per (environment, failure signature) ---------------------------------


@dataclasses.dataclass(frozen=True)
class Localization:
    """A result's localization, as the others with the same failure refer to it."""

    result_id: str
    case_id: str
    location: str  # converter | runtime | undetermined
    passed: bool | None  # the second runtime's verdict
    subkind: str | None
    message: str | None

    def referring_verdict(self, second: str) -> VerdictRecord:
        """The verdict of a result that shares this localization (no work of its own: no metrics)."""
        return VerdictRecord(
            oracle=f"{LOCALIZATION_PREFIX}{second}", passed=self.passed, subkind=self.subkind,
            message=safe_text(f"not run again: the same failure in this environment was localized on case "
                              f"{self.case_id} (result {self.result_id}): {self.message or ''}", 4_000),
            metrics={})


_PLAIN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


class Shared:
    """The localizations of one run, shared by its cases (children run in parallel) through
    files in ``directory``: ``KEY.json`` for a determined one (written atomically, read by
    every later case with that failure), ``KEY.undetermined-RESULT.json`` for each attempt
    that was not, where ``KEY`` hashes the second runtime, the outcome and the signature."""

    def __init__(self, directory: Path, second: str) -> None:
        self.directory = directory
        self.second = second

    def key(self, outcome: str, signature: str) -> str:
        return hashlib.sha256(json.dumps([self.second, outcome, signature]).encode()).hexdigest()[:24]

    @staticmethod
    def shares(result: CaseResult) -> bool:
        return result.outcome in SHARED and bool(result.signature)

    def find(self, result: CaseResult) -> Localization | None:
        """The localization ``result`` refers to, if it need not be localized again."""
        if not self.shares(result):
            return None
        key = self.key(result.outcome.value, str(result.signature))
        determined = _read(self.directory / f"{key}.json")
        if determined is not None:
            return determined
        attempts = [_read(path) for path in sorted(self.directory.glob(f"{key}.undetermined-*.json"),
                                                   key=_written)]
        attempts = [a for a in attempts if a is not None]
        return attempts[0] if len(attempts) >= UNDETERMINED_ATTEMPTS else None

    def record(self, outcome: str, signature: str | None, localization: Localization) -> None:
        """Share ``localization`` of a failure with ``outcome`` and ``signature``."""
        if Outcome(outcome) not in SHARED or not signature:
            return
        if not _PLAIN_ID.fullmatch(localization.result_id):
            return  # a result id read from a store names a file here: only a plain one
        key = self.key(outcome, signature)
        name = f"{key}.json" if localization.location in DETERMINED else \
            f"{key}.undetermined-{localization.result_id}.json"
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(dataclasses.asdict(localization), out)
        os.replace(temporary, self.directory / name)  # atomic: a reader sees all of it or nothing

    def seed(self, stored: Iterable[tuple[str, str, Localization]]) -> None:
        """Share the localizations stored by earlier runs ((outcome, signature, localization),
        oldest first)."""
        for outcome, signature, localization in stored:
            self.record(outcome, signature, localization)


_STORED = """
    SELECT r.result_id, r.case_id, r.outcome, r.signature, r.fault_location AS location,
           v.passed, v.subkind, v.message
    FROM results r JOIN verdicts v ON v.result_id = r.result_id AND v.oracle = ?
    WHERE r.env_id = ? AND r.localized_by IS NULL AND r.fault_location IS NOT NULL
      AND r.signature IS NOT NULL AND r.outcome IN ({outcomes})
    ORDER BY r.created_at
"""


def stored_localizations(store: Store, env_id: str, second: str) -> list[tuple[str, str, Localization]]:
    """The localizations of runtime failures already stored in environment ``env_id`` by the
    second runtime ``second``, oldest first: what a resumed or later run refers to."""
    outcomes = ", ".join(f"'{o.value}'" for o in SHARED)
    rows = store.query(_STORED.format(outcomes=outcomes), [f"{LOCALIZATION_PREFIX}{second}", env_id])
    return [(row["outcome"], row["signature"],
             Localization(row["result_id"], row["case_id"], row["location"], row["passed"], row["subkind"],
                          row["message"])) for row in rows]


def shared_directory(cache_root: Path, run_id: str) -> Path:
    """Where one run's cases share their localizations (removed when the run finishes)."""
    return cache_root / "localizations" / run_id


def seeded_directory(cache_root: Path, run_id: str, second: str | None, store: Store, env_id: str,
                     seed: bool) -> str | None:
    """The directory where a run's cases share their localizations (``None`` without a second
    runtime), seeded, if ``seed`` (not under --recompute), with those stored by earlier runs
    in environment ``env_id``."""
    if second is None:
        return None
    directory = shared_directory(cache_root, run_id)
    if seed:
        Shared(directory, second).seed(stored_localizations(store, env_id, second))
    return str(directory)


def _read(path: Path) -> Localization | None:
    try:
        return Localization(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0.0
