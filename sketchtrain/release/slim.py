"""The checkpoint a project ships: half the size of a training checkpoint, no optimiser or RNG
state, output levels set on a validation split (``calibrate``)."""

from __future__ import annotations

from pathlib import Path

from sketchdata.image.linewidth import check_width_statistic
from sketchtrain.models.checkpoint import load_checkpoint, save_checkpoint
from sketchtrain.release.calibrate import calibrate_checkpoint


def save_slim(source: str | Path, target: str | Path, note: dict | None = None,
              levels_from: str | Path | None = None, scale_rule: str | None = None) -> dict:
    """Write a checkpoint for shipping: model config, weights in float16 (half the size; the
    fast path runs in bf16 anyway), step, training args and metrics; no optimiser or RNG state.
    Loads everywhere a checkpoint does (weights are cast back to float32 on load).
    ``levels_from``: a dataset whose validation split sets the output levels (sketchtrain.release.calibrate).
    ``scale_rule``: how `--scale auto` reads inputs with this model (WIDTH_STATISTICS); None: the
    checkpoint's own (a run resumed from before the rule existed keeps "median")."""
    data = load_checkpoint(source)
    note = dict(note or {})
    if scale_rule is not None:
        data = {**data, "model": {**data["model"], "scale_rule": check_width_statistic(scale_rule)}}
        note["scale_rule"] = scale_rule
    if levels_from is not None:
        data, note["output_levels"] = calibrate_checkpoint(data, levels_from)
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in data["state_dict"].items()}
    slim = {"model": data["model"], "state_dict": half, "step": data["step"], "args": data.get("args", {}),
            "metrics": data.get("metrics", {}), "best_val_loss": data.get("best_val_loss"), "shipped": note}
    save_checkpoint(target, slim)
    return slim
