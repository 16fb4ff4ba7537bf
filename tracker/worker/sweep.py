"""Sweep one matrix pair inside its environment: every selected case, each in a child.

Called by ``tracker run`` (which ``noxfile.py`` invokes in each environment). Results
already stored for this environment, configuration and case are not recomputed; each new
result is committed at most seconds after its case ends (:mod:`tracker.worker.batch`).
What to run is planned by :mod:`tracker.worker.plan`, what a child reported is turned
into records by :mod:`tracker.worker.record`; this module orchestrates: store, pool,
progress.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from typing import Any

from tracker.api import Converter, Framework, Oracle, Runtime
from tracker.cases import ModelCase, manifest_hash
from tracker.envinfo import Environment, describe_current, unbuildable
from tracker.matrix import Pair
from tracker.registry import Registry
from tracker.signatures import signature
from tracker.store import ResultRecord, Store
from tracker.worker import localize, noise, plan
from tracker.worker.batch import ResultBatch
from tracker.worker.cache import Cache
from tracker.worker.clock import PairClock
from tracker.worker.interrupts import Interrupts
from tracker.worker.options import SweepOptions
from tracker.worker.job import CONVERSION, ChildReport, Job
from tracker.worker.pool import Pool
from tracker.worker.progress import Progress, SweepSummary
from tracker.worker.record import Context, error_line, record_of_report, result_record
from tracker.worker.result import CaseResult


INTERRUPTED_EXIT_CODE = 130  # as a shell reports a process stopped by SIGINT


@dataclasses.dataclass(frozen=True)
class Components:
    framework: Framework
    converter: Converter
    runtime: Runtime
    oracles: list[Oracle]
    second_runtime: str | None  # localizes failures, when the pipeline names one that runs here


class Sweep:
    def __init__(self, pair: Pair, options: SweepOptions, out: Callable[[str], None] = print,
                 clock: PairClock | None = None) -> None:
        self.pair = pair
        self.options = options
        self.out = out
        self.summary = SweepSummary(pair=pair.id)
        self.cache = Cache(options.cache)
        self.interrupts = Interrupts()
        self.clock = clock or PairClock()  # where the time goes (tracker.worker.clock)

    # -- entry points ---------------------------------------------------------------------
    def run(self) -> SweepSummary:
        registry = Registry.load()
        registry.require_healthy()
        pair = self.pair
        names = list(pair.oracles) or sorted(registry.oracles)
        parts = Components(
            framework=registry.framework(pair.framework),
            converter=registry.converter(pair.converter),
            runtime=registry.runtime(pair.runtime),
            oracles=plan.checked_oracles(pair, [registry.oracle(name) for name in names]),
            second_runtime=self._second_runtime(registry),
        )
        plan.check_converter(pair, parts.converter)
        cases = self._applicable(parts.converter, self._selected(registry))
        env = describe_current()
        with self.clock.store(self.options.store) as store:
            todo = self._prepare(store, env, cases, parts.oracles)
            if not todo:
                return self._finish(store)
            run_id = self._start_run(store, env, cases)
            context = Context.of(pair, run_id, env.env_id, plan.config_key(pair))
            reasons = {f"{c.kind} {c.name}": c.unavailable_reason()
                       for c in (parts.framework, parts.converter, parts.runtime, *parts.oracles)}
            unavailable = {k: r for k, r in reasons.items() if r}
            if unavailable:
                message = "; ".join(f"{k}: {r}" for k, r in unavailable.items())
                self._record_env_error(store, context, todo, "ImportError", message)
                return self._finish(store, run_id)
            self.cache.clean_scratch()
            self._run_cases(store, context, env, todo, parts)
            return self._finish(store, run_id)

    def record_unbuildable(self, installer_output: str) -> SweepSummary:
        """The pair's environment could not be built: ``env_error`` for every case it
        would have run (what the environment would have installed is unknown, so a
        case's own ``requires`` cannot be checked: only the converter's refusals count)."""
        registry = Registry.load()
        converter = registry.converter(self.pair.converter)
        cases = plan.accepted(self._selected(registry), converter, self.pair.options)
        env = unbuildable(self.pair.requested())
        with self.clock.store(self.options.store) as store:
            todo = self._prepare(store, env, cases, [], buildable=False)
            if not todo:
                return self._finish(store)
            run_id = self._start_run(store, env, cases)
            context = Context.of(self.pair, run_id, env.env_id, plan.config_key(self.pair))
            self._record_env_error(store, context, todo, "InstallError", installer_output)
            return self._finish(store, run_id)

    # -- steps ----------------------------------------------------------------------------
    def _second_runtime(self, registry: Registry) -> str | None:
        name = self.pair.second_runtime
        if name is None:
            return None
        reason = plan.cannot_run(registry.runtime(name))  # a misspelled name is a plugin error
        if reason:
            self.out(f"   warning: the second runtime {name} cannot run here ({reason}): failures are not localized")
            return None
        return name

    def _selected(self, registry: Registry) -> list[ModelCase]:
        options = self.options
        return plan.selected(registry.cases, self.pair, options.model_set, options.patterns, options.shard,
                             registry.model_plugins(), registry.frameworks.get(self.pair.framework))

    def _applicable(self, converter: Converter, cases: list[ModelCase]) -> list[ModelCase]:
        kept, reasons = plan.applicable(cases, converter, self.pair.options)
        for reason, count in sorted(reasons.items()):
            self.out(f"   {count} case(s) not applicable to this pair: {reason}")
        self.summary.not_applicable = sum(reasons.values())
        return kept

    def _prepare(self, store: Store, env: Environment, cases: list[ModelCase], oracles: list[Oracle],
                 buildable: bool = True) -> list[ModelCase]:
        store.record_environment(env, label=self.pair.id, requested=self.pair.requested(), buildable=buildable)
        store.record_cases(cases)
        store.record_oracle_declarations(oracles)  # what their metrics are for, for readers without plugins
        stored: set[tuple[str, str]] = set()
        if not self.options.recompute:
            key = plan.config_key(self.pair)
            outgrown = plan.outgrown(store.limited_failures(env.env_id, key), self.options.timeout,
                                     self.options.memory_limit_mb)
            stored = store.stored_cases(env.env_id, key) - outgrown
            if outgrown:
                self.out(f"   {len(outgrown)} stored timeout(s) or crash(es) were computed under lower limits "
                         "than these: computed again")
        todo = plan.not_stored(cases, stored)
        self.summary.env_id = env.env_id
        self.summary.selected = len(cases)
        self.summary.reused = len(cases) - len(todo)
        self.out(
            f"== {self.pair.id}\n   environment {env.env_id}: {len(cases)} cases selected, "
            f"{self.summary.reused} already stored (not recomputed), {len(todo)} to run"
        )
        return todo

    def _start_run(self, store: Store, env: Environment, cases: list[ModelCase]) -> str:
        return store.start_run(env_id=env.env_id, label=self.pair.id, pipeline=self.pair.pipeline,
                               variant=self.pair.variant, model_set=self.options.model_set,
                               manifest_hash=manifest_hash(cases), case_count=len(cases), argv=self.options.argv,
                               sweep_id=self.clock.sweep_id, timer_noise_seconds=noise.timer_noise_seconds())

    def _finish(self, store: Store | None = None, run_id: str | None = None) -> SweepSummary:
        if store is not None and run_id is not None:
            shutil.rmtree(localize.shared_directory(self.cache.root, run_id), ignore_errors=True)
            status = "interrupted" if self.summary.interrupted else "finished"
            store.finish_run(run_id, status=status, computed=self.summary.computed, reused=self.summary.reused)
        self.summary.seconds = time.monotonic() - self.clock.started
        self.out(f"   {self.summary.line()}")
        if store is not None:  # where the time went, stored with the run and printed
            self.summary.times = self.clock.account(store, run_id, self.summary, self.out)
        return self.summary

    def _record_env_error(self, store: Store, context: Context, todo: list[ModelCase], kind: str,
                          text: str) -> None:
        result = CaseResult.env_error(signature(kind, error_line(text)), text)
        self.out(f"   env_error: {result.signature}")
        records = [result_record(context, case.id, case.content_hash, result) for case in todo]
        store.record_results(records)
        for record in records:
            self._stored(record)

    def _stored(self, record: ResultRecord) -> None:
        self.summary.computed += 1
        self.summary.outcomes[record.outcome] += 1

    def _run_cases(self, store: Store, context: Context, env: Environment, todo: list[ModelCase],
                   parts: Components) -> None:
        fingerprints = plan.Fingerprints(
            framework=env.fingerprint(parts.framework.packages),
            converter=env.fingerprint([*parts.framework.packages, *parts.converter.packages]),
        )
        localizations = localize.seeded_directory(self.cache.root, context.run_id, parts.second_runtime, store,
                                                  env.env_id, seed=not self.options.recompute)
        jobs = [
            plan.job(self.pair, case, oracles=[o.name for o in parts.oracles], fingerprints=fingerprints,
                     cache=self.cache, reusable=(lambda key: None) if self.options.recompute else store.conversion,
                     log_path=str(self.options.logs / context.run_id / f"{case.id}.log"),
                     threads=self.options.threads, second_runtime=parts.second_runtime, localizations=localizations)
            for case in todo
        ]
        output_oracles = [o for o in parts.oracles
                          if o.stage == "outputs" and o.applies_to(parts.converter.output_format)]
        source_needed = plan.needs_source(todo, jobs, self.cache, parts.runtime, output_oracles)
        imports = plan.imports(self.pair, parts.framework, parts.converter, parts.runtime, parts.oracles,
                               source_needed)
        pool = Pool(jobs=self.options.jobs, timeout=self.options.timeout,
                    memory_limit_mb=self.options.memory_limit_mb, preload=list(imports.preload),
                    warmup=list(imports.warmup), cases=[case.id for case in todo])
        with self.interrupts.installed():
            reused = "" if source_needed else " (references and artifacts all cached)"
            self.out(f"   importing {', '.join(imports.preload) or '(nothing)'} once for all cases{reused} ...")
            with self.clock.timed("imports"):
                probe = pool.probe(list(imports.required))
            if probe.get("errors"):
                text = "\n".join(f"import {m}:\n{t}" for m, t in probe["errors"].items())
                self._record_env_error(store, context, todo, "ImportError", text)
                return
            for name, text in (probe.get("warmup_errors") or {}).items():
                self.out(f"   warning: warm-up of {name} failed (cases still run): {error_line(text)}")
            self._run_jobs(store, context, todo, pool, jobs)

    def _run_jobs(self, store: Store, context: Context, todo: list[ModelCase], pool: Pool, jobs: list[Job]) -> None:
        hashes = {c.id: c.content_hash for c in todo}
        progress = Progress(self.out, self.clock.started, len(jobs), max(len(case_id) for case_id in hashes))

        def committed(record: ResultRecord, report: ChildReport) -> None:
            self._stored(record)
            progress.case(report, record.outcome)

        batch: ResultBatch[ChildReport] = ResultBatch(store, committed)

        def on_message(job: Job, kind: str, payload: Any) -> None:
            if kind == CONVERSION:
                with self.interrupts.held():
                    store.record_conversion(payload)

        def on_tick() -> None:
            with self.interrupts.held():
                batch.flush_if_due()

        try:
            for report in pool.run(jobs, on_message, on_tick):
                with self.interrupts.held():
                    batch.add(record_of_report(store, context, hashes[report.job.case_id], report, self.options.timeout,
                                                self.options.memory_limit_mb), report)
        except KeyboardInterrupt:
            pool.stop("interrupt")
            with self.interrupts.held():
                batch.flush()
            self.summary.interrupted = True
            self.out(
                f"   interrupted after {self.summary.computed} of {len(jobs)} cases; "
                "every finished case is stored; run the same command again to resume"
            )
        finally:  # the end, or an error: what waits is committed either way
            with self.interrupts.held():
                batch.flush()
