"""Models written the way TensorFlow users write their own: custom Keras layers (some
with ``tf.function`` helpers), a subclassed ``keras.Model``, small published
architectures assembled from layers (U-Net, ViT), and plain ``tf.Module`` models whose
``__call__`` is a ``tf.function`` (no Keras at all). Random weights, fixed seed; the
cases are in :mod:`tracker_tensorflow.catalog`.
"""

from __future__ import annotations

import math

import tensorflow as tf
from tensorflow import keras


# ---------------------------------------------------------------------------------------
# Custom Keras layers


def _gelu_tanh(x):
    """GELU, tanh approximation."""
    return 0.5 * x * (1.0 + tf.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * tf.pow(x, 3))))


# a tf.function called from a layer's call (assigned, not decorated: a case's hashed
# source keeps assignments whole, and would lose a top-level decorator)
gelu_tanh = tf.function(_gelu_tanh)


class GatedLinearUnit(keras.layers.Layer):
    """A GLU feed-forward: ``(x W + b) * gelu(x V + c)``."""

    def __init__(self, units: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        width = int(input_shape[-1])
        self.value = self.add_weight(name="value", shape=(width, self.units), initializer="glorot_uniform")
        self.gate = self.add_weight(name="gate", shape=(width, self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="random_normal")
        super().build(input_shape)

    def call(self, x):
        return (tf.matmul(x, self.value) + self.bias) * gelu_tanh(tf.matmul(x, self.gate))


class LayerScale(keras.layers.Layer):
    """Per-channel learned scale of a residual branch (CaiT, ConvNeXt)."""

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(int(input_shape[-1]),),
                                     initializer=keras.initializers.RandomUniform(0.5, 1.5))
        super().build(input_shape)

    def call(self, x):
        return x * self.scale


class SqueezeExcite(keras.layers.Layer):
    """Squeeze-and-excitation over the channels of an NHWC feature map."""

    def __init__(self, ratio: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ratio = ratio

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.reduce = keras.layers.Dense(max(1, channels // self.ratio), activation="relu")
        self.expand = keras.layers.Dense(channels, activation="sigmoid")
        super().build(input_shape)

    def call(self, x):
        squeezed = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        return x * self.expand(self.reduce(squeezed))


class ClassToken(keras.layers.Layer):
    """Prepends a learned class token to a (batch, tokens, width) sequence and adds a
    learned position embedding."""

    def build(self, input_shape):
        tokens, width = int(input_shape[1]), int(input_shape[2])
        self.token = self.add_weight(name="token", shape=(1, 1, width), initializer="random_normal")
        self.position = self.add_weight(name="position", shape=(1, tokens + 1, width), initializer="random_normal")
        super().build(input_shape)

    def call(self, x):
        token = tf.tile(self.token, [tf.shape(x)[0], 1, 1])
        return tf.concat([token, x], axis=1) + self.position


def custom_layers_classifier(size: int, channels: int, classes: int) -> keras.Model:
    """A small NHWC image classifier of custom layers: convolution stages with
    squeeze-excitation and layer-scaled residuals, then a GLU head whose gate calls a
    ``tf.function``."""
    image = keras.Input((size, size, 3), name="pixel_values")
    hidden = keras.layers.Conv2D(channels, 3, strides=2, padding="same", activation="relu")(image)
    for stage in range(2):
        branch = keras.layers.DepthwiseConv2D(3, padding="same")(hidden)
        branch = keras.layers.Conv2D(channels * (stage + 1), 1, activation="swish")(branch)
        branch = SqueezeExcite()(branch)
        if stage:
            hidden = keras.layers.Conv2D(channels * (stage + 1), 1)(hidden)
        hidden = keras.layers.Add()([hidden, LayerScale()(branch)])
        hidden = keras.layers.MaxPooling2D()(hidden)
    pooled = keras.layers.GlobalAveragePooling2D()(hidden)
    return keras.Model(image, keras.layers.Dense(classes)(GatedLinearUnit(64)(pooled)))


# ---------------------------------------------------------------------------------------
# A subclassed Keras model


class ResidualMLP(keras.Model):
    """A subclassed ``keras.Model`` (no functional graph): residual dense blocks with
    LayerNormalization and dropout (inactive at inference) over tabular features."""

    def __init__(self, width: int, depth: int, classes: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stem = keras.layers.Dense(width)
        self.blocks = [(keras.layers.LayerNormalization(), keras.layers.Dense(width, activation="relu"),
                        keras.layers.Dropout(0.1)) for _ in range(depth)]
        self.head = keras.layers.Dense(classes)

    def call(self, x, training=False):
        hidden = self.stem(x)
        for norm, dense, dropout in self.blocks:
            hidden = hidden + dropout(dense(norm(hidden)), training=training)
        return self.head(hidden)


def residual_mlp(features: int, width: int, depth: int, classes: int) -> keras.Model:
    """:class:`ResidualMLP`, built by one call on a batch of ``features`` zeros."""
    model = ResidualMLP(width, depth, classes)
    model(tf.zeros([1, features]), training=False)
    return model


# ---------------------------------------------------------------------------------------
# Small published architectures assembled from layers


def unet(size: int, base: int, classes: int) -> keras.Model:
    """A small U-Net (Ronneberger et al.) for NHWC segmentation: three down stages of
    convolutions and max pooling, the way up alternating ``Conv2DTranspose`` and bilinear
    ``UpSampling2D``, skip connections concatenated; per-pixel class logits."""
    image = keras.Input((size, size, 3), name="pixel_values")
    skips, hidden = [], image
    for level in range(3):
        hidden = keras.layers.Conv2D(base * 2**level, 3, padding="same", activation="relu")(hidden)
        hidden = keras.layers.Conv2D(base * 2**level, 3, padding="same", activation="relu")(hidden)
        skips.append(hidden)
        hidden = keras.layers.MaxPooling2D()(hidden)
    hidden = keras.layers.Conv2D(base * 8, 3, padding="same", activation="relu")(hidden)
    for level in reversed(range(3)):
        if level % 2:
            hidden = keras.layers.UpSampling2D(interpolation="bilinear")(hidden)
        else:
            hidden = keras.layers.Conv2DTranspose(base * 2**level, 2, strides=2)(hidden)
        hidden = keras.layers.Concatenate()([hidden, skips[level]])
        hidden = keras.layers.Conv2D(base * 2**level, 3, padding="same", activation="relu")(hidden)
    return keras.Model(image, keras.layers.Conv2D(classes, 1)(hidden))


def vision_transformer(size: int, patch: int, width: int, heads: int, depth: int, classes: int) -> keras.Model:
    """A small ViT (Dosovitskiy et al.): patch embedding by a strided convolution, class
    token and position embedding, pre-norm encoder blocks, classification of the class
    token. NHWC input."""
    image = keras.Input((size, size, 3), name="pixel_values")
    patches = keras.layers.Conv2D(width, patch, strides=patch)(image)
    tokens = ClassToken()(keras.layers.Reshape(((size // patch) ** 2, width))(patches))
    for _ in range(depth):
        normed = keras.layers.LayerNormalization(epsilon=1e-6)(tokens)
        tokens = keras.layers.Add()([tokens, keras.layers.MultiHeadAttention(heads, width // heads)(normed, normed)])
        normed = keras.layers.LayerNormalization(epsilon=1e-6)(tokens)
        expanded = keras.layers.Dense(2 * width, activation="gelu")(normed)
        tokens = keras.layers.Add()([tokens, keras.layers.Dense(width)(expanded)])
    cls = keras.layers.Lambda(lambda t: t[:, 0])(keras.layers.LayerNormalization(epsilon=1e-6)(tokens))
    return keras.Model(image, keras.layers.Dense(classes)(cls))


# ---------------------------------------------------------------------------------------
# Plain tf.Module models: no Keras, __call__ is a tf.function


class MLPModule(tf.Module):
    """A tf.Module MLP: ``tf.Variable`` weights, ``tf.function`` ``__call__``, tanh and
    softplus activations, a residual connection."""

    def __init__(self, features: int, width: int, classes: int) -> None:
        super().__init__(name="mlp")
        self.w1 = tf.Variable(tf.random.normal([features, width]) / math.sqrt(features), name="w1")
        self.b1 = tf.Variable(tf.random.normal([width], stddev=0.1), name="b1")
        self.w2 = tf.Variable(tf.random.normal([width, width]) / math.sqrt(width), name="w2")
        self.w3 = tf.Variable(tf.random.normal([width, classes]) / math.sqrt(width), name="w3")

    @tf.function
    def __call__(self, x):
        hidden = tf.tanh(tf.matmul(x, self.w1) + self.b1)
        hidden = hidden + tf.nn.softplus(tf.matmul(hidden, self.w2))
        return tf.matmul(hidden, self.w3)


def mlp_module(features: int, width: int, classes: int) -> tf.Module:
    return MLPModule(features, width, classes)


class SpectrogramModule(tf.Module):
    """An audio front-end and classifier as a tf.Module: ``tf.signal.stft`` of a
    waveform, magnitude, log-mel filterbank (``linear_to_mel_weight_matrix``), per-bin
    normalization over time, then a linear classifier of the features max-pooled over time."""

    def __init__(self, sample_rate: int, frame_length: int, frame_step: int, mel_bins: int, classes: int) -> None:
        super().__init__(name="spectrogram")
        self.frame_length, self.frame_step = frame_length, frame_step
        fft_bins = frame_length // 2 + 1
        self.mel = tf.constant(tf.signal.linear_to_mel_weight_matrix(mel_bins, fft_bins, sample_rate, 20.0, sample_rate / 2))
        self.classifier = tf.Variable(tf.random.normal([mel_bins, classes]) / math.sqrt(mel_bins))

    @tf.function
    def __call__(self, waveform):
        spectrum = tf.abs(tf.signal.stft(waveform, self.frame_length, self.frame_step, fft_length=self.frame_length))
        log_mel = tf.math.log(tf.tensordot(spectrum, self.mel, 1) + 1e-6)
        mean, variance = tf.nn.moments(log_mel, axes=[1], keepdims=True)
        normalized = (log_mel - mean) * tf.math.rsqrt(variance + 1e-5)
        return tf.matmul(tf.reduce_max(normalized, axis=1), self.classifier), log_mel


def spectrogram_module(sample_rate: int, frame_length: int, frame_step: int, mel_bins: int,
                       classes: int) -> tf.Module:
    return SpectrogramModule(sample_rate, frame_length, frame_step, mel_bins, classes)


class IterativeRefinement(tf.Module):
    """Data-dependent control flow in a tf.function: a ``tf.while_loop`` that refines an
    estimate until it converges or ``max_steps`` is reached, and a ``tf.cond`` on the
    result's sign. Converters must keep both as ONNX Loop and If."""

    def __init__(self, features: int, max_steps: int) -> None:
        super().__init__(name="refinement")
        self.max_steps = max_steps
        self.matrix = tf.Variable(tf.random.normal([features, features]) / (2.0 * math.sqrt(features)))

    @tf.function
    def __call__(self, x):
        def keep_going(step, estimate, change):
            return tf.logical_and(step < self.max_steps, change > 1e-4)

        def refine(step, estimate, change):
            updated = 0.5 * (estimate + tf.tanh(tf.matmul(estimate, self.matrix) + x))
            return step + 1, updated, tf.reduce_max(tf.abs(updated - estimate))

        steps, estimate, _ = tf.while_loop(keep_going, refine, [tf.constant(0), x, tf.constant(1.0)])
        total = tf.reduce_sum(estimate)
        signed = tf.cond(total > 0.0, lambda: estimate * 2.0, lambda: -estimate)
        return signed, steps


def iterative_refinement(features: int, max_steps: int) -> tf.Module:
    return IterativeRefinement(features, max_steps)
