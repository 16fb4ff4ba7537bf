"""Local weights (``ModelCase.weights``) loaded into the Keras model a builder returned.

The builder defines the architecture; the file gives its values: ``model.load_weights``
of a ``.keras`` archive (what ``model.save("x.keras")`` writes) or a ``.weights.h5`` file
(``model.save_weights``). Neither holds pickled code; no custom object is deserialized.
TensorFlow is imported only where the plugin builds the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker_tensorflow.calls import is_keras_model

SUFFIXES = (".keras", ".weights.h5", ".h5")


def load_weights(model: Any, path: Path, case_id: str) -> Any:
    """``model`` with the weights at ``path`` loaded into it."""
    if not is_keras_model(model):
        raise TypeError(f"case {case_id}: local weights are loaded into Keras models; the builder returned a "
                        f"{type(model).__name__}: return a built keras.Model, or drop `weights`")
    if path.is_dir() or not path.name.endswith(SUFFIXES):
        raise ValueError(f"case {case_id}: {path} is not a Keras weights file (one of {', '.join(SUFFIXES)}): "
                         "save it with model.save('model.keras') or model.save_weights('model.weights.h5')")
    model.load_weights(str(path))
    return model
