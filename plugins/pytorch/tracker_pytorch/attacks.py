"""The loss gradient of a PyTorch model (``Framework.loss_gradient``), on which the
robustness oracle's attacks are written.

Input sets are stacked along the batch dimension in chunks of :data:`CHUNK` to share the
work of a forward and backward pass; the loss, the cross-entropy of the first output
summed over its rows, is computed in float32 whatever the model's dtype. A model whose
first output does not keep the stacked batch dimension is run one set at a time.
"""

from __future__ import annotations

from typing import Any

CHUNK = 8


def loss_gradient(model: Any, input_sets: list[list[Any]],
                  labels: list[Any] | None) -> tuple[list[Any], list[Any]]:
    logits: list[Any] = []
    gradients: list[Any] = []
    for start in range(0, len(input_sets), CHUNK):
        chunk = input_sets[start:start + CHUNK]
        chunk_labels = None if labels is None else labels[start:start + CHUNK]
        try:
            made = _batch(model, chunk, chunk_labels)
        except _NotBatchMajor:
            made = [_batch(model, [inputs], None if labels is None else [chunk_labels[i]])[0]
                    for i, inputs in enumerate(chunk)]
        logits += [rows for rows, _ in made]
        gradients += [gradient for _, gradient in made]
    return logits, gradients


class _NotBatchMajor(Exception):
    """The first output's leading dimension is not the stacked inputs'."""


def _batch(model: Any, chunk: list[list[Any]], labels: list[Any] | None) -> list[tuple[Any, Any]]:
    """(logits, gradient) of each set of ``chunk``, computed as one batch."""
    import numpy as np
    import torch

    from tracker_pytorch import flatten, to_numpy

    stacked = [torch.from_numpy(np.concatenate([s[i] for s in chunk], axis=0)) for i in range(len(chunk[0]))]
    x = stacked[0].requires_grad_(True)
    offsets = np.cumsum([0, *(len(s[0]) for s in chunk)])
    with torch.enable_grad():
        logits = flatten(model(x, *stacked[1:]))[0]
        if len(chunk) > 1 and (logits.ndim == 0 or logits.shape[0] != offsets[-1]):
            raise _NotBatchMajor
        rows = logits.reshape(-1, logits.shape[-1]).float()
        if labels is None:
            target = rows.detach().argmax(dim=-1)
        else:
            target = torch.from_numpy(np.concatenate([np.reshape(a, -1) for a in labels]).astype(np.int64))
        loss = torch.nn.functional.cross_entropy(rows, target, reduction="sum")
        (gradient,) = torch.autograd.grad(loss, x)
    values, gradient = to_numpy(logits), gradient.numpy()
    if len(chunk) == 1:
        return [(values, gradient)]
    return [(values[offsets[i]:offsets[i + 1]], gradient[offsets[i]:offsets[i + 1]]) for i in range(len(chunk))]
