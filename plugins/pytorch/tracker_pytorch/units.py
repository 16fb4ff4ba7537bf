"""Small modules around the operators that trip converters (one class per kind of trap;
the cases, with their parameters and inputs, are in :mod:`tracker_pytorch.catalog`).

This module imports torch at the top: it is only imported to build a model. The case
list, which must be importable without torch, is in :mod:`tracker_pytorch.catalog`.
Parameters are drawn at construction time, under the seed the framework plugin sets.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# -- resizing -----------------------------------------------------------------------------


class Resize(nn.Module):
    """Interpolation by a scale factor (or to a size), in any mode and corner convention."""

    def __init__(self, mode: str = "bilinear", scale: float | None = 1.5,
                 size: list[int] | None = None, align_corners: bool | None = None,
                 antialias: bool = False) -> None:
        super().__init__()
        self.mode = mode
        self.scale = scale
        self.size = None if size is None else tuple(size)
        self.align_corners = align_corners
        self.antialias = antialias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=self.size, scale_factor=None if self.size else self.scale,
                             mode=self.mode, align_corners=self.align_corners,
                             antialias=self.antialias)


class GridSample(nn.Module):
    """Sampling at arbitrary coordinates, some of them outside [-1, 1]."""

    def __init__(self, mode: str, padding_mode: str, align_corners: bool) -> None:
        super().__init__()
        self.mode = mode
        self.padding_mode = padding_mode
        self.align_corners = align_corners

    def forward(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return F.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding_mode,
                             align_corners=self.align_corners)


# -- normalization ------------------------------------------------------------------------


class LayerNorm(nn.Module):
    """LayerNorm over the last two dimensions, with a non-trivial scale and shift."""

    def __init__(self, normalized_shape: list[int]) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(normalized_shape)
        nn.init.normal_(self.norm.weight, 1.0, 0.5)
        nn.init.normal_(self.norm.bias, 0.0, 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x)


class GroupNorm(nn.Module):
    """GroupNorm with several channels per group and a per-channel affine."""

    def __init__(self, groups: int, channels: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        nn.init.normal_(self.norm.weight, 1.0, 0.5)
        nn.init.normal_(self.norm.bias, 0.0, 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x)


class BatchNormEval(nn.Module):
    """BatchNorm in inference mode with non-trivial running statistics (folded by exporters)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels)
        with torch.no_grad():
            self.norm.running_mean.normal_(0.0, 1.0)
            self.norm.running_var.uniform_(0.2, 3.0)
        nn.init.normal_(self.norm.weight, 1.0, 0.5)
        nn.init.normal_(self.norm.bias, 0.0, 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x)


class InstanceNorm(nn.Module):
    """InstanceNorm with affine parameters and no running statistics."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=True)
        nn.init.normal_(self.norm.weight, 1.0, 0.5)
        nn.init.normal_(self.norm.bias, 0.0, 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x)


# -- indexing and scatter -----------------------------------------------------------------


class Gather(nn.Module):
    """torch.gather along dimension 1 with an index tensor given as input."""

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return torch.gather(x, 1, index)


class IndexSelect(nn.Module):
    """index_select on a middle dimension, the index with repeats."""

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, index)


class ScatterAdd(nn.Module):
    """scatter_add with duplicate indices, which must accumulate."""

    def forward(self, x: torch.Tensor, index: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        return x.scatter_add(1, index, source)


class IndexPutAccumulate(nn.Module):
    """index_put with accumulate=True and duplicate, partly negative row indices."""

    def forward(self, x: torch.Tensor, rows: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        return x.index_put((rows,), values, accumulate=True)


class NegativeIndexing(nn.Module):
    """Advanced indexing with negative indices, from an input and as constants."""

    def forward(self, x: torch.Tensor, index: torch.Tensor):
        return x[:, index], x[..., -1], x[:, -3:], x[[-1, 0, -2]]


# -- reductions ---------------------------------------------------------------------------


class ArgmaxTies(nn.Module):
    """argmax / argmin / max over values with ties: PyTorch returns the first index."""

    def forward(self, x: torch.Tensor):
        return x.argmax(dim=1), x.argmin(dim=0), x.max(dim=-1).indices


class LogSumExp(nn.Module):
    """logsumexp over values whose exp overflows float32 unless the maximum is subtracted."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(x, dim=-1)


