"""``onnx-checker``: the ONNX checker with ``full_check`` (which includes strict shape
inference). A failure makes the case ``invalid_model``.

Metrics: ``ir_version``, ``opset`` (of the default domain), ``nodes``, ``artifact_bytes``,
``opset_requested`` (when the converter was given one), and ``opset_matches`` (1/0).

Options: ``full_check`` (bool, default true).
"""

from __future__ import annotations

from tracker.plugin import Evidence, Oracle, Verdict


class OnnxChecker(Oracle):
    name = "onnx-checker"
    description = "onnx.checker.check_model(full_check=True) and shape inference"
    stage = "artifact"
    formats = ("onnx",)
    requires = ("onnx",)
    packages = ("onnx",)
    preload = ("onnx",)
    defaults = {"full_check": True}

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import onnx

        path = str(evidence.artifact)
        model = onnx.load(path, load_external_data=False)
        opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), -1)
        metrics = {
            "ir_version": float(model.ir_version),
            "opset": float(opset),
            "nodes": float(len(model.graph.node)),
            "artifact_bytes": float(evidence.artifact.stat().st_size),
        }
        requested = evidence.converter_options.get("opset")
        if requested is not None:
            metrics["opset_requested"] = float(requested)
            metrics["opset_matches"] = float(int(requested) == opset)
        try:
            onnx.checker.check_model(path, full_check=bool(evidence.options.get("full_check", True)))
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
            return Verdict(False, metrics, f"{type(exc).__name__}: {exc}", subkind="checker")
        return Verdict(True, metrics)
