"""Synthetic models: random graphs that are valid by construction, as NNSmith makes them,
emitted for PyTorch and for TensorFlow/Keras (see docs/synthetic.md).

A model-source plugin: it registers cases (``register_models``) and nothing else; the
``pytorch`` and ``tensorflow`` framework plugins build them. Generating a graph needs only
the standard library; neither torch nor TensorFlow is imported here.
"""

from __future__ import annotations

from tracker.plugin import hookimpl

from tracker_synthetic.generate import GENERATOR, VERSION

__all__ = ["GENERATOR", "VERSION", "register_models"]


@hookimpl
def register_models(register):
    from tracker_synthetic.catalog import cases

    for case in cases():
        register(case)
