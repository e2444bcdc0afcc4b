"""Running a trained model on images of any size in bounded memory.

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
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
from torch import nn

from .checkpoint import CheckpointError, model_from_checkpoint, recognise
from .architectures import fold_for_inference, pad_to_stride, round_up
from .model import RELEASED_NORMALISATION
from .released import load_released


# The authors' released weights record no training line width. Assumption (README): they expect
# lines like their own demo input, test.png, which their script runs at scale 1; its median line
# width by sketchdata.linewidth is 1.13 px.
RELEASED_LINE_WIDTH = 1.13
AUTO_SCALE_RANGE = (0.5, 3.0)


def auto_scale(image: np.ndarray, model_line_width: float | None) -> float:
    """The scale that brings the image's median line width to the model's training line width
    (1.0 when either is unknown), clipped to AUTO_SCALE_RANGE and rounded to 0.05."""
    from sketchdata.linewidth import median_stroke_width

    if not model_line_width:
        return 1.0
    width = median_stroke_width(image)
    if width is None:
        return 1.0
    scale = float(np.clip(model_line_width / width, *AUTO_SCALE_RANGE))
    return round(scale * 20) / 20


def cpu_has_bf16() -> bool:
    try:
        return bool(torch.cpu._is_avx512_bf16_supported())
    except AttributeError:
        return False


def load_model(path: str | Path, constants: str | None = None) -> tuple[nn.Module, dict]:
    """Load one of our checkpoints (folded for speed) or the authors' released weights.

    ``constants`` names the normalisation of released weights (gan, mse, pencil1, pencil2 or
    "MEAN,STD"); by default it is read from the file name (model_gan.pth -> gan).
    Returns (model in eval mode, description dict). Nothing in the file is executed.
    """
    kind, data = recognise(path)
    if kind == "checkpoint":
        model = fold_for_inference(model_from_checkpoint(data))
        return model, {"kind": "checkpoint", "arch": model.config.arch, "variant": model.config.variant,
                       "step": data["step"], "norm": (model.config.norm_mean, model.config.norm_std),
                       "line_width": model.config.line_width}
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
class Simplifier:
    """Runs a model on grey images (float32 (H, W) in [0, 1], 1 = white)."""

    model: nn.Module
    device: str = "auto"
    precision: str = "auto"  # auto | bf16 | fp32
    tile_pixels: int = 1024 * 1024  # above this (after scaling), run in tiles
    tile: int = 768  # tile centre side (a multiple of the network's stride)
    margin: int = 128  # context on each side of a tile; raised to the network's receptive radius
    blend: int = 16  # cross-fade width between neighbouring tile centres
    threads: int = 0
    views: int = 1  # test-time augmentation: 1, 2, 4 or 8 rotated/flipped views, outputs averaged
    line_width: float | None = None  # the model's training line width, for scale "auto"

    def __post_init__(self):
        if self.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.precision == "auto":
            self.precision = "bf16" if (self.device == "cuda" or cpu_has_bf16()) else "fp32"
        if self.precision not in ("bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32, got {self.precision!r}")
        if self.views not in TTA_VIEWS:
            raise ValueError(f"views must be one of {', '.join(map(str, TTA_VIEWS))}, got {self.views}")
        self.stride = int(getattr(self.model, "stride", 8))
        for name in ("tile", "margin"):
            if getattr(self, name) % self.stride or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a multiple of the network's stride {self.stride}, "
                                 f"got {getattr(self, name)}")
        if self.tile < self.stride:
            raise ValueError(f"tile must be at least the network's stride {self.stride}, got {self.tile}")
        # a tile's kept centre must see all the context it sees in a whole-image pass
        radius = getattr(self.model, "receptive_radius", 0)
        self.margin = max(self.margin, round_up(radius, self.stride))
        if self.device == "cpu":
            torch.set_num_threads(self.threads or os.cpu_count() or 1)
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

    def run_padded(self, image: np.ndarray) -> np.ndarray:
        """Whole image in one pass: pad to the stride by edge replication, crop back."""
        h, w = image.shape
        return self._run(pad_to_stride(image, self.stride))[:h, :w]

    def run_tiled(self, image: np.ndarray, on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Overlapping tiles on the stride grid, centres cross-faded; bounded memory.
        ``on_tile(done, total)`` after each tile (progress for large images)."""
        h, w = image.shape
        padded = pad_to_stride(image, self.stride)
        H, W = padded.shape
        out = np.zeros((H, W), np.float32)
        weight = np.zeros((H, W), np.float32)
        step = self.tile
        ys = list(range(0, max(H - step, 0) + 1, step)) or [0]
        xs = list(range(0, max(W - step, 0) + 1, step)) or [0]
        if ys[-1] + step < H:
            ys.append(H - step if H > step else 0)
        if xs[-1] + step < W:
            xs.append(W - step if W > step else 0)
        for index, (y0, x0) in enumerate((y, x) for y in ys for x in xs):
            y1, x1 = min(y0 + step, H), min(x0 + step, W)
            # context window, clipped to the image; stays on the stride grid
            cy0, cx0 = max(0, y0 - self.margin), max(0, x0 - self.margin)
            cy1, cx1 = min(H, y1 + self.margin), min(W, x1 + self.margin)
            result = self._run(padded[cy0:cy1, cx0:cx1])
            # keep the centre plus half the blend band on inner sides
            b = self.blend // 2
            ky0, kx0 = max(cy0, y0 - (b if y0 > 0 else 0)), max(cx0, x0 - (b if x0 > 0 else 0))
            ky1, kx1 = min(cy1, y1 + (b if y1 < H else 0)), min(cx1, x1 + (b if x1 < W else 0))
            ramp = _ramp(ky1 - ky0, ky0 > 0 and y0 > 0, ky1 < H, self.blend)[:, None] * \
                _ramp(kx1 - kx0, kx0 > 0 and x0 > 0, kx1 < W, self.blend)[None, :]
            out[ky0:ky1, kx0:kx1] += ramp * result[ky0 - cy0 : ky1 - cy0, kx0 - cx0 : kx1 - cx0]
            weight[ky0:ky1, kx0:kx1] += ramp
            if on_tile:
                on_tile(index + 1, len(ys) * len(xs))
        return (out / np.maximum(weight, 1e-8))[:h, :w]

    def choose_scale(self, image: np.ndarray, scale: float | str) -> float:
        """A number as given; "auto": see :func:`auto_scale`."""
        if scale == "auto":
            return auto_scale(image, self.line_width)
        return float(scale)

    def simplify(self, image: np.ndarray, scale: float | str = 1.0,
                 on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Simplify a grey image of any size; ``scale`` < 1 simplifies more (paper, Fig. scale);
        "auto" matches the image's line width to the model's. ``on_tile(done, total)`` reports
        progress over all views' passes (one pass per view for images below ``tile_pixels``)."""
        if image.ndim != 2:
            raise ValueError(f"expected a grey (H, W) image, got shape {image.shape}")
        h, w = image.shape
        if h == 0 or w == 0:
            raise ValueError("empty image")
        scale = self.choose_scale(image, scale)
        work = image
        if scale != 1.0:
            size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
            work = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        tiled = work.shape[0] * work.shape[1] > self.tile_pixels
        result = np.zeros(work.shape, np.float32)
        for number, (turns, flip) in enumerate(_dihedral_views(self.views)):
            view = np.ascontiguousarray(np.rot90(work[:, ::-1] if flip else work, turns))
            if tiled:
                report = (lambda done, total, n=number: on_tile(n * total + done, self.views * total)) if on_tile else None
                out = self.run_tiled(view, report)
            else:
                out = self.run_padded(view)
                if on_tile:
                    on_tile(number + 1, self.views)
            back = np.rot90(out, -turns)
            result += back[:, ::-1] if flip else back
        result /= self.views
        if scale != 1.0:
            result = cv2.resize(result, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.clip(result, 0, 1).astype(np.float32)


TTA_VIEWS = (1, 2, 4, 8)


def _dihedral_views(views: int) -> list[tuple[int, bool]]:
    """(quarter turns, mirrored) for each view: 1 = as is, 2 = + mirror, 4 = + half turns, 8 = all.

    Why: the network is not exactly rotation/mirror invariant; averaging the views removes part
    of its orientation-dependent error (at ``views`` times the cost)."""
    return [(0, False), (0, True), (2, False), (2, True), (1, False), (1, True), (3, False), (3, True)][:views]


def _ramp(n: int, fade_start: bool, fade_end: bool, blend: int) -> np.ndarray:
    """Weights 1 in the middle, rising linearly over ``blend`` pixels at faded ends."""
    r = np.ones(n, np.float32)
    k = min(blend, n // 2)
    if k > 0:
        edge = (np.arange(k, dtype=np.float32) + 0.5) / k
        if fade_start:
            r[:k] = np.minimum(r[:k], edge)
        if fade_end:
            r[-k:] = np.minimum(r[-k:], edge[::-1])
    return r
