"""What a case's child process hands back to the parent: a typed, frozen result.

The child builds one :class:`CaseResult` (through the named constructors below, one per
way a case can end) and sends it over its pipe; the parent adds what only it knows (the
run, the environment, the wall time, the peak memory, the log) and stores it field by
field (:func:`tracker.worker.record.result_record`). A child that dies before sending
one gets one from the parent's crash classification (:mod:`tracker.worker.record`).
"""

from __future__ import annotations

import dataclasses
import traceback
from typing import Any

from tracker.outcomes import STAGE_OUTCOME, Outcome
from tracker.signatures import exception_signature, safe_text
from tracker.store import ConversionRecord, VerdictRecord


@dataclasses.dataclass(frozen=True)
class Timings:
    """Seconds the child spent in the stages a case reached (``None``: not reached).

    Each oracle's own computation is timed on its verdict (:attr:`VerdictRecord.seconds`),
    not here; what the child spent outside these stages and the oracles (sending its
    result, exiting) is its wall time minus their sum (:mod:`tracker.store.times`).
    """

    setup_seconds: float | None = None  # the child's own setup, from its fork: registry, components
    reference_seconds: float | None = None  # the judged samples and the framework's outputs
    extra_sets_seconds: float | None = None  # making or loading the extra input sets and the float64 reference
    convert_seconds: float | None = None  # the conversion (the stored one's time when reused)
    load_seconds: float | None = None
    run_seconds: float | None = None  # the judged samples
    extra_runs_seconds: float | None = None  # every extra input set, run once
    localize_seconds: float | None = None  # the second runtime, on a failure


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """How one case ended in one environment.

    :param outcome: the taxonomy of :mod:`tracker.outcomes`.
    :param stage: where it failed (``None`` for ``ok``).
    :param failed_oracle: the oracle whose verdict made the outcome, if one did (the
        second runtime re-asks it when it localizes the failure); not stored.
    :param verdicts: every oracle's verdict, in the order they were given.
    """

    outcome: Outcome
    stage: str | None = None
    subkind: str | None = None
    signature: str | None = None
    message: str | None = None
    fault_location: str | None = None  # converter | runtime | undetermined
    fault_stage: str | None = None  # the converter stage that failed (api.FAILURE_STAGES)
    localized_by: str | None = None  # the result whose localization of the same failure this one shares
    failed_oracle: str | None = None
    timings: Timings = Timings()
    verdicts: tuple[VerdictRecord, ...] = ()

    # -- the ways a case ends ---------------------------------------------------------------
    @classmethod
    def ok(cls) -> CaseResult:
        return cls(Outcome.OK)

    @classmethod
    def stage_failure(cls, stage: str, exc: BaseException, subkind: str | None = None) -> CaseResult:
        """An exception raised in ``stage``: the outcome that stage maps to
        (:data:`tracker.outcomes.STAGE_OUTCOME`), signed by the exception."""
        return cls(STAGE_OUTCOME[stage], stage=stage, subkind=subkind, signature=exception_signature(exc),
                   message=safe_text("".join(traceback.format_exception(exc)[-20:])))

    @classmethod
    def worker_error(cls, exc: BaseException) -> CaseResult:
        """The tracker's own code failed around the case (a bug, or a changed case)."""
        return cls(Outcome.CRASH, stage="setup", subkind="worker_error", signature=exception_signature(exc),
                   message=safe_text("".join(traceback.format_exception(exc))))

    @classmethod
    def env_error(cls, signature: str, text: str) -> CaseResult:
        """The environment could not be built, or a module every case needs not imported."""
        return cls(Outcome.ENV_ERROR, stage="setup", signature=signature, message=safe_text(text))

    @classmethod
    def failed_conversion(cls, conversion: ConversionRecord) -> CaseResult:
        """The converter failed (now, or when the stored conversion was made)."""
        return cls(Outcome(conversion.outcome), stage="convert", subkind=conversion.subkind,
                   signature=conversion.signature, message=conversion.message,
                   fault_location="converter", fault_stage=conversion.fault_stage)

    @classmethod
    def not_runnable(cls, reason: str) -> CaseResult:
        """The runtime cannot run on this platform: never a pass."""
        return cls(Outcome.NOT_RUNNABLE, stage="load", signature=f"not runnable: {reason}", message=reason)

    @classmethod
    def oracle_failure(cls, outcome: Outcome, stage: str, oracle: str, verdict_subkind: str | None,
                       signature: str, message: str) -> CaseResult:
        """An oracle's verdict failed the case (``invalid_model`` or ``incorrect``)."""
        return cls(outcome, stage=stage, subkind=verdict_subkind, signature=signature,
                   message=safe_text(message), failed_oracle=oracle)

    @classmethod
    def unjudged(cls) -> CaseResult:
        """No output oracle gave a verdict: never a pass by default."""
        return cls(Outcome.INCORRECT, stage="judge", subkind="unjudged", signature="no output oracle gave a verdict",
                   message="no oracle judged the outputs (all were not applicable)")

    @classmethod
    def timeout(cls, stage: str, seconds: float, tail: str) -> CaseResult:
        return cls(Outcome.TIMEOUT, stage=stage, signature=f"timeout in {stage}",
                   message=f"killed after {seconds:.0f}s in stage {stage}\n{tail}")

    @classmethod
    def memory(cls, stage: str, limit_mb: float, tail: str) -> CaseResult:
        return cls(Outcome.CRASH, stage=stage, subkind="memory", signature=f"memory limit exceeded in {stage}",
                   message=f"killed above the memory limit of {limit_mb:.0f} MB in stage {stage}\n{tail}")

    @classmethod
    def signal(cls, stage: str, name: str, where: str | None, tail: str) -> CaseResult:
        return cls(Outcome.CRASH, stage=stage, subkind=name,
                   signature=f"{name} in {stage}" + (f" at {where}" if where else ""),
                   message=f"the process died of {name} in stage {stage}\n{tail}")

    @classmethod
    def exit(cls, stage: str, code: int | None, tail: str) -> CaseResult:
        return cls(Outcome.CRASH, stage=stage, subkind=f"exit {code}", signature=f"exit code {code} in {stage}",
                   message=f"the process exited with code {code} in stage {stage} without a result\n{tail}")

    # -------------------------------------------------------------------------------------
    def but(self, **changes: Any) -> CaseResult:
        """A copy with ``changes`` (the result is frozen)."""
        return dataclasses.replace(self, **changes)

    @property
    def failed(self) -> bool:
        return self.outcome is not Outcome.OK
