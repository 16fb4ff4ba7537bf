"""Published architectures, built from their code with random weights and a fixed seed.

No weights are downloaded: transformers models are built from a config object. The
case list, with the published configuration each case follows, is in
:mod:`tracker_pytorch.catalog`.
"""

from __future__ import annotations

import torch
from torch import nn


def hf_model(model_class: str, config_class: str, config: dict, argument_names: list[str],
             calibration_shape: list[int] | None = None) -> nn.Module:
    """A transformers model built from its config (random weights), wrapped so that it
    takes the forward arguments ``argument_names`` positionally and returns a tuple of tensors.

    Nested configs (a detector's ``backbone_config``) are given as dicts with their
    ``model_type``; transformers builds them. With ``calibration_shape``, the BatchNorm
    statistics are calibrated on random images of that shape (see
    :func:`calibrate_batch_norm`).
    """
    import transformers

    cfg = getattr(transformers, config_class)(**config)
    model = getattr(transformers, model_class)(cfg)
    if calibration_shape is not None:
        calibrate_batch_norm(model, torch.randn(calibration_shape))
    return Positional(model, argument_names)


def calibrate_batch_norm(model: nn.Module, pixel_values: torch.Tensor) -> None:
    """Give every BatchNorm the identity affine parameters and the running statistics of
    its activations on ``pixel_values``, as training would have.

    With random weights and the initial statistics (mean 0, variance 1), the activations
    of a deep BatchNorm network vanish or explode (EfficientNet's initialisation also
    draws the BatchNorm scales from N(0, 0.02)), and a converter's numeric error hides
    in outputs near 0; calibrated, the activations have the scale of a trained network.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [norm.momentum for norm in norms]
    model.eval()  # no dropout or stochastic depth: only the BatchNorms see training mode
    for norm in norms:
        norm.reset_parameters()
        norm.momentum = None  # a cumulative average: one batch gives its exact statistics
        norm.train()
    with torch.no_grad():
        model(pixel_values=pixel_values)
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum
    model.eval()


class Positional(nn.Module):
    """Calls a transformers model with keyword tensors given positionally and
    ``return_dict=False``, so that exporters see plain tensors in and tuples out."""

    def __init__(self, model: nn.Module, argument_names: list[str]) -> None:
        super().__init__()
        self.model = model
        self.argument_names = tuple(argument_names)

    def forward(self, *args: torch.Tensor):
        if len(args) != len(self.argument_names):
            raise TypeError(f"expected the tensors {self.argument_names}, got {len(args)} tensors")
        return self.model(**dict(zip(self.argument_names, args)), return_dict=False)
