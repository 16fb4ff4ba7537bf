"""A pipeline made of NumPy only, with converters and runtimes that misbehave on demand.

Registered through ``TRACKER_PLUGIN_MODULES=tracker_fake_plugin`` (with this directory on
``PYTHONPATH``), it lets the worker's promises be tested without any deep-learning
framework: a converter that segfaults, aborts, hangs, eats memory, raises a giant
message, exits, writes a subtly wrong model, or a model of fixed shape when asked for a
dynamic one; a runtime that crashes while loading or perturbs what it computes; a second,
trustworthy runtime that localizes faults; the exact loss gradient (for the attacks).
"""

from __future__ import annotations

import ctypes
import os
import time
import zlib
from pathlib import Path

import numpy as np

from tracker.plugin import (
    ConversionRequest,
    Converter,
    Framework,
    InputSpec,
    ModelCase,
    Runtime,
    hookimpl,
)

FORMAT = "fake-npz"


class AffineModel:
    """y = x @ w + b, the whole 'model'."""

    def __init__(self, size: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.weight = rng.standard_normal((size, size)).astype(np.float32)
        self.bias = rng.standard_normal(size).astype(np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weight + self.bias


def affine(size: int = 4, fault: str = "none", delay: float = 0.0, seed: int = 0) -> AffineModel:
    model = AffineModel(size, seed=seed)
    model.fault = fault
    model.delay = delay
    return model


class NumpyFramework(Framework):
    name = "fake-numpy"
    requires = ("numpy",)
    packages = ("numpy",)

    def build_impl(self, case: ModelCase) -> AffineModel:
        return affine(**case.params)

    def run_impl(self, model: AffineModel, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [model(inputs[0])]

    def parameter_bytes(self, model: AffineModel) -> int:
        return model.weight.nbytes + model.bias.nbytes

    def loss_gradient_impl(self, model, input_sets, labels):
        """The exact gradient of the cross-entropy of softmax(x @ w + b), summed over the
        rows: (p - onehot) @ w.T."""
        logits, gradients = [], []
        for index, inputs in enumerate(input_sets):
            rows = model(inputs[0])
            target = rows.argmax(axis=-1) if labels is None else labels[index]
            p = np.exp(rows - rows.max(axis=-1, keepdims=True))
            p /= p.sum(axis=-1, keepdims=True)
            p[np.arange(len(target)), target] -= 1.0
            logits.append(rows)
            gradients.append((p @ model.weight.T).astype(inputs[0].dtype))
        return logits, gradients


def _misbehave(fault: str) -> None:
    if fault == "segfault":
        ctypes.string_at(0)
    elif fault == "abort":
        os.abort()
    elif fault == "hang":
        time.sleep(3600)
    elif fault == "memory":
        hog = []
        while True:
            hog.append(np.ones(64 * 1024 * 1024, dtype=np.uint8))
    elif fault == "huge_message":
        raise ValueError(
            "<script>alert('x')</script> \udcff\udcfe bad bytes " + "x" * 5_000_000
        )
    elif fault == "exit":
        os._exit(3)
    elif fault == "unsupported":
        raise RuntimeError("Exporting the operator 'fake::Frobnicate' to ONNX is not supported")
    elif fault == "incompatible":  # as onnxscript 0.5.7 beside torch 2.13: its own machinery is not there
        try:
            import tracker_fake_plugin_machinery_for_torch_2_11  # noqa: F401
        except ModuleNotFoundError as missing:
            raise RuntimeError("Failed to convert the exported program to an ONNX model") from missing


class NumpySaver(Converter):
    """'Converts' by saving the weights; on request, crashes or saves them wrong."""

    name = "fake-saver"
    frameworks = ("fake-numpy",)
    output_format = FORMAT
    requires = ("numpy",)
    packages = ("numpy",)

    def convert_impl(self, request: ConversionRequest) -> Path:
        model = request.model
        time.sleep(model.delay)
        _misbehave(model.fault)
        weight, bias = model.weight.copy(), model.bias.copy()
        if model.fault == "perturb":
            weight[0, 0] += 0.5
        if model.fault == "perturb_one_weight":  # enough to change predictions
            weight[0, 0] += 4.0
        if model.fault == "nan":
            bias[1] = np.nan
        # a model of fixed shape, whatever the variant asked for
        fixed = model.fault == "fixed_shape" or not request.dynamic
        shape = np.array(request.sample_inputs[0].shape if fixed else [], dtype=np.int64)
        path = request.output_dir / "model.npz"
        np.savez(path, weight=weight, bias=bias, runtime_fault=np.array(model.fault), fixed_shape=shape)
        return path


class NumpyRunner(Runtime):
    name = "fake-runner"
    formats = (FORMAT,)
    requires = ("numpy",)
    packages = ("numpy",)

    def load_impl(self, artifact: Path, options):
        with np.load(artifact, allow_pickle=False) as data:
            loaded = {k: data[k] for k in data.files}
        if str(loaded["runtime_fault"]) == "runtime_abort":
            os.abort()
        if str(loaded["runtime_fault"]).startswith("runtime_refuse"):  # one refusal for every such model
            raise RuntimeError("Unsupported model IR version: 10, max supported IR version: 9")
        return loaded

    def run_impl(self, session, inputs):
        (x,) = inputs.values()
        fixed = tuple(session.get("fixed_shape", ()))
        if fixed and x.shape != fixed:
            raise ValueError(f"Got invalid dimensions for input x: {x.shape}, the model takes {fixed}")
        y = x @ session["weight"] + session["bias"]
        if str(session["runtime_fault"]) == "runtime_perturb":  # a runtime bug
            y = y.copy()
            y[..., 0] += 3.0
        return [y]


class NumpyReference(NumpyRunner):
    """A second runtime that computes the same function without the runtime's bugs."""

    name = "fake-reference"

    def load_impl(self, artifact: Path, options):
        with np.load(artifact, allow_pickle=False) as data:
            loaded = {k: data[k] for k in data.files}
        if str(loaded["runtime_fault"]) == "runtime_refuse_opaque":  # one the reference cannot run either
            raise NotImplementedError("the reference lacks an operator of this model")
        return loaded

    def run_impl(self, session, inputs):
        (x,) = inputs.values()
        fixed = tuple(session.get("fixed_shape", ()))
        if fixed and x.shape != fixed:  # the shape is the model's, not the runtime's
            raise ValueError(f"input x of shape {x.shape}: the model takes {fixed}")
        return [x @ session["weight"] + session["bias"]]


def fake_labels(rng, shape):
    """Labels of a labelled fake case (``ModelCase.labels``): a class per row, drawn as its input is."""
    return rng.integers(0, 4, shape[:-1])


def fake_scores(rng, shape):
    """Not labels: floats (a labels callable must return integers)."""
    return rng.random(shape[:-1])


def fake_case(case_id: str, fault: str = "none", delay: float = 0.0, sets=("default",),
              tags: tuple[str, ...] = ()) -> ModelCase:
    return ModelCase(
        id=case_id,
        framework="fake-numpy",
        builder="tracker_fake_plugin:affine",
        params={"size": 4, "fault": fault, "delay": delay, "seed": zlib.crc32(case_id.encode())},
        inputs=(InputSpec("x", (2, 4), dynamic=((0, "batch"),) if tags else ()),),
        kind="unit",
        sets=frozenset(sets),
        tags=tags,
        description=f"fake affine model, converter fault: {fault}",
    )


CASES = [
    fake_case("fake-ok-1", sets=("default", "faults")),
    fake_case("fake-ok-2", sets=("default", "faults")),
    fake_case("fake-ok-3", sets=("default", "faults")),
    fake_case("fake-slow-1", delay=1.0, sets=("slow",)),
    fake_case("fake-slow-2", delay=1.0, sets=("slow",)),
    fake_case("fake-slow-3", delay=1.0, sets=("slow",)),
    fake_case("fake-slow-4", delay=1.0, sets=("slow",)),
    fake_case("fake-slow-5", delay=1.0, sets=("slow",)),
    fake_case("fake-slow-6", delay=1.0, sets=("slow",)),
]
for _fault in ("segfault", "abort", "hang", "memory", "huge_message", "exit", "unsupported", "incompatible",
               "perturb", "nan", "runtime_abort"):
    CASES.append(fake_case(f"fake-{_fault.replace('_', '-')}", _fault, sets=("faults",)))
# runtime failures to localize: one refusal (that the reference runs, or not) and a runtime bug
for _fault, _count in (("runtime_refuse", 4), ("runtime_refuse_opaque", 5), ("runtime_perturb", 2)):
    for _n in range(1, _count + 1):
        CASES.append(fake_case(f"fake-{_fault.replace('_', '-')}-{_n}", _fault, sets=("localize",)))
# classifiers (4 classes, 2 rows per input set) for the oracles of the second study
for _fault in ("none", "perturb_one_weight", "runtime_perturb", "fixed_shape", "unsupported"):
    CASES.append(fake_case(f"fake-classifier-{_fault.replace('_', '-')}", _fault, sets=("oracles",),
                           tags=("classifier",)))


@hookimpl
def register_frameworks(register):
    register(NumpyFramework())


@hookimpl
def register_converters(register):
    register(NumpySaver())


@hookimpl
def register_runtimes(register):
    register(NumpyRunner())
    register(NumpyReference())


@hookimpl
def register_models(register):
    for case in CASES:
        register(case)
