"""A small Keras model for tests/integration/test_coreml.py, registered as a plugin module
(``TRACKER_PLUGIN_MODULES=coreml_keras_case``) in the set ``coreml-test`` only.

Its Keras inputs are named ``image`` and ``scale``, not as the case's inputs (``pixels``,
``gain``), so that the converter's renaming is exercised."""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase, hookimpl


def small_cnn():
    import keras

    image = keras.Input((16, 16, 3), name="image")
    scale = keras.Input((1,), name="scale")
    x = keras.layers.Conv2D(8, 3, activation="relu")(image)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(10)(x)
    return keras.Model([image, scale], [logits * scale, keras.layers.Softmax()(logits)])


CASE = ModelCase(
    id="test-keras-cnn",
    framework="tensorflow",
    builder="coreml_keras_case:small_cnn",
    inputs=(InputSpec("pixels", (1, 16, 16, 3), kind="image", layout="NHWC"),
            InputSpec("gain", (1, 1), kind="uniform", low=0.5, high=2.0)),
    kind="unit",
    sets=frozenset({"coreml-test"}),
    description="Conv2D, BatchNorm, pooling, Dense; two inputs, two outputs",
)


@hookimpl
def register_models(register):
    register(CASE)
