"""``accuracy``: the accuracy of the source and of the converted classifier against the true
labels, on a case whose inputs are a labelled data set (``ModelCase.labels``: a trained
model's test split).

What the second published study compared before and after conversion. Over the case's
input sets (for a trained case, its whole test split) and their labels:

- ``source_accuracy``: how often the source's top-1 class is the label;
- ``converted_accuracy``: how often the converted model's is;
- ``accuracy_drop``: the first minus the second (negative: the converted model is right
  more often);
- ``samples``: how many predictions (rows of the first output's logits) were judged.

Fails when ``accuracy_drop`` exceeds ``max_drop`` (default 0.01: a few predictions of a
few hundred; float16 rounding may flip a prediction near a decision boundary). Not
applicable to cases without labels.
"""

from __future__ import annotations

from tracker.plugin import Evidence, MetricDeclaration, Oracle, Verdict
from tracker_oracles.classify import logit_rows, top_k


class Accuracy(Oracle):
    name = "accuracy"
    description = "accuracy against the true labels of a labelled data set, source and converted"
    stage = "outputs"
    requires = ("numpy",)
    defaults = {"max_drop": 0.01}
    metrics = (
        MetricDeclaration("source_accuracy", label="accuracy source", role="report", aggregate="mean", priority=5,
                          description="source model's accuracy on the labelled inputs (mean over labelled cases)"),
        MetricDeclaration("converted_accuracy", label="accuracy converted", role="report", aggregate="mean",
                          priority=6, description="converted model's accuracy on the same inputs "
                                                  "(mean over labelled cases)"),
    )

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import numpy as np

        if evidence.labels is None:
            return Verdict(None, message="no labels: the case's inputs are not a labelled data set")
        labels = np.concatenate([np.asarray(set_labels).reshape(-1) for set_labels in evidence.labels])
        source, converted = logit_rows(evidence.expected), logit_rows(evidence.actual)
        if converted.shape != source.shape or len(labels) != len(source):
            return Verdict(False, {}, f"logits of shape {converted.shape} for {len(labels)} labels, the source's "
                           f"{source.shape}", subkind="shape")
        metrics = {"source_accuracy": float(np.mean(top_k(source, 1)[:, 0] == labels)),
                   "converted_accuracy": float(np.mean(top_k(converted, 1)[:, 0] == labels)),
                   "samples": float(len(labels))}
        metrics["accuracy_drop"] = metrics["source_accuracy"] - metrics["converted_accuracy"]
        if metrics["accuracy_drop"] > float(evidence.options["max_drop"]):
            return Verdict(False, metrics, f"accuracy {metrics['converted_accuracy']:.4f} against the source's "
                           f"{metrics['source_accuracy']:.4f} on {len(labels)} labelled predictions (max drop "
                           f"{evidence.options['max_drop']})", subkind="accuracy_drop")
        return Verdict(True, metrics)
