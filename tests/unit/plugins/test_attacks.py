"""The robustness oracle's attacks, in NumPy on ``Framework.loss_gradient``, against the
fake plugin's affine softmax classifier, whose gradient is known exactly: FGSM moves each
input by exactly epsilon along the gradient's sign, PGD stays in the epsilon ball, is
deterministic, and attacks the clean top-1; ``loss_gradient`` checks what a plugin
returns."""

from __future__ import annotations

import numpy as np
import pytest
from tracker_fake_plugin import AffineModel, NumpyFramework, affine
from tracker_oracles import attacks

from tracker.api import Framework
from tracker.errors import InternalError

EPSILON = 0.1
FEATURES = 4  # the affine model's: as many classes


def _model() -> AffineModel:
    return affine(size=FEATURES, seed=0)


class RecordingFramework(NumpyFramework):
    """The exact loss gradient of the fake plugin's affine model; records the labels it
    was given."""

    def __init__(self) -> None:
        self.labels_given: list[list[np.ndarray] | None] = []

    def loss_gradient_impl(self, model, input_sets, labels):
        self.labels_given.append(labels)
        return super().loss_gradient_impl(model, input_sets, labels)


def _sets(count=8, rows=3, dtype=np.float32):
    rng = np.random.default_rng(1)
    return [[rng.standard_normal((rows, FEATURES)).astype(dtype), np.arange(rows, dtype=np.int64)]
            for _ in range(count)]


def _attack(name, sets, framework=None, **recipe):
    framework = framework or RecordingFramework()
    recipe = attacks.attack_recipe(name, count=len(sets), epsilon=EPSILON, steps=5) | recipe
    made = getattr(attacks, name)(framework, _model(), sets, recipe)
    assert [[(a.shape, a.dtype) for a in s] for s in made] == [[(a.shape, a.dtype) for a in s] for s in sets]
    for clean, adversarial in zip(sets, made):
        assert np.array_equal(clean[1], adversarial[1])  # only the first input is perturbed
    return made


def test_fgsm_moves_every_input_by_exactly_epsilon_along_the_gradient_sign():
    sets, framework = _sets(), RecordingFramework()
    _, gradients = framework.loss_gradient(_model(), sets)
    made = _attack("fgsm", sets)
    for clean, adversarial, gradient in zip(sets, made, gradients):
        assert np.all(gradient != 0)
        assert np.array_equal(adversarial[0], clean[0] + np.float32(EPSILON) * np.sign(gradient))


def test_fgsm_attacks_the_models_own_top1_on_the_clean_inputs():
    framework = RecordingFramework()
    _attack("fgsm", _sets(), framework)
    assert framework.labels_given == [None]  # None: the model's own top-1 on what it is given


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_pgd_stays_in_the_epsilon_ball_in_the_inputs_dtype(dtype):
    sets = _sets(dtype=dtype)
    made = _attack("pgd", sets)
    for clean, adversarial in zip(sets, made):
        eps = dtype(EPSILON)
        assert np.all(adversarial[0] >= clean[0] - eps) and np.all(adversarial[0] <= clean[0] + eps)
        assert np.abs(adversarial[0] - clean[0]).max() > eps / 2  # it moved


def test_pgd_attacks_the_clean_top1_from_a_seeded_random_start():
    sets, framework = _sets(), RecordingFramework()
    first = _attack("pgd", sets, framework)
    clean_top1 = [_model()(s[0]).argmax(axis=-1) for s in sets]
    assert len(framework.labels_given) == 5  # one gradient per step, none on the clean inputs
    for labels in framework.labels_given:
        assert all(np.array_equal(a, b) for a, b in zip(labels, clean_top1))
    again, other_seed = _attack("pgd", sets), _attack("pgd", sets, seed=1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, again))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, other_seed))


def test_the_attacks_lower_the_accuracy_pgd_at_least_as_much_as_fgsm():
    sets, model = _sets(count=32), _model()
    clean_top1 = np.concatenate([model(s[0]).argmax(axis=-1) for s in sets])

    def accuracy(made):
        return np.mean(np.concatenate([model(s[0]).argmax(axis=-1) for s in made]) == clean_top1)

    fgsm, pgd = accuracy(_attack("fgsm", sets)), accuracy(_attack("pgd", sets))
    assert pgd <= fgsm < 1.0


def test_a_first_input_that_is_not_floating_point_has_no_gradient():
    sets = [[np.zeros((2, FEATURES), dtype=np.int64)]]
    with pytest.raises(NotImplementedError, match="not floating point"):
        attacks.fgsm(RecordingFramework(), _model(), sets, attacks.attack_recipe("fgsm", count=1, epsilon=EPSILON))


def test_a_framework_without_loss_gradient_cannot():
    class Plain(RecordingFramework):
        loss_gradient_impl = Framework.loss_gradient_impl

    with pytest.raises(NotImplementedError, match="cannot compute loss gradients"):
        Plain().loss_gradient(_model(), _sets(1))


