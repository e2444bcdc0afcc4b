"""Benchmark: build throughput of the quickstart recipe, and the cost of each effect.

    .venv/bin/python benchmarks/bench_build.py [--repeats 2]

Prints samples/s at --workers 1 and 2 (built side by side, alternating, into temporary
folders; the best of the repeats), their ratio, and each registered effect's cost in
milliseconds per megapixel on 256x256 patches of the bundled samples.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from sketchdata.shards.build import build_dataset
from sketchdata.effects import EFFECTS
from sketchdata.image.io import list_images, load_grey
from sketchdata.recipe import load_recipe

ROOT = Path(__file__).resolve().parents[1]


def build_rate(workers: int) -> tuple[float, int]:
    recipe = load_recipe(ROOT / "recipes" / "quickstart.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = build_dataset(recipe, Path(tmp) / "ds", workers=workers)
        seconds = time.perf_counter() - start
    n = sum(report.samples.values())
    return n / seconds, n


def effect_costs(patches: list[np.ndarray]) -> dict[str, float]:
    costs = {}
    for name, cls in EFFECTS.items():
        fn = cls.effect_function
        start = time.perf_counter()
        for i, patch in enumerate(patches):
            fn(patch, 0.5, np.random.default_rng(i))
        seconds = time.perf_counter() - start
        costs[name] = 1000 * seconds / (len(patches) * patches[0].size / 1e6)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rates = {1: [], 2: []}
    for _ in range(args.repeats):
        for workers in (1, 2):
            rate, n = build_rate(workers)
            rates[workers].append(rate)
    best1, best2 = max(rates[1]), max(rates[2])
    print(f"quickstart build ({n} samples of 256x256, default effects, planning included)")
    print(f"  workers=1: {best1:7.1f} samples/s   (runs: {', '.join(f'{r:.1f}' for r in rates[1])})")
    print(f"  workers=2: {best2:7.1f} samples/s   (runs: {', '.join(f'{r:.1f}' for r in rates[2])})")
    print(f"  speed-up 2 vs 1: {best2 / best1:.2f}x")
    rng = np.random.default_rng(0)
    patches = []
    for path in list_images(ROOT / "samples" / "lineart"):
        img = load_grey(path)
        for _ in range(4):
            y, x = rng.integers(0, img.shape[0] - 256), rng.integers(0, img.shape[1] - 256)
            patches.append(img[y : y + 256, x : x + 256].copy())
    print(f"effect cost at strength 0.5 ({len(patches)} patches of 256x256):")
    for name, ms in effect_costs(patches).items():
        print(f"  {name:7s} {ms:8.1f} ms per megapixel  ({ms * 0.065536:.1f} ms per 256x256 patch)")


if __name__ == "__main__":
    main()
