"""The extra input sets oracles ask for (``Oracle.extra_inputs``), run through the runtime
in every environment.

A request is a JSON recipe (``tracker.api.EXTRA_INPUT_KINDS``); equal recipes are one set,
made, cached and run once, whichever oracles asked for it, and a ``samples`` set that is
the first sets of a larger one (16 clean sets asked by one oracle, a batch of 32 by
another) is that set's prefix: made and run once, as the larger one.

The inputs are data of the case: ``samples`` and ``resized`` sets are remade from the
case's recipe (cheap, deterministic); a ``derived`` set (adversarial inputs) is made once
per case and recipe, whatever the framework version, and cached by the case's content
hash. The framework's outputs on each set are computed once per framework version (one
forward pass per input set) and cached beside the reference. The source model is built
only on a cache miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import os
import statistics
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tracker.api import ExtraRun, check_arrays, load_object
from tracker.cases import ModelCase, hash_json
from tracker.errors import InternalError, PluginError
from tracker.inputs import make_inputs
from tracker.labels import make_labels
from tracker.plugin import ENTRY_POINT_GROUP
from tracker.signatures import exception_signature

FIRST_EXTRA_SAMPLE = 1000  # extra samples never repeat the judged samples 0, 1, ...

# eager latency of the source model: repeated runs of input set 0, within a time budget
EAGER_RUNS = 5
EAGER_BUDGET_SECONDS = 3.0


@dataclasses.dataclass
class ExtraSets:
    """The sets made (recipe key -> (recipe, input sets, reference outputs)), those that
    could not be (recipe key -> why), and those that are the first sets of another
    (recipe key -> the other's key): made and run as part of it."""

    made: dict[str, tuple[Mapping[str, Any], list[list[Any]], list[list[Any]]]] = dataclasses.field(
        default_factory=dict)
    unavailable: dict[str, str] = dataclasses.field(default_factory=dict)
    prefix_of: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # a case with labels: each set's

    def only(self, keys: set[str]) -> ExtraSets:
        """These sets, and the sets they are prefixes of."""
        keys = set(keys) | {self.prefix_of[k] for k in keys if k in self.prefix_of}
        return ExtraSets({k: v for k, v in self.made.items() if k in keys},
                         {k: v for k, v in self.unavailable.items() if k in keys},
                         {k: v for k, v in self.prefix_of.items() if k in keys},
                         {k: v for k, v in self.labels.items() if k in keys})


def recipe_key(recipe: Mapping[str, Any]) -> str:
    return hash_json(dict(recipe))[:16]


def requests(case: ModelCase, oracles: Sequence[Any], oracle_options: Mapping[str, Mapping[str, Any]],
             converter_options: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    """Oracle name -> {set name -> (recipe key, recipe)} of what each oracle asks for."""
    asked: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
    for oracle in oracles:
        options = {**oracle.defaults, **oracle_options.get(oracle.name, {})}
        try:
            wanted = oracle.extra_inputs(case, options, converter_options) or {}
        except Exception:  # noqa: BLE001 - the oracle then judges without them, and says so
            traceback.print_exc()
            continue
        asked[oracle.name] = {name: (recipe_key(recipe), dict(recipe)) for name, recipe in wanted.items()}
    return asked


def unique(asked: Mapping[str, Mapping[str, tuple[str, dict[str, Any]]]]) -> dict[str, dict[str, Any]]:
    return {key: recipe for sets in asked.values() for key, recipe in sets.values()}


def prefixes(recipes: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Recipe key -> the key of the set it is the first sets of: a ``samples`` recipe whose
    sets are the first ``count`` of a larger ``samples`` recipe's (the largest one)."""
    samples = {key: int(recipe["count"]) for key, recipe in recipes.items()
               if recipe.get("kind") == "samples" and set(recipe) == {"kind", "count"}}
    if not samples:
        return {}
    largest = max(samples, key=lambda key: (samples[key], key))
    return {key: largest for key, count in samples.items() if key != largest and count <= samples[largest]}


def inputs_digest(inputs: Sequence[Sequence[Any]]) -> str:
    """Of the input sets' shapes, dtypes and bytes: the outputs cached for a set name the
    inputs they were computed on."""
    digest = hashlib.sha256()
    for sample in inputs:
        for array in sample:
            digest.update(f"{array.dtype.str}{array.shape};".encode())
            digest.update(array.tobytes())
        digest.update(b"|")
    return digest.hexdigest()[:24]


def missing(cache: Any, case: ModelCase, reference: str, recipes: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether some of these sets have no outputs cached for this reference, or no inputs
    for the case where they cannot be remade cheaply (and no reason they cannot be made):
    a case that has them all needs no source model."""
    stored = set(recipes) - set(prefixes(recipes))
    return any(cache.extra_unavailable(reference, key) is None
               and (not cache.extra_path(reference, key).is_file()
                    or (recipes[key].get("kind") == "derived"
                        and not cache.extra_inputs_path(case.content_hash, key).is_file()))
               for key in stored)


class Maker:
    """Makes (or loads from the cache) the extra input sets of one case."""

    def __init__(self, cache: Any, reference: str, case: ModelCase, framework: Any,
                 source_model: Callable[[Any, ModelCase], Any]) -> None:
        self.cache = cache
        self.reference = reference
        self.case = case
        self.framework = framework
        self.source_model = source_model

    def make_all(self, recipes: Mapping[str, Mapping[str, Any]]) -> ExtraSets:
        sets = ExtraSets(prefix_of=prefixes(recipes))
        for key, recipe in recipes.items():
            if key in sets.prefix_of:
                continue
            reason = self.cache.extra_unavailable(self.reference, key)
            if reason is not None:
                sets.unavailable[key] = reason
                continue
            try:
                inputs = self.cached_inputs(key, recipe)
                digest = inputs_digest(inputs)
                expected = self.cache.load_extra(self.reference, key, digest)
                if expected is None:
                    model = self.source_model(self.framework, self.case)
                    expected = [self.framework.run(model, sample) for sample in inputs]
                    self.cache.save_extra(self.reference, key, digest, expected)
                labels = self.labels(recipe, len(inputs))
            except NotImplementedError as exc:
                sets.unavailable[key] = str(exc) or "not implemented by the framework plugin"
                self.cache.save_extra_unavailable(self.reference, key, sets.unavailable[key])
                continue
            except Exception as exc:  # noqa: BLE001 - recorded: these inputs cannot be made here
                traceback.print_exc()
                sets.unavailable[key] = f"could not be made: {exception_signature(exc)}"
                self.cache.save_extra_unavailable(self.reference, key, sets.unavailable[key])
                continue
            sets.made[key] = (recipe, inputs, expected)
            if labels is not None:
                sets.labels[key] = labels
        for key, parent in sets.prefix_of.items():
            count = int(recipes[key]["count"])
            if parent in sets.made:
                _, inputs, expected = sets.made[parent]
                sets.made[key] = (recipes[key], inputs[:count], expected[:count])
                if parent in sets.labels:
                    sets.labels[key] = sets.labels[parent][:count]
            else:
                sets.unavailable[key] = sets.unavailable.get(parent, "these inputs were not made")
        return sets

    def cached_inputs(self, key: str, recipe: Mapping[str, Any]) -> list[list[Any]]:
        """A derived set's inputs from the case's cache, made (and stored) on a miss; the
        other kinds made again from the case's recipe."""
        if recipe.get("kind") != "derived":
            return self.inputs(recipe)
        cached = self.cache.load_extra_inputs(self.case.content_hash, key)
        if cached is not None:
            return cached
        return self.cache.save_extra_inputs(self.case.content_hash, key, self.inputs(recipe))

    def labels(self, recipe: Mapping[str, Any], count: int) -> list[Any] | None:
        """The true labels of the first ``count`` sets of ``recipe``, for a case with labels:
        a ``samples`` set's own, a ``derived`` set's those of the clean set it was made from."""
        if self.case.labels is None or recipe.get("kind") not in ("samples", "derived"):
            return None
        return [make_labels(self.case, FIRST_EXTRA_SAMPLE + i) for i in range(count)]

    def inputs(self, recipe: Mapping[str, Any]) -> list[list[Any]]:
        case, kind = self.case, recipe.get("kind")
        if kind == "samples":
            return [make_inputs(case.inputs, case.seed, FIRST_EXTRA_SAMPLE + i) for i in range(int(recipe["count"]))]
        if kind == "resized":
            if not case.dynamic_axes():
                raise NotImplementedError(f"case {case.id} declares no dynamic dimension")
            specs = [spec.resized(recipe["sizes"]) for spec in case.inputs]
            return [make_inputs(specs, case.seed, 0)]
        if kind == "derived":
            maker = load_maker(recipe)
            clean = self.inputs({"kind": "samples", "count": recipe["count"]})
            model = self.source_model(self.framework, case)
            labels = self.labels({"kind": "samples"}, len(clean))
            derived = (maker(self.framework, model, clean, dict(recipe)) if labels is None
                       else maker(self.framework, model, clean, dict(recipe), labels=labels))
            return checked_derived(derived, clean, recipe["maker"])
        raise ValueError(f"unknown kind of extra inputs {kind!r}: see tracker.api.EXTRA_INPUT_KINDS")


def plugin_packages() -> set[str]:
    """The top-level packages of the installed plugins: of the ``tracker`` entry points,
    and of the modules named in ``TRACKER_PLUGIN_MODULES``."""
    modules = [ep.module for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    modules += [m.strip() for m in os.environ.get("TRACKER_PLUGIN_MODULES", "").split(",") if m.strip()]
    return {module.split(".")[0] for module in modules}


def load_maker(recipe: Mapping[str, Any]) -> Callable[..., list[list[Any]]]:
    """The maker of a ``derived`` recipe: a function in an installed plugin's package, never
    any other module (a recipe names code to run)."""
    reference = str(recipe.get("maker", ""))
    if "version" not in recipe:
        raise PluginError(f"the derived recipe of {reference!r} has no 'version'",
                          hint="give it one, and bump it whenever what the maker makes changes: "
                               "the recipe keys the cached sets")
    package = reference.partition(":")[0].split(".")[0]
    installed = plugin_packages()
    if package not in installed:
        raise PluginError(f"a derived recipe names the maker {reference!r}, outside the installed plugins' "
                          f"packages ({', '.join(sorted(installed))})",
                          hint="only a function of an installed plugin may make inputs: put the maker in "
                               "the package of the oracle that asks for it")
    return load_object(reference)


def checked_derived(derived: Any, clean: list[list[Any]], maker: str) -> list[list[Any]]:
    """What a maker returned, checked: as many sets as it was given (or fewer, the first
    ones, when its recipe's ``budget_seconds`` ran out; at least one), of the same shapes
    and dtypes."""
    where = f"the maker {maker!r}"
    if not isinstance(derived, (list, tuple)) or not 1 <= len(derived) <= len(clean):
        raise InternalError(f"{where} must return a list of 1 to {len(clean)} input sets, got {type(derived).__name__}"
                            + (f" of {len(derived)}" if isinstance(derived, (list, tuple)) else ""))
    sets = [check_arrays(s, where) for s in derived]
    for index, (made, given) in enumerate(zip(sets, clean)):
        if [(a.shape, a.dtype) for a in made] != [(a.shape, a.dtype) for a in given]:
            raise InternalError(f"{where} changed the shapes or dtypes of input set {index}: "
                                f"{[(a.dtype.name, list(a.shape)) for a in given]} -> "
                                f"{[(a.dtype.name, list(a.shape)) for a in made]}")
    return sets


def run_all(sets: ExtraSets, run: Callable[[list[Any]], list[Any]]) -> dict[str, ExtraRun]:
    """Run every made set once (a prefix set is the first runs of its larger set); a
    runtime failure on a set is kept as that set's ``error``, and as the error of the
    prefixes that reach the failing input set."""
    runs: dict[str, ExtraRun] = {}
    for key, (recipe, inputs, expected) in sets.made.items():
        if key in sets.prefix_of:
            continue
        actual: list[Any] = []
        try:
            for sample in inputs:
                actual.append(run(sample))
        except Exception as exc:  # noqa: BLE001 - evidence for the oracle, not a runtime_error
            runs[key] = ExtraRun(recipe, inputs, expected, None, exception_signature(exc), sets.labels.get(key))
        else:
            runs[key] = ExtraRun(recipe, inputs, expected, actual, labels=sets.labels.get(key))
        for prefix in (k for k, parent in sets.prefix_of.items() if parent == key and k in sets.made):
            prefix_recipe, prefix_inputs, prefix_expected = sets.made[prefix]
            done = len(actual) >= len(prefix_inputs)
            runs[prefix] = ExtraRun(prefix_recipe, prefix_inputs, prefix_expected,
                                    actual[:len(prefix_inputs)] if done else None,
                                    None if done else runs[key].error, sets.labels.get(prefix))
    return runs


def measure_source(framework: Any, model: Any, sample: list[Any]) -> dict[str, float]:
    """Numbers of the source model, saved with its reference: parameter bytes, and the
    median eager latency of ``sample`` over up to :data:`EAGER_RUNS` runs within
    :data:`EAGER_BUDGET_SECONDS` (the reference runs before this were its warm-up)."""
    info: dict[str, float] = {}
    try:
        size = framework.parameter_bytes(model)
        if size is not None:
            info["parameter_bytes"] = float(size)
        seconds: list[float] = []
        budget = time.perf_counter() + EAGER_BUDGET_SECONDS
        while len(seconds) < EAGER_RUNS and (not seconds or time.perf_counter() < budget):
            started = time.perf_counter()
            framework.run(model, sample)
            seconds.append(time.perf_counter() - started)
        info["eager_seconds"] = statistics.median(seconds)
        info["eager_runs"] = float(len(seconds))
    except Exception:  # noqa: BLE001 - measurements are optional; the reference stands
        traceback.print_exc()
    return info
