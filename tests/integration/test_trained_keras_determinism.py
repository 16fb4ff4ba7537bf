"""The Keras trained models train deterministically (op determinism, seeded): the same case
trained in two processes with caches of their own gives the same weights, bit for bit;
see test_trained_determinism.py. Runs in the `integration_tensorflow` session."""

from __future__ import annotations

import pytest

from test_trained_determinism import check_trains_the_same_twice

pytestmark = [pytest.mark.tensorflow, pytest.mark.integration]


@pytest.mark.parametrize("architecture", ["mlp", "lstm"])
def test_a_keras_model_trains_the_same_in_two_processes(architecture, tmp_path):
    check_trains_the_same_twice("tensorflow", architecture, tmp_path)
