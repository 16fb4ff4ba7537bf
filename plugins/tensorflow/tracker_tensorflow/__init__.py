"""TensorFlow/Keras: builds the TensorFlow cases with a fixed seed and runs them eagerly
for the reference outputs. TensorFlow is imported only inside the methods.

A case's builder returns a built ``keras.Model`` (Keras 2, Keras 3 or tf_keras: whatever
``tf.keras`` is in the environment) or a ``tf.Module`` whose ``__call__`` is a
``tf.function``. How it is called and how its outputs are flattened is in
:mod:`tracker_tensorflow.calls`; the cases are in :mod:`tracker_tensorflow.catalog`.

Fork safety: ``import tensorflow`` starts no thread pool (measured: one idle native
thread, and forked children build, run and convert models correctly), so TensorFlow is
preloaded in the fork server and each case saves its import (6-7 s here). Nothing here
runs a TensorFlow op before the fork: the runtime, with its thread pools, starts in each
case's child, where :func:`tracker_tensorflow.calls.configure_threads` bounds it to
``TRACKER_THREADS``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.plugin import Framework, ModelCase, hookimpl, load_object
from tracker_tensorflow.calls import call_model, configure_threads, first_tensor, flatten, is_keras_model

# The tag of cases whose model is a plain tf.Module (not Keras): tf2onnx's from_keras
# entry point refuses them by design.
TF_MODULE_TAG = "tf-module"


class TensorFlow(Framework):
    name = "tensorflow"
    description = "TensorFlow 2 eager execution and Keras (reference outputs)"
    requires = ("tensorflow",)
    packages = ("tensorflow", "tensorflow-cpu", "keras", "tf-keras")
    preload = ("tensorflow",)

    def build_impl(self, case: ModelCase) -> Any:
        import tensorflow as tf

        configure_threads()
        tf.keras.utils.set_random_seed(case.seed)  # Python's random, NumPy and TensorFlow
        model = load_object(case.builder)(**case.params)
        if is_keras_model(model):
            if not model.built:
                raise TypeError(f"the builder {case.builder} returned a Keras model that is not built "
                                "(no weights yet): build it (call it once, or give it an Input)")
        elif not isinstance(model, tf.Module) or not callable(model):
            raise TypeError(f"the builder {case.builder} returned {type(model).__name__}: a TensorFlow "
                            "case's builder returns a keras.Model or a callable tf.Module")
        weights = case.weights_path()
        if weights is not None:
            from tracker_tensorflow.weights import load_weights

            model = load_weights(model, weights, case.id)
        return model

    def run_impl(self, model: Any, inputs: list[Any]) -> Sequence[Any]:
        import tensorflow as tf

        return flatten(call_model(model, [tf.constant(array) for array in inputs]))

    def run_float64_impl(self, model: Any, inputs: list[Any]) -> Sequence[Any]:
        raise NotImplementedError(
            "framework 'tensorflow' runs no float64 reference: a float64 Keras model is built under a float64 "
            "dtype policy (layers, constants and casts made so), not cast from the built float32 one")

    def parameter_bytes(self, model: Any) -> int | None:
        import tensorflow as tf

        unique = {id(v): v for v in model.variables}
        return sum(tf.as_dtype(v.dtype).size * math.prod(tuple(v.shape)) for v in unique.values())

    def loss_gradient_impl(self, model: Any, input_sets: list[list[Any]],
                           labels: list[Any] | None) -> tuple[list[Any], list[Any]]:
        """One ``tf.GradientTape`` per input set; the loss is summed over the rows."""
        import tensorflow as tf

        logits, gradients = [], []
        for index, inputs in enumerate(input_sets):
            first = tf.constant(inputs[0])
            rest = [tf.constant(a) for a in inputs[1:]]
            with tf.GradientTape() as tape:
                tape.watch(first)
                output = first_tensor(call_model(model, [first, *rest]))
                target = tf.argmax(output, axis=-1) if labels is None else tf.constant(labels[index])
                loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(target, output))
            gradient = tape.gradient(loss, first)
            if gradient is None:
                raise NotImplementedError("the first output does not depend differentiably on the first input")
            logits.append(output.numpy())
            gradients.append(gradient.numpy())
        return logits, gradients

    def repro_code(self, builder: str, params: Mapping[str, Any], seed: int) -> str:
        if not all(part.isidentifier() for part in builder.split(".")):  # a name in code, never text
            raise ValueError(f"builder {builder!r} is not a dotted Python name")
        helpers = "\n\n".join(inspect.getsource(f) for f in (is_keras_model, call_model, flatten))
        return f"""from collections.abc import Mapping

import tensorflow as tf

{helpers}

tf.keras.utils.set_random_seed({seed})
model = {builder}(**{dict(params)!r})
expected = flatten(call_model(model, [tf.constant(a) for a in inputs.values()]))
"""


@hookimpl
def register_frameworks(register):
    register(TensorFlow())


@hookimpl
def register_models(register):
    from tracker_tensorflow.catalog import CASES

    for case in CASES:
        register(case)
