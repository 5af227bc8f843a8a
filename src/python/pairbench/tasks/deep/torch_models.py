"""The PyTorch definitions of every deep-learning model; parameter names are the contract.

The Rust side (src/rust/deep-common/src/models.rs) declares the same names and shapes and refuses to
load a weights file that differs in any of them, so the three frameworks train the same network.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from pairbench.tasks.deep.spec import InputSpec

# What each model reads from the cell, every one required (config/benchmarks.yaml writes them); models.rs's
# `model_params` lists the same.
MODEL_PARAMS: dict[str, tuple[str, ...]] = {
    "lenet": (),
    "simple_cnn": ("width", "dropout"),
    "resnet18": ("width",),
    "mobilenet": ("width",),
    "rnn": ("hidden", "layers"),
    "lstm": ("hidden", "layers"),
    "gru": ("hidden", "layers"),
}


class LeNet(nn.Module):
    """LeNet-5 layout (6 and 16 5x5 filters, 120-84-n dense). Both convolutions use padding 2 so the
    network also fits 8x8 digits; the original's unpadded second conv would shrink them to nothing."""

    def __init__(self, spec: InputSpec, params: dict[str, Any]) -> None:
        super().__init__()
        c, h, w = spec.image_shape
        self.conv1 = nn.Conv2d(c, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5, padding=2)
        self.fc1 = nn.Linear(16 * (h // 4) * (w // 4), 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class SimpleCNN(nn.Module):
    """Three conv + batch-norm + ReLU stages, one 2x2 max-pool, dropout before the classifier."""

    def __init__(self, spec: InputSpec, params: dict[str, Any]) -> None:
        super().__init__()
        c = spec.image_shape[0]
        w = int(params["width"])
        self.conv1, self.bn1 = nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w)
        self.conv2, self.bn2 = nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w)
        self.conv3, self.bn3 = nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w)
        self.fc = nn.Linear(2 * w, spec.n_outputs)
        self.p = float(params["dropout"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.conv3(x)))
        x = x.mean(dim=(2, 3))
        return self.fc(F.dropout(x, self.p, self.training))


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample: nn.Sequential | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 topology (four stages of two basic blocks, torchvision parameter names) with the
    CIFAR-style 3x3 stem and no stem max-pool, since inputs here are 8x8 to 32x32. The base width is a
    parameter (torchvision: 64); the catalogue uses 16 so an epoch fits on two cores."""

    def __init__(self, spec: InputSpec, params: dict[str, Any]) -> None:
        super().__init__()
        w = int(params["width"])
        self.conv1 = nn.Conv2d(spec.image_shape[0], w, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        widths = (w, 2 * w, 4 * w, 8 * w)
        c_in = w
        for i, (c_out, stride) in enumerate(zip(widths, (1, 2, 2, 2), strict=True), start=1):
            self.add_module(f"layer{i}", nn.Sequential(BasicBlock(c_in, c_out, stride), BasicBlock(c_out, c_out, 1)))
            c_in = c_out
        self.fc = nn.Linear(8 * w, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(x.mean(dim=(2, 3)))


# (output width multiplier, stride) of each depthwise-separable block, MobileNet-v1 style.
MOBILENET_BLOCKS = ((2, 1), (4, 2), (4, 1), (8, 2), (8, 1))


class DepthwiseSeparable(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c_in, c_in, 3, stride=stride, padding=1, groups=c_in, bias=False)
        self.dw_bn = nn.BatchNorm2d(c_in)
        self.pw = nn.Conv2d(c_in, c_out, 1, bias=False)
        self.pw_bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.dw_bn(self.dw(x)))
        return F.relu(self.pw_bn(self.pw(x)))


class MobileNet(nn.Module):
    """MobileNet-v1-style: a 3x3 stem then depthwise 3x3 + pointwise 1x1 blocks (width a parameter)."""

    def __init__(self, spec: InputSpec, params: dict[str, Any]) -> None:
        super().__init__()
        w = int(params["width"])
        self.stem = nn.Conv2d(spec.image_shape[0], w, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(w)
        blocks = []
        c_in = w
        for mult, stride in MOBILENET_BLOCKS:
            blocks.append(DepthwiseSeparable(c_in, mult * w, stride))
            c_in = mult * w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(c_in, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem_bn(self.stem(x)))
        return self.fc(self.blocks(x).mean(dim=(2, 3)))


class Recurrent(nn.Module):
    """One recurrent stack (PyTorch's own RNN/LSTM/GRU kernels), last time step -> linear head."""

    def __init__(self, kind: str, spec: InputSpec, params: dict[str, Any]) -> None:
        super().__init__()
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        hidden = int(params["hidden"])
        self.rnn = cls(spec.n_features, hidden, num_layers=int(params["layers"]), batch_first=True)
        self.fc = nn.Linear(hidden, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])


def build_model(name: str, spec: InputSpec, params: dict[str, Any]) -> nn.Module:
    if name in ("rnn", "lstm", "gru"):
        return Recurrent(name, spec, params)
    builders: dict[str, type[nn.Module]] = {
        "lenet": LeNet,
        "simple_cnn": SimpleCNN,
        "resnet18": ResNet18,
        "mobilenet": MobileNet,
    }
    if name not in builders:
        raise KeyError(f"unknown model {name!r}; allowed: {', '.join([*builders, 'rnn', 'lstm', 'gru'])}")
    return builders[name](spec, params)


def state_for_export(model: nn.Module) -> dict[str, torch.Tensor]:
    """Parameters and running statistics; `num_batches_tracked` only matters for momentum=None."""
    return {
        k: v.detach().to(torch.float32).contiguous().clone()
        for k, v in model.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }
