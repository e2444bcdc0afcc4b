"""What every architecture shares, written once: the input normalisation it carries as buffers,
the size check, the output levels, and folding a batch norm into the convolution before it."""

from __future__ import annotations

import torch
from torch import nn


def add_normalisation(module: nn.Module, mean: float, std: float) -> None:
    """The training set's input mean and std, stored with the weights (``norm_mean``, ``norm_std``)."""
    module.register_buffer("norm_mean", torch.tensor(float(mean)), persistent=True)
    module.register_buffer("norm_std", torch.tensor(float(std)), persistent=True)


def normalise_input(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """(x - mean) / std in float32, handed on in the dtype of the weights it feeds. Why: with
    bf16 weights (the fast CPU path) the constants and the subtraction stay exact; rounding the
    mean to bf16 shifted every input by 0.02 std and moved 2-4x more output pixels off the fp32
    result on the real scans (measured) than autocast, which normalises in float32, did."""
    return ((x.float() - mean) / std).to(weight.dtype)


def apply_levels(y: torch.Tensor, levels) -> torch.Tensor:
    """Map ``lo`` to black and ``hi`` to white, linearly, clipped (no-op for None); in float32,
    since the stretch magnifies a bf16 output's rounding."""
    if not levels:
        return y
    lo, hi = float(levels[0]), float(levels[1])
    return torch.clamp((y.float() - lo) / (hi - lo), 0.0, 1.0)


def check_input(x: torch.Tensor, stride: int) -> None:
    """A (B, 1, H, W) batch whose sides are multiples of the network's stride (eager calls only)."""
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return  # exported graphs take any size; the check is for eager callers
    if x.dim() != 4 or x.shape[1] != 1:
        raise ValueError(f"expected a (B, 1, H, W) grey batch, got shape {tuple(x.shape)}")
    if x.shape[-1] % stride or x.shape[-2] % stride:
        raise ValueError(f"height and width must be multiples of {stride} (the network's stride; pad first, "
                         f"sketchdata.image.geometry.pad_to_multiple), got {tuple(x.shape[-2:])}")


@torch.no_grad()
def folded_weights(conv: nn.Conv2d | nn.ConvTranspose2d, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight and bias of ``conv`` followed by ``bn`` (running statistics) as one convolution."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    # Conv2d weight is (out, in, k, k); ConvTranspose2d weight is (in, out, k, k)
    shape = (1, -1, 1, 1) if isinstance(conv, nn.ConvTranspose2d) else (-1, 1, 1, 1)
    return conv.weight * scale.view(shape), (conv.bias - bn.running_mean) * scale + bn.bias
