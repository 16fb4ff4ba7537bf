"""The extra input sets oracles ask for (``Oracle.extra_inputs``): made once per framework
version and cached beside the reference, run through the runtime in every environment.

A request is a JSON recipe (``tracker.api.EXTRA_INPUT_KINDS``); equal recipes are one set,
made, cached and run once, whichever oracles asked for it. Making a set may need the
source model (reference outputs, derived sets such as adversarial inputs): it is built
only on a cache miss.
"""

from __future__ import annotations

import dataclasses
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
from tracker.plugin import ENTRY_POINT_GROUP
from tracker.signatures import exception_signature

FIRST_EXTRA_SAMPLE = 1000  # extra samples never repeat the judged samples 0, 1, ...

# eager latency of the source model: repeated runs of input set 0, within a time budget
EAGER_RUNS = 5
EAGER_BUDGET_SECONDS = 3.0


@dataclasses.dataclass
class ExtraSets:
    """The sets made (recipe key -> (recipe, input sets, reference outputs)) and those that
    could not be (recipe key -> why)."""

    made: dict[str, tuple[Mapping[str, Any], list[list[Any]], list[list[Any]]]] = dataclasses.field(
        default_factory=dict)
    unavailable: dict[str, str] = dataclasses.field(default_factory=dict)

    def only(self, keys: set[str]) -> ExtraSets:
        return ExtraSets({k: v for k, v in self.made.items() if k in keys},
                         {k: v for k, v in self.unavailable.items() if k in keys})


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
        sets = ExtraSets()
        for key, recipe in recipes.items():
            cached = self.cache.load_extra(self.reference, key)
            if cached is not None:
                sets.made[key] = (recipe, *cached)
                continue
            reason = self.cache.extra_unavailable(self.reference, key)
            if reason is not None:
                sets.unavailable[key] = reason
                continue
            try:
                inputs = self.inputs(recipe)
                model = self.source_model(self.framework, self.case)
                expected = [self.framework.run(model, sample) for sample in inputs]
            except NotImplementedError as exc:
                sets.unavailable[key] = str(exc) or "not implemented by the framework plugin"
                self.cache.save_extra_unavailable(self.reference, key, sets.unavailable[key])
                continue
            except Exception as exc:  # noqa: BLE001 - recorded: these inputs cannot be made here
                traceback.print_exc()
                sets.unavailable[key] = f"could not be made: {exception_signature(exc)}"
                self.cache.save_extra_unavailable(self.reference, key, sets.unavailable[key])
                continue
            self.cache.save_extra(self.reference, key, inputs, expected)
            sets.made[key] = (recipe, inputs, expected)
        return sets

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
            derived = maker(self.framework, self.source_model(self.framework, case), clean, dict(recipe))
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
    """What a maker returned, checked: as many sets as it was given, of the same shapes
    and dtypes."""
    where = f"the maker {maker!r}"
    if not isinstance(derived, (list, tuple)) or len(derived) != len(clean):
        raise InternalError(f"{where} must return a list of {len(clean)} input sets, got {type(derived).__name__}"
                            + (f" of {len(derived)}" if isinstance(derived, (list, tuple)) else ""))
    sets = [check_arrays(s, where) for s in derived]
    for index, (made, given) in enumerate(zip(sets, clean)):
        if [(a.shape, a.dtype) for a in made] != [(a.shape, a.dtype) for a in given]:
            raise InternalError(f"{where} changed the shapes or dtypes of input set {index}: "
                                f"{[(a.dtype.name, list(a.shape)) for a in given]} -> "
                                f"{[(a.dtype.name, list(a.shape)) for a in made]}")
    return sets


def run_all(sets: ExtraSets, run: Callable[[list[Any]], list[Any]]) -> dict[str, ExtraRun]:
    """Run every made set; a runtime failure on a set is kept as that set's ``error``."""
    runs: dict[str, ExtraRun] = {}
    for key, (recipe, inputs, expected) in sets.made.items():
        try:
            actual = [run(sample) for sample in inputs]
        except Exception as exc:  # noqa: BLE001 - evidence for the oracle, not a runtime_error
            runs[key] = ExtraRun(recipe, inputs, expected, None, exception_signature(exc))
        else:
            runs[key] = ExtraRun(recipe, inputs, expected, actual)
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
