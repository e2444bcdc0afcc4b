"""The simplification network of Simo-Serra et al. 2016 and its named width variants.

One definition, many widths: every channel count of the authors' released layer list is
multiplied by ``width`` (input and output stay 1 channel). Training uses convolution + batch
norm + ReLU blocks; :func:`fold_batchnorm` turns a trained model into the released layout
(an ``nn.Sequential`` of 23 convolutions with activations between them, batch norm folded
into the convolutions), which is also how the authors' published PyTorch weights load.
"""

from __future__ import annotations

import torch
from torch import nn

from sketchtrain.models.config import ModelConfig
from sketchtrain.models.layers import add_normalisation, apply_levels, check_input, folded_weights, normalise_input

# (kind, in, out, kernel, stride) for the authors' released models (paper.md, layer table)
RELEASED_LAYERS: tuple[tuple[str, int, int, int, int], ...] = (
    ("conv", 1, 48, 5, 2), ("conv", 48, 128, 3, 1), ("conv", 128, 128, 3, 1), ("conv", 128, 128, 3, 2),
    ("conv", 128, 256, 3, 1), ("conv", 256, 256, 3, 1), ("conv", 256, 256, 3, 2), ("conv", 256, 512, 3, 1),
    ("conv", 512, 1024, 3, 1), ("conv", 1024, 1024, 3, 1), ("conv", 1024, 1024, 3, 1), ("conv", 1024, 1024, 3, 1),
    ("conv", 1024, 512, 3, 1), ("conv", 512, 256, 3, 1), ("up", 256, 256, 4, 2), ("conv", 256, 256, 3, 1),
    ("conv", 256, 128, 3, 1), ("up", 128, 128, 4, 2), ("conv", 128, 128, 3, 1), ("conv", 128, 48, 3, 1),
    ("up", 48, 48, 4, 2), ("conv", 48, 24, 3, 1), ("conv", 24, 1, 3, 1),
)

# Normalisation constants published with the authors' models (paper.md)
RELEASED_NORMALISATION = {
    "gan": (0.9664114577640158, 0.0858381272736797),
    "mse": (0.9664423107454593, 0.08583666033640507),
    "pencil1": (0.9817833515894078, 0.0925009022585048),
    "pencil2": (0.9851298627337799, 0.07418377454883571),
}


VARIANTS: dict[str, float] = {"full": 1.0, "half": 0.5, "quarter": 0.25, "eighth": 0.125, "sixteenth": 0.0625}
FCN_STRIDE = 8  # three stride-2 convolutions down, three transposed convolutions up


def layer_plan(width: float) -> list[tuple[str, int, int, int, int]]:
    """The released layer list with every inner channel count scaled by ``width``."""
    def scale(c: int) -> int:
        return c if c == 1 else max(2, int(round(c * width)))
    return [(kind, scale(cin), scale(cout), k, s) for kind, cin, cout, k, s in RELEASED_LAYERS]


