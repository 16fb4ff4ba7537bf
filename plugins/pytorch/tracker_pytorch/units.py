"""Small modules around the operators that trip converters (one class per unit case).

This module imports torch at the top: it is only imported to build a model. The case
list, which must be importable without torch, is in :mod:`tracker_pytorch.catalog`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Resize(nn.Module):
    """Interpolation by a non-integer scale factor."""

    def __init__(self, mode: str = "bilinear", scale: float = 1.5) -> None:
        super().__init__()
        self.mode = mode
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=self.scale, mode=self.mode)
