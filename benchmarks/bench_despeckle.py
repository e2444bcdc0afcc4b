"""Benchmark: what `simplify --despeckle` adds to a run, side by side with the network.

    .venv/bin/python benchmarks/bench_despeckle.py [--size 2048] [--area 8] [--repeats 3]

On one procedural drawing of --size x --size px with paper-grain dots added, in one process:
the shipped default model at scale 1 (the fast path, as `simplify` runs it), then
``remove_specks`` on its output; best of --repeats each, and the ratio. Also the number of
marks in the output before and after.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from sketchdata.drawing.shapes import procedural_line_art
from sketchtrain.inference.default_model import default_model_path
from sketchtrain.inference.despeckle import PAPER_LEVEL, remove_specks
from sketchtrain.inference.runner import Simplifier, load_model

from bench_simplify import best_of  # a sibling script: benchmarks/ is on the path when this one runs


def marks(image: np.ndarray) -> int:
    return cv2.connectedComponents((image < PAPER_LEVEL).astype(np.uint8), connectivity=8)[0] - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--area", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    image = procedural_line_art((args.size, args.size), rng)
    grain = rng.random(image.shape) < 0.002  # dark dots of grain, as on a grainy scan
    image = np.where(grain, np.minimum(image, 0.35), image).astype(np.float32)
    model, info = load_model(default_model_path())
    runner = Simplifier(model, line_width=info.get("line_width"))
    output = runner.simplify(image, 1.0)
    cleaned = remove_specks(output, args.area)
    net_s = best_of(lambda: runner.simplify(image, 1.0), args.repeats)
    speck_s = best_of(lambda: remove_specks(output, args.area), args.repeats)
    megapixels = image.size / 1e6
    print(f"{args.size}x{args.size} ({megapixels:.1f} MP), best of {args.repeats}")
    print(f"network (default model, scale 1): {net_s:.2f} s ({1000 * net_s / megapixels:.0f} ms/MP)")
    print(f"remove_specks (area {args.area}): {1000 * speck_s:.1f} ms ({1000 * speck_s / megapixels:.1f} ms/MP), "
          f"{100 * speck_s / net_s:.2f}% of the network's time")
    print(f"marks in the output: {marks(output)}, after: {marks(cleaned)}")


if __name__ == "__main__":
    main()
