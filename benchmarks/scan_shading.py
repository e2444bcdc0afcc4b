"""How much of a real drawing's graphite is shading, and how dark it is: the ranges the shading
synthesis takes (issue 23). Reads only the tuning half of benchmarks/real/scans_split.json.

    .venv/bin/python benchmarks/scan_shading.py [--scans ../shared/data/rough] [--half tuning]

Definitions (each scan on its own, at its own scale):
- darkness d = (paper - value) / paper, clipped to [0, 1]; paper = the scan's median value;
- marks: d > MARK (visible graphite); the scan's median line width w (sketchdata.image.linewidth);
- shading: marks where the share of marks within a window of side max(9, WINDOW w) is at least
  DENSE: hatching, cross-hatching and smudges fill their neighbourhood, a line (even a bundle
  of rough passes, or two crossing lines) covers well under half of it; lines: the other
  marks. Chosen by looking at the masks of three tuning scans (fig01_eisaku, test, fig15_joshi):
  a 6 w window at 0.4 counted the bundles of a rough sketch's passes as shading (test.png 0.24
  of its graphite, fig15_joshi 0.31); 12 w at 0.45 keeps to hatching, smudges and filled
  darks (0.07 and 0.055) and still finds fig01_eisaku's hatched ground;
- shading share: the shading's part of all the graphite (sum of d), and of the marked pixels;
- darkness of shading relative to lines: median d of shading pixels / median d of line pixels;
- region side: sqrt(area) of the connected shading regions (closed over one window) holding
  at least 1% of the scan's shading, in pixels and in line widths.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from sketchdata.image.io import load_grey
from sketchdata.image.linewidth import median_stroke_width

SPLIT = Path(__file__).resolve().parent / "real" / "scans_split.json"
MARK = 0.12  # darkness of visible graphite (a twelfth of the way from paper to black)
WINDOW = 12  # the density window's side, in line widths
DENSE = 0.45  # share of marks in the window from which on a mark is shading


def shading_measures(image: np.ndarray) -> dict:
    paper = float(np.median(image))
    dark = np.clip((paper - image) / max(paper, 1e-6), 0.0, 1.0)
    marks = dark > MARK
    width = median_stroke_width(image) or 1.5
    side = int(max(9, round(WINDOW * width))) | 1
    density = cv2.boxFilter(marks.astype(np.float32), -1, (side, side), normalize=True, borderType=cv2.BORDER_REFLECT)
    shading = marks & (density >= DENSE)
    lines = marks & ~shading
    mass = float(dark[marks].sum()) or 1.0
    closed = cv2.morphologyEx(shading.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((side, side), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    areas = np.array([stats[i, cv2.CC_STAT_AREA] for i in range(1, n)], float)
    held = np.bincount(labels[shading], minlength=n)[1:] if n > 1 else np.zeros(0)
    big = areas[held >= 0.01 * max(shading.sum(), 1)] if n > 1 else np.zeros(0)
    line_dark = float(np.median(dark[lines])) if lines.any() else float("nan")
    shade_dark = float(np.median(dark[shading])) if shading.any() else float("nan")
    return {"line_width": round(width, 2), "window": side,
            "shading_share_mass": round(float(dark[shading].sum()) / mass, 3),
            "shading_share_pixels": round(float(shading.sum()) / max(int(marks.sum()), 1), 3),
            "line_darkness": round(line_dark, 3), "shading_darkness": round(shade_dark, 3),
            "shading_vs_lines": round(shade_dark / line_dark, 3) if lines.any() and shading.any() else None,
            "regions": int(len(big)),
            "region_side_px": [round(float(v), 1) for v in np.percentile(np.sqrt(big), [10, 50, 90])] if len(big) else [],
            "region_side_widths": [round(float(v) / width, 1) for v in np.percentile(np.sqrt(big), [10, 50, 90])]
            if len(big) else []}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=Path, default=Path("../shared/data/rough"))
    ap.add_argument("--half", default="tuning", choices=["tuning", "judging"])
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    names = json.loads(SPLIT.read_text())[args.half]
    rows = {name: shading_measures(load_grey(args.scans / name)) for name in names if (args.scans / name).exists()}
    print("| scan | line width | shading share (mass / pixels) | darkness lines / shading (ratio) | regions: side p10-p50-p90 px (line widths) |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in rows.items():
        print(f"| {name} | {r['line_width']} | {r['shading_share_mass']} / {r['shading_share_pixels']} | "
              f"{r['line_darkness']} / {r['shading_darkness']} ({r['shading_vs_lines']}) | {r['regions']}: "
              f"{'-'.join(map(str, r['region_side_px']))} ({'-'.join(map(str, r['region_side_widths']))}) |")
    shares = [r["shading_share_mass"] for r in rows.values()]
    ratios = [r["shading_vs_lines"] for r in rows.values() if r["shading_vs_lines"] is not None]
    print(f"\nshading share of graphite over the {args.half} scans: min {min(shares)}, median "
          f"{float(np.median(shares)):.3f}, max {max(shares)}; shading darkness / line darkness: min {min(ratios)}, "
          f"median {float(np.median(ratios)):.3f}, max {max(ratios)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
