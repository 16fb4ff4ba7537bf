"""Adversarial inputs for the robustness oracle: FGSM and PGD (L-infinity), untargeted,
against the true labels of a case that has them (``ModelCase.labels``: the maker is
given ``labels``), else against the source model's own top-1 prediction on each clean
input set. Written once, in NumPy, on :meth:`tracker.api.Framework.loss_gradient`, so the
attacks are the same whatever the source framework.

Both are makers of ``derived`` extra input sets (``tracker.api.EXTRA_INPUT_KINDS``),
called as ``maker(framework, model, clean_sets, recipe)`` (and ``labels=`` for a case with labels); the recipe holds ``epsilon``
and, for PGD, ``steps``, ``step_size`` and ``seed``. Only the first input of each set is
perturbed, in its own dtype; it is not clipped to a pixel range (the case's inputs are
normalized: their valid range is unknown).

- FGSM (Goodfellow et al., 2015): one step of ``epsilon`` along the gradient's sign.
- PGD (Madry et al., 2018), against the labels, or the top-1 of ``framework.run`` on each
  clean set (the labels the robustness oracle judges by): from a uniformly random point of the
  epsilon ball (drawn from a NumPy generator seeded with the recipe's ``seed``),
  ``steps`` signed-gradient steps of ``step_size`` (default ``2.5 * epsilon / steps``),
  projected back into the ball after each.

A recipe's ``budget_seconds`` bounds the attack's time: the sets are attacked
:data:`CHUNK` at a time, and no chunk is started once the budget is spent, so the maker
returns the first sets only (at least one chunk: the robustness oracle then judges on
fewer sets and says so). What a set becomes does not depend on the sets beside it, so
the sets made within the budget are those an unbounded attack makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# what these makers make: in the recipes, which key the cached sets. 1 was the frameworks'
# own attacks (torch's PGD started from torch's random numbers, TensorFlow's from the
# clean input); bump it whenever what is made here changes
VERSION = 2

# input sets attacked between two looks at the clock (torch's gradient batches are of 8)
CHUNK = 8


def attack_recipe(attack: str, *, count: int, epsilon: float, steps: int = 1,
                  budget_seconds: float | None = None) -> dict[str, Any]:
    """The ``derived`` recipe of ``attack`` (``"fgsm"`` or ``"pgd"``) on ``count`` sets,
    within ``budget_seconds`` (None: unbounded)."""
    budget = {} if budget_seconds is None else {"budget_seconds": float(budget_seconds)}
    if attack == "fgsm":
        return {"kind": "derived", "maker": f"{__name__}:fgsm", "version": VERSION, "count": count,
                "epsilon": epsilon, **budget}
    if attack == "pgd":
        return {"kind": "derived", "maker": f"{__name__}:pgd", "version": VERSION, "count": count,
                "epsilon": epsilon, "steps": steps, "step_size": 2.5 * epsilon / steps, "seed": 0, **budget}
    raise ValueError(f"unknown attack {attack!r}: use 'fgsm' or 'pgd'")


def gradient_passes(attack: str, steps: int) -> int:
    """Gradient computations per input set of ``attack``: how a time budget is shared."""
    return 1 if attack == "fgsm" else max(1, steps) + 1  # PGD: its steps, and the labels' forward pass


def _in_chunks(sets: list[Any], recipe: dict[str, Any], attack: Callable[[int, list[Any]], list[Any]]) -> list[Any]:
    """``attack(start, chunk)`` on :data:`CHUNK` sets at a time, until every set is made
    or the recipe's ``budget_seconds`` is spent (the first chunk is always made)."""
    budget = recipe.get("budget_seconds")
    deadline = None if budget is None else time.monotonic() + float(budget)
    made: list[Any] = []
    for start in range(0, len(sets), CHUNK):
        if made and deadline is not None and time.monotonic() >= deadline:
            break
        made += attack(start, sets[start:start + CHUNK])
    return made


def fgsm(framework: Any, model: Any, clean_sets: list[list[np.ndarray]], recipe: dict[str, Any],
         labels: list[np.ndarray] | None = None) -> list[list[np.ndarray]]:
    """One signed-gradient step of ``epsilon`` from each clean set, against ``labels``
    (per set; ``None``: the model's own top-1)."""
    epsilon = float(recipe["epsilon"])

    def attack(start: int, chunk: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
        truth = None if labels is None else labels[start:start + len(chunk)]
        _, gradients = framework.loss_gradient(model, chunk, truth)
        return [_with_first(inputs, _step(inputs[0], gradient, epsilon, inputs[0], epsilon))
                for inputs, gradient in zip(chunk, gradients)]

    return _in_chunks(clean_sets, recipe, attack)


def pgd(framework: Any, model: Any, clean_sets: list[list[np.ndarray]], recipe: dict[str, Any],
        labels: list[np.ndarray] | None = None) -> list[list[np.ndarray]]:
    """``steps`` projected signed-gradient steps from a random point of the ball, against
    ``labels`` (per set; ``None``: the source's top-1 on the clean set)."""
    import numpy as np

    epsilon, steps = float(recipe["epsilon"]), max(1, int(recipe.get("steps", 1)))
    step_size = float(recipe.get("step_size") or 2.5 * epsilon / steps)
    # every set's random start first, in order: a set's start does not depend on the budget
    generator = np.random.default_rng(int(recipe.get("seed", 0)))
    starts = []
    for inputs in clean_sets:
        clean = inputs[0]
        noise = generator.uniform(-1.0, 1.0, clean.shape).astype(clean.dtype)
        starts.append(_with_first(inputs, clean + clean.dtype.type(epsilon) * noise))

    def attack(start: int, chunk: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
        # the labels the oracle judges by: the true ones, else the top-1 of the source's run of each clean set
        truth = (labels[start:start + len(chunk)] if labels is not None
                 else [framework.run(model, inputs)[0].argmax(axis=-1) for inputs in chunk])
        current = starts[start:start + len(chunk)]
        for _ in range(steps):
            _, gradients = framework.loss_gradient(model, current, truth)
            current = [_with_first(inputs, _step(now[0], gradient, step_size, inputs[0], epsilon))
                       for inputs, now, gradient in zip(chunk, current, gradients)]
        return current

    return _in_chunks(clean_sets, recipe, attack)


def _step(x: np.ndarray, gradient: np.ndarray, size: float, clean: np.ndarray, epsilon: float) -> np.ndarray:
    """``x`` moved by ``size`` along the sign of ``gradient``, projected into the
    L-infinity ball of radius ``epsilon`` around ``clean``; in ``x``'s dtype."""
    import numpy as np

    scalar = x.dtype.type
    moved = x + scalar(size) * np.sign(gradient)
    return np.minimum(np.maximum(moved, clean - scalar(epsilon)), clean + scalar(epsilon)).astype(x.dtype)


def _with_first(inputs: list[np.ndarray], first: np.ndarray) -> list[np.ndarray]:
    return [first, *inputs[1:]]