class Cumsum(nn.Module):
    """Cumulative sums: forward, reversed (flip-cumsum-flip) and on int64."""

    def forward(self, x: torch.Tensor, counts: torch.Tensor):
        return x.cumsum(1), x.flip(-1).cumsum(-1).flip(-1), counts.cumsum(-1)


class Cumprod(nn.Module):
    """Cumulative product, which has no ONNX operator."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumprod(x, dim=1)


class Prod(nn.Module):
    """Products along a dimension (keepdim) and over the whole tensor."""

    def forward(self, x: torch.Tensor):
        return x.prod(dim=1, keepdim=True), x.prod()


class VarStd(nn.Module):
    """Variance and standard deviation with the unbiased and the biased estimator."""

    def forward(self, x: torch.Tensor):
        variance, mean = torch.var_mean(x, dim=-1)
        return x.var(dim=1, unbiased=True), x.std(dim=(1, 2), correction=0), variance, mean


class TopK(nn.Module):
    """The k smallest values along a middle dimension, with their indices."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    def forward(self, x: torch.Tensor):
        values, indices = torch.topk(x, self.k, dim=1, largest=False, sorted=True)
        return values, indices


class StableSort(nn.Module):
    """A stable descending sort over values with ties: the indices of ties must keep order."""

    def forward(self, x: torch.Tensor):
        values, indices = torch.sort(x, dim=-1, descending=True, stable=True)
        return values, indices


# -- recurrent layers ---------------------------------------------------------------------


class LSTM(nn.Module):
    """A stacked LSTM (optionally bidirectional, optionally with projections), batch first."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int,
                 bidirectional: bool, proj_size: int = 0) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                            bidirectional=bidirectional, proj_size=proj_size)

    def forward(self, x: torch.Tensor):
        output, (hidden, cell) = self.lstm(x)
        return output, hidden, cell


class GRU(nn.Module):
    """A stacked GRU, sequence first, started from a given hidden state."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int) -> None:
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers=num_layers)

    def forward(self, x: torch.Tensor, initial: torch.Tensor):
        return self.gru(x, initial)


# -- attention ----------------------------------------------------------------------------


class MultiheadAttention(nn.Module):
    """nn.MultiheadAttention (cross-attention) with a key padding mask built from a 0/1 mask."""

    def __init__(self, embed_dim: int, num_heads: int) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)

    def forward(self, query: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor):
        return self.attention(query, memory, memory, key_padding_mask=mask == 0)


class CausalAttention(nn.Module):
    """F.scaled_dot_product_attention with is_causal=True and more keys than queries."""

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(query, key, value, is_causal=True)


# -- integer arithmetic with negative operands ----------------------------------------------


def without_zeros(divisor: torch.Tensor) -> torch.Tensor:
    """The divisor with its zeros replaced by 1."""
    return torch.where(divisor == 0, torch.ones_like(divisor), divisor)


class FloorDivide(nn.Module):
    """Integer division rounding to -inf (//) and towards 0 (trunc) with negative operands."""

    def forward(self, a: torch.Tensor, b: torch.Tensor):
        b = without_zeros(b)
        return (a // b, torch.div(a, b, rounding_mode="trunc"),
                torch.div(a, b, rounding_mode="floor"))


class RemainderFmod(nn.Module):
    """remainder (sign of the divisor) and fmod (sign of the dividend), integer and float."""

    def forward(self, a: torch.Tensor, b: torch.Tensor, x: torch.Tensor):
        b = without_zeros(b)
        return torch.remainder(a, b), torch.fmod(a, b), torch.remainder(x, -2.5), torch.fmod(x, 2.5)


class BitShift(nn.Module):
    """Shifts of negative int64 values: << and >> (arithmetic, rounding to -inf)."""

    def forward(self, a: torch.Tensor, shift: torch.Tensor):
        return a << shift, a >> shift, a >> 2


class BitwiseLogic(nn.Module):
    """Bitwise and / or / xor / not of negative int64 values (two's complement)."""

    def forward(self, a: torch.Tensor, b: torch.Tensor):
        return a & b, a | b, a ^ b, ~a


# -- padding ------------------------------------------------------------------------------


class Pad(nn.Module):
    """F.pad of the last two dimensions in one mode; negative pads crop."""

    def __init__(self, mode: str, pads: list[int], value: float = 0.0) -> None:
        super().__init__()
        self.mode = mode
        self.pads = tuple(pads)
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value = self.value if self.mode == "constant" else None  # the other modes take none
        return F.pad(x, self.pads, mode=self.mode, value=value)


# -- dtype casts --------------------------------------------------------------------------


