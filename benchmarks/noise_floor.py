"""The numeric oracle's noise floor on real conversions: for each case, the source
framework's own float32 error against its float64 run (``e_src``), the converted model's
error against the same float64 run (``e_conv``), their ratio, and the numeric verdict
with the fixed tolerance only (``before``) and calibrated by the noise floor (``after``).

Run with the interpreter of an environment that holds the tracker, its plugins and the
versions to measure (a sweep pair's, or one built alike), one case per process::

    nice -n 19 python benchmarks/noise_floor.py --case tv-resnet50 --options '{"dynamo": true, "opset": 18}'

Prints one JSON object per case (the versions included) and the table row of
docs/oracles.md. Nothing is stored; the conversion is written in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def measure(case_id: str, converter_name: str, runtime_name: str, options: dict) -> dict:
    import importlib.metadata

    from tracker.api import ConversionRequest, Evidence
    from tracker.inputs import make_inputs
    from tracker.registry import Registry

    registry = Registry.load()
    case = registry.case(case_id)
    framework = registry.framework(case.framework)
    converter, runtime, numeric = (registry.converter(converter_name), registry.runtime(runtime_name),
                                   registry.oracle("numeric"))
    started = time.perf_counter()
    model = framework.build(case)
    inputs = [make_inputs(case.inputs, case.seed, s) for s in range(case.samples)]
    expected = [framework.run(model, sample) for sample in inputs]
    try:
        float64, reason = [framework.run_float64(model, sample) for sample in inputs], None
    except Exception as exc:  # noqa: BLE001 - measured and said, as the sweep does
        float64, reason = None, f"{type(exc).__name__}: {exc}"
    with tempfile.TemporaryDirectory() as scratch:
        artifact = converter.convert(ConversionRequest(case=case, model=model, sample_inputs=inputs[0],
                                                       options=options, output_dir=Path(scratch)))
        session = runtime.load(artifact, {})
        names = [spec.name for spec in case.inputs]
        actual = [runtime.run(session, dict(zip(names, sample, strict=True))) for sample in inputs]
    verdicts = {}
    for label, calibrate in (("before", False), ("after", True)):
        evidence = Evidence(case=case, artifact=artifact, artifact_format=converter.output_format,
                            options={**numeric.defaults, "calibrate": calibrate}, inputs=inputs,
                            expected=expected, actual=actual, reference_float64=float64,
                            reference_float64_unavailable=reason)
        verdicts[label] = numeric.judge(evidence)
    metrics = verdicts["after"].metrics
    packages = ("torch", "onnxscript", "onnxruntime", "torchvision", "timm")
    return {
        "case": case_id, "converter": converter_name, "options": options,
        "versions": {p: _version(importlib.metadata, p) for p in packages},
        "e_src": metrics.get("float64_source_error"), "e_conv": metrics.get("float64_converted_error"),
        "noise_ratio": metrics.get("noise_ratio"), "max_abs_error_vs_float32": metrics["max_abs_error"],
        "before": _state(verdicts["before"]), "after": _state(verdicts["after"]),
        "message_after": verdicts["after"].message[:400], "float64_unavailable": reason,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _version(metadata, package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _state(verdict) -> str:
    return {True: "pass", False: f"fail ({verdict.subkind})", None: "n/a"}[verdict.passed]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def row(found: dict) -> str:
    """case | exporter and versions | onnxruntime | e_src | e_conv | ratio | before | after"""
    versions = found["versions"]
    dynamo = found["options"].get("dynamo")
    exporter = f"dynamo, torch {versions['torch']}, onnxscript {versions['onnxscript']}" if dynamo \
        else f"TorchScript, torch {versions['torch']}"
    return (f"| `{found['case']}` | {exporter.replace('+cpu', '').replace('+cu130', '')} | {versions['onnxruntime']} "
            f"| {_number(found['e_src'])} | {_number(found['e_conv'])} | {_number(found['noise_ratio'])} "
            f"| {found['before']} | {found['after']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="noise_floor.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", required=True)
    parser.add_argument("--converter", default="torch.onnx")
    parser.add_argument("--runtime", default="onnxruntime")
    parser.add_argument("--options", default='{"dynamo": true, "opset": 18}', help="the variant's options, JSON")
    args = parser.parse_args(argv)
    found = measure(args.case, args.converter, args.runtime, json.loads(args.options))
    print(json.dumps(found, sort_keys=True))
    print(row(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
