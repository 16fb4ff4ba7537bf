"""The Keras architectures (NHWC images, rows for the LSTM), the same as
:mod:`tracker_trained.torch_nets`, trained on the digits' training part by :func:`build`
(the builder of every Keras trained case), or loaded when trained before.

Training is deterministic: ``keras.utils.set_random_seed(seed)`` before the weights are
made, ``tf.config.experimental.enable_op_determinism()``, and the framework plugin bounds
TensorFlow's threads. Adam on the cross-entropy of the logits; every model returns logits.
The model returned is always a fresh one with the trained weights loaded, not compiled,
whether it was trained now or before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from tracker_trained.digits import CLASSES, training_data
from tracker_trained.store import save_whole, weights_path

keras = tf.keras


def mlp(inputs: Any) -> Any:
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.layers.Dense(CLASSES)(x)


def lenet5(inputs: Any) -> Any:
    x = keras.layers.Conv2D(6, 5, activation="relu")(inputs)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Conv2D(16, 5, activation="relu")(x)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(120, activation="relu")(x)
    x = keras.layers.Dense(84, activation="relu")(x)
    return keras.layers.Dense(CLASSES)(x)


def vgg_block(x: Any, channels: int) -> Any:
    x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
    return keras.layers.MaxPooling2D(2)(x)


def vgg(inputs: Any) -> Any:
    x = vgg_block(vgg_block(inputs, 16), 32)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.layers.Dense(CLASSES)(x)


def batch_norm() -> Any:
    """Batch norm as PyTorch's (running statistics of momentum 0.1, epsilon 1e-5): Keras's default
    momentum (0.99) leaves the statistics far behind the weights after the few steps of training here."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


def basic_block(x: Any, channels: int, stride: int = 1) -> Any:
    shortcut = x
    y = keras.layers.Conv2D(channels, 3, stride, padding="same", use_bias=False)(x)
    y = keras.layers.ReLU()(batch_norm()(y))
    y = batch_norm()(keras.layers.Conv2D(channels, 3, padding="same", use_bias=False)(y))
    if stride != 1 or x.shape[-1] != channels:
        shortcut = keras.layers.Conv2D(channels, 1, stride, use_bias=False)(x)
        shortcut = batch_norm()(shortcut)
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def resnet(inputs: Any) -> Any:
    x = keras.layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.ReLU()(batch_norm()(x))
    x = basic_block(basic_block(basic_block(x, 16), 32, 2), 64, 2)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.layers.Dense(CLASSES)(x)


def separable(x: Any, channels: int, stride: int) -> Any:
    x = keras.layers.DepthwiseConv2D(3, stride, padding="same", use_bias=False)(x)
    x = keras.layers.ReLU(6.0)(batch_norm()(x))
    x = keras.layers.Conv2D(channels, 1, use_bias=False)(x)
    return keras.layers.ReLU(6.0)(batch_norm()(x))


def mobilenet(inputs: Any) -> Any:
    x = keras.layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.ReLU(6.0)(batch_norm()(x))
    for channels, stride in ((32, 1), (64, 2), (64, 1), (128, 2)):
        x = separable(x, channels, stride)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.layers.Dense(CLASSES)(x)


def lstm(inputs: Any) -> Any:
    return keras.layers.Dense(CLASSES)(keras.layers.LSTM(64)(inputs))


ARCHITECTURES: dict[str, Callable[[Any], Any]] = {"mlp": mlp, "lenet5": lenet5, "vgg": vgg, "resnet": resnet,
                                                  "mobilenet": mobilenet, "lstm": lstm}


def model_of(architecture: str, input_shape: list[int], seed: int) -> Any:
    """A fresh ``architecture`` on inputs named ``image`` of ``input_shape``, seeded weights."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(tuple(input_shape), name="image")
    return keras.Model(inputs, ARCHITECTURES[architecture](inputs), name=architecture)


def train(model: Any, images: Any, labels: Any, *, epochs: int, learning_rate: float, batch_size: int,
          seed: int) -> None:
    """Adam on the cross-entropy, ``epochs`` passes over shuffled batches; deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(images, labels, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)


def build(architecture: str, input_shape: list[int], epochs: int, learning_rate: float, batch_size: int,
          seed: int) -> Any:
    """The trained ``architecture``: loaded from the cache, or trained (then cached)."""
    recipe = {"architecture": architecture, "input_shape": list(input_shape), "epochs": epochs,
              "learning_rate": learning_rate, "batch_size": batch_size, "seed": seed}
    path = weights_path("tensorflow", f"{tf.__version__} keras {keras.__version__}", recipe, ".weights.h5")
    if not path.is_file():
        model = model_of(architecture, input_shape, seed)
        images, labels = training_data((0, *input_shape))
        train(model, images, labels, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, seed=seed)
        save_whole(path, lambda temporary: model.save_weights(str(temporary)))
    model = model_of(architecture, input_shape, seed)
    model.load_weights(str(path))
    return model
