"""The true labels of a case's inputs: ``ModelCase.labels``, for cases whose inputs are a
labelled data set (a test split the plugin ships or loads), so that oracles judge
predictions against the truth, not against the source model's own predictions.

``labels`` names a callable, ``"package.module:callable"`` as a builder is named, called
as ``fn(rng, shape)`` for each input set: ``rng`` a NumPy Generator seeded as the first
input's is for that set (a fresh one: it draws what that input's custom callable drew,
so a callable that picks images at random picks the same ones here), ``shape`` the
first input's shape. It returns an integer array, one label per row of the first
output's logits (the first output's shape without its last axis). Its source, with
the module-level helpers it uses, is part of the case's hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.api import load_object
from tracker.inputs import generator_for

if TYPE_CHECKING:
    import numpy as np

    from tracker.cases import ModelCase


def source_problem(source: str) -> str | None:
    """What is wrong with how ``source`` is written (``None``: nothing); nothing is read."""
    module, colon, attribute = source.partition(":")
    if not colon or not all(part.isidentifier() for part in (*module.split("."), *attribute.split("."))):
        return f"{source!r} is not 'package.module:callable'"
    return None


def make_labels(case: ModelCase, sample: int) -> np.ndarray | None:
    """The labels of input set number ``sample`` of ``case`` (``None``: it has none)."""
    import numpy as np

    if case.labels is None:
        return None
    shape = case.inputs[0].shape if case.inputs else ()
    labels = np.asarray(load_object(case.labels)(generator_for(case.seed, sample, 0), shape))
    if labels.dtype.kind not in "iu":
        raise ValueError(f"case {case.id}: its labels ({case.labels}) are {labels.dtype}, not integers")
    return labels.astype(np.int64)
