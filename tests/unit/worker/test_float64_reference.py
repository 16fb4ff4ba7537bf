"""The float64 reference in the core (tracker.worker.float64): computed once per reference
and cached beside it, recomputed on other inputs, and why there is none remembered when
the framework says so or the float64 run fails, but not when the model could not be built."""

from __future__ import annotations

import numpy as np
from tracker_fake_plugin import NumpyFramework, affine

from tracker.worker import float64
from tracker.worker.cache import Cache

INPUTS = [[np.arange(8, dtype=np.float32).reshape(2, 4)]]


class Float64Numpy(NumpyFramework):
    """The affine model with its weights in float64."""

    def run_float64_impl(self, model, inputs):
        return [inputs[0].astype(np.float64) @ model.weight.astype(np.float64) + model.bias.astype(np.float64)]


class Counting:
    def __init__(self, fails: bool = False) -> None:
        self.built = 0
        self.fails = fails

    def __call__(self):
        self.built += 1
        if self.fails:
            raise OSError("weights missing")
        return affine()


def test_computed_once_cached_beside_the_reference_and_recomputed_on_other_inputs(tmp_path):
    cache, build = Cache(tmp_path), Counting()
    outputs, reason = float64.reference(cache, "abc123", Float64Numpy(), build, INPUTS)
    assert reason is None and outputs[0][0].dtype == np.float64 and build.built == 1
    assert cache.float64_path("abc123") == cache.reference_path("abc123").with_name("abc123.float64.npz")
    assert not float64.missing(cache, "abc123")
    again, _ = float64.reference(cache, "abc123", Float64Numpy(), build, INPUTS)
    assert build.built == 1 and np.array_equal(again[0][0], outputs[0][0])
    other = [[INPUTS[0][0] + 1]]
    float64.reference(cache, "abc123", Float64Numpy(), build, other)
    assert build.built == 2  # inputs of another digest: run again


def test_why_there_is_none_is_remembered_unless_the_model_could_not_be_built(tmp_path):
    cache, build = Cache(tmp_path), Counting()
    outputs, reason = float64.reference(cache, "k1", NumpyFramework(), build, INPUTS)
    assert outputs is None and "cannot run its models in float64" in reason
    assert float64.reference(cache, "k1", NumpyFramework(), build, INPUTS)[1] == reason and build.built == 1

    class Broken(Float64Numpy):
        def run_float64_impl(self, model, inputs):
            raise RuntimeError("no float64 kernel")

    assert "failed: RuntimeError: no float64 kernel" in float64.reference(cache, "k2", Broken(), build, INPUTS)[1]
    assert cache.float64_unavailable("k2") is not None

    unbuildable = Counting(fails=True)
    outputs, reason = float64.reference(cache, "k3", Float64Numpy(), unbuildable, INPUTS)
    assert outputs is None and "could not be built" in reason
    assert float64.missing(cache, "k3")  # not remembered: the next case tries again
