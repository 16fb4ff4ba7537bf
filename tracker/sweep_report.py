"""What one sweep did, handed back through a file (``tracker run --report-file PATH``).

Whoever starts a sweep in another process (``nox -s bisect`` through ``nox -s sweep``)
reads the environment it used from here, not from the sweep's printed output.
Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

FINISHED, INTERRUPTED, UNBUILDABLE = "finished", "interrupted", "unbuildable"
# Set once per `nox -s sweep` invocation (noxfile.py), read by `tracker run`: the pairs of one
# sweep share it in the store (runs.sweep_id, run_times.sweep_id), so `tracker time --sweep`
# sums them. Set it yourself to gather several invocations (CI shards) under one id.
SWEEP_ID_VARIABLE = "TRACKER_SWEEP_ID"
STATUSES = (FINISHED, INTERRUPTED, UNBUILDABLE)
COUNTS = ("selected", "reused", "computed", "not_applicable")


@dataclasses.dataclass(frozen=True)
class SweepReport:
    """One sweep of one pair.

    :param label: the pair's id (``torch-onnx.torchscript torch-2.13.0 onnxruntime-1.31.1``).
    :param env_id: the environment its results are stored under; None when the sweep
        ended before it described one.
    :param status: ``finished``, ``interrupted``, or ``unbuildable`` (every case recorded
        as ``env_error``).
    :param counts: ``selected``, ``reused`` (already stored), ``computed``,
        ``not_applicable`` cases.
    :param outcomes: the outcomes of the computed results, with their counts.
    """

    label: str
    env_id: str | None
    status: str
    counts: Mapping[str, int]
    outcomes: Mapping[str, int]

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if set(self.counts) != set(COUNTS):
            raise ValueError(f"counts must be {', '.join(COUNTS)}, not {', '.join(self.counts)}")

    def to_json(self) -> str:
        return json.dumps({"label": self.label, "env_id": self.env_id, "status": self.status,
                           "counts": dict(self.counts), "outcomes": dict(self.outcomes)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SweepReport:
        data = json.loads(text)
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) != fields:
            raise ValueError(f"a sweep report has the keys {', '.join(sorted(fields))}")
        return cls(**data)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> SweepReport:
        return cls.from_json(path.read_text(encoding="utf-8"))
