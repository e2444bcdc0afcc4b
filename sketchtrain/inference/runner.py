"""Running a trained PyTorch model on images of any size in bounded memory.

Padding, tiling, scale and views live in ``sketchtrain.inference.tiling`` (torch-free, shared with the
OpenVINO runner); this module loads models and supplies the PyTorch forward pass:

- Padding: right and bottom by edge replication to a multiple of the network's stride (8 for
  the FCN, 16 for the U-Net), cropped back (as the authors do).
- Tiling: images above ``tile_pixels`` run as tiles on the network's stride grid, each with
  at least ``margin`` pixels of real context on every side, and never less than the network's
  receptive radius (so every kept pixel sees exactly what it sees in a whole-image pass); only
  the tile's centre is kept, and neighbouring centres are cross-faded over ``blend`` pixels.
  Tiled and whole-image outputs agree to within 1/255 (tested for every architecture).
- Scale control (paper): run at ``scale`` x the size and bring the result back, so smaller
  scales simplify more.
- Fast CPU path: batch norm folded, inference mode, bf16 where the CPU has AVX-512 BF16
  (weights cast once on CPU; autocast on GPU), channels-last tensors, all cores.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sketchtrain.devices import auto_precision, cpu_has_bf16, resolve_device  # noqa: F401 (cpu_has_bf16: public name of 0.1)
from sketchtrain.models.checkpoint import CheckpointError, check_finite, model_from_checkpoint, recognise
from sketchtrain.models.registry import fold_for_inference
from sketchtrain.models.fcn import RELEASED_NORMALISATION
from sketchtrain.models.released import load_released
from sketchtrain.inference.tiling import BLEND, MARGIN, TILE, TILE_PIXELS, TiledRunner

# The authors' released weights record no training line width. Assumption (README): they expect
# lines like their own demo input, test.png, which their script runs at scale 1; its median line
# width by sketchdata.image.linewidth is 1.13 px.
RELEASED_LINE_WIDTH = 1.13


def load_model(path: str | Path, constants: str | None = None) -> tuple[nn.Module, dict]:
    """Load one of our checkpoints (folded for speed) or the authors' released weights.

    ``constants`` names the normalisation of released weights (gan, mse, pencil1, pencil2 or
    "MEAN,STD"); by default it is read from the file name (model_gan.pth -> gan).
    Returns (model in eval mode, description dict). Nothing in the file is executed.
    """
    kind, data = recognise(path)
    check_finite(data.get("state_dict", {}) if kind == "checkpoint" else data, path)
    if kind == "checkpoint":
        try:
            model = fold_for_inference(model_from_checkpoint(data))
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        return model, {"kind": "checkpoint", "arch": model.config.arch, "variant": model.config.variant,
                       "step": data["step"], "norm": (model.config.norm_mean, model.config.norm_std),
                       "line_width": model.config.line_width, "scale_rule": model.config.scale_rule}
    # the authors' released weights
    if constants is None:
        found = re.findall(r"(gan|mse|pencil1|pencil2)", Path(path).name.lower())
        if not found:
            raise CheckpointError(f"{path}: released weights need their normalisation: pass --constants "
                                  f"{'|'.join(RELEASED_NORMALISATION)} or MEAN,STD")
        constants = found[0]
    named = constants if constants in RELEASED_NORMALISATION else tuple(float(v) for v in constants.split(","))
    model = load_released(data, named, source=str(path))
    return model, {"kind": "released", "constants": constants, "width": model.config.width,
                   "line_width": RELEASED_LINE_WIDTH}


@dataclass
class Simplifier(TiledRunner):
    """Runs a PyTorch model on grey images (float32 (H, W) in [0, 1], 1 = white); tiling, scale and
    views: sketchtrain.inference.tiling."""

    model: nn.Module
    device: str = "auto"
    precision: str = "auto"  # auto | bf16 | fp32
    tile_pixels: int = TILE_PIXELS  # the tiling defaults: sketchtrain.inference.tiling
    tile: int = TILE
    margin: int = MARGIN
    blend: int = BLEND
    threads: int = 0  # CPU threads for torch (process-wide, so set only when asked); 0: torch's own choice
    views: int = 1  # test-time augmentation: 1, 2, 4 or 8 rotated/flipped views, outputs averaged
    line_width: float | None = None  # the model's training line width, for scale "auto"
    scale_rule: str | None = None  # None: the model's own (its config's scale_rule; "median" without one)

    def __post_init__(self):
        if self.scale_rule is None:
            self.scale_rule = getattr(getattr(self.model, "config", None), "scale_rule", "median")
        self.device = resolve_device(self.device)
        if self.precision == "auto":
            self.precision = auto_precision(self.device)
        if self.precision not in ("bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32, got {self.precision!r}")
        self.stride = int(getattr(self.model, "stride", 8))
        self._check_tiling(getattr(self.model, "receptive_radius", 0))
        if self.device == "cpu" and self.threads:
            torch.set_num_threads(self.threads)
        # on CPU the weights are cast to bf16 once, not by autocast at every call: 8% faster per
        # pass for the full network at 656x656 here (autocast runs these ops in bf16 all the same).
        # Parameters only: the normalisation constants stay float32 (model.normalise_input). On a
        # copy, so the caller's model stays as it was
        self.bf16_weights = self.precision == "bf16" and self.device == "cpu"
        if self.bf16_weights:
            self.model = copy.deepcopy(self.model)
            for parameter in self.model.parameters():
                parameter.data = parameter.data.to(torch.bfloat16)
        self.model = self.model.to(self.device).eval()
        # bf16 convolutions in oneDNN run ~10% faster on channels-last tensors (measured here)
        self.channels_last = self.precision == "bf16"
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)

    @torch.inference_mode()
    def _run(self, x: np.ndarray) -> np.ndarray:
        """One forward pass on an array whose sides are multiples of the stride."""
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None].to(self.device)
        if self.channels_last:
            t = t.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device if self.device != "cuda" else "cuda", dtype=torch.bfloat16,
                            enabled=self.precision == "bf16" and not self.bf16_weights):
            y = self.model(t)
        return y.float()[0, 0].cpu().numpy()

