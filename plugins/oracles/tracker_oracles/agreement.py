"""``agreement``: do the converted and the source classifier predict the same classes?

The second published study compared accuracy before and after conversion; with random
weights and no labels, the source model's own predictions are the labels. Over a
deterministic batch of ``count`` extra input sets (default 32, never the judged samples):

- ``top1_agreement``: the fraction of rows where the converted model's top-1 class is
  the source's top-1 class;
- ``top5_agreement``: the fraction where the source's top-1 class is among the converted
  model's top 5 (top-5 accuracy, the source's prediction as the label).

A row is one prediction: each input set's first output reshaped to (rows, classes), so a
batch or a sequence of token logits gives several rows. Fails below ``min_top1`` (default
0.95) or ``min_top5`` (1.0). Applies to cases tagged ``classifier`` (option ``tags``);
not applicable to others. A case whose inputs are a labelled data set (``ModelCase.labels``:
a trained model's test split) is judged on its own input sets and asks for no batch. Options: ``count``, ``min_top1``, ``min_top5``, ``tags``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.plugin import Evidence, MetricDeclaration, ModelCase, Oracle, Verdict
from tracker_oracles.classify import is_classifier, logit_rows, top_k


class Agreement(Oracle):
    name = "agreement"
    description = "top-1 / top-5 agreement of a classifier's predictions over 32 more inputs"
    stage = "outputs"
    requires = ("numpy",)
    defaults = {"count": 32, "min_top1": 0.95, "min_top5": 1.0, "tags": ["classifier"]}
    metrics = (
        MetricDeclaration("top1_agreement", label="classifiers", role="report", aggregate="count", priority=10,
                          description="classifiers judged by the agreement oracle"),
        MetricDeclaration("top1_agreement", label="top-1 agreement", role="report", aggregate="mean", priority=11,
                          description="converted top-1 class = source top-1 class (mean over classifiers)"),
        MetricDeclaration("top5_agreement", label="top-5 agreement", role="report", aggregate="mean", priority=12,
                          description="source top-1 class among converted top 5 (mean over classifiers)"),
    )

    def extra_inputs(self, case: ModelCase, options: Mapping[str, Any],
                     converter_options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        if not is_classifier(case, options) or case.labels is not None:
            return {}
        return {"batch": {"kind": "samples", "count": int(options["count"])}}

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import numpy as np

        options = evidence.options
        if not is_classifier(evidence.case, options):
            return Verdict(None, message="not a classifier (no tag of: "
                           f"{', '.join(options.get('tags', []))})")
        if evidence.case.labels is None:
            if "batch" not in evidence.extra:
                return Verdict(None, message=evidence.extra_unavailable.get("batch", "no batch of inputs"))
            run = evidence.extra["batch"]
            if run.error is not None:
                return Verdict(False, {"samples": float(len(run.inputs))},
                               f"the runtime failed on the agreement batch: {run.error}", subkind="runtime_error")
            expected, actual = run.expected, run.actual
        else:  # a labelled data set: its own input sets
            expected, actual = evidence.expected, evidence.actual
        source, converted = logit_rows(expected), logit_rows(actual)
        if source.shape != converted.shape:
            return Verdict(False, {}, f"logits of shape {converted.shape}, expected {source.shape}",
                           subkind="shape")
        if not np.isfinite(converted).all() and np.isfinite(source).all():
            return Verdict(False, {"samples": float(len(source))}, "non-finite logits where the source's "
                           "are finite", subkind="nan")
        labels = top_k(source, 1)[:, 0]
        top1 = float(np.mean(top_k(converted, 1)[:, 0] == labels))
        top5 = float(np.mean((top_k(converted, 5) == labels[:, None]).any(axis=1)))
        metrics = {"top1_agreement": top1, "top5_agreement": top5, "samples": float(len(labels)),
                   "classes": float(source.shape[1])}
        if top1 < options["min_top1"] or top5 < options["min_top5"]:
            flipped = int(round((1 - top1) * len(labels)))
            return Verdict(False, metrics, f"top-1 agreement {top1:.3f} (min {options['min_top1']}), top-5 "
                           f"{top5:.3f} (min {options['min_top5']}): {flipped} of {len(labels)} predictions "
                           "changed", subkind="disagreement")
        return Verdict(True, metrics)
