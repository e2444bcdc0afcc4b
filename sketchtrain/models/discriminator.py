"""The discriminator of adversarial augmentation (Simo-Serra et al., "Mastering Sketching",
TOG 2018), in the layout of the authors' train_adv.lua (../shared/design/paper.md):

    conv 5x5 stride 2 (1 -> 16), then 3x3 stride-2 convs 16 -> 32 -> 64 -> 128 -> 256,
    dropout 0.5, 3x3 stride 2 256 -> 512, dropout 0.5, linear 512 -> 1; ReLU after each conv.

One change, on purpose: their final linear layer reads a 512 x 6 x 6 map, which fixes the input
at 384 px. Here the 512 channels are averaged over the map first (global average pooling), so
the discriminator takes the project's crop sizes (128 px and up; 64 px is the smallest that
leaves a 1 x 1 map). It judges images in [0, 1] (1 = paper) and returns logits: the sigmoid
sits in the loss (BCE on logits), which is the authors' sigmoid + BCE, computed stably.
"""

from __future__ import annotations

import torch
from torch import nn

# (in, out, kernel, dropout before this layer)
DISCRIMINATOR_LAYERS = ((1, 16, 5, False), (16, 32, 3, False), (32, 64, 3, False), (64, 128, 3, False),
                        (128, 256, 3, False), (256, 512, 3, True))


class Discriminator(nn.Module):
    def __init__(self, dropout: float = 0.5):
        super().__init__()
        layers: list[nn.Module] = []
        for cin, cout, kernel, drop in DISCRIMINATOR_LAYERS:
            if drop:
                layers.append(nn.Dropout(dropout))
            layers += [nn.Conv2d(cin, cout, kernel, stride=2, padding=kernel // 2), nn.ReLU(inplace=True)]
        layers.append(nn.Dropout(dropout))
        self.features = nn.Sequential(*layers)
        self.judge = nn.Linear(512, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) images -> (B, 1) logits: > 0 says "a real line drawing"."""
        return self.judge(self.features(image).mean(dim=(2, 3)))
