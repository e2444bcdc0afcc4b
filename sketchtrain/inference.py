"""Running a model on images: padding to a multiple of 8 (edge replication, as the authors do)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple_of_8(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (B, 1, H, W) right and bottom by edge replication; returns (padded, (H, W))."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 8, (-w) % 8
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, (h, w)