@pytest.mark.parametrize(("broken", "message"), [
    (lambda logits, grads: (logits, [g.astype(np.float64) for g in grads]), "gradient of float64"),
    (lambda logits, grads: (logits, [g[:1] for g in grads]), r"gradient of float32\[1, 4\]"),
    (lambda logits, grads: (logits[:1], grads), "returned 1 logits and 2 gradients for 2 input sets"),
    (lambda logits, grads: ([x.ravel() for x in logits], grads), "logits of shape"),
])
def test_loss_gradient_checks_what_the_plugin_returns(broken, message):
    class Broken(RecordingFramework):
        def loss_gradient_impl(self, model, input_sets, labels):
            return broken(*super().loss_gradient_impl(model, input_sets, labels))

    labels = [np.zeros(3, dtype=np.int64)] * 2
    with pytest.raises(InternalError, match=message):
        Broken().loss_gradient(_model(), _sets(2), labels)


def test_recipes_name_their_maker_and_version():
    fgsm, pgd = (attacks.attack_recipe(a, count=16, epsilon=0.1, steps=5) for a in ("fgsm", "pgd"))
    assert fgsm == {"kind": "derived", "maker": "tracker_oracles.attacks:fgsm", "version": attacks.VERSION,
                    "count": 16, "epsilon": 0.1}
    assert pgd["maker"] == "tracker_oracles.attacks:pgd" and pgd["step_size"] == pytest.approx(0.05)
    with pytest.raises(ValueError, match="unknown attack"):
        attacks.attack_recipe("cw", count=1, epsilon=0.1)


@pytest.mark.parametrize("name", ["fgsm", "pgd"])
def test_an_attack_out_of_budget_returns_the_first_sets_it_made_as_an_unbounded_one_makes_them(name):
    sets = _sets(count=20)
    unbounded = _attack(name, sets)
    bounded = getattr(attacks, name)(RecordingFramework(), _model(), sets,
                                     attacks.attack_recipe(name, count=20, epsilon=EPSILON, steps=5, budget_seconds=0))
    assert len(unbounded) == 20 and len(bounded) == attacks.CHUNK  # the first chunk is always made
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(bounded, unbounded))
    roomy = getattr(attacks, name)(RecordingFramework(), _model(), sets,
                                   attacks.attack_recipe(name, count=20, epsilon=EPSILON, steps=5, budget_seconds=600))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(roomy, unbounded)) and len(roomy) == 20


def test_the_robustness_budget_is_shared_by_gradient_passes_and_its_recipes_key_the_cache():
    from tracker_oracles.robustness import Robustness

    from tracker.cases import ModelCase
    from tracker.inputs import InputSpec

    oracle = Robustness()
    case = ModelCase(id="c", framework="fake-numpy", builder="b:f", tags=("classifier",),
                     inputs=(InputSpec("x", (2, 4)),))
    wanted = oracle.extra_inputs(case, {**oracle.defaults, "attack_budget_seconds": 70}, {})
    assert wanted["fgsm"]["budget_seconds"] == pytest.approx(10) and wanted["pgd"]["budget_seconds"] == pytest.approx(60)
    assert wanted["clean"] == {"kind": "samples", "count": 16}
    unbounded = oracle.extra_inputs(case, {**oracle.defaults, "attack_budget_seconds": 0}, {})
    assert "budget_seconds" not in unbounded["pgd"]


def test_an_attack_cut_short_by_its_budget_is_judged_on_its_sets_and_says_so():
    from pathlib import Path

    from tracker_oracles.robustness import Robustness

    from tracker.api import Evidence, ExtraRun
    from tracker.cases import ModelCase
    from tracker.inputs import InputSpec

    oracle = Robustness()
    case = ModelCase(id="c", framework="fake-numpy", builder="b:f", tags=("classifier",),
                     inputs=(InputSpec("x", (2, 4)),))
    logits = [[np.eye(4, dtype=np.float32)[[i % 4, (i + 1) % 4]]] for i in range(16)]
    clean = ExtraRun({}, [[np.zeros(1)]] * 16, logits, logits)
    fgsm = ExtraRun({}, [[np.zeros(1)]] * 16, logits, logits)
    pgd = ExtraRun({}, [[np.zeros(1)]] * 8, logits[:8], logits[:8])  # the first 8: its budget ran out
    evidence = Evidence(case=case, artifact=Path("m.onnx"), artifact_format="onnx", options=oracle.defaults,
                        extra={"clean": clean, "fgsm": fgsm, "pgd": pgd})
    verdict = oracle.judge(evidence)
    assert verdict.passed is True
    assert verdict.metrics["pgd.input_sets"] == 8 and verdict.metrics["fgsm.input_sets"] == 16
    assert verdict.metrics["samples"] == 32 and verdict.metrics["pgd.source_robust_accuracy"] == 1.0
    assert verdict.message == "pgd on 8 of 16 input sets (its time budget ran out)"
