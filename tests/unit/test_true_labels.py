"""True labels of a case's inputs (``ModelCase.labels``): drawn as the first input is, in the
case's hash only when it has them, given to the extra input sets (a ``samples`` set its
own, a ``derived`` set those of its clean set) and to the maker that attacks them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tracker_fake_plugin import NumpyFramework, affine, fake_labels

from tracker.cases import ModelCase
from tracker.errors import InternalError
from tracker.inputs import InputSpec, generator_for
from tracker.labels import make_labels
from tracker.worker import extras
from tracker.worker.cache import Cache

PLAIN = ModelCase(id="c", framework="fake-numpy", builder="tracker_fake_plugin:affine", seed=3,
                  inputs=(InputSpec("x", (2, 4)),))
LABELLED = dataclasses.replace(PLAIN, labels="tracker_fake_plugin:fake_labels")


def test_the_labels_of_a_set_are_drawn_with_its_first_inputs_generator():
    for sample in (0, 1, 1000):
        expected = fake_labels(generator_for(LABELLED.seed, sample, 0), (2, 4))
        assert np.array_equal(make_labels(LABELLED, sample), expected)
        assert make_labels(LABELLED, sample).dtype == np.int64
    assert make_labels(PLAIN, 0) is None


def test_labels_are_hashed_only_where_a_case_has_them():
    assert "labels" not in PLAIN.recipe()
    assert "def fake_labels" in LABELLED.recipe()["labels"]["code"]
    assert LABELLED.content_hash != PLAIN.content_hash


def test_labels_must_name_a_callable():
    with pytest.raises(InternalError, match="its labels 'labels.npz' is not 'package.module:callable'"):
        dataclasses.replace(PLAIN, labels="labels.npz")


def test_labels_that_are_not_integers_are_refused():
    with pytest.raises(ValueError, match="not integers"):
        make_labels(dataclasses.replace(PLAIN, labels="tracker_fake_plugin:fake_scores"), 0)


def _make_all(case, tmp_path, recipes):
    maker = extras.Maker(Cache(tmp_path), "reference", case, NumpyFramework(),
                         source_model=lambda framework, case: affine())
    return maker.make_all(recipes)


def test_the_extra_sets_carry_their_labels_and_the_attack_is_made_against_them(tmp_path):
    recipes = {"clean": {"kind": "samples", "count": 3},
               "fgsm": {"kind": "derived", "maker": "tracker_oracles.attacks:fgsm", "version": 2, "count": 3,
                        "epsilon": 0.5}}
    sets = _make_all(LABELLED, tmp_path / "labelled", recipes)
    truth = [make_labels(LABELLED, extras.FIRST_EXTRA_SAMPLE + i) for i in range(3)]
    for key in recipes:
        assert [a.tolist() for a in sets.labels[key]] == [a.tolist() for a in truth]
    runs = extras.run_all(sets, lambda sample: NumpyFramework().run(affine(), sample))
    assert [a.tolist() for a in runs["fgsm"].labels] == [a.tolist() for a in truth]
    # the attack's step is the sign of the gradient of the loss against the true labels
    clean = sets.made["clean"][1]
    _, gradients = NumpyFramework().loss_gradient(affine(), clean, truth)
    for before, after, gradient in zip(clean, sets.made["fgsm"][1], gradients):
        assert np.allclose(after[0] - before[0], 0.5 * np.sign(gradient))
    plain = _make_all(PLAIN, tmp_path / "plain", recipes)
    assert plain.labels == {} and extras.run_all(plain, lambda s: [s[0]])["clean"].labels is None
