"""One case in its child process, stage by stage: setup, reference, convert, extra input
sets, artifact checks, load, run, output oracles; then, for a failure, localization.

Each stage tells the parent it is entered (so a crash or a hang is attributed to it) and
returns a :class:`CaseResult` when the case ends there, ``None`` to go on. The
conversion is sent as soon as it is known, so the artifact is shared with other
environments even if the runtime then crashes; a failure's result is sent before the
second runtime localizes it, so a second runtime that dies or hangs costs only the
localization.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker import plugin_cache
from tracker.api import ConversionRequest, Converter, Evidence, ExtraRun, Framework, Oracle, Runtime
from tracker.cases import ModelCase
from tracker.errors import InternalError
from tracker.inputs import make_inputs
from tracker.labels import make_labels
from tracker.outcomes import LOCALIZATION_PREFIX, Outcome
from tracker.signatures import exception_chain, exception_signature, safe_text
from tracker.store import ConversionRecord, VerdictRecord
from tracker.worker import converter_notes, extras, float64, localize, memory
from tracker.worker.cache import Cache
from tracker.worker.clock import process_age
from tracker.worker.job import CONVERSION, RESULT, STAGE, VERDICTS, Job
from tracker.worker.judging import Requests, verdict_of, verdict_record
from tracker.worker.result import CaseResult, Timings

Send = Callable[[str, Any], None]
TIMED = {field.name for field in dataclasses.fields(Timings)}


class CaseRun:
    """The stages of one case. State flows from stage to stage through the attributes."""

    def __init__(self, job: Job, send: Send) -> None:
        self.job = job
        self.send = send
        self.cache = Cache(Path(job.cache_root))
        self.timings: dict[str, float] = {}  # live: oracles read it through the evidence
        self.verdicts: list[VerdictRecord] = []
        self.model: Any = None
        self.artifact_failure: CaseResult | None = None
        self.requests: Requests = {}
        self.sets = extras.ExtraSets()
        self.wants_float64 = False
        self.float64: tuple[list[list[Any]] | None, str | None] = (None, None)  # outputs, or why none
        self.created = time.perf_counter() - process_age()  # the child's setup starts at its fork

    def run(self) -> CaseResult:
        for stage in (self.setup, self.reference, self.convert_and_make_sets, self.gather_evidence, self.check,
                      self.load, self.execute, self.judge_outputs):
            ended = stage()
            if ended is not None:
                return self.localized(ended)
        raise InternalError("the last stage of a case always ends it")

    def convert_and_make_sets(self) -> CaseResult | None:
        for stage in self.middle_stages():
            ended = stage()
            if ended is not None:
                return ended
        return None

    def middle_stages(self) -> tuple[Callable[[], CaseResult | None], ...]:
        """Converting, then making the extra input sets (only for an artifact to run them
        on: an attack on a large source model can take minutes, wasted on a case that failed
        to convert); the other way round when this case converts with a converter that may
        leave the framework altered (``Converter.alters_framework``): then no framework
        output is computed after it."""
        if self.job.conversion is None and self.converter.alters_framework(self.job.options):
            return (self.make_extra_sets, self.convert)
        return (self.convert, self.make_extra_sets)

    def finished(self, result: CaseResult) -> CaseResult:
        """``result`` with the timings and verdicts gathered so far."""
        return result.but(timings=Timings(**{k: v for k, v in self.timings.items() if k in TIMED}),
                          verdicts=tuple(self.verdicts))

    def enter(self, stage: str) -> None:
        self.send(STAGE, stage)

    # -- the stages -----------------------------------------------------------------------
    def setup(self) -> None:
        self.enter("setup")
        from tracker.worker import zygote

        plugin_cache.use_root(Path(self.job.cache_root))  # a plugin's own files beside the references
        registry = zygote.REGISTRY
        if registry is None:
            from tracker.registry import Registry

            registry = Registry.load()
        job = self.job
        self.case: ModelCase = registry.case(job.case_id)
        if self.case.content_hash != job.case_hash:
            raise RuntimeError(f"case {job.case_id} changed while the sweep ran; rerun it")
        self.framework: Framework = registry.framework(job.framework)
        self.converter: Converter = registry.converter(job.converter)
        self.runtime: Runtime = registry.runtime(job.runtime)
        self.second: Runtime | None = registry.runtime(job.second_runtime) if job.second_runtime else None
        self.oracles: list[Oracle] = [registry.oracle(name) for name in job.oracles]
        self.output_oracles = [o for o in self.oracles
                               if o.stage == "outputs" and o.applies_to(self.converter.output_format)]
        self.timings["setup_seconds"] = time.perf_counter() - self.created

    def reference(self) -> CaseResult | None:
        """The input sets and the framework's outputs on them, from the cache or computed
        (with the numbers measured on the source model saved beside them)."""
        self.enter("reference")
        started = time.perf_counter()
        try:
            cached = self.cache.load_reference(self.job.reference_key)
            if cached is None:
                model = self.source_model()
                inputs = [make_inputs(self.case.inputs, self.case.seed, s) for s in range(self.case.samples)]
                expected = [self.framework.run(model, sample) for sample in inputs]
                info = extras.measure_source(self.framework, model, inputs[0])
                self.cache.save_reference(self.job.reference_key, inputs, expected, info)
                cached = inputs, expected
        except Exception as exc:  # noqa: BLE001
            return self.failure("reference", exc, "reference_failed")
        self.inputs, self.expected = cached
        try:
            self.labels = None if self.case.labels is None else [make_labels(self.case, s)
                                                                 for s in range(len(self.inputs))]
        except Exception as exc:  # noqa: BLE001 - the plugin's labels are part of the reference
            return self.failure("reference", exc, "reference_failed")
        self.timings["reference_seconds"] = time.perf_counter() - started
        # the extra sets and the float64 reference are for output oracles: none where the runtime cannot run
        if self.runtime.not_runnable_reason() is None:
            self.requests = extras.requests(self.case, self.output_oracles, self.job.oracle_options, self.job.options)
            self.wants_float64 = float64.wanted(self.output_oracles, self.job.oracle_options)
        return None

    def convert(self) -> CaseResult | None:
        conversion = self.job.conversion
        if conversion is None:
            self.enter("convert")
            conversion = self.converted()
            self.send(CONVERSION, conversion)
        self.conversion = conversion
        self.timings["convert_seconds"] = conversion.seconds or 0.0
        if conversion.outcome != Outcome.OK.value:
            return CaseResult.failed_conversion(conversion)
        return None

    def make_extra_sets(self) -> None:
        """The extra input sets the oracles asked for, with the framework's outputs on them,
        and the float64 reference if an oracle wants it."""
        self.enter("reference")
        started = time.perf_counter()
        maker = extras.Maker(self.cache, self.job.reference_key, self.case, self.framework,
                             lambda framework, case: self.source_model())
        self.sets = maker.make_all(extras.unique(self.requests))
        if self.wants_float64:
            self.float64 = float64.reference(self.cache, self.job.reference_key, self.framework,
                                             self.source_model, self.inputs)
        self.timings["extra_sets_seconds"] = time.perf_counter() - started

    def gather_evidence(self) -> None:
        """What the oracles judge: the artifact, the inputs and the framework's outputs."""
        self.evidence = Evidence(
            case=self.case,
            artifact=self.cache.stored_artifact(str(self.conversion.artifact)),
            artifact_format=self.converter.output_format,
            options={},
            converter_options=dict(self.job.options),
            converter_notes=tuple((self.conversion.notes or "").splitlines()),
            inputs=self.inputs,
            expected=self.expected,
            timings=self.timings,
            source=self.cache.reference_info(self.job.reference_key),
            reference_float64=self.float64[0],
            reference_float64_unavailable=self.float64[1],
            labels=self.labels,
        )

    def check(self) -> None:
        """The artifact oracles. A failure here is the outcome, but the case goes on: the
        output oracles' verdicts are evidence too."""
        self.enter("check")
        failed = self.judge([o for o in self.oracles if o.stage == "artifact"], {})
        if failed is not None:
            self.artifact_failure = failed.but(fault_location="converter")

    def load(self) -> CaseResult | None:
        reason = self.runtime.not_runnable_reason()
        if reason is not None:
            return self.artifact_failure or CaseResult.not_runnable(reason)
        self.enter("load")
        self.memory_before = memory.start_peak_window()
        started = time.perf_counter()
        try:
            self.session = self.runtime.load(self.evidence.artifact, self.job.runtime_options)
        except Exception as exc:  # noqa: BLE001
            return self.artifact_failure or self.failure("load", exc)
        self.timings["load_seconds"] = time.perf_counter() - started
        return None

    def execute(self) -> CaseResult | None:
        self.enter("run")
        started = time.perf_counter()
        try:
            actual = [self.run_converted(sample) for sample in self.inputs]
        except Exception as exc:  # noqa: BLE001
            return self.artifact_failure or self.failure("run", exc)
        self.timings["run_seconds"] = time.perf_counter() - started
        self.evidence.runtime = memory.peak_window_since(self.memory_before)
        started = time.perf_counter()
        self.runs = extras.run_all(self.sets, self.run_converted)
        self.timings["extra_runs_seconds"] = time.perf_counter() - started
        self.evidence.actual = actual
        self.evidence.run_converted = self.run_converted
        return None

    def judge_outputs(self) -> CaseResult:
        self.enter("judge")
        failed = self.judge(self.output_oracles, self.runs)
        judged = {o.name for o in self.output_oracles}
        if failed is None and not any(v.passed is True for v in self.verdicts if v.oracle in judged):
            failed = CaseResult.unjudged()  # nothing vouched for the outputs: never a pass by default
        return self.artifact_failure or failed or CaseResult.ok()

    # -- helpers of the stages ------------------------------------------------------------
    def source_model(self) -> Any:
        """The source model, built once per child (only when something needs it)."""
        if self.model is None:
            self.model = self.framework.build(self.case)
        return self.model

    def run_converted(self, sample: list[Any]) -> list[Any]:
        names = [spec.name for spec in self.case.inputs]
        return self.runtime.run(self.session, dict(zip(names, sample, strict=True)))

    def failure(self, stage: str, exc: BaseException, subkind: str | None = None) -> CaseResult:
        traceback.print_exception(exc)
        return CaseResult.stage_failure(stage, exc, subkind)

    def converted(self) -> ConversionRecord:
        job, case = self.job, self.case
        started = time.perf_counter()
        scratch = self.cache.scratch_dir(job.conversion_key)
        identity = dict(conversion_key=job.conversion_key, converter=job.converter, variant=job.variant,
                        options=dict(job.options), fingerprint=dict(job.converter_fingerprint),
                        case_id=case.id, case_hash=case.content_hash)
        try:
            request = ConversionRequest(case=case, model=self.source_model(), sample_inputs=self.inputs[0],
                                        options=dict(job.options), output_dir=scratch)
            with converter_notes.collected() as notes:
                produced = self.converter.convert(request)
        except Exception as exc:  # noqa: BLE001
            seconds = time.perf_counter() - started
            shutil.rmtree(scratch, ignore_errors=True)
            traceback.print_exception(exc)
            outcome, subkind = Outcome.CONVERT_ERROR.value, self.converter.classify_error(exc)
            message = "".join(traceback.format_exception(exc)[-20:])
            missing = missing_module(exc)
            if missing is not None:  # the environment's fault, the same for every case: not a conversion bug
                outcome, subkind = Outcome.ENV_ERROR.value, INCOMPATIBLE_ENVIRONMENT
                message = (f"the converter could not import its own machinery in this environment ({missing}): "
                           f"its versions do not work together\n{message}")
            return ConversionRecord(
                **identity, outcome=outcome, subkind=subkind, signature=exception_signature(exc),
                message=safe_text(message), seconds=seconds, fault_stage=_failure_stage(self.converter, exc))
        seconds = time.perf_counter() - started
        if scratch not in produced.parents:
            raise RuntimeError(f"converter {self.converter.name!r} wrote {produced} outside its output_dir {scratch}")
        relative, sha256, size = self.cache.publish_artifact(job.conversion_key, produced)
        return ConversionRecord(**identity, outcome=Outcome.OK.value, artifact=relative, artifact_sha256=sha256,
                                artifact_bytes=size, seconds=seconds,
                                notes=safe_text("\n".join(notes), 8_000) if notes else None)

    def judge(self, oracles: list[Oracle], runs: dict[str, ExtraRun]) -> CaseResult | None:
        """Run oracles; return the failure of the first that failed, if any."""
        first_failure: CaseResult | None = None
        for oracle in oracles:
            if not oracle.applies_to(self.evidence.artifact_format):
                continue
            started = time.perf_counter()  # the oracle's own computation, its repeated runs included
            verdict, signature = verdict_of(oracle, self.evidence, self.options_of(oracle), self.requests, runs,
                                            self.sets)
            self.verdicts.append(verdict_record(oracle.name, verdict, time.perf_counter() - started))
            self.send(VERDICTS, tuple(self.verdicts))
            if verdict.passed is False and first_failure is None:
                first_failure = CaseResult.oracle_failure(
                    oracle.failure_outcome, "check" if oracle.stage == "artifact" else "judge", oracle.name,
                    verdict.subkind, signature, verdict.message)
        return first_failure

    def options_of(self, oracle: Oracle) -> Any:
        return self.job.oracle_options.get(oracle.name, {})

    def localized(self, result: CaseResult) -> CaseResult:
        """``result`` with its fault located by the second runtime, when it can be: by the
        localization of the same failure in this environment if there is one
        (:class:`localize.Shared`), else by running the artifact again."""
        if not localize.needs_localizing(result, self.second):
            return result
        assert self.second is not None
        shared = localize.Shared(Path(self.job.localizations), self.second.name) if self.job.localizations else None
        earlier = shared.find(result) if shared else None
        if earlier is not None:
            self.verdicts.append(earlier.referring_verdict(self.second.name))
            self.send(VERDICTS, tuple(self.verdicts))
            return result.but(fault_location=earlier.location, localized_by=earlier.result_id)
        self.send(RESULT, self.finished(result))
        started = time.perf_counter()
        judges = localize.judges_of(result, self.output_oracles, self.requests)
        location, verdict = localize.second_opinion(self.second, self.evidence, judges, self.requests, self.sets,
                                                    self.options_of, self.job.second_runtime_timeout)
        self.timings["localize_seconds"] = time.perf_counter() - started
        record = verdict_record(f"{LOCALIZATION_PREFIX}{self.second.name}", verdict)
        self.verdicts.append(record)
        self.send(VERDICTS, tuple(self.verdicts))
        located = result.but(fault_location=location)
        if shared is not None and shared.shares(result):
            self.send(RESULT, self.finished(located))  # known to the parent before others refer to it
            shared.record(result.outcome.value, result.signature, localize.Localization(
                self.job.result_id, self.job.case_id, location, record.passed, record.subkind, record.message))
        return located


INCOMPATIBLE_ENVIRONMENT = "incompatible_environment"


def missing_module(exc: BaseException) -> str | None:
    """The import that failed under a converter's exception (``ModuleNotFoundError: No
    module named ...`` anywhere in its chain), one line; ``None`` if none did."""
    for link in exception_chain(exc):
        if isinstance(link, ImportError):
            return f"{type(link).__name__}: {link}".splitlines()[0]
    return None


def _failure_stage(converter: Converter, exc: BaseException) -> str | None:
    try:
        return converter.failure_stage(exc)
    except Exception:  # noqa: BLE001 - a plugin's classifier must not hide the failure
        traceback.print_exc()
        return None
