"""``robustness``: is the converted model as robust to adversarial inputs as the source?

The second published study found converted models can be more vulnerable to adversarial
inputs than their source. Adversarial inputs are made on the source model, from the
gradients its framework computes (``Framework.loss_gradient``), by the attacks of
:mod:`tracker_oracles.attacks` (FGSM, and PGD with ``pgd_steps`` (5) steps), from
``count`` (16) clean input sets (the first of the agreement oracle's batch, made and run
once for both), once per case whatever the framework version (cached by the case's
content hash; each framework version computes its outputs on them). The labels are the
source's predictions on the clean inputs; for a case whose inputs are a labelled data
set (``ModelCase.labels``: a trained model's test split), its true labels, the attacks
are made against them and the clean sets are as many as the case's own input sets (its
``samples``: for a trained case, one set, the whole test split). Per attack:

- ``<attack>.source_robust_accuracy``: how often the source still predicts its clean
  label on its own adversarial inputs;
- ``<attack>.converted_robust_accuracy``: how often the converted model does, on the
  same adversarial inputs;
- ``<attack>.adversarial_agreement``: how often the two predict the same class on them.

Fails when the converted model's robust accuracy is more than ``max_drop`` (default 0.15:
three predictions of 16; adversarial inputs lie near decision boundaries, where one
float-rounding flip is not a weakness) below the source's for an attack. ``epsilon`` is in the model's input units (images are
normalized with ImageNet statistics, so the default 0.1 is about 6/255 of a pixel's
range). Applies to cases tagged ``classifier`` (option ``tags``) whose framework plugin
implements ``loss_gradient``; not applicable otherwise.

``attack_budget_seconds`` (default 120) bounds the attacks' time per case, shared by the
attacks in proportion to their gradient passes per input set (FGSM 1, PGD ``pgd_steps`` + 1).
An attack whose share runs out stops after the sets it made (at least 8, or ``count``):
it is judged on those, ``<attack>.input_sets`` says how many, and the verdict's message says
the budget was reached. 0 removes the bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.plugin import Evidence, MetricDeclaration, ModelCase, Oracle, Verdict
from tracker_oracles import attacks
from tracker_oracles.classify import is_classifier, logit_rows, top_k

ATTACKS = ("fgsm", "pgd")


class Robustness(Oracle):
    name = "robustness"
    description = "accuracy under FGSM and PGD attacks made on the source, before and after conversion"
    stage = "outputs"
    requires = ("numpy",)
    # 16 inputs and 5 PGD steps: the attacks are the costliest work of a first pair (a
    # backward pass per step and input, per classifier and torch release); 32 and 10 took
    # 32 of the 43 minutes of the first torch 2.14.1 pair here
    defaults = {"count": 16, "epsilon": 0.1, "pgd_steps": 5, "max_drop": 0.15, "tags": ["classifier"],
                "attack_budget_seconds": 120.0}
    metrics = tuple(
        MetricDeclaration(f"{attack}.{side}_robust_accuracy", role="report", aggregate="mean",
                          label=f"{attack.upper()} " + ("robust acc. source" if side == "source" else "converted"),
                          priority=20 + 2 * number + (side == "converted"),
                          description=f"{side} model's accuracy on {attack.upper()} inputs made on the source "
                                      "(mean over classifiers)")
        for number, attack in enumerate(ATTACKS) for side in ("source", "converted")
    )

    def extra_inputs(self, case: ModelCase, options: Mapping[str, Any],
                     converter_options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        if not is_classifier(case, options):
            return {}
        count = int(options["count"]) if case.labels is None else case.samples  # the labelled data set
        epsilon, steps = float(options["epsilon"]), int(options["pgd_steps"])
        budget = options.get("attack_budget_seconds")
        passes = {name: attacks.gradient_passes(name, steps) for name in ATTACKS}
        shares = {name: None if not budget or float(budget) <= 0 else float(budget) * passes[name] / sum(passes.values())
                  for name in ATTACKS}
        return {
            "clean": {"kind": "samples", "count": count},  # the first sets of the agreement batch: run once
            **{name: attacks.attack_recipe(name, count=count, epsilon=epsilon, steps=steps,
                                           budget_seconds=shares[name]) for name in ATTACKS},
        }

    def judge_impl(self, evidence: Evidence) -> Verdict:
        import numpy as np

        options = evidence.options
        if not is_classifier(evidence.case, options):
            return Verdict(None, message="not a classifier")
        missing = [name for name in ("clean", *ATTACKS) if name not in evidence.extra]
        if missing:
            return Verdict(None, message="; ".join(f"{name}: {evidence.extra_unavailable.get(name, 'not made')}"
                                                   for name in missing))
        failed = [f"{name}: {evidence.extra[name].error}" for name in ("clean", *ATTACKS)
                  if evidence.extra[name].error is not None]
        if failed:
            return Verdict(False, {}, "the runtime failed on adversarial inputs: " + "; ".join(failed),
                           subkind="runtime_error")
        clean = evidence.extra["clean"]
        metrics: dict[str, float] = {"samples": float(len(logit_rows(clean.expected))),  # predictions
                                     "true_labels": float(clean.labels is not None)}
        drops, short = [], []
        for attack in ATTACKS:
            run = evidence.extra[attack]
            made = len(run.inputs)  # fewer than the clean sets when the attack's time budget ran out
            metrics[f"{attack}.input_sets"] = float(made)
            if made < len(clean.inputs):
                short.append(f"{attack} on {made} of {len(clean.inputs)} input sets (its time budget ran out)")
            labels = (top_k(logit_rows(clean.expected[:made]), 1)[:, 0] if clean.labels is None
                      else np.concatenate([np.asarray(truth).reshape(-1) for truth in clean.labels[:made]]))
            source = top_k(logit_rows(run.expected), 1)[:, 0]
            converted = top_k(logit_rows(run.actual), 1)[:, 0]
            metrics[f"{attack}.source_robust_accuracy"] = float(np.mean(source == labels))
            metrics[f"{attack}.converted_robust_accuracy"] = float(np.mean(converted == labels))
            metrics[f"{attack}.adversarial_agreement"] = float(np.mean(converted == source))
            drop = metrics[f"{attack}.source_robust_accuracy"] - metrics[f"{attack}.converted_robust_accuracy"]
            metrics[f"{attack}.robust_accuracy_drop"] = drop
            if drop > float(options["max_drop"]):
                drops.append(f"{attack}: robust accuracy {metrics[f'{attack}.converted_robust_accuracy']:.3f} "
                             f"against the source's {metrics[f'{attack}.source_robust_accuracy']:.3f}")
        note = "; ".join(short)
        if drops:
            return Verdict(False, metrics, f"more vulnerable than the source (max drop {options['max_drop']}): "
                           + "; ".join(drops) + (f" ({note})" if note else ""), subkind="less_robust")
        return Verdict(True, metrics, note)
