"""Adversarial inputs made on a PyTorch model: FGSM and PGD (L-infinity), untargeted,
against the model's own top-1 prediction on each clean input (there are no labels).

PGD starts from a random point of the epsilon ball (drawn from a generator seeded with
0, so the inputs are the same on every run), takes ``steps`` signed-gradient steps of
``step_size`` and projects back into the ball after each (Madry et al., 2018). Input sets
are stacked along the batch dimension in chunks of :data:`CHUNK` to share the work.
"""

from __future__ import annotations

from typing import Any

CHUNK = 8


def adversarial(model: Any, input_sets: list[list[Any]], *, method: str, epsilon: float, steps: int,
                step_size: float | None, flatten: Any) -> list[list[Any]]:
    import numpy as np
    import torch

    if method not in ("fgsm", "pgd"):
        raise ValueError(f"unknown attack {method!r}: use 'fgsm' or 'pgd'")
    if not input_sets or not np.issubdtype(input_sets[0][0].dtype, np.floating):
        raise NotImplementedError("the first input is not floating point: nothing to perturb")
    steps = 1 if method == "fgsm" else max(1, steps)
    step_size = epsilon if method == "fgsm" else (step_size or 2.5 * epsilon / steps)
    generator = torch.Generator().manual_seed(0)
    result: list[list[Any]] = []
    for start in range(0, len(input_sets), CHUNK):
        chunk = input_sets[start:start + CHUNK]
        stacked = [torch.from_numpy(np.concatenate([s[i] for s in chunk], axis=0)) for i in range(len(chunk[0]))]
        clean, others = stacked[0], stacked[1:]
        with torch.no_grad():
            logits = flatten(model(clean, *others))[0]
        labels = logits.reshape(-1, logits.shape[-1]).argmax(dim=-1)
        x = clean.clone()
        if method == "pgd":
            noise = torch.rand(clean.shape, generator=generator, dtype=clean.dtype) * 2 - 1
            x = clean + epsilon * noise
        for _ in range(steps):
            x = x.detach().requires_grad_(True)
            with torch.enable_grad():
                logits = flatten(model(x, *others))[0]
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels)
                (grad,) = torch.autograd.grad(loss, x)
            x = x.detach() + step_size * grad.sign()
            x = torch.max(torch.min(x, clean + epsilon), clean - epsilon)
        perturbed = x.detach().numpy().astype(chunk[0][0].dtype)
        rows = [len(s[0]) for s in chunk]
        offsets = np.cumsum([0, *rows])
        for index, original in enumerate(chunk):
            result.append([perturbed[offsets[index]:offsets[index + 1]], *original[1:]])
    return result
