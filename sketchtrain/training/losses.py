"""The losses of `fit`: the paper's histogram-weighted loss map, the paper-pixel balance, and the pixel loss.

H(I, u, v) is the share of the pixels within D_h of (u, v) (a (2 D_h + 1)^2 window clipped at
the border) whose intensity falls in the same of B_h bins over [0, 1] as I(u, v): thin and
faint lines are rare in their neighbourhood and get more weight. With one-hot bins, a box
average that ignores padding (avg_pool2d, count_include_pad=False) would be exactly that clipped,
normalised local histogram; counting equal-bin neighbours over the 25 shifts gives the same
numbers faster, so the map costs a few array passes per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

LOSS_KINDS = ("paper", "authors", "mse", "bce")
# kinds whose loss is computed from the network's logits (before the sigmoid)
LOGIT_LOSSES = ("bce",)


@dataclass(frozen=True)
class LossMapConfig:
    """``paper``: M = 1 on white, else min(alpha exp(-H) + beta, 1) (the SIGGRAPH paper, with
    its alpha = 6, beta = -2); ``authors``: M = exp(-H) + 0.5 everywhere (the authors' Lua
    trainer, which the seed reproduction also reads); ``mse``: M = 1 (plain MSE); ``bce``: binary
    cross-entropy on the logits, M = 1 (same optimum as MSE, but the gradient does not vanish when
    the sigmoid saturates on the wrong side, so outputs become confident sooner)."""

    kind: str = "authors"
    d_h: int = 2
    b_h: int = 10
    alpha: float = 6.0
    beta: float = -2.0

    def __post_init__(self):
        if self.kind not in LOSS_KINDS:
            raise ValueError(f"loss kind must be one of {', '.join(LOSS_KINDS)}, got {self.kind!r}")
        if self.d_h < 0 or self.b_h < 1:
            raise ValueError(f"need d_h >= 0 and b_h >= 1, got d_h={self.d_h}, b_h={self.b_h}")


def local_histogram_value(target: torch.Tensor, d_h: int = 2, b_h: int = 10) -> torch.Tensor:
    """H for every pixel. target: (B, 1, H, W) in [0, 1] -> (B, 1, H, W) in (0, 1].

    Counts, over the (2 d_h + 1)^2 shifts, the neighbours whose bin equals the centre's (the
    padding holds bin -1, which matches nothing), then divides by the clipped window's size.
    About 4x faster than pooling a one-hot histogram, and exactly equal to it.
    """
    bins = torch.clamp((target * b_h).floor(), 0, b_h - 1)  # value 1.0 falls in the last bin
    h, w = bins.shape[-2:]
    padded = F.pad(bins, (d_h, d_h, d_h, d_h), value=-1.0)
    same = torch.zeros_like(bins)
    for dy in range(2 * d_h + 1):
        for dx in range(2 * d_h + 1):
            same += padded[..., dy : dy + h, dx : dx + w] == bins
    rows = torch.arange(h, device=bins.device)
    cols = torch.arange(w, device=bins.device)
    count_y = (torch.clamp(rows + d_h, max=h - 1) - torch.clamp(rows - d_h, min=0) + 1).to(bins.dtype)
    count_x = (torch.clamp(cols + d_h, max=w - 1) - torch.clamp(cols - d_h, min=0) + 1).to(bins.dtype)
    return same / (count_y[:, None] * count_x[None, :])


def loss_map(target: torch.Tensor, config: LossMapConfig = LossMapConfig()) -> torch.Tensor:
    """Per-pixel weights M for a batch of targets (B, 1, H, W) in [0, 1]."""
    if config.kind in ("mse", "bce"):
        return torch.ones_like(target)
    h = local_histogram_value(target, config.d_h, config.b_h)
    if config.kind == "authors":
        return torch.exp(-h) + 0.5
    weights = torch.clamp(config.alpha * torch.exp(-h) + config.beta, max=1.0)
    return torch.where(target >= 1.0, torch.ones_like(weights), weights)


def paper_balance(target: torch.Tensor, paper_weight: float) -> torch.Tensor | float:
    """Per-pixel factor 1 + (w - 1) Y*: paper pixels count w times as much as ink pixels.

    Why: the network's optimum under MSE or BCE is the probability p that a pixel is ink, and
    benchmarks call a pixel a stroke when its output is <= 191/255, i.e. p >= 0.25, which
    widens every line whose edge is uncertain. Weighting paper by w moves that decision to
    p >= w / (3 + w): w = 3 puts it at p = 0.5.
    """
    if paper_weight == 1.0:
        return 1.0
    return 1.0 + (paper_weight - 1.0) * target


def forward_for_loss(model, batch: torch.Tensor, kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The network on ``batch`` as the loss ``kind`` takes it (the logits for LOGIT_LOSSES, else
    the sigmoid output), and the image it stands for (float32 in [0, 1]). Run it inside the
    caller's autocast and grad settings."""
    raw = model(batch, logits=kind in LOGIT_LOSSES)
    return raw, torch.sigmoid(raw.float()) if kind in LOGIT_LOSSES else raw.float()


def pixel_loss(kind: str, output: torch.Tensor, target: torch.Tensor, weights: torch.Tensor,
               paper_weight: float = 1.0) -> torch.Tensor:
    """The training loss, averaged over pixels: mean(balance * M * (Y - Y*)^2), the paper's
    ||M (.) (Y - Y*)||^2 divided by the pixel count (so it does not depend on patch or batch
    size), or BCE on the logits weighted the same way. ``output`` as ``forward_for_loss`` gives
    it; computed in float32 whatever the autocast precision."""
    balance = paper_balance(target, paper_weight)
    if kind in LOGIT_LOSSES:
        per_pixel = F.binary_cross_entropy_with_logits(output.float(), target, reduction="none") * weights
    else:
        per_pixel = (weights * (output.float() - target)) ** 2
    return (per_pixel * balance).mean()
