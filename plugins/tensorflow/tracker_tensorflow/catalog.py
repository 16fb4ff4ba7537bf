"""The TensorFlow cases. Importing this module does not import TensorFlow.

Real models: ``keras.applications`` architectures with random weights (``weights=None``)
at small input sizes, so that each converts in seconds (the size is in each
description), a Transformer encoder over token ids with a padding mask, recurrent
networks, a keyword spotter, a U-Net, a ViT. Unit models: small Keras models around one
TensorFlow operation each (:mod:`tracker_tensorflow.units`), custom layers, a
subclassed model and plain ``tf.Module`` models (tagged ``tf-module``: tf2onnx's
``from_keras`` refuses them by design).

Images are NHWC, normalized with the ImageNet statistics; token ids are int32, as Keras
takes them.
"""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase

ALL_SETS = frozenset({"smoke", "default", "full"})
DEFAULT = frozenset({"default", "full"})
FULL = frozenset({"full"})

BATCH = ((0, "batch"),)
TEXT = ((0, "batch"), (1, "sequence"))


def image(size: int, batch: int = 1) -> list[InputSpec]:
    return [InputSpec("pixel_values", (batch, size, size, 3), kind="image", layout="NHWC", dynamic=BATCH)]


def text(batch: int, length: int, vocab: int) -> list[InputSpec]:
    return [InputSpec("input_ids", (batch, length), "int32", kind="tokens", high=vocab, dynamic=TEXT),
            InputSpec("attention_mask", (batch, length), "int32", kind="mask", dynamic=TEXT)]


def audio(batch: int, frames: int, bins: int) -> list[InputSpec]:
    return [InputSpec("features", (batch, frames, bins), kind="audio", dynamic=BATCH)]


def case(case_id: str, builder: str, inputs: list[InputSpec], description: str, *, kind: str = "real",
         tags: tuple[str, ...] = (), sets: frozenset[str] = DEFAULT, **params) -> ModelCase:
    return ModelCase(
        id=case_id,
        framework="tensorflow",
        builder=f"tracker_tensorflow.{builder}",
        params=params,
        inputs=tuple(inputs),
        kind=kind,
        sets=sets,
        tags=tags,
        description=description,
    )


def app(case_id: str, name: str, size: int, description: str, sets: frozenset[str] = DEFAULT,
        **options) -> ModelCase:
    """A keras.applications classifier with logits (``classifier_activation=None``)."""
    return case(case_id, "applications:application", image(size), description,
                tags=("classifier", "cnn", "vision", "keras"), sets=sets,
                name=name, input_shape=[size, size, 3], classifier_activation=None, **options)


def unit(case_id: str, builder: str, inputs: list[InputSpec], description: str,
         sets: frozenset[str] = DEFAULT, **params) -> ModelCase:
    return case(case_id, f"units:{builder}", inputs, description, kind="unit", tags=("op", "keras"),
                sets=sets, **params)


def floats(name: str, shape: tuple[int, ...], **kwargs) -> InputSpec:
    return InputSpec(name, shape, **kwargs)


def ints(name: str, shape: tuple[int, ...], low: int, high: int) -> InputSpec:
    """int32 values in [low, high)."""
    return InputSpec(name, shape, "int32", kind="int", low=low, high=high)


