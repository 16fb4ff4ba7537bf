"""``dynamic-shapes``: does a model exported with dynamic dimensions work at other sizes?

Applies when the converter variant asks for a dynamic export (option ``dynamic = true``)
and the case declares dynamic dimensions (``InputSpec.dynamic``); else not applicable.
One extra input set has every declared dimension resized (``batch`` grows by 2, other
dimensions halve, or grow by one when small; option ``sizes`` overrides per name), the
source computes its reference on it, and the artifact runs on it:

- the runtime fails at the new sizes: ``fixed_shape`` (the model only works at the
  export shape: a failure of its own kind, not a ``runtime_error`` of the case);
- outputs of another shape, dtype or beyond tolerance: the numeric oracle's subkinds
  prefixed ``dynamic_`` (``dynamic_shape``, ``dynamic_mismatch``, ``dynamic_nan``...).

Metrics: ``max_abs_error``, ``max_rel_error``, ``mismatch_fraction`` at the new sizes,
``resized_dims``, and for ONNX artifacts ``symbolic_input_dims``: how many declared
dimensions the artifact's graph inputs leave symbolic (0 means the converter ignored the
request). Tolerances as the numeric oracle's (per dtype, ``kinds``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.plugin import Evidence, ModelCase, Oracle, Verdict
from tracker_oracles.numeric import DEFAULT_TOLERANCES, compare, tolerance


def new_sizes(case: ModelCase, overrides: Mapping[str, int]) -> dict[str, int]:
    """The size each declared dynamic dimension is resized to."""
    sizes: dict[str, int] = {}
    for spec in case.inputs:
        for axis, name in spec.dynamic:
            if name in sizes:
                continue
            original = spec.shape[axis]
            default = original + 2 if name == "batch" else (original // 2 if original >= 4 else original + 1)
            sizes[name] = int(overrides.get(name, default))
    return sizes


class DynamicShapes(Oracle):
    name = "dynamic-shapes"
    description = "a dynamic export run at other batch / sequence sizes"
    stage = "outputs"
    requires = ("numpy",)
    defaults = {**DEFAULT_TOLERANCES, "sizes": {}}

    def extra_inputs(self, case: ModelCase, options: Mapping[str, Any],
                     converter_options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        if not converter_options.get("dynamic") or not case.dynamic_axes():
            return {}
        return {"resized": {"kind": "resized", "sizes": new_sizes(case, options.get("sizes", {}))}}

    def judge_impl(self, evidence: Evidence) -> Verdict:
        case = evidence.case
        if not evidence.converter_options.get("dynamic"):
            return Verdict(None, message="the converter variant exports fixed shapes (no dynamic = true)")
        if not case.dynamic_axes():
            return Verdict(None, message="the case declares no dynamic dimension")
        if "resized" not in evidence.extra:
            return Verdict(None, message=evidence.extra_unavailable.get("resized", "no resized inputs"))
        run = evidence.extra["resized"]
        sizes = run.recipe["sizes"]
        metrics: dict[str, float] = {"max_abs_error": 0.0, "max_rel_error": 0.0, "mismatch_fraction": 0.0,
                                     "nonfinite_mismatches": 0.0, "resized_dims": float(len(sizes))}
        symbolic = _symbolic_input_dims(evidence)
        if symbolic is not None:
            metrics["symbolic_input_dims"] = float(symbolic)
        described = ", ".join(f"{name}={size}" for name, size in sorted(sizes.items()))
        if run.error is not None:
            return Verdict(False, metrics, f"the artifact runs at the export shape but not at {described}: "
                           f"{run.error}", subkind="fixed_shape")
        for expected, actual in zip(run.expected, run.actual or [], strict=True):
            if len(expected) != len(actual):
                return Verdict(False, metrics, f"at {described}: {len(actual)} outputs, expected {len(expected)}",
                               subkind="dynamic_count")
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                problem = compare(want, got, tolerance(evidence.options, str(want.dtype), case.kind),
                                  metrics, index)
                if problem:
                    kind, text = problem
                    return Verdict(False, metrics, f"at {described}, output {index}: {text}",
                                   subkind=f"dynamic_{kind}")
        return Verdict(True, metrics)


def _symbolic_input_dims(evidence: Evidence) -> int | None:
    """Declared dynamic dimensions that the ONNX graph inputs leave symbolic."""
    if evidence.artifact_format != "onnx":
        return None
    try:
        import onnx
    except ImportError:
        return None
    graph = onnx.load(str(evidence.artifact), load_external_data=False).graph
    declared = evidence.case.dynamic_axes()
    inputs = {i.name: i for i in graph.input}
    ordered = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
    count = 0
    for position, spec in enumerate(evidence.case.inputs):
        graph_input = inputs.get(spec.name) or (ordered[position] if position < len(ordered) else None)
        if graph_input is None or not graph_input.type.HasField("tensor_type"):
            continue
        dims = graph_input.type.tensor_type.shape.dim
        for axis in declared.get(spec.name, {}):
            if axis < len(dims) and not dims[axis].HasField("dim_value"):
                count += 1
    return count
