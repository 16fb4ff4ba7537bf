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
    ([], "must return a list of 1 input sets, got list of 0"),
    ("no", "must return a list of 1 input sets, got str"),
    ([[np.zeros((2, 4))]], r"changed the shapes or dtypes of input set 0: \[\('float32', \[2, 4\]\)\] -> "
                           r"\[\('float64', \[2, 4\]\)\]"),
    ([[np.zeros((2, 4), np.float32), np.zeros(1)]], "changed the shapes or dtypes"),
    ([[[0.0]]], "not ndarray"),
])
def test_what_a_maker_returns_is_checked(made, message):
    clean = [[np.zeros((2, 4), np.float32)]]
    with pytest.raises(InternalError, match=message):
        extras.checked_derived(made, clean, "m:f")
