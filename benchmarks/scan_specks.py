"""Benchmark: paper grain, specks and blobs a model leaves on the real *judging* scans.

    .venv/bin/python benchmarks/scan_specks.py MODEL [MODEL ...] [--scans ../shared/data/rough] [--scale auto] \
        [--despeckle AREA]

For each judging scan (benchmarks/real/scans_split.json) and model: the number of ink specks
in the output, i.e. connected ink components (8-connected, at the benchmarks' stroke level
191/255) of at most --max-area pixels. Clean line art has almost none; a model that turns
paper grain or scan dust into ink leaves hundreds. No ground truth needed, so it is measured
on real scans; it says nothing about lines kept or lost (look at the sheets for that).

Blobs (issue 23, committed before the model trained on shading): ink components of the output
wider than 3 times the scan's median line width (sketchdata.image.linewidth on the input
scan), width being twice the largest distance from a component's pixel to the paper. Inked
lines are as wide as the scan's lines; shading that a model turns into filled darks is wider.

``--despeckle AREA`` counts on the outputs as `simplify --despeckle AREA` writes them (isolated
marks of at most AREA pixels removed).

Prints a Markdown table, one column per model (specks / blobs), and the totals.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from sketchdata.image.io import load_grey
from sketchdata.image.linewidth import median_stroke_width
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.simplify import SimplifyOptions, parse_scale, simplify_image

ROOT = Path(__file__).resolve().parents[1]


def ink_specks(image: np.ndarray, max_area: int = 6) -> int:
    ink = (image <= 191 / 255).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return int((stats[1:, cv2.CC_STAT_AREA] <= max_area).sum())


def ink_blobs(image: np.ndarray, line_width: float, factor: float = 3.0) -> int:
    """Ink components wider than ``factor`` line widths (width: twice the largest distance
    from the component's pixels to the paper)."""
    ink = (image <= 191 / 255).astype(np.uint8)
    n, labels = cv2.connectedComponents(ink, connectivity=8)
    if n <= 1:
        return 0
    depth = cv2.distanceTransform(ink, cv2.DIST_L2, 5)
    widest = np.zeros(n, np.float32)
    np.maximum.at(widest, labels.ravel(), depth.ravel())
    return int((2 * widest[1:] > factor * line_width).sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--scans", type=Path, default=ROOT.parent / "shared" / "data" / "rough")
    ap.add_argument("--scale", default="auto")
    ap.add_argument("--max-area", type=int, default=6)
    ap.add_argument("--despeckle", type=int, default=0, help="as simplify --despeckle (0: off)")
    args = ap.parse_args()
    names = json.loads((ROOT / "benchmarks" / "real" / "scans_split.json").read_text())["judging"]
    options = SimplifyOptions(scale=parse_scale(args.scale), despeckle=args.despeckle)  # as simplify runs them
    scans = {name: load_grey(args.scans / name) for name in names}
    widths = {name: median_stroke_width(scan) or 1.5 for name, scan in scans.items()}
    counts: dict[Path, list[tuple[int, int]]] = {}
    for path in args.models:
        model, info = load_model(path)
        runner = Simplifier(model, line_width=info.get("line_width"))
        outputs = [simplify_image(runner, scans[name], options).image for name in names]
        counts[path] = [(ink_specks(out, args.max_area), ink_blobs(out, widths[name])) for out, name in zip(outputs, names)]
    print("| scan (specks / blobs) | " + " | ".join(str(p) for p in args.models) + " |")
    print("| --- " * (len(args.models) + 1) + "|")
    for i, name in enumerate(names):
        print(f"| {name} | " + " | ".join("%d / %d" % counts[p][i] for p in args.models) + " |")
    print("| **total** | " + " | ".join("**%d / %d**" % tuple(map(sum, zip(*counts[p]))) for p in args.models) + " |")


if __name__ == "__main__":
    main()
