"""Output levels for a trained model, chosen on its validation split.

Why: trained with a squared error on thin target lines whose exact position the rough input
cannot pin down to the pixel, the network's best output on a line is its ink probability,
so even lines it is sure of come out mid-grey (measured: no output below about 0.35 on the
default model's own validation patches). Levels (lo -> black, hi -> white, linear between)
give the output full contrast without binarising it:
- ``lo``: the median output on target ink pixels, so that the typical line is black;
- ``hi``: chosen so the benchmarks' stroke level (L <= 191, i.e. 0.75 after levels) falls on
  the raw threshold with the best F at 1 px on the validation split; the paper stays white.
The levels are stored in the checkpoint's model config and applied inside the network's
forward pass, so simplify, evaluate, the app and exported ONNX/TorchScript models agree.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from sketchdata.shards.dataset import iter_samples, shard_paths

from sketchtrain.inference.runner import Simplifier
from sketchtrain.evaluation.baselines import ThresholdSweep
from sketchtrain.evaluation.metrics import STROKE_LEVEL, to_luma8
from sketchtrain.models.registry import fold_for_inference

STROKE = STROKE_LEVEL / 255.0  # 0.749: the benchmarks' stroke decision on a [0, 1] image
SWEEP = np.round(np.arange(0.40, 0.96, 0.025), 3)


def choose_levels(outputs: list[np.ndarray], targets: list[np.ndarray]) -> dict:
    """(lo, hi) and the figures behind them, from raw outputs and their targets."""
    ink = np.concatenate([o[t < 0.5] for o, t in zip(outputs, targets)])
    lo = float(np.median(ink))
    sweep = ThresholdSweep([t for t in SWEEP if t > lo + 0.02])  # levels above the typical line
    for o, g in zip(outputs, targets):
        sweep.add(o, to_luma8(g))
    best_t, best_f, _ = sweep.best()
    # after levels, raw t sits at (t - lo) / (hi - lo) = STROKE
    hi = lo + (best_t - lo) / STROKE
    return {"lo": round(lo, 4), "hi": round(min(hi, 1.5), 4), "raw_threshold": best_t, "validation_f": round(best_f, 4),
            "ink_pixels": int(ink.size)}


def calibrate_checkpoint(data: dict, dataset: str | Path, samples: int = 200) -> tuple[dict, dict]:
    """A checkpoint dict with output levels set from ``dataset``'s validation split; and the figures."""
    from sketchtrain.models.checkpoint import model_from_checkpoint

    model = model_from_checkpoint({**data, "model": {**data["model"], "output_levels": None}})
    runner = Simplifier(fold_for_inference(model), precision="fp32", tile_pixels=10**9)
    outputs, targets = [], []
    for index, (_, inp, tgt, _) in enumerate(iter_samples(shard_paths(dataset, "validation"), skipped=[])):
        if index >= samples:
            break
        outputs.append(runner.simplify(inp, 1.0))
        targets.append(tgt)
    if not outputs:
        raise ValueError(f"{dataset}: no validation samples to calibrate on")
    figures = choose_levels(outputs, targets)
    config = replace(model.config, output_levels=(figures["lo"], figures["hi"]))
    return {**data, "model": config.to_dict()}, {**figures, "samples": len(outputs)}

