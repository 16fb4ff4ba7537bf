"""Sweep one matrix pair inside its environment: every selected case, each in a child.

Called by ``tracker run`` (which ``noxfile.py`` invokes in each environment). Results
already stored for this environment, configuration and case are not recomputed; each new
result is committed as soon as its case ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tracker.api import missing_modules
from tracker.cases import ModelCase, hash_json, manifest_hash, select
from tracker.envinfo import Environment, describe_current, unbuildable
from tracker.errors import ConfigError, SelectionError
from tracker.matrix import Pair
from tracker.outcomes import Outcome
from tracker.registry import Registry
from tracker.shards import Shard
from tracker.signatures import safe_text, signature
from tracker.store import ConversionRecord, ResultRecord, Store, VerdictRecord
from tracker.worker import extras
from tracker.worker.cache import Cache, conversion_key, reference_key
from tracker.worker.interrupts import Interrupts
from tracker.worker.job import ChildReport, Job
from tracker.worker.pool import Pool
from tracker.worker.procs import signal_name


@dataclasses.dataclass
class SweepOptions:
    store: Path
    cache: Path
    logs: Path
    model_set: str | None = "default"
    patterns: Sequence[str] = ()
    jobs: int = 1
    threads: int = 1
    timeout: float = 600.0
    memory_limit_mb: float = 8192.0
    recompute: bool = False
    argv: Sequence[str] = ()
    shard: Shard | None = None  # only the selected cases of this shard (tracker.shards)


@dataclasses.dataclass
class SweepSummary:
    pair: str
    selected: int = 0
    reused: int = 0
    computed: int = 0
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)
    interrupted: bool = False
    seconds: float = 0.0
    not_applicable: int = 0
    env_id: str | None = None  # the environment the results are stored under

    def line(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing new"
        state = "INTERRUPTED: " if self.interrupted else ""
        return (
            f"{state}{self.pair}: {self.selected} cases, {self.reused} already stored, "
            f"{self.computed} computed ({counts}) in {self.seconds:.1f}s"
        )


INTERRUPTED_EXIT_CODE = 130  # as a shell reports a process stopped by SIGINT


def config_key(pair: Pair) -> str:
    """What, besides the environment and the case, makes a result: the pipeline config."""
    return hash_json(
        {
            "pipeline": pair.pipeline,
            "variant": pair.variant,
            "framework": pair.framework,
            "converter": pair.converter,
            "runtime": pair.runtime,
            "options": dict(pair.options),
            "runtime_options": dict(pair.runtime_options),
        }
    )[:16]


class Sweep:
    def __init__(self, pair: Pair, options: SweepOptions, out: Callable[[str], None] = print) -> None:
        self.pair = pair
        self.options = options
        self.out = out
        self.summary = SweepSummary(pair=pair.id)
        self.cache = Cache(options.cache)
        self.started = time.monotonic()
        self.oracle_names: list[str] = []
        self.second_runtime: str | None = None
        self._id_width = 28  # of the case-id column in the progress lines
        self.interrupts = Interrupts()

    # -- entry points ---------------------------------------------------------------------
    def run(self) -> SweepSummary:
        registry = Registry.load()
        registry.require_healthy()
        framework = registry.get("framework", self.pair.framework)
        converter = registry.get("converter", self.pair.converter)
        runtime = registry.get("runtime", self.pair.runtime)
        oracles = self._oracles(registry)
        self.oracle_names = [o.name for o in oracles]
        self.second_runtime = self._second_runtime(registry)
        if self.pair.framework not in converter.frameworks:
            raise ConfigError(
                f"{self.pair.source}: converter {converter.name!r} does not accept "
                f"{self.pair.framework!r} models (it accepts {', '.join(converter.frameworks)})"
            )
        cases = self._select(registry)
        env = describe_current()
        with Store.open(self.options.store) as store:
            todo = self._prepare(store, env, cases)
            if not todo:
                return self._finish()
            reasons = {
                f"{c.kind} {c.name}": c.unavailable_reason()
                for c in (framework, converter, runtime, *oracles)
            }
            unavailable = {k: r for k, r in reasons.items() if r}
            run_id = self._start_run(store, env, cases)
            if unavailable:
                message = "; ".join(f"{k}: {r}" for k, r in unavailable.items())
                self._record_env_error(store, run_id, env, todo, "ImportError", message)
                return self._finish(store, run_id)
            self.cache.clean_scratch()
            self._run_cases(store, run_id, env, todo, framework, converter, runtime, oracles)
            return self._finish(store, run_id)

    def record_unbuildable(self, installer_output: str) -> SweepSummary:
        """The pair's environment could not be built: ``env_error`` for every case it
        would have run (what the environment would have installed is unknown, so a
        case's own ``requires`` cannot be checked: only the converter's refusals count)."""
        registry = Registry.load()
        cases = [c for c in self._select(registry, applicable_only=False)
                 if registry.get("converter", self.pair.converter).accepts(c, dict(self.pair.options)) is None]
        env = unbuildable(self.pair.requested())
        with Store.open(self.options.store) as store:
            todo = self._prepare(store, env, cases, buildable=False)
            if not todo:
                return self._finish()
            run_id = self._start_run(store, env, cases)
            self._record_env_error(store, run_id, env, todo, "InstallError", installer_output)
            return self._finish(store, run_id)

    # -- steps ----------------------------------------------------------------------------
    def _oracles(self, registry: Registry) -> list[Any]:
        names = list(self.pair.oracles) or sorted(registry.oracles)
        oracles = [registry.get("oracle", name) for name in names]
        if not any(o.stage == "outputs" for o in oracles):
            raise ConfigError(
                f"{self.pair.source}: pipeline {self.pair.pipeline!r} has no oracle that judges "
                "outputs, so nothing could ever fail as incorrect",
                hint="add one (e.g. 'numeric') to its 'oracles' list",
            )
        return oracles

    def _second_runtime(self, registry: Registry) -> str | None:
        """The runtime that localizes failures, if the pipeline names one and it can run here."""
        name = self.pair.second_runtime
        if name is None:
            return None
        second = registry.get("runtime", name)  # a misspelled name is a plugin error
        reason = second.unavailable_reason() or second.not_runnable_reason()
        if reason:
            self.out(f"   warning: the second runtime {name} cannot run here ({reason}): "
                     "failures are not localized")
            return None
        return name

    def _select(self, registry: Registry, *, applicable_only: bool = True) -> list[ModelCase]:
        cases = select(
            registry.cases,
            model_set=self.options.model_set,
            patterns=self.options.patterns,
            frameworks=[self.pair.framework],
        )
        if not cases:
            raise SelectionError(
                f"no {self.pair.framework} case in the selection "
                f"(set {self.options.model_set!r}, patterns {list(self.options.patterns)})"
            )
        if self.options.shard is not None:  # may leave none of a small selection: not an error
            cases = [c for c in cases if self.options.shard.holds(c.id)]
        if applicable_only:
            cases = self._applicable(registry, cases)
        return cases

    def _applicable(self, registry: Registry, cases: list[ModelCase]) -> list[ModelCase]:
        """The cases this pair can take at all: their modules are installed here and the
        converter variant accepts them (see ``ModelCase.requires``, ``Converter.accepts``).
        The others are left out of the pair, and counted by reason."""
        converter = registry.get("converter", self.pair.converter)
        kept: list[ModelCase] = []
        reasons: Counter[str] = Counter()
        for case in cases:
            missing = missing_modules(case.requires)
            reason = (f"needs {', '.join(missing)}, not installed here" if missing
                      else converter.accepts(case, dict(self.pair.options)))
            if reason:
                reasons[reason] += 1
            else:
                kept.append(case)
        for reason, count in sorted(reasons.items()):
            self.out(f"   {count} case(s) not applicable to this pair: {reason}")
        self.summary.not_applicable = sum(reasons.values())
        return kept

    def _prepare(
        self, store: Store, env: Environment, cases: list[ModelCase], buildable: bool = True
    ) -> list[ModelCase]:
        store.record_environment(
            env, label=self.pair.id, requested=self.pair.requested(), buildable=buildable
        )
        store.record_cases(cases)
        done = set() if self.options.recompute else store.stored_cases(env.env_id, config_key(self.pair))
        todo = [c for c in cases if (c.id, c.content_hash) not in done]
        self.summary.env_id = env.env_id
        self.summary.selected = len(cases)
        self.summary.reused = len(cases) - len(todo)
        self.out(
            f"== {self.pair.id}\n   environment {env.env_id}: {len(cases)} cases selected, "
            f"{self.summary.reused} already stored (not recomputed), {len(todo)} to run"
        )
        return todo

    def _start_run(self, store: Store, env: Environment, cases: list[ModelCase]) -> str:
        return store.start_run(
            env_id=env.env_id,
            label=self.pair.id,
            pipeline=self.pair.pipeline,
            variant=self.pair.variant,
            model_set=self.options.model_set,
            manifest_hash=manifest_hash(cases),
            case_count=len(cases),
            argv=self.options.argv,
        )

    def _finish(self, store: Store | None = None, run_id: str | None = None) -> SweepSummary:
        self.summary.seconds = time.monotonic() - self.started
        if store is not None and run_id is not None:
            status = "interrupted" if self.summary.interrupted else "finished"
            store.finish_run(
                run_id, status=status, computed=self.summary.computed, reused=self.summary.reused
            )
        self.out(f"   {self.summary.line()}")
        return self.summary

    def _base_record(self, run_id: str, env: Environment, case: ModelCase) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "env_id": env.env_id,
            "config_key": config_key(self.pair),
            "pipeline": self.pair.pipeline,
            "variant": self.pair.variant,
            "framework": self.pair.framework,
            "converter": self.pair.converter,
            "runtime": self.pair.runtime,
            "case_id": case.id,
            "case_hash": case.content_hash,
        }

    def _record_env_error(
        self, store: Store, run_id: str, env: Environment, todo: list[ModelCase], kind: str, text: str
    ) -> None:
        message = safe_text(text)
        sig = signature(kind, _error_line(text))
        self.out(f"   env_error: {sig}")
        for case in todo:
            store.record_result(
                ResultRecord(
                    **self._base_record(run_id, env, case),
                    outcome=Outcome.ENV_ERROR.value,
                    stage="setup",
                    signature=sig,
                    message=message,
                )
            )
            self.summary.computed += 1
            self.summary.outcomes[Outcome.ENV_ERROR.value] += 1

    def _run_cases(
        self,
        store: Store,
        run_id: str,
        env: Environment,
        todo: list[ModelCase],
        framework: Any,
        converter: Any,
        runtime: Any,
        oracles: list[Any],
    ) -> None:
        framework_fp = env.fingerprint(framework.packages)
        converter_fp = env.fingerprint([*framework.packages, *converter.packages])
        jobs = [self._job(c, run_id, framework_fp, converter_fp, store) for c in todo]
        # When every reference, extra input set and conversion is already cached (a pair
        # that differs only in its runtime), the framework and converter are not imported.
        output_oracles = [o for o in oracles if o.stage == "outputs" and o.applies_to(converter.output_format)]
        needs_source = any(
            job.conversion is None or not self.cache.reference_path(job.reference_key).is_file()
            # extra sets are made only for a converted case
            or (runtime.not_runnable_reason() is None and job.conversion.get("outcome") == Outcome.OK.value
                and self._extras_missing(case, job, output_oracles))
            for case, job in zip(todo, jobs, strict=True)
        )
        warmup = [("runtime", runtime, dict(self.pair.runtime_options))]
        if needs_source:
            warmup = [("framework", framework, {}), ("converter", converter, dict(self.pair.options)),
                      *warmup]
        components = [c for _, c, _ in warmup] + oracles
        preload = list(dict.fromkeys(m for c in components for m in c.preload))
        required = list(dict.fromkeys(m for c in components for m in c.requires))
        pool = Pool(
            jobs=self.options.jobs,
            timeout=self.options.timeout,
            memory_limit_mb=self.options.memory_limit_mb,
            preload=preload,
            warmup=[(c.kind, c.name, options) for _, c, options in warmup],
        )
        with self.interrupts.installed():
            reused = "" if needs_source else " (references and artifacts all cached)"
            self.out(f"   importing {', '.join(preload) or '(nothing)'} once for all cases{reused} ...")
            probe = pool.probe(required)
            if probe.get("errors"):
                text = "\n".join(f"import {m}:\n{t}" for m, t in probe["errors"].items())
                self._record_env_error(store, run_id, env, todo, "ImportError", text)
                return
            for name, text in (probe.get("warmup_errors") or {}).items():
                self.out(f"   warning: warm-up of {name} failed (cases still run): {_error_line(text)}")
            self._run_jobs(store, run_id, env, todo, pool, jobs)

    def _extras_missing(self, case: ModelCase, job: Job, oracles: list[Any]) -> bool:
        recipes = extras.unique(extras.requests(case, oracles, job.oracle_options, job.options))
        return any(not self.cache.extra_path(job.reference_key, key).is_file()
                   and self.cache.extra_unavailable(job.reference_key, key) is None for key in recipes)

    def _run_jobs(
        self, store: Store, run_id: str, env: Environment, todo: list[ModelCase], pool: Pool, jobs: list[Job]
    ) -> None:
        cases = {c.id: c for c in todo}
        self._id_width = max(len(case_id) for case_id in cases)

        def on_message(job: Job, kind: str, payload: Any) -> None:
            if kind == "conversion":
                with self.interrupts.held():
                    store.record_conversion(ConversionRecord(**payload))

        try:
            for done, report in enumerate(pool.run(jobs, on_message), start=1):
                with self.interrupts.held():
                    outcome = self._record_report(store, run_id, env, cases[report.job.case_id], report)
                self._progress(done, len(jobs), report, outcome)
        except KeyboardInterrupt:
            pool.stop("interrupt")
            self.summary.interrupted = True
            self.out(
                f"   interrupted after {self.summary.computed} of {len(jobs)} cases; "
                "every finished case is stored; run the same command again to resume"
            )

    def _job(
        self, case: ModelCase, run_id: str, framework_fp: dict, converter_fp: dict, store: Store
    ) -> Job:
        key = conversion_key(case, self.pair.converter, converter_fp, self.pair.options)
        stored = None if self.options.recompute else store.conversion(key)
        if stored is not None and stored.outcome == Outcome.OK.value:
            if self.cache.artifact_path(stored.artifact) is None:
                stored = None  # the artifact was removed from the cache: convert again
        return Job(
            case_id=case.id,
            case_hash=case.content_hash,
            framework=self.pair.framework,
            converter=self.pair.converter,
            runtime=self.pair.runtime,
            variant=self.pair.variant,
            options=dict(self.pair.options),
            runtime_options=dict(self.pair.runtime_options),
            oracles=list(self.oracle_names),
            oracle_options={k: dict(v) for k, v in self.pair.oracle_options.items()},
            cache_root=str(self.cache.root),
            reference_key=reference_key(case, framework_fp),
            conversion_key=key,
            converter_fingerprint=converter_fp,
            conversion=dataclasses.asdict(stored) if stored is not None else None,
            log_path=str(self.options.logs / run_id / f"{case.id}.log"),
            threads=self.options.threads,
            second_runtime=self.second_runtime,
            second_runtime_timeout=self.pair.second_runtime_timeout,
        )

    def _record_report(
        self, store: Store, run_id: str, env: Environment, case: ModelCase, report: ChildReport
    ) -> str:
        result = report.message("result")
        verdicts = report.message("verdicts") or (result or {}).get("verdicts") or []
        if result is None:
            result = self._death(report)
            if report.last_stage == "convert" and report.message("conversion") is None:
                store.record_conversion(self._failed_conversion(report, result))
        timings = result.get("timings") or {}
        record = ResultRecord(
            **self._base_record(run_id, env, case),
            outcome=result["outcome"],
            subkind=result.get("subkind"),
            stage=result.get("stage"),
            signature=result.get("signature"),
            message=safe_text(result["message"]) if result.get("message") else None,
            conversion_key=report.job.conversion_key,
            conversion_reused=result.get("conversion_reused", report.job.conversion is not None),
            reference_seconds=timings.get("reference_seconds"),
            convert_seconds=timings.get("convert_seconds"),
            load_seconds=timings.get("load_seconds"),
            run_seconds=timings.get("run_seconds"),
            wall_seconds=report.wall_seconds,
            peak_rss_mb=report.peak_rss_mb or None,
            log_path=report.job.log_path,
            fault_location=result.get("fault_location"),
            fault_stage=result.get("fault_stage"),
            verdicts=[VerdictRecord(**v) for v in verdicts],
        )
        if record.outcome == Outcome.OK.value:
            with contextlib.suppress(OSError):
                os.unlink(report.job.log_path)
            record.log_path = None
        store.record_result(record)
        self.summary.computed += 1
        self.summary.outcomes[record.outcome] += 1
        return record.outcome

    def _death(self, report: ChildReport) -> dict[str, Any]:
        """The result of a child that ended without reporting one."""
        stage = report.last_stage
        tail = _log_tail(report.job.log_path)
        located = {"fault_location": "converter"} if stage == "convert" else {}
        return self._death_outcome(report, stage, tail) | located

    def _death_outcome(self, report: ChildReport, stage: str, tail: str) -> dict[str, Any]:
        if report.killed_for == "timeout":
            return {
                "outcome": Outcome.TIMEOUT.value,
                "stage": stage,
                "signature": f"timeout in {stage}",
                "message": f"killed after {self.options.timeout:.0f}s in stage {stage}\n{tail}",
            }
        if report.killed_for == "memory":
            return {
                "outcome": Outcome.CRASH.value,
                "subkind": "memory",
                "stage": stage,
                "signature": f"memory limit exceeded in {stage}",
                "message": f"killed above the memory limit of {self.options.memory_limit_mb:.0f} MB "
                f"in stage {stage}\n{tail}",
            }
        code = report.exitcode
        if code is not None and code < 0:
            name = signal_name(-code)
            where = _crash_location(tail)
            return {
                "outcome": Outcome.CRASH.value,
                "subkind": name,
                "stage": stage,
                "signature": f"{name} in {stage}" + (f" at {where}" if where else ""),
                "message": f"the process died of {name} in stage {stage}\n{tail}",
            }
        return {
            "outcome": Outcome.CRASH.value,
            "subkind": f"exit {code}",
            "stage": stage,
            "signature": f"exit code {code} in {stage}",
            "message": f"the process exited with code {code} in stage {stage} without a result\n{tail}",
        }

    def _failed_conversion(self, report: ChildReport, result: dict[str, Any]) -> ConversionRecord:
        job = report.job
        return ConversionRecord(
            conversion_key=job.conversion_key,
            converter=job.converter,
            variant=job.variant,
            options=job.options,
            fingerprint=job.converter_fingerprint,
            case_id=job.case_id,
            case_hash=job.case_hash,
            outcome=result["outcome"],
            subkind=result.get("subkind"),
            signature=result.get("signature"),
            message=safe_text(result.get("message") or ""),
            seconds=report.wall_seconds,
        )

    def _progress(self, done: int, total: int, report: ChildReport, outcome: str) -> None:
        elapsed = time.monotonic() - self.started
        remaining = elapsed / done * (total - done)
        note = " (conversion reused)" if report.job.conversion is not None else ""
        width = len(str(total))
        self.out(
            f"   [{done:>{width}}/{total}] {report.job.case_id:<{self._id_width}} {outcome:<18} "
            f"{report.wall_seconds:6.1f}s{note}   ~{remaining:.0f}s left"
        )


# ---------------------------------------------------------------------------------------


def _log_tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16_384))
            data = handle.read()
    except OSError:
        return ""
    return safe_text(b"\n".join(data.splitlines()[-lines:]), 6_000)


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line \d+ in (?P<func>\S+)')


def _crash_location(tail: str) -> str | None:
    """The innermost Python function in a faulthandler dump (its first listed frame)."""
    match = _FRAME.search(tail.split("most recent call first", 1)[-1])
    if not match:
        return None
    return f"{Path(match['file']).name}:{match['func']}"


def _error_line(text: str) -> str:
    """The line of an installer's or importer's output that says what went wrong."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^(\w+Error|\w+Exception)\b", line):
            return line
    for line in lines:
        if re.search(r"\berror\b|×|because|no solution|not find|no matching", line, re.IGNORECASE):
            return line.lstrip("×╰─▶ ").strip()
    return lines[-1] if lines else "unknown error"