class FloatToInt(nn.Module):
    """Float to integer casts truncate towards 0 (negatives too); round() is half-to-even."""

    def forward(self, x: torch.Tensor):
        halves = torch.floor(x * 2) / 2
        return x.to(torch.int32), x.long(), torch.round(halves), halves.to(torch.int64)


class IntToFloat(nn.Module):
    """int64 beyond 2**24 to float32 (rounding), true division of integers, int to float16."""

    def forward(self, a: torch.Tensor, b: torch.Tensor):
        return a.float(), a / without_zeros(b), b.to(torch.float16)


class Float16Compute(nn.Module):
    """A linear layer, GELU and softmax computed in float16 (the output is float16)."""

    def __init__(self, features: int, out_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, out_features).half()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = F.gelu(self.linear(x.half()))
        return torch.softmax(hidden, dim=-1)


# -- boolean masks ------------------------------------------------------------------------


class MaskedFill(nn.Module):
    """Attention scores masked with the dtype's minimum (as transformers does), then softmax."""

    def forward(self, scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        masked = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        return torch.softmax(masked, dim=-1)


class Where(nn.Module):
    """torch.where with a broadcast condition, a tensor branch and a scalar branch."""

    def forward(self, condition: torch.Tensor, x: torch.Tensor, y: torch.Tensor):
        return torch.where(condition, x, y), torch.where(condition, x, 0.5)


class MaskedMean(nn.Module):
    """Mean over the unmasked positions, without nonzero: sum(x * mask) / sum(mask)."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        weights = mask.unsqueeze(-1).to(x.dtype)
        return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class BooleanIndex(nn.Module):
    """Boolean-mask indexing, whose output shape depends on the data, and masked assignment."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        selected = x[mask]
        cleared = x.clone()
        cleared[mask] = 0.0
        return selected, cleared


# -- others -------------------------------------------------------------------------------


class Einsum(nn.Module):
    """einsum: batched matrix product, a batched dot product and a diagonal (repeated index)."""

    def forward(self, a: torch.Tensor, b: torch.Tensor, square: torch.Tensor):
        return (torch.einsum("bij,bjk->bik", a, b), torch.einsum("bij,bij->b", a, a),
                torch.einsum("bii->bi", square))


class Roll(nn.Module):
    """torch.roll with negative and positive shifts over two dimensions, and flattened."""

    def forward(self, x: torch.Tensor):
        return torch.roll(x, shifts=(-2, 3), dims=(1, 2)), torch.roll(x, 5)


class UnfoldFold(nn.Module):
    """im2col (F.unfold) with overlapping windows and col2im (F.fold), which sums overlaps."""

    def __init__(self, kernel: int, stride: int, padding: int) -> None:
        super().__init__()
        self.kernel = kernel
        self.stride = stride
        self.padding = padding

    def forward(self, x: torch.Tensor):
        columns = F.unfold(x, self.kernel, padding=self.padding, stride=self.stride)
        folded = F.fold(columns, x.shape[-2:], self.kernel, padding=self.padding,
                        stride=self.stride)
        return columns, folded


class PixelShuffle(nn.Module):
    """pixel_shuffle (depth to space) and pixel_unshuffle (space to depth)."""

    def __init__(self, factor: int) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor):
        return F.pixel_shuffle(x, self.factor), F.pixel_unshuffle(x, self.factor)


class MaxPoolCeil(nn.Module):
    """max_pool2d with ceil_mode=True and padding, returning the argmax indices too."""

    def forward(self, x: torch.Tensor):
        return F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)


class AvgPoolCeil(nn.Module):
    """avg_pool2d with ceil_mode=True and count_include_pad=False (border windows shrink)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)


class AdaptiveAvgPool(nn.Module):
    """Adaptive average pooling to a size that does not divide the input (uneven windows)."""

    def __init__(self, size: list[int]) -> None:
        super().__init__()
        self.size = tuple(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(x, self.size)


class AdaptiveMaxPool(nn.Module):
    """Adaptive max pooling to a size that does not divide the input, with the indices."""

    def __init__(self, size: list[int]) -> None:
        super().__init__()
        self.size = tuple(size)

    def forward(self, x: torch.Tensor):
        return F.adaptive_max_pool2d(x, self.size, return_indices=True)


class ConvTranspose(nn.Module):
    """A grouped, dilated, strided transposed convolution with output_padding."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, 3, stride=2, padding=1,
                                       output_padding=1, groups=2, dilation=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)