REAL_CASES = [
    # -- keras.applications image classifiers (NHWC, BatchNorm statistics calibrated)
    app("tf-mobilenet-v2", "MobileNetV2", 128,
        "MobileNetV2 1.0 (keras.applications), 128x128: inverted residuals, ReLU6, depthwise conv",
        sets=ALL_SETS),
    app("tf-mobilenet-v3-small", "MobileNetV3Small", 128,
        "MobileNetV3-Small (keras.applications, no built-in rescaling), 128x128: hard-swish, "
        "squeeze-excitation", include_preprocessing=False),
    app("tf-mobilenet-v3-large", "MobileNetV3Large", 128,
        "MobileNetV3-Large (keras.applications, no built-in rescaling), 128x128", sets=FULL,
        include_preprocessing=False),
    app("tf-resnet50", "ResNet50", 128,
        "ResNet-50 (keras.applications), 128x128: bottleneck blocks, 25.6 M parameters (15-75 s "
        "to convert here)", sets=FULL),
    app("tf-resnet50-v2", "ResNet50V2", 128,
        "ResNet-50 v2 (keras.applications, pre-activation), 128x128", sets=FULL),
    app("tf-efficientnet-b0", "EfficientNetB0", 128,
        "EfficientNet-B0 (keras.applications, with its built-in Rescaling and Normalization "
        "layers), 128x128: SiLU, squeeze-excitation, depthwise conv"),
    app("tf-efficientnet-v2-b0", "EfficientNetV2B0", 128,
        "EfficientNetV2-B0 (keras.applications, no built-in rescaling), 128x128: fused MBConv",
        sets=FULL, include_preprocessing=False),
    app("tf-densenet121", "DenseNet121", 128,
        "DenseNet-121 (keras.applications), 128x128: dense blocks of concatenations", sets=FULL),
    app("tf-convnext-tiny", "ConvNeXtTiny", 128,
        "ConvNeXt-T (keras.applications, no built-in normalization), 128x128: grouped 7x7 "
        "depthwise conv, LayerNorm, exact GELU, layer scale", include_preprocessing=False),
    app("tf-nasnet-mobile", "NASNetMobile", 128,
        "NASNet-A Mobile (keras.applications), 128x128: searched cells, separable convs "
        "(slow to convert: 40-150 s here)", sets=FULL),
    app("tf-xception", "Xception", 128,
        "Xception (keras.applications), 128x128: separable convolutions, 22.9 M parameters",
        sets=FULL),
    app("tf-inception-v3", "InceptionV3", 128,
        "Inception v3 (keras.applications), 128x128: factorized convolutions", sets=FULL),
    # -- assembled published architectures
    case("tf-vit-tiny", "custom:vision_transformer", image(64),
         "ViT (Dosovitskiy et al.) at small scale, 64x64 input, 8x8 patches, width 128, 4 heads, "
         "4 pre-norm blocks: MultiHeadAttention, class token, GELU",
         tags=("classifier", "transformer", "vision", "keras"),
         size=64, patch=8, width=128, heads=4, depth=4, classes=100),
    case("tf-unet", "custom:unet", image(64),
         "U-Net (Ronneberger et al.) with 3 levels, base width 16, 64x64 input: Conv2DTranspose, "
         "bilinear UpSampling2D, skip concatenations; per-pixel logits of 5 classes",
         tags=("cnn", "vision", "segmentation", "keras"), size=64, base=16, classes=5),
    # -- text
    case("tf-transformer-encoder", "sequences:transformer_encoder", text(2, 32, 8000),
         "Transformer encoder (BERT-style post-norm blocks): 2 layers, width 128, 4 heads, "
         "vocabulary 8000, token + position embeddings, MultiHeadAttention with the padding "
         "mask, masked mean pooling, 3 classes",
         tags=("transformer", "nlp", "encoder", "keras"), sets=ALL_SETS,
         vocab_size=8000, max_length=128, width=128, heads=4, depth=2, classes=3),
    case("tf-bilstm-tagger", "sequences:bidirectional_tagger", text(2, 24, 5000),
         "Bidirectional LSTM tagger: embedding 64, 2x48 units, the padding mask given to the "
         "LSTMs, 9 tags per token", tags=("rnn", "nlp", "keras"),
         vocab_size=5000, width=64, units=48, labels=9),
    # -- recurrent models and audio
    case("tf-lstm", "sequences:recurrent_classifier", audio(2, 50, 40),
         "Two stacked LSTMs (64 units) over 50 frames of 40 log-mel features, 10 classes",
         tags=("rnn", "audio", "keras"), sets=ALL_SETS, cell="LSTM", frames=50, features=40, units=64,
         classes=10),
    case("tf-gru", "sequences:recurrent_classifier", audio(2, 50, 40),
         "Two stacked GRUs (64 units, reset_after) over 50 frames of 40 log-mel features, 10 classes",
         tags=("rnn", "audio", "keras"), cell="GRU", frames=50, features=40, units=64, classes=10),
    case("tf-simple-rnn", "sequences:recurrent_classifier", audio(2, 50, 40),
         "Two stacked SimpleRNNs (64 units, tanh) over 50 frames of 40 log-mel features",
         tags=("rnn", "audio", "keras"), sets=FULL, cell="SimpleRNN", frames=50, features=40, units=64,
         classes=10),
    case("tf-keyword-spotter", "sequences:keyword_spotter", audio(2, 98, 40),
         "1-D CNN keyword spotter (speech-commands sized: 98 frames x 40 mel bins, 12 classes): "
         "Conv1D, BatchNorm, max pooling", tags=("cnn", "audio", "keras"), frames=98, features=40,
         classes=12),
]

CUSTOM_CASES = [
    case("tf-custom-layers", "custom:custom_layers_classifier", image(64),
         "Custom Keras layers (build/call with add_weight): squeeze-excitation, layer scale, a GLU "
         "head whose gate calls a tf.function; 64x64 input",
         kind="unit", tags=("classifier", "custom", "keras"), size=64, channels=16, classes=10),
    case("tf-subclassed-mlp", "custom:residual_mlp", [floats("features", (4, 32), dynamic=BATCH)],
         "Subclassed keras.Model (no functional graph): residual dense blocks, LayerNorm, dropout",
         kind="unit", tags=("custom", "tabular", "keras"), features=32, width=64, depth=3, classes=5),
    case("tf-module-mlp", "custom:mlp_module", [floats("features", (4, 32), dynamic=BATCH)],
         "Plain tf.Module with tf.Variables and a tf.function __call__: tanh, softplus, residual",
         kind="unit", tags=("custom", "tabular", "tf-module"), sets=ALL_SETS, features=32, width=64,
         classes=5),
    case("tf-module-spectrogram", "custom:spectrogram_module",
         [floats("waveform", (2, 4000), high=0.1, dynamic=BATCH)],
         "Plain tf.Module audio front-end: tf.signal.stft (400-sample frames), magnitude, log-mel "
         "(40 bins), normalization, linear classifier; outputs logits and the log-mel features",
         kind="unit", tags=("custom", "audio", "tf-module"),
         sample_rate=16000, frame_length=400, frame_step=160, mel_bins=40, classes=10),
    case("tf-module-control-flow", "custom:iterative_refinement", [floats("x", (2, 16), high=0.5)],
         "Plain tf.Module with data-dependent control flow: tf.while_loop until convergence "
         "(at most 20 steps) and tf.cond; outputs the estimate and the step count",
         kind="unit", tags=("custom", "control-flow", "tf-module"), features=16, max_steps=20),
]

