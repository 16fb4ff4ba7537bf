"""Published architectures, built from their code with random weights and a fixed seed.

No weights are downloaded: transformers models are built from a config object,
torchvision models with ``weights=None`` (and ``weights_backbone=None``), timm models
with ``pretrained=False``; the recurrent models are written out here. torchvision and
timm are imported inside the builders: this module is imported in environments without
them. The case list, with the published configuration each case follows, is in
:mod:`tracker_pytorch.catalog` and :mod:`tracker_pytorch.vision_catalog`.
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
        calibrate_batch_norm(model, pixel_values=torch.randn(calibration_shape))
    return Positional(model, argument_names)


def calibrate_batch_norm(model: nn.Module, *args: torch.Tensor, **kwargs: torch.Tensor) -> None:
    """Give every BatchNorm the identity affine parameters and the running statistics of
    its activations on one forward pass of ``model(*args, **kwargs)``, as training would have.

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
        model(*args, **kwargs)
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


# ---------------------------------------------------------------------------------------
# torchvision


def torchvision_model(name: str, calibration_shape: list[int] | None = None, **kwargs) -> nn.Module:
    """``torchvision.models.get_model(name, weights=None, **kwargs)``: random weights (the
    detection and segmentation builders also need ``weights_backbone=None`` in ``kwargs``).
    With ``calibration_shape``, its BatchNorms are calibrated on random inputs of that
    shape (:func:`calibrate_batch_norm`)."""
    import torchvision

    model = randomize_zero_weights(torchvision.models.get_model(name, weights=None, **kwargs))
    if calibration_shape is not None:
        calibrate_batch_norm(model, torch.randn(calibration_shape))
    return model


def torchvision_vit(**kwargs) -> nn.Module:
    """torchvision's ``VisionTransformer`` at a size of one's choice (``vit_b_16`` fixes
    ViT-B's 86 M parameters)."""
    from torchvision.models import VisionTransformer

    return randomize_zero_weights(VisionTransformer(**kwargs))


def randomize_zero_weights(model: nn.Module) -> nn.Module:
    """Give the linear and convolution layers initialised to zero (a device for the start
    of training: torchvision's ViT head, timm's ResMLP and gMLP heads) PyTorch's default
    random initialisation: a classifier whose logits are all 0 hides every numeric error
    and has no top-1 class."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)) and not module.weight.any():
            module.reset_parameters()
    return model


class Detector(nn.Module):
    """A torchvision detector called with a batch tensor instead of a list of images; in
    eval mode it returns each image's boxes, scores and labels (after score threshold and
    non-maximum suppression, so their number depends on the data)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor):
        detections = self.model(list(images.unbind(0)))
        return tuple(d[key] for d in detections for key in ("boxes", "scores", "labels"))


def torchvision_detector(name: str, calibration_shape: list[int], **kwargs) -> nn.Module:
    """A torchvision detection model (random weights, random backbone) as a
    :class:`Detector`, its BatchNorms calibrated on random images of ``calibration_shape``.

    The inputs are already normalized images, as for the classifiers: the detector's own
    transform is told not to normalize again (``image_mean`` 0, ``image_std`` 1)."""
    import torchvision

    model = torchvision.models.get_model(name, weights=None, weights_backbone=None,
                                         image_mean=[0.0, 0.0, 0.0], image_std=[1.0, 1.0, 1.0], **kwargs)
    detector = Detector(model)
    calibrate_batch_norm(detector, torch.randn(calibration_shape))
    return detector.eval()


class OpticalFlow(nn.Module):
    """RAFT called on two frames with a fixed number of refinement steps; returns the
    last (finest) flow estimate only."""

    def __init__(self, model: nn.Module, num_flow_updates: int) -> None:
        super().__init__()
        self.model = model
        self.num_flow_updates = num_flow_updates

    def forward(self, image1: torch.Tensor, image2: torch.Tensor) -> torch.Tensor:
        return self.model(image1, image2, num_flow_updates=self.num_flow_updates)[-1]


def torchvision_raft(name: str, num_flow_updates: int) -> nn.Module:
    """torchvision's RAFT optical flow (``raft_small``, ``raft_large``), random weights."""
    import torchvision

    return OpticalFlow(torchvision.models.get_model(name, weights=None), num_flow_updates)


