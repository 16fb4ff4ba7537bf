"""What the parent tells a case's child process to do."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass
class Job:
    case_id: str
    case_hash: str
    framework: str
    converter: str
    runtime: str
    variant: str
    options: Mapping[str, Any]
    runtime_options: Mapping[str, Any]
    oracles: list[str]
    oracle_options: Mapping[str, Mapping[str, Any]]
    cache_root: str
    reference_key: str
    conversion_key: str
    converter_fingerprint: Mapping[str, Any]
    conversion: Mapping[str, Any] | None  # a stored ConversionRecord, as a dict
    log_path: str
    threads: int = 1
    second_runtime: str | None = None  # runs a failing artifact again to localize the fault
    second_runtime_timeout: float = 120.0


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

    def message(self, kind: str) -> Any:
        for name, payload in reversed(self.messages):
            if name == kind:
                return payload
        return None
