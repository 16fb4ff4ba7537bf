"""What a sweep of one pair runs: the selected cases, those the pair can take, those not
yet stored, the job of each, and what the children must import. Pure functions of the
pair, the registry's components and what the store and the cache already hold."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from tracker.api import Component, Converter, Framework, Oracle, Runtime, missing_modules
from tracker.cases import ModelCase, hash_json, select
from tracker.errors import ConfigError, SelectionError
from tracker.matrix import Pair
from tracker.outcomes import Outcome
from tracker.shards import Shard
from tracker.store import ConversionRecord
from tracker.worker import extras, float64
from tracker.worker.cache import Cache, conversion_key, reference_key
from tracker.worker.job import Job


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


def checked_oracles(pair: Pair, oracles: Sequence[Oracle]) -> list[Oracle]:
    """The pair's oracles; at least one must judge outputs, or nothing could ever fail as
    incorrect."""
    if not any(o.stage == "outputs" for o in oracles):
        raise ConfigError(
            f"{pair.source}: pipeline {pair.pipeline!r} has no oracle that judges "
            "outputs, so nothing could ever fail as incorrect",
            hint="add an output oracle (`tracker plugins` lists them) to its 'oracles' list",
        )
    return list(oracles)


def cannot_run(runtime: Runtime) -> str | None:
    """Why ``runtime`` cannot run here at all (not installed, or not on this platform)."""
    return runtime.unavailable_reason() or runtime.not_runnable_reason()


def check_converter(pair: Pair, converter: Converter) -> None:
    if pair.framework not in converter.frameworks:
        raise ConfigError(
            f"{pair.source}: converter {converter.name!r} does not accept "
            f"{pair.framework!r} models (it accepts {', '.join(converter.frameworks)})"
        )


def selected(cases: Sequence[ModelCase], pair: Pair, model_set: str | None, patterns: Sequence[str],
             shard: Shard | None, plugins: Mapping[str, Sequence[str]] | None = None,
             framework: Framework | None = None) -> list[ModelCase]:
    """The pair framework's cases of the selection (and of the shard, if any).

    :param plugins: plugin name -> the ids of the cases it registers, for the error that
        says which plugins registered none in the set asked for.
    :param framework: the pair's framework: when no case of it is registered and it is
        unusable here, the error says why (a framework whose cases come from a folder that
        is not configured)."""
    unavailable = framework.unavailable_reason() if framework is not None else None
    if unavailable and not any(c.framework == pair.framework for c in cases):
        raise SelectionError(f"no {pair.framework} case is registered",
                             hint=f"the {pair.framework} framework is not usable here: {unavailable}")
    chosen = select(cases, model_set=model_set, patterns=patterns, frameworks=[pair.framework])
    if not chosen:
        raise SelectionError(
            f"no {pair.framework} case in the selection (set {model_set!r}, patterns {list(patterns)})",
            hint=_where_the_cases_are(cases, pair.framework, model_set, plugins or {}))
    if shard is not None:  # may leave none of a small selection: not an error
        chosen = [c for c in chosen if shard.holds(c.id)]
    return chosen


def _where_the_cases_are(cases: Sequence[ModelCase], framework: str, model_set: str | None,
                         plugins: Mapping[str, Sequence[str]]) -> str:
    """The sets the framework's cases are in, and the plugins with none in ``model_set``."""
    mine = [c for c in cases if c.framework == framework]
    if not mine:
        return (f"no installed plugin registers a {framework} case: add the plugin that does to the pipeline's "
                "'plugins' (`tracker plugins` lists what is installed)")
    counts = Counter(name for c in mine for name in c.sets)
    lines = [f"the {framework} cases are in the sets: "
             + ", ".join(f"{name} ({n})" for name, n in sorted(counts.items())) + "; choose one with --set NAME"]
    framework_of = {c.id: c for c in mine}
    for plugin, ids in sorted(plugins.items()):
        theirs = [framework_of[i] for i in ids if i in framework_of]
        if theirs and model_set is not None and not any(model_set in c.sets for c in theirs):
            sets = sorted({name for c in theirs for name in c.sets})
            lines.append(f"plugin {plugin} registers {len(theirs)} {framework} cases, none in set {model_set!r} "
                         f"(its sets: {', '.join(sets)})")
    return "\n".join(lines)


def applicable(cases: Sequence[ModelCase], converter: Converter,
               options: Mapping[str, Any]) -> tuple[list[ModelCase], Counter[str]]:
    """The cases this pair can take at all: their modules are installed here and the
    converter variant accepts them (``ModelCase.requires``, ``Converter.accepts``); and
    the others, counted by reason."""
    kept: list[ModelCase] = []
    reasons: Counter[str] = Counter()
    for case in cases:
        missing = missing_modules(case.requires)
        reason = (f"needs {', '.join(missing)}, not installed here" if missing
                  else converter.accepts(case, dict(options)))
        if reason:
            reasons[reason] += 1
        else:
            kept.append(case)
    return kept, reasons


def accepted(cases: Sequence[ModelCase], converter: Converter, options: Mapping[str, Any]) -> list[ModelCase]:
    """The cases the converter variant does not refuse by design (where what is installed
    is unknown: an environment that could not be built)."""
    return [c for c in cases if converter.accepts(c, dict(options)) is None]


