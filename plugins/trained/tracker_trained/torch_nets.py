"""The PyTorch architectures, trained on the digits' training part by :func:`build` (the
builder of every PyTorch trained case), or loaded when trained before.

Training is deterministic: the weights are initialized after ``torch.manual_seed(seed)``,
the batches are drawn from a generator of that seed, deterministic algorithms are
required (``torch.use_deterministic_algorithms``) and the framework plugin runs one
thread. Adam on the cross-entropy of the logits; every model returns logits.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from tracker_trained.digits import CLASSES, training_data
from tracker_trained.store import save_whole, weights_path


class MLP(nn.Module):
    """Two hidden layers over the 64 pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                    nn.Linear(64, CLASSES))

    def forward(self, image):
        return self.layers(image)


class LeNet5(nn.Module):
    """LeNet-5 on 32x32 images: two 5x5 convolutions with average pooling, three dense layers."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, CLASSES))

    def forward(self, image):
        return self.classifier(self.features(image))


def vgg_block(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels_in, channels_out, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(channels_out, channels_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))


class SmallVGG(nn.Module):
    """Two VGG blocks (two 3x3 convolutions and a max pooling each) on 16x16 images, two dense layers."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(vgg_block(1, 16), vgg_block(16, 32))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, CLASSES))

    def forward(self, image):
        return self.classifier(self.features(image))


class BasicBlock(nn.Module):
    """A residual block: two 3x3 convolutions with batch norm, a projected shortcut when the shape changes."""

    def __init__(self, channels_in: int, channels_out: int, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False),
                                  nn.BatchNorm2d(channels_out), nn.ReLU(),
                                  nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(channels_out))
        self.shortcut = nn.Identity() if stride == 1 and channels_in == channels_out else nn.Sequential(
            nn.Conv2d(channels_in, channels_out, 1, stride, bias=False), nn.BatchNorm2d(channels_out))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class SmallResNet(nn.Module):
    """A stem and three residual blocks (16, 32, 64 channels) on 16x16 images, global average pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                      BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(64, CLASSES)

    def forward(self, image):
        return self.classifier(self.features(image))


def separable(channels_in: int, channels_out: int, stride: int) -> nn.Sequential:
    """A depthwise 3x3 convolution, then a pointwise 1x1 one, each with batch norm and ReLU6."""
    return nn.Sequential(nn.Conv2d(channels_in, channels_in, 3, stride, 1, groups=channels_in, bias=False),
                         nn.BatchNorm2d(channels_in), nn.ReLU6(),
                         nn.Conv2d(channels_in, channels_out, 1, bias=False), nn.BatchNorm2d(channels_out), nn.ReLU6())


class SmallMobileNet(nn.Module):
    """MobileNet-style: a 3x3 convolution, four depthwise-separable blocks on 16x16 images, global average pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
                                      separable(16, 32, 1), separable(32, 64, 2), separable(64, 64, 1),
                                      separable(64, 128, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(128, CLASSES)

    def forward(self, image):
        return self.classifier(self.features(image))


class RowLSTM(nn.Module):
    """An LSTM reading the image row by row (8 steps of 8 pixels); the last step's state is classified."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 64, batch_first=True)
        self.classifier = nn.Linear(64, CLASSES)

    def forward(self, image):
        steps, _ = self.lstm(image)
        return self.classifier(steps[:, -1])


ARCHITECTURES = {"mlp": MLP, "lenet5": LeNet5, "vgg": SmallVGG, "resnet": SmallResNet, "mobilenet": SmallMobileNet,
                 "lstm": RowLSTM}


def train(model: nn.Module, images: Any, labels: Any, *, epochs: int, learning_rate: float, batch_size: int,
          seed: int) -> None:
    """Adam on the cross-entropy, ``epochs`` passes over shuffled batches; deterministic."""
    inputs, targets = torch.from_numpy(images), torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    model.train()
    try:
        for _ in range(epochs):
            order = torch.randperm(len(inputs), generator=generator)
            for start in range(0, len(inputs), batch_size):
                batch = order[start:start + batch_size]
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(inputs[batch]), targets[batch]).backward()
                optimizer.step()
    finally:
        torch.use_deterministic_algorithms(deterministic)
    model.eval()


def build(architecture: str, input_shape: list[int], epochs: int, learning_rate: float, batch_size: int,
          seed: int) -> nn.Module:
    """The trained ``architecture``: loaded from the cache, or trained (then cached)."""
    recipe = {"architecture": architecture, "input_shape": list(input_shape), "epochs": epochs,
              "learning_rate": learning_rate, "batch_size": batch_size, "seed": seed}
    torch.manual_seed(seed)
    model = ARCHITECTURES[architecture]()
    path = weights_path("pytorch", torch.__version__, recipe, ".pt")
    if path.is_file():
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    images, labels = training_data((0, *input_shape))
    train(model, images, labels, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, seed=seed)
    save_whole(path, lambda temporary: torch.save(model.state_dict(), temporary))
    return model.eval()
