"""Benchmark: where a model's remaining errors at 1 px lie (issue 12's question: what bounds F).

    .venv/bin/python benchmarks/error_distances.py RUN/eval_heldout [RUN/eval_heldout_rough ...]

Reads the images an evaluation wrote (``NNNNN_model.png`` beside ``NNNNN_target.png``, from
`sketchtrain evaluate ... -o FOLDER`) and splits the pixels that miss at the 1 px tolerance by
how far they are from the other image's strokes:
  - near (1 < d <= 3 px): a line drawn a pixel or two wide of, or beside, the target's line: the
    rough passes do not pin down the clean line's exact position and width;
  - far (d > 3 px): a stroke kept that the target deletes, or a target stroke lost.
Shares are of all predicted stroke pixels (false positives) and of all target stroke pixels
(false negatives), pooled over the folder; stroke pixels as the benchmark: L <= 191.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sketchtrain.metrics import STROKE_LEVEL, load_luma8  # noqa: E402

TOLERANCE, NEAR = 1.0, 3.0


def error_distances(folder: Path) -> dict:
    counts = dict.fromkeys(("pred", "target", "fp_near", "fp_far", "fn_near", "fn_far"), 0)
    outputs = sorted(folder.glob("*_model.png"))
    if not outputs:
        raise SystemExit(f"{folder}: no *_model.png (write them with `sketchtrain evaluate ... -o {folder}`)")
    for output in outputs:
        pred = load_luma8(output) <= STROKE_LEVEL
        target = load_luma8(output.with_name(output.name.replace("_model", "_target"))) <= STROKE_LEVEL
        to_target, to_pred = ndimage.distance_transform_edt(~target), ndimage.distance_transform_edt(~pred)
        for kind, strokes, distance in (("fp", pred, to_target), ("fn", target, to_pred)):
            missed = strokes & (distance > TOLERANCE)
            counts[f"{kind}_near"] += int((missed & (distance <= NEAR)).sum())
            counts[f"{kind}_far"] += int((missed & (distance > NEAR)).sum())
        counts["pred"] += int(pred.sum())
        counts["target"] += int(target.sum())
    return {"images": len(outputs), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    print("| evaluation | images | FP near (% of predicted) | FP far | FN near (% of target) | FN far | "
          "predicted / target stroke pixels |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for folder in args.folders:
        c = error_distances(folder / "images" if (folder / "images").is_dir() else folder)
        pred, target = max(c["pred"], 1), max(c["target"], 1)
        print(f"| {folder} | {c['images']} | {100 * c['fp_near'] / pred:.1f} | {100 * c['fp_far'] / pred:.1f} | "
              f"{100 * c['fn_near'] / target:.1f} | {100 * c['fn_far'] / target:.1f} | {c['pred'] / target:.2f} |")


if __name__ == "__main__":
    main()
