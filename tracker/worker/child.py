"""One case, in its own child process: reference, convert, check, load, run, judge.

The child tells the parent which stage it is in before entering it, so that a crash or a
hang is attributed to the right stage, and it sends the conversion's outcome as soon as
it is known, so the artifact is shared with other environments even if the runtime then
crashes. Everything the plugins print goes to the case's log file.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from tracker.api import ConversionRequest, Evidence, Verdict
from tracker.inputs import make_inputs
from tracker.outcomes import STAGE_OUTCOME, Outcome
from tracker.signatures import exception_signature, safe_text
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
        oracles = [registry.get("oracle", name) for name in job.oracles]

        # -- reference --------------------------------------------------------------------
        self.stage("reference")
        started = time.perf_counter()
        cached = self.cache.load_reference(job.reference_key)
        if cached is None:
            try:
                self.model = framework.build(case)
                inputs = [make_inputs(case.inputs, case.seed, s) for s in range(case.samples)]
                expected = [framework.run(self.model, sample) for sample in inputs]
            except Exception as exc:  # noqa: BLE001
                return self.failure("reference", exc, "reference_failed")
            self.cache.save_reference(job.reference_key, inputs, expected)
        else:
            inputs, expected = cached
        self.timings["reference_seconds"] = time.perf_counter() - started

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
            }
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
        )

        # -- artifact oracles -------------------------------------------------------------
        self.stage("check")
        artifact_failed = self.judge([o for o in oracles if o.stage == "artifact"], evidence)

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
        self.stage("load")
        started = time.perf_counter()
        try:
            session = runtime.load(artifact, job.runtime_options)
        except Exception as exc:  # noqa: BLE001
            return outcome or self.failure("load", exc) | {"conversion_reused": reused}
        self.timings["load_seconds"] = time.perf_counter() - started
        self.stage("run")
        started = time.perf_counter()
        try:
            names = [spec.name for spec in case.inputs]
            actual = [runtime.run(session, dict(zip(names, sample, strict=True))) for sample in inputs]
        except Exception as exc:  # noqa: BLE001
            return outcome or self.failure("run", exc) | {"conversion_reused": reused}
        self.timings["run_seconds"] = time.perf_counter() - started

        # -- output oracles ---------------------------------------------------------------
        self.stage("judge")
        evidence.actual = actual
        output_oracles = [o for o in oracles if o.stage == "outputs"]
        outputs_failed = self.judge(output_oracles, evidence)
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
        return final | {"conversion_reused": reused}

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
            if self.model is None:
                self.model = framework.build(case)
            request = ConversionRequest(
                case=case,
                model=self.model,
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
            }
        seconds = time.perf_counter() - started
        if produced.parent != scratch:
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

    def judge(self, oracles: list[Any], evidence: Evidence) -> dict[str, Any] | None:
        """Run oracles; return the failure outcome of the first that failed, if any."""
        first_failure: dict[str, Any] | None = None
        for oracle in oracles:
            if not oracle.applies_to(evidence.artifact_format):
                continue
            evidence.options = {**oracle.defaults, **self.job.oracle_options.get(oracle.name, {})}
            try:
                verdict = oracle.judge(evidence)
                signature = f"{oracle.name}: {verdict.subkind or 'failed'}"
            except Exception as exc:  # noqa: BLE001 - an oracle bug is a failed verdict
                traceback.print_exception(exc)
                verdict = Verdict(False, message=safe_text(f"oracle raised {exc!r}"), subkind="oracle_error")
                signature = f"{oracle.name}: {exception_signature(exc)}"
            self.verdicts.append(
                {
                    "oracle": oracle.name,
                    "passed": verdict.passed,
                    "subkind": verdict.subkind,
                    "message": safe_text(verdict.message, 4_000),
                    "metrics": {k: float(v) for k, v in verdict.metrics.items()},
                }
            )
            self.messenger.send("verdicts", self.verdicts)
            if verdict.passed is False and first_failure is None:
                first_failure = {
                    "outcome": oracle.failure_outcome.value,
                    "subkind": verdict.subkind,
                    "stage": "check" if oracle.stage == "artifact" else "judge",
                    "signature": signature,
                    "message": safe_text(verdict.message),
                }
        return first_failure
