"""Published image architectures from ``keras.applications``, with random weights
(``weights=None``: nothing is downloaded) and a fixed seed.

The case list, with the input size each case uses, is in :mod:`tracker_tensorflow.catalog`.
"""

from __future__ import annotations

import tensorflow as tf
from tensorflow import keras


def application(name: str, input_shape: list[int], calibration_batch: int = 4, **options) -> keras.Model:
    """``keras.applications.<name>(weights=None, input_shape=...)`` with ``options``, its
    BatchNormalization statistics calibrated on random images (see
    :func:`calibrate_batch_norm`)."""
    constructor = getattr(keras.applications, name)
    model = constructor(weights=None, input_shape=tuple(input_shape), **options)
    calibrate_batch_norm(model, tf.random.normal([calibration_batch, *input_shape]))
    return model


def calibrate_batch_norm(model: keras.Model, images: tf.Tensor) -> None:
    """Give every BatchNormalization layer the moving statistics of its activations on
    ``images``, as training would have.

    With random weights and the initial statistics (mean 0, variance 1) the activations of
    a deep network vanish or explode, and a converter's numeric error hides in outputs
    near 0 or in saturated ones; calibrated, they have the scale of a trained network.
    One pass in training mode with momentum 0 sets each moving statistic to the batch's.
    """
    norms = [layer for layer in _layers(model) if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        return
    momenta = [norm.momentum for norm in norms]
    for norm in norms:
        norm.momentum = 0.0
    model(images, training=True)
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum


def _layers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """``layer`` and every layer nested in it (models inside models), depth first."""
    found = [layer]
    for child in getattr(layer, "layers", []):
        found.extend(_layers(child))
    return found
