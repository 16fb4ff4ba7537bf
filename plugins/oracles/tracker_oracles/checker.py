"""``onnx-checker``: the ONNX checker with ``full_check`` (which includes strict shape
inference), and an honest artifact: the opset (of the default domain) and the IR version
it declares are those the converter was asked for. A failure makes the case
``invalid_model``: subkind ``checker``, or ``opset_mismatch`` / ``ir_mismatch`` for a
converter that silently wrote another opset or IR version than asked.

Metrics: ``ir_version``, ``opset`` (of the default domain), ``nodes``, ``artifact_bytes``,
``functions`` (local functions), ``opset_requested`` and ``opset_matches`` (1/0) when the
converter was given an ``opset`` option, ``ir_version_requested`` and
``ir_version_matches`` when given an ``ir_version``.

A mismatch's message ends with what the converter said about versions while it converted
(its warnings and log records naming a version, an opset or an adapter: torch.onnx logs
that a version-converter adapter is missing when it keeps opset 18), so the reason is kept
where the failure is read.

Options: ``full_check`` (bool, default true); ``on_mismatch`` (``fail``, default, or
``warn``: record the metrics and pass).
"""

from __future__ import annotations

import re

from tracker.plugin import Evidence, Oracle, Verdict


class OnnxChecker(Oracle):
    name = "onnx-checker"
    description = "onnx.checker.check_model(full_check=True), and the opset and IR version asked for"
    stage = "artifact"
    formats = ("onnx",)
    requires = ("onnx",)
    packages = ("onnx",)
    preload = ("onnx",)
    defaults = {"full_check": True, "on_mismatch": "fail"}

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import onnx

        path = str(evidence.artifact)
        model = onnx.load(path, load_external_data=False)
        opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), -1)
        metrics = {
            "ir_version": float(model.ir_version),
            "opset": float(opset),
            "nodes": float(len(model.graph.node)),
            "functions": float(len(model.functions)),
            "artifact_bytes": float(evidence.artifact.stat().st_size),
        }
        mismatches = []
        for option, declared, what in (("opset", opset, "opset"), ("ir_version", model.ir_version, "IR version")):
            requested = evidence.converter_options.get(option)
            if requested is None:
                continue
            metrics[f"{option}_requested"] = float(requested)
            metrics[f"{option}_matches"] = float(int(requested) == declared)
            if int(requested) != declared:
                mismatches.append((option, f"asked for {what} {int(requested)}, the artifact declares {declared}"))
        try:
            onnx.checker.check_model(path, full_check=bool(evidence.options.get("full_check", True)))
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
            return Verdict(False, metrics, f"{type(exc).__name__}: {exc}", subkind="checker")
        message = "; ".join(text for _, text in mismatches)
        reasons = version_notes(evidence.converter_notes) if mismatches else []
        if reasons:
            message += ". The converter said: " + " | ".join(reasons)
        if mismatches and evidence.options.get("on_mismatch", "fail") == "fail":
            option = mismatches[0][0]
            return Verdict(False, metrics, message, subkind="opset_mismatch" if option == "opset" else "ir_mismatch")
        return Verdict(True, metrics, message)


_VERSION_WORDS = re.compile(r"\b(opset|version|adapter)s?\b", re.IGNORECASE)  # not "torchvision"


def version_notes(notes: tuple[str, ...], most: int = 3) -> list[str]:
    """The converter's notes about versions: those naming an opset, a version or an adapter
    (the reason an exporter kept another opset), the most specific (with an error) first."""
    relevant = [n for n in notes if _VERSION_WORDS.search(n)]
    return sorted(relevant, key=lambda n: "Error" not in n)[:most]
