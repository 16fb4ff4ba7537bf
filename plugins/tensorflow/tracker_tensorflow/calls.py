"""How a TensorFlow case's model is called, signed and flattened: the contract of the
framework plugin (see /work/helpers/TF_CONTRACT.md and docs/tensorflow.md), in one place.

Converter plugins (tf2onnx, coremltools) use these helpers so that they call the model
exactly as the reference was computed, and name ``tracker-tensorflow`` among their
dependencies (or extras). ``tracker repro`` copies :func:`is_keras_model`,
:func:`call_model` and :func:`flatten` into its scripts with ``inspect.getsource``: they
import what they need inside, and use nothing else of this module.

TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.plugin import InputSpec


def threads() -> int:
    """The thread count the sweep gives each case (``TRACKER_THREADS``, default 1)."""
    return max(1, int(os.environ.get("TRACKER_THREADS", "1")))


def thread_environment(count: int | None = None) -> dict[str, str]:
    """Environment variables that bound TensorFlow's thread pools in a subprocess (TF reads
    them when its runtime starts), and OpenMP's."""
    count = threads() if count is None else count
    return {"TF_NUM_INTRAOP_THREADS": str(count), "TF_NUM_INTEROP_THREADS": str(count),
            "OMP_NUM_THREADS": str(count)}


def configure_threads(count: int | None = None) -> None:
    """Bound TensorFlow's intra- and inter-op thread pools in this process.

    Takes effect only before TensorFlow's runtime starts (its first op); later it is a
    no-op: TensorFlow refuses to change the pools once they exist.
    """
    import tensorflow as tf

    count = threads() if count is None else count
    os.environ.update(thread_environment(count))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(count)
        tf.config.threading.set_inter_op_parallelism_threads(count)
    except RuntimeError:  # "cannot be modified after initialization": already running
        pass


def is_keras_model(model: Any) -> bool:
    """Whether ``model`` is a Keras model (Keras 2, Keras 3 or tf_keras), not a plain
    ``tf.Module``."""
    import sys

    import tensorflow as tf

    candidates = [sys.modules.get(name) for name in ("keras", "tf_keras")]
    classes = [module.Model for module in candidates if module is not None and hasattr(module, "Model")]
    classes.append(tf.keras.Model)
    return isinstance(model, tuple(classes))


def call_model(model: Any, tensors: Sequence[Any]) -> Any:
    """Call ``model`` on ``tensors`` as the contract says: a Keras model with
    ``training=False`` and its inputs as a list when it has several; a ``tf.Module``
    with the tensors as positional arguments."""
    if is_keras_model(model):
        return model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
    return model(*tensors)


def flatten(value: Any) -> list[Any]:
    """The arrays of a nested output (tensors, lists, tuples, dicts in sorted-key order)."""
    import numpy as np

    if value is None:
        return []
    if isinstance(value, Mapping):
        return [array for key in sorted(value) for array in flatten(value[key])]
    if isinstance(value, (list, tuple)):
        return [array for item in value for array in flatten(item)]
    return [np.asarray(value)]


def first_tensor(value: Any) -> Any:
    """The first tensor of a nested output, in :func:`flatten`'s order (still a tensor)."""
    if isinstance(value, Mapping):
        return first_tensor(value[sorted(value)[0]])
    if isinstance(value, (list, tuple)):
        return first_tensor(value[0])
    return value


def input_signature(specs: Sequence[InputSpec], *, dynamic: bool = False) -> list[Any]:
    """One ``tf.TensorSpec`` per case input, named after it; with ``dynamic``, the
    dimensions the case declares dynamic are ``None``."""
    import tensorflow as tf

    signature = []
    for spec in specs:
        shape: list[int | None] = list(spec.shape)
        if dynamic:
            for axis, _name in spec.dynamic:
                shape[axis] = None
        signature.append(tf.TensorSpec(shape, tf.as_dtype(spec.dtype), name=spec.name))
    return signature


def as_function(model: Any, signature: Sequence[Any]) -> Any:
    """``model`` wrapped in a ``tf.function`` with ``signature``: takes the inputs
    positionally and returns what :func:`call_model` returns."""
    import tensorflow as tf

    def serve(*tensors: Any) -> Any:
        return call_model(model, tensors)

    return tf.function(serve, input_signature=list(signature))
