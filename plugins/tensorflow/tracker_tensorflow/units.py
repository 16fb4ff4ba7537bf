"""Small Keras models around the TensorFlow operations that trip converters: resizing,
integer division and modulo of negative operands, scatter and gather, cumulative sums,
sorting, grouped and dilated convolutions, space/depth rearrangements, ``Erfc`` (Keras 3's
exact GELU), segment reductions, bit shifts, einsum, crop-and-resize.

Each builder returns a functional ``keras.Model`` whose one custom layer applies the
operation, so that every tf2onnx entry point (``from_keras`` included) sees it. The cases
are in :mod:`tracker_tensorflow.catalog`.
"""

from __future__ import annotations

import tensorflow as tf
from tensorflow import keras


class Operation(keras.layers.Layer):
    """Applies ``function`` to the layer's inputs (one tensor, or a list of them)."""

    def __init__(self, function, **kwargs) -> None:
        super().__init__(**kwargs)
        self.function = function

    def call(self, inputs):
        return self.function(*inputs) if isinstance(inputs, (list, tuple)) else self.function(inputs)


def operation_model(function, inputs: list[tuple[list[int], str]]) -> keras.Model:
    """A model of one :class:`Operation` over inputs of the given (shape with batch,
    dtype); several inputs are taken as a list."""
    tensors = [keras.Input(shape[1:], batch_size=shape[0], dtype=dtype, name=f"input_{i}")
               for i, (shape, dtype) in enumerate(inputs)]
    return keras.Model(tensors if len(tensors) > 1 else tensors[0], Operation(function)(tensors))


def resize(shape: list[int], size: list[int], method: str) -> keras.Model:
    """``tf.image.resize`` (half-pixel centres) of an NHWC image."""
    return operation_model(lambda x: tf.image.resize(x, size, method=method), [(shape, "float32")])


def floor_divide_and_modulo(shape: list[int]) -> keras.Model:
    """``//`` and ``%`` of int32 tensors with negative operands on both sides (floor
    semantics, unlike C's truncation)."""
    def divide(a, b):
        divisor = tf.where(a % 3 == 0, -b, b)
        return tf.math.floordiv(a, divisor), tf.math.floormod(a, divisor)

    return operation_model(divide, [(shape, "int32"), (shape, "int32")])


def scatter_add(shape: list[int], updates: int) -> keras.Model:
    """``tf.tensor_scatter_nd_add`` with repeated indices (the additions accumulate)."""
    def scatter(x, values):
        rows = tf.range(updates) % 3
        return tf.tensor_scatter_nd_add(x, rows[:, tf.newaxis], values)

    return operation_model(scatter, [(shape, "float32"), ([updates, shape[1]], "float32")])


def gather_nd(shape: list[int]) -> keras.Model:
    """``tf.gather_nd`` with batch dimensions, indices computed from the data."""
    def gather(x):
        indices = tf.argsort(x[:, :, 0], axis=1)[:, :, tf.newaxis]
        return tf.gather_nd(x, indices, batch_dims=1)

    return operation_model(gather, [(shape, "float32")])


def cumulative_sum(shape: list[int]) -> keras.Model:
    """``tf.math.cumsum`` exclusive and reversed, along the last axis."""
    return operation_model(lambda x: tf.math.cumsum(x, axis=-1, exclusive=True, reverse=True), [(shape, "float32")])


def top_k(shape: list[int], k: int) -> keras.Model:
    """``tf.math.top_k``: the values and their int32 indices."""
    def top(x):
        result = tf.math.top_k(x, k=k)
        return result.values, result.indices

    return operation_model(top, [(shape, "float32")])


def grouped_conv(shape: list[int], filters: int, groups: int) -> keras.Model:
    """``Conv2D(groups=...)``: a grouped convolution (TensorFlow has no grouped-conv op of
    its own on CPU: Keras emits one Conv2D per group or a depthwise form)."""
    image = keras.Input(shape[1:], batch_size=shape[0], name="input_0")
    return keras.Model(image, keras.layers.Conv2D(filters, 3, padding="same", groups=groups)(image))


def dilated_conv(shape: list[int], filters: int, rate: int) -> keras.Model:
    """``Conv2D(dilation_rate=...)`` with "same" padding (``SpaceToBatchND`` around a
    convolution in TensorFlow's graph, until a rewriter folds it)."""
    image = keras.Input(shape[1:], batch_size=shape[0], name="input_0")
    return keras.Model(image, keras.layers.Conv2D(filters, 3, padding="same", dilation_rate=rate)(image))


def depth_to_space(shape: list[int], block: int) -> keras.Model:
    """``tf.nn.depth_to_space`` then ``tf.nn.space_to_depth`` with another block."""
    return operation_model(lambda x: tf.nn.space_to_depth(tf.nn.depth_to_space(x, block), 2), [(shape, "float32")])


def exact_gelu(shape: list[int]) -> keras.Model:
    """The exact GELU, ``0.5 x erfc(-x / sqrt(2))``, as Keras 3 writes it (``Erfc``)."""
    return operation_model(lambda x: 0.5 * x * tf.math.erfc(-x * 0.7071067811865476), [(shape, "float32")])


def segment_sum(shape: list[int], segments: int) -> keras.Model:
    """``tf.math.unsorted_segment_sum`` over rows, segment ids computed from the data."""
    def segment(x):
        ids = tf.cast(tf.abs(x[:, 0] * 10.0), tf.int32) % segments
        return tf.math.unsorted_segment_sum(x, ids, segments)

    return operation_model(segment, [(shape, "float32")])


def bit_shift(shape: list[int]) -> keras.Model:
    """``tf.bitwise.left_shift`` and ``right_shift`` of int32 values, negatives included."""
    def shift(a, b):
        amount = tf.abs(b) % 8
        return tf.bitwise.left_shift(a, amount), tf.bitwise.right_shift(a, amount)

    return operation_model(shift, [(shape, "int32"), (shape, "int32")])


def einsum(shapes: list[list[int]], equation: str) -> keras.Model:
    """``tf.einsum`` of two float tensors."""
    return operation_model(lambda a, b: tf.einsum(equation, a, b), [(s, "float32") for s in shapes])


def crop_and_resize(shape: list[int], boxes: int, crop: int) -> keras.Model:
    """``tf.image.crop_and_resize`` of an NHWC image with boxes computed from the data
    (bilinear, extrapolation value 0 outside the image)."""
    def crops(image):
        corners = tf.sigmoid(tf.reshape(image[0, :boxes, :4, 0], [boxes, 4])) * 1.2 - 0.1
        box = tf.concat([tf.minimum(corners[:, :2], corners[:, 2:]), tf.maximum(corners[:, :2], corners[:, 2:])], 1)
        return tf.image.crop_and_resize(image, box, tf.zeros([boxes], tf.int32), [crop, crop])

    return operation_model(crops, [(shape, "float32")])
