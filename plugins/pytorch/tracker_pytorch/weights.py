"""Local weights (``ModelCase.weights``) loaded into the model a builder returned.

A file is a ``state_dict``, read with ``torch.load(weights_only=True)``: tensors and
plain containers only, never a full pickle, so a checkpoint cannot run code. A directory
is a Hugging Face ``save_pretrained`` folder, read by the builder's model class with
``from_pretrained(local_files_only=True, use_safetensors=True)``: nothing is downloaded,
and no pickled ``pytorch_model.bin`` is read. torch and transformers are imported only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def load_weights(model: Any, path: Path, case_id: str) -> Any:
    """``model`` with the weights at ``path`` (a new model for a ``save_pretrained`` folder)."""
    if path.is_dir():
        return _from_pretrained(model, path, case_id)
    import torch

    state = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(state, Mapping):
        raise TypeError(f"case {case_id}: {path} holds a {type(state).__name__}, not a state_dict: save the "
                        "weights with torch.save(model.state_dict(), path)")
    model.load_state_dict(state)  # strict: a missing or unexpected key is an error naming it
    return model


def _from_pretrained(model: Any, path: Path, case_id: str) -> Any:
    from_pretrained = getattr(type(model), "from_pretrained", None)
    if from_pretrained is None:
        raise TypeError(f"case {case_id}: its weights are a directory ({path}), read as a Hugging Face "
                        f"save_pretrained folder, but the builder returned a {type(model).__name__}, which has no "
                        "from_pretrained: return the transformers model class, or give a state_dict file")
    return from_pretrained(str(path), local_files_only=True, use_safetensors=True)
