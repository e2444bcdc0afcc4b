"""Benchmark: where a model's remaining errors at 1 px lie (issue 12's question: what bounds F).

    .venv/bin/python benchmarks/error_distances.py RUN/eval_heldout [RUN/eval_heldout_rough ...]
    .venv/bin/python benchmarks/error_distances.py --ensemble RUN_A/eval_heldout RUN_B/eval_heldout ...

Reads the images an evaluation wrote (``NNNNN_model.png`` beside ``NNNNN_target.png``, from
`sketchtrain evaluate ... -o FOLDER`) and splits the pixels that miss at the 1 px tolerance by
how far they are from the other image's strokes:
  - near (1 < d <= 3 px): a line drawn a pixel or two wide of, or beside, the target's line: the
    rough passes do not pin down the clean line's exact position and width;
  - far (d > 3 px): a stroke kept that the target deletes, or a target stroke lost.
Shares are of all predicted stroke pixels (false positives) and of all target stroke pixels
(false negatives), pooled over the folder; stroke pixels as the benchmark: L <= 191.

``--ensemble``: the mean F at 1 px of each folder's outputs and of their pixel-wise average
(evaluations of several models on the same set). Averaging independently trained models
approaches the best prediction the training data supports; when even the average scores
little above its members, no single network of this budget will score much higher.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sketchtrain.evaluation.metrics import STROKE_LEVEL, load_luma8, stroke_distances, stroke_scores  # noqa: E402

TOLERANCE, NEAR = 1.0, 3.0


def error_distances(folder: Path) -> dict:
    counts = dict.fromkeys(("pred", "target", "fp_near", "fp_far", "fn_near", "fn_far"), 0)
    outputs = sorted(folder.glob("*_model.png"))
    if not outputs:
        raise SystemExit(f"{folder}: no *_model.png (write them with `sketchtrain evaluate ... -o {folder}`)")
    for output in outputs:
        pred = load_luma8(output) <= STROKE_LEVEL
        target = load_luma8(output.with_name(output.name.replace("_model", "_target"))) <= STROKE_LEVEL
        for kind, distance in zip(("fp", "fn"), stroke_distances(pred, target)):
            counts[f"{kind}_near"] += int(((distance > TOLERANCE) & (distance <= NEAR)).sum())
            counts[f"{kind}_far"] += int((distance > NEAR).sum())
        counts["pred"] += int(pred.sum())
        counts["target"] += int(target.sum())
    return {"images": len(outputs), **counts}


def ensemble_scores(folders: list[Path]) -> dict:
    """Mean F at 1 px of every folder's outputs and of their average, over the images all share."""
    names = sorted(set.intersection(*({p.name for p in f.glob("*_model.png")} for f in folders)))
    if not names:
        raise SystemExit("the folders share no *_model.png: evaluate every model on the same set")
    members, averaged = [[] for _ in folders], []
    for name in names:
        target = load_luma8(folders[0] / name.replace("_model", "_target"))
        outputs = [load_luma8(f / name) for f in folders]
        for scores, output in zip(members, outputs):
            scores.append(stroke_scores(output, target, tol_px=1.0)["f"])
        mean = np.rint(np.mean(outputs, axis=0)).astype(np.uint8)
        averaged.append(stroke_scores(mean, target, tol_px=1.0)["f"])
    return {"images": len(names), "members": [float(np.mean(s)) for s in members], "average": float(np.mean(averaged))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--ensemble", action="store_true", help="score the folders' averaged outputs")
    args = parser.parse_args()
    folders = [f / "images" if (f / "images").is_dir() else f for f in args.folders]
    if args.ensemble:
        result = ensemble_scores(folders)
        for folder, f in zip(args.folders, result["members"]):
            print(f"{folder}: F {f:.3f}")
        print(f"average of the {len(folders)} outputs: F {result['average']:.3f} ({result['images']} images)")
        return
    print("| evaluation | images | FP near (% of predicted) | FP far | FN near (% of target) | FN far | "
          "predicted / target stroke pixels |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for folder, images in zip(args.folders, folders):
        c = error_distances(images)
        pred, target = max(c["pred"], 1), max(c["target"], 1)
        print(f"| {folder} | {c['images']} | {100 * c['fp_near'] / pred:.1f} | {100 * c['fp_far'] / pred:.1f} | "
              f"{100 * c['fn_near'] / target:.1f} | {100 * c['fn_far'] / target:.1f} | {c['pred'] / target:.2f} |")


if __name__ == "__main__":
    main()