# ---------------------------------------------------------------------------------------
# timm


def timm_model(name: str, calibration_shape: list[int] | None = None, **kwargs) -> nn.Module:
    """``timm.create_model(name, pretrained=False, **kwargs)``: random weights, timm's
    own initialisation. With ``calibration_shape``, BatchNorms calibrated as above."""
    import timm

    model = randomize_zero_weights(timm.create_model(name, pretrained=False, **kwargs))
    if calibration_shape is not None:
        calibrate_batch_norm(model, torch.randn(calibration_shape))
    return model


def timm_convmixer(dim: int, depth: int, kernel_size: int, patch_size: int,
                   calibration_shape: list[int]) -> nn.Module:
    """timm's ConvMixer at a size of one's choice (its registered sizes fix dim and depth:
    convmixer_768_32 costs ~20 GMACs an image)."""
    from timm.models.convmixer import ConvMixer

    model = ConvMixer(dim=dim, depth=depth, kernel_size=kernel_size, patch_size=patch_size)
    calibrate_batch_norm(model, torch.randn(calibration_shape))
    return model


# ---------------------------------------------------------------------------------------
# Recurrent models, written out


class CRNN(nn.Module):
    """A convolutional recurrent network for text-line recognition (Shi, Bai and Yao,
    2015, "An End-to-End Trainable Neural Network for Image-based Sequence Recognition"):
    VGG-style convolutions over a 32-pixel-high grayscale line, the feature columns read
    as a sequence by two bidirectional LSTM layers, per-column log-probabilities over the
    alphabet and the CTC blank. Output: (width / 4 + 1, batch, classes), as CTC takes it.
    """

    def __init__(self, classes: int, hidden: int = 128) -> None:
        super().__init__()

        def block(inputs: int, outputs: int, pool: tuple[int, int] | None,
                  norm: bool = False) -> list[nn.Module]:
            layers: list[nn.Module] = [nn.Conv2d(inputs, outputs, 3, padding=1)]
            layers += [nn.BatchNorm2d(outputs)] if norm else []
            layers.append(nn.ReLU(inplace=True))
            if pool == (2, 1):  # halves the height only: 2x2 windows, stride 1 across, padded
                layers.append(nn.MaxPool2d(2, stride=(2, 1), padding=(0, 1)))
            elif pool is not None:
                layers.append(nn.MaxPool2d(pool))
            return layers

        self.features = nn.Sequential(
            *block(1, 64, (2, 2)), *block(64, 128, (2, 2)),
            *block(128, 256, None, norm=True), *block(256, 256, (2, 1)),
            *block(256, 256, None, norm=True), *block(256, 256, (2, 1)),
            nn.Conv2d(256, 256, 2), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
        )
        self.rnn = nn.LSTM(256, hidden, num_layers=2, bidirectional=True)
        self.classifier = nn.Linear(2 * hidden, classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        features = self.features(image)  # (batch, 256, 1, columns)
        sequence = features.squeeze(2).permute(2, 0, 1)  # (columns, batch, 256)
        hidden, _ = self.rnn(sequence)
        return self.classifier(hidden).log_softmax(-1)


def crnn(classes: int, calibration_shape: list[int]) -> nn.Module:
    """A :class:`CRNN` with random weights, BatchNorms calibrated on random lines."""
    model = CRNN(classes)
    calibrate_batch_norm(model, torch.randn(calibration_shape))
    return model


class LSTMLanguageModel(nn.Module):
    """A word-level LSTM language model (Merity, Keskar and Socher, 2017, AWD-LSTM, at
    inference): embedding, stacked LSTM layers, a decoder tied to the embedding.
    Input: token ids (batch, sequence); output: next-token logits and the final states."""

    def __init__(self, vocab: int, size: int, layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, size)
        self.lstm = nn.LSTM(size, size, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(size, vocab)
        self.decoder.weight = self.embedding.weight

    def forward(self, input_ids: torch.Tensor):
        hidden, (h, c) = self.lstm(self.embedding(input_ids))
        return self.decoder(hidden), h, c


def lstm_lm(vocab: int, size: int, layers: int) -> nn.Module:
    return LSTMLanguageModel(vocab, size, layers)
