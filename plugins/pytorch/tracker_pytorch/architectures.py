"""Published architectures, built from their code with random weights and a fixed seed.

No weights are downloaded: transformers models are built from a config object. The
case list is in :mod:`tracker_pytorch.catalog`.
"""

from __future__ import annotations

import torch
from torch import nn


def hf_model(model_class: str, config_class: str, config: dict, output: str = "tuple") -> nn.Module:
    """A transformers model built from its config (random weights), wrapped so that it
    takes positional tensors and returns a tuple of tensors."""
    import transformers

    cfg = getattr(transformers, config_class)(**config)
    model = getattr(transformers, model_class)(cfg)
    return _Positional(model)


class _Positional(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, *args: torch.Tensor):
        return self.model(*args, return_dict=False)
