"""The ``derived`` kind of extra input sets: the core makes the clean samples and hands
them to a maker an installed plugin names, loads no other module, and checks what it
returns."""

from __future__ import annotations

import numpy as np
import pytest
from tracker_fake_plugin import NumpyFramework, affine

from tracker.cases import ModelCase
from tracker.errors import InternalError, PluginError
from tracker.inputs import InputSpec, make_inputs
from tracker.worker import extras

CASE = ModelCase(id="c", framework="fake-numpy", builder="tracker_fake_plugin:affine", seed=3,
                 inputs=(InputSpec("x", (2, 4)),))


def _maker():
    return extras.Maker(cache=None, reference="r", case=CASE, framework=NumpyFramework(),
                        source_model=lambda framework, case: affine())


def test_a_derived_set_is_the_makers_work_on_the_clean_samples():
    recipe = {"kind": "derived", "maker": "tracker_oracles.attacks:fgsm", "version": 2, "count": 3, "epsilon": 0.5}
    made = _maker().inputs(recipe)
    clean = [make_inputs(CASE.inputs, CASE.seed, extras.FIRST_EXTRA_SAMPLE + i) for i in range(3)]
    assert len(made) == 3
    for before, after in zip(clean, made):
        assert after[0].dtype == np.float32
        assert np.allclose(np.abs(after[0] - before[0]), 0.5)


@pytest.mark.parametrize(("maker", "message"), [
    ("os:system", "outside the installed plugins' packages"),
    ("tracker.inputs:make_inputs", "outside the installed plugins' packages"),
])
def test_only_a_maker_of_an_installed_plugin_is_loaded(maker, message):
    with pytest.raises(PluginError, match=message):
        _maker().inputs({"kind": "derived", "maker": maker, "version": 1, "count": 1})


def test_a_derived_recipe_without_a_version_is_refused():
    with pytest.raises(PluginError, match="has no 'version'"):
        _maker().inputs({"kind": "derived", "maker": "tracker_oracles.attacks:fgsm", "count": 1, "epsilon": 0.1})


def test_the_plugin_modules_of_the_environment_are_installed_plugins(monkeypatch):
    monkeypatch.setenv("TRACKER_PLUGIN_MODULES", "tracker_fake_plugin, other.module")
    assert {"tracker_oracles", "tracker_fake_plugin", "other"} <= extras.plugin_packages()


@pytest.mark.parametrize(("made", "message"), [
    ([], "must return a list of 1 to 1 input sets, got list of 0"),
    ("no", "must return a list of 1 to 1 input sets, got str"),
    ([[np.zeros((2, 4))]], r"changed the shapes or dtypes of input set 0: \[\('float32', \[2, 4\]\)\] -> "
                           r"\[\('float64', \[2, 4\]\)\]"),
    ([[np.zeros((2, 4), np.float32), np.zeros(1)]], "changed the shapes or dtypes"),
    ([[[0.0]]], "not ndarray"),
])
def test_what_a_maker_returns_is_checked(made, message):
    clean = [[np.zeros((2, 4), np.float32)]]
    with pytest.raises(InternalError, match=message):
        extras.checked_derived(made, clean, "m:f")


# -- what is made once: adversarial inputs per case, outputs per framework version ------------

FGSM = {"kind": "derived", "maker": "tracker_oracles.attacks:fgsm", "version": 2, "count": 3, "epsilon": 0.5}
BATCH, CLEAN = {"kind": "samples", "count": 4}, {"kind": "samples", "count": 2}


class CountingFramework(NumpyFramework):
    """Counts the forward passes and the gradients it is asked for."""

    def __init__(self):
        self.runs = 0
        self.gradients = 0

    def run_impl(self, model, inputs):
        self.runs += 1
        return super().run_impl(model, inputs)

    def loss_gradient_impl(self, model, input_sets, labels):
        self.gradients += len(input_sets)
        return super().loss_gradient_impl(model, input_sets, labels)


def _sets_of(cache, reference, framework, *recipes):
    maker = extras.Maker(cache=cache, reference=reference, case=CASE, framework=framework,
                         source_model=lambda framework, case: affine())
    return maker.make_all({extras.recipe_key(r): r for r in recipes})


def test_a_second_framework_version_reuses_the_adversarial_inputs_and_computes_its_own_outputs(tmp_path):
    from tracker.worker.cache import Cache

    cache, key = Cache(tmp_path), extras.recipe_key(FGSM)
    first, second = CountingFramework(), CountingFramework()
    made_first = _sets_of(cache, "torch-2.13", first, FGSM).made[key]
    made_second = _sets_of(cache, "torch-2.14", second, FGSM).made[key]
    assert first.gradients == 3 and second.gradients == 0  # the attack ran once, for the case
    assert second.runs == 3  # one forward pass per input set for the second version's outputs
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(made_first[1], made_second[1]))
    assert cache.extra_path("torch-2.14", key).is_file() and cache.extra_path("torch-2.13", key).is_file()
    third = CountingFramework()
    _sets_of(cache, "torch-2.14", third, FGSM)
    assert (third.gradients, third.runs) == (0, 0)  # both cached: no source model needed
    assert not extras.missing(cache, CASE, "torch-2.14", {key: FGSM})
    cache.extra_inputs_path(CASE.content_hash, key).unlink()  # pruned: the source model is needed again
    assert extras.missing(cache, CASE, "torch-2.14", {key: FGSM})