def _conv(kind: str, cin: int, cout: int, k: int, s: int) -> nn.Module:
    if kind == "up":
        return nn.ConvTranspose2d(cin, cout, k, stride=s, padding=1)
    return nn.Conv2d(cin, cout, k, stride=s, padding=k // 2)


def fcn_receptive_radius() -> int:
    """Pixels from an output pixel to the farthest input pixel it depends on (104 at any width)."""
    radius, jump = 0.0, 1.0
    for kind, _, _, k, s in RELEASED_LAYERS:
        if kind == "up":  # a 4x4 stride-2 transposed conv reads one input pixel on each side
            radius += jump
            jump /= s
        else:
            radius += (k // 2) * jump
            jump *= s
    return int(radius)


FCN_RECEPTIVE_RADIUS = fcn_receptive_radius()


class _FCNGeometry:
    """What inference needs to know about the FCN's grid (shared by both layouts)."""

    stride = FCN_STRIDE
    receptive_radius = FCN_RECEPTIVE_RADIUS


class SimplifyNet(_FCNGeometry, nn.Module):
    """Fully convolutional rough -> clean network.

    Input: (B, 1, H, W) float in [0, 1], 1 = white, H and W multiples of 8.
    Output: (B, 1, H, W) in [0, 1] (sigmoid).
    The input is normalised inside the model with the training set's mean and std.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        plan = layer_plan(config.width)
        self.blocks = nn.ModuleList()
        for i, (kind, cin, cout, k, s) in enumerate(plan):
            last = i == len(plan) - 1
            layers = [_conv(kind, cin, cout, k, s)]
            if not last:
                layers += [nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            self.blocks.append(nn.Sequential(*layers))
        add_normalisation(self, config.norm_mean, config.norm_std)

    def forward(self, x: torch.Tensor, logits: bool = False) -> torch.Tensor:
        """The clean image, or with ``logits=True`` the values before the sigmoid (for losses
        such as BCE that are stable only on logits)."""
        check_input(x, FCN_STRIDE)
        x = normalise_input(x, self.norm_mean, self.norm_std, self.blocks[0][0].weight)
        for block in self.blocks:
            x = block(x)
        return x if logits else apply_levels(torch.sigmoid(x), self.config.output_levels)


class FoldedNet(_FCNGeometry, nn.Module):
    """Inference layout: ``layers`` is the authors' ``nn.Sequential`` (conv, act, ..., conv, sigmoid)."""

    def __init__(self, layers: nn.Sequential, norm_mean: float, norm_std: float, config: ModelConfig | None = None):
        super().__init__()
        self.layers = layers
        self.config = config
        add_normalisation(self, norm_mean, norm_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, FCN_STRIDE)
        y = self.layers(normalise_input(x, self.norm_mean, self.norm_std, self.layers[0].weight))
        return apply_levels(y, self.config.output_levels if self.config is not None else None)


def released_sequential(width: float = 1.0) -> nn.Sequential:
    """Empty released layout: conv/ReLU pairs, the last conv followed by a sigmoid (keys 0 ... 44)."""
    layers: list[nn.Module] = []
    plan = layer_plan(width)
    for i, (kind, cin, cout, k, s) in enumerate(plan):
        layers.append(_conv(kind, cin, cout, k, s))
        layers.append(nn.Sigmoid() if i == len(plan) - 1 else nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


@torch.no_grad()
def fold_batchnorm(model: SimplifyNet) -> FoldedNet:
    """Fold every batch norm (running statistics) into the convolution before it."""
    seq = released_sequential(model.config.width)
    for i, block in enumerate(model.blocks):
        conv = block[0]
        target = seq[2 * i]
        weight, bias = conv.weight, conv.bias
        if len(block) > 1:
            weight, bias = folded_weights(conv, block[1])
        target.weight.copy_(weight)
        target.bias.copy_(bias)
    folded = FoldedNet(seq, float(model.norm_mean), float(model.norm_std), model.config)
    return folded.eval()


@torch.no_grad()
def unfold_into(model: SimplifyNet, layers: nn.Sequential) -> SimplifyNet:
    """Start a trainable model from released-layout weights: convolutions take the weights,
    batch norms become identities (mean 0, var 1, scale 1, shift 0) for fine-tuning."""
    for i, block in enumerate(model.blocks):
        block[0].weight.copy_(layers[2 * i].weight)
        block[0].bias.copy_(layers[2 * i].bias)
        if len(block) > 1:
            bn = block[1]
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.zero_()
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def forward_flops(width: float, height: int, width_px: int) -> float:
    """Multiply-adds x 2 of one forward pass at the given size (for GFLOP/s figures)."""
    flops = 0.0
    h, w = height, width_px
    for kind, cin, cout, k, s in layer_plan(width):
        if kind == "up":
            flops += 2.0 * cin * cout * k * k * h * w  # each input pixel scatters a k x k kernel
            h, w = h * s, w * s
        else:
            h, w = h // s, w // s
            flops += 2.0 * cin * cout * k * k * h * w
    return flops
