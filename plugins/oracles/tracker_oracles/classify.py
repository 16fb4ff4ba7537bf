"""What the agreement and robustness oracles share: which cases are classifiers, and the
predictions of a classifier's logits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tracker.plugin import ModelCase

DEFAULT_TAGS = ("classifier",)


def is_classifier(case: ModelCase, options: Mapping[str, Any]) -> bool:
    """Cases whose first output is logits (or probabilities) over classes on its last
    axis: those with one of the ``tags`` option's tags (default ``classifier``)."""
    return bool(set(options.get("tags", DEFAULT_TAGS)) & set(case.tags))


def logit_rows(outputs_per_set: Sequence[Sequence[Any]]) -> Any:
    """The first output of every input set, as rows of class scores: (rows, classes)."""
    import numpy as np

    rows = [np.asarray(outputs[0], dtype=np.float64).reshape(-1, np.shape(outputs[0])[-1])
            for outputs in outputs_per_set]
    return np.concatenate(rows, axis=0)


def top_k(rows: Any, k: int) -> Any:
    """Indices of the k largest scores per row (ties broken by the lower index)."""
    import numpy as np

    k = min(k, rows.shape[1])
    order = np.argsort(-rows, axis=1, kind="stable")
    return order[:, :k]
