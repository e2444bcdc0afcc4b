"""Checkpoints that describe themselves, written atomically, read with weights_only=True.

A checkpoint is a plain dict of tensors and Python primitives (no pickled classes), so
``torch.load(..., weights_only=True)`` reads it and refuses anything that would execute code:
    format, model (ModelConfig as a dict), state_dict, step, optimizer (name + state),
    rng (torch RNG state and the data position), dataset (path, manifest hash),
    args (the training arguments), metrics (last validation figures)
Authors' released weights (a bare state dict of the released layout) load through
sketchtrain.released instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .model import ModelConfig, SimplifyNet

FORMAT = "sketchtrain-checkpoint/1"


class CheckpointError(RuntimeError):
    """A file that is not a usable checkpoint; the message says why."""


def save_checkpoint(path: str | Path, payload: dict) -> None:
    """Save to a temporary file in the same folder, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"format": FORMAT, **payload}, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_file(path: str | Path) -> dict:
    """torch.load with weights_only=True and clear errors."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a loadable weights file (refused or corrupt: {str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a dict of weights, got {type(data).__name__}")
    return data


def load_checkpoint(path: str | Path) -> dict:
    """Read one of our checkpoints (see module doc); raises CheckpointError otherwise."""
    data = read_file(path)
    if data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a sketchtrain checkpoint (format {data.get('format')!r}); "
                              "for the authors' released weights pass the file to `simplify`/`fit --init` directly")
    return data


def model_from_checkpoint(data: dict) -> SimplifyNet:
    """Rebuild the trained network a checkpoint describes, in eval mode."""
    config = ModelConfig(**data["model"])
    model = SimplifyNet(config)
    try:
        model.load_state_dict(data["state_dict"])
    except RuntimeError as exc:
        raise CheckpointError(f"checkpoint weights do not match its model config {config}: {exc}") from None
    return model.eval()
