"""The outcome taxonomy (from the published failure analysis of the ONNX converters).

Every result has exactly one outcome. The stage order below is also the precedence:
when several things go wrong, the outcome is the earliest failing stage.
"""

from __future__ import annotations

import enum


class Outcome(str, enum.Enum):
    OK = "ok"
    CONVERT_ERROR = "convert_error"  # exception in the converter (subkind "unsupported")
    INVALID_MODEL = "invalid_model"  # the ONNX checker / shape inference rejects it
    RUNTIME_LOAD_ERROR = "runtime_load_error"
    RUNTIME_ERROR = "runtime_error"
    INCORRECT = "incorrect"  # outputs differ, wrong shape/dtype, NaN where the source had none
    TIMEOUT = "timeout"
    CRASH = "crash"  # the process died (signal, memory limit)
    ENV_ERROR = "env_error"  # the environment could not be built or imported
    NOT_RUNNABLE = "not_runnable"  # the runtime cannot run on this platform: never a pass

    def __str__(self) -> str:
        return self.value

    @property
    def is_failure(self) -> bool:
        return self is not Outcome.OK

    @property
    def code(self) -> str:
        """A short code for dense tables."""
        return _CODES[self]


_CODES = {
    Outcome.OK: "ok",
    Outcome.CONVERT_ERROR: "CONV",
    Outcome.INVALID_MODEL: "INVAL",
    Outcome.RUNTIME_LOAD_ERROR: "LOAD",
    Outcome.RUNTIME_ERROR: "RUN",
    Outcome.INCORRECT: "WRONG",
    Outcome.TIMEOUT: "TIME",
    Outcome.CRASH: "CRASH",
    Outcome.ENV_ERROR: "ENV",
    Outcome.NOT_RUNNABLE: "N/R",
}

# The verdict a second runtime gives when it localizes a failure is stored as the oracle
# "localize:NAME": it says whose fault the failure is, not whether the outputs are right.
LOCALIZATION_PREFIX = "localize:"

# Where in the case's life a failure happened; stored with every result.
STAGES = ("setup", "reference", "convert", "check", "load", "run", "judge")

# The outcome an exception raised in a stage maps to.
STAGE_OUTCOME = {
    "setup": Outcome.ENV_ERROR,
    "reference": Outcome.ENV_ERROR,
    "convert": Outcome.CONVERT_ERROR,
    "check": Outcome.INVALID_MODEL,
    "load": Outcome.RUNTIME_LOAD_ERROR,
    "run": Outcome.RUNTIME_ERROR,
    "judge": Outcome.INCORRECT,
}
