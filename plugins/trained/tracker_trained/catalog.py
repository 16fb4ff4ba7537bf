"""The trained cases: six architectures, each in PyTorch and in Keras, trained on the
digits' training part and judged on its test part. Importing this module imports no
framework and no data.

The training recipe is in each case's params (hashed): the architecture, the input's
shape (an architecture that needs larger images gets them upsampled), the epochs, the
learning rate, the batch size and the seed. Test accuracies measured here: docs/trained.md.
"""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase
from tracker_trained.digits import TEST_IMAGES

TRAINED = frozenset({"trained"})
SOURCE = "tracker_trained.digits:test_images"
LABELS = "tracker_trained.digits:test_labels"

# architecture: (image side (8: the digits' own), epochs, learning rate, what it is)
RECIPES = {
    "mlp": (8, 30, 2e-3, "an MLP (64-128-64-10, ReLU)"),
    "lenet5": (32, 15, 2e-3, "LeNet-5 (5x5 convolutions, average pooling, ReLU) on images upsampled to 32x32"),
    "vgg": (16, 12, 2e-3, "a small VGG (two blocks of two 3x3 convolutions and max pooling) on 16x16 images"),
    "resnet": (16, 8, 3e-3, "a small ResNet (three basic residual blocks, batch norm) on 16x16 images"),
    "mobilenet": (16, 12, 3e-3, "a MobileNet-style CNN (depthwise-separable blocks, ReLU6) on 16x16 images"),
    "lstm": (8, 30, 5e-3, "an LSTM (64 units) reading the image row by row"),
}
BATCH_SIZE = 32
SEED = 0

FRAMEWORKS = {  # framework: (case id suffix, builder, channels-first)
    "pytorch": ("torch", "tracker_trained.torch_nets:build", True),
    "tensorflow": ("keras", "tracker_trained.keras_nets:build", False),
}


def input_shape(architecture: str, channels_first: bool) -> list[int]:
    """One image's shape: rows for the LSTM, (1, S, S) or (S, S, 1) for the others."""
    side = RECIPES[architecture][0]
    if architecture == "lstm":
        return [8, 8]
    return [1, side, side] if channels_first else [side, side, 1]


def trained_case(architecture: str, framework: str) -> ModelCase:
    suffix, builder, channels_first = FRAMEWORKS[framework]
    _, epochs, learning_rate, what = RECIPES[architecture]
    shape = input_shape(architecture, channels_first)
    return ModelCase(
        id=f"digits-{architecture}-{suffix}",
        framework=framework,
        builder=builder,
        params={"architecture": architecture, "input_shape": shape, "epochs": epochs,
                "learning_rate": learning_rate, "batch_size": BATCH_SIZE, "seed": SEED},
        inputs=(InputSpec("image", (TEST_IMAGES, *shape), kind="custom", source=SOURCE),),
        samples=1,  # one input set: the whole test split
        labels=LABELS,
        sets=TRAINED,
        tags=("classifier", "trained", "rnn" if architecture == "lstm" else "cnn", suffix),
        description=f"{what}, trained on scikit-learn's digits; inputs: the {TEST_IMAGES} test images",
    )


CASES = [trained_case(architecture, framework) for framework in FRAMEWORKS for architecture in RECIPES]
