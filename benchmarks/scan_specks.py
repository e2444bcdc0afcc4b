"""Benchmark: paper grain and specks a model leaves on the real *judging* scans.

    .venv/bin/python benchmarks/scan_specks.py MODEL [MODEL ...] [--scans ../shared/data/rough] [--scale auto]

For each judging scan (benchmarks/real/scans_split.json) and model: the number of ink specks
in the output, i.e. connected ink components (8-connected, at the benchmarks' stroke level
191/255) of at most --max-area pixels. Clean line art has almost none; a model that turns
paper grain or scan dust into ink leaves hundreds. No ground truth needed, so it is measured
on real scans; it says nothing about lines kept or lost (look at the sheets for that).
Prints a Markdown table, one column per model, and the totals.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from sketchdata.image.io import load_grey
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.inference.simplify import parse_scale

ROOT = Path(__file__).resolve().parents[1]


def ink_specks(image: np.ndarray, max_area: int = 6) -> int:
    ink = (image <= 191 / 255).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return int((stats[1:, cv2.CC_STAT_AREA] <= max_area).sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--scans", type=Path, default=ROOT.parent / "shared" / "data" / "rough")
    ap.add_argument("--scale", default="auto")
    ap.add_argument("--max-area", type=int, default=6)
    args = ap.parse_args()
    names = json.loads((ROOT / "benchmarks" / "real" / "scans_split.json").read_text())["judging"]
    scale = parse_scale(args.scale)
    counts: dict[Path, list[int]] = {}
    for path in args.models:
        model, info = load_model(path)
        runner = Simplifier(model, line_width=info.get("line_width"))
        counts[path] = [ink_specks(runner.simplify(load_grey(args.scans / name), scale), args.max_area) for name in names]
    print("| scan | " + " | ".join(str(p) for p in args.models) + " |")
    print("| --- " * (len(args.models) + 1) + "|")
    for i, name in enumerate(names):
        print(f"| {name} | " + " | ".join(str(counts[p][i]) for p in args.models) + " |")
    print("| **total** | " + " | ".join(f"**{sum(counts[p])}**" for p in args.models) + " |")


if __name__ == "__main__":
    main()