def test_outputs_computed_on_other_inputs_are_computed_again(tmp_path):
    from tracker.worker.cache import Cache

    cache, key = Cache(tmp_path), extras.recipe_key(FGSM)
    _sets_of(cache, "torch-2.13", CountingFramework(), FGSM)
    cache.extra_inputs_path(CASE.content_hash, key).unlink()  # e.g. pruned, then made again
    cache.save_extra_inputs(CASE.content_hash, key, [[np.ones((2, 4), np.float32)]] * 3)
    again = CountingFramework()
    _sets_of(cache, "torch-2.13", again, FGSM)
    assert again.runs == 3


def test_inputs_stored_first_are_the_ones_every_version_runs(tmp_path):
    from tracker.worker.cache import Cache

    cache = Cache(tmp_path)
    first = cache.save_extra_inputs("h" * 24, "k", [[np.zeros(2, np.float32)]])
    second = cache.save_extra_inputs("h" * 24, "k", [[np.ones(2, np.float32)]])
    assert np.array_equal(first[0][0], np.zeros(2)) and np.array_equal(second[0][0], np.zeros(2))
    assert not list(cache.extra_inputs_path("h" * 24, "k").parent.glob(".*.tmp"))


def test_a_set_that_is_the_first_sets_of_another_is_made_and_run_as_part_of_it(tmp_path):
    from tracker.worker.cache import Cache

    framework = CountingFramework()
    sets = _sets_of(Cache(tmp_path), "r", framework, BATCH, CLEAN)
    batch, clean = extras.recipe_key(BATCH), extras.recipe_key(CLEAN)
    assert sets.prefix_of == {clean: batch} and framework.runs == 4
    assert not Cache(tmp_path).extra_path("r", clean).is_file()
    calls = []
    runs = extras.run_all(sets, lambda sample: calls.append(sample) or [sample[0] * 2])
    assert len(calls) == 4  # the batch's 4 sets, not 4 + 2
    assert runs[clean].inputs == runs[batch].inputs[:2] and runs[clean].actual == runs[batch].actual[:2]
    assert runs[clean].expected == runs[batch].expected[:2] and runs[clean].error is None
    assert extras.ExtraSets().only({clean}).made == {}
    assert set(sets.only({clean}).made) == {clean, batch}
    assert not extras.missing(Cache(tmp_path), CASE, "r", {batch: BATCH, clean: CLEAN})


def test_a_runtime_failure_is_the_prefix_sets_error_only_if_it_reaches_them(tmp_path):
    from tracker.worker.cache import Cache

    sets = _sets_of(Cache(tmp_path), "r", CountingFramework(), BATCH, CLEAN)
    batch, clean = extras.recipe_key(BATCH), extras.recipe_key(CLEAN)

    def failing_at(index):
        calls = []

        def run(sample):
            calls.append(sample)
            if len(calls) > index:
                raise RuntimeError("boom")
            return [sample[0]]
        return run

    late, early = extras.run_all(sets, failing_at(3)), extras.run_all(sets, failing_at(1))
    assert late[batch].error and late[clean].error is None and len(late[clean].actual) == 2
    assert early[batch].error and early[clean].error == early[batch].error and early[clean].actual is None


def test_a_maker_may_return_the_first_sets_only_when_its_budget_ran_out():
    clean = [[np.zeros((2, 4), np.float32)], [np.ones((2, 4), np.float32)]]
    assert len(extras.checked_derived(clean[:1], clean, "m:f")) == 1


def test_a_case_that_converts_with_a_converter_altering_the_framework_makes_its_sets_first():
    from types import SimpleNamespace

    from tracker.worker.case_run import CaseRun

    run = CaseRun.__new__(CaseRun)  # only the choice of order is under test
    run.converter = SimpleNamespace(alters_framework=lambda options: options["entry"] == "saved_model")
    run.job = SimpleNamespace(conversion=None, options={"entry": "saved_model"})
    assert [stage.__name__ for stage in run.middle_stages()] == ["make_extra_sets", "convert"]
    run.job = SimpleNamespace(conversion=object(), options={"entry": "saved_model"})  # reused: no conversion here
    assert [stage.__name__ for stage in run.middle_stages()] == ["convert", "make_extra_sets"]
    run.job = SimpleNamespace(conversion=None, options={"entry": "keras"})
    assert [stage.__name__ for stage in run.middle_stages()] == ["convert", "make_extra_sets"]
