"""Real PyTorch and ONNX pieces that misbehave on purpose, for the integration tests of
the oracles: a small image classifier; a model whose float32 rounding alone misses the
numeric oracle's fixed tolerance, and one that cannot run in float64; torch.onnx with one weight of the artifact
perturbed, with the dynamic request ignored, or writing another opset than asked; and
ONNX Runtime with one output perturbed.

Registered through ``TRACKER_PLUGIN_MODULES=tracker_faulty_torch`` beside the installed
built-in plugins, whose classes these extend.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from tracker_onnxruntime import OnnxRuntime
from tracker_torch_onnx import TorchOnnx

from tracker.plugin import ConversionRequest, InputSpec, ModelCase, hookimpl


class TinyClassifier(nn.Module):
    """Two convolutions, pooling to 4x4 and a linear head over 10 classes, without biases:
    with random weights its predictions depend on the image (a bias would dominate)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, bias=False), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, stride=2, bias=False), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Linear(256, 10, bias=False)

    def forward(self, pixel_values):
        return self.head(self.features(pixel_values))


def tiny_classifier() -> nn.Module:
    return TinyClassifier()


class Cancellation(nn.Module):
    """Convolutions with BatchNorm, then the difference of two convolutions whose weights
    differ by about 1e-4 relatively, of activations scaled by 1e3: most of the output is
    cancellation, so float32 rounding (eager's and ONNX Runtime's, which sum in other
    orders) is a large part of it and misses rtol 1e-3, while both stay within a few
    times each other's error against float64."""

    def __init__(self, depth: int = 4, channels: int = 16) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for index in range(depth):
            layers += [nn.Conv2d(channels if index else 3, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        # the largest weights, the one the perturbing exporter changes
        self.left = nn.Conv2d(channels, 2 * channels, 3, padding=1, bias=False)
        self.right = nn.Conv2d(channels, 2 * channels, 3, padding=1, bias=False)
        with torch.no_grad():
            self.right.weight.copy_(self.left.weight * (1 + 1e-4 * torch.randn_like(self.left.weight)))
            for norm in (m for m in self.body if isinstance(m, nn.BatchNorm2d)):
                norm.running_mean.uniform_(-1, 1)
                norm.running_var.uniform_(0.5, 2)
                norm.weight.uniform_(0.5, 2)

    def forward(self, x):
        hidden = self.body(x) * 1e3
        return self.left(hidden) - self.right(hidden)


def cancellation() -> nn.Module:
    return Cancellation()


class Float32Only(nn.Module):
    """Casts its input to float32 itself: in float64 its weights meet a float32 tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(8, 4)

    def forward(self, x):
        return self.linear(x.to(torch.float32))


def float32_only() -> nn.Module:
    return Float32Only()


class PerturbingExporter(TorchOnnx):
    """torch.onnx, then one weight of the written model changed: a converter bug."""

    name = "torch.onnx+perturbed-weight"

    def convert_impl(self, request: ConversionRequest) -> Path:
        import numpy as np
        import onnx
        from onnx import numpy_helper

        path = super().convert_impl(request)
        model = onnx.load(str(path))
        weight = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
        array = numpy_helper.to_array(weight).copy()
        array.flat[0] += 5.0
        weight.CopyFrom(numpy_helper.from_array(array, weight.name))
        onnx.save(model, str(path))
        return path


class FixedShapeExporter(TorchOnnx):
    """torch.onnx that ignores the variant's request for a dynamic export."""

    name = "torch.onnx+fixed-shape"

    def convert_impl(self, request: ConversionRequest) -> Path:
        options = {k: v for k, v in request.options.items() if k != "dynamic"}
        return super().convert_impl(ConversionRequest(request.case, request.model, request.sample_inputs,
                                                      options, request.output_dir))


class OtherOpsetExporter(TorchOnnx):
    """torch.onnx asked for one opset that silently writes the next."""

    name = "torch.onnx+other-opset"

    def convert_impl(self, request: ConversionRequest) -> Path:
        options = {**request.options, "opset": int(request.options["opset"]) + 1}
        return super().convert_impl(ConversionRequest(request.case, request.model, request.sample_inputs,
                                                      options, request.output_dir))


class PerturbingRuntime(OnnxRuntime):
    """ONNX Runtime whose first output is shifted: a runtime bug."""

    name = "onnxruntime+perturbed-output"

    def run_impl(self, session, inputs):
        outputs = super().run_impl(session, inputs)
        outputs[0] = outputs[0].copy()
        outputs[0][..., 0] += 3.0
        return outputs


CLASSIFIER = ModelCase(
    id="test-tiny-classifier", framework="pytorch", builder="tracker_faulty_torch:tiny_classifier",
    inputs=(InputSpec("pixel_values", (1, 3, 36, 36), kind="image", dynamic=((0, "batch"),)),),
    kind="unit", sets=frozenset({"oracle-tests"}), tags=("classifier",),
    description="a small image classifier for the oracles' tests",
)


CANCELLATION = ModelCase(
    id="test-cancellation", framework="pytorch", builder="tracker_faulty_torch:cancellation",
    inputs=(InputSpec("x", (1, 3, 16, 16)),), kind="unit", sets=frozenset({"oracle-tests"}),
    description="float32 rounding alone beyond the fixed tolerance (cancellation)",
)

FLOAT32_ONLY = ModelCase(
    id="test-float32-only", framework="pytorch", builder="tracker_faulty_torch:float32_only",
    inputs=(InputSpec("x", (2, 8)),), kind="unit", sets=frozenset({"oracle-tests"}),
    description="a model that cannot run in float64",
)


@hookimpl
def register_converters(register):
    register(PerturbingExporter())
    register(FixedShapeExporter())
    register(OtherOpsetExporter())


@hookimpl
def register_runtimes(register):
    register(PerturbingRuntime())


@hookimpl
def register_models(register):
    register(CLASSIFIER)
    register(CANCELLATION)
    register(FLOAT32_ONLY)
