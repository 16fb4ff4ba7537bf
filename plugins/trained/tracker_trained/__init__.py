"""Trained models: the set ``trained`` (``--set trained``).

Six architectures (an MLP, LeNet-5, a small VGG, a small ResNet, a MobileNet-style CNN
and an LSTM reading rows), each written in PyTorch and in Keras, trained on scikit-learn's
handwritten digits (:mod:`tracker_trained.digits`: shipped inside scikit-learn, nothing
downloaded) by their builders, once per definition and framework version, and kept in
the tracker's cache (:mod:`tracker_trained.store`). Their input is the digits' test
split and their labels its true labels (``ModelCase.labels``), so the oracles judge
accuracy and robustness against the truth. The cases: :mod:`tracker_trained.catalog`.
"""

from tracker.plugin import hookimpl


@hookimpl
def register_models(register):
    from tracker_trained.catalog import CASES

    for case in CASES:
        register(case)
