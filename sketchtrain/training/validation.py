"""Validation during training: the loss and MSE on the validation shards (summed over ranks)
and the progression pictures (input | prediction | target) of a few fixed examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from sketchtrain.training.data import validation_batches
from sketchtrain.training.distributed import DistInfo, all_reduce_sum
from sketchtrain.training.losses import LossMapConfig, forward_for_loss, pixel_loss
from sketchtrain.training.plots import progression_sheet


def autocast(device: torch.device, precision: str):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


@torch.no_grad()
def evaluate_loss(model, shards, cfg, loss_cfg: LossMapConfig, device, info: DistInfo) -> dict:
    """Weighted loss and plain MSE over the validation shards (summed over ranks)."""
    model.eval()
    totals = [0.0, 0.0, 0.0]
    per_rank = max(1, cfg.val_samples // info.world_size)
    for inp, tgt, weights in validation_batches(shards, cfg.batch, cfg.crop, loss_cfg, per_rank,
                                                   stride=_unwrapped(model).stride):
        inp, tgt, weights = inp.to(device), tgt.to(device), weights.to(device)
        with autocast(device, cfg.precision):
            out, pred = forward_for_loss(model, inp, cfg.loss)
        n = inp.shape[0]
        totals[0] += float(pixel_loss(cfg.loss, out, tgt, weights, cfg.paper_weight)) * n
        totals[1] += float(((pred - tgt) ** 2).mean()) * n
        totals[2] += n
    model.train()
    loss_sum, mse_sum, count = all_reduce_sum(totals, info)
    if count == 0:
        return {}
    return {"loss": loss_sum / count, "mse": mse_sum / count, "samples": int(count)}


def _unwrapped(model):
    return getattr(model, "module", model)  # DistributedDataParallel keeps the model in .module


def fixed_examples(shards: list[str], count: int, skipped: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    from sketchdata.shards.dataset import iter_samples

    out = []
    for _, inp, tgt, _ in iter_samples(shards, skipped=skipped):
        out.append((inp, tgt))
        if len(out) >= count:
            break
    return out


@torch.no_grad()
def progression(model, examples, device, precision, path: Path) -> np.ndarray:
    """Write the progression picture of ``examples`` to ``path`` and return it."""
    from sketchdata.image.geometry import pad_to_multiple

    model.eval()
    rows = []
    for inp, tgt in examples:
        h, w = inp.shape
        x = torch.from_numpy(np.ascontiguousarray(pad_to_multiple(inp, model.stride)))[None, None]
        with autocast(device, precision):
            pred = model(x.to(device)).float()[0, 0, :h, :w].cpu().numpy()
        rows.append((inp, pred) if tgt is None else (inp, pred, tgt))  # unpaired rough: no target
    model.train()
    return progression_sheet(rows, path)
