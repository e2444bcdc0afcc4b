"""Narrow entry points for other packages (sketchdata's teacher step uses make_teacher)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from sketchtrain.inference.runner import Simplifier, load_model


def make_teacher(model_path: str | Path, constants: str | None = None, scale: float = 1.0, device: str = "auto",
                 threads: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """A function image -> simplified image (float32 (H, W) in [0, 1]) on the fast path:
    batch norm folded, bf16 where supported, GPU when present, tiles for large images."""
    model, _ = load_model(model_path, constants)
    runner = Simplifier(model, device=device, threads=threads)
    return lambda image: runner.simplify(image, scale)
