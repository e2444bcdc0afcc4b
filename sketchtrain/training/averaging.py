"""An exponential moving average of the weights (`fit --ema DECAY`).

The network the run validates and saves is the average, so a checkpoint's ``state_dict`` (what
`evaluate`, `simplify`, `release` and `--init` read) holds it; the weights the optimiser moves
travel beside it as ``training_state_dict``, so `--resume` continues exactly. Why: from one
checkpoint to the next the shipped model's ink on paper grain swung by tens of specks on the
same scans (README, model card); an average over the last ~1/(1-DECAY) steps is steadier than
any one of them.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    """``model``'s weights and buffers averaged over the steps; ``self.model`` is the average."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The average's decay after ``step`` steps: short at first, so that it forgets the
        starting weights of a new run as fast as they change (the usual (1+n)/(10+n) ramp)."""
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        keep = self.decay_at(step)
        live = model.state_dict()
        for name, value in self.model.state_dict().items():
            if value.is_floating_point():
                value.lerp_(live[name].to(value.dtype), 1.0 - keep)
            else:  # counters such as batch norm's num_batches_tracked
                value.copy_(live[name])
