"""One case, in its own child process: reference, convert, check, load, run, judge, and
for a failure, localize.

The child tells the parent which stage it is in before entering it, so that a crash or a
hang is attributed to the right stage, and it sends the conversion's outcome as soon as
it is known, so the artifact is shared with other environments even if the runtime then
crashes. A failure's result is sent before the second runtime localizes it, so that a
second runtime that dies or hangs costs only the localization. Everything the plugins
print goes to the case's log file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import faulthandler
import os
import shutil
import sys
import signal
import time
import traceback
from pathlib import Path
from typing import Any

from tracker.api import ConversionRequest, Evidence, ExtraRun, Verdict
from tracker.cases import hash_json
from tracker.inputs import make_inputs
from tracker.outcomes import STAGE_OUTCOME, Outcome
from tracker.signatures import exception_signature, safe_text
from tracker.worker import extras, memory
from tracker.worker.cache import Cache
from tracker.worker.job import Job
from tracker.worker.procs import die_with_parent


class _Messenger:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def send(self, kind: str, payload: Any = None) -> None:
        self.connection.send((kind, payload))


def _isolate(job: Job) -> Any:
    """Own process group (so the parent can kill everything we spawn), output to the log,
    Python tracebacks on fatal signals, death when the parent dies."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    die_with_parent(9)
    Path(job.log_path).parent.mkdir(parents=True, exist_ok=True)
    log = open(job.log_path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    faulthandler.enable(file=log, all_threads=True)
    os.environ["TRACKER_THREADS"] = str(job.threads)
    return log


def probe(modules: list[str], connection: Any) -> None:
    """Report which of ``modules`` fail to import in this environment."""
    from tracker.worker import zygote

    errors = {m: e for m, e in zygote.PRELOAD_ERRORS.items() if m in modules}
    for module in modules:
        if module in errors:
            continue
        try:
            __import__(module)
        except BaseException as exc:  # noqa: BLE001
            errors[module] = "".join(traceback.format_exception(exc)[-12:])
    connection.send(("probe", {"errors": errors, "warmup_errors": dict(zygote.WARMUP_ERRORS)}))
    connection.close()


def run_case(job: Job, connection: Any) -> None:
    _isolate(job)
    messenger = _Messenger(connection)
    runner = _CaseRun(job, messenger)
    try:
        result = runner.run()
    except BaseException as exc:  # noqa: BLE001 - report, never die silently
        traceback.print_exc()
        result = {
            "outcome": Outcome.CRASH.value,
            "subkind": "worker_error",
            "stage": "setup",
            "signature": exception_signature(exc),
            "message": safe_text("".join(traceback.format_exception(exc))),
        }
    result["timings"] = runner.timings
    result["verdicts"] = runner.verdicts
    messenger.send("result", result)
    connection.close()


class _CaseRun:
    def __init__(self, job: Job, messenger: _Messenger) -> None:
        self.job = job
        self.messenger = messenger
        self.cache = Cache(Path(job.cache_root))
        self.timings: dict[str, float] = {}
        self.verdicts: list[dict[str, Any]] = []
        self.model: Any = None

    def stage(self, name: str) -> None:
        self.messenger.send("stage", name)

    def failure(self, stage: str, exc: BaseException, subkind: str | None = None) -> dict[str, Any]:
        traceback.print_exception(exc)
        return {
            "outcome": STAGE_OUTCOME[stage].value,
            "subkind": subkind,
            "stage": stage,
            "signature": exception_signature(exc),
            "message": safe_text("".join(traceback.format_exception(exc)[-20:])),
        }

    def run(self) -> dict[str, Any]:
        job = self.job
        self.stage("setup")
        from tracker.worker import zygote

        registry = zygote.REGISTRY
        if registry is None:
            from tracker.registry import Registry

            registry = Registry.load()
        case = registry.get("model", job.case_id)
        if case.content_hash != job.case_hash:
            raise RuntimeError(f"case {job.case_id} changed while the sweep ran; rerun it")
        framework = registry.get("framework", job.framework)
        converter = registry.get("converter", job.converter)
        runtime = registry.get("runtime", job.runtime)
        second = registry.get("runtime", job.second_runtime) if job.second_runtime else None
        oracles = [registry.get("oracle", name) for name in job.oracles]
        output_oracles = [o for o in oracles if o.stage == "outputs" and o.applies_to(converter.output_format)]

        # -- reference, and the extra input sets the oracles ask for ----------------------
        self.stage("reference")
        started = time.perf_counter()
        try:
            inputs, expected = self.reference(framework, case)
        except Exception as exc:  # noqa: BLE001
            return self.failure("reference", exc, "reference_failed")
        self.timings["reference_seconds"] = time.perf_counter() - started
        # the extra sets are for output oracles: none where the runtime cannot run at all
        requests = ({} if runtime.not_runnable_reason() is not None
                    else extras.requests(case, output_oracles, job.oracle_options, job.options))

        # -- conversion -------------------------------------------------------------------
        conversion = job.conversion
        reused = conversion is not None
        if conversion is None:
            self.stage("convert")
            conversion = self.convert(framework, converter, case, inputs[0])
            self.messenger.send("conversion", conversion)
        self.timings["convert_seconds"] = conversion.get("seconds") or 0.0
        if conversion["outcome"] != Outcome.OK.value:
            return {
                "outcome": conversion["outcome"],
                "subkind": conversion.get("subkind"),
                "stage": "convert",
                "signature": conversion.get("signature"),
                "message": conversion.get("message"),
                "conversion_reused": reused,
                "fault_location": "converter",
                "fault_stage": conversion.get("fault_stage"),
            }
        # made only for an artifact to run them on: an attack on a large source model can
        # take minutes, wasted on a case that failed to convert
        self.stage("reference")
        started = time.perf_counter()
        maker = extras.Maker(self.cache, job.reference_key, case, framework, self.source_model)
        sets = maker.make_all(extras.unique(requests))
        self.timings["reference_seconds"] += time.perf_counter() - started
        artifact = self.cache.root / conversion["artifact"]
        evidence = Evidence(
            case=case,
            artifact=artifact,
            artifact_format=converter.output_format,
            options={},
            converter_options=dict(job.options),
            inputs=inputs,
            expected=expected,
            timings=self.timings,
            source=self.cache.reference_info(job.reference_key),
        )

        # -- artifact oracles -------------------------------------------------------------
        self.stage("check")
        artifact_failed = self.judge([o for o in oracles if o.stage == "artifact"], evidence, requests,
                                     {}, extras.ExtraSets())
        if artifact_failed is not None:
            artifact_failed["fault_location"] = "converter"

        # -- runtime ----------------------------------------------------------------------
        outcome: dict[str, Any] | None = artifact_failed
        reason = runtime.not_runnable_reason()
        if reason is not None:
            return outcome or {
                "outcome": Outcome.NOT_RUNNABLE.value,
                "stage": "load",
                "signature": f"not runnable: {reason}",
                "message": reason,
                "conversion_reused": reused,
            }
        names = [spec.name for spec in case.inputs]
        self.stage("load")
        before = memory.start_peak_window()
        started = time.perf_counter()
        try:
            session = runtime.load(artifact, job.runtime_options)
        except Exception as exc:  # noqa: BLE001
            failed = outcome or self.failure("load", exc) | {"conversion_reused": reused}
            return self.localized(failed, evidence, second, output_oracles, requests, sets)
        self.timings["load_seconds"] = time.perf_counter() - started
        self.stage("run")
        started = time.perf_counter()
        try:
            actual = [runtime.run(session, dict(zip(names, sample, strict=True))) for sample in inputs]
        except Exception as exc:  # noqa: BLE001
            failed = outcome or self.failure("run", exc) | {"conversion_reused": reused}
            return self.localized(failed, evidence, second, output_oracles, requests, sets)
        self.timings["run_seconds"] = time.perf_counter() - started
        evidence.runtime = memory.peak_window_since(before)
        runs = extras.run_all(sets, lambda sample: runtime.run(session, dict(zip(names, sample, strict=True))))

        # -- output oracles ---------------------------------------------------------------
        self.stage("judge")
        evidence.actual = actual
        evidence.run_converted = lambda sample: runtime.run(session, dict(zip(names, sample, strict=True)))
        outputs_failed = self.judge(output_oracles, evidence, requests, runs, sets)
        if outputs_failed is None and not any(
            v["passed"] is True for v in self.verdicts
            if v["oracle"] in {o.name for o in output_oracles}
        ):
            # nothing vouched for the outputs: never a pass by default
            outputs_failed = {
                "outcome": Outcome.INCORRECT.value,
                "subkind": "unjudged",
                "stage": "judge",
                "signature": "no output oracle gave a verdict",
                "message": "no oracle judged the outputs (all were not applicable)",
            }
        final = outcome or outputs_failed or {"outcome": Outcome.OK.value, "stage": None}
        return self.localized(final | {"conversion_reused": reused}, evidence, second, output_oracles,
                              requests, sets)

    # -- the stages -----------------------------------------------------------------------
    def source_model(self, framework: Any, case: Any) -> Any:
        """The source model, built once per child (only when something needs it)."""
        if self.model is None:
            self.model = framework.build(case)
        return self.model

    def reference(self, framework: Any, case: Any) -> tuple[list[Any], list[Any]]:
        """The input sets and the framework's outputs on them, from the cache or computed
        (with the numbers measured on the source model saved beside them)."""
        cached = self.cache.load_reference(self.job.reference_key)
        if cached is not None:
            return cached
        model = self.source_model(framework, case)
        inputs = [make_inputs(case.inputs, case.seed, s) for s in range(case.samples)]
        expected = [framework.run(model, sample) for sample in inputs]
        info = extras.measure_source(framework, model, inputs[0])
        self.cache.save_reference(self.job.reference_key, inputs, expected, info)
        return inputs, expected

    def convert(self, framework: Any, converter: Any, case: Any, sample: list[Any]) -> dict[str, Any]:
        job = self.job
        record: dict[str, Any] = {
            "conversion_key": job.conversion_key,
            "converter": job.converter,
            "variant": job.variant,
            "options": dict(job.options),
            "fingerprint": dict(job.converter_fingerprint),
            "case_id": case.id,
            "case_hash": case.content_hash,
        }
        started = time.perf_counter()
        scratch = self.cache.scratch_dir(job.conversion_key)
        try:
            request = ConversionRequest(
                case=case,
                model=self.source_model(framework, case),
                sample_inputs=sample,
                options=dict(job.options),
                output_dir=scratch,
            )
            produced = converter.convert(request)
        except Exception as exc:  # noqa: BLE001
            seconds = time.perf_counter() - started
            shutil.rmtree(scratch, ignore_errors=True)
            traceback.print_exception(exc)
            return record | {
                "outcome": Outcome.CONVERT_ERROR.value,
                "subkind": converter.classify_error(exc),
                "signature": exception_signature(exc),
                "message": safe_text("".join(traceback.format_exception(exc)[-20:])),
                "seconds": seconds,
                "fault_stage": _failure_stage(converter, exc),
            }
        seconds = time.perf_counter() - started
        if scratch not in produced.parents:
            raise RuntimeError(
                f"converter {converter.name!r} wrote {produced} outside its output_dir {scratch}"
            )
        relative, sha256, size = self.cache.publish_artifact(job.conversion_key, produced)
        return record | {
            "outcome": Outcome.OK.value,
            "artifact": relative,
            "artifact_sha256": sha256,
            "artifact_bytes": size,
            "seconds": seconds,
        }

    def judge(self, oracles: list[Any], evidence: Evidence, requests: dict[str, dict[str, Any]],
              runs: dict[str, ExtraRun], sets: extras.ExtraSets) -> dict[str, Any] | None:
        """Run oracles; return the failure outcome of the first that failed, if any."""
        first_failure: dict[str, Any] | None = None
        for oracle in oracles:
            if not oracle.applies_to(evidence.artifact_format):
                continue
            verdict, signature = self.verdict_of(oracle, evidence, requests, runs, sets)
            self.verdicts.append(_verdict_record(oracle.name, verdict))
            self.messenger.send("verdicts", self.verdicts)
            if verdict.passed is False and first_failure is None:
                first_failure = {
                    "outcome": oracle.failure_outcome.value,
                    "subkind": verdict.subkind,
                    "stage": "check" if oracle.stage == "artifact" else "judge",
                    "signature": signature,
                    "message": safe_text(verdict.message),
                    "failed_oracle": oracle.name,
                }
        return first_failure

    def verdict_of(self, oracle: Any, evidence: Evidence, requests: dict[str, dict[str, Any]],
                   runs: dict[str, ExtraRun], sets: extras.ExtraSets) -> tuple[Verdict, str]:
        """One oracle's verdict on ``evidence`` (given the extra runs it asked for) and the
        signature its failure would have; an oracle that raises has failed."""
        evidence.options = {**oracle.defaults, **self.job.oracle_options.get(oracle.name, {})}
        asked = requests.get(oracle.name, {})
        evidence.extra = {name: runs[key] for name, (key, _) in asked.items() if key in runs}
        evidence.extra_unavailable = {name: sets.unavailable.get(key, "these inputs were not made")
                                      for name, (key, _) in asked.items() if key not in runs}
        try:
            verdict = oracle.judge(evidence)
            return verdict, f"{oracle.name}: {verdict.subkind or 'failed'}"
        except Exception as exc:  # noqa: BLE001 - an oracle bug is a failed verdict
            traceback.print_exception(exc)
            verdict = Verdict(False, message=safe_text(f"oracle raised {exc!r}"), subkind="oracle_error")
            return verdict, f"{oracle.name}: {exception_signature(exc)}"

    # -- localization ---------------------------------------------------------------------
    def localized(self, failed: dict[str, Any], evidence: Evidence, second: Any, output_oracles: list[Any],
                  requests: dict[str, dict[str, Any]], sets: extras.ExtraSets) -> dict[str, Any]:
        """``failed`` with ``fault_location``: a failure of the runtime stages is run again
        in the second runtime (when the pipeline names one), and judged again by the
        oracle that failed (by every output oracle that needs no extra inputs, for a
        failure to load or run). The second runtime agreeing with the source puts the
        fault on the runtime under test; disagreeing too, on the converter; failing or
        not finishing in time, nowhere (``undetermined``)."""
        if failed.get("fault_location") or failed["outcome"] not in LOCALIZABLE:
            return failed
        if second is None:
            return failed
        self.messenger.send("result", failed | {"timings": dict(self.timings), "verdicts": list(self.verdicts)})
        name = failed.get("failed_oracle")
        judges = ([o for o in output_oracles if o.name == name] if name
                  else [o for o in output_oracles if not requests.get(o.name)])
        location, verdict = self.second_opinion(second, evidence, judges, requests, sets)
        self.verdicts.append(_verdict_record(f"localize:{second.name}", verdict))
        self.messenger.send("verdicts", self.verdicts)
        return failed | {"fault_location": location}

    def second_opinion(self, second: Any, evidence: Evidence, judges: list[Any],
                       requests: dict[str, dict[str, Any]], sets: extras.ExtraSets) -> tuple[str, Verdict]:
        """(location, the verdict recorded for the localization)."""
        if not judges:
            return "undetermined", Verdict(None, message="no oracle can judge the second runtime's outputs",
                                           subkind="undetermined")
        names = [spec.name for spec in evidence.case.inputs]
        started = time.perf_counter()
        try:
            with _deadline(self.job.second_runtime_timeout):
                session = second.load(evidence.artifact, {})
                run = lambda sample: second.run(session, dict(zip(names, sample, strict=True)))  # noqa: E731
                actual = [run(sample) for sample in evidence.inputs or []]
                wanted = {key for oracle in judges for key, _ in requests.get(oracle.name, {}).values()}
                runs = extras.run_all(sets.only(wanted), run)
                second_evidence = dataclasses.replace(evidence, actual=actual, run_converted=run, runtime={})
                verdicts = [self.verdict_of(oracle, second_evidence, requests, runs, sets)[0] for oracle in judges]
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


# the outcomes a second runtime can localize: the artifact converted and passed its checks
LOCALIZABLE = {Outcome.RUNTIME_LOAD_ERROR.value, Outcome.RUNTIME_ERROR.value, Outcome.INCORRECT.value}


def _verdict_record(oracle: str, verdict: Verdict) -> dict[str, Any]:
    return {
        "oracle": oracle,
        "passed": verdict.passed,
        "subkind": verdict.subkind,
        "message": safe_text(verdict.message, 4_000),
        "metrics": {k: float(v) for k, v in verdict.metrics.items()},
    }


def _failure_stage(converter: Any, exc: BaseException) -> str | None:
    try:
        return converter.failure_stage(exc)
    except Exception:  # noqa: BLE001 - a plugin's classifier must not hide the failure
        traceback.print_exc()
        return None


@contextlib.contextmanager
def _deadline(seconds: float) -> Any:
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
