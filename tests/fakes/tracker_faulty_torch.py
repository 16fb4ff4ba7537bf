"""Real PyTorch and ONNX pieces that misbehave on purpose, for the integration tests of
the oracles: a small image classifier; torch.onnx with one weight of the artifact
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
