"""How long `sketchdata build` takes to plan (list, size, split and group the drawings into
shards) before any sample is made, for N small image files.

    .venv/bin/python benchmarks/bench_plan.py --files 5000 10000

Prints seconds per step for each N; planning should grow about linearly with N.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from sketchdata.build import plan_fingerprint, plan_shards
from sketchdata.recipe import load_recipe
from sketchdata.sources import collect_sources


def make_folder(root: Path, count: int) -> Path:
    art = root / "art"
    art.mkdir(parents=True)
    tile = Image.fromarray(np.full((32, 32), 255, np.uint8))
    for i in range(count):
        tile.save(art / f"d{i:06d}.png", compress_level=1)
    recipe = {"name": "plan", "seed": 1, "sources": [{"kind": "lineart", "name": "art", "paths": ["art"]}],
              "patches": {"size": 16, "per_image": 1}, "output": {"dir": "out", "shard_samples": 16}}
    (root / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    return root / "recipe.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, nargs="+", default=[5000, 10000])
    args = parser.parse_args()
    print(f"{'files':>7} {'collect s':>10} {'plan s':>8} {'fingerprint s':>14} {'total s':>8}")
    for count in args.files:
        with tempfile.TemporaryDirectory() as tmp:
            recipe = load_recipe(make_folder(Path(tmp), count))
            t0 = time.perf_counter()
            items, _ = collect_sources(recipe)
            t1 = time.perf_counter()
            plans = plan_shards(items, recipe)
            t2 = time.perf_counter()
            plan_fingerprint(recipe, items)
            t3 = time.perf_counter()
            assert sum(len(p.items) for p in plans) == count
            print(f"{count:>7} {t1 - t0:>10.2f} {t2 - t1:>8.2f} {t3 - t2:>14.2f} {t3 - t0:>8.2f}")


if __name__ == "__main__":
    main()