UNIT_CASES = [
    unit("tf-op-resize-bilinear", "resize", [floats("input_0", (1, 12, 16, 3))],
         "tf.image.resize bilinear (half-pixel centres), 12x16 -> 29x21", shape=[1, 12, 16, 3],
         size=[29, 21], method="bilinear"),
    unit("tf-op-resize-nearest", "resize", [floats("input_0", (1, 12, 16, 3))],
         "tf.image.resize nearest, 12x16 -> 29x21", shape=[1, 12, 16, 3], size=[29, 21],
         method="nearest"),
    unit("tf-op-resize-bicubic", "resize", [floats("input_0", (1, 12, 16, 3))],
         "tf.image.resize bicubic (Keys a=-0.5), 12x16 -> 29x21", shape=[1, 12, 16, 3],
         size=[29, 21], method="bicubic"),
    unit("tf-op-floordiv-mod", "floor_divide_and_modulo",
         [ints("input_0", (4, 8), -20, 20), ints("input_1", (4, 8), 1, 6)],
         "tf.math.floordiv and floormod of int32 with negative dividends and divisors",
         shape=[4, 8]),
    unit("tf-op-scatter-add", "scatter_add", [floats("input_0", (3, 5)), floats("input_1", (6, 5))],
         "tf.tensor_scatter_nd_add with repeated row indices", shape=[3, 5], updates=6),
    unit("tf-op-gather-nd", "gather_nd", [floats("input_0", (2, 6, 4))],
         "tf.gather_nd with batch_dims=1, indices from tf.argsort", shape=[2, 6, 4]),
    unit("tf-op-cumsum", "cumulative_sum", [floats("input_0", (3, 7))],
         "tf.math.cumsum exclusive and reversed", shape=[3, 7]),
    unit("tf-op-top-k", "top_k", [floats("input_0", (3, 10))],
         "tf.math.top_k (k=4): values and int32 indices", shape=[3, 10], k=4),
    unit("tf-op-grouped-conv", "grouped_conv", [floats("input_0", (1, 16, 16, 8))],
         "Conv2D with groups=4 (8 -> 16 channels), 3x3 same", shape=[1, 16, 16, 8], filters=16,
         groups=4),
    unit("tf-op-dilated-conv", "dilated_conv", [floats("input_0", (1, 17, 17, 4))],
         "Conv2D with dilation_rate=2, same padding on an odd size", shape=[1, 17, 17, 4],
         filters=6, rate=2),
    unit("tf-op-depth-to-space", "depth_to_space", [floats("input_0", (1, 4, 4, 16))],
         "tf.nn.depth_to_space (block 2) then space_to_depth (block 2)", shape=[1, 4, 4, 16],
         block=2),
    unit("tf-op-erfc-gelu", "exact_gelu", [floats("input_0", (2, 64), high=3.0)],
         "exact GELU through tf.math.erfc, as Keras 3 writes gelu(approximate=False)", shape=[2, 64]),
    unit("tf-op-segment-sum", "segment_sum", [floats("input_0", (8, 4))],
         "tf.math.unsorted_segment_sum over rows, 3 segments, ids from the data", shape=[8, 4],
         segments=3),
    unit("tf-op-bit-shift", "bit_shift", [ints("input_0", (4, 6), -100, 100), ints("input_1", (4, 6), 0, 8)],
         "tf.bitwise.left_shift and right_shift (arithmetic) of int32, negative values included",
         shape=[4, 6]),
    unit("tf-op-einsum", "einsum", [floats("input_0", (2, 3, 4)), floats("input_1", (2, 4, 5))],
         "tf.einsum 'bij,bjk->bik' (batched matmul)", shapes=[[2, 3, 4], [2, 4, 5]], equation="bij,bjk->bik"),
    unit("tf-op-crop-and-resize", "crop_and_resize", [floats("input_0", (1, 10, 12, 4))],
         "tf.image.crop_and_resize: 3 boxes partly outside the image, 5x5 crops", shape=[1, 10, 12, 4],
         boxes=3, crop=5),
]

CASES = REAL_CASES + CUSTOM_CASES + UNIT_CASES
