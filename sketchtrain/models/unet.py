"""`--arch unet`: an encoder-decoder with skip connections, built for thin lines at low cost.

Why this shape (issue 12): the 2016 network rebuilds every line from 1/8-resolution features,
so thin strokes and small details (eyes, fingers) are lost, and most of its 477 GFLOP per
512x512 pass go to 1024-channel layers at 1/8 resolution. Here:
- a full-resolution path (stem + one residual pair at 1x, added back before the head) keeps
  the exact position and width of thin lines;
- four downsampling stages (stride 16) with residual pairs of 3x3 convolutions carry the
  context that decides which strokes to keep;
- dilated 3x3 convolutions at 1/16 (dilation 1, 2, 4) widen the context to about the
  FCN's (receptive radius 204-228 px by size, the FCN's 104 px) at a fraction of its cost;
- skips are added, not concatenated (half the decoder's channels);
- only local operations (convolutions, batch norm, ReLU): no global pooling or attention,
  so tiled and whole-image outputs agree once the tile margin covers ``receptive_radius``.
- optionally (``unshuffle: 2``, the ``lite`` size) a pixel-unshuffle stem: each 2x2 block of
  pixels becomes 4 channels at half resolution, and the head predicts 4 channels that pixel-shuffle
  back. No information is lost on the way in and every output pixel has its own value on the way
  out, but no layer runs at full resolution: full-resolution layers with few channels are
  memory-bound and cost far more time than their FLOPs say (``small``'s 1x level is 42% of its
  FLOPs; measured: ``lite`` trains 2.4x and runs 1.9x as fast as ``small``).
Every convolution is followed by batch norm (folded away for inference, see ``fold``).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from sketchtrain.models.layers import add_normalisation, apply_levels, check_input, folded_weights, normalise_input


class ConvUnit(nn.Module):
    """Convolution + batch norm + ReLU (or no activation); ``fold`` merges the batch norm into
    the convolution for inference."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, dilation: int = 1,
                 act: bool = True, transposed: bool = False):
        super().__init__()
        if transposed:  # 2x2 kernel, stride 2: each input pixel fills its own 2x2 block (no overlap)
            self.conv = nn.ConvTranspose2d(cin, cout, kernel, stride=stride)
        else:
            self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=dilation * (kernel // 2), dilation=dilation)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))

    @torch.no_grad()
    def fold(self) -> None:
        if isinstance(self.bn, nn.Identity):
            return
        weight, bias = folded_weights(self.conv, self.bn)
        self.conv.weight.copy_(weight)
        self.conv.bias.copy_(bias)
        self.bn = nn.Identity()


class ResidualPair(nn.Module):
    """x + (conv-bn-relu, conv-bn) of x, then ReLU."""

    def __init__(self, channels: int):
        super().__init__()
        self.first = ConvUnit(channels, channels)
        self.second = ConvUnit(channels, channels, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.second(self.first(x)))


# name -> layout: channels per level (first level = the input's resolution / unshuffle; each next
# level halves it), residual pairs per level, the dilations of the convolutions at the lowest
# level, and ``unshuffle`` (pixel-unshuffle factor of the stem; 1 when absent). Channel counts
# are multiples of 8 or 16: oneDNN's bf16 kernels ran 12/24-channel layers at half the speed
# (measured here)
UNET_VARIANTS: dict[str, dict] = {
    "tiny": {"channels": (8, 16, 32, 64, 96), "pairs": (1, 1, 1, 1), "dilations": (1, 2, 4)},
    "small": {"channels": (16, 16, 32, 64, 128), "pairs": (1, 1, 2, 2), "dilations": (1, 2, 4)},
    "base": {"channels": (16, 32, 64, 128, 256), "pairs": (1, 1, 2, 2), "dilations": (1, 2, 4)},
    "lite": {"channels": (16, 32, 64, 128), "pairs": (1, 2, 2), "dilations": (1, 2, 4), "unshuffle": 2},
}


class SketchUNet(nn.Module):
    """Rough -> clean, (B, 1, H, W) in [0, 1] -> (B, 1, H, W) in [0, 1], H and W multiples of
    ``stride``. Same calling convention as the FCN (``logits=True`` for the pre-sigmoid values)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        layout = config.layout
        channels, pairs, dilations = list(layout["channels"]), list(layout["pairs"]), list(layout["dilations"])
        # pairs: residual pairs at each level above the lowest; the lowest level is the dilated convs
        if len(channels) != len(pairs) + 1:
            raise ValueError(f"unet layout: {len(channels)} channel counts need {len(channels) - 1} pair counts, "
                             f"got {len(pairs)}")
        self.unshuffle = int(layout.get("unshuffle", 1))
        if self.unshuffle < 1:
            raise ValueError(f"unet layout: unshuffle must be 1 or more, got {self.unshuffle}")
        blocks = self.unshuffle ** 2  # channels of one pixel block
        self.stem = ConvUnit(blocks, channels[0])
        self.encoders = nn.ModuleList(nn.Sequential(*[ResidualPair(c) for _ in range(n)]) for c, n in zip(channels, pairs))
        self.downs = nn.ModuleList(ConvUnit(a, b, stride=2) for a, b in zip(channels[:-1], channels[1:]))
        self.bottleneck = nn.Sequential(*[ConvUnit(channels[-1], channels[-1], dilation=d) for d in dilations])
        self.ups = nn.ModuleList(ConvUnit(b, a, kernel=2, stride=2, transposed=True)
                                 for a, b in zip(channels[:-1], channels[1:]))
        self.decoders = nn.ModuleList(ResidualPair(c) for c in channels[:-1])
        self.head = nn.Conv2d(channels[0], blocks, 3, padding=1)
        add_normalisation(self, config.norm_mean, config.norm_std)

    @property
    def stride(self) -> int:
        return unet_stride(self.config.layout)

    @property
    def receptive_radius(self) -> int:
        """Pixels from an output pixel to the farthest input pixel it depends on (deepest path)."""
        radius, jump = 1, 1  # stem (in pixels of the first level)
        for encoder, _down in zip(self.encoders, self.downs):
            radius += 2 * len(encoder) * jump + jump  # residual pairs, then the stride-2 3x3 conv
            jump *= 2
        radius += sum(unit.conv.dilation[0] for unit in self.bottleneck) * jump
        for _ in self.ups:  # 2x2 stride-2 transposed conv: one input pixel per output pixel,
            jump //= 2  # but which one depends on the output's position in its 2x2 block
            radius += jump + 2 * jump  # that offset, then the decoder pair at that level
        radius += 1  # head
        # with an unshuffled stem a level-0 pixel is a block of u x u input pixels: the farthest
        # input pixel is ``radius`` blocks away plus the output's offset inside its own block
        return radius * self.unshuffle + self.unshuffle - 1

    def forward(self, x: torch.Tensor, logits: bool = False) -> torch.Tensor:
        check_input(x, self.stride)
        x = normalise_input(x, self.norm_mean, self.norm_std, self.stem.conv.weight)
        if self.unshuffle > 1:
            x = F.pixel_unshuffle(x, self.unshuffle)
        x = self.stem(x)
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.bottleneck(x)
        for up, decoder, skip in zip(reversed(self.ups), reversed(self.decoders), reversed(skips)):
            x = decoder(up(x) + skip)
        x = self.head(x)
        if self.unshuffle > 1:
            x = F.pixel_shuffle(x, self.unshuffle)
        return x if logits else apply_levels(torch.sigmoid(x), self.config.output_levels)


def unet_stride(layout: dict) -> int:
    """Input sides must be multiples of this: 2 per downsampling stage, times the unshuffle factor."""
    return 2 ** (len(layout["channels"]) - 1) * int(layout.get("unshuffle", 1))


def fold_unet(model: SketchUNet) -> SketchUNet:
    """A copy for inference with every batch norm merged into its convolution (eval mode)."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if isinstance(module, ConvUnit):
            module.fold()
    return folded


def unet_flops(layout: dict, height: int, width: int) -> float:
    """Multiply-adds x 2 of one forward pass (convolutions only)."""
    channels, pairs, dilations = layout["channels"], layout["pairs"], layout["dilations"]
    blocks = layout.get("unshuffle", 1) ** 2
    pixels = float(height * width) / blocks
    flops = 2 * blocks * channels[0] * 9 * pixels  # stem
    for level, c in enumerate(channels):
        px = pixels / 4 ** level
        if level < len(pairs):
            flops += pairs[level] * 2 * (2 * c * c * 9 * px)  # encoder pairs
            flops += 2 * (2 * c * c * 9 * px)  # decoder pair
            nxt = channels[level + 1]
            flops += 2 * c * nxt * 9 * px / 4  # down conv (output at half resolution)
            flops += 2 * nxt * c * 4 * px / 4  # up: each low-res pixel fills a 2x2 block
        else:
            flops += len(dilations) * 2 * c * c * 9 * px
    return flops + 2 * channels[0] * blocks * 9 * pixels  # head