def not_stored(cases: Sequence[ModelCase], stored: set[tuple[str, str]]) -> list[ModelCase]:
    """The cases whose (id, content hash) has no result yet."""
    return [c for c in cases if (c.id, c.content_hash) not in stored]


def outgrown(limited: Iterable[tuple[str, str, str, float | None, float | None]], timeout: float,
             memory_limit_mb: float) -> set[tuple[str, str]]:
    """The (id, hash) of stored results a limit may have made and that today's higher
    limit could change: a ``timeout`` computed under a lower ``timeout``, a ``crash``
    (the memory limit's, or an allocator's abort under it) under a lower memory limit.
    Results no limit makes (``ok``, a converter's exception) are reused whatever their
    limits; one stored before limits were recorded (``None``) is reused as before."""
    below = {Outcome.TIMEOUT.value: lambda t, m: t is not None and t < timeout,
             Outcome.CRASH.value: lambda t, m: m is not None and m < memory_limit_mb}
    return {(case_id, case_hash) for case_id, case_hash, outcome, stored_timeout, stored_memory in limited
            if outcome in below and below[outcome](stored_timeout, stored_memory)}


@dataclasses.dataclass(frozen=True)
class Fingerprints:
    """The installed versions that key references (framework) and conversions (converter)."""

    framework: Mapping[str, Any]
    converter: Mapping[str, Any]


def job(pair: Pair, case: ModelCase, *, oracles: Sequence[str], fingerprints: Fingerprints, cache: Cache,
        reusable: Callable[[str], ConversionRecord | None], log_path: str, threads: int,
        second_runtime: str | None, localizations: str | None = None) -> Job:
    """The job of one case. ``reusable(key)`` is the stored conversion of that key, if any
    (``None`` under ``--recompute``); a successful one whose artifact left the cache is
    converted again. ``localizations``: the directory where the run's localizations are
    shared (:class:`tracker.worker.localize.Shared`)."""
    key = conversion_key(case, pair.converter, fingerprints.converter, pair.options)
    stored = reusable(key)
    if stored is not None and stored.outcome == Outcome.OK.value and cache.artifact_path(stored.artifact) is None:
        stored = None
    return Job(
        case_id=case.id,
        case_hash=case.content_hash,
        framework=pair.framework,
        converter=pair.converter,
        runtime=pair.runtime,
        variant=pair.variant,
        options=dict(pair.options),
        runtime_options=dict(pair.runtime_options),
        oracles=tuple(oracles),
        oracle_options={k: dict(v) for k, v in pair.oracle_options.items()},
        cache_root=str(cache.root),
        reference_key=reference_key(case, fingerprints.framework),
        conversion_key=key,
        converter_fingerprint=fingerprints.converter,
        conversion=stored,
        log_path=log_path,
        threads=threads,
        second_runtime=second_runtime,
        second_runtime_timeout=pair.second_runtime_timeout,
        localizations=localizations if second_runtime else None,
    )


def needs_source(cases: Sequence[ModelCase], jobs: Sequence[Job], cache: Cache, runtime: Runtime,
                 output_oracles: Sequence[Oracle]) -> bool:
    """Whether any job needs the framework and converter: a conversion to make, a
    reference, an extra input set or a float64 reference not in the cache (those two are
    made only for a converted case, and only where the runtime can run)."""
    runnable = runtime.not_runnable_reason() is None
    return any(
        job.conversion is None or not cache.reference_path(job.reference_key).is_file()
        or (runnable and job.conversion.outcome == Outcome.OK.value
            and (_extras_missing(case, job, output_oracles, cache)
                 or (float64.wanted(output_oracles, job.oracle_options) and float64.missing(cache, job.reference_key))))
        for case, job in zip(cases, jobs, strict=True)
    )


def _extras_missing(case: ModelCase, job: Job, oracles: Sequence[Oracle], cache: Cache) -> bool:
    recipes = extras.unique(extras.requests(case, oracles, job.oracle_options, job.options))
    return extras.missing(cache, case, job.reference_key, recipes)


@dataclasses.dataclass(frozen=True)
class Imports:
    """What the pool's zygote imports and warms up before forking the cases, and the
    modules every case needs (probed once: a failure is the whole pair's env_error)."""

    warmup: tuple[tuple[str, str, Mapping[str, Any]], ...]  # (kind, name, options)
    preload: tuple[str, ...]
    required: tuple[str, ...]


def imports(pair: Pair, framework: Framework, converter: Converter, runtime: Runtime,
            oracles: Sequence[Oracle], source_needed: bool) -> Imports:
    """When every reference, extra input set and conversion is cached (a pair that
    differs only in its runtime), the framework and converter are not imported."""
    warmup: list[tuple[Component, Mapping[str, Any]]] = [(runtime, dict(pair.runtime_options))]
    if source_needed:
        warmup = [(framework, {}), (converter, dict(pair.options)), *warmup]
    components = [c for c, _ in warmup] + list(oracles)
    return Imports(
        warmup=tuple((c.kind, c.name, options) for c, options in warmup),
        preload=tuple(dict.fromkeys(m for c in components for m in c.preload)),
        required=tuple(dict.fromkeys(m for c in components for m in c.requires)),
    )
