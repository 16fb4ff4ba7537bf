"""What the parent tells a case's child process to do, and what it hears back."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from tracker.store import ConversionRecord, VerdictRecord
from tracker.worker.result import CaseResult


@dataclasses.dataclass(frozen=True)
class Job:
    case_id: str
    case_hash: str
    framework: str
    converter: str
    runtime: str
    variant: str
    options: Mapping[str, Any]
    runtime_options: Mapping[str, Any]
    oracles: tuple[str, ...]
    oracle_options: Mapping[str, Mapping[str, Any]]
    cache_root: str
    reference_key: str
    conversion_key: str
    converter_fingerprint: Mapping[str, Any]
    conversion: ConversionRecord | None  # a stored conversion to reuse, or None: convert
    log_path: str
    threads: int = 1
    second_runtime: str | None = None  # runs a failing artifact again to localize the fault
    second_runtime_timeout: float = 120.0
    # the id the result will be stored under (a result with the same failure refers to it)
    result_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    # where the localizations of this run's environment are shared (localize.Shared); None: not shared
    localizations: str | None = None


# The messages a child sends, in order: any number of STAGE (the stage it enters), at
# most one CONVERSION (as soon as the converter is done), VERDICTS after each oracle (the
# list so far), and RESULT (a failure that is then localized sends one before and one after).
STAGE, CONVERSION, VERDICTS, RESULT = "stage", "conversion", "verdicts", "result"


@dataclasses.dataclass
class ChildReport:
    """What the parent knows of a finished child: its messages and how it ended."""

    job: Job
    messages: list[tuple[str, Any]]
    exitcode: int | None
    killed_for: str | None  # "timeout" | "memory" | "interrupt" | None
    last_stage: str
    wall_seconds: float
    peak_rss_mb: float

    def _last(self, kind: str) -> Any:
        for name, payload in reversed(self.messages):
            if name == kind:
                return payload
        return None

    def result(self) -> CaseResult | None:
        """The last result the child sent; ``None`` when it died before sending one."""
        return self._last(RESULT)

    def conversion(self) -> ConversionRecord | None:
        """The conversion the child made, if it made one."""
        return self._last(CONVERSION)

    def verdicts(self) -> tuple[VerdictRecord, ...] | None:
        """The verdicts the child sent last (it may have died after sending them)."""
        return self._last(VERDICTS)
