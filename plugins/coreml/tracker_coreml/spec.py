"""``coreml-spec``: a Core ML artifact's spec, read without compiling it, against the source.

It runs on every platform (``coremltools.utils.load_spec`` reads the protobuf; nothing is
compiled or loaded into Core ML), so a conversion is judged on Linux too, where the
runtime is ``not_runnable``. A failure makes the case ``invalid_model``:

- ``unreadable``: the artifact is not a Core ML model coremltools can read;
- ``format``: not the model type the variant asked for (``mlProgram``, ``neuralNetwork``);
- ``target``: a specification version below the deployment target asked for;
- ``count``, ``name``, ``type``, ``dtype``, ``shape``: an input or output that is not as
  the source declares it (see :mod:`tracker_coreml.features`; the inputs' names must be
  the case's, the outputs' names are not compared: a PyTorch output has none). An output
  whose shape the spec leaves undeclared (every output of a neural network) is counted,
  not failed.

Metrics: ``artifact_bytes`` (every file of the artifact), ``weights_bytes`` (the ML
program's weight files), ``source_parameter_bytes`` (the framework plugin's count, from
``Evidence.source``) and ``size_ratio`` (artifact over source parameter bytes) when the
source's size is known, ``spec_version``,
``spec_version_requested``, ``mil_opset`` (the ML program's opset: ``CoreML7`` is 7),
``ops`` (ML program operations, nested blocks included) or ``layers`` (neural network),
``inputs``, ``outputs``, ``dtype_stand_ins``, ``undeclared_output_shapes`` and
``convert_seconds`` (the conversion's time, also when it was reused).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tracker.plugin import Evidence, MetricDeclaration, Oracle, Verdict
from tracker_coreml.features import NEURALNETWORK_STAND_INS, STAND_INS, Comparison, Feature, Wanted, compare
from tracker_coreml.options import CoremlOptions, OptionError


class CoremlSpec(Oracle):
    name = "coreml-spec"
    description = "the Core ML spec (read, not compiled): format, target, inputs and outputs as the source's"
    stage = "artifact"
    formats = ("coreml",)
    requires = ("coremltools",)
    packages = ("coremltools",)
    preload = ("coremltools",)
    # the artifact's size where the runtime cannot run (off macOS): after the size measured where it ran
    metrics = (
        MetricDeclaration("size_ratio", label="size / parameters", role="report", priority=33,
                          description="artifact bytes over the source's parameter bytes (median)"),
    )

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import coremltools as ct

        metrics = size_metrics(evidence.artifact)
        if "convert_seconds" in evidence.timings:
            metrics["convert_seconds"] = float(evidence.timings["convert_seconds"])
        try:
            spec = ct.utils.load_spec(str(evidence.artifact))
        except Exception as exc:  # noqa: BLE001 - whatever fails to read is the artifact's fault
            return Verdict(False, metrics, f"coremltools cannot read the spec: {type(exc).__name__}: {exc}",
                           subkind="unreadable")
        metrics.update(program_metrics(spec))
        source_bytes = evidence.source.get("parameter_bytes")
        if source_bytes is not None:
            metrics["source_parameter_bytes"] = float(source_bytes)
            if source_bytes > 0:
                metrics["size_ratio"] = metrics["artifact_bytes"] / source_bytes
        problems: list[tuple[str, str]] = []
        try:
            options = CoremlOptions.parse(evidence.converter_options)
        except OptionError:
            options = None
        kind = spec.WhichOneof("Type")
        if options is not None:
            if kind != options.spec_type:
                problems.append(("format", f"the model is a {kind}, the variant asked for {options.spec_type}"))
            requested = options.target_spec_version
            if requested is not None:
                metrics["spec_version_requested"] = float(requested)
                if spec.specificationVersion < requested:
                    problems.append(("target", f"specification version {spec.specificationVersion}, below the "
                                               f"{requested} of {options.minimum_deployment_target}"))
        stand_ins = NEURALNETWORK_STAND_INS if kind == "neuralNetwork" else STAND_INS
        comparison = Comparison()
        comparison.add(compare(features_of(spec.description.input), wanted_inputs(evidence), "input",
                               check_names=True, stand_ins=stand_ins))
        comparison.add(compare(features_of(spec.description.output), wanted_outputs(evidence), "output",
                               check_names=False, stand_ins=stand_ins))
        problems += comparison.problems
        metrics["inputs"] = float(len(spec.description.input))
        metrics["outputs"] = float(len(spec.description.output))
        metrics["dtype_stand_ins"] = float(len(comparison.stand_ins))
        metrics["undeclared_output_shapes"] = float(comparison.undeclared_shapes)
        notes = f" (stand-ins: {'; '.join(comparison.stand_ins)})" if comparison.stand_ins else ""
        if problems:
            more = ""
            if len(problems) > 1:
                more = f" (and {len(problems) - 1} more: {'; '.join(t for _, t in problems[1:4])})"
            return Verdict(False, metrics, problems[0][1] + more + notes, subkind=problems[0][0])
        return Verdict(True, metrics, notes.strip(" ()"))


def wanted_inputs(evidence: Evidence) -> list[Wanted]:
    return [Wanted(spec.name, tuple(spec.shape), spec.dtype) for spec in evidence.case.inputs]


def wanted_outputs(evidence: Evidence) -> list[Wanted]:
    reference = (evidence.expected or [[]])[0]
    return [Wanted(None, tuple(array.shape), array.dtype.name) for array in reference]


def features_of(descriptions: Any) -> list[Feature]:
    """The ``FeatureDescription`` messages of a spec as :class:`Feature` values."""
    from coremltools.proto import FeatureTypes_pb2

    names = FeatureTypes_pb2.ArrayFeatureType.ArrayDataType.Name
    features = []
    for description in descriptions:
        kind = description.type.WhichOneof("Type") or "unset"
        if kind != "multiArrayType":
            features.append(Feature(description.name, kind))
            continue
        array = description.type.multiArrayType
        flexible = array.WhichOneof("ShapeFlexibility")
        ranges = None
        if flexible == "shapeRange":
            ranges = tuple((int(r.lowerBound), int(r.upperBound)) for r in array.shapeRange.sizeRanges)
        features.append(Feature(description.name, kind, names(array.dataType), tuple(int(d) for d in array.shape),
                                ranges))
    return features


def program_metrics(spec: Any) -> dict[str, float]:
    metrics = {"spec_version": float(spec.specificationVersion)}
    kind = spec.WhichOneof("Type")
    if kind == "mlProgram":
        operations = 0
        opsets = []
        for function in spec.mlProgram.functions.values():
            opsets.append(function.opset)
            for block in function.block_specializations.values():
                operations += _count_operations(block)
        metrics["ops"] = float(operations)
        numbers = [int(m[1]) for m in (re.fullmatch(r"CoreML(\d+)", o) for o in opsets) if m]
        if numbers:
            metrics["mil_opset"] = float(max(numbers))
    elif kind == "neuralNetwork":
        metrics["layers"] = float(len(spec.neuralNetwork.layers))
    return metrics


def _count_operations(block: Any) -> int:
    return sum(1 + sum(_count_operations(inner) for inner in operation.blocks) for operation in block.operations)


def size_metrics(artifact: Path) -> dict[str, float]:
    files = [artifact] if artifact.is_file() else [p for p in artifact.rglob("*") if p.is_file()]
    metrics = {"artifact_bytes": float(sum(p.stat().st_size for p in files))}
    weights = [p for p in files if "weights" in p.relative_to(artifact).parts] if artifact.is_dir() else []
    if artifact.is_dir():
        metrics["weights_bytes"] = float(sum(p.stat().st_size for p in weights))
    return metrics

